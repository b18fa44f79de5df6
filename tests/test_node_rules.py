"""One small test per rule of the Raft paper, on single servers driven by hand (sans-IO).

Modelled on the list of etcd's ``raft_paper_test.go`` (our own tests, our own words). Each test
arranges a server's state, acts with one input (a message, a tick, a proposal), and checks what
the server did and sent. Section numbers refer to the extended Raft paper (Ongaro and
Ousterhout, 2014).
"""

import random

import pytest
from budget import scaled
from hypothesis import given, settings, strategies as st

from raft.errors import NotLeader
from raft.node import (CANDIDATE, FOLLOWER, LEADER, AppendEntries, AppendEntriesReply,
                       Configuration, Entry, Node, RequestVote, RequestVoteReply)

ELECTION = (150, 300)
HEARTBEAT = 50


def make(node_id=1, size=3, terms=(), term=None, voted_for=None, **options):
    """A server of a cluster with ids 1..size, its log holding entries of the given terms."""
    log = [Entry(t, f"v{i}=1") for i, t in enumerate(terms, 1)]
    term = max(terms, default=0) if term is None else term
    return Node(node_id, Configuration(frozenset(range(1, size + 1))), rng=random.Random(node_id),
                election_timeout=ELECTION, heartbeat_interval=HEARTBEAT, current_term=term,
                voted_for=voted_for, log=log, **options)


def make_leader(size=3, terms=(), term=1, now=0.0, **options):
    """Server 1 elected leader of ``term`` (it campaigns from term-1 and gets every vote)."""
    node = make(1, size, terms, term=term - 1, **options)
    node.timeout_now(now)
    for peer in range(2, size + 1):
        node.step(RequestVoteReply(src=peer, dst=1, term=term, vote_granted=True), now)
    assert node.role == LEADER and node.current_term == term
    node.ready()  # forget the election's output
    return node


def sent(node, kind=None):
    out = node.ready()
    return [m for m in out.messages if kind is None or isinstance(m, kind)]


def ae(term, prev_index, prev_term, entries=(), commit=0, src=2, dst=1):
    return AppendEntries(src=src, dst=dst, term=term, leader_id=src, prev_log_index=prev_index,
                         prev_log_term=prev_term, entries=tuple(Entry(t, f"e{t}") for t in entries),
                         leader_commit=commit)


def rv(term, last_index, last_term, src=2, dst=1):
    return RequestVote(src=src, dst=dst, term=term, candidate_id=src, last_log_index=last_index,
                       last_log_term=last_term)


# -- §5.1: terms -------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [FOLLOWER, CANDIDATE, LEADER])
@pytest.mark.parametrize("message", ["append", "vote", "append-reply", "vote-reply"])
def test_higher_term_makes_any_server_adopt_it_and_follow(role, message):
    """§5.1 (Rules for Servers, all servers): a message with a higher term makes the server
    set current_term to it, forget its vote, and become (or stay) a follower. (The §6 guard
    against removed servers, which makes a leader ignore RequestVote, is off here; it has its
    own tests.)"""
    # Arrange: server 1 in term 2 with the given role.
    if role == LEADER:
        node = make_leader(term=2, disruption_guard=False)
    else:
        node = make(1, terms=[1], term=1, disruption_guard=False)
        if role == CANDIDATE:
            node.timeout_now(0.0)
            node.ready()
    assert node.role == role and node.current_term == 2 - (role == FOLLOWER)
    msg = {"append": ae(5, 0, 0),
           "vote": rv(5, 9, 9, src=3),
           "append-reply": AppendEntriesReply(src=2, dst=1, term=5, success=False),
           "vote-reply": RequestVoteReply(src=2, dst=1, term=5, vote_granted=False)}[message]
    # Act
    node.step(msg, 10.0)
    # Check
    assert node.current_term == 5
    assert node.role == FOLLOWER
    assert node.voted_for in (None, 3)  # a RequestVote may be granted in the new term
    assert node.ready().persist_hard_state


def test_stale_term_messages_are_rejected_with_the_current_term():
    """§5.1: a request with a term below current_term is rejected, and the reply carries the
    current term so the sender can update itself."""
    node = make(1, terms=[1, 3], term=3)
    node.step(ae(2, 0, 0, entries=[2]), 0.0)
    node.step(rv(2, 5, 2), 0.0)
    append_reply, vote_reply = sent(node)
    assert not append_reply.success and append_reply.term == 3
    assert not vote_reply.vote_granted and vote_reply.term == 3
    assert node.log.terms() == [1, 3]   # nothing appended from the stale leader


