"""The five properties of Figure 3 as small pure functions (``raft/check/properties.py``), and the two
observers that judge runs with them: ``SafetyChecker`` on a live cluster after every step, and
``InvariantMonitor`` (``raft/viz/checks.py``, the players' safety light) on snapshots.

First, each function on states built by hand: one case where the property holds, one where it
breaks. Then agreement: on seeded runs of bugs from the zoo (``raft/classroom/bugs.py``), the monitor
watching ``cluster.history()`` flags the same properties as the checker, first at the same steps
and in the same words; and likewise on a cluster broken by hand, checked in lockstep.
"""

from __future__ import annotations

import pytest

from raft import Cluster, bugs, grade
from raft.check import SafetyChecker
from raft.check.properties import (PROPERTIES, Breach, committed_entries_agree, common_prefix,
                                   election_safety, leader_append_only, leader_completeness,
                                   log_matching, state_machine_safety)
from raft.node import Entry
from raft.viz.checks import InvariantMonitor


def log(*items):
    """A log from terms or (term, command) pairs; item 0 is index 1."""
    return [Entry(*x) if isinstance(x, tuple) else Entry(x) for x in items]


# -- each property on a state built by hand -----------------------------------------------------

def test_election_safety_one_leader_per_term():
    """§5.2: at most one leader per term; a new term may have a new leader."""
    leaders = {3: 1}
    assert election_safety(leaders, 1, 3) is None          # the same leader, seen again
    assert election_safety(leaders, 2, 4) is None          # another term
    breach = election_safety(leaders, 2, 3)
    assert breach == Breach("Election Safety", "S1 and S2 were both leader in term 3", (1, 2))
    assert breach.cells == ()                              # no log entry to outline
    assert leaders == {3: 1}                               # pure: the caller records


def test_leader_append_only_allows_appending_only():
    """§5.3: a leader only appends; changing or deleting an entry breaks the property at the
    first index that no longer holds what it held."""
    before = log(1, (1, "x=1"))
    assert leader_append_only(1, 2, before, before + log(2)) is None
    changed = leader_append_only(1, 2, before, log(1, (2, "y=1")))
    assert changed.prop == "Leader Append-Only" and changed.cells == ((1, 2),)
    assert changed.details == "leader S1 (term 2) changed or removed its entry at index 2"
    assert leader_append_only(1, 2, before, log(1)).indexes == (2,)        # deleted
    # ``agree`` only saves work: the verdict is the same with it.
    assert leader_append_only(1, 2, before, log(1), agree=1) == \
        leader_append_only(1, 2, before, log(1))


def test_log_matching_same_index_and_term_means_same_prefix():
    """§5.3: logs that share an (index, term) agree up to it. Different uncommitted suffixes
    (Figure 7's (c) and (f) against the leader, say) are allowed; a shared term after a
    difference is not."""
    assert log_matching(1, log(1, 1, 2), 2, log(1, 1, 2, 2)) is None
    assert log_matching(1, log(1, 1, 2), 2, log(1, 1, 3, 3)) is None
    a, b = log((1, "x=1"), 1, 2), log((1, "y=1"), 1, 2)
    breach = log_matching(1, a, 2, b)
    assert breach.prop == "Log Matching" and breach.cells == ((1, 1), (2, 1))
    assert breach.details == ("S1 and S2 both hold term 2 at index 3, but differ at index 1: "
                              "(term 1, 'x=1') vs (term 1, 'y=1')")
    assert log_matching(1, a, 2, b, common=common_prefix(a, b)) == breach


def test_leader_completeness_later_leaders_hold_committed_entries():
    """§5.4: an entry committed in term 2 must be in the log of every leader of a later term;
    a leader of the same term is not bound by it."""
    committed = (Entry(2, "x=1"), 2)
    assert leader_completeness(3, 3, log((2, "x=1")), 1, committed) is None
    assert leader_completeness(3, 2, log(2), 1, committed) is None
    breach = leader_completeness(3, 4, log(4), 1, committed)
    assert breach.prop == "Leader Completeness" and breach.cells == ((3, 1),)
    assert breach.details == ("(term 2, 'x=1') was committed at index 1 in term 2, but leader "
                              "S3 of term 4 has (term 4, no-op) there")
    assert leader_completeness(3, 4, [], 1, committed).details.endswith("has nothing there")


def test_state_machine_safety_in_both_forms():
    """§5.4.3: no two servers apply different entries at one index (Figure 3's form), and,
    one moment earlier, no server comes to hold a different entry as committed."""
    x, y = Entry(1, "x=1"), Entry(2, "y=2")
    assert state_machine_safety(None, 2, 5, x) is None          # the first to apply index 5
    assert state_machine_safety((1, x), 2, 5, x) is None
    applied = state_machine_safety((1, x), 2, 5, y)
    assert applied.prop == "State Machine Safety" and applied.cells == ((1, 5), (2, 5))
    assert applied.details == ("S1 applied (term 1, 'x=1') at index 5, but S2 applied "
                               "(term 2, 'y=2') there")
    assert committed_entries_agree(None, 2, 5, y) is None
    assert committed_entries_agree((x, 1), 2, 5, x) is None
    committed = committed_entries_agree((x, 1), 2, 5, y)
    assert committed.prop == "State Machine Safety" and committed.cells == ((2, 5),)
    assert committed.details == ("index 5 is committed as (term 1, 'x=1'), but S2 holds "
                                 "(term 2, 'y=2') there as committed")


