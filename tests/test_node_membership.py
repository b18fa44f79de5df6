"""Membership changes by joint consensus (§6 of the paper; dissertation chapter 4)."""

import pytest

from raft import Cluster, MembershipChangeInProgress
from raft.node import LEADER, Configuration


def cluster_with_leader(size=3, seed=1, leader=1, **kwargs):
    cluster = Cluster(size=size, seed=seed, check_invariants=True, **kwargs)
    cluster.elect(leader)
    assert cluster.run_until(lambda c: c.nodes[leader].commit_index >= 1, 1000)
    return cluster


def config_indexes(node):
    return [i for i in range(1, len(node.log) + 1) if node.log[i].kind == "config"]


def test_joint_configuration_needs_both_majorities():
    """§6: while the configuration is C_old,new, agreement needs a majority of C_old *and* a
    majority of C_new. Going from {1,2,3} to {1,2,3,4,5}, the leader S1 with S4 and S5 holds
    3 of 5 (a majority of C_new) but only 1 of 3 of C_old: the joint entry must not commit."""
    joint = Configuration(frozenset({1, 2, 3, 4, 5}), frozenset({1, 2, 3}))
    assert joint.has_quorum({1, 2, 4}) and not joint.has_quorum({1, 4, 5})
    cluster = cluster_with_leader()
    cluster.change_membership([1, 2, 3, 4, 5])
    leader = cluster.nodes[1]
    assert cluster.run_until(lambda c: leader.config.is_joint, 2000)
    joint_index = config_indexes(leader)[-1]
    cluster.partition([1, 4, 5], [2, 3])         # at once: S2 and S3 never get the entry
    cluster.run(1500)
    assert leader.role == LEADER and leader.config.is_joint
    assert cluster.nodes[4].log.last_index >= joint_index   # C_new's majority holds it ...
    assert leader.commit_index < joint_index                # ... but that is not enough
    # Meanwhile S2 and S3, a majority of C_old, elected a leader of a later term. When the
    # network heals, that leader's log wins and the uncommitted joint entry is discarded.
    cluster.heal()
    assert cluster.run_until(lambda c: c.leader() in (2, 3), 3000)
    assert cluster.run_until(lambda c: all(c.nodes[i].config == Configuration(
        frozenset({1, 2, 3})) for i in (1, 2, 3)), 2000)
    for i in (1, 2, 3):
        node = cluster.nodes[i]
        assert not any(node.log[k].command.is_joint for k in config_indexes(node))


def test_servers_use_the_latest_configuration_even_uncommitted():
    """§6: a server uses the latest configuration in its log as soon as it stores it, whether
    or not it is committed (and falls back if that entry is later removed)."""
    cluster = cluster_with_leader()
    cluster.change_membership([1, 2, 3, 4])
    assert cluster.run_until(
        lambda c: c.nodes[2].config.is_joint
        and c.nodes[2].commit_index < config_indexes(c.nodes[2])[-1], 2000)
    assert cluster.nodes[2].config == Configuration(frozenset({1, 2, 3, 4}), frozenset({1, 2, 3}))


def test_c_new_is_appended_once_c_old_new_commits():
    """§6: once C_old,new is committed the leader appends C_new; the change ends when C_new is
    committed, and every server of C_new then uses it."""
    cluster = cluster_with_leader()
    cluster.change_membership([1, 2, 3, 4, 5])
    leader = cluster.nodes[1]
    assert cluster.run_until(lambda c: not leader.config_change_in_progress(), 3000)
    joint_index, new_index = config_indexes(leader)
    assert leader.log[joint_index].command.is_joint
    assert leader.log[new_index].command == Configuration(frozenset({1, 2, 3, 4, 5}))
    # C_new was appended in the same step that committed C_old,new.
    commit = next(r for r in cluster.trace if r.node == 1 and r.kind == "commit"
                  and r.data["commit_index"] >= joint_index)
    append = next(r for r in cluster.trace if r.node == 1 and r.kind == "config"
                  and r.data["index"] == new_index)
    assert append.step == commit.step and append.rule == "config-latest"
    assert any(r.rule == "config-joint" for r in cluster.trace if r.step == commit.step)
    assert cluster.run_until(lambda c: all(c.nodes[i].config == leader.config
                                           for i in range(1, 6)), 1000)


def test_new_servers_catch_up_as_non_voters_first():
    """§6: new servers join as non-voting members (learners) and receive the log before the
    joint configuration is appended, so they do not hold up commitment."""
    cluster = cluster_with_leader()
    for k in range(5):
        cluster.submit(f"k{k}={k}")
    assert cluster.run_until(lambda c: c.nodes[1].commit_index == 6, 1000)
    cluster.change_membership([1, 2, 3, 4, 5])
    leader = cluster.nodes[1]
    assert leader.learners == frozenset({4, 5}) and not leader.config.is_joint
    assert leader.config_change_in_progress()
    assert 4 not in leader.config.members and not cluster.nodes[4].config.members
    assert cluster.run_until(lambda c: leader.config.is_joint, 2000)
    joint_index = config_indexes(leader)[-1]
    assert leader.match_index[4] >= joint_index - 1 and leader.match_index[5] >= joint_index - 1
    assert leader.learners == frozenset()