# -- §5.2: leader election ---------------------------------------------------------------------

def test_servers_start_as_followers():
    """§5.2: when servers start up, they begin as followers."""
    node = make()
    assert node.role == FOLLOWER and node.current_term == 0 and node.voted_for is None


def test_follower_times_out_and_campaigns():
    """§5.2 (Rules for Servers, followers and candidates): with no message from a leader within
    the election timeout, a follower becomes a candidate, increments its term, votes for
    itself, and sends RequestVote to every other server with its last log index and term."""
    node = make(1, size=5, terms=[1, 1, 2])
    deadline = node.election_deadline
    assert ELECTION[0] <= deadline <= ELECTION[1]
    node.tick(deadline - 1)                       # not yet
    assert node.role == FOLLOWER and sent(node) == []
    node.tick(deadline)                           # now
    assert node.role == CANDIDATE
    assert node.current_term == 3 and node.voted_for == 1 and node.votes == {1}
    requests = sent(node, RequestVote)
    assert sorted(m.dst for m in requests) == [2, 3, 4, 5]
    assert {(m.term, m.candidate_id, m.last_log_index, m.last_log_term) for m in requests} \
        == {(3, 1, 3, 2)}


def test_election_timeouts_are_randomized():
    """§5.2: election timeouts are chosen randomly from a fixed interval, so servers rarely
    time out together."""
    deadlines = {make(i, size=9).election_deadline for i in range(1, 10)}
    assert len(deadlines) == 9
    assert all(ELECTION[0] <= d <= ELECTION[1] for d in deadlines)


def test_candidate_with_majority_becomes_leader():
    """§5.2: a candidate wins once it has votes from a majority of the servers (itself
    included); denied votes and repeated votes do not count."""
    node = make(1, size=5)
    node.timeout_now(0.0)
    node.ready()
    node.step(RequestVoteReply(src=2, dst=1, term=1, vote_granted=True), 1.0)
    node.step(RequestVoteReply(src=2, dst=1, term=1, vote_granted=True), 1.0)  # duplicate
    node.step(RequestVoteReply(src=3, dst=1, term=1, vote_granted=False), 1.0)
    assert node.role == CANDIDATE and node.votes == {1, 2}   # 2 of 5: not yet
    node.step(RequestVoteReply(src=4, dst=1, term=1, vote_granted=True), 2.0)
    assert node.role == LEADER and node.leader_id == 1


def test_candidate_steps_down_on_append_entries_from_leader_of_same_term():
    """§5.2: a candidate that receives AppendEntries from a leader whose term is at least its
    own recognises that leader and returns to follower."""
    node = make(1, size=3)
    node.timeout_now(0.0)
    node.ready()
    node.step(ae(1, 0, 0, src=3), 5.0)
    assert node.role == FOLLOWER and node.current_term == 1 and node.leader_id == 3
    (reply,) = sent(node, AppendEntriesReply)
    assert reply.success


def test_candidate_starts_new_election_on_timeout():
    """§5.2: if the election timeout elapses with no winner (a split vote), the candidate
    starts a new election in a new term."""
    node = make(1, size=3)
    node.tick(node.election_deadline)
    assert node.role == CANDIDATE and node.current_term == 1
    sent(node)
    node.tick(node.election_deadline)
    assert node.role == CANDIDATE and node.current_term == 2 and node.votes == {1}
    assert sorted(m.dst for m in sent(node, RequestVote)) == [2, 3]


def test_leader_sends_heartbeats_when_idle():
    """§5.2 (Rules for Servers, leaders): a leader sends empty AppendEntries (heartbeats) to
    every server, repeating during idle periods to prevent election timeouts."""
    node = make_leader(size=3, term=1)
    assert node.heartbeat_due == HEARTBEAT
    node.tick(HEARTBEAT - 1)
    assert sent(node) == []
    # The followers acknowledged the no-op already, so the heartbeat carries nothing.
    for peer in (2, 3):
        node.step(AppendEntriesReply(src=peer, dst=1, term=1, success=True, match_index=1), 5.0)
    sent(node)
    node.tick(HEARTBEAT)
    beats = sent(node, AppendEntries)
    assert sorted(m.dst for m in beats) == [2, 3]
    assert all(m.entries == () and m.leader_commit == 1 for m in beats)
    assert node.heartbeat_due == 2 * HEARTBEAT


