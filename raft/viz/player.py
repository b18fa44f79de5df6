"""``play()``: a run replayed as a kernel-free animation for the built book.

The cluster's history is replayed step by step (``cluster.history``), steps that change
nothing visible are left out, and each remaining step becomes one frame (the same picture as
:func:`raft.viz.show`) with its caption, in a :class:`raft.player.FramePlayer`. Frames are
hand-written SVG, about 10-20 KB each.
"""

from __future__ import annotations

import html as _html

from ..player import FramePlayer
from .checks import InvariantMonitor
from .view import VIEW_CSS, caption_html, frame_html


def visible_state(snap):
    """What a frame shows, minus the clock: two steps with equal visible_state look the same
    (apart from the timer rings), so the second one is left out of an animation."""
    nodes = tuple((i, n.role, n.crashed, n.current_term, n.voted_for, tuple(e.term for e in n.log),
                   n.commit_index, n.last_applied, tuple(sorted(n.next_index.items())),
                   tuple(sorted(n.match_index.items())), tuple(sorted(n.votes)))
                  for i, n in sorted(snap.nodes.items()))
    flights = tuple(f.id for f in snap.flights)
    return nodes, flights, snap.partition and tuple(map(tuple, snap.partition)), \
        tuple(sorted(snap.disconnected))


def only_time_passed(snap):
    """Whether the step did nothing but move the clock (``cluster.run`` reaching its end time:
    trace kind "advance", caption "time passed to N ms")."""
    return bool(snap.records) and all(r.kind == "advance" for r in snap.records)


def select_frames(snaps, max_frames=150):
    """Pick the snapshots worth a frame: the first, then each one that changes something
    visible, at most ``max_frames``. Returns (kept, skipped_noops, cut_off) where
    ``skipped_noops`` are the step numbers left out as no-ops and ``cut_off`` the steps
    dropped by the cap.

    An animation never opens on a step where only time passed (``start`` is often taken
    right after ``cluster.run(...)``): like any other no-op step, such a leading step changes
    nothing visible, and its caption ("time passed to N ms") would tell the reader nothing.
    They are skipped, and the first step that does something opens the animation (unless
    nothing else is left)."""
    kept, skipped, cut = [], [], []
    snaps = list(snaps)
    lead = 0
    while lead < len(snaps) - 1 and only_time_passed(snaps[lead]):
        skipped.append(snaps[lead].step)
        lead += 1
    last = None
    for s in snaps[lead:]:
        v = visible_state(s)
        if last is not None and v == last:
            skipped.append(s.step)
            continue
        last = v
        if len(kept) >= max_frames:
            cut.append(s.step)
        else:
            kept.append(s)
    return kept, skipped, cut


def _ranges(steps):
    out, run = [], []
    for s in steps:
        if run and s == run[-1] + 1:
            run.append(s)
        else:
            if run:
                out.append(run)
            run = [s]
    if run:
        out.append(run)
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in out)


def play(cluster, start=0, end=None, *, title=None, max_frames=150, interval=800, table=True):
    """Replay ``cluster`` from step ``start`` to ``end`` (default: now) as a player that works
    with no kernel: Play, a slider, a frame number, and one picture + caption per step.

    Steps that change nothing visible (only time passing) are left out, including those at
    ``start``: a player never opens on a "time passed" step, so ``start=cluster.steps`` taken
    right after ``cluster.run(...)`` opens on the next step that does something. At most
    ``max_frames`` frames are kept (the first ones). The note under the title says what was
    left out."""
    if max_frames < 1:
        raise ValueError("max_frames must be at least 1")
    snaps = list(cluster.history(start, end))
    monitor = InvariantMonitor()
    statuses = {}
    for s in snaps:
        statuses[s.step] = dict(monitor.observe(s))
    kept, skipped, cut = select_frames(snaps, max_frames)
    after = {a.step: b for a, b in zip(snaps, snaps[1:])}
    frames, captions = [], []
    for s in kept:
        frames.append(frame_html(s, after.get(s.step), statuses[s.step], table=table))
        captions.append(caption_html(s))
    notes = []
    if skipped:
        notes.append(f"{len(skipped)} step{'s' if len(skipped) != 1 else ''} that changed nothing "
                     f"visible left out ({_ranges(skipped)})")
    if cut:
        notes.append(f"stopped at max_frames={max_frames}: steps {_ranges(cut)} not shown")
    head = VIEW_CSS + (_html.escape(title) if title else "")
    if notes:
        note = _html.escape("; ".join(notes))
        head += (f'<div class="raft-player-note" style="font-weight:normal;font-size:0.8em;'
                 f'color:#57606a">{note}.</div>')
    player = FramePlayer(frames, captions, title=head, interval=interval)
    player.steps = tuple(s.step for s in kept)
    player.skipped_steps = tuple(skipped)
    player.cut_steps = tuple(cut)
    return player
