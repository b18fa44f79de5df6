"""Leadership transfer (Ongaro's dissertation, §3.10), one test per step of the protocol, on
single servers driven by hand; then the separation of a forced timeout (an ordinary early
election) from a transfer, on a simulated cluster.

§3.10, in our words: (1) the leader stops accepting new client requests; (2) it brings the
target's log up to date with ordinary replication; (3) it sends the target TimeoutNow, which
makes it start an election at once; its RequestVote may pass the §6 guard (§4.2.3). If the
transfer does not complete within about an election timeout, the leader aborts it and accepts
client requests again.
"""

from __future__ import annotations

import pytest

from raft import Cluster
from raft.errors import ConfigurationError, LeadershipTransferInProgress, NotLeader
from raft.node import (CANDIDATE, FOLLOWER, LEADER, AppendEntries, RequestVote, TimeoutNow)

from mech_nodes import ELECTION, HEARTBEAT, ack, heartbeat, make, make_leader, notes, sent


def test_the_leader_stops_taking_client_requests():
    """§3.10 step 1: during a transfer the leader refuses new client commands, so that the
    target can catch up with a log that stops growing."""
    node = make_leader(size=3, terms=[1], term=2)
    node.transfer_leadership(2, 1.0)
    with pytest.raises(LeadershipTransferInProgress, match="S1 is handing leadership over to S2"):
        node.propose("x=1", 2.0)
    assert node.log.last_index == 2


def test_the_leader_brings_the_target_up_to_date_then_sends_timeout_now():
    """§3.10 steps 2 and 3: a target that lacks entries gets them by ordinary replication; once
    its log matches the leader's, the leader sends it TimeoutNow (and not before)."""
    node = make_leader(size=3, terms=[1], term=2)
    sent(node)
    node.transfer_leadership(2, 1.0)
    (catch_up,) = sent(node, AppendEntries)
    assert catch_up.dst == 2 and catch_up.entries       # the no-op of term 2 (and index 1)
    node.step(ack(2, src=2, match=1), 5.0)               # part of it: not yet
    assert sent(node, TimeoutNow) == []
    node.step(ack(2, src=2, match=2), 6.0)               # all of it
    out = node.ready()
    (go,) = [m for m in out.messages if isinstance(m, TimeoutNow)]
    assert (go.dst, go.term) == (2, 2)
    assert ("transfer", "tr-timeout-now") in [(n.kind, n.rule) for n in out.notes]


def test_an_up_to_date_target_gets_timeout_now_at_once():
    """§3.10: if the target already holds the leader's whole log, step 2 has nothing to do."""
    node = make_leader(size=3, terms=[1], term=2)
    node.step(ack(2, src=3, match=2), 5.0)
    sent(node)
    node.transfer_leadership(3, 6.0)
    out = node.ready()
    assert [m.dst for m in out.messages if isinstance(m, TimeoutNow)] == [3]
    assert [n.rule for n in out.notes] == ["tr-start", "tr-timeout-now"]


def test_timeout_now_starts_an_election_at_once_marked_as_a_transfer():
    """§3.10 step 3: TimeoutNow has the effect of the target's election timer firing: it
    increments its term and campaigns; its RequestVote is marked, so that servers that heard
    from the leader moments ago still answer it (§4.2.3)."""
    node = make(2, terms=[1])
    node.step(heartbeat(1, src=1, dst=2, prev_index=1, prev_term=1), 10.0)
    sent(node)
    node.step(TimeoutNow(src=1, dst=2, term=1), 11.0)
    assert node.role == CANDIDATE and node.current_term == 2
    requests = sent(node, RequestVote)
    assert sorted(m.dst for m in requests) == [1, 3]
    assert all(m.leadership_transfer for m in requests)


def test_a_stale_timeout_now_is_ignored():
    """A TimeoutNow from an earlier term (a leader since deposed) starts nothing."""
    node = make(2, terms=[1], term=3)
    node.step(TimeoutNow(src=1, dst=2, term=2), 10.0)
    assert node.role == FOLLOWER and node.current_term == 3 and sent(node) == []


def test_the_transfer_is_given_up_after_an_election_timeout():
    """§3.10: if the target has not taken over within an election timeout, the leader aborts
    the transfer and takes client requests again."""
    node = make_leader(size=3, terms=[1], term=2)
    node.transfer_leadership(2, 0.0)
    t = 0.0
    while t < ELECTION[0]:
        t += HEARTBEAT
        node.tick(t)
        node.step(ack(2, src=3, match=2), t + 1)      # S3 answers; S2, the target, is silent
    assert node.transfer_target is None
    assert node.propose("x=1", t + 2) == 3


def test_when_the_target_wins_the_old_leader_steps_down():
    """§3.10: the target's next message carries its new term, and the old leader steps down
    (the ordinary rule of §5.1); nothing of the transfer remains."""
    node = make_leader(size=3, terms=[1], term=2)
    node.transfer_leadership(2, 0.0)
    node.step(heartbeat(3, src=2, prev_index=2, prev_term=2), 20.0)
    assert node.role == FOLLOWER and node.current_term == 3 and node.transfer_target is None


