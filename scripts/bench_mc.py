"""Figures for the model checker (issue 18), printed as tables for README.

    .venv/bin/python scripts/bench_mc.py           # speed, the reference check, the zoo, the labs
    .venv/bin/python scripts/bench_mc.py --full    # also the reference with a lost message, and
                                                   # Figure 8 from an empty cluster

Times are CPU seconds of this process (time.process_time), so that other work on the machine
does not count; one core. The figures:

1. Speed: distinct states and transitions per CPU-second on a three-server cluster of the
   reference node (two terms, one client command, no crash), without and with symmetry, beside
   what deep copies of three node objects cost (the encoding the issue measured at ~3,400/s).
2. The reference node, three servers, two terms, two client commands, one crash (which loses the
   messages in flight to the crashed server): explored completely? in how long? With --full,
   also with one message lost on the network (drops=1), the issue's "message loss", with and
   without forget_dead (dead replies not kept, so per_link counts live messages).
3. Every bug of the zoo: the shortest run the checker finds (with the rules of Figure 2, and with
   Figure 3's properties alone where the tests have a case), against the grader's shrunk
   counterexample counted in the same atomic actions (deliveries, timer firings, crashes,
   restarts, client commands, membership changes; lost and duplicated messages not counted).
4. The known-wrong lab nodes (raft/classroom/grade_mistakes.py) within the tests' bounds.
5. The grader's model-check stage (raft/classroom/grade_mc.py): for each lab, the reference node
   (states explored, CPU) and each known-wrong solution (found after how many states, in how
   many actions); then the table of which method catches which known-wrong node
   (raft/classroom/grade_table.py, as the book's appendix computes it) and what it costs.
"""

from __future__ import annotations

import argparse
import copy
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from raft import bugs, mc  # noqa: E402
from raft.node import Configuration, Node  # noqa: E402

import test_mc  # noqa: E402  (the cases and their bounds, one source for tests and figures)

#: Trace kinds that are one atomic action of the model checker.
ATOMIC = {"deliver", "timeout", "heartbeat", "crash", "restart", "submit", "membership",
          "force-timeout"}


def cpu(fn):
    start = time.process_time()
    value = fn()
    return value, time.process_time() - start


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def speed():
    print("## 1. Speed (one core, CPU seconds)\n")
    print("| Search | Distinct states | Transitions | CPU s | States/s | Transitions/s |")
    print("|---|---|---|---|---|---|")
    for symmetry in (False, True):
        r, t = cpu(lambda: mc.check(Node, max_term=2, commands=1, crashes=0, time_budget=None,
                                    symmetry=symmetry))
        assert r.ok and r.complete, r.summary
        print(f"| reference, 3 servers, 2 terms, 1 command, symmetry {'on' if symmetry else 'off'}"
              f" | {r.states:,} | {r.transitions:,} | {t:.1f} | {r.states / t:,.0f} | "
              f"{r.transitions / t:,.0f} |")
    config = Configuration(frozenset({1, 2, 3}))
    nodes = {i: Node(i, config, rng=random.Random(i)) for i in (1, 2, 3)}
    n = 2000
    _, t = cpu(lambda: [copy.deepcopy(nodes) for _ in range(n)])
    print(f"| `copy.deepcopy` of three fresh nodes (for comparison) | | | {t:.2f} | "
          f"{n / t:,.0f} copies/s | |")
    print()


def reference(full):
    print("## 2. The reference node, 3 servers\n")
    print("| Bounds | Result | CPU s | Peak memory |")
    print("|---|---|---|---|")
    runs = [dict(max_term=2, commands=2, crashes=1)]
    if full:
        runs.append(dict(max_term=2, commands=2, crashes=1, drops=1))
        # the same with per_link counting live messages only (docs/model-checking.md, "Dead
        # replies"): a wider model with fewer states, off by default
        runs.append(dict(max_term=2, commands=2, crashes=1, drops=1, forget_dead=True))
    for bounds in runs:
        r, t = cpu(lambda: mc.check(Node, time_budget=None, **bounds))
        print(f"| {r.bounds.text()} | {r.summary} | {t:.1f} | {rss_mb()} MB |")
    print()


def shrinker_actions(name):
    """The grader's shrunk counterexample for a zoo bug, in atomic actions."""
    cx = bugs.hunt(name)
    if cx is None:
        return None, ""
    cluster = cx.cluster()
    count = sum(1 for r in cluster.trace if r.kind in ATOMIC)
    return count, cx.finding.prop


