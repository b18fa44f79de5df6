"""Benchmark the Python side of the pictures: the explorer's time per step, and the weight of a
play() animation in a page.

Run: .venv/bin/python scripts/bench_viz.py [--steps 300] [--seed 1]

Prints, for a five-server cluster with a leader, client traffic and a crash on the way:
* the time of one explorer step (cluster step + snapshot + safety check + scene + the message
  to the painter), median and p90 over ``--steps`` steps, and of the scene alone;
* for play() over 300 steps: scenes kept, bytes per scene as JSON and as the page carries them
  (compressed), and the whole player's HTML without the painter's script (the book loads that
  once per page: raft/viz/painter.js).
The browser side (frames per second while playing) is scripts/bench_painter.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from raft import Cluster
from raft.viz import explore, play, scene_of
from raft.viz.embed import pack, painter_source


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def busy_cluster(seed):
    c = Cluster(seed=seed)
    c.elect(1)
    c.run(100)
    for k in range(5):
        c.submit(f"k{k}={k}")
        c.run(20)
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    c = busy_cluster(args.seed)
    ex = explore(c)
    ex._ensure_loaded()
    step_times, scene_times = [], []
    for k in range(args.steps):
        if k == args.steps // 3:
            ex.do("crash", 3)
        if k % 25 == 0:
            ex.do("submit", f"x={k}")
        t0 = time.perf_counter()
        ex.step()
        step_times.append(time.perf_counter() - t0)
        snap = ex.cluster.snapshot()
        t0 = time.perf_counter()
        scene_of(snap)
        scene_times.append(time.perf_counter() - t0)
    ms = 1000
    print(f"explorer step (step + snapshot + checks + scene + push), {args.steps} steps: "
          f"median {statistics.median(step_times) * ms:.2f} ms, p90 {percentile(step_times, 0.9) * ms:.2f} ms")
    print(f"scene alone: median {statistics.median(scene_times) * ms:.2f} ms, "
          f"p90 {percentile(scene_times, 0.9) * ms:.2f} ms")

    player = play(ex.cluster, start=max(0, ex.cluster.steps - 300), max_frames=1000)
    raw = [len(json.dumps(s, separators=(",", ":"), ensure_ascii=False).encode()) for s in player.scenes]
    packed = len(pack(player.scenes))
    html = len(player.html(inline_js=False).encode())
    print(f"play() over 300 steps: {player.frame_count} scenes; JSON {statistics.mean(raw):.0f} bytes "
          f"a scene (max {max(raw)}); as the page carries them {packed / player.frame_count:.0f} bytes "
          f"a scene; player HTML {html / 1000:.1f} KB; the painter script "
          f"{len(painter_source().encode()) / 1000:.1f} KB (once per page)")


if __name__ == "__main__":
    main()
