"""Figure 8 (§5.4.2) replayed: the logs of every panel are the paper's; the correct commit rule
keeps every property, the naive rule is caught by the checker."""

import pytest

from raft.book import figure8 as f8
from raft.errors import InvariantViolation


@pytest.mark.parametrize("seed", [0, 3, 8])
def test_panels_a_to_d_match_the_paper(seed):
    run = f8.figure8(f8.Figure2Node, seed=seed)
    for panel in "abcd":
        assert run.logs[panel] == f8.FIGURE8[panel], panel
        assert run.leaders[panel] == f8.FIGURE8_LEADERS[panel], panel
    assert run.violations == []
    # Index 2 was never committed under the correct rule: nobody applied x=2.
    assert all("x=2" not in run.cluster.applied(i) for i in run.cluster.ids)


@pytest.mark.parametrize("seed", [0, 3, 8])
def test_panel_e_commits_and_s5_cannot_win(seed):
    run = f8.figure8(f8.Figure2Node, branch="e", seed=seed)
    assert run.logs["e"] == f8.FIGURE8["e"]
    assert run.cluster.nodes[1].commit_index >= 3 or 1 in run.cluster.crashed
    assert run.s5_won is False
    assert run.violations == []


@pytest.mark.parametrize("seed", [0, 3, 8])
def test_naive_rule_is_caught(seed):
    run = f8.figure8(f8.NaiveCommitNode, seed=seed)
    for panel in "abcd":
        assert run.logs[panel] == f8.FIGURE8[panel], panel
    first = f8.distinct_violations(run.violations)
    assert first[0].prop == "Leader Completeness"
    assert "x=2" in first[0].details and "S5" in first[0].details
    assert any(v.prop == "State Machine Safety" for v in first)


def test_naive_rule_raises_when_asked():
    with pytest.raises(InvariantViolation) as info:
        f8.figure8(f8.NaiveCommitNode, raise_on_violation=True)
    assert info.value.prop == "Leader Completeness"
    assert info.value.recent  # the last trace lines come with the error


def test_noop_blocks_panel_c():
    """With the §8 no-op, S1's first AppendEntries of term 4 carries its term-4 entry, so x=2
    never reaches a majority without it, and S5 cannot win term 5: the naive rule is harmless."""
    for cls in (f8.NaiveCommitWithNoopNode, f8.Node):
        run = f8.figure8(cls)
        assert run.s5_won is False
        assert run.violations == []
