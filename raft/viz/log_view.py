"""The log picture: one row per server, one column per log index, each entry coloured by its
term and labelled with it.

Committed entries (index <= that server's commit_index) are solid; uncommitted ones are white
with a dashed border of their term's colour. A thick bar after a row's last committed entry is
its commit index. In the leader's picture of each follower, a blue triangle marks next_index
(the next entry it will send) and a green underline runs up to match_index (what it knows the
follower holds). Entries that the next step deletes (a conflicting suffix, §5.3) are crossed
out in red. Long logs are windowed: the last ``window`` indexes, with a note of how many
earlier ones are hidden.

As in :mod:`raft.viz.cluster_view`, :func:`log_scene` computes plain data and
:func:`render_log_svg` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import palette as P
from .svg import group, num, open_svg, t, text

WIDTH = 360
WINDOW = 14
CELL = 22
PITCH = 36
LEFT = 40
TOP = 30


@dataclass(frozen=True)
class LogCell:
    server: int
    index: int
    term: int
    kind: str             # noop / command / config
    committed: bool
    truncating: bool      # the next step deletes this entry
    flagged: bool         # named by a safety violation
    fill: str
    text_colour: str


@dataclass(frozen=True)
class LogRow:
    server: int
    role: str
    crashed: bool
    commit_index: int
    length: int
    next_index: int | None    # the leader's next_index for this server (None: not known)
    match_index: int | None   # the leader's match_index for this server


@dataclass(frozen=True)
class LogScene:
    first: int            # first index shown
    last: int             # last index shown
    hidden: int           # indexes before `first` not shown
    rows: tuple           # of LogRow, by server id
    cells: tuple          # of LogCell (only the shown ones)
    leader: int | None
    leader_commit: int

    def cell(self, server, index):
        return next((c for c in self.cells if c.server == server and c.index == index), None)

    def row(self, server):
        return next(r for r in self.rows if r.server == server)


def truncations(records):
    """{server: first index deleted} from a step's trace records of kind "truncate"."""
    out = {}
    for r in records:
        if r.kind == "truncate":
            out[r.node] = min(out.get(r.node, r.data["first"]), r.data["first"])
    return out


def log_scene(snap, next_snap=None, window=WINDOW, flagged=()):
    """The log picture of ``snap`` as plain data.

    ``next_snap`` (the snapshot after the next step) tells which entries are about to be
    deleted; ``flagged`` is a set of (server, index) pairs to outline as safety violations."""
    leader = snap.leader()
    lview = snap.nodes[leader] if leader is not None else None
    doomed = truncations(next_snap.records) if next_snap is not None else {}
    flagged = set(flagged)

    longest = max((len(n.log) for n in snap.nodes.values()), default=0)
    last = max(longest, 1)
    if lview is not None and lview.next_index:
        last = max(last, min(max(lview.next_index.values()), longest + 1))
    first = max(1, last - window + 1)

    rows, cells = [], []
    for i in sorted(snap.nodes):
        n = snap.nodes[i]
        nxt = mat = None
        if lview is not None and i != leader and i in lview.next_index:
            nxt, mat = lview.next_index[i], lview.match_index.get(i, 0)
        rows.append(LogRow(i, n.role, n.crashed, n.commit_index, len(n.log), nxt, mat))
        cut = doomed.get(i)
        for index in range(first, len(n.log) + 1):
            e = n.log[index - 1]
            committed = index <= n.commit_index
            fill = P.term_colour(e.term)
            cells.append(LogCell(i, index, e.term, e.kind, committed,
                                 cut is not None and index >= cut, (i, index) in flagged,
                                 fill,
                                 P.text_on(fill) if committed else P.INK))
    return LogScene(first, last, first - 1, tuple(rows), tuple(cells), leader,
                    lview.commit_index if lview is not None else 0)


def log_height(scene):
    return TOP + PITCH * len(scene.rows) + 22


