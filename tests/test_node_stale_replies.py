"""A rule beyond Figure 2, one test: replies that answer a question nobody is asking any more.

Figure 2 says what a candidate does with votes and a leader with AppendEntries replies, but not
what either does with a reply that arrives late, after the server moved on to a newer term or
gave up its role. Our node ignores such a reply (rule ``reply-stale`` of ``raft.node.RULES``);
counting it could make a server leader of a term it did not win, or move a leader's
``match_index`` on the word of an earlier term. The Figure 2 card of the book links this rule here.
"""

import random

from raft.node import (CANDIDATE, FOLLOWER, LEADER, AppendEntriesReply, Configuration, Node,
                       RequestVoteReply)


def make(size=5):
    return Node(1, Configuration(frozenset(range(1, size + 1))), rng=random.Random(1))


def test_replies_from_an_earlier_term_are_ignored():
    """Late votes from term 1 do not count for the candidate of term 2; a success reply from an
    earlier term does not move a leader's match_index; a vote that reaches a server that is no
    longer a candidate is ignored. Each is noted with the rule reply-stale."""
    node = make()
    node.start_election(0.0, "follower-timeout")         # term 1
    node.start_election(300.0, "candidate-timeout")      # timed out again: term 2
    node.ready()
    for voter in (2, 3):                                  # two late "yes" votes from term 1
        node.step(RequestVoteReply(src=voter, dst=1, term=1, vote_granted=True), 310.0)
    assert node.role == CANDIDATE and node.votes == {1}
    assert [n.rule for n in node.ready().notes] == ["reply-stale", "reply-stale"]

    for voter in (2, 3):                                  # now it wins term 2
        node.step(RequestVoteReply(src=voter, dst=1, term=2, vote_granted=True), 320.0)
    assert node.role == LEADER
    node.step(RequestVoteReply(src=4, dst=1, term=2, vote_granted=True), 321.0)  # one too many
    node.step(AppendEntriesReply(src=5, dst=1, term=1, success=True, match_index=1), 322.0)
    assert node.match_index[5] == 0
    notes = node.ready().notes
    assert [n.rule for n in notes if n.kind == "ignore"] == ["reply-stale", "reply-stale"]

    node.step(AppendEntriesReply(src=2, dst=1, term=3, success=False), 330.0)  # deposed
    assert node.role == FOLLOWER
    node.ready()
    node.step(AppendEntriesReply(src=3, dst=1, term=3, success=True, match_index=1), 331.0)
    assert [n.rule for n in node.ready().notes] == ["reply-stale"]
