"""The built book, opened in a real headless Chromium with no network.

Every page of _build/html is opened over http://127.0.0.1:<free port> (a local static server) and
over file:// (a representative subset by default, every page with RAFT_SLOW=1). Every request to a non-local host is aborted and recorded. Checked on every page:

- no request left the machine, no local request failed (404, missing file), the console shows no
  error, every player (<div class="raft-painter">) was drawn by the painter, all math was typeset;
- at 390 px (a phone), the page does not scroll sideways and the text column fits the screen;
- everything the page loads weighs at most 2 MB.

And on every player (the painter, raft/viz/painter.js, drawing the scenes of raft.viz.scene):

- message labels never overlap, in any frame and half-way between frames, on a desktop and a phone;
- at 390 px all text is at least 12 px, and the picture and its controls fit on one screen;
- controls have accessible names, the caption is an aria-live region, the picture is described in
  words (the scene's description), servers carry data-server and data-role, controls data-action;
- in the theme's light and dark modes, links and timer rings contrast at least 3:1 with the
  picture's background (WCAG's figure for graphics);
- Step, Back, the slider, the speed control, Play and Pause work, and Play on the last frame starts
  again from the first;
- a broken safety property shows a banner and an outline in a colour that is no role's colour.

Finally the notebook's painter (the anywidget module) paints the same scene as the page's.
Screenshots (desktop and phone, light and dark) go to _build/screenshots/ for a person to look at
(the first screen of each page; whole pages with RAFT_SCREENSHOTS=1).
Chromium is Debian's (/usr/bin/chromium, installed by scripts/test.sh); Playwright never downloads
a browser.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from pathlib import Path

import nbformat
import pytest
from budget import SCREENSHOTS
from site_browser import (CHROMIUM, CHROMIUM_ARGS, SITE, _QuietHandler, browser,  # noqa: F401
                          http_root, only_loopback, representative)

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "_build" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PAGE_BUDGET = 2_000_000          # bytes a page may load, everything included
ROLE_COLOURS = {"#56b4e9", "#f0e442", "#d55e00"}   # follower, candidate, leader (painter.js)

# Console errors we accept, as (regex, why). Keep it short; every entry needs a reason.
KNOWN_CONSOLE_ERRORS: list[tuple[str, str]] = []

pytestmark = pytest.mark.skipif(
    not (SITE / "index.html").is_file(),
    reason=f"no built book at {SITE}: run `bash scripts/build_book.sh` first (scripts/test.sh does)",
)


def discover_pages() -> list[str]:
    if not SITE.is_dir():
        return []
    skip = ("_static/", "_sources/", "_images/")
    return sorted(
        p.relative_to(SITE).as_posix()
        for p in SITE.rglob("*.html")
        if not p.relative_to(SITE).as_posix().startswith(skip)
    )


PAGES = discover_pages()
PLAYER_PAGES = [p for p in PAGES if 'class="raft-painter"' in (SITE / p).read_text(errors="replace")]


def page_id(page: str) -> str:
    return page.removesuffix(".html")


# --------------------------------------------------------------------------------------- fixtures


def url_for(page: str, mode: str, http_root: str) -> str:
    return http_root + page if mode == "http" else (SITE / page).as_uri()


class PageLog:
    """Everything that went wrong while a page loaded, and what it loaded."""

    def __init__(self):
        self.blocked: list[str] = []  # non-local requests (aborted)
        self.failed: list[str] = []  # local requests that failed or returned >= 400
        self.console: list[str] = []  # console errors and uncaught exceptions
        self.loaded: dict[str, int] = {}  # url -> bytes of every response

    def unexpected_console(self) -> list[str]:
        return [
            msg
            for msg in self.console
            if not any(re.search(pattern, msg) for pattern, _why in KNOWN_CONSOLE_ERRORS)
        ]


def open_page(browser, url: str, viewport: dict, *, dark: bool = False, weigh: bool = False):
    """Open url offline; returns (page, context, log). Non-local requests are aborted."""
    context = browser.new_context(viewport=viewport, service_workers="block")
    log = PageLog()
    if dark:  # the theme reads its mode from localStorage before the page is drawn
        context.add_init_script("localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');")

    only_loopback(context, log.blocked.append)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and log.console.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: log.console.append(f"pageerror: {e}"))

    def on_failed(request):
        if request.url not in log.blocked:
            log.failed.append(f"{request.url} ({request.failure})")

    def on_response(response):
        if response.status >= 400:
            log.failed.append(f"{response.url} (HTTP {response.status})")
        elif weigh:
            try:
                log.loaded[response.url] = len(response.body())
            except Exception:  # a redirect or an aborted body
                pass

    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    page.goto(url, wait_until="load")
    try:
        wait_until_rendered(page)
    except Exception as error:  # a timeout: say what went wrong on the page, not just "timeout"
        state = page.evaluate(
            """() => ({
                players: document.querySelectorAll('.raft-painter').length,
                unmounted: [...document.querySelectorAll('.raft-painter')].filter(b => !b.raftPainter).length,
                painter_loaded: !!window.RaftPainter,
                raw_math: [...document.querySelectorAll('span.math, div.math')]
                    .filter(m => !m.querySelector('mjx-container')).length,
            })"""
        )
        context.close()
        raise AssertionError(
            f"{url}: players or math did not render ({error.__class__.__name__}): {state};"
            f" blocked: {log.blocked}; failed: {log.failed}; console: {log.console}"
        ) from error
    return page, context, log


def wait_until_rendered(page, timeout: float = 20_000):
    """Wait for every player to hold its scenes and every math element to be typeset."""
    page.wait_for_function(
        """() => {
            const players = [...document.querySelectorAll('.raft-painter')];
            const drawn = players.every(b => b.raftPainter && b.raftPainter.scenes.length > 0);
            const maths = [...document.querySelectorAll('span.math, div.math')];
            const mathDone = maths.every(m => m.querySelector('mjx-container'));
            return drawn && mathDone && document.readyState === 'complete';
        }""",
        timeout=timeout,
    )
    page.wait_for_timeout(300)  # let fonts and late requests settle before judging


def screenshot(page, name: str):
    """The first screen of the page; the whole page with RAFT_SCREENSHOTS=1 (or RAFT_SLOW=1):
    a full-page picture of a long chapter costs seconds and asserts nothing (tests/budget.py)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=SCREENSHOTS)


