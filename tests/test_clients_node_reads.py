"""One small test per rule of reads that bypass the log, on single servers driven by hand.

ReadIndex, follower reads and leases, as Ongaro's dissertation ("Consensus: Bridging Theory and
Practice", 2014) describes them in §6.4 and §6.4.1. Each test arranges a server, acts with one
input (a read, a message, a tick) and checks what it sent and what it said about the read
(``node.take_read_states()``: ``(ctx, readIndex)``, or ``(ctx, None)`` for a refused read).
"""

import random

import pytest

from raft.errors import ConfigurationError, NotLeader
from raft.node import (DRIFT_BOUND, FOLLOWER, LEADER, AppendEntries, AppendEntriesReply,
                       Configuration, Entry, Heartbeat, HeartbeatReply, Node, ReadIndexReply,
                       ReadIndexRequest, RequestVoteReply)

ELECTION = (150, 300)


def make(node_id=1, size=3, reads="read_index", **options):
    return Node(node_id, Configuration(frozenset(range(1, size + 1))),
                rng=random.Random(node_id), election_timeout=ELECTION, heartbeat_interval=50,
                reads=reads, **options)


def make_leader(size=3, reads="read_index", now=0.0, commit_noop=True, **options):
    """Server 1, leader of term 1; with ``commit_noop`` its no-op is committed (step 1 done)."""
    node = make(1, size, reads, **options)
    node.timeout_now(now)
    for peer in range(2, size + 1):
        node.step(RequestVoteReply(src=peer, dst=1, term=1, vote_granted=True), now)
    assert node.role == LEADER
    if commit_noop:
        for peer in range(2, size + 1):
            node.step(AppendEntriesReply(src=peer, dst=1, term=1, success=True, match_index=1),
                      now)
        assert node.commit_index == 1
    node.ready()
    return node


def sent(node, kind):
    return [m for m in node.ready().messages if isinstance(m, kind)]


def ack(round_, src, term=1, ok=True):
    return HeartbeatReply(src=src, dst=1, term=term, round=round_, ok=ok)


# -- ReadIndex (§6.4) ----------------------------------------------------------------------------

def test_step1_a_new_leader_holds_reads_until_an_entry_of_its_term_is_committed():
    """§6.4, step 1: a leader that has not yet committed an entry of its current term waits
    (its commit index may be behind what earlier leaders committed); once its no-op commits,
    the read gets that commit index as its readIndex and a round of heartbeats starts."""
    node = make_leader(commit_noop=False)
    node.read_index("r1", now=1)
    assert sent(node, Heartbeat) == [] and node.take_read_states() == []
    node.step(AppendEntriesReply(src=2, dst=1, term=1, success=True, match_index=1), now=2)
    beats = sent(node, Heartbeat)
    assert node.commit_index == 1 and {m.dst for m in beats} == {2, 3}
    node.step(ack(beats[0].round, 2), now=3)
    assert node.take_read_states() == [("r1", 1)]


def test_step2_the_read_index_is_the_commit_index_when_the_read_arrived():
    """§6.4, step 2: the leader saves its commit index as the read's readIndex; entries
    committed while the round is out do not raise it (they came after the read)."""
    node = make_leader()
    node.read_index("r1", now=1)
    round_ = sent(node, Heartbeat)[0].round
    node.propose("x=1", now=2)
    node.step(AppendEntriesReply(src=2, dst=1, term=1, success=True, match_index=2), now=3)
    assert node.commit_index == 2
    node.step(ack(round_, 2), now=4)
    assert node.take_read_states() == [("r1", 1)]


def test_step3_a_round_confirms_only_with_a_majority():
    """§6.4, step 3: the leader sends a round of heartbeats to every other server and waits
    for a majority (itself included): in a five-server cluster one acknowledgment is not
    enough, two are."""
    node = make_leader(size=5)
    node.read_index("r1", now=1)
    beats = sent(node, Heartbeat)
    assert sorted(m.dst for m in beats) == [2, 3, 4, 5] and len({m.round for m in beats}) == 1
    node.step(ack(beats[0].round, 2), now=2)
    assert node.take_read_states() == []
    node.step(ack(beats[0].round, 4), now=3)
    assert node.take_read_states() == [("r1", 1)]