def test_follower_resets_its_timer_on_append_entries():
    """§5.2: a follower stays a follower while it receives valid RPCs from a leader."""
    node = make(1)
    for now in (100.0, 200.0, 300.0, 400.0):
        node.step(ae(1, 0, 0, src=2), now)
        node.tick(now + ELECTION[0] - 1)
        assert node.role == FOLLOWER


# -- RequestVote receiver (§5.2, §5.4.1) -------------------------------------------------------

def test_vote_denied_to_stale_term():
    """Figure 2, RequestVote receiver 1 (§5.1): reply false if term < current_term."""
    node = make(1, terms=[1], term=4)
    node.step(rv(3, 10, 3), 0.0)
    (reply,) = sent(node)
    assert not reply.vote_granted and reply.term == 4 and node.voted_for is None


def test_one_vote_per_term():
    """Figure 2, RequestVote receiver 2 (§5.2): each server votes for at most one candidate in a
    term, first come first served; the same candidate asking again is granted again."""
    node = make(1, size=5, terms=[1])
    node.step(rv(2, 1, 1, src=2), 0.0)
    node.step(rv(2, 5, 1, src=3), 0.0)    # a better log, but the vote is taken
    node.step(rv(2, 1, 1, src=2), 0.0)    # a retry from the candidate we chose
    replies = sent(node, RequestVoteReply)
    assert [(m.dst, m.vote_granted) for m in replies] == [(2, True), (3, False), (2, True)]
    assert node.voted_for == 2
    node.step(rv(3, 1, 1, src=3), 0.0)    # a new term: a new vote
    assert sent(node)[0].vote_granted and node.voted_for == 3


@pytest.mark.parametrize("last_index, last_term, granted, why", [
    (1, 3, True, "a later last term wins even with a shorter log"),
    (9, 1, False, "an earlier last term loses even with a longer log"),
    (2, 2, False, "same last term, shorter log"),
    (3, 2, True, "same last term, same length"),
    (4, 2, True, "same last term, longer log"),
])
def test_vote_only_for_an_up_to_date_log(last_index, last_term, granted, why):
    """§5.4.1, the election restriction: a vote is granted only if the candidate's log is at
    least as up-to-date as the voter's: compare the last entries' terms; if they are equal,
    the longer log is more up-to-date."""
    node = make(1, terms=[1, 1, 2], term=2)
    node.step(rv(3, last_index, last_term), 0.0)
    (reply,) = sent(node)
    assert reply.vote_granted is granted, why


def test_granting_a_vote_resets_the_election_timer():
    """§5.2 (Rules for followers): granting a vote restarts the election timer."""
    node = make(1)
    node.step(rv(1, 0, 0), 120.0)
    assert node.election_timer_start == 120.0 and node.election_deadline >= 120 + ELECTION[0]


# -- AppendEntries receiver (§5.3) -------------------------------------------------------------

def test_append_entries_consistency_check():
    """Figure 2, AppendEntries receiver 2 (§5.3): reply false if the log has no entry at
    prev_log_index whose term is prev_log_term; nothing is appended."""
    node = make(1, terms=[1, 1, 2], term=2)
    node.step(ae(2, 4, 2, entries=[2]), 0.0)      # too short: no index 4
    node.step(ae(2, 3, 1, entries=[2]), 0.0)      # index 3 holds term 2, not 1
    node.step(ae(2, 3, 2, entries=[2]), 0.0)      # matches
    replies = sent(node, AppendEntriesReply)
    assert [m.success for m in replies] == [False, False, True]
    assert node.log.terms() == [1, 1, 2, 2]


def test_conflicting_entries_are_truncated_and_replaced():
    """Figure 2, AppendEntries receiver 3 and 4 (§5.3): an existing entry that conflicts with a
    new one (same index, different term) is deleted with all that follow; then the new
    entries are appended."""
    node = make(1, terms=[1, 1, 2, 2, 2], term=2)
    node.step(ae(3, 2, 1, entries=[3, 3]), 0.0)
    assert node.log.terms() == [1, 1, 3, 3]
    out = node.ready()
    assert out.persist_log_from == 3
    assert [n.kind for n in out.notes if n.kind in ("truncate", "append")] == ["truncate", "append"]


