"""Liveness stories: the failures each mechanism beyond Figure 2 exists for, on simulated
clusters, with and without it. Every run is seeded and checked by the safety checker.

* Pre-vote (dissertation §9.6): a server cut off from everyone comes back with an inflated term
  and deposes a healthy leader; with pre-vote its term never moves, and the leader keeps its
  term.
* Pre-vote alone under a *partial* partition (S1 and S2 cannot talk, both reach S3): S3 says yes
  to S2's pre-vote, so S2 campaigns and wins, and leadership flaps. etcd added the leader-recency
  rule (its CheckQuorum ``inLease`` test; here the §6 guard) for this: with it, S3 ignores S2.
* Check-quorum (§6.2): a leader cut off from its majority steps down within about an election
  timeout, instead of taking client commands it can never commit.
* Leadership transfer (§3.10): the target leads within a few message delays.
"""

from __future__ import annotations

import pytest

from raft import Cluster
from raft.errors import NotLeader

SEED = 3


def leader_terms(cluster, start=0):
    """(term, leader) for every leader elected after ``start``, in order."""
    return [(r.data["term"], r.node) for r in cluster.trace
            if r.step > start and r.kind == "role" and r.data["new"] == "leader"]


def rejoin(pre_vote, seed=SEED):
    """S5 is cut off for two seconds, then reconnected, in an idle cluster led by S1."""
    c = Cluster(size=5, seed=seed, pre_vote=pre_vote, check_invariants=True)
    c.elect(1)
    c.run(200)
    term = c.nodes[1].current_term
    c.disconnect(5)
    c.run(2000)
    away = c.nodes[5].current_term
    start = c.steps
    c.connect(5)
    c.run(1000)
    return c, term, away, start


def test_without_pre_vote_a_rejoining_server_deposes_the_healthy_leader():
    """§9.6's problem: the cut-off S5 times out again and again, its term climbs; once back, its
    answers carry that term and S1 steps down, though nothing was wrong with it."""
    c, term, away, start = rejoin(pre_vote=False)
    assert away >= term + 5
    assert c.nodes[1].current_term > away - 1 and leader_terms(c, start)
    assert all(t > term for t, _ in leader_terms(c, start))


def test_with_pre_vote_the_healthy_leader_keeps_its_term():
    """§9.6's fix: S5 polls instead of campaigning, nobody answers (it is cut off), its term
    stays; once back it simply follows S1, whose term never changes."""
    c, term, away, start = rejoin(pre_vote=True)
    assert away == term
    assert c.leader() == 1 and c.nodes[1].current_term == term
    assert leader_terms(c, start) == []
    assert any(r.kind == "pre-vote" and r.node == 5 for r in c.trace)


def partial(pre_vote, guard, seed=SEED, ms=3000):
    """S1 leads three servers; then only the S1-S2 link is cut: S2 hears no heartbeats, but it
    still reaches S3, which still hears S1."""
    c = Cluster(size=3, seed=seed, pre_vote=pre_vote, disruption_guard=guard,
                check_invariants=True)
    c.elect(1)
    c.run(200)
    start = c.steps
    c.cut_link(1, 2)
    c.run(ms)
    return c, start


def test_pre_vote_alone_does_not_help_under_a_partial_partition():
    """S3 heard from S1 moments ago, but nothing stops it from saying yes to S2's pre-vote: S2's
    log is as up to date as its own. S2 then campaigns for real and wins term 2, deposing a
    leader that was working. (S1, cut off from S2, now lacks S2's no-op, so its own polls are
    refused and it stays behind.)"""
    c, start = partial(pre_vote=True, guard=False)
    assert leader_terms(c, start) == [(2, 2)] and c.leader() == 2
    granted = [r for r in c.trace if r.step > start and r.rule == "pv-grant"]
    assert granted and granted[0].node == 3 and granted[0].data["candidate"] == 2


def test_without_pre_vote_or_guard_the_partial_partition_costs_more_elections():
    """Figure 2 alone under the same partial partition: S1 and S2 time out on each other, and
    every campaign's higher term deposes whoever leads, until S3 (which both reach) wins; the
    terms climb on the way."""
    c, start = partial(pre_vote=False, guard=False)
    assert len(leader_terms(c, start)) >= 2 and c.nodes[3].current_term >= 4


def test_pre_vote_with_the_recency_rule_keeps_the_leader():
    """With the rule etcd ties to CheckQuorum (here the §6 guard: a server that heard from a
    leader within the minimum election timeout ignores pre-votes and votes), S3 ignores S2's
    polls; no term changes and S1 keeps leading. S2 stays behind but the majority is served."""
    c, start = partial(pre_vote=True, guard=True)
    assert leader_terms(c, start) == []
    assert c.leader() == 1 and {n.current_term for n in c.nodes.values()} == {1}
    ignored = [r for r in c.trace if r.step > start and r.rule == "rv-ignore"]
    assert ignored and {r.node for r in ignored} == {3}


def test_the_guard_alone_holds_the_leader_but_the_term_climbs():
    """Without pre-vote the guard keeps S1 leading (S3 ignores S2's RequestVotes), but S2's term
    climbs all the while, and the first message S2 manages to send S1 later deposes it."""
    c, start = partial(pre_vote=False, guard=True)
    assert leader_terms(c, start) == [] and c.leader() == 1
    assert c.nodes[2].current_term >= 5
    c.heal()
    c.run(500)
    assert c.nodes[1].current_term >= c.nodes[2].current_term - 1 > 1


def isolated_leader(check_quorum, seed=SEED):
    c = Cluster(size=5, seed=seed, check_quorum=check_quorum, check_invariants=True)
    c.elect(1)
    c.run(200)
    cut_at = c.now
    c.partition([1], [2, 3, 4, 5])
    c.run(1000)
    return c, cut_at


def test_check_quorum_steps_an_isolated_leader_down_within_about_an_election_timeout():
    """§6.2: cut off from the other four, S1 steps down at the first heartbeat after a whole
    minimum election timeout (150 ms) without an answer: within 150 ms plus one heartbeat
    interval (50 ms) of the cut. It then refuses client commands (NotLeader) instead of taking
    commands no majority will store."""
    c, cut_at = isolated_leader(check_quorum=True)
    (down,) = [r for r in c.trace if r.rule == "cq-step-down"]
    assert down.node == 1 and 100 < down.time - cut_at <= 150 + 50
    with pytest.raises(NotLeader):
        c.submit("x=1", node=1)
    assert c.leader() in (2, 3, 4, 5)


def test_without_check_quorum_the_isolated_leader_takes_commands_it_cannot_commit():
    """Figure 2 alone: S1 stays leader of its old term on its side of the split, appends every
    command a client sends it, and commits none of them."""
    c, cut_at = isolated_leader(check_quorum=False)
    assert c.nodes[1].role == "leader" and c.nodes[1].current_term == 1
    index = c.submit("x=1", node=1)
    c.run(500)
    assert c.nodes[1].log.last_index == index and c.nodes[1].commit_index < index


def test_a_transfer_hands_over_within_a_few_message_delays():
    """§3.10: with the target up to date, the transfer takes TimeoutNow's trip, the RequestVote
    round trip and no election timeout: here under 5 message delays (15 ms at most each)."""
    c = Cluster(size=5, seed=SEED, check_invariants=True)
    c.elect(1)
    c.run(200)
    asked = c.now
    c.transfer_leadership(4)
    assert c.run_until(lambda c: c.leader() == 4, 1000)
    assert c.now - asked < 5 * 15
