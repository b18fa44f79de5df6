"""A schedule: a cluster's setup and a list of actions, done leniently; its text is a scenario.

A schedule is what the random search draws (:mod:`raft.fuzz.generate`), runs
(:mod:`raft.fuzz.run`) and shrinks (:mod:`raft.fuzz.shrink`). Written down it is a scenario of
:mod:`raft.script.scenario` (``mode lenient``, one action per line)::

    cluster size=3 seed=7
    mode lenient
    run 300ms
    isolate leader        # cut the current leader off from everyone
    submit x=1            # a client command to the current leader
    crash leader / crash 2 / restart any / restart 2 / heal / timeout 3
    reboot leader / reboot 2  # crash and restart at once: only what is on disk survives
    submit y=2 to old-leader  # to the running leader of the lowest term (a deposed one)
    partition 1 2 | 3
    network drop=0.1 duplicate=0.2 reorder=0.3 latency=20..60

In lenient mode an action that makes no sense when its turn comes (crash a server that is
down, submit with no leader) is skipped, so any sub-list of a schedule is still a schedule, and
a shrunk counterexample is a scenario file that ``raft.scenario.run`` replays.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ScenarioError
from ..script import scenario as scenario_mod
from ..sim.actions import Action, Setup

#: How long (simulated ms) the healed cluster has to commit a client command.
STALL_MS = 3000


@dataclass(frozen=True)
class Schedule:
    """A cluster's setup and the actions done to it, done leniently (an action that makes no
    sense when its turn comes is skipped, so any sub-list of a schedule is still a schedule).
    Its text is a scenario (``mode lenient``) that ``raft.scenario.run`` replays."""

    setup: Setup
    actions: tuple

    def text(self):
        lines = [str(self.setup), "mode lenient"] + [str(a) for a in self.actions]
        return "\n".join(lines) + "\n"

    def scenario(self, stall_ms=STALL_MS):
        """The schedule as the grader judges it: its text and, last, the liveness check
        (``expect progress within 3000ms``). ``raft.scenario.run(text, node_class=...)``
        replays it and fails where the grader did (a safety violation or a stall)."""
        return self.text() + str(scenario_mod.ExpectProgress(stall_ms)) + "\n"

    def replace(self, actions):
        return Schedule(self.setup, tuple(actions))

    def __len__(self):
        return len(self.actions)


def parse_schedule(text):
    """The inverse of :meth:`Schedule.text` and :meth:`Schedule.scenario` (the older first
    line ``size=3 seed=7 ...`` reads too). Text it cannot read raises ScenarioError (a
    ValueError) naming the line."""
    script = scenario_mod.load(text)
    if not script.lines and not text.strip():
        raise ScenarioError("an empty schedule")
    lines = list(script.lines)
    if lines and isinstance(lines[-1].item, scenario_mod.ExpectProgress):
        lines.pop()   # the grader checks progress after every schedule anyway
    for line in lines:
        if not isinstance(line.item, Action):
            raise ScenarioError("a schedule holds actions only (an expect line belongs in a "
                                "scenario: raft.scenario.run)", line.number, line.text)
    return Schedule(script.setup, tuple(script.actions))
