"""The timeline picture of a history, Porcupine-style, as a plain SVG string, and its words.

One row per client; each operation is a bar from its call to its return, and a pending one runs
off the right edge, dashed. Time runs left to right by the *order* of the moments shown (equal
moments line up), not to scale, so that short operations stay readable. Bars that share a row
and would overlap (a label is wider than its bar, or a pending operation is still open) go on
separate lanes. Each label starts with the operation's place in the order found ("1.", "2.");
the operation that cannot come next is marked ✗ and outlined in vermillion; in the bigger views
the operations of the 1-minimal set are outlined in orange. Colours (Okabe-Ito, as in
``raft.viz.palette``, not imported so that this module stays importable in Pyodide) are never
the only cue. Text is at least 12.5 px at a 360 px wide rendering.
"""

from __future__ import annotations

import zlib
from html import escape

INK, MUTED, RULE = "#1f2328", "#57606a", "#d0d7de"
PLAIN = ("#d4e9f7", "#0072B2")        # fill, outline: an operation
MARKED = ("#fbe3b1", "#E69F00")       # in the 1-minimal set
BLOCKED = ("#f6cdb4", "#D55E00")      # cannot be placed
OTHER = ("#eeeeee", "#999999")        # another partition's operation
LABEL_SIZE, CHAR = 13, 7.8            # monospace labels: 0.6 em a character
LANE, PAD = 34, 8


def plural(count, word):
    """``1 operation``, ``2 operations``."""
    return f"{count} {word}" + ("" if count == 1 else "s")


def moment(t):
    """A call or return moment in words, as the history's own value prints: 12, 12.5, (12, 40).

    A history may give its moments a type of its own whose ``str()`` says what they are: the
    simulator's (ms, step) moments read ``143.45 ms (step 21)`` (``raft.sim.clients.Moment``).
    """
    if isinstance(t, float):
        return f"{t:.15g}"          # 12.0 -> 12, 12345.67 stays whole (":g" keeps 6 digits)
    return str(t)


def _label(model, op, place, blocked):
    text = model.describe(op)
    if len(text) > 24:
        text = text[:23] + "…"
    if op is blocked:
        text = "✗ " + text
    elif place is not None:
        text = f"{place}. {text}"
    return text + (" (no reply)" if op.pending else "")


def _layout(model, ops, order, blocked, width):
    """Positions of every bar: rows by client (first call first), lanes within a row."""
    places = {id(op): k for k, op in enumerate(order, start=1)}
    moments = sorted({op.call for op in ops} | {op.ret for op in ops if not op.pending})
    rank = {t: k for k, t in enumerate(moments)}
    clients = []
    for op in sorted(ops, key=lambda op: (op.call, op.index)):
        if op.client not in clients:
            clients.append(op.client)
    names = {c: (str(c) if len(str(c)) <= 7 else str(c)[:6] + "…") for c in clients}
    left = PAD + max([len(n) for n in names.values()] + [2]) * CHAR + 8
    right = width - PAD - 14
    unit = (right - left) / max(1, len(moments))
    rows = []
    for client in clients:
        lanes = []          # the right end of each lane so far
        bars = []
        for op in sorted((op for op in ops if op.client == client),
                         key=lambda op: (op.call, op.index)):
            x0 = left + (rank[op.call] + 0.5) * unit - 3
            x1 = width - PAD if op.pending else max(left + (rank[op.ret] + 0.5) * unit + 3,
                                                    x0 + 6)
            label = _label(model, op, places.get(id(op)), blocked)
            tx = max(left, min(x0, width - PAD - len(label) * CHAR))
            start, end = min(x0, tx), max(x1, tx + len(label) * CHAR) + 6
            lane = next((k for k, last in enumerate(lanes) if last <= start), len(lanes))
            if lane == len(lanes):
                lanes.append(end)
            lanes[lane] = end
            bars.append((op, lane, x0, x1, tx, label))
        rows.append((client, names[client], len(lanes), bars))
    return rows, left


def describe_timeline(model, ops, order=(), blocked=None, marked=(), title="", state="",
                      hint=None, **_):
    """The picture in sentences, for screen readers and for readers of plain text."""
    places = {id(op): k for k, op in enumerate(order, start=1)}
    clients = len({op.client for op in ops})
    words = [f"{title}. A timeline of {plural(len(ops), 'operation')} by "
             f"{plural(clients, 'client')}, each drawn from its call to its return."]
    for op in sorted(ops, key=lambda op: (op.call, op.index)):
        span = (f"called at {moment(op.call)}, never returned" if op.pending
                else f"from {moment(op.call)} to {moment(op.ret)}")
        note = ""
        if op is blocked:
            note = ": marked ✗, it cannot come next after the numbered ones"
        elif id(op) in places:
            note = f": number {places[id(op)]} in the order"
        words.append(f"Client {op.client}: {model.describe(op)}, {span}{note}.")
    if blocked is not None and state:
        words.append(f"After the numbered {'one' if len(order) == 1 else 'ones'}, {state}."
                     if order else f"At the start, {state}.")
    if hint:
        k, j = hint
        where = "at the start" if k == 0 else f"right after number {k}"
        words.append(f"The operation marked ✗ would fit {where}, but number {j} returned "
                     "before it was called.")
    if marked:
        words.append("Outlined: " + ("the operation that fits no order even alone."
                                     if len(marked) == 1 else
                                     f"the {len(marked)} operations that no order can fit."))
    return " ".join(words)


