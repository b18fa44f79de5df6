"""Steady-state cost of a command (raft/book/performance.py)."""

import pytest

from raft.book.performance import measure_replication


@pytest.mark.parametrize("size", [3, 5, 7])
def test_first_time_replication_costs_two_messages_per_follower(size):
    """§5.3/§9.3: one AppendEntries to each follower and one reply each (seed 0)."""
    m = measure_replication(size, 5.0, commands=10, seed=0)
    assert m.committed == 10
    assert m.per_command("replication") == 2 * (size - 1)
    assert m.messages["election"] == 0


@pytest.mark.parametrize("latency", [2.0, 10.0])
def test_commit_latency_is_one_round_trip_to_a_majority(latency):
    """Each way takes latency..1.5*latency; the simulator adds no processing time, so the
    leader commits between 2 and 3 one-way latencies after it gets a command (seed 1)."""
    m = measure_replication(5, latency, commands=15, seed=1)
    assert all(2 * latency <= x <= 3 * latency for x in m.latencies)


def test_latency_scales_with_the_network():
    slow = measure_replication(5, 20.0, commands=10, seed=2)
    fast = measure_replication(5, 2.0, commands=10, seed=2)
    assert slow.median_latency > 8 * fast.median_latency


def test_heartbeats_are_counted_separately():
    """With commands 100 ms apart and a 50 ms heartbeat, empty AppendEntries appear; with
    commands 20 ms apart they are (almost) all replaced by AppendEntries carrying entries."""
    sparse = measure_replication(5, 2.0, commands=10, interval=100, seed=3)
    dense = measure_replication(5, 2.0, commands=10, interval=20, seed=3)
    assert sparse.messages["heartbeat"] > 0
    assert dense.per_command("heartbeat") < sparse.per_command("heartbeat")


def test_bad_arguments():
    with pytest.raises(ValueError):
        measure_replication(5, 1.0, commands=0)


def test_pipelining_fills_messages_without_slowing_commits():
    """Commands faster than a round trip (d = 20 ms, one every 15 ms, seed 1): each command
    still commits after one round trip, and AppendEntries carry several entries."""
    slow = measure_replication(5, 20.0, commands=20, interval=100, seed=1)
    fast = measure_replication(5, 20.0, commands=20, interval=15, seed=1)
    assert fast.per_command("replication") == 8
    assert all(40 <= x <= 60 for x in fast.latencies)
    assert slow.entries_per_append == 1
    assert fast.entries_per_append > 2
