"""The live explorer in the built book: Pyodide in a web worker, in a real headless Chromium.

_build/html is served on loopback and every request to another host is aborted and recorded.
These tests FAIL if Pyodide does not load: there is no silent fallback. For the pages with a
live explorer (<div class="raft-live">; a representative few by default, every one with
RAFT_SLOW=1), through the page's own controls: Pyodide is not fetched
before "Run live"; after it, wait for a leader, crash the leader (a click on the server, then its
menu), see another server lead, restart it, partition and heal, submit a command and see it
committed on every server, step back and act to fork a new future. Also: a #scenario= link
opens the explorer live on that scenario; over file:// one line says how to serve the book and
the players still step; a Python error shows its traceback in the page; and the worker protocol
the exercises and labs will use (stdout captured, a Python exception with its traceback, a time
limit that stops an infinite loop and starts a fresh worker).

Playback speed: the tests set the painter's speed to one animation frame per event (the reader's
slowest and fastest speeds show the same scenes), so that waiting for an election takes a second
or two, not half a minute.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from site_browser import (CHROMIUM, CHROMIUM_ARGS, SITE, browser, http_root,  # noqa: F401
                          only_loopback, representative)

from raft.viz import embed, questions

ROOT = Path(__file__).resolve().parent.parent
VIEWPORT = {"width": 1100, "height": 1400}
START_LIMIT = 60_000     # ms: Pyodide's start on a loaded 2-core machine, with room to spare

pytestmark = pytest.mark.skipif(
    not (SITE / "index.html").is_file(),
    reason=f"no built book at {SITE}: run `bash scripts/build_book.sh` first (scripts/test.sh does)",
)


def live_pages() -> list[str]:
    if not SITE.is_dir():
        return []
    return sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
                  if 'class="raft-live"' in p.read_text(encoding="utf-8", errors="replace"))


LIVE_PAGES = live_pages()


class Log:
    def __init__(self):
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []

    def fetched(self, name: str) -> bool:
        return any(urlparse(u).path.endswith(name) for u in self.requests)


def new_context(browser, logs: list, init_script: str | None = None):
    """A browser context that aborts (and records in logs[-1]) every request to another host."""
    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    if init_script:
        context.add_init_script(init_script)

    only_loopback(context, lambda url: logs[-1].blocked.append(url))
    return context


@pytest.fixture(scope="module")
def shared_context(browser):
    """One context for the pages of one visit: the browser's cache is shared, as a reader's is
    (the first Run live is cold, later ones revalidate Pyodide's files)."""
    logs = [Log()]
    context = new_context(browser, logs)
    yield context, logs
    context.close()


@pytest.fixture
def open_page(browser, shared_context):
    pages, own = [], []

    def opener(url: str, init_script: str | None = None):
        if init_script:
            logs = [Log()]
            context = new_context(browser, logs, init_script)
            own.append(context)
        else:
            context, logs = shared_context
            logs.append(Log())
        log = logs[-1]
        page = context.new_page()
        pages.append(page)
        page.on("console", lambda m: m.type == "error" and log.errors.append(m.text))
        page.on("pageerror", lambda e: log.errors.append(str(e)))
        page.on("request", lambda r: log.requests.append(r.url))
        page.on("requestfailed", lambda r: r.url not in log.blocked
                and log.failed.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and log.failed.append(f"{r.url} ({r.status})"))
        page.goto(url, wait_until="load")
        page.wait_for_function("() => document.querySelectorAll('.raft-live').length === 0 || "
                               "[...document.querySelectorAll('.raft-live')].every(b => b.raftExplorer)")
        return page, log

    yield opener
    for page in pages:
        page.close()
    for context in own:
        context.close()


# -- driving the explorer through its controls --------------------------------------------------

def box(n=0):
    return f"document.querySelectorAll('.raft-live')[{n}]"


def start(page, log, n=0):
    """Press Run live on explorer n; wait until the live picture is drawn. Fails if Pyodide
    did not load."""
    assert not log.fetched("pyodide.asm.wasm"), "Pyodide was fetched before Run live"
    explorer = page.locator(".raft-live").nth(n)
    explorer.locator("[data-action=start]").click()
    try:
        page.wait_for_function(
            f"() => {{ const e = {box(n)}.raftExplorer;"
            " return (e.painter && e.painter.scenes.length > 0) || e.box.querySelector('.rl-error'); }",
            timeout=START_LIMIT)
    except Exception as error:
        raise AssertionError(f"the explorer did not start: {error}; blocked {log.blocked}; "
                             f"failed {log.failed}; errors {log.errors}") from error
    shown = explorer.locator(".rl-error").all_inner_texts()
    assert not shown, f"Run live failed: {shown}; failed requests {log.failed}; errors {log.errors}"
    assert log.fetched("pyodide.asm.wasm") and log.fetched("python_stdlib.zip"), \
        "Pyodide did not load"
    assert re.search(r"Python 3\.\d+\.\d+ \(Pyodide \d+\.", explorer.locator(".rl-bar").inner_text())
    times = page.evaluate(f"() => {box(n)}.raftExplorer.info.times")
    assert times["snapshot"] is True, f"Python did not start from the build's snapshot: {times}"
    assert any(re.search(r"/_static/raft-live/raft-[0-9a-f]{12}\.zip$", u) for u in log.requests)
    # Fast playback for the tests (see the module docstring).
    page.evaluate(f"() => {{ {box(n)}.raftExplorer.painter.speed ="
                  " {name: 'test', dwell: 0, fixed: 0}; }")
    return explorer


def scene(page, n=0):
    """The scene on show in explorer n."""
    return page.evaluate(f"() => {{ const p = {box(n)}.raftExplorer.painter; return p.scenes[p.index]; }}")


def settled(page, n=0):
    """Wait until every request sent to Python was answered and no transition runs."""
    page.evaluate(f"() => {box(n)}.raftExplorer.queue")
    page.wait_for_function(f"() => {{ const p = {box(n)}.raftExplorer.painter;"
                           " return !p.anim && !p._waiting; }")
    page.evaluate(f"() => {box(n)}.raftExplorer.queue")


PLAY_UNTIL = """async ([n, condition, limit]) => {
    const e = document.querySelectorAll('.raft-live')[n].raftExplorer, p = e.painter;
    const holds = new Function('s', 'return ' + condition);
    const button = a => e.box.querySelector('.rl-painter [data-action=' + a + ']');
    button('play').click();
    const t0 = performance.now();
    let problem = null;
    for (;;) {
        await new Promise(r => requestAnimationFrame(r));
        if (holds(p.scenes[p.index])) break;
        if (performance.now() - t0 > limit) {
            problem = 'timed out at step ' + p.index + ': ' + p.scenes[p.index].caption;
            break;
        }
    }
    button('pause').click();
    if (p.anim) button('step').click();     // Step finishes a transition paused half-way
    return problem;
}"""


def play_until(page, condition: str, n=0, timeout=30_000):
    """Press Play, and Pause as soon as `condition` (JS, of the scene on show `s`) holds."""
    problem = page.evaluate(PLAY_UNTIL, [n, condition, timeout])
    assert problem is None, f"{condition}: {problem}"
    settled(page, n)
    return scene(page, n)


def server_menu(page, explorer, server: int, action: str):
    """Click a server in the picture, then an action in its menu."""
    explorer.locator(f".rl-painter svg.rp-cluster [data-server='{server}']").click()
    item = explorer.locator(f".rl-menu [data-action={action}][data-server='{server}']")
    assert item.is_visible(), f"the menu of S{server} has no visible {action}"
    item.click()
    settled(page)


def status(explorer) -> str:
    return explorer.locator(".rl-status").inner_text()


def by_id(s, i):
    return next(x for x in s["servers"] if x["id"] == i)


# -- the tests ----------------------------------------------------------------------------------

def test_the_explorer_pages_were_found():
    assert {"book/02_consensus.html", "book/04_parts.html", "book/05_leader_election.html",
            "book/appendix/explorer.html"} <= set(LIVE_PAGES), LIVE_PAGES


# Driven by default on the pages whose explorer starts differently (a server crashed at the
# start, clients) and in each folder; on every one with RAFT_SLOW=1 (tests/budget.py). Every
# explorer page's Run live is pressed by some test by default: 02_consensus in
# test_live_workbench_browser.py, 04_parts in test_live_reader_browser.py (the download figure).
DRIVEN = representative(LIVE_PAGES, {"crashed at start": r"\ncrash ", "clients": " clients="})


@pytest.mark.parametrize("page_path", DRIVEN, ids=lambda p: p.removesuffix(".html"))
def test_a_reader_drives_the_live_explorer(open_page, http_root, page_path):
    page, log = open_page(http_root + page_path)
    explorer = start(page, log)
    assert not page.locator(".raft-live").first.locator(".raft-needs-kernel").is_visible()

    # A leader (play until there is one, if there is none yet).
    s = play_until(page, "s.leader !== null && !s.servers.find(x => x.id === s.leader).crashed")
    old = s["leader"]
    assert explorer.locator(f".rl-painter svg.rp-cluster [data-server='{old}']").get_attribute("data-role") == "leader"

    # Crash the leader through its menu; another server leads.
    server_menu(page, explorer, old, "crash")
    s = scene(page)
    assert by_id(s, old)["crashed"], status(explorer)
    assert explorer.locator(f".rl-painter svg.rp-cluster [data-server='{old}']").get_attribute("data-role") == "crashed"
    s = play_until(page, f"s.leader !== null && s.leader !== {old}")
    new = s["leader"]
    assert new != old and by_id(s, new)["role"] == "leader"

    # Restart it: it comes back (as a follower, once it hears from the new leader).
    server_menu(page, explorer, old, "restart")
    assert not by_id(scene(page), old)["crashed"]
    assert explorer.locator(f".rl-painter svg.rp-cluster [data-server='{old}']").get_attribute("data-role") != "crashed"

    # Partition and heal, from the network row.
    ids = [x["id"] for x in scene(page)["servers"]]
    groups = f"{ids[0]} {ids[1]} | " + " ".join(str(i) for i in ids[2:])
    explorer.locator("[data-field=groups]").fill(groups)
    explorer.locator("[data-action=partition]").click()
    settled(page)
    assert scene(page)["network"]["partition"] == [ids[:2], ids[2:]], status(explorer)
    assert explorer.locator(".rl-painter svg.rp-cluster .rp-link.rp-cut").count() > 0
    explorer.locator("[data-action=heal]").click()
    settled(page)
    assert scene(page)["network"]["partition"] is None
    assert explorer.locator(".rl-painter svg.rp-cluster .rp-link.rp-cut").count() == 0

    # A client command, committed on every server (restart any the chapter left crashed).
    for down in [x["id"] for x in scene(page)["servers"] if x["crashed"]]:
        server_menu(page, explorer, down, "restart")
    s = play_until(page, "s.leader !== null && s.servers.every(x => !x.crashed)")
    leader = s["leader"]
    before = by_id(s, leader)["log_length"]
    # Typed as a reader types, into a box that holds an example: the typing replaces it.
    box_ = explorer.locator("[data-field=command]")
    assert box_.input_value()
    box_.click()
    page.keyboard.type("book=42")
    assert box_.input_value() == "book=42"
    explorer.locator("[data-action=submit]").click()
    settled(page)
    s = scene(page)
    index = by_id(s, leader)["log_length"]
    assert index == before + 1 and "book=42" in s["caption"], (s["caption"], status(explorer))
    s = play_until(page, f"s.servers.every(x => x.commit_index >= {index})")
    assert all(x["commit_index"] >= index for x in s["servers"])

    # Back in time, then act: a new future forks from the step on show.
    before = page.evaluate(f"() => {box()}.raftExplorer.painter.scenes.length")
    for _ in range(3):
        explorer.locator(".rl-painter [data-action=back]").click()
    settled(page)
    at = page.evaluate(f"() => {box()}.raftExplorer.painter.index")
    assert at == before - 4
    target = next(x["id"] for x in scene(page)["servers"] if not x["crashed"])
    explorer.locator("[data-action=choose-server]").select_option(str(target))
    explorer.locator(f".rl-panel [data-action=disconnect][data-server='{target}']").click()
    settled(page)
    assert "Forked a new future" in status(explorer)
    assert page.evaluate(f"() => {box()}.raftExplorer.painter.scenes.length") == at + 2
    assert scene(page)["network"]["disconnected"] == [target]

    # The safety lights: Figure 3's five properties, all holding.
    lights = explorer.locator(".rl-painter .rp-safety li")
    assert lights.count() == 5 and explorer.locator(".rl-painter .rp-safety li.rp-ok").count() == 5

    # Save the session as scenario text.
    explorer.locator("summary", has_text="Scenario").click()
    explorer.locator("[data-action=save]").click()
    settled(page)
    text = explorer.locator("[data-field=scenario]").input_value()
    assert text.startswith("cluster size=") and f"disconnect {target}" in text

    assert not log.blocked, f"requests to other hosts: {log.blocked}"
    assert not log.failed, f"failed requests: {log.failed}"
    assert not log.errors, f"console errors: {log.errors}"


SPLIT = ("cluster size=5 seed=3\nelect 1\npartition 1 2 | 3 4 5\nsubmit x=1 to 1\nrun 600ms\n")


def test_a_link_opens_the_explorer_on_its_scenario(open_page, http_root):
    page, log = open_page(f"{http_root}book/appendix/explorer.html#scenario={quote(SPLIT)}")
    page.wait_for_function(f"() => {{ const e = {box()}.raftExplorer;"
                           " return (e.painter && e.painter.scenes.length) || e.box.querySelector('.rl-error'); }",
                           timeout=START_LIMIT)
    assert log.fetched("pyodide.asm.wasm")
    s = scene(page)
    assert s["network"]["partition"] == [[1, 2], [3, 4, 5]]
    leaders = sorted((x["id"], x["term"]) for x in s["servers"] if x["role"] == "leader")
    assert leaders == [(1, 1), (4, 3)], leaders
    explorer = page.locator(".raft-live").first
    assert explorer.locator("[data-field=scenario]").input_value() == SPLIT
    # The example link on the page carries the same scenario.
    href = page.locator("a", has_text="this").first.get_attribute("href")
    assert href.startswith("explorer.html#scenario=")
    # Load another scenario from the text box.
    explorer.locator("[data-field=scenario]").fill("cluster size=3 seed=2\nelect 2\n")
    explorer.locator("[data-action=load]").click()
    settled(page)
    s = scene(page)
    assert [x["id"] for x in s["servers"]] == [1, 2, 3] and s["leader"] == 2, status(explorer)
    assert "Loaded a scenario" in status(explorer)
    assert explorer.locator("[data-action=choose-server] option").count() == 3
    # A scenario that cannot be read says why, and the session stays as it was.
    explorer.locator("[data-field=scenario]").fill("cluster size=3 seed=2\ncrash S9\n")
    explorer.locator("[data-action=load]").click()
    settled(page)
    assert "ScenarioError" in status(explorer) and "line 2" in status(explorer), status(explorer)
    assert scene(page)["leader"] == 2
    # "Copy link" makes a link that carries the session: the text loaded, as written, since
    # the reader has not acted (tests/test_live_reader_browser.py: after an action, Python's).
    explorer.locator("[data-action=link]").click()
    settled(page)
    link = explorer.locator("[data-field=link]").input_value()
    assert link.endswith("#scenario=cluster%20size%3D3%20seed%3D2%0Aelect%202%0A")
    assert not log.blocked and not log.errors, (log.blocked, log.errors)


def test_over_file_one_line_says_how_to_serve_and_the_players_still_step(open_page):
    page, log = open_page((SITE / "book" / "05_leader_election.html").as_uri())
    note = page.locator(".raft-live [data-live=unavailable]")
    assert note.count() == 1 and "python3 -m http.server" in note.inner_text()
    assert page.locator(".raft-live [data-action=start]").count() == 0
    assert page.locator(".raft-live .raft-painter").first.is_visible()   # the still picture stays
    page.wait_for_function("() => [...document.querySelectorAll('.raft-painter')]"
                           ".every(b => b.raftPainter && b.raftPainter.scenes.length)")
    # A player of the page (not the explorer's still picture), on screen, with frames to step.
    k = page.evaluate("""() => [...document.querySelectorAll('.raft-painter')].findIndex(b =>
        !b.closest('.raft-live') && !b.raftPainter.controls.hidden &&
        b.raftPainter.scenes.length > 1 && b.getClientRects().length)""")
    assert k >= 0, "no player to step on this page"
    player = page.locator(".raft-painter").nth(k)
    index = player.evaluate("b => b.raftPainter.index")
    player.locator("[data-action=step]").click()
    page.wait_for_function("b => !b.raftPainter.anim", arg=player.element_handle())
    assert player.evaluate("b => b.raftPainter.index") == index + 1
    assert not log.fetched("pyodide.asm.wasm") and not log.errors, log.errors


def test_without_webassembly_one_line_says_so(open_page, http_root):
    page, log = open_page(f"{http_root}book/04_parts.html", "delete globalThis.WebAssembly;")
    note = page.locator(".raft-live [data-live=unavailable]")
    assert note.count() == 1 and "WebAssembly" in note.inner_text()
    assert page.locator(".raft-live [data-action=start]").count() == 0
    assert not log.fetched("pyodide.asm.wasm") and not log.errors, log.errors


def test_a_python_error_shows_its_traceback_and_the_worker_protocol(open_page, http_root):
    page, log = open_page(f"{http_root}book/appendix/explorer.html")
    explorer = start(page, log)
    # A bug in Python (injected): the page shows the traceback, not a blank box.
    page.evaluate("""() => RaftLive.shared().run(
        "import raft.viz.live as L\\ndef handle(msg):\\n    raise ZeroDivisionError('injected')\\nL.handle = handle")""")
    explorer.locator(".rl-painter [data-action=step]").click()
    page.wait_for_selector(".raft-live .rl-error pre.rl-traceback")
    shown = explorer.locator(".rl-error").inner_text()
    assert "ZeroDivisionError" in shown and "Traceback" in shown and "injected" in shown
    # The package's frames quote their source (Python imports it from the zip the page wrote).
    assert "raft/viz/live.py" in shown and "handle(json.loads(text))" in shown

    # The protocol the exercises and labs reuse: stdout, exceptions, progress, time limits.
    result = page.evaluate("""async () => {
        const live = RaftLive.shared(), out = [], progress = [];
        const r = await live.run("import raft_live_page\\nraft_live_page.progress(0.5, 'half')\\n"
            + "print('hello'); 6 * 7", {onStdout: t => out.push(t), onProgress: p => progress.push(p)});
        let error = null;
        try { await live.run("print('before'); {}['missing']"); }
        catch (e) { error = {type: e.type, traceback: e.traceback, stdout: e.stdout}; }
        const value = await live.call("raft.viz.session:action_line", ["crash", 3]);
        const files = await live.run("from raft.viz import embed, questions\\n"
            + "len(embed.painter_source()), len(questions.questions_source())");
        return {value: r.value, stdout: r.stdout, out, progress, error, line: value, files: files.value};
    }""")
    # The package's own files are there too (a reader's show() inlines the painter).
    assert result["files"] == [len(embed.painter_source()), len(questions.questions_source())]
    assert result["value"] == 42 and result["stdout"] == "hello" and result["out"] == ["hello\n"]
    assert result["progress"] and result["progress"][0]["fraction"] == 0.5
    assert result["error"]["type"] == "KeyError" and "Traceback" in result["error"]["traceback"]
    assert result["error"]["stdout"] == "before"
    assert result["line"] == "crash 3"
    stopped = page.evaluate("""async () => {
        const live = RaftLive.shared();
        await live.run("kept = 1");
        let error = null;
        try { await live.run("while True: pass", {timeout: 1500}); }
        catch (e) { error = {type: e.type, message: e.message}; }
        const after = await live.run("'kept' in globals(), 1 + 1");
        return {error, after: after.value, restarts: live.restarts};
    }""")
    assert stopped["error"]["type"] == "TimeLimit" and "1.5 s" in stopped["error"]["message"]
    assert stopped["after"] == [False, 2] and stopped["restarts"] == 1
    # Without the snapshot (what the worker falls back to if it cannot use one), Python boots
    # the long way and imports the zipped package itself.
    plain = page.evaluate("""async () => {
        const w = new RaftLive.LiveWorker({snapshotURL: null});
        const info = await w.start();
        const line = await w.call("raft.viz.session:action_line", ["partition", "1|2 3"]);
        w.terminate();
        return {snapshot: info.times.snapshot, line};
    }""")
    assert plain == {"snapshot": False, "line": "partition 1 | 2 3"}
    assert not log.blocked, log.blocked
