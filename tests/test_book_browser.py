"""The built book, opened in a real headless Chromium with no network.

Every page of _build/html is opened twice, over http://127.0.0.1:<free port> (a local static
server) and over file://. Every request to a non-local host is aborted and recorded. Checked:

- no request left the machine, no local request failed (404, missing file), and the console shows
  no error except those in KNOWN_CONSOLE_ERRORS;
- every embedded widget rendered (widget DOM present, non-zero size unless its cell is collapsed)
  and all math was typeset by the local MathJax;
- on pages with a FramePlayer, the slider's arrow keys, the frame-number stepper, the previous /
  next buttons and the Play button each change the visible frame and caption (no kernel involved);
- at 390 px (a phone), the page does not scroll sideways and the text column fits the screen.

Screenshots (full page, desktop and phone) go to _build/screenshots/ for a person to look at.
Pages are discovered from the built site, so new chapters are checked automatically.
Chromium is Debian's (/usr/bin/chromium, installed by scripts/test.sh); Playwright never downloads
a browser.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LOCAL_HOSTS = {"127.0.0.1", "localhost", ""}

# Console errors we accept, as (regex, why). Keep it short; every entry needs a reason.
# Two errors the notes list as "seen in every Jupyter Book build" are fixed at the source instead,
# so this test catches them if they come back:
#   - sphinx-thebe's "Identifier 'THEBE_JS_URL' has already been declared": sphinx_thebe is left out
#     of the extensions in _config.yml (Thebe needs the network anyway);
#   - pydata-sphinx-theme's "Got invalid theme mode": html_context.default_mode is set.
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
PLAYER_PAGES = [p for p in PAGES if "raft-frameplayer" in (SITE / p).read_text(errors="replace")]
WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'


def page_id(page: str) -> str:
    return page.removesuffix(".html")


# --------------------------------------------------------------------------------------- fixtures


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def http_root():
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Chromium missing: apt-get install -y chromium (scripts/test.sh does)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def url_for(page: str, mode: str, http_root: str) -> str:
    return http_root + page if mode == "http" else (SITE / page).as_uri()


class PageLog:
    """Everything that went wrong while a page loaded."""

    def __init__(self):
        self.blocked: list[str] = []  # non-local requests (aborted)
        self.failed: list[str] = []  # local requests that failed or returned >= 400
        self.console: list[str] = []  # console errors and uncaught exceptions

    def unexpected_console(self) -> list[str]:
        return [
            msg
            for msg in self.console
            if not any(re.search(pattern, msg) for pattern, _why in KNOWN_CONSOLE_ERRORS)
        ]


def open_page(browser, url: str, viewport: dict):
    """Open url offline; returns (page, context, log). Non-local requests are aborted."""
    context = browser.new_context(viewport=viewport, service_workers="block")
    log = PageLog()

    def route(route):
        parsed = urlparse(route.request.url)
        if parsed.scheme in ("file", "data", "blob", "about") or parsed.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            log.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and log.console.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: log.console.append(f"pageerror: {e}"))

    def on_failed(request):
        if request.url not in log.blocked:
            log.failed.append(f"{request.url} ({request.failure})")

    page.on("requestfailed", on_failed)
    page.on("response", lambda r: r.status >= 400 and log.failed.append(f"{r.url} (HTTP {r.status})"))
    page.goto(url, wait_until="load")
    try:
        wait_until_rendered(page)
    except Exception as error:  # a timeout: say what went wrong on the page, not just "timeout"
        try:
            state = page.evaluate(
                """(selector) => ({
                    widget_views: document.querySelectorAll(selector).length,
                    unrendered_views: [...document.querySelectorAll(selector)].filter(s => {
                        const a = s.previousElementSibling;
                        return !(a && a.classList.contains('widget-subarea') && a.children.length);
                    }).length,
                    widget_state_embedded: !!document.querySelector(
                        'script[type="application/vnd.jupyter.widget-state+json"]'),
                    raw_math: [...document.querySelectorAll('span.math, div.math')]
                        .filter(m => !m.querySelector('mjx-container')).length,
                })""",
                WIDGET_VIEW,
            )
        except Exception as inner:  # the page itself is broken
            state = f"(could not inspect the page: {inner})"
        context.close()
        hint = ""
        if isinstance(state, dict) and state["unrendered_views"] and not state["widget_state_embedded"]:
            hint = " The page has widget views but no widget state: did the chapter fail to execute?"
        raise AssertionError(
            f"{url}: widgets or math did not render ({error.__class__.__name__}): {state};"
            f" blocked: {log.blocked}; failed: {log.failed}; console: {log.console}.{hint}"
        ) from error
    return page, context, log


def wait_until_rendered(page, timeout: float = 20_000):
    """Wait for every embedded widget view and every math element to be rendered."""
    page.wait_for_function(
        """(selector) => {
            const views = [...document.querySelectorAll(selector)];
            const widgetsDone = views.every(s => {
                const area = s.previousElementSibling;
                return area && area.classList.contains('widget-subarea') && area.children.length > 0;
            });
            const maths = [...document.querySelectorAll('span.math, div.math')];
            const mathDone = maths.every(m => m.querySelector('mjx-container'));
            return widgetsDone && mathDone && document.readyState === 'complete';
        }""",
        arg=WIDGET_VIEW,
        timeout=timeout,
    )
    page.wait_for_timeout(300)  # let fonts and late requests settle before judging


def screenshot(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def widget_report(page) -> dict:
    """For every embedded widget: rendered? size? hidden by a collapsed container?"""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].map(s => {
            const area = s.previousElementSibling;
            const widget = area && area.classList.contains('widget-subarea') ? area.firstElementChild : null;
            const box = widget ? widget.getBoundingClientRect() : null;
            const container = s.closest('.cell_output') || s.parentElement;
            return {
                rendered: !!widget && widget.classList.contains('jupyter-widgets'),
                width: box ? box.width : 0,
                height: box ? box.height : 0,
                collapsed: container.getClientRects().length === 0,
                model: JSON.parse(s.textContent).model_id,
            };
        })""",
        WIDGET_VIEW,
    )


