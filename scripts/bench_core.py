"""Benchmark of the Raft core's simulator: messages delivered per CPU-second.

A 5-server cluster elects a leader, then a client submits one command every ``--interval``
simulated milliseconds for ``--duration`` simulated milliseconds (steady load). We report
messages delivered per CPU-second (``time.process_time``) and simulator steps per
CPU-second, in three modes:

(a) tracing on (the default a chapter uses),
(b) ``trace=False`` (large experiments),
(c) tracing on and the invariant checker on (``check_invariants=True``, the randomized tests).

This prints figures; it is not a test (speed is not asserted anywhere).

Figures (default workload, shared 2-core machine, Python 3.11; messages delivered per CPU-s).
The machine is shared, so its speed drifts by 20-30% over minutes: compare only figures taken
together. The "before" and "after" of the speed work were run alternately in one process
(best of 3 each):

=====================================  =========  ===========  =============
                                       (a) trace  (b) no trace  (c) checker
=====================================  =========  ===========  =============
earlier figures (another day's load)        31k          35k           8.6k
before the speed work (3afdebf)             29k          41k           3.4k
after it                                    29k          45k          13.2k
=====================================  =========  ===========  =============

Instruction counts (valgrind, 2 s of load) agree: 4.4% fewer with tracing on, 7.5% fewer
without. Every seeded run is byte-identical before and after (tests/test_core_perf_equivalence.py).

What changed: the invariant checker's Log Matching and Leader Append-Only used to slice and
compare whole logs for every pair of servers after every step (quadratic in the run's
length); they now read each log once per step with one C-level list comparison and re-examine
only the pairs whose logs changed, from where they changed (3.9x in mode (c); more on longer
runs). The simulator's send and deliver path does less per message (no keyword dicts for
trace records, no reachability lookups while the network is whole). Snapshots find their
step's records from the end of the trace (``history()``, which the players use, ~2x faster).

The 200,000 msgs/s target is not met, and cannot be from the simulator alone: a delivered
message costs about 30 us of pure-Python work, and a sampling profile (pyinstrument, mode (a),
20 s) splits it as: ``raft/node.py`` ~60% (``advance_commit_index`` alone ~18%: it rebuilds
the set of servers holding each uncommitted index on every reply; building a frozen-dataclass
message costs ~2 us and each note ~0.7 us), the key-value store ~5% (``kv.apply`` parses
every command again with a regular expression), and the simulator ~35% (heap, Flight, trace
records, persistence, timers), of which the cyclic garbage collector, walking the ever-growing
trace, is about 15% of the total at 20 s (measured with ``gc.disable()``). Reaching the target
would need a faster algorithm module or a compiled one, which the book does not want: the
node is meant to be read beside Figure 2.

    python scripts/bench_core.py              # all three modes
    python scripts/bench_core.py --profile a  # cProfile of mode (a), top functions
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

from raft import Cluster, NotLeader

MODES = {
    "a": ("tracing on", dict(trace=True)),
    "b": ("trace=False", dict(trace=False)),
    "c": ("tracing + invariant checker", dict(trace=True, check_invariants=True)),
}


def workload(duration, interval, seed=1, **kwargs):
    """Run the steady-load workload; returns the cluster."""
    cluster = Cluster(size=5, seed=seed, **kwargs)
    cluster.run_until(lambda c: c.leader() is not None, 5_000)
    end = cluster.now + duration
    n = 0
    while cluster.now < end:
        n += 1
        try:
            cluster.submit(f"k{n % 16}={n}")
        except NotLeader:
            pass
        cluster.run(interval)
    return cluster


def measure(mode, duration, interval, repeat):
    label, kwargs = MODES[mode]
    best = None
    for _ in range(repeat):
        start = time.process_time()
        cluster = workload(duration, interval, **kwargs)
        cpu = time.process_time() - start
        result = (cluster.delivered / cpu, cluster.steps / cpu, cluster.delivered, cluster.steps,
                  cpu, cluster.nodes[cluster.leader()].commit_index)
        if best is None or result[0] > best[0]:
            best = result
    msgs, steps, delivered, nsteps, cpu, commit = best
    print(f"({mode}) {label:30s} {msgs:>11,.0f} msgs/s  {steps:>11,.0f} steps/s   "
          f"[{delivered:,} msgs, {nsteps:,} steps, {cpu:.2f} s CPU, commit index {commit}]")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20_000, help="simulated ms of load")
    parser.add_argument("--interval", type=float, default=5, help="ms between client commands")
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode; the best counts")
    parser.add_argument("--modes", default="abc")
    parser.add_argument("--profile", metavar="MODE", help="profile one mode with cProfile")
    args = parser.parse_args()
    if args.profile:
        _, kwargs = MODES[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        workload(args.duration, args.interval, **kwargs)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    print(f"5 servers, one client command every {args.interval:g} ms for "
          f"{args.duration / 1000:g} simulated s; best of {args.repeat}")
    for mode in args.modes:
        measure(mode, args.duration, args.interval, args.repeat)


if __name__ == "__main__":
    main()
