"""The Figure 16 reproduction of chapter 5 (raft/book/figure16.py).

Seeds are named in each test; trial counts are small so the file runs in a few seconds."""

import math

import pytest

from raft.book import figure16 as f16
from raft.node import LEADER, RequestVote, RequestVoteReply


@pytest.mark.parametrize("timeout", f16.TOP_RANGES + f16.BOTTOM_RANGES)
def test_crash_happens_within_the_heartbeat_interval(timeout):
    """§9.3: the leader crashed at a uniformly random point of its heartbeat interval, which
    is half the minimum election timeout (seed 0, 50 trials per range)."""
    hb = f16.heartbeat_interval_for(timeout)
    assert hb == timeout[0] / 2
    offsets = []
    for k in range(50):
        cluster, offset, hb_latency = f16.build_trial_cluster(timeout, k, seed=0)
        assert 0 <= offset < hb
        assert f16.DEFAULT_LATENCY[0] <= hb_latency <= f16.DEFAULT_LATENCY[1]
        assert cluster.heartbeat_interval == hb
        offsets.append(offset)
    # Spread over the interval, not stuck at one end.
    assert min(offsets) < hb / 4 and max(offsets) > 3 * hb / 4


def test_starting_state_matches_the_paper_setting():
    """Five servers, S1 (the old leader) down, followers' timers all started at time 0."""
    cluster, _, _ = f16.build_trial_cluster((150, 300), 3, seed=1)
    assert cluster.ids == [1, 2, 3, 4, 5]
    assert cluster.crashed == {1}
    for i in (2, 3, 4, 5):
        node = cluster.nodes[i]
        assert node.role != LEADER and node.current_term == 1 and node.voted_for == 1
        assert node.election_timer_start == 0
        assert 150 <= node.election_deadline <= 300
    assert [len(cluster.nodes[i].log) for i in (2, 3, 4, 5)] == [3, 3, 1, 1]


def test_two_survivors_cannot_win():
    """The logs leave S4 and S5 unable to collect a majority (§5.4.1), S2 and S3 able."""
    cluster, _, _ = f16.build_trial_cluster((150, 300), 0, seed=0)
    assert f16.cannot_win(cluster) == {4, 5}
    # And in practice: over many trials (seed 7) the winner is always S2 or S3.
    result = f16.run_range((150, 175), 60, seed=7)
    assert {t.leader for t in result.trials} == {2, 3}


def test_cannot_win_is_not_vacuous():
    """With equal logs every survivor could win; with S1's log everywhere too."""
    from raft import Cluster
    equal = Cluster(5, logs={i: [1, 1] for i in range(1, 6)})
    equal.crash(1)
    assert f16.cannot_win(equal) == set()
    # Three running servers: only the one with the newest log can gather three votes.
    three = Cluster(5, logs={1: [1], 2: [1], 3: [1, 2], 4: [1, 2], 5: [1, 2, 2]})
    three.crash(4)
    three.crash(5)
    assert f16.cannot_win(three) == {1, 2}


def test_trials_are_deterministic_per_seed():
    """Same seed and range, same numbers; another seed, other numbers (seeds 0 and 1)."""
    a = f16.run_range((150, 200), 20, seed=0)
    b = f16.run_range((150, 200), 20, seed=0)
    c = f16.run_range((150, 200), 20, seed=1)
    assert [t.downtime for t in a.trials] == [t.downtime for t in b.trials]
    assert [t.downtime for t in a.trials] != [t.downtime for t in c.trials]
    # A trial does not depend on which trials ran before it.
    assert f16.run_trial((150, 200), 13, seed=0) == a.trials[13]


def test_two_processes_give_the_same_result():
    one = f16.run_range((25, 50), 12, seed=3)
    two = f16.run_range((25, 50), 12, seed=3, processes=2)
    assert one.trials == two.trials


def test_downtime_is_measured_from_the_crash():
    """The clock runs from the crash to the moment every survivor follows the new leader;
    it can never beat the earliest timeout minus the crash point (seed 5)."""
    for k in range(30):
        t = f16.run_trial((150, 300), k, seed=5)
        assert t.downtime is not None
        assert t.crash_time == pytest.approx(t.crash_offset - t.heartbeat_latency)
        assert t.stopped_at >= t.elected_at >= 150
        assert t.downtime == pytest.approx(t.stopped_at - t.crash_time)
        # At least half the minimum timeout (the paper: "the smallest possible downtime").
        assert t.downtime > 75


def test_stop_condition_every_survivor_follows():
    clusters = []
    t = f16.run_trial((150, 300), 4, seed=2, cluster_out=clusters)
    cluster = clusters[0]
    assert cluster.now == t.stopped_at and cluster.leader() == t.leader
    for i in (2, 3, 4, 5):
        assert cluster.nodes[i].leader_id == t.leader
        assert cluster.nodes[i].current_term == t.term


def test_no_randomness_is_censored_at_the_cap():
    """150-150 ms: perfectly synchronized timers split every vote (seed 0, 3 trials, 2 s cap)."""
    r = f16.run_range((150, 150), 3, seed=0, cap_ms=2000)
    assert r.censored == 3 and r.downtimes == []
    assert math.isinf(r.median) and math.isinf(r.worst)


def test_disk_write_delays_replies_only():
    """RequestVote crosses the network only; its reply also waits for the voter's disk
    write (seeds 0-4 of 150-300 ms)."""
    net_low, net_high = f16.DEFAULT_LATENCY
    disk_low, disk_high = f16.DEFAULT_DISK_WRITE
    requests = replies = 0
    for k in range(5):
        clusters = []
        f16.run_trial((150, 300), k, seed=0, cluster_out=clusters)
        sent_at, asked_at = {}, {}
        for r in clusters[0].trace:
            msg = r.data.get("msg")
            if r.kind == "send":
                sent_at[id(msg)] = r.time
            elif r.kind == "deliver" and isinstance(msg, RequestVote):
                assert net_low <= r.time - sent_at[id(msg)] <= net_high
                asked_at[(msg.src, msg.dst, msg.term)] = r.time
                requests += 1
            elif r.kind == "deliver" and isinstance(msg, RequestVoteReply):
                asked = asked_at[(msg.dst, msg.src, msg.term)]
                assert disk_low + net_low <= r.time - asked <= disk_high + net_high
                replies += 1
    assert requests >= 15 and replies >= 10
    assert 14 <= f16.broadcast_time() <= 16


def test_summary_and_quantiles():
    r = f16.run_range((50, 100), 40, seed=11)
    d = r.downtimes
    assert len(d) == 40 and d == sorted(d)
    assert r.best == d[0] and r.worst == d[-1]
    assert d[0] <= r.median <= d[-1]
    rows = f16.summary_rows({(50, 100): r})
    assert rows[0][0] == "50–100 ms" and rows[0][1] == 40 and rows[0][2] == 40


def test_trial_counts_follow_the_paper():
    assert f16.trials_for((150, 150)) == 100
    assert all(f16.trials_for(r) == 1000 for r in f16.TOP_RANGES[1:] + f16.BOTTOM_RANGES)
