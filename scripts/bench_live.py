"""Figures for the live page (issue 14), measured in the tests' Chromium.

Serves the built book (_build/html) on loopback, blocks every other host (by name resolution:
Playwright's request routing would switch the browser's HTTP cache off), and prints:

* "Run live" to a cluster that steps, cold (a fresh browser profile, nothing cached): from the
  click to the live picture drawn, and to the first step taken and drawn after it;
* the same on a second page of the same visit, with two servers: Python's `http.server` (no cache
  headers: the browser revalidates every file, and gets 304s) and a small caching server
  (`Cache-Control: max-age=86400`, so the second page takes Pyodide from the browser's cache);
* one live step plus its paint: the median (and 90th percentile) over many steps, from the
  request to the frame after the new scene was drawn;
* what an explorer page loads before "Run live" (Pyodide must not be in it), what Pyodide adds
  when it is pressed, and the whole site with and without Pyodide;
* lab 1 graded in the page (book/labs/lab1_election.html, Python's `http.server`): from the
  click on Grade to the verdict shown, cold (a fresh browser profile: Pyodide's start included)
  and once Python is loaded, for the reference solution and the known-wrong solutions of
  tests/test_classroom_grader_gaps.py and the lab page (each must get the same verdict as the
  shell grader, checked here); labs 2-5 once loaded; the bug zoo's switch; every exercise of
  the book run in the page (each must pass its check).

Usage: .venv/bin/python scripts/bench_live.py [--runs 3] [--steps 60] [--only explorer|work]
Wall-clock figures depend on the machine's load: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import statistics
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
# Other hosts are blocked by name resolution, not by Playwright's routing, which would turn the
# browser's HTTP cache off (and the second page would measure nothing cached).
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
OUTSIDE: list[str] = []    # requests to any other host (there must be none)
FIRST, SECOND = "book/appendix/explorer.html", "book/05_leader_election.html"


SERVED: list[str] = []     # every request the servers answered (to see what the cache saved)


class Plain(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        SERVED.append(" ".join(str(a) for a in args))


class Caching(Plain):
    """http.server plus a cache lifetime: what any ordinary web server can be told to send."""

    def end_headers(self):
        self.send_header("Cache-Control", "public, max-age=86400")
        super().end_headers()


def serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(handler, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def open_page(context, url, weights=None):
    page = context.new_page()
    if weights is not None:
        def on_response(response):
            try:
                weights[response.url] = len(response.body())
            except Exception:
                pass
        page.on("response", on_response)
    page.goto(url, wait_until="load")
    page.wait_for_function("() => document.querySelector('.raft-live') && "
                           "document.querySelector('.raft-live').raftExplorer")
    return page


START = """async () => {
    const e = document.querySelector('.raft-live').raftExplorer;
    const t0 = performance.now();
    e.box.querySelector('[data-action=start]').click();
    await e.started;
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const drawn = performance.now() - t0;
    const n = e.painter.scenes.length;
    e.box.querySelector('.rl-painter [data-action=step]').click();
    while (e.painter.scenes.length === n || e.painter.anim) await new Promise(r => requestAnimationFrame(r));
    return {drawn, stepped: performance.now() - t0, python: e.timings.python,
            worker: e.info.times};
}"""

STEPS = """async (count) => {
    const e = document.querySelector('.raft-live').raftExplorer;
    const times = [];
    for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await e.act('step');
        await new Promise(r => requestAnimationFrame(r));
        times.push(performance.now() - t0);
    }
    return times;
}"""


def descendants_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's descendants that are still
    running: the Playwright driver and the Chromium it started. Unlike wall time, it hardly
    depends on what else runs on the machine."""
    parents, cpu = {}, {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
    me, total = os.getpid(), 0.0
    for pid in cpu:
        p = pid
        while p in parents and p not in (0, 1, me):
            p = parents[p]
        if p == me:
            total += cpu[pid]
    return total


def route_local(context):
    """Record any request to another host (the resolver rules make them fail)."""
    def seen(request):
        if urlparse(request.url).hostname not in ("127.0.0.1", "localhost"):
            OUTSIDE.append(request.url)
    context.on("request", seen)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="cold starts per server (default 3)")
    parser.add_argument("--steps", type=int, default=60, help="steps timed (default 60)")
    parser.add_argument("--only", choices=("explorer", "work"), default=None,
                        help="only the explorer's figures, or only the exercises', labs' and zoo's")
    args = parser.parse_args()
    if args.only == "work":
        return bench_work(args)
    if not (SITE / FIRST).is_file():
        print(f"no built book with {FIRST}: run `bash scripts/build_book.sh` first", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, handler in (("http.server (no cache headers)", Plain),
                              ("caching server (max-age=86400)", Caching)):
            server, root = serve(handler)
            cold, second = [], []
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1100, "height": 1300},
                                              service_workers="block")
                route_local(context)
                page = open_page(context, root + FIRST)
                page.wait_for_timeout(300)
                before = descendants_cpu()
                cold.append(page.evaluate(START))
                cold[-1]["cpu"] = (descendants_cpu() - before) * 1000
                page.close()
                page = open_page(context, root + SECOND)
                page.wait_for_timeout(1000)     # the first page's renderer has exited
                page.wait_for_timeout(300)
                before = descendants_cpu()
                second.append(page.evaluate(START))
                second[-1]["cpu"] = (descendants_cpu() - before) * 1000
                if name.startswith("caching") and "steps" not in results:
                    times = page.evaluate(STEPS, args.steps)
                    results["steps"] = times
                context.close()
            results[name] = (cold, second)
            results[name + " served"] = [r for r in SERVED if "/pyodide/" in r or "raft-live/" in r]
            SERVED.clear()
            server.shutdown()
            server.server_close()
        # Page weight before Run live, and what Run live adds.
        server, root = serve(Plain)
        context = browser.new_context(service_workers="block")
        route_local(context)
        weights = {}
        page = open_page(context, root + SECOND, weights)
        page.wait_for_timeout(500)
        before = dict(weights)
        page.evaluate(START)
        added = {u: b for u, b in weights.items() if u not in before}
        context.close()
        server.shutdown()
        server.server_close()
        browser.close()

    def row(label, xs, key):
        values = [x[key] for x in xs]
        return (f"  {label:<40} median {median(values) / 1000:5.2f} s   "
                f"(runs: {', '.join(f'{v / 1000:.2f}' for v in values)})")

    print("\n\"Run live\" on book/appendix/explorer.html, then on a second page of the same visit "
          "(book/05_leader_election.html):")
    for name in ("http.server (no cache headers)", "caching server (max-age=86400)"):
        cold, second = results[name]
        print(f" {name}:")
        print(row("cold: click -> live picture drawn", cold, "drawn"))
        print(row("cold: click -> first step drawn", cold, "stepped"))
        print(row("second page: click -> first step drawn", second, "stepped"))
        print(row("CPU used by Chromium, cold (all threads)", cold, "cpu"))
        print(row("CPU used by Chromium, second page", second, "cpu"))
        for label, xs in (("cold", cold), ("second page", second)):
            print(f"  {'worker, ' + label + ': snapshot read / Python / zip / ready':<40} median "
                  f"{median([c['worker'].get('snapshotRead', float('nan')) for c in xs]) / 1000:.2f} / "
                  f"{median([c['worker']['python'] for c in xs]) / 1000:.2f} / "
                  f"{median([c['worker']['zip'] for c in xs]) / 1000:.2f} / "
                  f"{median([c['worker']['ready'] for c in xs]) / 1000:.2f} s"
                  f"{'' if all(c['worker']['snapshot'] for c in xs) else '  (SNAPSHOT NOT USED)'}")
        served = results[name + " served"]
        full = sum(1 for r in served if " 200 " in f" {r} ")
        print(f"  Pyodide and live files answered by the server: {len(served)} requests, {full} "
              f"with a body (200), {len(served) - full} not modified (304), over "
              f"{args.runs} visits of two pages")
    steps = results["steps"]
    q = statistics.quantiles(steps, n=10)
    print(f"\nOne live step plus its paint ({len(steps)} steps, request -> next frame): "
          f"median {median(steps):.1f} ms, 90th percentile {q[-1]:.1f} ms, max {max(steps):.1f} ms")
    size = sum(before.values())
    print(f"\n{SECOND} loads {size / 1e6:.2f} MB before Run live "
          f"({'no Pyodide file' if not any('/pyodide/' in u for u in before) else 'PYODIDE LOADED EARLY'}); "
          f"Run live adds {sum(added.values()) / 1e6:.1f} MB in {len(added)} requests: "
          + ", ".join(sorted(Path(urlparse(u).path).name for u in added)))
    files = [p for p in SITE.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    pyodide = sum(p.stat().st_size for p in files if "pyodide" in p.relative_to(SITE).parts)
    live = sum(p.stat().st_size for p in files if "raft-live" in p.relative_to(SITE).parts)
    print(f"Whole site: {total / 1e6:.1f} MB: Pyodide {pyodide / 1e6:.1f} MB, the Python "
          f"snapshot and raft zip {live / 1e6:.1f} MB, the rest {(total - pyodide - live) / 1e6:.1f} MB")
    print(f"Requests to other hosts: {len(OUTSIDE)} {OUTSIDE[:3]}")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0 if args.only == "explorer" else bench_work(args)


# -- exercises, labs, the zoo ---------------------------------------------------------------------

LAB1 = "book/labs/lab1_election.html"

GRADE = """async (code) => {
    const w = document.querySelector('.rw-lab').raftWork;
    w.editor.set(code);
    const t0 = performance.now();
    w.box.querySelector('[data-action=grade]').click();
    const reply = await w.running;
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    return {ms: performance.now() - t0, passed: reply && reply.passed, report: reply && reply.report,
            python: w.last ? null : 'no reply', grader: reply && reply.ms,
            times: RaftLive.shared().info && RaftLive.shared().info.times};
}"""

RUN_EXERCISES = """async () => {
    const out = [];
    for (const e of document.querySelector('script.raft-workbench-config').raftMounted.exercises) {
        const t0 = performance.now();
        const reply = await e.run();
        out.push({label: e.cfg.label, ms: performance.now() - t0, ok: !!(reply && reply.ok),
                  checks: reply ? reply.feedback.map(f => f.ok) : null});
    }
    return out;
}"""


def lab_solutions():
    """(name, lab number, the editor's code, the class) for the labs' reference solutions and
    the known-wrong lab 1 solutions (the grader-gaps tests' and the lab page's)."""
    import inspect
    import textwrap

    sys.path.insert(0, str(ROOT / "tests"))
    import test_classroom_grader_gaps as gaps
    import test_live_workbench_browser as wb

    def cell(cls):
        body = textwrap.dedent(inspect.getsource(cls)).replace(f"class {cls.__name__}(", "class StudentNode(", 1)
        return ("from raft.node import CANDIDATE, FOLLOWER, LEADER, Configuration, Entry, Node, "
                "RequestVote\n\n\n" + body)

    out = [("reference", 1, wb.RIGHT_CELL), ("grants every vote (the lab page's)", 1, wb.WRONG_CELL)]
    out += [(c.__name__, 1, cell(c)) for c in (gaps.CountsStaleVotes, gaps.GrantsStaleCandidate,
                                               gaps.ForgetsTimerRestart)]
    for n in (2, 3, 4, 5):
        out.append((f"reference, lab {n}", n, reference_cell(n)))
    return out


def reference_cell(n):
    """The editor's code for lab ``n`` that borrows the reference node's methods."""
    from raft.classroom.labs import LABS
    return ("from raft.node import Node\n\n\nclass StudentNode(Lab%dNode):\n" % n
            + "".join(f"    {m} = Node.{m}\n" for m in LABS[n].methods))


def shell_report(n, code):
    """The shell grader's verdict on the page's file for this code (the lab page's head)."""
    import subprocess
    import tempfile

    sys.path.insert(0, str(ROOT / "_ext"))
    import raft_live
    import raft_live_cells

    page = next((ROOT / "book" / "labs").glob(f"lab{n}_*.md"))
    lab = raft_live_cells.lab(raft_live_cells.read_cells(page), page.stem)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / lab["file_name"]
        path.write_text(raft_live.lab_head(lab) + code)
        done = subprocess.run([sys.executable, "-m", "raft.grade", f"lab{n}", f"{path}:StudentNode"],
                              capture_output=True, text=True, cwd=tmp, timeout=600)
    return done.stdout.rstrip("\n")


def bench_work(args) -> int:
    from playwright.sync_api import sync_playwright

    print(f"\nload average before the exercises, labs and zoo: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    solutions = lab_solutions()
    lab1 = [s for s in solutions if s[1] == 1]
    cold, warm, others, zoo, exercises = {}, {}, {}, [], []
    server, root = serve(Plain)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for _ in range(args.runs):
            for name, _n, code in lab1[:2]:          # cold: a fresh profile each time
                context = browser.new_context(service_workers="block")
                route_local(context)
                page = context.new_page()
                page.goto(root + LAB1, wait_until="load")
                page.wait_for_function("() => document.querySelector('.rw-lab')")
                page.evaluate("() => localStorage.clear()")
                cold.setdefault(name, []).append(page.evaluate(GRADE, code))
                context.close()
        context = browser.new_context(service_workers="block")
        route_local(context)
        page = context.new_page()
        page.goto(root + LAB1, wait_until="load")
        page.wait_for_function("() => document.querySelector('.rw-lab')")
        page.evaluate(GRADE, lab1[0][2])              # Python loaded
        for _ in range(args.runs):
            for name, _n, code in lab1:
                warm.setdefault(name, []).append(page.evaluate(GRADE, code))
        for name, n, code in solutions[len(lab1):]:
            page.goto(root + next(p.relative_to(SITE).as_posix() for p in (SITE / "book" / "labs").glob(f"lab{n}_*.html")))
            page.wait_for_function("() => document.querySelector('.rw-lab')")
            page.evaluate(GRADE, code)                # Python loaded on this page
            others[name] = [page.evaluate(GRADE, code) for _ in range(args.runs)]
        page.goto(root + "book/appendix/bug_zoo.html")
        page.wait_for_function("() => document.querySelector('.rw-zoo')")
        for bug in ("leader-keeps-leading", "naive-commit", "vote-keeps-timer"):
            zoo.append((bug, page.evaluate("""async (bug) => {
                const z = document.querySelector('.rw-zoo').raftWork, t0 = performance.now();
                const r = await z.hunt(bug);
                return {ms: performance.now() - t0, found: r && r.found, prop: r && r.prop,
                        python: r && r.ms};
            }""", bug)))
        for chapter in sorted((SITE / "book").glob("[0-9][0-9]_*.html")):
            page.goto(root + chapter.relative_to(SITE).as_posix())
            page.wait_for_function("() => document.querySelector('script.raft-workbench-config').raftMounted")
            page.evaluate("() => { RaftWorkbench.limits.exercise = 600000; }")
            exercises += page.evaluate(RUN_EXERCISES)
        context.close()
        browser.close()
    server.shutdown()
    server.server_close()

    shell = {name: shell_report(n, code) for name, n, code in solutions}
    print(f"\nLab 1 graded in the page ({LAB1}, http.server): click on Grade -> verdict shown")
    for name, _n, code in lab1:
        same = all(r["report"] == shell[name] for r in cold.get(name, []) + warm[name])
        verdict = "passes" if warm[name][0]["passed"] else "fails"
        c = cold.get(name)
        runs = ", ".join("%.2f" % (r["ms"] / 1000) for r in c) if c else ""
        print(f"  {name:<38} {verdict:<6}"
              + (f" cold median {median([r['ms'] for r in c]) / 1000:5.2f} s"
                 f" (runs {runs});" if c else " " * 40)
              + f" loaded median {median([r['ms'] for r in warm[name]]) / 1000:5.2f} s"
              f" (grader {median([r['grader'] for r in warm[name]]) / 1000:.2f} s)"
              f"  {'same verdict as the shell grader' if same else 'VERDICT DIFFERS FROM THE SHELL GRADER'}")
    print("  Labs 2-5, reference solution, once loaded:")
    for name, rs in others.items():
        same = all(r["report"] == shell[name] for r in rs)
        print(f"  {name:<38} {'passes' if rs[0]['passed'] else 'FAILS'}  median "
              f"{median([r['ms'] for r in rs]) / 1000:5.2f} s"
              f"  {'same verdict as the shell grader' if same else 'VERDICT DIFFERS'}")
    print("\nThe bug zoo's switch (book/appendix/bug_zoo.html), Python loaded: click -> run shown")
    for bug, r in zoo:
        print(f"  {bug:<24} {'found ' + str(r['prop']) if r['found'] else 'NOT FOUND':<32} "
              f"{r['ms'] / 1000:5.2f} s")
    slow = sorted(exercises, key=lambda e: -e["ms"])
    bad = [e["label"] for e in exercises if not e["ok"] or not all(e["checks"] or [True])]
    print(f"\nEvery exercise of the book run in its page ({len(exercises)}; Python loaded once "
          f"per chapter, the first run includes its start): median {median([e['ms'] for e in exercises]) / 1000:.2f} s, "
          f"total {sum(e['ms'] for e in exercises) / 1000:.1f} s; slowest: "
          + ", ".join(f"{e['label']} {e['ms'] / 1000:.1f} s" for e in slow[:4])
          + (f"; FAILED: {bad}" if bad else "; every one ran and passed its check"))
    print(f"Requests to other hosts: {len(OUTSIDE)} {OUTSIDE[:3]}")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
