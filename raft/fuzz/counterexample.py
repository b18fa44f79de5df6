"""Counterexamples: search seeds for a failing schedule, shrink it, and rebuild its run.

:func:`find_counterexample` runs the schedules of a list of seeds until one fails, then shrinks
it; :func:`replay` rebuilds the failing run (stopped at the failing step, with a full trace and
no checker) for ``raft.viz.play`` and ``raft.viz.explore``; :func:`key_events` tells its story
in plain English (the kinds marked ``key`` in :data:`raft.sim.trace.KINDS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sim.trace import KINDS
from .generate import generate
from .run import Finding, run_schedule
from .schedule import STALL_MS, Schedule, parse_schedule
from .shrink import shrink


def key_lines(records):
    """The key events among trace ``records`` (roles, votes, terms, commits, faults...; not a
    new leader's no-op applied), one line each: ``[  75.0 ms] S1 became leader ...``."""
    return [f"[{r.time:7.1f} ms] {r.sentence}" for r in records
            if KINDS[r.kind].key and not (r.kind == "apply" and r.data["what"] == "no-op")]


def key_events(cluster, limit=30):
    """A cluster's key events (roles, votes, terms, commits, faults...) in plain English,
    the last ``limit`` of them."""
    lines = key_lines(cluster.trace)
    if len(lines) > limit:
        lines = [f"... ({len(lines) - limit} earlier events)"] + lines[-limit:]
    return lines


@dataclass
class Counterexample:
    node_class: type
    seed: int
    original: Schedule
    schedule: Schedule       # shrunk
    finding: Finding
    tried: int               # schedules run before this one failed (seeds tried)
    shrink_runs: int = 0
    stall_ms: int = STALL_MS
    _cluster: object = field(default=None, repr=False)

    def cluster(self):
        """The cluster at the failing step (no checker), for raft.viz.play/explore."""
        if self._cluster is None:
            self._cluster = replay(self.node_class, self.schedule)
        return self._cluster

    def sentences(self, limit=30):
        """The shrunk run's key events in plain English, last ``limit`` of them."""
        return key_events(self.cluster(), limit)

    def scenario_text(self):
        return self.cluster().scenario_text()

    def report(self, name=None):
        who = name or self.node_class.__name__
        out = [f"{who}: {self.finding.headline()}",
               f"  found with seed {self.seed} (schedule {self.tried} of the search); "
               f"shrunk from {len(self.original)} to {len(self.schedule)} actions "
               f"in {self.shrink_runs} reruns",
               "  the shrunk schedule:"]
        out += ["    " + line for line in self.schedule.scenario(self.stall_ms).splitlines()]
        out.append("  what happened (key events):")
        out += ["    " + line for line in self.sentences()]
        return "\n".join(out)


def find_counterexample(node_class, profile, seeds, *, minimize=True, stall_ms=STALL_MS):
    """Run the schedules of ``seeds`` until one fails; shrink it. None if none failed."""
    for tried, seed in enumerate(seeds, 1):
        schedule = generate(seed, profile)
        found, _ = run_schedule(node_class, schedule, stall_ms=stall_ms)
        if found is None:
            continue
        small, finding, runs = (shrink(node_class, schedule, found, stall_ms=stall_ms)
                                if minimize else (schedule, found, 0))
        return Counterexample(node_class, seed, schedule, small, finding, tried, runs, stall_ms)
    return None


def replay(node_class, schedule, *, stall_ms=STALL_MS):
    """Rebuild the run of ``schedule`` (a Schedule or its text) with ``node_class``, stopped
    at the step where the checker flagged it (or at its end), with a full trace and no checker:
    hand it to ``raft.viz.play`` or ``raft.viz.explore``."""
    if isinstance(schedule, str):
        schedule = parse_schedule(schedule)
    found, cluster = run_schedule(node_class, schedule, trace=True, stall_ms=stall_ms)
    step = cluster.steps if found is None else found.step
    if found is not None and found.kind == "crash":
        step -= 1  # the step that raised never finished: stop just before it
    twin = cluster.replay(step)
    twin.checker = None
    # The twin keeps the trace up to that step (replay re-ran it).
    return twin