def test_late_append_entries_does_not_cut_off_newer_entries():
    """§5.3, receiver rule 3: only a *conflict* truncates. A late or duplicated AppendEntries
    whose entries the log already holds must not delete the entries after them."""
    node = make(1, terms=[1], term=2)
    node.step(ae(2, 1, 1, entries=[2, 2, 2]), 0.0)   # the newer, longer message first
    node.step(ae(2, 1, 1, entries=[2]), 1.0)          # the older, shorter one arrives late
    assert node.log.terms() == [1, 2, 2, 2]
    replies = sent(node, AppendEntriesReply)
    assert [(m.success, m.match_index) for m in replies] == [(True, 4), (True, 2)]


def test_follower_commit_is_min_of_leader_commit_and_last_new_entry():
    """Figure 2, AppendEntries receiver 5 (§5.3): if leader_commit > commit_index, set
    commit_index = min(leader_commit, index of last new entry). Entries the message does not
    vouch for are not committed, even if the follower holds them."""
    node = make(1, terms=[1, 1, 1, 1, 1], term=1)
    # The leader has committed 5, but this (late) message only covers indexes 1-2.
    node.step(ae(1, 1, 1, entries=[1], commit=5), 0.0)
    assert node.commit_index == 2
    node.step(ae(1, 0, 0, entries=[], commit=1), 1.0)   # a lower leader_commit changes nothing
    assert node.commit_index == 2
    node.step(ae(1, 5, 1, entries=[], commit=4), 2.0)
    assert node.commit_index == 4
    applied = [i for i, _ in node.ready().apply]
    assert applied == [1, 2, 3, 4]   # applied in order (Rules for Servers, all servers)


# -- Leader: replication, back-off, commit (§5.3, §5.4.2, §8) ----------------------------------

def test_leader_appends_a_no_op_on_election():
    """§8: a new leader appends a no-op entry of its term at once and replicates it; every
    next_index starts just after the leader's log as it was when elected (§5.3)."""
    node = make(1, size=3, terms=[1, 1], term=1)
    node.timeout_now(0.0)
    node.ready()
    node.step(RequestVoteReply(src=2, dst=1, term=2, vote_granted=True), 1.0)
    assert node.role == LEADER
    assert node.log.terms() == [1, 1, 2] and node.log[3].kind == "noop"
    assert node.next_index == {2: 3, 3: 3} and node.match_index == {2: 0, 3: 0}
    messages = sent(node, AppendEntries)
    assert {(m.dst, m.prev_log_index, m.prev_log_term, len(m.entries)) for m in messages} \
        == {(2, 2, 1, 1), (3, 2, 1, 1)}


def test_leader_replicates_client_command():
    """§5.3: the leader appends a client command to its log and sends AppendEntries with it;
    on success it updates next_index and match_index."""
    node = make_leader(size=3, term=1)
    index = node.propose("x=1", 1.0)
    assert index == 2 and node.log[2].command == "x=1"
    msgs = sent(node, AppendEntries)
    assert all([e.command for e in m.entries] == [None, "x=1"] for m in msgs)
    node.step(AppendEntriesReply(src=2, dst=1, term=1, success=True, match_index=2), 2.0)
    assert node.match_index[2] == 2 and node.next_index[2] == 3
    # A late reply to an older message cannot move them back.
    node.step(AppendEntriesReply(src=2, dst=1, term=1, success=True, match_index=1), 3.0)
    assert node.match_index[2] == 2 and node.next_index[2] == 3


def test_leader_commits_when_a_majority_stores_an_entry_of_its_term():
    """§5.3: an entry is committed once the leader has replicated it on a majority; the
    leader then applies it and tells followers in later AppendEntries (leader_commit)."""
    node = make_leader(size=5, term=1)
    node.propose("x=1", 1.0)
    sent(node)
    node.step(AppendEntriesReply(src=2, dst=1, term=1, success=True, match_index=2), 2.0)
    assert node.commit_index == 0                     # 2 of 5
    node.step(AppendEntriesReply(src=3, dst=1, term=1, success=True, match_index=2), 2.0)
    assert node.commit_index == 2                     # 3 of 5
    assert [i for i, _ in node.ready().apply] == [1, 2]
    node.tick(node.heartbeat_due)
    assert all(m.leader_commit == 2 for m in sent(node, AppendEntries))


