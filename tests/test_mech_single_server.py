"""Single-server membership changes (Ongaro's dissertation, §4.1, §4.2.1) and the 2015 fix, one
test per rule, on single nodes driven by hand and then on clusters.

§4.1, in our words: a configuration that adds or removes one server can be switched to directly,
because every majority of the old voters shares a server with every majority of the new ones; the
leader uses the new configuration as soon as it is in its log, and starts the next change only
once this one is committed. §4.2.1: a new server first receives the log without voting (a
non-voter), and becomes a voter once it has caught up. The 2015 fix (Ongaro, raft-dev, "bug in
single-server membership changes"): a leader makes no change before it has committed an entry of
its own term.
"""

from __future__ import annotations

from itertools import combinations

import pytest

from raft import Cluster, bugs, scenario
from raft.errors import (ConfigurationError, InvariantViolation, MembershipChangeInProgress,
                         NotLeader)
from raft.node import CANDIDATE, FOLLOWER, LEADER, AppendEntries, Entry, Node, RequestVote

from mech_nodes import ELECTION, ack, make_leader, notes, sent


def committed_leader(size=3, term=2):
    """Leader of ``term`` whose no-op (index 2, after one entry of term 1) every follower holds
    and which is committed: ready for a membership change."""
    node = make_leader(size=size, terms=[1], term=term)
    for peer in range(2, size + 1):
        node.step(ack(term, src=peer, match=2), 5.0)
    assert node.commit_index == 2
    sent(node)
    return node


# -- the rules on one leader ------------------------------------------------------------------

def test_a_new_voter_is_used_as_soon_as_its_entry_is_appended():
    """§4.1: the leader appends C_new = C_old plus one server and uses it at once: the new
    server gets AppendEntries, and the majority is now counted over four voters."""
    node = committed_leader()
    node.add_server(4, 10.0)
    assert node.config.voters == {1, 2, 3, 4} and node.log[3].kind == "config"
    assert sorted(m.dst for m in sent(node, AppendEntries)) == [2, 3, 4]
    node.step(ack(2, src=2, match=3), 12.0)
    assert node.commit_index == 2          # 2 of 4 is not a majority any more
    node.step(ack(2, src=3, match=3), 13.0)
    assert node.commit_index == 3          # 3 of 4 is
    assert ("append", "ss-change") in notes(node) or node.log[3].kind == "config"


def test_a_change_waits_for_the_previous_one_to_commit():
    """§4.1: one change at a time: a second change while the first is uncommitted is refused
    with MembershipChangeInProgress, naming the configuration under way."""
    node = committed_leader()
    node.add_server(4, 10.0)
    with pytest.raises(MembershipChangeInProgress, match=r"\{1,2,3,4\}"):
        node.remove_server(3, 11.0)
    for peer in (2, 3):
        node.step(ack(2, src=peer, match=3), 12.0)
    node.remove_server(3, 13.0)            # committed: now it may
    assert node.config.voters == {1, 2, 4}


def test_no_change_before_the_leader_commits_an_entry_of_its_term():
    """The 2015 fix: a new leader may not change the membership until it has committed an entry
    of its current term (its no-op). Until then a configuration its predecessor appended may
    still be on servers it has not heard from."""
    node = make_leader(size=3, terms=[1], term=2)      # its no-op (index 2) is not committed
    with pytest.raises(MembershipChangeInProgress, match="has not yet committed an entry of its "
                                                          "term 2"):
        node.add_server(4, 1.0)
    node.step(ack(2, src=2, match=2), 5.0)             # the no-op commits
    node.add_server(4, 6.0)
    assert node.config.voters == {1, 2, 3, 4}