def figure8_from_empty():
    """NaiveCommit's Leader Completeness violation from an empty cluster, within the default
    bounds (among the runs without heartbeats and waits, a subset of what they allow)."""
    bounds = dict(max_term=4, commands=2, crashes=0, heartbeats=0, waits=0)
    r, t = cpu(lambda: mc.check(bugs.NaiveCommit, rules=False, time_budget=None, **bounds))
    print(f"Figure 8 from an empty cluster ({r.bounds.text()}, Figure 3 alone): {r.summary}; "
          f"{t:.1f} CPU s, {rss_mb()} MB\n")


def zoo():
    print("## 3. The bug zoo: shortest runs against the grader's shrinker\n")
    print("| Bug | Model checker (rules on) | Figure 3 alone | Shrinker (atomic actions) |")
    print("|---|---|---|---|")
    by_class = {c[0]: c for c in test_mc.CASES}
    harm = {c[0]: c for c in test_mc.HARM}
    for name, cls in list(bugs.BUGS.items()) + list(bugs.CLIENT_BUGS.items()):
        if name in bugs.CLIENT_BUGS and cls not in by_class:
            continue   # reads: not in the model (the table in section 5 says why)
        case = by_class.get(cls)
        if case is None:
            found = "no case in tests/test_mc.py"
        else:
            r, t = cpu(lambda: mc.check(cls, time_budget=None, **case[1]))
            v = r.violation
            found = f"{v.length} ({v.prop}; {t:.1f} s)"
        alone = ""
        if cls in harm:
            h = harm[cls]
            r, t = cpu(lambda: mc.check(cls, time_budget=None, rules=False, **h[1]))
            start = " from a starting state" if "logs" in h[1] else ""
            alone = f"{r.violation.length} ({r.violation.prop}{start})"
        if name in bugs.CLIENT_BUGS:
            print(f"| {name} | {found} | {alone} | its story with clients, not shrunk |")
            continue
        count, prop = shrinker_actions(name)
        print(f"| {name} | {found} | {alone} | {count} ({prop}) |")
    print()


def labs():
    print("## 4. The known-wrong lab nodes\n")
    print("| Node | Bounds | Shortest run | CPU s |")
    print("|---|---|---|---|")
    zoo_classes = set(bugs.BUGS.values()) | set(bugs.CLIENT_BUGS.values())
    for cls, bounds, prop, length in test_mc.CASES:
        if cls in zoo_classes:
            continue
        r, t = cpu(lambda: mc.check(cls, time_budget=None, **bounds))
        v = r.violation
        start = " + a starting state" if "logs" in bounds else ""
        print(f"| {cls.__name__} | {r.bounds.text()}{start} | {v.length} ({v.prop}) | {t:.1f} |")
    print()


def grader():
    from raft.classroom import grade_mc, grade_table
    from raft.classroom.grade_mistakes import MISTAKES
    print(f"## 5. The grader's model check ({grade_mc.STATES:,} states per search)\n")
    print("| Lab | Node | Searches run | States | Found | CPU s |")
    print("|---|---|---|---|---|---|")
    for cls, lab in [(Node, n) for n in sorted(grade_mc.LAB_SEARCHES)] + list(MISTAKES):
        m, t = cpu(lambda: grade_mc.model_check(cls, lab))
        v = m.violation
        found = "no violation" if v is None else f"{v.length} actions ({v.prop})"
        print(f"| {lab} | {cls.__name__} | {len(m.results)} of {len(grade_mc.searches(lab))} | "
              f"{m.states:,} | {found} | {t:.1f} |")
    rows, t = cpu(grade_table.table)
    totals = grade_table.totals(rows)
    print()
    print(f"Which method catches which known-wrong node (the appendix's table), {t:.0f} CPU s:")
    for method in grade_table.METHODS:
        print(f"- {method}: {grade_table._caught_text(totals, method, str)}")
    for r in rows:
        if r.kind == "client bug":
            print(f"  - {r.name}: {r.model or r.outside.split(':')[0]}")
    print(f"- caught by the model checker and missed by the random schedules: "
          f"{totals['model checker, not random']}")
    print()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="also the reference with a lost message")
    args = p.parse_args(argv)
    speed()
    reference(args.full)
    zoo()
    if args.full:
        figure8_from_empty()
    labs()
    grader()


if __name__ == "__main__":
    main()
