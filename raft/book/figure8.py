"""Figure 8 of the Raft paper, replayed in the simulator, and the broken commit rule it warns about.

Figure 8 (§5.4.2) shows why a leader must not decide that an entry from an *earlier* term is
committed just because it is stored on a majority of servers. This module holds:

* :class:`Figure2Node`: our :class:`~raft.node.Node` without the no-op a new leader appends
  (§8). Figure 8 is about the commit rule alone, and in the paper each leader's only entry comes
  from a client; with the no-op, panel (c) cannot even happen (see the chapter).
* :class:`NaiveCommitNode`: **the broken rule.** It commits any index stored on a majority,
  whatever the entry's term. Kept for the book to show the checker catching it; never use it.
* :class:`NaiveCommitWithNoopNode`: the same broken rule on top of our full node (with the no-op),
  for an exercise.
* :func:`figure8`: the schedule of panels (a)-(e) as crashes, partitions and forced elections.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sim.cluster import Cluster
from ..errors import ConfigurationError
from ..check.checker import SafetyChecker
from ..node import Node

#: Figure 8's logs (terms by index) per panel, for servers S1..S5, as in the paper.
FIGURE8 = {
    "a": {1: [1, 2], 2: [1, 2], 3: [1], 4: [1], 5: [1]},
    "b": {1: [1, 2], 2: [1, 2], 3: [1], 4: [1], 5: [1, 3]},
    "c": {1: [1, 2, 4], 2: [1, 2], 3: [1, 2], 4: [1], 5: [1, 3]},
    "d": {1: [1, 3], 2: [1, 3], 3: [1, 3], 4: [1, 3], 5: [1, 3]},
    "e": {1: [1, 2, 4], 2: [1, 2, 4], 3: [1, 2, 4], 4: [1], 5: [1, 3]},
}
#: Who leads in each panel, and in which term.
FIGURE8_LEADERS = {"a": (1, 2), "b": (5, 3), "c": (1, 4), "d": (5, 5), "e": (1, 4)}


class Figure2Node(Node):
    """Our node exactly as Figure 2 describes it: a new leader does *not* append a no-op (§8).

    Everything else, including the correct commit rule, is the real :class:`~raft.node.Node`."""

    noop_on_election = False


def naive_advance_commit_index(node, now):
    """THE BROKEN RULE: commit the highest index stored on a majority, whatever its term."""
    match = {**node.match_index, node.id: node.log.last_index}
    n = node.config.quorum_index(match)
    if n > node.commit_index:  # missing: and node.log.term_at(n) == node.current_term
        node.set_commit_index(n, "leader-commit", now)


class NaiveCommitNode(Figure2Node):
    """BROKEN ON PURPOSE: counts replicas of entries of *any* term (what Figure 8 forbids)."""

    def advance_commit_index(self, now):
        naive_advance_commit_index(self, now)


class NaiveCommitWithNoopNode(Node):
    """BROKEN RULE on top of the full node, which still appends its no-op (an exercise)."""

    def advance_commit_index(self, now):
        naive_advance_commit_index(self, now)


@dataclass
class Figure8Run:
    """A replay of Figure 8: the cluster, the step at which each panel is reached, and the
    violations the checker collected (empty for a correct node)."""

    cluster: Cluster
    panels: dict = field(default_factory=dict)     # panel letter -> step number
    logs: dict = field(default_factory=dict)       # panel letter -> {server: [terms]}
    leaders: dict = field(default_factory=dict)    # panel letter -> (leader id, term) or None
    notes: dict = field(default_factory=dict)      # panel letter -> what we did to get there
    violations: list = field(default_factory=list)
    s5_won: bool | None = None                    # did S5 win its last election?


def _logs(cluster):
    # A crashed server's log is what its disk holds.
    return {i: [e.term for e in (cluster.disks[i].log if i in cluster.crashed
                                 else cluster.nodes[i].log)] for i in cluster.ids}


def _leader(cluster):
    i = cluster.leader()
    return None if i is None else (i, cluster.nodes[i].current_term)


def _try_elect(cluster, i, timeout=400):
    """Force ``i`` to campaign; True if it becomes leader within ``timeout`` ms."""
    try:
        cluster.elect(i, timeout=timeout)
    except ConfigurationError:
        return False
    return True


def distinct_violations(violations):
    """The checker reports a broken property after every step while it stays broken: keep the
    first report of each (property, details)."""
    seen, out = set(), []
    for v in violations:
        if (v.prop, v.details) not in seen:
            seen.add((v.prop, v.details))
            out.append(v)
    return out


def figure8(node_class=Figure2Node, branch="d", seed=8, raise_on_violation=False):
    """Drive Figure 8 in the simulator: (a), (b), (c), then (d) or (e) depending on ``branch``.

    The checker watches every step; with ``raise_on_violation=True`` the first broken property
    raises :class:`~raft.errors.InvariantViolation`, otherwise violations are collected in the
    result. Every server starts with the same entry ``x=1`` from term 1 at index 1."""
    if branch not in ("d", "e"):
        raise ValueError("branch is 'd' (S1 crashes before replicating x=4) or 'e'")
    c = Cluster(size=5, seed=seed, node_class=node_class,
                logs={i: [(1, "x=1")] for i in range(1, 6)}, terms={i: 1 for i in range(1, 6)})
    checker = SafetyChecker(c, raise_on_violation=raise_on_violation)
    c.checker = checker
    run = Figure8Run(c, violations=checker.violations)

    def panel(letter, note):
        run.panels[letter] = c.steps
        run.logs[letter] = _logs(c)
        run.leaders[letter] = _leader(c)
        run.notes[letter] = note

    # (a) S1 wins term 2; S3-S5 are cut off before x=2 is submitted, so only S2 receives it.
    c.elect(1)
    c.partition([1, 2], [3, 4, 5])
    c.submit("x=2", node=1)
    c.run(30)
    panel("a", "S1 wins term 2; a partition keeps x=2 (index 2) on S1 and S2 only")

    # (b) S1 crashes; S5 wins term 3 with votes from S3, S4 and itself (S2's log is more
    # up-to-date, so S2 refuses), then is cut off before its entry x=3 leaves it.
    c.crash(1)
    c.heal()
    c.elect(5)
    c.disconnect(5)
    c.submit("x=3", node=5)
    c.run(30)
    panel("b", "S1 crashes; S5 wins term 3 (votes of S3, S4), takes x=3 at index 2, is cut off")

    # (c) S5 crashes; S1 restarts. Its first try (term 3) fails: S3 and S4 voted for S5 in
    # term 3. It wins term 4 and replicates x=2 to S3; S4 is cut off. Then S1 is cut off too
    # and takes x=4 at index 3.
    c.crash(5)
    c.restart(1)
    c.timeout(1)
    c.run(30)
    c.elect(1)
    c.disconnect(4)
    # Run until S1 knows that S2 and S3 hold x=2 (the naive rule commits it at that moment).
    c.run_until(lambda c: min(c.nodes[1].match_index.get(i, 0) for i in (2, 3)) >= 2, 500)
    if branch == "e":
        # (e) S1 replicates its term-4 entry x=4 to S2 and S3 before it crashes.
        c.submit("x=4", node=1)
        c.run(40)
        panel("e", "S1 replicates x=4 (term 4) to S2 and S3: index 3, and with it index 2, "
                   "is committed")
        c.crash(1)
        c.heal()
        c.restart(5)
        c.timeout(5)
        run.s5_won = _try_elect(c, 5)
        return run
    c.disconnect(1)
    c.submit("x=4", node=1)
    c.run(5)
    panel("c", "S5 crashes; S1 restarts, wins term 4, replicates x=2 to S3, then takes x=4 "
               "at index 3 while cut off")

    # (d) S1 crashes; S5 restarts and wins term 5 with votes from S2, S3 and S4. Its first
    # campaign, for term 4, is overtaken at once by the second (S3 had voted for S1 in term 4
    # anyway). It overwrites index 2 everywhere, including on S1 once S1 is back.
    c.crash(1)
    c.heal()
    c.restart(5)
    c.timeout(5)   # term 4, overtaken by the campaign for term 5 below
    run.s5_won = _try_elect(c, 5)  # term 5
    if not run.s5_won:
        panel("d", "S1 crashes; S5 cannot win: S2 and S3 hold a more up-to-date log")
        return run
    c.run_until(lambda c: all(_logs(c)[i] == [1, 3] for i in (2, 3, 4)), 500)
    c.restart(1)
    c.run_until(lambda c: _logs(c)[1] == [1, 3], 500)
    panel("d", "S1 crashes; S5 wins term 5 (votes of S2, S3, S4) and overwrites index 2 with "
               "x=3 everywhere")
    return run
