"""Saved scenarios print times a reader can use, and still replay to the identical run.

A timed run used to be saved as the instant it ended, ``clock 293.07354943492993``. Now the
text says what was asked for (``run 100.3ms``): the run starts at the same simulated instant on
replay, so it ends at the same float, and every later event happens at the same time.
"""

from __future__ import annotations

import re

from raft import Cluster, scenario


def session():
    c = Cluster(size=5, seed=44, drop=0.05)
    c.run_until(lambda c: c.leader() is not None, 3000)
    c.submit("x=1")
    c.run(100.3)
    c.run_until(lambda c: False, timeout=33.3)   # times out: a run of 33.3 ms
    c.crash(c.leader())
    c.run(417)
    c.submit("y=2", node=c.leader())
    c.run_until(lambda c: all(len(c.applied(i)) == 2 for i in c.ids if c.is_up(i)), 2000)
    c.run_to(2500)
    return c


def records(cluster):
    return [(r.step, r.time, r.kind, r.node, r.rule, r.sentence) for r in cluster.trace]


def test_saved_scenario_replays_to_the_identical_run_and_prints_short_times():
    original = session()
    text = original.scenario_text()
    again = scenario.run(text, check_invariants=False)
    assert records(again) == records(original)
    assert again.now == original.now and again.steps == original.steps
    assert again.scenario_text() == text
    # Every number in the text is short: no float printed to 15 digits.
    numbers = re.findall(r"\d+\.\d+", text)
    assert all(len(n.split(".")[1]) <= 2 for n in numbers), numbers
    assert "run 100.3ms" in text and "run 33.3ms" in text and "run 417ms" in text
    assert "clock 2500" in text


def test_a_trace_line_prints_times_to_a_tenth_of_a_millisecond():
    c = session()
    for r in c.trace[-20:]:
        assert re.match(r"\[\d+ @\d+\.\dms\] ", repr(r)), repr(r)
