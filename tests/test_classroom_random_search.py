"""The random search of labs 2-4 on its own (no stories): wrong solutions of the lab's methods,
and the zoo's bugs of the same topics, are flagged by a seed within the lab's default seeds.

Each case names the first seed (of 0..lab.seeds-1) whose schedule the checker flags, and what
it reports; the reference node passes those same schedules. The table in raft/grade.py, above
the labs' profiles, lists these seeds (and the mistakes only the stories catch). The profiles
draw their schedules from fixed seeds, so a change of profile that loses one of these fails here.
"""

from __future__ import annotations

import pytest

from raft import bugs, grade
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
    for needle in ("max_entries=1", "fast_backoff=yes", "to old-leader", "reboot "):
        assert needle in joined, needle
    for lab in (2, 3, 4):
        for seed in range(5):
            schedule = grade.generate(seed, grade.LABS[lab].profile)
            assert grade.parse_schedule(schedule.text()) == schedule
