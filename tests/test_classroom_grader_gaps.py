"""Wrong lab solutions that once passed every story and 200 random seeds (or, for the forgotten
election timer, hung the grader), each now failed by the grader with a report that names what
broke, and a replay call that rebuilds it.

Every class (raft/classroom/grade_mistakes.py) is a realistic mistake a student makes in one
lab's methods (everything else is the reference). For each, the test grades it with the lab's
default settings and checks:
the report FAILS; the named story (or the random schedules) fails with the named property or
rule; the message carries the story's seed or the schedule's seed, key events, and a replay
call; and the replay call rebuilds a cluster stopped at the failure. The reference passes
every lab (and every new story) and the empty skeletons still fail cleanly
(tests/test_classroom_labs.py). Some of these are now also caught by the random schedules
alone (tests/test_classroom_random_search.py names which, and the seed).
"""

from __future__ import annotations

import re

import pytest

from raft import grade
from raft.classroom.grade_mistakes import (CommitToLogEnd, CountsEarlierTerms,  # noqa: F401
                                           CountsStaleVotes, DirectSwitch, EagerNewConfig,
                                           ForgetsTimerRestart, GrantsStaleCandidate,
                                           HalfIsEnough, HeartbeatKeepsTimer,
                                           JointAndNewTogether, LongerLogWins, MatchMovesBack,
                                           NoTermCheckReply, StaleRepliesAndMatchBack,
                                           TermNotMarked, VoteNotMarked)
from raft.classroom.grader import _run_story
from raft.classroom.mistakes import first_mistake
from raft.fuzz.run import run_schedule
from raft.node import CANDIDATE, Node
from raft.sim.actions import Members

# The wrong solutions themselves live in raft/classroom/grade_mistakes.py (the book's table of
# which method catches which reads them too).

# -- the cases: (class, lab, part of the failing check's name, what its message must say) --------

CASES = [
    (CountsStaleVotes, 1, "earlier term is not counted", "Election Safety violated"),
    (GrantsStaleCandidate, 1, "stale candidate is refused", "S2 voted_for is 1, expected None"),
    (ForgetsTimerRestart, 1, "a leader is elected",
     "time stands still: S1's election timer fired 1,000 times at 170.2 ms"),
    (HeartbeatKeepsTimer, 2, "heartbeats restart",
     "must restart the election timer (a fresh 150-300 ms; Figure 2, Rules for Servers: "
     "Followers, §5.2)"),
    (CommitToLogEnd, 2, "vouches for", "State Machine Safety violated"),
    (NoTermCheckReply, 2, "earlier term is ignored", "Leader Completeness violated"),
    (MatchMovesBack, 2, "late acknowledgement", "rule of Figure 2 broken"),
    (StaleRepliesAndMatchBack, 2, "earlier term is ignored", "Leader Completeness violated"),
    (CountsEarlierTerms, 3, "one entry per message", "Leader Completeness violated"),
    (LongerLogWins, 3, "not the longer log", "Leader Completeness violated"),
    (HalfIsEnough, 3, "four servers", "commit is 2, expected 1"),
    (VoteNotMarked, 4, "without a term change", "Election Safety violated"),
    (TermNotMarked, 4, "term adopted from a leader", "Leader Completeness violated"),
    (DirectSwitch, 5, "Figure 10", "violated"),
    (DirectSwitch, 5, "grow from 3 to 5", "rule of §6 broken"),
    (EagerNewConfig, 5, "committed (§6)", "rule of §6 broken"),
    (EagerNewConfig, 5, "network splits", "Leader Completeness violated"),
    (JointAndNewTogether, 5, "network splits", "Leader Completeness violated"),
    (JointAndNewTogether, 5, "Figure 10", "violated"),
]

_reports = {}


def _report(cls, lab):
    if cls not in _reports:
        _reports[cls] = grade.check(cls, lab, quiet=True)
    return _reports[cls]


@pytest.mark.parametrize("cls, lab, check, says", CASES,
                         ids=[f"{c[0].__name__}-{c[2]}" for c in CASES])
def test_wrong_solution_fails_with_a_named_report(cls, lab, check, says):
    report = _report(cls, lab)
    text = report.text()
    assert not report.passed, text
    failed = [r for r in report.results if not r.passed and check in r.name]
    assert len(failed) == 1, f"no failed check named {check!r}:\n{text}"
    message = failed[0].message
    assert says in message, message
    assert "Traceback" not in text
    # Actionable: the seed, the key events and a replay call.
    assert "seed" in message and "what happened" in message, message
    assert f"raft.grade.replay_story({cls.__name__}, lab={lab}, story=" in message, message
    # The replay call works and stops at the failure, with a trace to animate.
    story = message.split("story=")[1].split(")")[0].strip("'\"")
    cluster = grade.replay_story(cls, lab, story)
    assert cluster.steps > 0 and cluster.trace and cluster.checker is None


