"""Running a schedule and judging it, with one generic checker.

:func:`run_schedule` plays a schedule on ``Cluster(node_class=...)``, each action done
leniently (``cluster.do(action, lenient=True)``), and judges the run:

* **safety**: the five properties of Figure 3 after every step (:mod:`raft.check`), and the
  rules of :class:`~raft.check.rules.GradeChecker` (a breach of a rule is reported only if
  nothing worse follows, and otherwise named as its first sign);
* **liveness**: after the last action the faults end (the network heals, every crashed server
  restarts, no more loss, duplication or reordering; latency stays), and a client command must
  then be committed and applied within :data:`STALL_MS` simulated ms (the scenario language's
  ``expect progress``). If it is not, the run *stalls*;
* **stuck**: a timer that keeps firing at one simulated instant (a node whose deadline does not
  move on when its timer fires), so that time could never advance
  (:class:`~raft.errors.StuckTimer`);
* **crash**: an exception escaping the node's own code (including NotImplementedError).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path

from ..check.rules import GradeChecker
from ..errors import InvariantViolation, RaftError, StuckTimer
from ..script import scenario as scenario_mod
from ..sim.actions import Members
from ..sim.cluster import Cluster
from .schedule import STALL_MS

#: The raft package's folder: a frame outside it is the node's own code (a student's file).
PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


@dataclass
class Finding:
    """What the checker found: ``kind`` is "violation", "rule", "stall", "stuck" (a timer that
    keeps firing at one instant, so time cannot move on) or "crash"."""

    kind: str
    prop: str          # the property of Figure 3, "no progress", the rule, or the exception's type
    details: str
    step: int
    where: str = ""    # for a crash: the line of the node's code that raised
    note: str = ""     # a rule broken earlier in the same run, the likely cause

    @property
    def signature(self):
        return (self.kind, self.prop)

    def headline(self):
        if self.kind == "violation":
            text = f"{self.prop} violated: {self.details}"
        elif self.kind == "rule":
            text = f"rule of {self.prop} broken: {self.details}"
        elif self.kind == "stall":
            text = f"liveness: {self.details}"
        elif self.kind == "stuck":
            text = f"time stands still: {self.details}"
        elif self.prop == "NotImplementedError":
            text = f"not written yet: {self.details}"
        else:
            text = f"your node raised {self.prop}: {self.details}" + (
                f" ({self.where})" if self.where else "")
        return text + (f"\n{self.note}" if self.note else "")


def _new_cluster(node_class, schedule, trace):
    cluster = Cluster(**schedule.setup.kwargs(), node_class=node_class, check_invariants=False,
                      trace=trace)
    # The checker is attached by hand (not check_invariants=True) so that cluster.replay(),
    # which the players use, rebuilds the run without raising at the violation again.
    cluster.checker = GradeChecker(cluster)
    return cluster


def _do(cluster, action):
    """Carry out one action leniently; returns False if it made no sense now (and was
    skipped)."""
    try:
        return cluster.do(action, lenient=True) is not None
    except RaftError as e:
        if isinstance(action, Members):
            # Lenient mode checked the change was valid, so the refusal came from the node's
            # own code.
            raise NodeRefused(f"{type(e).__name__}: {e}") from e
        raise


class NodeRefused(Exception):
    """The node's own change_membership refused a change the grader had checked was valid."""


def _settle(cluster, stall_ms):
    """End the faults, then require a client command to be committed within stall_ms
    (``expect progress``); returns what went wrong, or None."""
    return scenario_mod.ExpectProgress(stall_ms).failure(cluster)


def _node_frame(exc):
    """Where in the node's code (not the simulator's) an exception was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    chosen = None
    for frame in frames:
        if not frame.filename.startswith(PACKAGE_DIR) or frame.filename.endswith(
                ("node.py", "bugs.py", "skeleton.py")):
            chosen = frame
    if chosen is None and frames:
        chosen = frames[-1]
    if chosen is None:
        return ""
    return f"in {chosen.name}, {Path(chosen.filename).name} line {chosen.lineno}: " \
           f"{(chosen.line or '').strip()}"


def run_schedule(node_class, schedule, *, trace=False, liveness=True, stall_ms=STALL_MS):
    """Play ``schedule`` on ``node_class``; returns (Finding or None, cluster)."""
    cluster = _new_cluster(node_class, schedule, trace)
    found = None
    try:
        for action in schedule.actions:
            _do(cluster, action)
        stalled = _settle(cluster, stall_ms) if liveness else None
        if stalled:
            found = Finding("stall", "no progress", stalled, cluster.steps)
    except InvariantViolation as e:
        found = Finding("violation", e.prop, e.details, cluster.steps)
    except StuckTimer as e:
        # Replays stop at the first of the repeated firings: what led there is the story.
        found = Finding("stuck", f"{e.timer} timer", str(e), e.first_step)
    except RaftError:
        raise  # a mistake of the harness, not of the node: let it show
    except Exception as e:  # noqa: BLE001 - the node's own code raised
        details = _not_written(e) if isinstance(e, NotImplementedError) else (
            str(e) or type(e).__name__)
        found = Finding("crash", type(e).__name__, details, cluster.steps, _node_frame(e))
    broken = cluster.checker.rule_break
    if broken is not None:
        if found is None:
            found = Finding("rule", broken.rule, broken.details, broken.step)
        else:
            found.note = f"(first sign, at step {broken.step}: {broken.text()})"
    return found, cluster


def _not_written(e):
    """What a NotImplementedError says: its message, or the method that raised it (a stub
    left as ``raise NotImplementedError()`` has no message)."""
    if str(e):
        return str(e)
    frames = traceback.extract_tb(e.__traceback__)
    return f"{frames[-1].name} raises NotImplementedError" if frames else "NotImplementedError"