def timeline_svg(model, ops, order=(), blocked=None, marked=(), title="", state="", hint=None,
                 width=360):
    """The timeline as an SVG string that scales to its container (at most 480 px wide).

    ``order``: the operations numbered 1, 2, ...; ``blocked``: the one marked ✗; ``marked``:
    those outlined in orange; ``state``: the state after ``order``, in words; ``hint``: (k, j)
    when ✗ would fit right after number k but number j returned before it was called.
    """
    rows, left = _layout(model, ops, order, blocked, width)
    keys = {model.partition(op) for op in marked}
    marked = {id(op) for op in marked}
    body, y = [], 30
    for client, name, lanes, bars in rows:
        body.append(f'<line x1="{PAD}" x2="{width - PAD}" y1="{y}" y2="{y}" stroke="{RULE}"/>')
        body.append(f'<text x="{PAD}" y="{y + 27}" font-size="13" font-weight="bold" '
                    f'fill="{INK}">{escape(name)}</text>')
        for op, lane, x0, x1, tx, label in bars:
            top = y + 4 + lane * LANE
            fill, stroke = PLAIN
            if op is blocked:
                fill, stroke = BLOCKED
            elif id(op) in marked:
                fill, stroke = MARKED
            elif marked and model.partition(op) not in keys:
                fill, stroke = OTHER
            heavy = op is blocked or id(op) in marked
            dash = ' stroke-dasharray="5 3"' if op.pending else ""
            span = (f"called at {moment(op.call)}, never returned" if op.pending
                    else f"called at {moment(op.call)}, returned at {moment(op.ret)}")
            colour = BLOCKED[1] if op is blocked else INK
            weight = ' font-weight="bold"' if op is blocked else ""
            body.append(
                f'<g><title>{escape(f"{client}: {model.describe(op)}, {span}")}</title>'
                f'<rect x="{x0:.1f}" y="{top + 17}" width="{x1 - x0:.1f}" height="12" rx="3" '
                f'fill="{fill}" stroke="{stroke}" stroke-width="{2.5 if heavy else 1.2}"{dash}/>'
                f'<text x="{tx:.1f}" y="{top + 13}" font-size="{LABEL_SIZE}" '
                f'font-family="ui-monospace,Menlo,Consolas,monospace" fill="{colour}"{weight}>'
                f'{escape(label)}</text></g>')
        y += 8 + lanes * LANE
    body.append(f'<line x1="{left}" x2="{width - PAD - 4}" y1="{y + 6}" y2="{y + 6}" '
                f'stroke="{MUTED}" marker-end="url(#ARROW)"/>'
                f'<text x="{left}" y="{y + 22}" font-size="12.5" fill="{MUTED}">time (order of '
                'events, not to scale)</text>')
    y += 30
    legend = ["Bars: from call to return."]
    if order:
        legend.append("1., 2., …: an order that works.")
    if blocked is not None:
        legend.append("✗: cannot come next.")
        if state and order:
            legend.append(f"After {len(order)}.: {state}.")
        if hint:
            k, j = hint
            where = "only at the start" if k == 0 else f"right after {k}."
            legend.append(f"✗ fits {where}, but {j}. returned before ✗ was called.")
    if marked - {id(blocked)}:
        legend.append("Orange: no order fits these.")
    if any(op.pending for op in ops):
        legend.append("Dashed: no reply.")
    lines = []
    for item in legend:                       # at most 50 characters a line at 12.5 px
        line = ""
        for word in item.split(" "):
            if line and len(line) + 1 + len(word) > 50:
                lines.append(line)
                line = ""
            line = f"{line} {word}".strip()
        lines.append(line)
    for text in lines:
        y += 17
        body.append(f'<text x="{PAD}" y="{y}" font-size="12.5" fill="{MUTED}">'
                    f'{escape(text)}</text>')
    height = y + 8
    words = describe_timeline(model, ops, order, blocked,
                              tuple(op for op in ops if id(op) in marked), title, state, hint)
    uid = f"lin{zlib.crc32(words.encode()):08x}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="img" aria-labelledby="{uid}t {uid}d" font-family="sans-serif" '
            f'style="width:100%;max-width:480px;height:auto;display:block">'
            f'<title id="{uid}t">{escape(title)}</title><desc id="{uid}d">{escape(words)}</desc>'
            f'<defs><marker id="{uid}a" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="8" '
            f'markerHeight="8" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="{MUTED}"/>'
            f'</marker></defs>'
            f'<text x="{PAD}" y="19" font-size="14.5" font-weight="bold" fill="{INK}">'
            f'{escape(title)}</text>'
            + "".join(body).replace("url(#ARROW)", f"url(#{uid}a)") + "</svg>")
