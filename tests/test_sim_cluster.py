"""Rules that need a whole cluster: the election restriction, persistence across crashes, and
clients (§5.4.1, Figure 2's persistent state, §8). Each runs the deterministic simulator with
the safety checker on."""

import pytest

from raft import Cluster, NodeCrashed, NotLeader
from raft.node import LEADER


def elected(seed=1, size=3, **kwargs):
    cluster = Cluster(size=size, seed=seed, check_invariants=True, **kwargs)
    assert cluster.run_until(lambda c: c.leader() is not None, 3000)
    return cluster


def test_election_restriction_candidate_missing_entries_cannot_win():
    """§5.4.1: a candidate whose log lacks an entry held by a majority cannot collect a
    majority of votes; a server with the up-to-date log wins instead."""
    cluster = Cluster(size=3, seed=2, logs={1: [1, 1], 2: [1, 1], 3: [1]}, check_invariants=True)
    cluster.timeout(3)
    assert not cluster.run_until(lambda c: c.nodes[3].role == LEADER, 1000)
    denials = [r for r in cluster.trace if r.kind == "vote" and r.data["candidate"] == 3]
    assert denials and not any(r.data["granted"] for r in denials)
    assert "not up-to-date" in denials[0].sentence
    assert cluster.run_until(lambda c: c.leader() in (1, 2), 3000)


def test_persistent_state_survives_a_crash_and_the_rest_is_rebuilt():
    """Figure 2: current_term, voted_for and the log are persistent (written before replying);
    commit_index and last_applied are volatile. After every server crashes and restarts, the
    persistent state is as it was, commit_index and last_applied start at 0, and the state
    machines are rebuilt by re-applying the committed entries once the index is re-learned."""
    cluster = elected(seed=3)
    for k in range(3):
        cluster.submit(f"k{k}={k}")
    assert cluster.run_until(lambda c: all(len(c.applied(i)) == 3 for i in c.ids), 1000)
    before = {i: (n.current_term, n.voted_for, list(n.log)) for i, n in cluster.nodes.items()}
    machines = {i: cluster.state_machine(i) for i in cluster.ids}
    for i in cluster.ids:
        cluster.crash(i)
    for i in cluster.ids:
        cluster.restart(i)
    for i, n in cluster.nodes.items():
        assert (n.current_term, n.voted_for, list(n.log)) == before[i]
        assert n.commit_index == n.last_applied == 0 and n.role == "follower"
        assert cluster.state_machine(i) == {} and cluster.applied(i) == []
    assert cluster.run_until(lambda c: c.leader() is not None
                             and all(len(c.applied(i)) == 3 for i in c.ids), 3000)
    assert {i: cluster.state_machine(i) for i in cluster.ids} == machines


def test_crash_loses_messages_on_their_way_to_the_server():
    """A crash loses the server's volatile state and the messages in flight to it."""
    cluster = elected(seed=4)
    leader = cluster.leader()
    cluster.submit("x=1")
    follower = next(i for i in cluster.ids if i != leader)
    assert any(f.msg.dst == follower for f in cluster.in_flight())
    cluster.crash(follower)
    assert not any(f.msg.dst == follower for f in cluster.in_flight())


def test_not_leader_carries_a_hint():
    """§8: a client that contacts a follower is rejected with the leader's id, if known."""
    cluster = elected(seed=5)
    cluster.run(100)   # every follower has heard a heartbeat
    leader = cluster.leader()
    follower = next(i for i in cluster.ids if i != leader)
    with pytest.raises(NotLeader) as caught:
        cluster.submit("x=1", node=follower)
    assert caught.value.node_id == follower and caught.value.leader_hint == leader
    assert f"try S{leader}" in str(caught.value)


def test_retried_command_is_applied_once():
    """§8: a client that retries (its reply was lost) sends the same client id and sequence
    number; the command may appear twice in the log but the state machine applies it once."""
    cluster = elected(seed=6)
    cluster.submit("n=1", client_id="alice", seq=1)
    cluster.submit("n=2", client_id="alice", seq=2)
    cluster.submit("n=1", client_id="alice", seq=1)          # the retry of seq 1
    cluster.submit("n=3", client_id="bob", seq=1)             # another client's seq 1
    assert cluster.run_until(lambda c: all(n.last_applied == len(n.log)
                                           for n in c.nodes.values()), 1000)
    for i in cluster.ids:
        commands = [e.command for e in cluster.nodes[i].log if e.kind == "command"]
        assert commands == ["n=1", "n=2", "n=1", "n=3"]
        assert cluster.applied(i) == ["n=1", "n=2", "n=3"]
        assert cluster.state_machine(i) == {"n": "3"}


def test_submit_to_crashed_server_raises():
    """A crashed server takes no requests; the error says so and what to do."""
    cluster = elected(seed=7)
    leader = cluster.leader()
    cluster.crash(leader)
    with pytest.raises(NodeCrashed, match=rf"S{leader} is crashed; restart it"):
        cluster.submit("x=1", node=leader)


def test_no_commit_without_a_majority():
    """§5.3: an entry is committed only once stored on a majority. A leader cut off with one
    follower of five cannot commit, however long it waits."""
    cluster = elected(seed=8, size=5)
    leader = cluster.leader()
    other = next(i for i in cluster.ids if i != leader)
    cluster.partition([leader, other], [i for i in cluster.ids if i not in (leader, other)])
    index = cluster.submit("x=1", node=leader)
    cluster.run(2000)
    assert len(cluster.nodes[other].log) >= index
    assert cluster.nodes[leader].commit_index < index
    assert all("x=1" not in cluster.applied(i) for i in cluster.ids)
