"""What every browser test shares: the built site served on loopback, and one headless Debian
Chromium (never `playwright install`). Import the fixtures into a test module to use them; each
is module-scoped, so a module gets one server and one browser."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

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
