"""The grader's model-check stage (raft.classroom.grade_mc, issue 18): each lab's small searches
find every known-wrong solution of the lab that the model can express, within the state budget;
the report gives the shortest run in the grader's words with a replay call, or says how many
states were explored with no violation; the stage can be left out or given another budget."""

from __future__ import annotations

import re

import pytest

from raft import grade, scenario
from raft.classroom import grade_mc
from raft.classroom.grade_mc import STATES, model_check, searches
from raft.classroom.grade_mistakes import (MISTAKES, ForgetsTimerRestart, HeartbeatKeepsTimer,
                                           NoTermCheckReply, VoteNotMarked)
from raft.labs import LAB_NODES
from raft.mc import RULES, TIMER_RULE
from raft.node import Node
from raft.sim.manual import ManualCluster

@pytest.mark.parametrize("cls, lab", MISTAKES, ids=[c.__name__ for c, _ in MISTAKES])
def test_each_labs_searches_find_its_mistakes_within_the_budget(cls, lab):
    found = model_check(cls, lab)
    v = found.violation
    assert v is not None, found.summary()
    assert found.states <= STATES * len(found.results)
    assert v.prop in RULES or v.prop in ("Election Safety", "Leader Completeness",
                                         "State Machine Safety", "Log Matching"), v.prop


def test_the_timer_mistakes_are_found_by_the_timer_rule_in_their_first_search():
    """Lab 1's election started without restarting the timer (one action: the first firing)
    and lab 2's heartbeat that does not restart it (the leader's first AppendEntries: two
    messages a link, so no RequestVote needs delivering first)."""
    for cls, lab, length in ((ForgetsTimerRestart, 1, 1), (HeartbeatKeepsTimer, 2, 4)):
        found = model_check(cls, lab)
        assert len(found.results) == 1 and found.violation.prop == TIMER_RULE
        assert found.violation.length == length
        assert found.message().startswith(f"rule broken, {TIMER_RULE}: S")


@pytest.mark.parametrize("lab", sorted(grade_mc.LAB_SEARCHES))
def test_a_skeleton_is_told_what_to_write(lab):
    if not searches(lab):
        return   # (lab 6: see the next test)
    found = model_check(LAB_NODES[lab], lab)
    assert not found.passed
    assert found.message().startswith(f"not written yet: Lab {lab}: write")


def test_the_report_gives_the_shortest_run_with_its_key_events_and_a_replay_call():
    report = grade.check(VoteNotMarked, 4, quiet=True)
    [stage] = [r for r in report.results if r.name.startswith("model check")]
    assert not stage.passed and report.model_check is not None
    lines = stage.message.splitlines()
    assert lines[0].startswith("rule broken, persist before responding (Figure 2): S")
    assert re.fullmatch(r"the shortest run within the bounds \(9 actions, not counting lost or "
                        r"copied messages; search 1: servers=3 max_term=2 .*\):", lines[1]), lines[1]
    assert "  cluster size=3 seed=0 latency=6000..6000 manual=yes" in lines
    assert "what happened (key events; each 'fire' lets time pass first):" in lines
    assert "  cluster = raft.grade.replay_model_check(VoteNotMarked, lab=4)" in lines
    assert re.fullmatch(r"\(found after exploring [\d,]+ distinct states in 1 search\)",
                        lines[-1])
    # The replay call rebuilds the run, stopped at the violation, with a trace to animate; the
    # scenario in the report replays to the same place.
    cluster = grade.replay_model_check(VoteNotMarked, 4)
    assert type(cluster) is ManualCluster and cluster.trace and cluster.checker is None
    text = "\n".join(line[2:] for line in lines if line.startswith("  ") and
                     not line.startswith("  cluster = ") and not line.startswith("  ["))
    again = scenario.run(text, node_class=VoteNotMarked, check_invariants=False)
    assert again.scenario_text() == cluster.scenario_text()


def test_a_mistake_the_random_schedules_miss_is_caught_with_a_minimal_run():
    """The random schedules of lab 2 miss a reply of an earlier term counted (it needs the same
    server to lead again while its old reply is on the way); the model check finds it, in
    the fewest actions its bounds allow."""
    found = model_check(NoTermCheckReply, 2)
    v = found.violation
    assert v.prop == "a reply from an earlier term changes nothing (§5.1)" and v.length == 18
    text, kwargs = searches(2)[len(found.results) - 1]
    from raft.mc import check
    shorter = check(NoTermCheckReply, max_depth=v.length - 1, time_budget=None, **kwargs)
    assert shorter.violation is None


def test_the_reference_passes_and_the_report_says_how_many_states():
    report = grade.check(Node, 4, quiet=True)
    assert report.passed
    [stage] = [r for r in report.results if r.name.startswith("model check")]
    assert stage.name == ("model check (every run within small bounds, breadth first: 1 search "
                          "of up to 20,000 states)")
    assert stage.message == ("explored 20,000 distinct states in 1 search, no violation "
                             "(stopped at its budget)")
    assert f"  ok   {stage.name}" in report.text()


def test_the_stage_can_be_left_out_or_given_another_budget():
    report = grade.check(Node, 1, quiet=True, model_check=False, seeds=range(2))
    assert report.model_check is None
    assert not any(r.name.startswith("model check") for r in report.results)
    report = grade.check(Node, 1, quiet=True, mc_states=500, seeds=range(2))
    assert report.model_check.states == 500 and report.model_check.states_per_search == 500
    assert "up to 500 states" in report.results[-1].name


def test_a_search_can_start_from_a_storys_starting_state():
    [(_, first), (_, second), (text, third)] = searches(2)
    assert 'from the starting state of the story "a follower commits only what' in text
    assert "max_term=4" in text and "max_entries=1 fast_backoff=yes" in text
    assert third["logs"] == {1: [1, 2, 3, 3], 2: [1, 2, 3, 3], 3: [1, 2, 2]}
    assert third["fast_backoff"] and third["max_entries"] == 1 and "story" not in third
    with pytest.raises(ValueError, match="no single scenario story"):
        grade_mc._story_setup(grade.LABS[2], "no such story")


def test_a_lab_without_searches_of_its_own_gets_the_default():
    lab = grade.Lab(9, "made up", (), (), {})
    assert [kwargs for _, kwargs in searches(lab)] == list(grade_mc.DEFAULT_SEARCHES)


def test_progress_counts_the_model_checks_searches():
    """The page's progress bar: stories, then schedules, then each search, in order, ending
    at 1.0."""
    calls = []
    grade.check(Node, 2, quiet=True, seeds=range(2), mc_states=300,
                progress=lambda fraction, text: calls.append((fraction, text)))
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    texts = [t for _, t in calls]
    n = len(grade.LABS[2].stories)
    searching = [t for t in texts if t.startswith("model check: search")]
    assert [t.split(" (")[0] for t in searching] == \
        [f"model check: search {k} of 3" for k in (1, 2, 3)]
    assert texts.index(searching[0]) > texts.index("random fault schedules done")
    assert calls[texts.index(searching[0])][0] == (n + 2) / (n + 2 + 3)


def test_a_lab_the_model_cannot_check_has_no_model_check_stage():
    """Lab 6 is about reads, which are not actions of the model: no searches, no stage (its
    chaos runs with clients judge the reads)."""
    assert searches(6) == []
    report = grade.check(LAB_NODES[6], 6, quiet=True, seeds=range(1))
    assert report.model_check is None
    assert not any(r.name.startswith("model check") for r in report.results)
