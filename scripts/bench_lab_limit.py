"""How long each lab's grading takes in the page, on a phone-sized screen, against the time limit.

The lab pages stop a grade after ``RaftWorkbench.limits.lab`` ms (a student's infinite loop can
only be stopped by restarting the page's Python). That limit must leave a correct solution a wide
margin on a slow machine. This serves the built book (_build/html) on loopback, opens each lab
page in the tests' Chromium at 390 x 844 px with the CPU at its own speed (DevTools' CPU
throttling rate 1; ``--cpu 4`` emulates a slower phone), starts Python with a first grade, then
grades the lab's reference solution (the reference node's own methods) ``--runs`` times and
prints, for each lab: the median time from the click on Grade to the verdict shown, the grader's
own time inside Python, and the margin the limit leaves (limit / slowest run).

Usage: .venv/bin/python scripts/bench_lab_limit.py [--runs 2] [--cpu 1]
Wall-clock figures depend on the machine's load: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

# The live benchmark's site, browser arguments, server and grading call (scripts/bench_live.py).
from bench_live import ARGS, GRADE, SITE, Plain, reference_cell, serve


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="graded runs per lab (default 2)")
    parser.add_argument("--cpu", type=float, default=1, help="CPU throttling rate (default 1)")
    args = parser.parse_args()
    if not (SITE / "index.html").is_file():
        print(f"no built book at {SITE}: run `bash scripts/build_book.sh` first", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    server, root = serve(Plain)
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)")
    print(f"Each lab's reference solution graded in its page, 390 x 844 px, CPU x{args.cpu:g}, "
          f"Python already started; click on Grade -> verdict shown:")
    rows, limit = [], None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844},
                                      service_workers="block")
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        for page_path in sorted((SITE / "book" / "labs").glob("lab*_*.html")):
            n = int(page_path.name[3])
            page.goto(root + page_path.relative_to(SITE).as_posix(), wait_until="load")
            page.wait_for_function("() => document.querySelector('.rw-lab')")
            limit = page.evaluate("() => RaftWorkbench.limits.lab")     # the page's own limit
            page.evaluate("() => { localStorage.clear(); RaftWorkbench.limits.lab = 3600000; }")
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.cpu})
            code = reference_cell(n)
            page.evaluate(GRADE, code)          # Python starts (not counted)
            runs = [page.evaluate(GRADE, code) for _ in range(args.runs)]
            rows.append((n, page_path.name, runs))
            slowest = max(r["ms"] for r in runs)
            print(f"  lab {n} ({page_path.name:<22}) {'passes' if all(r['passed'] for r in runs) else 'FAILS '}"
                  f"  median {statistics.median(r['ms'] for r in runs) / 1000:5.2f} s"
                  f" (grader {statistics.median(r['grader'] for r in runs) / 1000:5.2f} s)"
                  f"  slowest {slowest / 1000:5.2f} s", flush=True)
        context.close()
        browser.close()
    server.shutdown()
    server.server_close()
    slowest = max(r["ms"] for _, _, runs in rows for r in runs)
    which = max(rows, key=lambda row: max(r["ms"] for r in row[2]))
    print(f"Slowest: lab {which[0]}, {slowest / 1000:.2f} s; the page's limit, "
          f"{limit / 1000:.0f} s, leaves a margin of {limit / slowest:.1f}x")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