def render_log_svg(scene, title=None, extra_height=0, extra=""):
    """Draw a :class:`LogScene` as a compact SVG string (``extra`` is appended SVG drawn in
    ``extra_height`` more units at the bottom)."""
    h = log_height(scene) + extra_height
    out = [open_svg(WIDTH, h, title or "Logs", "raft-log")]
    cols = scene.last - scene.first + 1
    x0 = LEFT
    mid = 'text-anchor="middle"'

    def cx(index):
        return x0 + (index - scene.first) * CELL

    # Index header.
    head = [t(4, 12, "log index")]
    if scene.hidden:
        head.append(t(x0 + 40, 12, f"◀ {scene.hidden} earlier not shown"))
    out.append(group(f'font-size="9.5" fill="{P.MUTED}"', head))
    out.append(group(f'{mid} font-size="9.5" fill="{P.MUTED}"',
                     [t(cx(i) + CELL / 2, 24, str(i)) for i in range(scene.first, scene.last + 1)
                      if cols <= 16 or i % 2 == 0 or i == scene.last]))

    row_y = {row.server: TOP + k * PITCH + 4 for k, row in enumerate(scene.rows)}
    names, slots, matches, nexts, bars = [], [], [], [], []
    for row in scene.rows:
        y = row_y[row.server]
        tag = "✕" if row.crashed else row.role[0].upper() if row.role != "follower" else ""
        colour = f' fill="{P.MUTED}"' if row.crashed else ""
        names.append(f'<text x="4" y="{num(y + 15)}"{colour}>S{row.server} {tag}</text>')
        slots.append(f'<rect x="{x0}" y="{num(y)}" width="{cols * CELL}" height="{CELL}"/>')
        # The leader's view of this follower: match_index underline, next_index triangle.
        if row.match_index:
            m = min(row.match_index, scene.last)
            if m >= scene.first:
                matches.append(f'<rect x="{x0}" y="{num(y + CELL + 1)}" '
                               f'width="{num(cx(m) + CELL - x0)}" height="3"/>')
        if row.next_index is not None and scene.first <= row.next_index <= scene.last:
            tx = cx(row.next_index) + CELL / 2
            nexts.append(f"M{num(tx - 5)} {num(y - 8)}h10L{num(tx)} {num(y - 1)}Z")
        if row.commit_index and scene.first <= row.commit_index <= scene.last:
            bars.append(f'<rect x="{num(cx(row.commit_index) + CELL - 1)}" y="{num(y - 2)}" '
                        f'width="3" height="{CELL + 4}"/>')
    out.append(group(f'font-size="11" font-weight="bold" fill="{P.INK}"', names))
    out.append(group('fill="#f6f8fa" stroke="#eaeef2"', slots))
    out.append(group(f'fill="{P.GREEN}" class="raft-match"', matches))
    if nexts:
        out.append(f'<path d="{"".join(nexts)}" fill="{P.BLUE}" class="raft-next"/>')

    # Entries: squares grouped by style into one path each, and one <text> per row and style
    # with a position per character (SVG's x list), which keeps long logs small.
    crashed = {row.server for row in scene.rows if row.crashed}
    squares = {}      # (committed, fill, faded) -> path data
    labels = {}       # (server, committed, colour) -> ([x...], "chars", y)
    marks, crosses = [], []
    w = CELL - 2
    for c in scene.cells:
        x, y = cx(c.index) + 1, row_y[c.server] + 1
        key = (c.committed, c.fill, c.server in crashed)
        squares[key] = squares.get(key, "") + f"M{num(x)} {num(y)}h{w}v{w}h-{w}z"
        label = str(c.term) + ("*" if c.kind == "config" else "")
        xs, chars, _ = labels.setdefault((c.server, c.committed, c.text_colour), ([], [], y + 14))
        for j, ch in enumerate(label):
            xs.append(num(x + w / 2 + (j - (len(label) - 1) / 2) * 6.4))
            chars.append(ch)
        if c.truncating or c.flagged:
            marks.append(f'<rect x="{num(x - 1)}" y="{num(y - 1)}" width="{w + 2}" height="{w + 2}"/>')
        if c.truncating:
            crosses.append(f"M{num(x)} {num(y + w)}L{num(x + w)} {num(y)}")

    faded_attr = ' opacity="0.45"'

    def paths(committed):
        return [f'<path d="{d}" fill="{fill}"{faded_attr if faded else ""}/>'
                for (com, fill, faded), d in squares.items() if com == committed]

    def texts(committed):
        out = []
        for (_, com, colour), (xs, chars, y) in labels.items():
            if com == committed:
                fill = "" if colour == P.INK else f' fill="{colour}"'
                out.append(f'<text x="{" ".join(xs)}" y="{num(y)}"{fill}>{"".join(chars)}</text>')
        return out

    out.append(group(f'stroke="{P.INK}" stroke-width="0.6" class="raft-committed"', paths(True)))
    out.append(group(f'fill-opacity="0.3" stroke="{P.INK}" stroke-width="1.2" '
                     'stroke-dasharray="3 2" class="raft-uncommitted"', paths(False)))
    out.append(group(f'{mid} font-size="11" font-weight="bold" fill="{P.INK}"', texts(True)))
    out.append(group(f'{mid} font-size="11" fill="{P.INK}"', texts(False)))
    out.append(group(f'fill="none" stroke="{P.VERMILLION}" stroke-width="2.5" class="raft-flag"',
                     marks))
    if crosses:
        out.append(f'<path d="{"".join(crosses)}" stroke="{P.VERMILLION}" stroke-width="1.5" '
                   'class="raft-truncate"/>')
    # Commit index of each row: a thick bar after its last committed entry.
    out.append(group(f'fill="{P.INK}" class="raft-commit"', bars))

    ly = TOP + PITCH * len(scene.rows) + 12
    legend = "solid: committed · dashed: not committed · ▌ commit index"
    if scene.leader is not None:
        legend += " · ▼ next · ▁ match"
    if any(c.kind == "config" for c in scene.cells):
        legend += " · * configuration"
    out.append(text(4, ly, legend, 9.5, P.MUTED, "start"))
    out.append(extra)
    out.append("</svg>")
    return "".join(out)