REVEAL = """async () => {
    // Open whatever folds a player away (hidden cells, dropdown solutions), as a reader would.
    for (const box of document.querySelectorAll('.raft-painter')) {
        const chain = [];
        for (let e = box.parentElement; e; e = e.parentElement) chain.unshift(e);
        for (const e of chain) {
            if (e.tagName === 'DETAILS') e.open = true;
            if (e.classList.contains('toggle-hidden')) {
                const button = e.querySelector('.toggle-button');
                if (button) button.click();
            }
        }
    }
    await new Promise(r => setTimeout(r, 300));
    for (const box of document.querySelectorAll('.raft-painter')) await box.raftPainter.ready;
    return document.querySelectorAll('.raft-painter').length;
}"""

# Overlapping message labels in every frame of every player, and half-way between frames.
OVERLAPS = """() => {
    const found = []; let frames = 0;
    const boxes = [...document.querySelectorAll('.raft-painter')];
    boxes.forEach((box, pi) => {
        const p = box.raftPainter;
        p.show(0);
        for (let k = 0; k < p.scenes.length; k++) {
            const s0 = p.scenes[k], s1 = p.scenes[Math.min(k + 1, p.scenes.length - 1)];
            for (const f of [0, 0.5]) {
                // What a frame of the animation draws: the timers and messages at that time.
                p._drawDynamic(s0, s0.time + (s1.time - s0.time) * f); frames++;
                // The label boxes as drawn: each message's group is moved by a translation.
                const rects = [...box.querySelectorAll('svg.rp-cluster .rp-msg')].map(g => {
                    const t = g.transform.baseVal.consolidate();
                    const r = g.querySelector('.rp-msg-box');
                    const x = (t ? t.matrix.e : 0) + r.x.baseVal.value;
                    const y = (t ? t.matrix.f : 0) + r.y.baseVal.value;
                    return {left: x, top: y, right: x + r.width.baseVal.value, bottom: y + r.height.baseVal.value};
                });
                for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
                    const a = rects[i], b = rects[j];
                    const ox = Math.min(a.right, b.right) - Math.max(a.left, b.left);
                    const oy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                    if (ox > 0.5 && oy > 0.5) found.push({player: pi, scene: k, at: f, ox, oy});
                }
            }
        }
        p.show(0);
    });
    return {frames, found: found.slice(0, 10), count: found.length};
}"""


