"""Shrinking a failing schedule by delta debugging.

:func:`shrink` removes chunks of actions, then single actions, merges neighbouring runs, then
halves the length of each ``run``, keeping a change only if the same kind of failure (same
property) still happens. Every run is deterministic, so the shrunk schedule fails the same way
every time it is run.
"""

from __future__ import annotations

from ..sim.actions import Run
from .run import run_schedule
from .schedule import STALL_MS


def shrink(node_class, schedule, finding, *, max_runs=150, stall_ms=STALL_MS):
    """Delta debugging: the shortest schedule we can find that fails the same way.

    Returns (schedule, finding, runs)."""
    runs = 0
    target = finding.signature

    def fails(candidate):
        nonlocal runs
        runs += 1
        found, _ = run_schedule(node_class, candidate, stall_ms=stall_ms)
        if found is not None and found.signature == target:
            return found
        return None

    actions = list(schedule.actions)
    n = 2
    while len(actions) >= 1 and runs < max_runs:
        chunk = max(1, len(actions) // n)
        removed = False
        for start in range(0, len(actions), chunk):
            candidate = actions[:start] + actions[start + chunk:]
            got = fails(schedule.replace(candidate))
            if got is not None:
                actions, finding, removed = candidate, got, True
                n = max(n - 1, 2)
                break
            if runs >= max_runs:
                break
        if not removed:
            if chunk == 1:
                break
            n = min(n * 2, len(actions))
    # Merge neighbouring runs ("run 300ms, run 116ms" -> "run 416ms") when that still fails.
    # Each pair is tried once (at most one run per action), even when the budget above is
    # spent: a schedule of twenty "run" lines in a row is hard to read.
    k = 0
    while k < len(actions) - 1:
        if isinstance(actions[k], Run) and isinstance(actions[k + 1], Run):
            merged = actions[:k] + [Run(actions[k].ms + actions[k + 1].ms)] + actions[k + 2:]
            got = fails(schedule.replace(merged))
            if got is not None:
                actions, finding = merged, got
                continue
        k += 1
    # Shorten each run, halving while the failure stays.
    for k in range(len(actions)):
        while isinstance(actions[k], Run) and actions[k].ms >= 2 and runs < max_runs:
            shorter = actions[:k] + [Run(float(int(actions[k].ms // 2)))] + actions[k + 1:]
            got = fails(schedule.replace(shorter))
            if got is None:
                break
            actions, finding = shorter, got
    return schedule.replace(actions), finding, runs