def test_a_real_consequence_names_the_rule_broken_first():
    """The Figure 10 story lets the direct switch run on to a real violation, and the report
    says which rule of §6 was broken first, and at which step (the mistake)."""
    report = _report(DirectSwitch, 5)
    [result] = [r for r in report.results if "Figure 10" in r.name]
    violated = int(re.search(r"violated at step (\d+)", result.message).group(1))
    assert result.mistake is not None and result.mistake.step < violated
    assert f"the mistake, at step {result.mistake.step} (" in result.message
    assert "rule broken, one configuration change at a time (§6)" in result.message
    assert "without the joint configuration" in result.message


def test_a_failed_story_shows_its_starting_state_beside_the_expectation():
    """What decides the verdict is on the page: the servers' starting terms, votes and logs,
    and the story's lines up to the one that failed (marked)."""
    report = _report(GrantsStaleCandidate, 1)
    [result] = [r for r in report.results if "stale candidate" in r.name]
    lines = result.message.splitlines()
    assert lines[0] == "line 9: S2 voted_for is 1, expected None"
    assert "starting state (what the story gives each server before it acts):" in lines
    assert "  S1: term 1, voted for none, log empty" in lines
    assert "  S2: term 3, voted for none, log empty" in lines
    assert "  >  9  expect voted_for 2 = none   ← failed here" in lines
    assert "     5  term 2: 3" in lines and "     1  # S1 was away: it is in term 1 while S2 and S3 " \
        "are in term 3 and have not voted yet." in lines
    # A story function shows its own description instead of a script.
    [result] = [r for r in _report(CountsStaleVotes, 1).results if "not counted" in r.name]
    assert "S1..S3: term 0, no vote, empty log (a fresh cluster)" in result.message
    assert "the story: S2 grants S1 its vote in term 1, but the reply is slow." in result.message


def test_the_stuck_timer_is_a_finding_of_the_random_schedules_too():
    report = _report(ForgetsTimerRestart, 1)
    cx = report.counterexample
    assert cx is not None and cx.finding.kind == "stuck" and cx.finding.prop == "election timer"
    assert "restart it when you start an election" in cx.finding.headline()
    # The replay stops at the first of the repeated firings, so it can be watched.
    who = int(re.search(r"S(\d+)'s election timer", cx.finding.details).group(1))
    cluster = grade.replay(ForgetsTimerRestart, cx.schedule)
    assert cluster.nodes[who].role == CANDIDATE
    assert cluster.trace[-1].kind in ("role", "election", "send") and cluster.steps > 0


@pytest.mark.parametrize("lab", [1, 2, 3, 4, 5])
def test_reference_passes_every_story(lab):
    for name, story in grade.LABS[lab].stories:
        run = _run_story(Node, story)
        assert run.passed, f"lab {lab}, {name}: {run.message}"
        assert run.cluster.checker.rule_break is None


@pytest.mark.parametrize("lab", [1, 2, 3, 4, 5, 6])
def test_the_reference_makes_no_mistake_in_any_story_or_random_schedule(lab):
    """The rules that point at a failed run's mistake (raft.mc.rules, judged on the
    simulator's steps) find nothing in the reference node's runs: every story, and the lab's
    first 20 random schedules with faults (seeds 0..19)."""
    for name, story in grade.LABS[lab].stories:
        run = _run_story(Node, story)
        assert first_mistake(run.cluster) is None, name
    if lab == 6:
        return   # (its random runs are chaos with clients: the stories cover the reads)
    for seed in range(20):
        _found, cluster = run_schedule(Node, grade.generate(seed, grade.LABS[lab].profile),
                                       trace=True)
        assert first_mistake(cluster) is None, f"seed {seed}"


def test_random_schedules_of_lab_5_change_membership_and_catch_a_direct_switch():
    """Lab 5's random schedules include membership changes (growing, shrinking, replacing,
    removing the leader); the reference passes them and the direct switch is caught there too
    (seeds 0..39, the default)."""
    profile = grade.LABS[5].profile
    schedules = [grade.generate(seed, profile) for seed in range(grade.LABS[5].seeds)]
    changes = [a for s in schedules for a in s.actions if isinstance(a, Members)]
    assert len(changes) >= 20
    assert any(max(a.voters) > profile["size"] for a in changes)  # new servers join
    schedule = next(s for s in schedules if any(isinstance(a, Members) for a in s.actions))
    assert grade.parse_schedule(schedule.text()) == schedule
    cx = grade.find_counterexample(DirectSwitch, profile, range(grade.LABS[5].seeds))
    assert cx is not None and cx.finding.kind == "rule" and cx.finding.prop == "§6"
    assert any(isinstance(a, Members) for a in cx.schedule.actions)
    assert "rule of §6 broken" in cx.finding.headline()


def test_default_seed_count():
    assert all(lab.seeds >= 40 for lab in grade.LABS.values())
