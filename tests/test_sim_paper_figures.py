"""The paper's Figures 7 and 8, replayed exactly (logs from /work/shared/notes/raft-facts.md).

Figure 7 (§5.3): a leader of term 8 and six followers whose logs differ from it in every way
that can happen; each must be brought into line with the leader's log. Figure 8 (§5.4.2): why
a leader may not commit an entry of an earlier term by counting replicas.
"""

import random

import pytest

from raft import Cluster
from raft.node import LEADER, AppendEntries, AppendEntriesReply, Configuration, Entry, Node, \
    RequestVoteReply

LEADER_LOG = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]
FOLLOWERS = {
    "a": [1, 1, 1, 4, 4, 5, 5, 6, 6],
    "b": [1, 1, 1, 4],
    "c": [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    "d": [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    "e": [1, 1, 1, 4, 4, 4, 4],
    "f": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
}

# AppendEntries round trips until each follower's log equals the leader's, derived by hand.
# The leader of term 8 appends its no-op at index 11 and starts with next_index = 11, so its
# first message has prev_log_index 10 (term 6).
# Simple back-off (one index per rejection):
#   (a) 9 entries: prev 10 missing -> reject; prev 9 (term 6) matches.        1 back-off, 2 trips
#   (b) 4 entries: prev 10, 9, 8, 7, 6, 5 missing -> 6 rejections; prev 4
#       (term 4) matches.                                                     6 back-offs, 7 trips
#   (c) prev 10 (term 6) matches at once; index 11 (term 6) conflicts with the
#       no-op (term 8) and is replaced.                                       0 back-offs, 1 trip
#   (d) likewise; indexes 11-12 (terms 7, 7) are replaced.                    0 back-offs, 1 trip
#   (e) 7 entries: prev 10, 9, 8 missing; prev 7 and 6 hold term 4, the leader
#       has 5 there; prev 5 (term 4) matches.                                 5 back-offs, 6 trips
#   (f) prev 10, 9, 8 hold 3 (leader: 6); 7 holds 3 (leader: 5); 6 holds 2
#       (leader: 5); 5, 4 hold 2 (leader: 4); prev 3 (term 1) matches.        7 back-offs, 8 trips
SIMPLE_TRIPS = {"a": 2, "b": 7, "c": 1, "d": 1, "e": 6, "f": 8}
# Fast back-off (the follower names its conflicting term's first index, or its log's end):
#   (a) too short -> retry at 10; prev 9 matches.                             2 trips
#   (b) too short -> retry at 5; prev 4 matches.                              2 trips
#   (c), (d) as above.                                                        1 trip
#   (e) too short -> retry at 8; prev 7 holds term 4, which starts at
#       index 4 -> retry at 4; prev 3 matches.                                3 trips
#   (f) prev 10 holds term 3, which starts at 7 -> retry at 7; prev 6 holds
#       term 2, which starts at 4 -> retry at 4; prev 3 matches.              3 trips
FAST_TRIPS = {"a": 2, "b": 2, "c": 1, "d": 1, "e": 3, "f": 3}


def _entries(terms):
    return [Entry(t, f"k={i}") for i, t in enumerate(terms, 1)]


def figure7_leader(fast_backoff):
    """S1 with the leader's log, elected in term 8 by four of seven servers."""
    config = Configuration(frozenset(range(1, 8)))
    leader = Node(1, config, rng=random.Random(1), current_term=7, log=_entries(LEADER_LOG),
                  fast_backoff=fast_backoff)
    leader.timeout_now(0.0)
    for peer in (2, 3, 4):
        leader.step(RequestVoteReply(src=peer, dst=1, term=8, vote_granted=True), 1.0)
    assert leader.role == LEADER and leader.current_term == 8
    return leader


def bring_into_line(follower_log, fast_backoff):
    """Exchange AppendEntries and replies by hand between the leader and one follower until
    their logs agree; returns (round trips, back-off steps, leader, follower)."""
    leader = figure7_leader(fast_backoff)
    config = leader.initial_config
    follower = Node(2, config, rng=random.Random(2), current_term=max(follower_log),
                    log=_entries(follower_log), fast_backoff=fast_backoff)
    assert leader.next_index[2] == 11     # as the paper says
    outbox = [m for m in leader.ready().messages if isinstance(m, AppendEntries) and m.dst == 2]
    trips = backoffs = 0
    while outbox:
        (request,) = outbox
        trips += 1
        follower.step(request, 10.0 + trips)
        (reply,) = [m for m in follower.ready().messages if isinstance(m, AppendEntriesReply)]
        backoffs += not reply.success
        leader.step(reply, 10.5 + trips)
        outbox = [m for m in leader.ready().messages if m.dst == 2]
        assert trips < 20, "no progress"
    return trips, backoffs, leader, follower


@pytest.mark.parametrize("name", sorted(FOLLOWERS))
def test_figure7_each_follower_is_brought_into_line(name):
    """§5.3, Figure 7: whatever a follower's log holds (missing entries, extra uncommitted
    entries, or both), the leader's consistency check and back-off find the last matching
    entry, the follower deletes what conflicts, and its log ends up equal to the leader's."""
    for fast in (False, True):
        trips, backoffs, leader, follower = bring_into_line(FOLLOWERS[name], fast)
        assert follower.log.terms() == LEADER_LOG + [8] == leader.log.terms()
        assert leader.match_index[2] == 11 and leader.next_index[2] == 12
        if not fast:
            assert (trips, backoffs) == (SIMPLE_TRIPS[name], SIMPLE_TRIPS[name] - 1)
        else:
            assert trips == FAST_TRIPS[name]
            assert trips <= SIMPLE_TRIPS[name]


def test_figure7_election_in_the_simulator():
    """§5.4.1 on Figure 7: in a 7-server cluster with these logs, S1 (the leader's log) wins
    term 8 with votes from (a), (b), (e), (f); (c) and (d) refuse (their logs are more
    up-to-date); afterwards every running server's log equals the leader's."""
    logs = {1: LEADER_LOG, **{i: FOLLOWERS[n] for i, n in zip(range(2, 8), "abcdef")}}
    cluster = Cluster(size=7, seed=8, logs=logs, terms={i: 7 for i in range(1, 8)},
                      check_invariants=True)
    cluster.elect(1)
    term = cluster.nodes[1].current_term
    assert term == 8
    refused = {r.node for r in cluster.trace
               if r.kind == "vote" and not r.data["granted"] and r.data["candidate"] == 1}
    assert refused == {4, 5}     # (c) and (d)
    assert cluster.run_until(lambda c: all(n.log.terms() == LEADER_LOG + [8]
                                           for n in c.nodes.values()), 2000)
    assert cluster.run_until(lambda c: all(n.commit_index == 11 for n in c.nodes.values()), 500)


# -- Figure 8 ----------------------------------------------------------------------------------

def figure8_cluster():
    """Figure 8 (c): S1 leads term 4 with log 1 2 4; S2 and S3 hold 1 2; S4 holds 1; S5 holds
    1 3. Built from (b): S1 is elected in term 4 by S2, S3, S4 and appends its term-4 entry
    (its no-op, §8); its first AppendEntries are lost, so nothing of term 4 reaches anyone
    yet. No time passes after that: each test decides what happens next."""
    cluster = Cluster(size=5, seed=4, logs={1: [1, 2], 2: [1, 2], 3: [1, 2], 4: [1], 5: [1, 3]},
                      terms={i: 3 for i in range(1, 6)}, check_invariants=True)
    cluster.elect(1)
    for flight in cluster.in_flight():
        if isinstance(flight.msg, AppendEntries):
            cluster.drop(flight)
    assert [cluster.nodes[i].log.terms() for i in range(1, 6)] == \
        [[1, 2, 4], [1, 2], [1, 2], [1], [1, 3]]
    return cluster


def test_figure8_c_earlier_term_entry_on_a_majority_is_not_committed():
    """§5.4.2, Figure 8 (c): the term-2 entry at index 2 is stored on S1, S2 and S3, a
    majority, yet the leader of term 4 does not count it as committed: until its own term-4
    entry is on a majority, nothing new is committed."""
    cluster = figure8_cluster()
    leader = cluster.nodes[1]
    # The leader learns that S2 and S3 hold index 2 (replies vouching for it).
    for peer in (2, 3):
        leader.step(AppendEntriesReply(src=peer, dst=1, term=4, success=True, match_index=2),
                    cluster.now)
    assert sum(len(cluster.nodes[i].log) >= 2 and cluster.nodes[i].log[2].term == 2
               for i in range(1, 6)) == 3
    assert leader.match_index[2] == leader.match_index[3] == 2
    assert leader.commit_index == 0


def test_figure8_d_uncommitted_entry_is_overwritten():
    """§5.4.2, Figure 8 (d): with S1 down, S5 (last term 3) wins an election with votes from
    S2, S3 and S4 (last terms 2, 2, 1) and overwrites index 2 on every server with its own
    term-3 entry. Safe only because index 2 was never committed."""
    cluster = figure8_cluster()
    cluster.crash(1)
    cluster.elect(5)
    term = cluster.nodes[5].current_term
    assert term >= 5
    assert cluster.run_until(lambda c: all(c.nodes[i].log.terms()[:2] == [1, 3]
                                           for i in (2, 3, 4, 5)), 1000)
    assert cluster.nodes[2].log.terms() == [1, 3, term]


def test_figure8_e_once_a_current_term_entry_commits_s5_cannot_win():
    """§5.4.2, Figure 8 (e): S1 replicates its term-4 entry to S2 and S3 before crashing. That
    commits index 3 and, with it, index 2. S5's log (last term 3) is now less up-to-date than a
    majority's, so S5 can no longer win, and index 2 (term 2) survives in the next leader."""
    cluster = figure8_cluster()
    cluster.partition([1, 2, 3], [4], [5])      # S1 can reach S2 and S3 only
    assert cluster.run_until(lambda c: c.nodes[1].commit_index == 3, 1000)
    assert [cluster.nodes[i].log.terms() for i in (1, 2, 3)] == [[1, 2, 4]] * 3
    cluster.crash(1)
    cluster.heal()
    cluster.timeout(5)
    won = cluster.run_until(lambda c: c.nodes[5].role == LEADER, 3000)
    assert not won
    assert cluster.run_until(lambda c: c.leader() in (2, 3), 3000)
    new = cluster.nodes[cluster.leader()]
    assert new.log.terms()[:3] == [1, 2, 4]
    assert cluster.run_until(lambda c: c.nodes[5].log.terms()[:3] == [1, 2, 4], 1000)
