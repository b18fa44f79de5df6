"""The random search of labs 2-4 on its own (no stories): wrong solutions of the lab's methods,
and the zoo's bugs of the same topics, are flagged by a seed within the lab's default seeds.

Each case names the first seed (of 0..lab.seeds-1) whose schedule the checker flags, and what
it reports; the reference node passes those same schedules. The table in raft/classroom/labs.py, above
the labs' profiles, lists these seeds (and the mistakes only the stories catch). The profiles
draw their schedules from fixed seeds, so a change of profile that loses one of these fails here.
"""

from __future__ import annotations

import pytest

from raft import ConfigurationError, bugs, grade
from raft.node import Node

from test_classroom_grader_gaps import (CommitToLogEnd, LongerLogWins, MatchMovesBack,
                                        StaleRepliesAndMatchBack)

# (node class, lab, first flagged seed, the finding's kind, its property or rule)
CASES = [
    (CommitToLogEnd, 2, 0, "violation", "State Machine Safety"),
    (MatchMovesBack, 2, 0, "rule", "Figure 2"),
    (StaleRepliesAndMatchBack, 2, 0, "rule", "Figure 2"),
    (bugs.BUGS["truncate-always"], 2, 20, "violation", "Leader Completeness"),
    (LongerLogWins, 3, 28, "violation", "Leader Completeness"),
    (bugs.BUGS["vote-without-log-check"], 3, 10, "violation", "Leader Completeness"),
    (bugs.BUGS["vote-not-persisted"], 4, 0, "violation", "Election Safety"),
]


@pytest.mark.parametrize("cls, lab, seed, kind, prop", CASES,
                         ids=[f"lab{c[1]}-{getattr(c[0], 'name', '') or c[0].__name__}"
                              for c in CASES])
def test_random_search_alone_finds_the_mistake(cls, lab, seed, kind, prop):
    profile = grade.LABS[lab].profile
    assert seed < grade.LABS[lab].seeds
    # The seeds before it pass (so `seed` is the first one the search flags)...
    cx = grade.find_counterexample(cls, profile, range(seed + 1), minimize=False,
                                   stall_ms=grade.LABS[lab].stall_ms)
    assert cx is not None, f"lab {lab}: no seed up to {seed} flags {cls.__name__}"
    assert cx.seed == seed, f"lab {lab}: {cls.__name__} first flagged by seed {cx.seed}"
    assert (cx.finding.kind, cx.finding.prop) == (kind, prop), cx.finding.headline()
    # ... and the reference passes the schedule that flags it.
    found, _ = grade.run_schedule(Node, cx.original, stall_ms=grade.LABS[lab].stall_ms)
    assert found is None, found.headline()


def test_schedules_with_the_new_actions_and_options_read_back():
    """Labs 2-4 use one entry per message, the fast back-off, commands to deposed leaders and
    reboots; a schedule's text says so and parses back to the same schedule."""
    texts = [grade.generate(seed, grade.LABS[lab].profile).text()
             for lab in (2, 3, 4) for seed in range(5)]
    joined = "".join(texts)
    for needle in ("max_entries_per_message=1", "fast_backoff=yes", "to old-leader", "reboot ",
                   "mode lenient"):
        assert needle in joined, needle
    for lab in (2, 3, 4):
        for seed in range(5):
            schedule = grade.generate(seed, grade.LABS[lab].profile)
            assert grade.parse_schedule(schedule.text()) == schedule


def test_profiles_name_actions_as_scenario_lines_and_older_names_still_read():
    """A profile's kinds are the scenario lines they produce ("isolate leader", "restart any",
    "submit to old-leader"); the older names (isolate_leader, restart, submit_old...) give the
    very same schedules, so saved profiles keep their seeds."""
    old = dict(size=3, length=20, weights=dict(run=3, submit=2, submit_old=2, crash_leader=1,
                                               isolate_leader=2, reboot_leader=1, restart=2,
                                               heal=1, timeout=1, crash=1, isolate=1))
    new = dict(old, weights={"run": 3, "submit": 2, "submit to old-leader": 2,
                             "crash leader": 1, "isolate leader": 2, "reboot leader": 1,
                             "restart any": 2, "heal": 1, "timeout": 1, "crash": 1,
                             "isolate": 1})
    for seed in range(20):
        assert grade.generate(seed, old) == grade.generate(seed, new)
    lines = {str(a).split()[0] + (" " + str(a).split()[-1] if not str(a)[-1].isdigit() else "")
             for seed in range(20) for a in grade.generate(seed, new).actions}
    assert {"isolate leader", "restart any", "reboot leader", "crash leader"} <= lines
    with pytest.raises(ConfigurationError, match="unknown action kind 'explode'"):
        grade.generate(0, dict(weights={"explode": 1}))
