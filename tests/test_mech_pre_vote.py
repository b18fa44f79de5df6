"""Pre-vote (Ongaro's dissertation, §9.6), one test per sentence of the rule, on single servers
driven by hand. The mechanism is off by default (``Node(pre_vote=True)`` switches it on).

§9.6, in our words: before a server that timed out increments its term, it asks the others
whether its log is up-to-date enough to get their vote; only if a majority says yes does it start
a real election. Its term does not change during the poll, and neither does anyone else's.
"""

from __future__ import annotations

from raft.node import (CANDIDATE, FOLLOWER, LEADER, PreVote, PreVoteReply, RequestVote,
                       TimeoutNow)

from mech_nodes import ELECTION, heartbeat, make, make_leader, notes, sent


def pre_vote(next_term, last_index, last_term, src=2, dst=1):
    return PreVote(src=src, dst=dst, term=0, next_term=next_term, candidate_id=src,
                   last_log_index=last_index, last_log_term=last_term)


def answer(granted, next_term, term, src=2, dst=1):
    return PreVoteReply(src=src, dst=dst, term=term, vote_granted=granted, next_term=next_term)


def test_a_timed_out_server_polls_before_it_campaigns():
    """§9.6: a server whose election timer fires first asks every other voter whether it would
    vote for it in the next term, with its log's last index and term; its own term, its vote and
    its role stay as they were, so nothing needs writing to disk."""
    node = make(1, size=5, terms=[1, 1, 2], voted_for=2, pre_vote=True)
    node.tick(node.election_deadline)
    out = node.ready()
    polls = [m for m in out.messages if isinstance(m, PreVote)]
    assert sorted(m.dst for m in polls) == [2, 3, 4, 5]
    assert {(m.term, m.next_term, m.last_log_index, m.last_log_term) for m in polls} \
        == {(0, 3, 3, 2)}
    assert not any(isinstance(m, RequestVote) for m in out.messages)
    assert (node.role, node.current_term, node.voted_for) == (FOLLOWER, 2, 2)
    assert not out.persist_hard_state
    assert ("pre-vote", "pv-start") in [(n.kind, n.rule) for n in out.notes]


def test_a_pre_vote_is_answered_without_changing_anything():
    """§9.6: a server says yes when the proposed term is above its own and the candidate's log
    is at least as up-to-date (§5.4.1); answering changes neither its term, nor its vote, nor its
    election timer."""
    node = make(1, terms=[1, 2], voted_for=3, pre_vote=True)
    deadline = node.election_deadline
    node.step(pre_vote(next_term=3, last_index=2, last_term=2), 10.0)
    (reply,) = sent(node, PreVoteReply)
    assert reply.vote_granted and reply.next_term == 3 and reply.term == 2
    assert (node.current_term, node.voted_for, node.election_deadline) == (2, 3, deadline)


def test_a_pre_vote_changes_no_term_even_a_much_higher_one():
    """§9.6: a PreVote for a far higher term does not make the receiver adopt it: it carries no
    term of its own (0), so the rule of §5.1 for all servers finds nothing to adopt."""
    node = make(1, terms=[1], pre_vote=True)
    node.step(pre_vote(next_term=9, last_index=1, last_term=1), 10.0)
    assert node.current_term == 1 and node.role == FOLLOWER
    assert sent(node, PreVoteReply)[0].vote_granted


def test_a_pre_vote_is_refused_for_a_stale_term_or_a_log_behind():
    """§9.6 with §5.1 and §5.4.1: no for a proposed term that is not above the receiver's, and
    no for a candidate whose log is less up-to-date."""
    node = make(1, terms=[1, 2], term=4, pre_vote=True)
    node.step(pre_vote(next_term=4, last_index=5, last_term=3), 10.0)     # term not above 4
    node.step(pre_vote(next_term=5, last_index=1, last_term=1), 10.0)     # log behind
    out = node.ready()
    assert [m.vote_granted for m in out.messages if isinstance(m, PreVoteReply)] == [False, False]
    assert [n.data["reason"] for n in out.notes if n.rule == "pv-refuse"] \
        == ["its term is stale", "its log is not up-to-date"]
    assert node.current_term == 4


def test_a_majority_of_yes_starts_a_real_election():
    """§9.6: with yes from a majority (itself included) the server starts a real election:
    it increments its term, votes for itself and sends RequestVote."""
    node = make(1, size=5, terms=[1], pre_vote=True)
    node.tick(node.election_deadline)
    sent(node)
    node.step(answer(True, next_term=2, term=1, src=2), 160.0)
    assert node.role == FOLLOWER and node.current_term == 1       # 2 of 5: not yet
    node.step(answer(False, next_term=2, term=1, src=3), 161.0)
    node.step(answer(True, next_term=2, term=1, src=4), 162.0)
    assert node.role == CANDIDATE and node.current_term == 2 and node.voted_for == 1
    assert sorted(m.dst for m in sent(node, RequestVote)) == [2, 3, 4, 5]


