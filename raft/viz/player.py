"""``play()``: a run replayed as an animation that needs no kernel.

The cluster's history is replayed step by step (``cluster.history``), steps that change nothing
visible are left out, and each remaining step becomes one scene (:mod:`raft.viz.scene`). The
scenes go to the painter (``painter.js``) as data, which draws them and lets time run between
them: messages travel, timers run down. The result is plain HTML (no widget), so the built book
plays it with no kernel and no widget library, and a notebook shows the very same painter.
"""

from __future__ import annotations

from ..sim.snapshot import log_base
from .embed import PainterError, painter_html
from .scene import scenes_of

__all__ = ["play", "Player", "select_frames"]


def visible_state(snap):
    """What a frame shows, minus the clock: two steps with equal visible_state look the same
    (apart from the timer rings), so the second one is left out of an animation."""
    nodes = tuple((i, n.role, n.crashed, n.current_term, n.voted_for, tuple(e.term for e in n.log),
                   log_base(n.log), n.commit_index, n.last_applied, tuple(sorted(n.next_index.items())),
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


def _note(kept, skipped, cut):
    """A line for readers under the title, if the animation stops before the run does."""
    if not cut:
        return ""
    more = len(cut)
    return (f"The animation stops after {len(kept)} events; the run goes on for {more} more "
            f"step{'s' if more != 1 else ''}.")


class Player:
    """A run as scenes for the painter. Displays itself as HTML (``_repr_html_``).

    Attributes: ``scenes`` (the list of scene dicts, one per frame), ``steps`` (the run's step
    number of each frame), ``skipped_steps`` (steps left out: nothing visible changed),
    ``cut_steps`` (steps after the ``max_frames`` cap), ``options`` (for the painter), and for a
    player made by :func:`play` the run it replays: ``cluster``, ``start`` and ``end`` (else None;
    :func:`raft.viz.question` asks about that run)."""

    cluster = start = end = None

    def __init__(self, scenes, options=None, steps=(), skipped_steps=(), cut_steps=()):
        self.scenes = list(scenes)
        if not self.scenes:
            raise PainterError("a player needs at least one scene")
        self.options = dict(options or {})
        self.steps = tuple(steps) or tuple(s["step"] for s in self.scenes)
        self.skipped_steps = tuple(skipped_steps)
        self.cut_steps = tuple(cut_steps)
        painter_html(self.scenes[:1], self.options, inline_js=False)   # check the options now

    @property
    def frame_count(self):
        return len(self.scenes)

    def html(self, inline_js=True):
        """The player's HTML; ``inline_js=False`` leaves out the painter's script (a page
        that loads ``painter.js`` itself)."""
        return painter_html(self.scenes, self.options, inline_js=inline_js)

    def _repr_html_(self):
        return self.html()

    def __repr__(self):
        title = self.options.get("title")
        return (f"<Player{' ' + repr(title) if title else ''}: {len(self.scenes)} scenes, "
                f"steps {self.steps[0]}-{self.steps[-1]}>")


def play(cluster, start=0, end=None, *, title=None, max_frames=150, table=True, speed=None):
    """Replay ``cluster`` from step ``start`` to ``end`` (default: now) as an animation that
    works with no kernel: play, pause, step back and forth, a speed control, a slider, one
    picture and caption per event, time running smoothly between events.

    Steps that change nothing visible (only time passing) are left out, including those at
    ``start``: a player never opens on a "time passed" step, so ``start=cluster.steps`` taken
    right after ``cluster.run(...)`` opens on the next step that does something. At most
    ``max_frames`` frames are kept (the first ones); a note under the title says what was left
    out. ``speed`` is the initial speed ("event", "slow", "normal", "fast")."""
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1:
        raise PainterError(f"max_frames must be a whole number of at least 1, got {max_frames!r}")
    snaps = list(cluster.history(start, end))
    kept, skipped, cut = select_frames(snaps, max_frames)
    all_scenes = {s["step"]: s for s in scenes_of(snaps)}
    scenes = [all_scenes[s.step] for s in kept]
    options = {}
    if title:
        options["title"] = str(title)
    note = _note(kept, skipped, cut)
    if note:
        options["note"] = note
    if not table:
        options["table"] = False
    if speed is not None:
        options["speed"] = speed
    if len(scenes) == 1:
        options["controls"] = False
    player = Player(scenes, options, tuple(s.step for s in kept), tuple(skipped), tuple(cut))
    player.cluster, player.start, player.end = cluster, start, snaps[-1].step
    return player
