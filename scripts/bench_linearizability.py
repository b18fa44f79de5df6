"""Benchmark of the linearizability checker (raft/linearizability/): CPU seconds per check.

Histories come from ``random_history``: a real sequential execution in which each operation
takes effect at a random moment between its call and its return (an operation lasts 0-12 ms; a
client calls again 0.1-2 ms after its reply). With 5% timeouts, that many operations never
return, and half of those never take effect. "New values" means every value written is new (as
in MIT 6.824's tests, and as our simulated clients write); "5 values" means puts and appends
draw from five values, so many orders explain the same outputs: the hard case.

"broken" histories have one get/read output (the middle one) changed to a value no order
explains; the time then includes the explanation (1-minimal set by delta debugging, longest
order). Each line gives the median and the worst over ``--seeds`` seeds, in CPU seconds
(``time.process_time``). A search that tries more than ``--budget`` configurations gives up
(``max_states``); such a line says so. This prints figures; it is not a test.

    python scripts/bench_linearizability.py            # the tables in README
    python scripts/bench_linearizability.py --seeds 3  # quicker
"""

from __future__ import annotations

import argparse
import statistics
import time

from raft.errors import HistoryError
from raft.linearizability import KeyValue, check, linearize, random_history, read_history

CASES = [
    # label, model, clients, operations, keys, values
    ("1 key, 5 clients, 300 ops, new values", "kv", 5, 300, 1, None),
    ("register, 5 clients, 300 ops, 5 values", "register", 5, 300, 1, 5),
    ("1 key, 5 clients, 300 ops, 5 values", "kv", 5, 300, 1, 5),
    ("1 key, 5 clients, 3,000 ops, new values", "kv", 5, 3000, 1, None),
    ("50 clients, 3,000 ops, 10 keys, new values", "kv", 50, 3000, 10, None),
    ("50 clients, 3,000 ops, 50 keys, new values", "kv", 50, 3000, 50, None),
    ("50 clients, 3,000 ops, 10 keys, 5 values", "kv", 50, 3000, 10, 5),
]
# How the search grows with the number of clients on one key (300 operations, new values).
GROWTH = [5, 8, 10, 12, 15]


def broken(history, seed):
    """The same history with the output of one returned read (near the middle) made impossible."""
    history = [dict(op) for op in history]
    reads = [op for op in history if op["f"] in ("get", "read") and op["ret"] is not None]
    victim = reads[len(reads) // 2 + seed % 7]
    victim["output"] = "zz" if victim["f"] == "get" else 99
    return history


def timed(history, model, budget):
    start = time.process_time()
    try:
        verdict = check(history, model, max_states=budget)
    except HistoryError:
        verdict = None
    return time.process_time() - start, verdict


def line(label, results, expect):
    times = [seconds for seconds, verdict in results]
    gave_up = sum(1 for _, verdict in results if verdict is None)
    for _, verdict in results:
        assert verdict is None or verdict.ok == expect, f"{label}: wrong verdict"
    note = f" (gave up on {gave_up} of {len(results)})" if gave_up else ""
    return f"| {label}{note} | {statistics.median(times):.3f} | {max(times):.3f} |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=7)
    parser.add_argument("--budget", type=int, default=1_000_000)
    args = parser.parse_args()
    seeds = range(args.seeds)
    print("| History (5% timeouts) | median s | worst s |")
    print("|---|---|---|")
    for label, model, clients, ops, keys, values in CASES:
        histories = [random_history(seed, model, clients=clients, ops=ops, keys=keys,
                                    timeout=0.05, values=values) for seed in seeds]
        print(line(label, [timed(h, model, args.budget) for h in histories], True))
        print(line(f"{label}, broken", [timed(broken(h, seed), model, args.budget)
                                        for seed, h in zip(seeds, histories)], False))
    print()
    print("| Clients on one key (300 ops, new values, 5% timeouts) | configurations, median | "
          "median s | worst s |")
    print("|---|---|---|---|")
    model = KeyValue()
    for clients in GROWTH:
        times, tried, gave_up = [], [], 0
        for seed in seeds:
            history = random_history(seed, "kv", clients=clients, ops=300, timeout=0.05,
                                     values=None)
            start = time.process_time()
            try:
                found = linearize(model.prune(list(read_history(history, model))), model,
                                  args.budget)
                assert found.ok
                tried.append(found.explored)
            except HistoryError:
                tried.append(args.budget)
                gave_up += 1
            times.append(time.process_time() - start)
        note = f" (gave up on {gave_up} of {len(times)})" if gave_up else ""
        print(f"| {clients}{note} | {int(statistics.median(tried)):,} | "
              f"{statistics.median(times):.3f} | {max(times):.3f} |")


if __name__ == "__main__":
    main()