# ------------------------------------------------------------------------------------------ pages


def test_site_has_pages_and_players():
    """Guard: the discovery below found the chapters and the players."""
    assert any(p.startswith("book/01_introduction") for p in PAGES), PAGES
    assert len(PLAYER_PAGES) >= 10, PLAYER_PAGES


# Every page over http; over file:// the pages that hold every kind of player, widget and
# folder depth (all of them with RAFT_SLOW=1): what differs over file:// is how relative paths
# resolve and what the page scripts do without a server, not the page's own content, which the
# http run and test_page_on_a_phone check on every page.
OFFLINE_CASES = [(p, "http") for p in PAGES] + [(p, "file") for p in representative(PAGES)]


@pytest.mark.parametrize("page_path, mode", OFFLINE_CASES,
                         ids=[f"{page_id(p)}-{m}" for p, m in OFFLINE_CASES])
def test_page_works_offline(browser, http_root, page_path, mode):
    page, context, log = open_page(browser, url_for(page_path, mode, http_root), DESKTOP)
    try:
        assert not log.blocked, f"requests to non-local hosts: {log.blocked}"
        assert not log.failed, f"failed local requests: {log.failed}"
        assert not log.unexpected_console(), f"console errors: {log.unexpected_console()}"
        drawn = page.evaluate(
            """() => [...document.querySelectorAll('.raft-painter')].map(b => ({
                servers: b.querySelectorAll('[data-server]').length,
                expected: b.raftPainter.scenes[b.raftPainter.index].servers.length,
                collapsed: b.getClientRects().length === 0,
            }))"""
        )
        for player in drawn:
            assert player["collapsed"] or player["servers"] == player["expected"] >= 1, \
                f"a player did not draw its servers: {drawn}"
        raw_tex = page.evaluate(
            "() => [...document.querySelectorAll('span.math, div.math')]"
            ".filter(m => !m.querySelector('mjx-container')).map(m => m.textContent)"
        )
        assert not raw_tex, f"math left as raw TeX: {raw_tex[:3]}"
        if mode == "http":
            screenshot(page, f"desktop/{page_id(page_path).replace('/', '__')}.png")
    finally:
        context.close()


PHONE_PLAYERS = """() => [...document.querySelectorAll('.raft-painter')].map(box => {
    const small = [];
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
        const el = t.parentElement;
        if (!t.textContent.trim() || el.closest('script, style, title, .rp-sr')) continue;
        if (el.closest('details:not([open])') && !el.closest('summary')) continue;
        let px = parseFloat(getComputedStyle(el).fontSize);
        const svg = el.closest('svg');
        if (svg && svg.getScreenCTM()) px *= svg.getScreenCTM().a;
        if (px < 11.95) small.push([t.textContent.trim().slice(0, 20), px]);
    }
    const picture = box.querySelector('svg.rp-cluster').getBoundingClientRect();
    const controls = box.querySelector('.rp-controls');
    const bottom = controls.hidden ? picture.bottom : controls.getBoundingClientRect().bottom;
    return {small: small.slice(0, 5), span: bottom - picture.top};
})"""


@pytest.mark.parametrize("page_path", PAGES, ids=page_id)
def test_page_on_a_phone(browser, http_root, page_path):
    """At 390 px: no sideways scrolling; the page loads at most 2 MB; in every player, message
    labels never overlap, text is at least 12 px, and the picture and its controls fit one screen."""
    page, context, log = open_page(browser, url_for(page_path, "http", http_root), PHONE, weigh=True)
    try:
        page.wait_for_load_state("networkidle")
        sizes = page.evaluate(
            """() => {
                const main = document.querySelector('#main-content, main, .bd-article');
                const box = main ? main.getBoundingClientRect() : null;
                const players = [...document.querySelectorAll('.raft-painter')]
                    .map(p => p.getBoundingClientRect()).map(b => [b.left, b.right]);
                return {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: innerWidth,
                        main: box && [box.left, box.right], players};
            }"""
        )
        screenshot(page, f"phone/{page_id(page_path).replace('/', '__')}.png")
        assert sizes["scrollWidth"] <= sizes["innerWidth"] + 1, f"page scrolls sideways: {sizes}"
        assert sizes["main"], "no main text column found"
        left, right = sizes["main"]
        assert left >= -1 and right <= sizes["innerWidth"] + 1, f"text column leaves the screen: {sizes}"
        for left, right in sizes["players"]:
            assert left >= -1 and right <= sizes["innerWidth"] + 1, f"player wider than screen: {sizes}"
        weight = sum(log.loaded.values())
        heaviest = sorted(log.loaded.items(), key=lambda kv: -kv[1])[:3]
        assert weight <= PAGE_BUDGET, f"{page_path} loads {weight / 1e6:.2f} MB: {heaviest}"
        if sizes["players"]:
            page.evaluate(REVEAL)
            overlaps = page.evaluate(OVERLAPS)
            assert overlaps["count"] == 0, f"overlapping message labels: {overlaps}"
            for k, player in enumerate(page.evaluate(PHONE_PLAYERS)):
                assert not player["small"], f"player {k}: text under 12 px: {player['small']}"
                assert player["span"] <= PHONE["height"], \
                    f"player {k}: picture + controls take {player['span']} px"
        assert not log.unexpected_console(), log.unexpected_console()
    finally:
        context.close()