def test_step3_acknowledgments_of_an_earlier_round_do_not_confirm_a_later_read():
    """§6.4, step 3: the round must be sent after the read arrived; acknowledgments of an
    earlier round say nothing about leadership since then. A later round confirms the
    earlier reads too."""
    node = make_leader()
    node.read_index("r1", now=1)
    first = sent(node, Heartbeat)[0].round
    node.read_index("r2", now=2)
    second = sent(node, Heartbeat)[0].round
    assert second > first
    node.step(ack(first, 2), now=3)
    assert node.take_read_states() == [("r1", 1)]
    node.read_index("r3", now=4)
    third = sent(node, Heartbeat)[0].round
    node.step(ack(third, 3), now=5)
    assert node.take_read_states() == [("r2", 1), ("r3", 1)]


def test_step3_a_newer_term_in_an_answer_deposes_the_leader_and_refuses_its_reads():
    """§6.4: a leader that learns of a newer term has been superseded: it steps down (§5.1) and
    the reads it could not confirm are refused, for the client to retry elsewhere."""
    node = make_leader()
    node.read_index("r1", now=1)
    round_ = sent(node, Heartbeat)[0].round
    node.step(ack(round_, 2, term=5, ok=False), now=2)
    assert node.role == FOLLOWER and node.current_term == 5
    assert node.take_read_states() == [("r1", None)]
    node.step(ack(round_, 3), now=3)             # a late acknowledgment changes nothing
    assert node.take_read_states() == []


def test_a_heartbeat_of_the_current_leader_is_acknowledged_and_restarts_the_timer():
    """§6.4, step 3, at a follower: a round of heartbeats from the leader of its term is
    acknowledged, and like AppendEntries it names the leader and restarts the election timer
    (a lease relies on that, §6.4.1)."""
    node = make(2)
    node.current_term = 3
    node.step(Heartbeat(src=1, dst=2, term=3, leader_id=1, round=7), now=100)
    (reply,) = sent(node, HeartbeatReply)
    assert (reply.dst, reply.round, reply.ok, reply.term) == (1, 7, True, 3)
    assert node.leader_id == 1 and node.election_timer_start == 100


def test_a_heartbeat_of_a_stale_term_is_refused_with_the_newer_term():
    """§5.1 for heartbeats: a round from an earlier term is refused, and the answer carries the
    newer term so that the stale leader steps down."""
    node = make(2)
    node.current_term = 4
    node.step(Heartbeat(src=1, dst=2, term=3, leader_id=1, round=1), now=0)
    (reply,) = sent(node, HeartbeatReply)
    assert (reply.ok, reply.term) == (False, 4) and node.leader_id is None


def test_a_follower_refuses_reads_unless_follower_reads_are_on():
    """§6.2, §6.4: with ReadIndex only the leader takes reads; a follower says who leads."""
    node = make(2)
    node.step(AppendEntries(src=1, dst=2, term=1, leader_id=1, prev_log_index=0,
                            prev_log_term=0, entries=(), leader_commit=0), now=0)
    node.ready()
    with pytest.raises(NotLeader) as caught:
        node.read_index("r1", now=1)
    assert caught.value.leader_hint == 1


def test_follower_reads_ask_the_leader_for_a_read_index():
    """§6.4, follower reads: the follower asks the leader for a readIndex; the leader does
    steps 1-3 and answers with it; the follower may then serve the read once it has applied up
    to it (steps 4 and 5 are the caller's)."""
    follower = make(2, reads="follower")
    follower.step(AppendEntries(src=1, dst=2, term=1, leader_id=1, prev_log_index=0,
                                prev_log_term=0, entries=(Entry(1),), leader_commit=1), now=0)
    follower.ready()
    follower.read_index("r1", now=1)
    (request,) = sent(follower, ReadIndexRequest)
    assert (request.dst, request.ctx) == (1, "r1")
    leader = make_leader(reads="follower")
    leader.step(request, now=2)
    round_ = sent(leader, Heartbeat)[0].round
    assert leader.take_read_states() == []
    leader.step(ack(round_, 3), now=3)
    (answer,) = sent(leader, ReadIndexReply)
    assert (answer.dst, answer.ctx, answer.index, answer.ok) == (2, "r1", 1, True)
    follower.step(answer, now=4)
    assert follower.take_read_states() == [("r1", 1)]


