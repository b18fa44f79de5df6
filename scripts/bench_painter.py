"""Benchmark the painter in the tests' Chromium: frames per second while playing, also with the
CPU throttled 4x (Chrome DevTools' Emulation.setCPUThrottlingRate), and the cost of one frame.

Run: .venv/bin/python scripts/bench_painter.py [--seconds 4] [--page book/08_membership.html] [--weights]

It serves the built book (_build/html; build it first) on loopback, opens a page at desktop width
(1280 px) and at phone width (390 px), starts the busiest player on the page (the one with the
most messages in flight) at "fast" speed, and counts requestAnimationFrame callbacks and the
frames the painter drew over ``--seconds`` seconds. Printed per case: the frame rate while
playing (requestAnimationFrame callbacks per second: the painter draws in those callbacks, so a
slow frame lowers it; also from the median interval between frames, which a loaded machine's
occasional stalls move less, and the share of frames that took longer than 1/30 s), and the
median and 95th percentile time of drawing one animation frame
(timer arcs and messages placed and drawn, half-way between two scenes), measured in the page. The target (issue 13) is at least 30 frames per second, throttled 4x included.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

SETUP = """async () => {
    const boxes = [...document.querySelectorAll('.raft-painter')].filter(b => b.raftPainter);
    for (const b of boxes) await b.raftPainter.ready;
    // The busiest player: the most messages in flight in any of its scenes.
    const busy = (b) => Math.max(...b.raftPainter.scenes.map(s => s.messages.length));
    const box = boxes.filter(b => b.raftPainter.scenes.length > 2).sort((a, b) => busy(b) - busy(a))[0];
    box.scrollIntoView({block: 'center'});
    window.benchBox = box;
    return {inflight: busy(box), scenes: box.raftPainter.scenes.length};
}"""

PLAY = """async (seconds) => {
    const p = window.benchBox.raftPainter;
    p.show(0);
    p.setSpeed('fast');
    let raf = 0, running = true, last = null;
    const gaps = [];
    const tick = (t) => {
        raf++;
        if (last !== null) gaps.push(t - last);
        last = t;
        if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    p.play();
    const t0 = performance.now();
    await new Promise(r => setTimeout(r, seconds * 1000));
    const elapsed = (performance.now() - t0) / 1000;
    running = false;
    p.pause();
    gaps.sort((a, b) => a - b);
    return {raf: raf / elapsed, frames: raf, typical: 1000 / gaps[Math.floor(gaps.length / 2)],
            slow: gaps.filter(g => g > 1000 / 30 + 1).length / gaps.length};
}"""

COST = """() => {
    // The cost of one animation frame's drawing: what the painter redraws while time runs
    // between two scenes (timer arcs, messages placed and moved), half-way between each pair.
    const p = window.benchBox.raftPainter;
    const costs = [];
    for (let k = 0; k + 1 < p.scenes.length; k++) {
        p.show(k);
        const now = (p.scenes[k].time + p.scenes[k + 1].time) / 2;
        const t0 = performance.now();
        p._drawDynamic(p.scenes[k], now);
        costs.push(performance.now() - t0);
    }
    costs.sort((a, b) => a - b);
    return {median: costs[Math.floor(costs.length / 2)], p95: costs[Math.floor(costs.length * 0.95)]};
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def metrics(cdp):
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def weights(browser, root):
    """Everything each page loads, in bytes (as the browser test measures it), heaviest first."""
    pages = sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
                   if not p.relative_to(SITE).as_posix().startswith(("_static/", "_sources/")))
    out = []
    for name in pages:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        loaded = {}

        def on_response(response, loaded=loaded):
            if response.status < 400:
                try:
                    loaded[response.url] = len(response.body())
                except Exception:
                    pass

        page.on("response", on_response)
        page.goto(root + name)
        page.wait_for_load_state("networkidle")
        out.append((sum(loaded.values()), name))
        page.close()
    return sorted(out, reverse=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--page", default="book/08_membership.html")
    ap.add_argument("--weights", action="store_true",
                    help="also print what every page loads (bytes), heaviest first, and the site's size")
    args = ap.parse_args()
    if not (SITE / args.page).is_file():
        raise SystemExit(f"no {SITE / args.page}: build the book first (bash scripts/build_book.sh)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{args.page}"
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for width in (1280, 390):
                for throttle in (1, 4):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    cdp = page.context.new_cdp_session(page)
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
                    page.goto(url)
                    page.wait_for_function("window.RaftPainter && document.querySelector('.raft-painter').raftPainter")
                    result = page.evaluate(SETUP)
                    cdp.send("Performance.enable")
                    before = metrics(cdp)
                    result.update(page.evaluate(PLAY, args.seconds))
                    after = metrics(cdp)
                    # Main-thread work (script, style, layout, paint) per frame shown: what the
                    # page itself costs, whatever else the machine is doing.
                    result["busy"] = (after["TaskDuration"] - before["TaskDuration"]) * 1000 / \
                        max(1, result["frames"])
                    result.update(page.evaluate(COST))
                    rows.append((width, throttle, result))
                    page.close()
            if args.weights:
                pages = weights(browser, f"http://127.0.0.1:{server.server_address[1]}/")
            browser.close()
    finally:
        server.shutdown()
    print(f"{args.page}, busiest player ({rows[0][2]['scenes']} scenes, up to {rows[0][2]['inflight']} "
          f"messages in flight), playing at 'fast' for {args.seconds:g} s:")
    for width, throttle, r in rows:
        print(f"  {width:4d} px, CPU x{throttle}: {r['raf']:5.1f} frames/s while playing "
              f"({r['typical']:.0f} frames/s from the median frame interval, {100 * r['slow']:.0f}% of "
              f"frames over 1/30 s); drawing one frame {r['median']:.2f} ms median, {r['p95']:.2f} ms p95; "
              f"main thread busy {r['busy']:.1f} ms a frame, so at most {1000 / max(r['busy'], 0.01):.0f} "
              f"frames/s on an idle core")
    worst = min(r["raf"] for _, _, r in rows)
    print(f"lowest frame rate: {worst:.1f} frames/s (target: at least 30)")
    if args.weights:
        print("what a page loads, everything included (target: at most 2 MB):")
        for size, name in pages[:5]:
            print(f"  {size / 1e6:.2f} MB  {name}")
        print(f"  ... lightest {pages[-1][0] / 1e6:.2f} MB ({pages[-1][1]}), {len(pages)} pages")
        site = sum(p.stat().st_size for p in SITE.rglob("*") if p.is_file())
        print(f"whole site: {site / 1e6:.1f} MB (target: at most 20 MB)")


if __name__ == "__main__":
    main()
