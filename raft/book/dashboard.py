"""The invariant dashboard: many random fault schedules, each run with the safety checker.

A *schedule* is a seeded random sequence of actions on a small cluster: let time pass, submit a
command, crash or restart a server, cut the network into two groups or heal it, and change how
often the network loses, duplicates or reorders messages. After every step of every schedule the
:class:`~raft.invariants.SafetyChecker` checks the five properties of Figure 3 (§5.2-§5.4).

Everything is seeded, so a schedule that breaks a property can be run again with its seed and read
step by step (:func:`run_schedule` with ``trace=True``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..cluster import Cluster
from ..errors import NotLeader
from ..invariants import PROPERTIES, SafetyChecker
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
    """The list of actions of schedule ``seed``: tuples like ("run", 120) or ("crash",)."""
    rng = random.Random(seed)
    size = size or rng.choice((3, 3, 5))
    plan = []
    for _ in range(actions):
        r = rng.random()
        if r < 0.30:
            plan.append(("run", rng.choice((10, 30, 60, 120, 250, 400))))
        elif r < 0.38:
            plan.append(("submit", f"k{rng.randrange(3)}={rng.randrange(100)}"))
        elif r < 0.58:
            # The leader takes a command just as the network cuts it off from the others.
            plan.append(("isolate-leader", f"k{rng.randrange(3)}={rng.randrange(100)}"))
        elif r < 0.68:
            plan.append(("crash-leader",))
        elif r < 0.71:
            plan.append(("crash", rng.randrange(1, size + 1)))
        elif r < 0.81:
            plan.append(("restart",))
        elif r < 0.84:
            ids = list(range(1, size + 1))
            rng.shuffle(ids)
            cut = rng.randrange(1, size)
            plan.append(("partition", tuple(sorted(ids[:cut])), tuple(sorted(ids[cut:]))))
        elif r < 0.96:
            plan.append(("heal",))
        else:
            plan.append(("network", rng.choice((0.0, 0.1, 0.3)), rng.choice((0.0, 0.1, 0.3)),
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
        kind = action[0]
        if kind == "run":
            cluster.run(action[1])
        elif kind == "submit":
            leader = cluster.leader()
            if leader is not None:
                try:
                    cluster.submit(action[1], node=leader)
                except NotLeader:
                    pass
        elif kind == "crash":
            # Keep a majority up, or nothing interesting can happen.
            if cluster.is_up(action[1]) and len(cluster.crashed) + 1 <= (size - 1) // 2:
                cluster.crash(action[1])
        elif kind == "crash-leader":
            leader = cluster.leader()
            if leader is not None and len(cluster.crashed) + 1 <= (size - 1) // 2:
                cluster.crash(leader)
        elif kind == "isolate-leader":
            leader = cluster.leader()
            if leader is not None:
                cluster.partition([leader], [i for i in cluster.ids if i != leader])
                cluster.submit(action[1], node=leader)
        elif kind == "restart":
            if cluster.crashed:
                cluster.restart(rng.choice(sorted(cluster.crashed)))
        elif kind == "partition":
            cluster.partition(action[1], action[2])
        elif kind == "heal":
            cluster.heal()
        else:
            cluster.set_network(drop=action[1], duplicate=action[2], reorder=action[3])
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