def test_a_server_that_does_not_lead_refuses_a_read_index_request():
    """§6.4, follower reads: a server asked for a readIndex that does not lead says no, and the
    follower refuses the read (its client retries)."""
    asked = make(1, reads="follower")
    asked.step(ReadIndexRequest(src=2, dst=1, term=0, ctx="r1"), now=0)
    (answer,) = sent(asked, ReadIndexReply)
    assert answer.ok is False
    follower = make(2, reads="follower")
    follower.step(answer, now=1)
    assert follower.take_read_states() == [("r1", None)]


def test_a_one_server_cluster_confirms_a_read_at_once():
    """§6.4, step 3: a majority of one is the leader itself."""
    node = make(1, size=1)
    node.timeout_now(0)
    assert node.role == LEADER and node.commit_index == 1
    node.ready()
    node.read_index("r1", now=1)
    assert node.take_read_states() == [("r1", 1)]


def test_reads_are_a_switch_that_is_off_by_default():
    """Beyond Figure 2, off by default: a node built without ``reads`` answers reads only
    through the log, and says so; bad values are refused naming them."""
    node = Node(1, Configuration(frozenset({1})), rng=random.Random(1))
    assert node.reads == "log"
    node.timeout_now(0)
    with pytest.raises(ConfigurationError, match="reads='log'"):
        node.read_index("r1", now=1)
    with pytest.raises(ConfigurationError, match="'sometimes'"):
        make(reads="sometimes")
    with pytest.raises(ConfigurationError, match="0.5"):
        make(drift_bound=0.5)


# -- Leases (§6.4.1) -----------------------------------------------------------------------------

def test_a_lease_starts_when_the_confirmed_round_was_sent():
    """§6.4.1: once a majority acknowledges a round, the lease runs until the round's *send*
    time plus the election timeout divided by the clock drift bound (the followers restarted
    their timers on receipt, after the send)."""
    node = make_leader(reads="lease")
    node.tick(node.heartbeat_due)                    # a heartbeat: AppendEntries and a round
    sent_at = node.heartbeat_due - 50
    round_ = sent(node, Heartbeat)[0].round
    node.step(ack(round_, 2), now=sent_at + 40)      # the acknowledgment is slow
    assert node.lease_until == pytest.approx(sent_at + ELECTION[0] / DRIFT_BOUND)


def test_a_lease_answers_reads_without_messages_until_it_ends():
    """§6.4.1: while its lease holds the leader answers a read at its commit index with no
    message at all; after the lease ends, a read takes a round again."""
    node = make_leader(reads="lease")
    node.read_index("r0", now=1)                     # no lease yet: a round
    node.step(ack(sent(node, Heartbeat)[0].round, 2), now=2)
    assert node.take_read_states() == [("r0", 1)]
    until = node.lease_until
    node.read_index("r1", now=until - 1)
    assert node.ready().messages == [] and node.take_read_states() == [("r1", 1)]
    node.read_index("r2", now=until)
    assert sent(node, Heartbeat) and node.take_read_states() == []


def test_a_lease_needs_step1_too():
    """§6.4 step 1 holds for lease reads: before an entry of its term is committed, the
    leader's commit index may be stale, lease or not."""
    node = make_leader(reads="lease", commit_noop=False)
    node.lease_until = 10_000                        # as if a lease held
    node.read_index("r1", now=1)
    assert node.take_read_states() == []


def test_a_leader_renews_its_lease_with_every_heartbeat():
    """§6.4.1: the lease rides on the normal heartbeats: each heartbeat also sends a round."""
    node = make_leader(reads="lease")
    node.tick(node.heartbeat_due)
    beats = sent(node, Heartbeat)
    assert {m.dst for m in beats} == {2, 3}


def test_a_lease_ends_when_the_leader_steps_down():
    """§6.4.1: a lease belongs to one term of leadership."""
    node = make_leader(reads="lease")
    node.read_index("r0", now=1)
    node.step(ack(sent(node, Heartbeat)[0].round, 2), now=2)
    assert node.lease_until is not None
    node.step(ack(99, 3, term=2, ok=False), now=3)
    assert node.role == FOLLOWER and node.lease_until is None


