"""What every browser test shares: the built site served on loopback, and one headless Debian
Chromium (never `playwright install`). Import the fixtures into a test module to use them; each
is module-scoped, so a module gets one server and one browser. ``representative`` picks the
pages a sweep visits by default (all of them with RAFT_SLOW=1, tests/budget.py)."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
from budget import SLOW

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def http_root():
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
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


#: The hosts a test's page may fetch from: the site served on loopback. Nothing else is online.
LOCAL_HOSTS = {"127.0.0.1", "localhost", ""}


def only_loopback(context, blocked):
    """Let a browser context fetch only the served site (and file:, data:, blob: URLs); abort
    every other request and hand its URL to ``blocked`` (e.g. ``log.blocked.append``), so that a
    page that needs a CDN fails its test."""
    from urllib.parse import urlparse

    def route(route):
        parsed = urlparse(route.request.url)
        if parsed.scheme in ("file", "data", "blob", "about") or parsed.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked(route.request.url)
            route.abort()

    context.route("**/*", route)


#: What a built page can hold, each found by a piece of its HTML: the kinds of player, widget,
#: question and workbench the painter and the page scripts handle differently.
FEATURES = {
    "player": 'class="raft-painter"',
    "explorer": 'class="raft-live"',
    "questions": 'class="raft-questions"',
    "choice question": '"kind":"choice"',
    "number question": '"kind":"number"',
    "many-choice question": '"kind":"many"',
    "gallery": 'class="raft-gallery"',
    "role diagram": 'class="raft-roles"',
    "table": 'class="raft-table"',
    "exercise": '"exercises":[{',
    "lab": '"lab":{',
    "bug zoo": '"zoo":[{',
    "math": 'class="math',
}


def representative(pages: list[str], features: dict[str, str] | None = None) -> list[str]:
    """All ``pages`` under RAFT_SLOW=1; otherwise the fewest of them (greedily, in a fixed order)
    that together hold every feature any of them holds (``FEATURES`` by default: each a substring
    of the page's HTML) and sit in every folder any of them sits in, so that a sweep that repeats
    one code path page after page still runs every kind of player, widget and relative path.
    Pages outside the built site count by their folder alone."""
    if SLOW:
        return list(pages)
    features = FEATURES if features is None else features

    def held(page: str) -> set[str]:
        path = SITE / page
        html = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        return {name for name, text in features.items() if text in html} | \
            {"folder " + page.rpartition("/")[0]}

    holds = {page: held(page) for page in pages}
    wanted = set().union(*holds.values()) if holds else set()
    chosen: list[str] = []
    while wanted:
        best = max(pages, key=lambda p: len(holds[p] & wanted))   # first of the best, in order
        chosen.append(best)
        wanted -= holds[best]
    return sorted(chosen, key=pages.index)