def test_second_change_while_one_is_in_flight_is_refused():
    """§6: only one membership change at a time; a second request raises
    MembershipChangeInProgress, before any server is created."""
    cluster = cluster_with_leader()
    cluster.change_membership([1, 2, 3, 4])
    with pytest.raises(MembershipChangeInProgress, match="only one change at a time"):
        cluster.change_membership([1, 2, 3, 5])
    assert 5 not in cluster.nodes
    assert cluster.run_until(lambda c: c.leader() is not None and not
                             c.nodes[c.leader()].config_change_in_progress(), 3000)
    cluster.change_membership([1, 2, 3, 5])      # now it is allowed


def test_removed_leader_manages_until_c_new_commits_then_steps_down():
    """§6: a leader not in C_new keeps leading until C_new is committed, without counting
    itself in C_new's majorities, and then steps down."""
    cluster = cluster_with_leader(size=5)
    cluster.change_membership([2, 3, 4, 5])
    leader = cluster.nodes[1]
    new = Configuration(frozenset({2, 3, 4, 5}))
    assert cluster.run_until(lambda c: leader.config == new, 2000)
    new_index = config_indexes(leader)[-1]
    cluster.crash(4)   # S1 with S2 and S3 is a majority of five servers, but only 2 of the
    cluster.crash(5)   # 4 servers of C_new once S1 does not count itself
    cluster.run(1000)
    assert leader.role == LEADER and leader.commit_index < new_index
    assert cluster.nodes[2].log.last_index >= new_index
    cluster.restart(4)
    cluster.restart(5)
    assert cluster.run_until(lambda c: leader.role != LEADER, 2000)
    step_down = [r for r in cluster.trace if r.node == 1 and r.kind == "role"][-1]
    assert step_down.rule == "config-removed"
    assert leader.commit_index >= new_index
    assert cluster.run_until(lambda c: c.leader() in (2, 3, 4, 5), 2000)


def removed_server_rejoins(disruption_guard, seed=3):
    """S5 is removed from {1..5} but misses C_new (it only has C_old,new), so it believes it
    still votes; cut off from the leader's heartbeats it keeps campaigning."""
    cluster = cluster_with_leader(size=5, seed=seed, disruption_guard=disruption_guard)
    cluster.change_membership([1, 2, 3, 4])
    assert cluster.run_until(lambda c: c.nodes[5].config.is_joint, 2000)
    cluster.disconnect(5)
    assert cluster.run_until(lambda c: not c.nodes[1].config_change_in_progress(), 2000)
    cluster.connect(5)
    term = cluster.nodes[1].current_term
    start = cluster.steps
    cluster.run(3000)
    return cluster, term, start


def test_disruption_guard_ignores_removed_servers():
    """§6: a server that heard from a current leader within the minimum election timeout
    ignores RequestVote, so a removed server's campaigns do not depose the leader."""
    cluster, term, start = removed_server_rejoins(disruption_guard=True)
    assert cluster.nodes[5].current_term > term + 2            # S5 campaigned repeatedly
    assert cluster.leader() == 1 and cluster.nodes[1].current_term == term
    ignored = [r for r in cluster.trace[start:] if r.rule == "rv-ignore"]
    assert ignored and all(r.data["msg"].src == 5 for r in ignored)


def test_without_the_guard_removed_servers_disrupt():
    """§6: without the guard, the removed server's higher terms make the leader step down
    again and again (it cannot win, but the cluster loses its leader each time)."""
    cluster, term, start = removed_server_rejoins(disruption_guard=False)
    step_downs = [r for r in cluster.trace[start:] if r.kind == "role" and r.rule == "all-term"
                  and r.data["old"] == LEADER]
    assert len(step_downs) >= 2
    assert max(cluster.nodes[i].current_term for i in (1, 2, 3, 4)) > term + 2


def test_has_quorum_takes_any_collection_of_ids():
    """Lab 3's page tells students ``self.config.has_quorum(ids)`` does the majority arithmetic;
    a list of ids (the natural thing to build) once raised a TypeError from inside node.py."""
    plain = Configuration(frozenset({1, 2, 3}))
    joint = Configuration(frozenset({3, 4, 5}), frozenset({1, 2, 3}))
    assert plain.has_quorum([1, 2]) and not plain.has_quorum([3])
    assert plain.has_quorum({1: 5, 3: 5}.keys()) and plain.has_quorum(iter([2, 3]))
    assert joint.has_quorum([1, 3, 4]) and not joint.has_quorum([1, 2, 3])