def test_a_lease_ends_when_a_leadership_transfer_begins():
    """§6.4.1: "a leader would need to expire its lease before transferring leadership": the
    target is elected at once (TimeoutNow, §3.10), without waiting for any timer, so the
    followers' promise a lease rests on no longer holds. The lease ends where the transfer
    begins, before TimeoutNow can be sent; a round confirmed during the transfer answers its
    reads (ReadIndex stays safe) but gives no new lease."""
    node = make_leader(reads="lease")
    node.read_index("r0", now=1)
    node.step(ack(sent(node, Heartbeat)[0].round, 2), now=2)
    node.take_read_states()
    assert node.lease_holds(3)
    node.transfer_leadership(2, now=3)
    out = node.ready()
    assert [n.data["reason"] for n in out.notes if n.rule == "lease-end"] == [
        "a leadership transfer began"]
    assert node.lease_until is None and not node.lease_holds(3)
    node.read_index("r1", now=4)                     # no lease: a read takes a round
    round_ = sent(node, Heartbeat)[0].round
    node.step(ack(round_, 3), now=5)
    assert node.take_read_states() == [("r1", 1)] and node.lease_until is None


def abandoned_transfer(target_caught_up):
    """A leader with a lease hands over to server 2 and gives up after an election timeout;
    ``target_caught_up`` decides whether server 2 already held the whole log, so that
    TimeoutNow left at once. Returns the leader and the time after the abort."""
    node = make_leader(reads="lease")
    if not target_caught_up:
        node.propose("x=1", now=1)                   # entry 2, which server 2 does not have
        node.ready()
    node.read_index("r0", now=1)
    node.step(ack(sent(node, Heartbeat)[0].round, 3), now=2)
    node.take_read_states()
    node.transfer_leadership(2, now=3)
    timeout_now = [m for m in node.ready().messages if type(m).__name__ == "TimeoutNow"]
    assert bool(timeout_now) == target_caught_up
    node.tick(3 + ELECTION[0])                       # tr-abort (and a heartbeat with a round)
    assert node.transfer_target is None and node.lease_until is None
    node.ready()
    return node, 3 + ELECTION[0] + 1


def renew(node, now):
    """A read at ``now`` with a round that server 3 acknowledges; True if it left a lease."""
    node.read_index("r", now)
    round_ = sent(node, Heartbeat)
    assert round_, "without a lease the read needs a round"
    node.step(ack(round_[0].round, 3, term=node.current_term), now + 1)
    assert [ctx for ctx, _ in node.take_read_states()] == ["r"]    # ReadIndex stays safe
    return node.lease_holds(now + 2)


def test_a_lease_given_up_for_a_transfer_without_timeout_now_comes_back_after_the_abort():
    """§6.4.1 with §3.10: a transfer given up before the target caught up sent no TimeoutNow,
    so nothing can make a server campaign early: the lease it had is not restored, but
    acknowledgments that arrive after the transfer is over earn a new one."""
    node, now = abandoned_transfer(target_caught_up=False)
    assert renew(node, now)


def test_no_lease_for_the_rest_of_a_term_in_which_timeout_now_was_sent():
    """§6.4.1 with §3.10: a TimeoutNow may still be on the network when its transfer is given
    up; if it arrives late, its target campaigns at once and the others grant their votes
    although they heard from their leader moments ago. So a leader that sent one takes no
    lease for the rest of that term (its reads take a round, as ReadIndex); a later term's
    leadership takes leases again."""
    node, now = abandoned_transfer(target_caught_up=True)
    assert not renew(node, now)
    assert not renew(node, now + 500)
    assert node.timeout_now_term == node.current_term == 1
    # Deposed and elected again in term 3: leases are back.
    node.step(AppendEntries(src=2, dst=1, term=2, leader_id=2, prev_log_index=1, prev_log_term=1,
                            entries=(), leader_commit=1), now + 600)
    assert node.role == FOLLOWER
    node.timeout_now(now + 700)                      # term 3
    for peer in (2, 3):
        node.step(RequestVoteReply(src=peer, dst=1, term=3, vote_granted=True), now + 701)
    for peer in (2, 3):
        node.step(AppendEntriesReply(src=peer, dst=1, term=3, success=True,
                                     match_index=node.log.last_index), now + 702)
    node.ready()
    assert node.role == LEADER and node.current_term == 3
    assert renew(node, now + 703)