def test_a_non_voter_gets_the_log_but_no_majority_counts_it():
    """§4.2.1: a server added as a non-voter receives AppendEntries like any follower, but
    commitment counts only voters: its acknowledgement alone commits nothing."""
    node = committed_leader()
    node.add_server(4, 10.0, voter=False)
    assert node.config.voters == {1, 2, 3} and node.config.non_voters == {4}
    assert 4 in [m.dst for m in sent(node, AppendEntries)]
    node.step(ack(2, src=4, match=3), 12.0)
    assert node.commit_index == 2
    node.step(ack(2, src=2, match=3), 13.0)
    assert node.commit_index == 3          # the leader and S2: 2 of the 3 voters


def test_a_non_voter_never_campaigns_nor_counts_as_reached():
    """§4.2.1: a non-voter's election timer starts no election, even while the configuration
    that lists it is uncommitted."""
    from mech_nodes import make
    from raft.node import make_configuration
    node = make(4, size=3)
    node.step(AppendEntries(src=1, dst=4, term=2, leader_id=1, prev_log_index=0,
                            prev_log_term=0, leader_commit=0,
                            entries=(Entry(2, make_configuration({1, 2, 3}, {4})),)), 1.0)
    assert node.config.non_voters == {4} and node.commit_index == 0
    sent(node)
    node.tick(node.election_deadline)
    assert node.role == FOLLOWER and node.current_term == 2 and sent(node, RequestVote) == []


def test_promotion_waits_until_the_non_voter_has_caught_up():
    """§4.2.1: a non-voter becomes a voter only once its log holds what the leader has
    committed (Ra promotes the same way; etcd's server refuses a learner that lags)."""
    node = committed_leader()
    node.add_server(4, 10.0, voter=False)
    for peer in (2, 3):
        node.step(ack(2, src=peer, match=3), 11.0)
    assert node.commit_index == 3
    with pytest.raises(ConfigurationError, match="S4 has not caught up yet"):
        node.promote(4, 12.0)
    node.step(ack(2, src=4, match=3), 13.0)
    node.promote(4, 14.0)
    assert node.config.voters == {1, 2, 3, 4} and not node.config.non_voters


def test_a_leader_that_removes_itself_steps_down_once_that_commits():
    """§4.1 with §6: a leader removing itself keeps leading (without counting itself) until the
    new configuration is committed, then steps down."""
    node = committed_leader()
    node.remove_server(1, 10.0)
    assert node.role == LEADER and node.config.voters == {2, 3}
    node.step(ack(2, src=2, match=3), 11.0)
    assert node.role == LEADER and node.commit_index == 2   # 1 of {2,3}: not yet
    node.step(ack(2, src=3, match=3), 12.0)
    assert node.role == FOLLOWER and node.commit_index == 3


@pytest.mark.parametrize("call, args, error", [
    ("add_server", (2,), ConfigurationError),          # already a voter
    ("promote", (2,), ConfigurationError),             # not a non-voter
    ("remove_server", (9,), ConfigurationError),       # not in the configuration
])
def test_changes_that_make_no_sense_are_refused(call, args, error):
    node = committed_leader()
    with pytest.raises(error):
        getattr(node, call)(*args, 10.0)
    assert node.log.last_index == 2


def test_only_the_leader_changes_the_membership():
    from mech_nodes import make
    with pytest.raises(NotLeader):
        make(2).add_server(4, 0.0)


def test_joint_consensus_refuses_a_configuration_with_non_voters():
    """Joint consensus (§6) knows voters only: with non-voters in the configuration, a joint
    change is refused with a clear error rather than silently dropping them."""
    node = committed_leader()
    node.add_server(4, 10.0, voter=False)
    for peer in (2, 3):
        node.step(ack(2, src=peer, match=3), 11.0)
    with pytest.raises(ConfigurationError, match="non-voting"):
        node.change_membership({1, 2, 3, 5}, 12.0)