def test_leader_does_not_commit_earlier_term_entries_by_counting():
    """§5.4.2: a leader never commits an entry of an earlier term by counting replicas; it
    commits it only by committing an entry of its current term after it."""
    node = make_leader(size=5, terms=[1, 2], term=4)     # log: 1 2 4(no-op)
    for peer in (2, 3):   # index 2 (term 2) now on 3 of 5 servers
        node.step(AppendEntriesReply(src=peer, dst=1, term=4, success=True, match_index=2), 1.0)
    assert node.commit_index == 0
    for peer in (2, 3):   # the term-4 entry at index 3 reaches a majority
        node.step(AppendEntriesReply(src=peer, dst=1, term=4, success=True, match_index=3), 2.0)
    assert node.commit_index == 3


# Derandomized: the same cases every run; 400 of them with RAFT_SLOW=1 (tests/budget.py).
@settings(derandomize=True, max_examples=scaled(100, 400), database=None)
@given(voters=st.frozensets(st.integers(1, 7), min_size=1, max_size=7),
       old=st.none() | st.frozensets(st.integers(1, 7), min_size=1, max_size=7),
       match=st.dictionaries(st.integers(1, 9), st.integers(0, 6), max_size=9))
def test_quorum_index_is_the_highest_index_a_majority_stores(voters, old, match):
    """§5.3, §6: the leader commits the highest N stored on a majority (of C_old and of C_new
    while joint). ``Configuration.quorum_index`` ranks match indexes instead of trying every N;
    it must agree with the definition, checked here by brute force with ``has_quorum``."""
    config = Configuration(voters, old)
    by_definition = max(n for n in range(0, 7)
                        if n == 0 or config.has_quorum({i for i, m in match.items() if m >= n}))
    assert config.quorum_index(match) == by_definition


def test_leader_removed_by_c_new_does_not_count_itself():
    """§6: a leader that is not in C_new manages the cluster but does not count itself in
    C_new's majorities."""
    config = Configuration(frozenset({2, 3, 4}), frozenset({1, 2, 3}))
    # The leader S1 stores index 5; S2 does too. C_old {1,2,3} has a majority at 5, C_new
    # {2,3,4} only at 3 (S2 and S3), so 3 is the highest index committed by both.
    assert config.quorum_index({1: 5, 2: 5, 3: 3, 4: 1}) == 3


def test_leader_next_index_backs_off_one_entry_per_rejection():
    """§5.3: after a rejection the leader decrements next_index and retries with the entry
    before; eventually the logs match. (The simple scheme: one entry per round trip.)"""
    node = make_leader(size=3, terms=[1, 1, 1], term=2)   # log 1 1 1 2; next_index = 4
    sent(node)
    node.step(AppendEntriesReply(src=2, dst=1, term=2, success=False, conflict_index=3), 1.0)
    assert node.next_index[2] == 3
    (retry,) = sent(node, AppendEntries)
    assert (retry.dst, retry.prev_log_index, len(retry.entries)) == (2, 2, 2)
    # A duplicate of the same rejection teaches nothing and starts no second retry.
    node.step(AppendEntriesReply(src=2, dst=1, term=2, success=False, conflict_index=3), 1.5)
    assert node.next_index[2] == 3 and sent(node) == []


def test_fast_backoff_skips_a_whole_conflicting_term():
    """End of §5.3: with the optimisation, a rejecting follower names the term of its
    conflicting entry and the first index it stores for that term, so the leader skips all
    entries of that term in one round trip instead of one per entry."""
    follower = make(2, terms=[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], term=3, fast_backoff=True)
    follower.step(ae(8, 10, 6, src=1, dst=2), 0.0)
    (reply,) = sent(follower)
    assert not reply.success and (reply.conflict_term, reply.conflict_index) == (3, 7)
    slow = make(2, terms=[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], term=3)
    slow.step(ae(8, 10, 6, src=1, dst=2), 0.0)
    assert sent(slow)[0].conflict_index == 10      # the simple scheme: one entry back


def test_follower_too_short_tells_fast_leader_where_its_log_ends():
    """End of §5.3: a follower whose log is shorter than prev_log_index lets the leader jump
    straight past its last entry."""
    follower = make(2, terms=[1, 1, 1, 4], term=4, fast_backoff=True)
    follower.step(ae(8, 10, 6, src=1, dst=2), 0.0)
    assert sent(follower)[0].conflict_index == 5