# ------------------------------------------------------------------------------------------ tests


def test_site_has_pages_and_an_animation():
    """Guard: the discovery below found the chapters, and at least one page has a FramePlayer."""
    assert any(p.startswith("book/01_introduction") for p in PAGES), PAGES
    assert PLAYER_PAGES, "no page with a FramePlayer: the stepping test would check nothing"


@pytest.mark.parametrize("mode", ["http", "file"])
@pytest.mark.parametrize("page_path", PAGES, ids=page_id)
def test_page_works_offline(browser, http_root, page_path, mode):
    page, context, log = open_page(browser, url_for(page_path, mode, http_root), DESKTOP)
    try:
        assert not log.blocked, f"requests to non-local hosts: {log.blocked}"
        assert not log.failed, f"failed local requests: {log.failed}"
        assert not log.unexpected_console(), f"console errors: {log.unexpected_console()}"

        for widget in widget_report(page):
            assert widget["rendered"], f"widget {widget['model']} did not render"
            if not widget["collapsed"]:
                assert widget["width"] > 0 and widget["height"] > 0, f"widget has no size: {widget}"

        raw_tex = page.evaluate(
            "() => [...document.querySelectorAll('span.math, div.math')]"
            ".filter(m => !m.querySelector('mjx-container')).map(m => m.textContent)"
        )
        assert not raw_tex, f"math left as raw TeX: {raw_tex[:3]}"

        if mode == "http":
            screenshot(page, f"desktop/{page_id(page_path).replace('/', '__')}.png")
    finally:
        context.close()


