"""Check-quorum (Ongaro's dissertation, §6.2) and the §6 guard on a leader (dissertation §4.2.3),
one test per sentence, on single servers driven by hand.

§6.2, in our words: a leader that has not heard from a majority of its cluster for an election
timeout steps down, so that clients can find the real leader instead of waiting on one that can
commit nothing. §4.2.3: servers that heard from a current leader within the minimum election
timeout ignore RequestVote, and "while a leader is able to get heartbeats to its cluster, it will
not be deposed by larger term numbers". Check-quorum is off by default (``check_quorum=True``);
the guard is on by default (``disruption_guard``), and a leader applies it only while a majority
answers it, whether check-quorum is on or not.
"""

from __future__ import annotations

import pytest

from raft.node import CANDIDATE, FOLLOWER, LEADER, RequestVoteReply

from mech_nodes import (ELECTION, HEARTBEAT, ack, heartbeat, make, make_leader, notes,
                        request_vote, sent)


def test_a_leader_with_no_answer_from_a_majority_steps_down():
    """§6.2: a leader that has heard from no majority within an election timeout (the minimum,
    as etcd's base timeout) steps down at its next heartbeat, noting check-quorum's rule."""
    node = make_leader(size=3, terms=[1], term=2, check_quorum=True)
    t = 0.0
    while t + HEARTBEAT < ELECTION[0]:
        t += HEARTBEAT
        node.tick(t)                       # heartbeats go out; no one answers
        assert node.role == LEADER
    node.tick(t + HEARTBEAT)               # the first heartbeat a full timeout after the election
    assert node.role == FOLLOWER and node.current_term == 2
    assert ("role", "cq-step-down") in notes(node)


def test_answers_from_a_majority_keep_the_leader():
    """§6.2: a leader that hears from a majority (itself and one of two followers) within every
    election timeout stays leader. Failed answers count: they too show the follower is there."""
    node = make_leader(size=3, terms=[1], term=2, check_quorum=True)
    for k in range(1, 20):
        now = k * HEARTBEAT
        node.tick(now)
        node.step(ack(2, src=2, match=0, success=(k % 2 == 0)), now + 5)
        assert node.role == LEADER


def test_one_follower_is_not_a_majority_of_five():
    """§6.2: in five servers a leader needs answers from two followers; one is not enough."""
    node = make_leader(size=5, terms=[1], term=2, check_quorum=True)
    for k in range(1, 6):
        node.tick(k * HEARTBEAT)
        node.step(ack(2, src=2, match=2), k * HEARTBEAT + 5)
    assert node.role == FOLLOWER


def test_without_check_quorum_a_cut_off_leader_keeps_leading():
    """The switch is off by default: Figure 2's leader leads until a higher term reaches it."""
    node = make_leader(size=3, terms=[1], term=2)
    for k in range(1, 40):
        node.tick(k * HEARTBEAT)
    assert node.role == LEADER


def test_a_leader_steps_down_rather_than_take_requests_it_cannot_commit():
    """§6.2: once stepped down, the cut-off leader refuses client commands (NotLeader) instead
    of appending entries that no majority will store."""
    from raft.errors import NotLeader
    node = make_leader(size=3, terms=[1], term=2, check_quorum=True)
    for k in range(1, 5):
        node.tick(k * HEARTBEAT)
    with pytest.raises(NotLeader):
        node.propose("x=1", 5 * HEARTBEAT)


# -- the §6 guard, for a leader (dissertation §4.2.3) -------------------------------------------

def _heartbeat_from(leader):
    return heartbeat(1, src=leader, prev_index=1, prev_term=1)


@pytest.mark.parametrize("check_quorum", [False, True])
def test_a_leader_that_reaches_its_majority_ignores_a_higher_term_request_vote(check_quorum):
    """§4.2.3: while a leader gets answers from a majority, a RequestVote with a higher term does
    not depose it: it is ignored, as it is by the followers that hear from that leader."""
    node = make_leader(size=3, terms=[1], term=2, check_quorum=check_quorum)
    node.tick(HEARTBEAT)
    node.step(ack(2, src=2, match=2), HEARTBEAT + 5)
    node.step(request_vote(9, 5, 5, src=3), HEARTBEAT + 10)
    assert node.role == LEADER and node.current_term == 2
    assert ("ignore", "rv-ignore") in notes(node)


@pytest.mark.parametrize("check_quorum", [False, True])
def test_a_leader_cut_off_from_its_majority_is_deposed_by_a_higher_term(check_quorum):
    """§4.2.3: the protection lasts only while the leader reaches its cluster. A leader with no
    answer from a majority within the minimum election timeout handles a RequestVote as Figure 2
    says: it adopts the higher term and becomes a follower. (It used to ignore it whatever.)"""
    node = make_leader(size=3, terms=[1], term=2, check_quorum=check_quorum)
    late = ELECTION[0] + 1            # no answer since the election, a timeout ago
    node.step(request_vote(9, 5, 5, src=3), late)
    assert node.role == FOLLOWER and node.current_term == 9 and node.voted_for == 3


def test_a_transfer_request_passes_the_guard():
    """§4.2.3: a RequestVote marked as a leadership transfer must be answered even by servers
    that heard from a leader moments ago, since its whole point is an early election."""
    node = make(1, terms=[1])
    node.step(_heartbeat_from(2), 100.0)
    sent(node)
    node.step(request_vote(2, 1, 1, src=3, transfer=True), 101.0)
    (reply,) = sent(node, RequestVoteReply)
    assert reply.vote_granted and node.current_term == 2


def test_an_ordinary_early_request_vote_is_ignored_by_a_follower():
    """§6 (§4.2.3): the same RequestVote without the transfer mark is ignored: neither the term
    is adopted nor the vote given."""
    node = make(1, terms=[1])
    node.step(_heartbeat_from(2), 100.0)
    sent(node)
    node.step(request_vote(2, 1, 1, src=3), 101.0)
    assert sent(node) == [] and node.current_term == 1


def test_a_stepped_down_leader_campaigns_again_only_after_a_timeout():
    """§6.2: stepping down is an ordinary return to follower: the server restarts its election
    timer and campaigns only if it hears from no leader for a timeout."""
    node = make_leader(size=3, terms=[1], term=2, check_quorum=True)
    for k in range(1, 5):
        node.tick(k * HEARTBEAT)
    assert node.role == FOLLOWER
    down_at = 4 * HEARTBEAT
    assert node.election_deadline >= down_at + ELECTION[0]
    node.tick(node.election_deadline)
    assert node.role == CANDIDATE and node.current_term == 3