def test_long_catch_up_is_batched():
    """Implementations batch AppendEntries (hashicorp/raft's MaxAppendEntries): with
    max_entries_per_message=3, a follower 7 entries behind receives them 3 at a time, each
    batch sent as soon as the previous one succeeds."""
    node = make_leader(size=3, terms=[1] * 6, term=2, max_entries_per_message=3)  # 7 entries
    node.step(AppendEntriesReply(src=2, dst=1, term=2, success=False, conflict_index=1), 0.0)
    first = [m for m in sent(node, AppendEntries) if m.dst == 2]
    assert [(m.prev_log_index, len(m.entries)) for m in first] == [(0, 3)]
    node.step(AppendEntriesReply(src=2, dst=1, term=2, success=True, match_index=3), 1.0)
    (second,) = sent(node, AppendEntries)
    assert (second.prev_log_index, len(second.entries)) == (3, 3)
    node.step(AppendEntriesReply(src=2, dst=1, term=2, success=True, match_index=6), 2.0)
    (third,) = sent(node, AppendEntries)
    assert (third.prev_log_index, len(third.entries)) == (6, 1)


# -- Clients (§8) ------------------------------------------------------------------------------

def test_follower_refuses_client_with_leader_hint():
    """§8: a server that is not the leader rejects a client request and says which server it
    believes is the leader."""
    node = make(1)
    node.step(ae(1, 0, 0, src=3), 0.0)
    with pytest.raises(NotLeader) as caught:
        node.propose("x=1", 1.0)
    assert caught.value.leader_hint == 3 and "try S3" in str(caught.value)


# -- Rule tags: each note names the rule that fired ---------------------------------------------
# A picture explains a step by the rule its notes name, so a wrong tag is a wrong explanation.

def rules_noted(node, kind):
    return [n.rule for n in node.ready().notes if n.kind == kind]


def test_vote_notes_name_the_outcome_of_receiver_rule_2():
    """Figure 2, RequestVote receiver 2 has two outcomes: a granted vote is noted rv-grant, a
    refused one (already voted, or a less up-to-date log) rv-refuse; a stale term rv-stale."""
    node = make(1, size=5, terms=[1, 1, 2], term=2)
    node.step(rv(1, 9, 9, src=2), 0.0)     # receiver 1: stale term
    node.step(rv(3, 3, 2, src=2), 0.0)     # granted
    node.step(rv(3, 3, 2, src=3), 0.0)     # refused: already voted for S2
    node.step(rv(4, 2, 2, src=4), 0.0)     # refused: shorter log, same last term
    assert [(n.rule, n.data["granted"]) for n in node.ready().notes if n.kind == "vote"] == [
        ("rv-stale", False), ("rv-grant", True), ("rv-refuse", False), ("rv-refuse", False)]


def test_counting_a_vote_is_not_winning():
    """Figure 2, Candidates: each granted vote is counted (candidate-count); only the vote that
    makes a majority makes the candidate leader (candidate-win)."""
    node = make(1, size=5)
    node.timeout_now(0.0)
    node.ready()
    node.step(RequestVoteReply(src=2, dst=1, term=1, vote_granted=True), 1.0)
    assert rules_noted(node, "votes") == ["candidate-count"]
    node.step(RequestVoteReply(src=3, dst=1, term=1, vote_granted=True), 2.0)
    notes = node.ready().notes
    assert [n.rule for n in notes if n.kind == "votes"] == ["candidate-count"]
    assert [n.rule for n in notes if n.kind == "role"] == ["candidate-win"]


def test_a_forced_election_is_not_a_timeout():
    """Beyond Figure 2: a server told to campaign (``timeout_now``) notes candidate-forced for
    its change of role; one whose timer fired notes follower-timeout. Both then start the
    election (candidate-start)."""
    told, timed_out = make(1), make(2)
    told.timeout_now(0.0)
    timed_out.tick(timed_out.election_deadline)
    for node, cause in ((told, "candidate-forced"), (timed_out, "follower-timeout")):
        notes = node.ready().notes
        assert [(n.kind, n.rule) for n in notes if n.kind in ("role", "election")] == [
            ("role", cause), ("election", "candidate-start")]


