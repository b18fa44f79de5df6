"""Benchmark the pictures: explorer redraw time per step, and the weight of a play() animation.

Run: .venv/bin/python scripts/bench_viz.py [--steps 300] [--seed 1]

Prints, for a five-server cluster with a leader, client traffic and a crash on the way:
* the time of one explorer step (cluster step + snapshot + drawing + widget updates), median
  and p90 over ``--steps`` steps, and of the drawing alone (scene data + SVG + table);
* for play() over 100 steps: frames kept, bytes per frame (mean and max) and the size of the
  widget state that the built page embeds (JSON), i.e. its page weight.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from ipywidgets import embed

from raft import Cluster
from raft.viz import explore, play
from raft.viz.view import frame_parts


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
    step_times, draw_times = [], []
    for k in range(args.steps):
        if k == args.steps // 3:
            ex.server.value = 3
            ex.crash_button.click()
        if k % 25 == 0:
            ex.request.value = f"x={k}"
            ex.submit_button.click()
        t0 = time.perf_counter()
        ex.step_button.click()
        step_times.append(time.perf_counter() - t0)
        snap = ex.shown
        t0 = time.perf_counter()
        frame_parts(snap)
        draw_times.append(time.perf_counter() - t0)
    ms = 1000
    print(f"explorer step + redraw over {len(step_times)} steps: median "
          f"{statistics.median(step_times) * ms:.1f} ms, p90 {percentile(step_times, 0.9) * ms:.1f} ms")
    print(f"drawing alone (scenes + SVG + table): median {statistics.median(draw_times) * ms:.1f} ms, "
          f"p90 {percentile(draw_times, 0.9) * ms:.1f} ms")

    c = busy_cluster(args.seed)
    start = c.steps
    while c.steps < start + 100:
        c.step()
    t0 = time.perf_counter()
    player = play(c, start=start)
    build = time.perf_counter() - t0
    sizes = [len(f.encode()) + len(cap.encode()) for f, cap in zip(player.frames, player.captions)]
    state = json.dumps(embed.dependency_state([player], drop_defaults=True))
    print(f"play() over 100 steps: {player.frame_count} frames ({len(player.skipped_steps)} no-op "
          f"steps left out), built in {build:.2f} s")
    print(f"frame + caption bytes: mean {statistics.mean(sizes) / 1024:.1f} KB, max "
          f"{max(sizes) / 1024:.1f} KB; embedded widget state {len(state) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