@pytest.mark.parametrize("target, error", [(1, ConfigurationError), (7, ConfigurationError)])
def test_bad_targets_are_refused(target, error):
    """Only another voter can be handed the leadership."""
    node = make_leader(size=3, terms=[1], term=2)
    with pytest.raises(error):
        node.transfer_leadership(target, 0.0)
    assert node.transfer_target is None


def test_one_transfer_at_a_time_and_only_by_the_leader():
    node = make_leader(size=3, terms=[1], term=2)
    node.transfer_leadership(2, 0.0)
    with pytest.raises(LeadershipTransferInProgress):
        node.transfer_leadership(3, 1.0)
    with pytest.raises(NotLeader):
        make(2).transfer_leadership(3, 0.0)


# -- on a cluster: a forced timeout is not a transfer ---------------------------------------------

def _settled(seed=7, **options):
    c = Cluster(size=5, seed=seed, check_invariants=True, **options)
    c.elect(1)
    c.run(120)
    return c


def test_a_forced_timeout_is_an_ordinary_election_that_the_guard_ignores():
    """§6: ``Cluster.timeout`` fires a server's election timer early. Servers that heard from
    the leader within the minimum election timeout ignore its RequestVote: it gets no vote in
    its term. (Until issue 16 every forced election was marked as a transfer and passed the
    guard.) Its higher term still reaches the leader in its answer to the next heartbeat, which
    deposes the leader (§5.1): the guard covers RequestVote only; pre-vote is what stops that."""
    c = _settled()
    start = c.steps
    c.timeout(3)
    c.run(100)
    after = [r for r in c.trace if r.step > start]
    ignored = [r for r in after if r.rule == "rv-ignore"]
    assert len(ignored) == 4 and {r.data["msg"].candidate_id for r in ignored} == {3}
    assert not [r for r in after if r.kind == "vote" and r.data["candidate"] == 3
                and r.data["granted"]]
    requests = [r.data["msg"] for r in after if r.kind == "send"
                and isinstance(r.data["msg"], RequestVote)]
    assert requests and not any(m.leadership_transfer for m in requests)
    assert any(r.rule == "all-term" and r.node == 1 and r.data["src"] == 3 for r in after)


def test_with_pre_vote_a_forced_timeout_changes_nothing():
    """§9.6 with §6: with pre-vote on, the same forced timeout only polls; the others ignore the
    poll, no term changes, and the leader keeps leading."""
    c = _settled(pre_vote=True)
    terms = {i: n.current_term for i, n in c.nodes.items()}
    c.timeout(3)
    c.run(100)
    assert c.leader() == 1 and {i: n.current_term for i, n in c.nodes.items()} == terms


def test_a_transfer_hands_over_and_the_target_leads_the_next_term():
    """§3.10 on a cluster: ``transfer_leadership(3)`` ends with S3 leading term 2, the old leader
    a follower, and client requests refused in between."""
    c = _settled()
    start = c.steps
    c.transfer_leadership(3)
    with pytest.raises(LeadershipTransferInProgress):
        c.submit("x=1")
    assert c.run_until(lambda c: c.leader() == 3, 300)
    assert c.nodes[3].current_term == 2 and c.nodes[1].role == FOLLOWER
    steps = ["tr-start", "tr-timeout-now", "candidate-transfer", "candidate-win"]
    firsts = {}
    for r in c.trace:
        if r.step > start:
            firsts.setdefault(r.rule, r.step)
    assert sorted(steps, key=firsts.get) == steps


def test_a_transfer_to_a_crashed_server_is_given_up():
    """§3.10: the target may fail; after an election timeout the leader aborts the transfer and
    the cluster takes client requests again, with the same leader."""
    c = _settled()
    c.crash(4)
    c.transfer_leadership(4)
    c.run(ELECTION[0] + HEARTBEAT + 1)
    assert c.leader() == 1 and c.nodes[1].transfer_target is None
    assert [r.rule for r in c.trace if r.kind == "transfer"][-1] == "tr-abort"
    index = c.submit("x=1")
    assert c.run_until(lambda c: c.nodes[1].commit_index >= index, 200)


def test_elect_takes_over_and_passes_the_guard():
    """``Cluster.elect(i)`` is a scripting shortcut: ``i`` takes over at once, its RequestVote
    marked like a transfer's, so it wins even while followers hear from a leader; the leader's
    half of a transfer (catching up, pausing requests, TimeoutNow) does not happen."""
    c = _settled()
    start = c.steps
    c.elect(2)
    rules = {r.rule for r in c.trace if r.step > start}
    assert "candidate-transfer" in rules and not rules & {"tr-start", "tr-timeout-now"}
    assert c.leader() == 2 and c.nodes[2].current_term == 2