def test_leader_refuses_append_entries_of_its_own_term_as_two_leaders():
    """A leader that receives AppendEntries from another leader of its own term (only the
    unsafe switch of Figure 10 allows that) refuses it; the note says why, not "stale term"."""
    from raft.sim.trace import TraceRecord
    node = make_leader(term=2)
    node.step(ae(2, 0, 0, src=3), 5.0)
    (reply,) = sent(node, AppendEntriesReply)
    assert not reply.success and node.role == LEADER
    node.step(ae(2, 0, 0, src=3), 6.0)
    (note,) = [n for n in node.ready().notes if n.kind == "reject"]
    assert note.rule == "ae-two-leaders"
    record = TraceRecord(1, 6.0, note.kind, 1, note.rule, note.data)
    assert record.sentence == "S1 rejected AppendEntries from S3: it leads the same term itself"


def test_send_records_name_replication_and_heartbeat():
    """Figure 2, Leaders: an AppendEntries sent with entries is the replication rule
    (leader-replicate), an empty one a heartbeat (leader-heartbeat). The simulator tags its
    send records so, at no cost to the node."""
    from raft import Cluster
    cluster = Cluster(size=3, seed=1)
    cluster.run_until(lambda c: c.leader() is not None, 2000)
    cluster.submit("x=1")
    cluster.run(200)
    tags = {(bool(r.data["msg"].entries), r.rule) for r in cluster.trace
            if r.kind == "send" and isinstance(r.data["msg"], AppendEntries)}
    assert tags == {(True, "leader-replicate"), (False, "leader-heartbeat")}
    assert {r.rule for r in cluster.trace
            if r.kind == "send" and not isinstance(r.data["msg"], AppendEntries)} == {None}


def test_membership_appends_name_their_rule():
    """§6: the leader appends C_old,new to begin a change (config-begin), C_new once C_old,new
    is committed (config-joint); the unsafe direct switch, asked for and appended, is noted as
    such (config-unsafe)."""
    from raft import Cluster
    cluster = Cluster(size=3, seed=2)
    cluster.run_until(lambda c: c.leader() is not None, 2000)
    leader = cluster.leader()
    cluster.change_membership([1, 2, 3, 4])
    cluster.run_until(lambda c: not c.nodes[leader].config_change_in_progress(), 3000)
    appended = [r.rule for r in cluster.trace if r.kind == "append" and r.node == leader
                and r.rule.startswith("config")]
    assert appended == ["config-begin", "config-joint"]
    cluster.change_membership([1, 2, 3, 4, 5], unsafe=True)
    assert [r.rule for r in cluster.trace if r.kind == "append"][-1] == "config-unsafe"
    assert [r.rule for r in cluster.trace if r.kind == "membership"] == ["config-catchup",
                                                                        "config-unsafe"]


# -- node.py reads beside Figure 2 ------------------------------------------------------------

def test_the_map_of_figure_2_names_real_code():
    """The module docstring's map "where each rule of Figure 2 lives" names only functions,
    classes and tables that exist, so it cannot drift from the code."""
    import re
    import raft.node as module
    doc = module.__doc__
    section = doc[doc.index("Where each rule of Figure 2 lives"):]
    names = set(re.findall(r"``([A-Za-z_.]+)``", section))
    assert len(names) > 20
    node = make()
    for name in sorted(names):
        owner, _, attr = name.rpartition(".")
        target = getattr(module, owner) if owner else module
        assert hasattr(target, attr) or hasattr(node, attr), name


def test_append_entries_receiver_shows_rules_1_to_5_in_order():
    """Figure 2's receiver rules appear in the handler as numbered comments, in order, and rules
    3 (delete a conflict) and 4 (append new entries) are each a line of their own."""
    import inspect
    source = inspect.getsource(Node.handle_append_entries)
    at = [source.index(f"# {k}. ") for k in range(1, 6)]
    assert at == sorted(at)
    assert at[2] < source.index("self.truncate_log(") < at[3]
    assert at[3] < source.index("self.append_entries_to_log(") < at[4]


def test_step_applies_the_all_servers_rule_before_dispatching():
    """§5.1 before anything else (etcd's Step does the same): the term rule is its own function,
    called on every message before the handler for its type."""
    import inspect
    source = inspect.getsource(Node.step)
    assert source.index("self.adopt_newer_term(msg, now)") < source.index("self.dispatch(msg, now)")
