"""The invariant dashboard: random fault schedules with the checker (seeds named)."""

from raft.book import dashboard as d
from raft.book import figure8 as f8
from raft.node import Node


def test_schedules_are_reproducible():
    a = d.run_schedule(5)
    b = d.run_schedule(5)
    assert (a.size, a.actions, a.steps) == (b.size, b.actions, b.steps)
    assert a.steps > 0 and a.checks == a.steps


def test_real_node_keeps_every_property():
    """Seeds 0..79: the real node never breaks a property."""
    board = d.dashboard(Node, schedules=80)
    assert board.schedules == 80 and board.steps > 5_000
    assert board.violations == 0 and set(board.counts.values()) == {0}


def test_naive_commit_is_caught():
    """Seeds 0..: the broken rule is caught within 60 schedules."""
    board = d.dashboard(f8.NaiveCommitNode, schedules=60, stop_after=1)
    assert board.violations == 1
    seed = board.failing_seeds[0]
    result = d.run_schedule(seed, f8.NaiveCommitNode, trace=True)
    assert "Leader Completeness" in result.broken or "State Machine Safety" in result.broken
    assert result.violations[0].recent  # a traced rerun has trace lines to read
