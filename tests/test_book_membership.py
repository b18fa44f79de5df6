"""The membership-change scenarios of chapter 8 (raft/book/membership.py) do what the book says.

Each test names the claim of the paper (§6) or of the dissertation (chapter 4) it checks. All
scenarios are deterministic: the seed is an argument of each scenario function.
"""

from __future__ import annotations

import pytest

from raft.book import membership as mb
from raft.errors import InvariantViolation
from raft.node import LEADER


def test_figure10_two_leaders_in_one_term():
    """Figure 10: switching directly to C_new lets C_old and C_new each elect a leader in the
    same term (seed 1)."""
    c, m = mb.figure10()
    term = m.facts["term"]
    leaders = [i for i, n in c.nodes.items() if n.role == LEADER and n.current_term == term]
    assert leaders == [1, 4]
    # S1 won with the C_old majority {1, 2}; S4 with the C_new majority {3, 4, 5}.
    def final_votes(i):
        counted = [r.data["votes"] for r in c.trace if r.node == i and r.kind == "votes"
                   and r.step > m["crash"]]
        return counted[-1]
    assert final_votes(1) == [1, 2]
    assert final_votes(4) == [3, 4, 5]
    assert c.nodes[1].config.voters == frozenset({1, 2, 3})
    assert c.nodes[4].config.voters == frozenset({1, 2, 3, 4, 5})
    assert m["switch"] < m["c_old_leader"] < m["c_new_leader"]


def test_figure10_checker_raises_election_safety():
    """With the invariant checker on, the unsafe switch is caught as an Election Safety
    violation at the step the second leader wins."""
    _, m = mb.figure10()
    with pytest.raises(InvariantViolation) as caught:
        mb.figure10(check_invariants=True)
    assert caught.value.prop == "Election Safety"
    assert caught.value.step == m["c_new_leader"]


@pytest.mark.parametrize("new", [(1, 2, 3, 4, 5), (1, 4, 5), (2, 3, 4), (4, 5, 6)])
def test_joint_consensus_reaches_c_new_safely(new):
    """§6: C_old -> C_old,new -> C_new, with the checker on throughout; every server of C_new
    ends with C_new in its log and the same committed prefix."""
    c, m = mb.change(new)
    assert m["request"] < m["joint"] < m["joint_committed"] <= m["done"]
    leader = c.leader()
    assert leader in new
    assert c.nodes[leader].config.voters == frozenset(new)
    assert not c.nodes[leader].config.is_joint
    c.run(300)
    for i in new:
        assert c.nodes[i].config.voters == frozenset(new)
        assert c.applied(i) == c.applied(leader)
    assert c.applied(leader)[:3] == ["k0=0", "k1=1", "k2=2"]


def test_removed_leader_steps_down_only_after_c_new_commits():
    """§6: a leader not in C_new manages the cluster until C_new is committed, then steps down;
    a server of C_new is elected next."""
    c, m = mb.change((2, 3, 4), leader=1)
    steps = [r for r in c.trace if r.node == 1 and r.kind == "role" and r.rule == "config-removed"]
    assert len(steps) == 1
    step_down = steps[0].step
    commits = [r.step for r in c.trace if r.node == 1 and r.kind == "commit"]
    # The step-down happens at the step S1 commits C_new, not before.
    assert step_down in commits
    assert c.nodes[1].role != LEADER and c.leader() in (2, 3, 4)


def test_commit_needs_both_majorities_while_joint():
    """§6: while joint, agreement needs separate majorities of C_old and C_new."""
    from raft.node import Configuration
    joint = Configuration(frozenset({1, 2, 3, 4, 5}), frozenset({1, 2, 3}))
    assert joint.has_quorum({1, 2, 4})          # 2 of 3 and 3 of 5
    assert not joint.has_quorum({1, 4, 5})      # 3 of 5 but only 1 of 3
    assert not joint.has_quorum({1, 2})         # 2 of 3 but only 2 of 5
    replace = Configuration(frozenset({4, 5, 6}), frozenset({1, 2, 3}))
    assert not replace.has_quorum({1, 2, 3})    # all of C_old, none of C_new


def test_catch_up_in_rounds():
    """Dissertation §4.2.1: a new server catches up in rounds as a non-voter; a round that ends
    within an election timeout lets the change go on (seed 3, 40 entries, simple back-off)."""
    c, m = mb.catch_up(entries=40)
    assert m.facts["outcome"] == "joined"
    assert m.facts["rounds"] == 2               # the first round took longer than 150 ms
    first, second = m.facts["round_log"]
    assert second[0] - first[0] > c.election_timeout[0]


def test_catch_up_fast_backoff_needs_one_round():
    """With the faster back-off of §5.3 the same catch-up fits in one round."""
    _, m = mb.catch_up(entries=40, fast_backoff=True)
    assert m.facts["outcome"] == "joined" and m.facts["rounds"] == 1


def test_catch_up_abandoned_when_new_server_is_down():
    """Dissertation §4.2.1: if the new server never catches up, the change is abandoned and the
    configuration stays C_old."""
    c, m = mb.catch_up(entries=10, crash_new=True)
    assert m.facts["outcome"] == "abandoned"
    assert any(r.kind == "catchup-failed" for r in c.trace)
    assert c.nodes[1].config.voters == frozenset({1, 2, 3})
    assert not c.nodes[1].config_change_in_progress()


def test_removed_server_disrupts_without_guard():
    """§6: a removed server that never learns of C_new times out and, with no guard, deposes
    leader after leader with ever higher terms."""
    _, m = mb.removed_server(disruption_guard=False)
    t = m.facts["timeline"]
    assert t.leader_changes >= 2
    assert t.leaderless_ms > 300


def test_removed_server_ignored_with_guard():
    """§6: servers that heard from a current leader within the minimum election timeout ignore
    RequestVote, so the removed server cannot disrupt the cluster."""
    c, m = mb.removed_server(disruption_guard=True)
    t = m.facts["timeline"]
    assert t.leader_changes == 0 and t.leaderless_ms == 0
    assert c.nodes[3].current_term > c.nodes[1].current_term   # it keeps trying, harmlessly


def test_removed_server_runs_the_given_node_class():
    """The chapter's guard-window exercise: ``node_class`` reaches every server of the story, so
    a subclass with a shorter guard window (one heartbeat interval) is really the one running,
    and with it the removed server gets through (seed 4)."""
    from raft.node import Node

    class HeartbeatWindow(Node):
        def _ignores_request_vote(self, msg, now):
            if not self.disruption_guard or msg.leadership_transfer or msg.term <= self.current_term:
                return False
            if self.role == LEADER:
                return True
            return self.last_heard is not None and now - self.last_heard < self.heartbeat_interval

    c, m = mb.removed_server(disruption_guard=True, node_class=HeartbeatWindow)
    assert all(type(n) is HeartbeatWindow for n in c.nodes.values())
    assert m.facts["timeline"].leader_changes >= 1
