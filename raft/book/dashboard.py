"""The invariant dashboard: many random fault schedules, each run with the safety checker.

A *schedule* is a seeded random list of actions (values of :mod:`raft.sim.actions`) on a small
cluster: let time pass, submit a command, crash or restart a server, cut the leader off just as it
takes a command, cut the network into two groups or heal it, and change how often the network
loses, duplicates or reorders messages. After every step of every schedule the
:class:`~raft.check.checker.SafetyChecker` checks the five properties of Figure 3 (§5.2-§5.4).

Each action is done as written (``cluster.do``); one the cluster refuses at that moment (no
leader to crash or to take a command, a server already down) is skipped. Two rules of the
dashboard's own: crashes stay within a budget (at most (size - 1) // 2 servers down, so a
majority stays up), and ``restart any`` restarts a crashed server chosen at random.

Everything is seeded, so a schedule that breaks a property can be run again with its seed and read
step by step (:func:`run_schedule` with ``trace=True``); ``result.cluster.scenario_text()`` is
the run as a scenario file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..sim.actions import (ANY, LEADER, Crash, Heal, Isolate, Network, Partition, Restart,
                           Run, Submit)
from ..sim.cluster import Cluster
from ..errors import ConfigurationError, NodeCrashed, NotLeader
from ..check import PROPERTIES, SafetyChecker
from ..node import Node


@dataclass
class ScheduleResult:
    """What one schedule did: its seed, size, actions, steps checked and violations."""

    seed: int
    size: int
    actions: list
    steps: int
    checks: int
    violations: list
    cluster: Cluster | None = None

    @property
    def broken(self):
        """The properties this schedule broke, in Figure 3's order."""
        props = {v.prop for v in self.violations}
        return [p for p in PROPERTIES if p in props]


def random_schedule(seed, size=None, actions=60):
    """Schedule ``seed``: its size and the list of its actions, drawn ``actions`` times (a cut
    that catches the leader taking a command is two actions, ``isolate leader`` and
    ``submit``)."""
    rng = random.Random(seed)
    size = size or rng.choice((3, 3, 5))
    plan = []
    for _ in range(actions):
        r = rng.random()
        if r < 0.30:
            plan.append(Run(rng.choice((10, 30, 60, 120, 250, 400))))
        elif r < 0.38:
            plan.append(Submit(f"k{rng.randrange(3)}={rng.randrange(100)}"))
        elif r < 0.58:
            # The leader takes a command just as the network cuts it off from the others.
            command = f"k{rng.randrange(3)}={rng.randrange(100)}"
            plan += [Isolate(LEADER), Submit(command)]
        elif r < 0.68:
            plan.append(Crash(LEADER))
        elif r < 0.71:
            plan.append(Crash(rng.randrange(1, size + 1)))
        elif r < 0.81:
            plan.append(Restart(ANY))
        elif r < 0.84:
            ids = list(range(1, size + 1))
            rng.shuffle(ids)
            cut = rng.randrange(1, size)
            plan.append(Partition((tuple(sorted(ids[:cut])), tuple(sorted(ids[cut:])))))
        elif r < 0.96:
            plan.append(Heal())
        else:
            plan.append(Network(rng.choice((0.0, 0.1, 0.3)), rng.choice((0.0, 0.1, 0.3)),
                                rng.choice((0.0, 0.2))))
    return size, plan


def run_schedule(seed, node_class=Node, actions=60, size=None, trace=False):
    """Run schedule ``seed`` on a cluster of ``node_class`` servers with the checker collecting
    (not raising) violations. ``trace=True`` keeps the trace so a violation can be read."""
    size, plan = random_schedule(seed, size, actions)
    cluster = Cluster(size=size, seed=seed, node_class=node_class, trace=trace)
    rng = random.Random(seed + 1)  # choices made while running (which crashed server restarts)
    checker = SafetyChecker(cluster, raise_on_violation=False)
    cluster.checker = checker
    for action in plan:
        if isinstance(action, Crash) and len(cluster.crashed) + 1 > (size - 1) // 2:
            continue   # keep a majority up, or nothing interesting can happen
        if isinstance(action, Restart):
            if not cluster.crashed:
                continue
            action = Restart(rng.choice(sorted(cluster.crashed)))
        try:
            cluster.do(action)
        except (NotLeader, NodeCrashed, ConfigurationError):
            pass   # refused at this moment: no leader, a server already down
        if checker.violations and not trace:
            break  # caught: no need to go on (a traced run goes on, to be read)
    return ScheduleResult(seed, size, plan, cluster.steps, checker.checks, checker.violations,
                          cluster if trace else None)


@dataclass
class Dashboard:
    """Totals over many schedules for one node class."""

    name: str
    schedules: int = 0
    steps: int = 0
    checks: int = 0
    counts: dict = field(default_factory=lambda: {p: 0 for p in PROPERTIES})
    failing_seeds: list = field(default_factory=list)
    first_caught: int | None = None    # how many schedules it took to catch the first violation

    def add(self, result):
        self.schedules += 1
        self.steps += result.steps
        self.checks += result.checks
        for p in result.broken:
            self.counts[p] += 1
        if result.violations:
            self.failing_seeds.append(result.seed)
            if self.first_caught is None:
                self.first_caught = self.schedules

    @property
    def violations(self):
        """Schedules with at least one broken property."""
        return len(self.failing_seeds)


def dashboard(node_class=Node, schedules=100, first_seed=0, actions=60, name=None,
              stop_after=None):
    """Run ``schedules`` schedules (seeds ``first_seed`` on) and total them. ``stop_after``
    stops early after that many failing schedules."""
    board = Dashboard(name or node_class.__name__)
    for seed in range(first_seed, first_seed + schedules):
        board.add(run_schedule(seed, node_class, actions))
        if stop_after is not None and board.violations >= stop_after:
            break
    return board