# ---------------------------------------------------------------------------------------- players


FULL_ROUND = set(representative(PLAYER_PAGES))


@pytest.mark.parametrize("page_path", PLAYER_PAGES, ids=page_id)
def test_players_at_desktop_width(browser, http_root, page_path):
    """Labels never overlap; names for screen readers; the controls work."""
    page, context, log = open_page(browser, url_for(page_path, "http", http_root), DESKTOP)
    try:
        assert page.evaluate(REVEAL) >= 1
        overlaps = page.evaluate(OVERLAPS)
        assert overlaps["count"] == 0, f"overlapping message labels: {overlaps}"

        a11y = page.evaluate(
            """() => [...document.querySelectorAll('.raft-painter')].map(box => {
                const p = box.raftPainter, scene = p.scenes[p.index];
                const unnamed = [...box.querySelectorAll('button, select, input')].filter(c =>
                    !(c.getAttribute('aria-label') || c.textContent.trim() || c.labels && c.labels.length))
                    .map(c => c.outerHTML.slice(0, 80));
                const caption = box.querySelector('.rp-caption');
                const svg = box.querySelector('svg.rp-cluster');
                const servers = [...box.querySelectorAll('[data-server]')];
                return {
                    unnamed,
                    live: caption.getAttribute('aria-live'),
                    caption: caption.querySelector('.rp-sentence').textContent,
                    expected_caption: scene.caption,
                    label: svg.getAttribute('aria-label'), role: svg.getAttribute('role'),
                    description: scene.description,
                    roles: servers.map(s => s.getAttribute('data-role')),
                    expected_roles: scene.servers.map(s => s.crashed ? 'crashed' : s.role),
                    actions: [...box.querySelectorAll('[data-action]')].map(c => c.getAttribute('data-action')),
                    controls_shown: !box.querySelector('.rp-controls').hidden,
                    scenes: p.scenes.length,
                };
            })"""
        )
        for k, player in enumerate(a11y):
            assert not player["unnamed"], f"player {k}: controls without a name {player['unnamed']}"
            assert player["live"] == "polite" and player["caption"] == player["expected_caption"]
            assert player["role"] == "img" and player["label"] == player["description"]
            assert player["roles"] == player["expected_roles"]
            if player["controls_shown"]:
                assert set(player["actions"]) >= {"back", "play", "step", "seek", "speed"}
            else:
                assert player["scenes"] == 1, "only a still picture goes without controls"

        # Links, timer rings and small text contrast 3:1 with the picture, light and dark.
        page.evaluate("() => document.querySelectorAll('.raft-painter').forEach(b => b.raftPainter.show(1))")
        for mode in ("light", "dark"):
            page.evaluate(f"document.documentElement.dataset.theme = '{mode}'")
            for k, player in enumerate(page.evaluate(CONTRAST)):
                assert player["worst"].get("link", 0) >= 3, (mode, k, player)
                for name, value in player["worst"].items():
                    assert value >= 3, f"{mode} mode, player {k}: {name} contrast {value:.2f} on {player['bg']}"
        page.evaluate("document.documentElement.dataset.theme = 'light'")
        page.evaluate("() => document.querySelectorAll('.raft-painter').forEach(b => b.raftPainter.show(0))")

        # Playing stops at the moment of an unanswered question (raft/viz/questions.js); these
        # checks are of the painter's own controls, so they play through.
        page.evaluate("() => { if (window.RaftQuestions) window.RaftQuestions.stopAtQuestions = false; }")
        players = page.locator(".raft-painter")
        # The whole round of controls (Play, Pause, Play from the end) on the first player that
        # can play, on the pages that hold every kind of player and widget (every page with
        # RAFT_SLOW=1); speed, Step, Back and the slider on every player of every page.
        full = page_path in FULL_ROUND
        for k in range(players.count()):
            box = players.nth(k)
            if box.evaluate("b => b.raftPainter.scenes.length") < 4:
                continue
            box.scroll_into_view_if_needed()
            n = box.evaluate("b => b.raftPainter.scenes.length")
            check_controls(page, box, k, full and n >= 6)
            full = full and n < 6
        assert not log.unexpected_console(), log.unexpected_console()
    finally:
        context.close()