@pytest.mark.parametrize("page_path", PAGES, ids=page_id)
def test_page_fits_a_phone(browser, http_root, page_path):
    page, context, log = open_page(browser, url_for(page_path, "http", http_root), PHONE)
    try:
        sizes = page.evaluate(
            """() => {
                const main = document.querySelector('#main-content, main, .bd-article');
                const box = main ? main.getBoundingClientRect() : null;
                const players = [...document.querySelectorAll('.raft-frameplayer')]
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
        assert not log.unexpected_console(), log.unexpected_console()
    finally:
        context.close()


def visible_frame(player) -> tuple[str, str]:
    """(frame markup, caption text) the player currently shows."""
    frame = player.locator(".raft-frame:visible")
    caption = player.locator(".raft-caption:visible")
    assert frame.count() == 1 and caption.count() == 1, "player should show exactly one frame"
    return frame.inner_html(), caption.inner_text()


def reveal(element):
    """Open whatever collapses the element: <details> (hidden cells) and toggle admonitions
    (e.g. an exercise's dropdown solution), as a reader would by clicking them."""
    element.evaluate(
        """(el) => {
            const chain = [];
            for (let e = el.parentElement; e; e = e.parentElement) chain.unshift(e);
            for (const e of chain) {  // outermost first
                if (e.tagName === 'DETAILS') e.open = true;
                if (e.classList.contains('toggle-hidden')) {
                    const button = e.querySelector('.toggle-button');
                    if (button) button.click();
                }
            }
        }"""
    )
    element.wait_for(state="visible", timeout=5000)


def wait_for_frame(page, player, number: str, condition, what: str, timeout: float = 10.0):
    """Poll until the frame-number box shows `number` (or any, if None) and condition(frame) holds."""
    box = player.locator(".widget-text input")
    deadline = time.monotonic() + timeout
    while True:
        frame = visible_frame(player)
        if (number is None or box.input_value() == number) and condition(frame):
            return frame
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: frame number {box.input_value()!r}, caption {frame[1]!r}")
        page.wait_for_timeout(100)


@pytest.mark.parametrize("mode", ["http", "file"])
@pytest.mark.parametrize("page_path", PLAYER_PAGES, ids=page_id)
def test_frame_player_steps_without_kernel(browser, http_root, page_path, mode):
    page, context, log = open_page(browser, url_for(page_path, mode, http_root), DESKTOP)
    try:
        players = page.locator(".raft-frameplayer")
        assert players.count() >= 1
        for index in range(players.count()):
            player = players.nth(index)
            reveal(player)
            player.scroll_into_view_if_needed()
            number = player.locator(".widget-text input")
            assert number.input_value() == "1", "a player should start on frame 1"
            count = int(number.get_attribute("max"))
            if count < 2:
                continue  # a single picture: nothing to step
            first = visible_frame(player)

            # 1. The slider: focus its handle and press the right arrow key.
            player.locator(".noUi-handle").focus()
            page.keyboard.press("ArrowRight")
            second = wait_for_frame(
                page, player, "2", lambda f: f[0] != first[0] and f[1] != first[1],
                "moving the slider did not show a new frame and caption",
            )

            # 2. The frame-number stepper: arrow down goes back a frame, arrow up forward.
            number.focus()
            page.keyboard.press("ArrowDown")
            wait_for_frame(page, player, "1", lambda f: f == first, "stepping back did not show frame 1")
            page.keyboard.press("ArrowUp")
            wait_for_frame(page, player, "2", lambda f: f == second, "stepping forward did not show frame 2")

            # 3. The previous / next buttons the book adds (_assets/raft-book.js).
            player.locator(".raft-step-prev").click()
            wait_for_frame(page, player, "1", lambda f: f == first, "previous did not show frame 1")
            player.locator(".raft-step-next").click()
            wait_for_frame(page, player, "2", lambda f: f == second, "next did not show frame 2")
            if count < 3:
                continue

            # 4. Play: the frames advance on their own (the first button toggles play/pause).
            play = player.locator(".widget-play button").first
            play.click()
            wait_for_frame(
                page, player, None, lambda f: f not in (first, second),
                "pressing Play did not advance the animation", timeout=20.0,
            )
            play.click()
        assert not log.unexpected_console(), log.unexpected_console()
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