@pytest.mark.parametrize("size", range(1, 8))
def test_majorities_of_n_and_n_plus_one_voters_always_overlap(size):
    """§4.1, the reason it works: adding or removing one server, every majority of the old
    voters shares a server with every majority of the new ones (checked exhaustively). Adding
    two at once does not have this property (the last check)."""
    old = set(range(1, size + 1))
    for new in (old | {size + 1}, old - {size}):
        if not new:
            continue
        for a in _majorities(old):
            for b in _majorities(new):
                assert a & b, (old, new, a, b)
    if size % 2:   # an odd number of voters and two more: Figure 10's 3 -> 5
        two_more = old | {size + 1, size + 2}
        assert any(not (a & b) for a in _majorities(old) for b in _majorities(two_more))


def _majorities(voters):
    voters = sorted(voters)
    need = len(voters) // 2 + 1
    return [set(c) for c in combinations(voters, need)]


# -- on a cluster -----------------------------------------------------------------------------

def test_grow_a_cluster_one_server_at_a_time_with_a_non_voter_first():
    """§4.2.1 on a cluster: add S4 as a non-voter, let it catch up, promote it; every change
    commits before the next one starts, and the checker watches every step."""
    c = Cluster(size=3, seed=4, check_invariants=True)
    c.elect(1)
    for k in range(20):
        c.submit(f"k{k}={k}")
    c.run(100)
    c.add_server(4, voter=False)
    with pytest.raises(MembershipChangeInProgress):
        c.remove_server(2)
    assert c.run_until(lambda c: c.nodes[4].log.last_index == c.nodes[1].log.last_index, 2000)
    c.run(50)
    c.promote(4)
    assert c.run_until(lambda c: not c.nodes[1].config_change_in_progress(), 500)
    assert c.config(1).voters == {1, 2, 3, 4} and c.applied(4) == c.applied(1)


# The 2015 bug as a script: S4 leads term 1 (a client command commits) and is cut off; it
# removes S2 anyway (C1 = {1,3,4}, on S4 alone). S2 wins term 2 with S1 and S3, and at once
# removes S4 (C2 = {1,2,3}); the network splits S3 S4 | S1 S2 before S3 hears of it. S2 commits
# C2 with S1; S4 and S3 then make a majority of C1 and elect S4, whose log lacks the committed
# C2. The "two removals" the zoo's search finds (raft.bugs.hunt("change-before-own-commit")),
# written out, plus that client command.
STORY_2015 = """
cluster size=4 seed=17
run 300ms
expect leader 4
submit x=1
run 100ms
partition 4 | 1 2 3
remove 2
run 296ms
expect leader 2
remove 4
partition 3 4 | 1 2
run 600ms
"""


def test_the_2015_bug_loses_a_committed_change_and_the_fix_prevents_it():
    """Ongaro, raft-dev, 2015: without the fix, S2 commits C2 = {1,2,3} and S4, still holding its
    own C1 = {1,3,4}, is elected by S3 and S4 and lacks it (Leader Completeness). With the fix,
    and no no-op to commit (as the zoo's bug), S2 may not remove S4 before it has committed an
    entry of its term: the removal is refused and nothing is lost. Our reference leader commits
    its no-op first, so the same change is allowed and safe (S3 then holds an entry of term 2
    and refuses S4)."""
    with pytest.raises(InvariantViolation) as caught:
        scenario.run(STORY_2015, cluster=_cluster(bugs.BUGS["change-before-own-commit"]))
    assert caught.value.prop == "Leader Completeness"
    assert "config {1,2,3}" in caught.value.details and "S4" in caught.value.details

    class FixWithoutNoop(Node):
        noop_on_election = False

    refused = STORY_2015.replace("remove 4\n",
                                 "expect error MembershipChangeInProgress: remove 4\n")
    cluster = scenario.run(refused, cluster=_cluster(FixWithoutNoop))
    assert cluster.checker.violations == []
    cluster = scenario.run(STORY_2015, cluster=_cluster(Node))
    assert cluster.config(2).voters == {1, 2, 3} and not cluster.checker.violations


def _cluster(node_class):
    return Cluster(size=4, seed=17, node_class=node_class, check_invariants=True)