def state(box):
    return box.evaluate(
        """b => ({index: b.raftPainter.index, playing: b.raftPainter.playing,
                 counter: b.querySelector('.rp-counter').textContent,
                 caption: b.querySelector('.rp-sentence').textContent,
                 expected: b.raftPainter.scenes[b.raftPainter.index].caption,
                 speed: b.raftPainter.speed.name, n: b.raftPainter.scenes.length})"""
    )


def check_controls(page, box, k, full):
    where = f"player {k}"
    handle = box.element_handle()
    start = state(box)
    assert start["index"] == 0 and start["counter"] == f"1 / {start['n']}", (where, start)
    box.locator('[data-action="speed"]').select_option("fast")
    assert state(box)["speed"] == "fast", where
    box.locator('[data-action="step"]').click()
    page.wait_for_function("b => b.raftPainter.index === 1", arg=handle, timeout=10_000)
    after = state(box)
    assert after["counter"] == f"2 / {after['n']}" and after["caption"] == after["expected"], (where, after)
    box.locator('[data-action="back"]').click()
    assert state(box)["index"] == 0, where
    slider = box.locator('[data-action="seek"]')
    slider.focus()
    page.keyboard.press("ArrowRight")
    assert state(box)["index"] == 1, (where, "the slider's arrow key")
    if not full:
        return
    box.locator('[data-action="back"]').click()
    box.locator('[data-action="play"]').click()
    assert box.locator('[data-action="pause"]').count() == 1, (where, "Play did not turn into Pause")
    page.wait_for_function("b => b.raftPainter.index >= 1", arg=handle, timeout=10_000)
    box.locator('[data-action="pause"]').click()
    paused = state(box)
    page.wait_for_timeout(700)
    assert state(box)["index"] == paused["index"] and not state(box)["playing"], (where, "Pause")
    # Play on the last frame starts again from the first.
    slider.focus()
    page.keyboard.press("End")
    assert state(box)["index"] == start["n"] - 1, (where, "the slider's End key")
    box.locator('[data-action="play"]').click()
    page.wait_for_function("([b, n]) => b.raftPainter.index < n - 1 || !b.raftPainter.playing",
                           arg=[handle, start["n"]], timeout=10_000)
    assert state(box)["index"] < start["n"] - 1, (where, "Play on the last frame did not restart")
    box.evaluate("b => b.raftPainter.pause()")


CONTRAST = """() => {
    function rgb(c) {
        const m = c.match(/rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)/);
        return m ? [+m[1], +m[2], +m[3]] : null;
    }
    function lum([r, g, b]) {
        const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    }
    function ratio(a, b) { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }
    return [...document.querySelectorAll('.raft-painter')].map(box => {
        const bg = rgb(getComputedStyle(box).backgroundColor);
        const worst = {};
        for (const [name, sel] of [['link', '.rp-link'], ['timer', '.rp-ring'], ['text', '.rp-index']]) {
            const el = box.querySelector(sel);
            if (!el) continue;
            const c = rgb(getComputedStyle(el)[name === 'text' ? 'fill' : 'stroke']);
            worst[name] = ratio(c, bg);
        }
        return {bg, worst};
    });
}"""