# -- the checker and the monitor agree -----------------------------------------------------------

def firsts(checker):
    """The checker's first violation of each property: prop -> (step, details)."""
    out = {}
    for v in checker.violations:
        out.setdefault(v.prop, (v.step, v.details))
    return out


def monitor_over(cluster):
    """The monitor's verdict after watching the run's history, replayed snapshot by snapshot."""
    monitor = InvariantMonitor()
    status = None
    for snap in cluster.history():
        status = monitor.observe(snap)
    return {p: (v.step, v.details) for p, v in status.items() if v is not None}


# Seeded schedules (grade.generate(seed, bug.profile)) on which the checker, collecting rather
# than raising, flags these properties. The runs exercise both forms of State Machine Safety,
# and Log Matching alongside it.
COLLECTED = [
    ("naive-commit", 42, {"Leader Completeness", "State Machine Safety"}),
    ("vote-without-log-check", 3, {"Leader Completeness", "State Machine Safety"}),
    ("leader-keeps-leading", 10, {"Election Safety", "State Machine Safety"}),
    ("prev-log-off-by-one", 10, {"Log Matching", "State Machine Safety"}),
    ("truncate-always", 27, {"Leader Completeness", "State Machine Safety"}),
]


@pytest.mark.parametrize("name,seed,props", COLLECTED)
def test_monitor_over_history_flags_what_the_checker_flags(name, seed, props):
    bug = bugs.BUGS[name]
    schedule = grade.generate(seed, bug.profile)
    cluster = Cluster(**schedule.setup.kwargs(), node_class=bug)
    cluster.checker = SafetyChecker(cluster, raise_on_violation=False)
    for action in schedule.actions:
        cluster.do(action, lenient=True)
    checker = firsts(cluster.checker)
    assert set(checker) == props, f"{name} seed {seed}: the checker flagged {set(checker)}"
    assert monitor_over(cluster) == checker


# Seeded schedules that the grader (grade.run_schedule: the checker raises at the first
# violation, after the schedule's actions and while the cluster settles) stops on.
RAISED = [
    ("apply-uncommitted", 204, "State Machine Safety"),   # applied, never committed
    ("stale-vote-replies", 12, "Election Safety"),
    ("vote-not-persisted", 8, "Election Safety"),
]


@pytest.mark.parametrize("name,seed,prop", RAISED)
def test_monitor_flags_the_violation_the_grader_stops_on(name, seed, prop):
    bug = bugs.BUGS[name]
    found, cluster = grade.run_schedule(bug, grade.generate(seed, bug.profile))
    assert found is not None and found.kind == "violation" and found.prop == prop
    (violation,) = cluster.checker.violations
    seen = monitor_over(cluster)
    assert seen[prop] == (violation.step, violation.details)
    assert all(step >= violation.step for step, _ in seen.values())   # nothing flagged earlier


def test_checker_and_monitor_agree_in_lockstep_on_a_hand_broken_cluster():
    """The same states judged live and from snapshots, step by step: the leader's newest entry
    is replaced behind the algorithm's back after it was sent. That breaks Leader Append-Only at
    once; Log Matching too (the followers hold another entry of the same term there); and State
    Machine Safety when the leader commits and applies its entry and the followers theirs."""
    cluster = Cluster(size=3, seed=1).elect(1)
    checker = cluster.checker = SafetyChecker(cluster, raise_on_violation=False)
    monitor = InvariantMonitor()

    def verdicts():
        monitor.observe(cluster.snapshot())
        seen = {p: (v.step, v.details) for p, v in monitor.status().items() if v is not None}
        assert seen == firsts(checker), f"step {cluster.steps}"
        return set(seen)

    def run(steps):
        for _ in range(steps):
            assert cluster.step() is not None
            verdicts()

    cluster.submit("x=1")
    verdicts()
    run(100)
    cluster.submit("y=2")
    assert verdicts() == set()
    run(1)   # S1 has sent y=2 (index 3) to its followers
    leader = cluster.nodes[1]
    assert leader.log[3].command == "y=2" and leader.commit_index < 3
    leader.log._entries[2] = Entry(leader.current_term, "evil=1")
    run(1)
    assert set(firsts(checker)) == {"Leader Append-Only", "Log Matching"}
    run(100)
    assert cluster.nodes[1].last_applied == 3 and cluster.nodes[2].last_applied == 3
    assert verdicts() == {"Leader Append-Only", "Log Matching", "State Machine Safety"}


def test_properties_are_named_once():
    """The light shows the same five names, in the same order, as the checker reports."""
    monitor = InvariantMonitor()
    assert tuple(monitor.status()) == PROPERTIES
    assert tuple(SafetyChecker(Cluster(size=3, seed=1)).status()) == PROPERTIES