def test_a_failed_poll_is_tried_again_after_another_timeout():
    """§9.6: a server that does not get a majority stays a follower in its term; its election
    timer, restarted when it polled, fires again and it polls again."""
    node = make(1, size=3, terms=[1], pre_vote=True)
    first = node.election_deadline
    node.tick(first)
    sent(node)
    assert node.election_deadline - first >= ELECTION[0]
    node.tick(node.election_deadline)
    assert len(sent(node, PreVote)) == 2 and node.current_term == 1


def test_late_or_outdated_answers_are_not_counted():
    """§9.6: a yes counts only for the poll under way: not one for another proposed term, and
    not once the server has heard from a leader since it began polling."""
    node = make(1, size=3, terms=[1], pre_vote=True)
    start = node.election_deadline
    node.tick(start)
    sent(node)
    node.step(answer(True, next_term=5, term=1, src=2), start + 1)    # another poll's answer
    assert node.role == FOLLOWER
    node.step(heartbeat(1, src=3, prev_index=1, prev_term=1), start + 2)
    node.step(answer(True, next_term=2, term=1, src=2), start + 3)    # a leader spoke since
    assert node.role == FOLLOWER and node.current_term == 1


def test_a_no_from_a_newer_term_brings_the_server_up_to_date():
    """§5.1 applies to answers: a PreVoteReply carries the voter's current term, and a server
    that learns of a newer term adopts it (and its next poll proposes the term after it)."""
    node = make(1, size=3, terms=[1], pre_vote=True)
    node.tick(node.election_deadline)
    sent(node)
    node.step(answer(False, next_term=2, term=6, src=2), 200.0)
    assert node.current_term == 6 and node.role == FOLLOWER
    node.tick(node.election_deadline)
    assert {m.next_term for m in sent(node, PreVote)} == {7}


def test_a_server_that_heard_from_its_leader_ignores_pre_votes():
    """§9.6 with §6 (the rule etcd adds to pre-vote with CheckQuorum): a server that heard from a
    current leader within the minimum election timeout does not answer a pre-vote. Without the
    guard it would say yes to an up-to-date candidate, which is what lets pre-vote alone fail
    under a partial partition."""
    guarded = make(1, terms=[1], pre_vote=True)
    open_ = make(1, terms=[1], pre_vote=True, disruption_guard=False)
    for node in (guarded, open_):
        node.step(heartbeat(1, src=3, prev_index=1, prev_term=1), 100.0)
        sent(node)
        node.step(pre_vote(next_term=2, last_index=1, last_term=1), 100.0 + ELECTION[0] - 1)
    out = guarded.ready()
    assert out.messages == [] and ("ignore", "rv-ignore") in [(n.kind, n.rule) for n in out.notes]
    (reply,) = sent(open_, PreVoteReply)
    assert reply.vote_granted
    # Once the minimum election timeout has passed with no word from the leader, it answers.
    guarded.step(pre_vote(next_term=2, last_index=1, last_term=1), 100.0 + ELECTION[0])
    (reply,) = sent(guarded, PreVoteReply)
    assert reply.vote_granted


def test_a_leader_that_reaches_its_majority_ignores_pre_votes():
    """§9.6 with §6: a leader that a majority answered within the minimum election timeout
    ignores a pre-vote as it would a RequestVote."""
    node = make_leader(size=3, terms=[1], term=2, pre_vote=True)
    node.step(pre_vote(next_term=3, last_index=2, last_term=2), 10.0)
    assert sent(node) == [] and node.role == LEADER


def test_the_target_of_a_transfer_does_not_poll():
    """§9.6 and §3.10: a server told by its leader to take over (TimeoutNow) campaigns at once,
    without a pre-vote: the leader asked for this election (etcd does the same)."""
    node = make(2, terms=[1], pre_vote=True)
    node.step(heartbeat(1, src=1, dst=2, prev_index=1, prev_term=1), 10.0)
    sent(node)
    node.step(TimeoutNow(src=1, dst=2, term=1), 12.0)
    assert node.role == CANDIDATE and node.current_term == 2
    requests = sent(node, RequestVote)
    assert requests and all(m.leadership_transfer for m in requests)


def test_a_forced_timeout_polls_too():
    """A forced timeout is an ordinary early election: with pre-vote on, it polls first."""
    node = make(1, terms=[1], pre_vote=True)
    node.timeout_now(5.0)
    assert node.role == FOLLOWER and len(sent(node, PreVote)) == 2