def broken_players():
    """(page, player number, first scene index with a broken property) from the built pages."""
    from raft.viz.embed import scenes_in

    out = []
    for page in PLAYER_PAGES:
        html = (SITE / page).read_text(encoding="utf-8")
        for k, match in enumerate(re.finditer(
                r'<script type="application/json" class="raft-scenes">(.*?)</script>', html, re.S)):
            scenes = scenes_in(json.loads(match.group(1)))
            bad = [i for i, s in enumerate(scenes) if not all(p["ok"] for p in s["safety"])]
            if bad:
                out.append((page, k, bad[0]))
    return out


def test_a_broken_property_is_impossible_to_miss(browser, http_root):
    cases = broken_players()
    assert cases, "no player in the book shows a broken property (chapter 8's Figure 10 should)"
    for page_path, k, index in cases[:3]:
        page, context, log = open_page(browser, url_for(page_path, "http", http_root), DESKTOP)
        try:
            page.evaluate(REVEAL)
            box = page.locator(".raft-painter").nth(k)
            box.evaluate(f"b => b.raftPainter.show({index})")
            box.scroll_into_view_if_needed()
            look = box.evaluate(
                """b => {
                    const banner = b.querySelector('.rp-banner');
                    const style = getComputedStyle(b), bs = getComputedStyle(banner);
                    const bad = b.querySelector('.rp-safety .rp-bad');
                    return {hidden: banner.hidden, role: banner.getAttribute('role'),
                            text: banner.textContent, height: banner.getBoundingClientRect().height,
                            outline: style.outlineStyle + ' ' + style.outlineWidth,
                            colours: [style.outlineColor, bs.borderLeftColor,
                                      getComputedStyle(bad).borderColor]};
                }"""
            )
            assert not look["hidden"] and look["role"] == "alert" and look["height"] >= 20, look
            assert look["text"].startswith("✗ Safety broken:"), look
            assert look["outline"].startswith("solid"), look
            for colour in look["colours"]:
                r, g, b = (int(x) for x in re.findall(r"\d+", colour)[:3])
                assert f"#{r:02x}{g:02x}{b:02x}" not in ROLE_COLOURS, (colour, look)
            SHOTS.mkdir(parents=True, exist_ok=True)
            box.screenshot(path=str(SHOTS / f"violation-{page_id(page_path).replace('/', '__')}.png"))
        finally:
            context.close()


# ------------------------------------------------------------------- the notebook's painter, live

NOTEBOOK_PAGE = """<!doctype html><meta charset="utf-8"><body style="width:760px">
<div id="host"></div>
<script type="module">
  import widget from "./widget.mjs";
  const handlers = [];
  window.sent = [];
  const model = {
    get: (key) => (key === "options" ? %(options)s : undefined),
    on: (event, fn) => { if (event === "msg:custom") handlers.push(fn); },
    off: () => {},
    send: (msg) => window.sent.push(msg),
  };
  window.deliver = (msg) => handlers.forEach((fn) => fn(msg));
  window.cleanup = widget.render({model, el: document.getElementById("host")});
</script>"""

BOOK_PAGE = """<!doctype html><meta charset="utf-8"><body style="width:760px">
%(player)s<script src="raft-painter.js"></script>"""


@pytest.fixture
def notebook_and_page(tmp_path):
    """A page with the notebook's painter (the anywidget module) and one with the book's."""
    from raft import Cluster
    from raft.viz import explore, play

    c = Cluster(seed=3)
    c.run(400)
    c.submit("x=1")
    c.run(40)
    ex = explore(c)
    ex.painter.receive({"type": "ready"})
    message = ex.painter.sent[-1]
    (tmp_path / "widget.mjs").write_text(ex.painter._esm, encoding="utf-8")
    (tmp_path / "raft-painter.js").write_bytes((SITE / "_static" / "raft-painter.js").read_bytes())
    (tmp_path / "notebook.html").write_text(
        NOTEBOOK_PAGE % {"options": json.dumps(ex.painter.options)}, encoding="utf-8")
    player = play(c, start=0, max_frames=10_000)
    (tmp_path / "book.html").write_text(BOOK_PAGE % {"player": player.html(inline_js=False)},
                                        encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", message, player
    server.shutdown()
    server.server_close()


PICTURE = """b => {
    const p = b.raftPainter || b.querySelector('.raft-painter').raftPainter;
    const root = p.box;
    return {step: p.scenes[p.index].step,
            cluster: root.querySelector('svg.rp-cluster').innerHTML,
            logs: root.querySelector('svg.rp-logs').innerHTML,
            caption: root.querySelector('.rp-caption').textContent};
}"""


def test_the_notebook_paints_the_same_scene_as_the_page(browser, notebook_and_page):
    root, message, player = notebook_and_page
    context = browser.new_context(viewport={"width": 900, "height": 900})
    try:
        notebook = context.new_page()
        errors = []
        notebook.on("pageerror", lambda e: errors.append(str(e)))
        notebook.goto(root + "notebook.html")
        notebook.wait_for_function("window.sent && window.sent.length > 0")
        assert notebook.evaluate("window.sent[0]") == {"type": "ready"}
        notebook.evaluate("m => window.deliver(m)", message)
        notebook.wait_for_function("document.querySelector('#host .raft-painter').raftPainter.scenes.length > 0")
        book = context.new_page()
        book.goto(root + "book.html")
        book.wait_for_function("document.querySelector('.raft-painter').raftPainter && "
                               "document.querySelector('.raft-painter').raftPainter.scenes.length > 0")
        # The same step on both: the last one of the run.
        last = player.steps[-1]
        index = player.steps.index(last)
        book.evaluate(f"() => document.querySelector('.raft-painter').raftPainter.show({index})")
        # The notebook's timeline has every step: its scene k is step k.
        notebook.evaluate(f"() => document.querySelector('#host .raft-painter').raftPainter.show({last})")
        on_page = book.evaluate(PICTURE, book.query_selector(".raft-painter"))
        in_notebook = notebook.evaluate(PICTURE, notebook.query_selector("#host .raft-painter"))
        assert in_notebook["step"] == on_page["step"] == last
        assert in_notebook == on_page
        assert not errors, errors
    finally:
        context.close()


def test_the_live_painter_asks_for_steps_and_takes_pushed_scenes(browser, notebook_and_page):
    """The shape issue 14 builds on: Step at the last scene asks the host for more, a pushed scene
    is animated to, a click on a server is reported with its id and role."""
    root, message, _ = notebook_and_page
    context = browser.new_context(viewport={"width": 900, "height": 900})
    try:
        page = context.new_page()
        page.goto(root + "notebook.html")
        page.wait_for_function("window.sent && window.sent.length > 0")
        page.evaluate("m => window.deliver(m)", message)
        host = page.locator("#host .raft-painter")
        page.wait_for_function("document.querySelector('#host .raft-painter').raftPainter.scenes.length > 0")
        n = host.evaluate("b => b.raftPainter.scenes.length")
        assert host.evaluate("b => b.raftPainter.index") == n - 1     # opens on the present
        host.locator('[data-action="step"]').click()
        page.wait_for_function("window.sent.some(m => m.type === 'more')")
        assert [m for m in page.evaluate("window.sent") if m["type"] == "more"][0]["mode"] == "step"
        scene = host.evaluate("b => Object.assign({}, b.raftPainter.scenes[b.raftPainter.scenes.length - 1], {step: 99999})")
        page.evaluate("s => window.deliver({type: 'push', scene: s})", scene)
        page.wait_for_function(f"document.querySelector('#host .raft-painter').raftPainter.index === {n}",
                               timeout=10_000)
        server = host.locator('[data-server="2"]')
        role = server.get_attribute("data-role")
        server.click()
        clicks = [m for m in page.evaluate("window.sent") if m["type"] == "server"]
        assert clicks and clicks[-1]["server"] == 2 and clicks[-1]["role"] == role
    finally:
        context.close()


def test_chapters_offer_their_notebook_for_download():
    """Each chapter page links its executed .ipynb, and the file is in the site."""
    chapters = [p for p in PAGES if re.match(r"book/\d\d_", p)]
    assert chapters
    for page_path in chapters:
        html = (SITE / page_path).read_text()
        links = re.findall(r'href="([^"]+\.ipynb)"', html)
        assert links, f"{page_path} has no .ipynb download link"
        for link in links:
            target = ((SITE / page_path).parent / link).resolve()
            assert target.is_file(), f"{page_path} links {link}, which is not in the site"
            notebook = nbformat.read(target, as_version=4)
            nbformat.validate(notebook)
            assert notebook.metadata.get("kernelspec", {}).get("name") == "python3"
            assert "widgets" not in notebook.metadata, "the download should not carry widget state"
