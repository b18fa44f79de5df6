"""The live explorer where a fresh reader stumbled (issue 14's and 17's friction), in a real
headless Chromium on the built book, Pyodide loaded (these tests FAIL if it does not).

On a 390 px phone: the actions sit right under the play bar with a status line of what the
last action did, and the theme's "Back to top" pill does not cover the explorer. The commands
a reader submits are visible (a log cell says its command, the state table each server's
state machine). A fork can be undone. The command box takes any action line (clients too), and
chapter 12 has an explorer with clients. The "loads about N MB" figure is the files'. A Step
pressed by hand shows the next event at once. The file:// note suits a reader who holds only
the HTML folder. "Copy link" keeps a loaded scenario as it was written.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlparse

import pytest
from site_browser import SITE, browser, http_root, only_loopback  # noqa: F401
from test_live_browser import (START_LIMIT, Log, box, by_id, play_until, scene,
                               settled, start, status)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1100, "height": 1400}

pytestmark = pytest.mark.skipif(
    not (SITE / "index.html").is_file(),
    reason=f"no built book at {SITE}: run `bash scripts/build_book.sh` first (scripts/test.sh does)",
)


@pytest.fixture
def visit(browser):
    """visit(url, viewport) -> (page, log): a page in its own context, other hosts aborted."""
    contexts = []

    def opener(url, viewport=PHONE, file=False):
        log = Log()
        context = browser.new_context(viewport=viewport, service_workers="block",
                                      has_touch=viewport is PHONE)
        contexts.append(context)

        only_loopback(context, log.blocked.append)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and log.errors.append(m.text))
        page.on("pageerror", lambda e: log.errors.append(str(e)))
        page.on("request", lambda r: log.requests.append(r.url))
        page.goto(url, wait_until="load")
        page.wait_for_function("() => [...document.querySelectorAll('.raft-live')]"
                               ".every(b => b.raftExplorer)")
        return page, log

    yield opener
    for context in contexts:
        context.close()


def rect(locator):
    return locator.evaluate("e => { const r = e.getBoundingClientRect();"
                            " return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; }")


def in_view(page, locator) -> bool:
    r, height = rect(locator), page.viewport_size["height"]
    return r["bottom"] > 0 and r["top"] < height


def act(page, explorer, line):
    """Type a line in the command box and press its button."""
    explorer.locator("[data-field=command]").fill(line)
    explorer.locator(".rl-panel [data-action=submit]").click()
    settled(page)


# -- 1. the phone layout --------------------------------------------------------------------------

def test_on_a_phone_the_actions_sit_under_the_play_bar_with_a_status_line(visit, http_root):
    page, log = visit(http_root + "book/05_leader_election.html")
    explorer = start(page, log)
    painter = explorer.locator(".rl-painter")
    controls, panel = painter.locator(".rp-controls"), explorer.locator(".rl-panel")
    bar, p = rect(controls), rect(panel)
    # Under the play bar and the caption (what the event on show did), before the logs and the
    # lights.
    caption = painter.locator(".rp-caption")
    assert rect(caption)["top"] >= bar["bottom"] - 1 and p["top"] >= rect(caption)["bottom"] - 1
    assert p["top"] - bar["bottom"] < 120, (bar, p)
    for later in ("svg.rp-logs", ".rp-safety"):
        assert p["bottom"] <= rect(painter.locator(later))["top"] + 1, later
    # The partition row is less than a screen below the picture.
    assert rect(explorer.locator("[data-action=partition]"))["top"] - \
        rect(painter.locator("svg.rp-cluster"))["bottom"] < PHONE["height"]

    # An action says what it did, in a line next to the controls (read out as it changes).
    status_line = explorer.locator(".rl-status")
    assert status_line.get_attribute("aria-live") == "polite"
    ids = [x["id"] for x in scene(page)["servers"]]
    explorer.locator("[data-field=groups]").fill(f"{ids[0]} {ids[1]} | " +
                                                 " ".join(str(i) for i in ids[2:]))
    explorer.locator("[data-action=partition]").scroll_into_view_if_needed()
    explorer.locator("[data-action=partition]").click()
    settled(page)
    said = status(explorer)
    assert said == f"partition {ids[0]} {ids[1]} | {' '.join(str(i) for i in ids[2:])}: done.", said
    assert in_view(page, status_line) and in_view(page, explorer.locator("[data-action=partition]"))
    # What the event did is said once, by the caption, which is in sight too.
    assert "split" in caption.inner_text() and in_view(page, caption)
    # The picture's own status line shows the split too, a short scroll up.
    assert "network split" in painter.locator(".rp-status").inner_text()
    explorer.locator("[data-action=choose-server]").select_option(str(ids[2]))
    explorer.locator(f".rl-panel [data-action=crash][data-server='{ids[2]}']").click()
    settled(page)
    assert status(explorer) == f"crash {ids[2]}: done."
    assert caption.inner_text().startswith(f"S{ids[2]} crashed.") and in_view(page, caption)
    assert not log.errors, log.errors


def test_on_a_wide_screen_the_actions_come_after_the_caption(visit, http_root):
    page, log = visit(http_root + "book/appendix/explorer.html", DESKTOP)
    explorer = start(page, log)
    painter = explorer.locator(".rl-painter")
    caption, panel = rect(painter.locator(".rp-caption")), rect(explorer.locator(".rl-panel"))
    assert panel["top"] >= caption["bottom"] - 1
    # The logs stay beside the picture, above the play bar.
    logs, cluster = rect(painter.locator("svg.rp-logs")), rect(painter.locator("svg.rp-cluster"))
    assert logs["left"] >= cluster["right"] - 1 and logs["top"] < caption["top"]


def test_the_back_to_top_pill_does_not_cover_an_explorer(visit, http_root):
    page, log = visit(http_root + "book/05_leader_election.html")
    # The theme shows its pill when the reader scrolls up, far from the top.
    page.evaluate("() => window.scrollTo(0, 4000)")
    page.wait_for_timeout(100)
    page.evaluate("() => window.scrollTo(0, 3000)")
    page.wait_for_timeout(100)
    pill = page.locator("#pst-back-to-top")
    assert pill.evaluate("e => e.style.display") == "block"     # the theme asked for it
    assert not pill.is_visible()
    # A page without an explorer keeps it.
    page, log = visit(http_root + "book/07_safety.html")
    page.evaluate("() => window.scrollTo(0, 4000)")
    page.wait_for_timeout(100)
    page.evaluate("() => window.scrollTo(0, 3000)")
    page.wait_for_timeout(100)
    assert page.locator("#pst-back-to-top").is_visible()


# -- 2. commands and state machines, visible ----------------------------------------------------

def test_a_submitted_command_shows_in_its_log_cell_and_in_the_state_machines(visit, http_root):
    page, log = visit(http_root + "book/appendix/explorer.html")
    explorer = start(page, log)
    s = play_until(page, "s.leader !== null")
    leader = s["leader"]
    act(page, explorer, "z=9")
    index = by_id(scene(page), leader)["log_length"]
    assert status(explorer) == "submit z=9: done."
    assert f"index {index}" in explorer.locator(".rl-painter .rp-caption").inner_text()
    s = play_until(page, f"s.servers.every(x => x.crashed || x.last_applied >= {index})")
    painter = explorer.locator(".rl-painter")
    cell = painter.locator(f"svg.rp-logs rect[data-entry='{leader}:{index}']")
    title = cell.locator("title").text_content()
    assert re.fullmatch(rf"index {index}, term \d+: z=9, committed", title), title
    # A tap on the cell says it in the page (a phone shows no tooltips).
    cell.tap()
    info = painter.locator(".rp-entry-info")
    assert re.fullmatch(rf"S{leader} index {index}, term \d+: z=9, committed", info.inner_text()), \
        info.inner_text()
    # The state table: a row with each server's state machine, readable at 390 px.
    painter.locator("summary", has_text="Each server's state").click()
    for x in s["servers"]:
        row = painter.locator(f"tr[data-state-machine='{x['id']}']")
        assert "z=9" in row.inner_text(), row.inner_text()
    row = painter.locator(f"tr[data-state-machine='{leader}'] td[colspan]")
    r = rect(row)
    assert r["left"] >= 0 and r["left"] < PHONE["width"] / 2
    assert not log.errors, log.errors


# -- 3. a fork can be undone ----------------------------------------------------------------------

def test_undo_fork_brings_back_the_forgotten_future(visit, http_root):
    page, log = visit(http_root + "book/appendix/explorer.html")
    explorer = start(page, log)
    play_until(page, "s.leader !== null")
    act(page, explorer, "x=1")
    play_until(page, "s.servers.every(x => x.commit_index >= 2)")
    undo = explorer.locator("[data-action=undo-fork]")
    assert not undo.is_visible()
    n = page.evaluate(f"() => {box()}.raftExplorer.painter.scenes.length")
    before = page.evaluate(f"() => {box()}.raftExplorer.scenario")
    for _ in range(5):
        explorer.locator(".rl-painter [data-action=back]").click()
    settled(page)
    act(page, explorer, "y=2")
    assert "Forked a new future" in status(explorer) and "y=2" in status(explorer)
    assert page.evaluate(f"() => {box()}.raftExplorer.painter.scenes.length") < n
    assert undo.is_visible() and in_view(page, undo)
    assert page.evaluate("() => typeof window.confirm") == "function"   # no modal asked
    undo.click()
    settled(page)
    assert page.evaluate(f"() => {box()}.raftExplorer.painter.scenes.length") == n
    assert page.evaluate(f"() => {box()}.raftExplorer.scenario") == before
    assert "Undid the fork" in status(explorer) and not undo.is_visible()
    p = page.evaluate(f"() => {{ const p = {box()}.raftExplorer.painter; return [p.index, p.scenes.length]; }}")
    assert p[0] == p[1] - 1
    # Shown only right after a fork: another action hides it.
    for _ in range(2):
        explorer.locator(".rl-painter [data-action=back]").click()
    act(page, explorer, "y=3")
    assert undo.is_visible()
    act(page, explorer, "y=4")
    assert not undo.is_visible()
    assert not log.errors, log.errors


# -- 4. clients: the command box takes any action line; chapter 12's explorer -------------------

def test_chapter_12_explores_clients_through_the_command_box(visit, http_root):
    page, log = visit(http_root + "book/12_clients.html")
    assert page.locator(".raft-live").count() == 1
    explorer = start(page, log)
    box_ = explorer.locator("[data-field=command]")
    assert "client 1 get x" in box_.get_attribute("placeholder")
    assert "scenario line" in explorer.locator(".rl-help").first.inner_text()
    s = scene(page)
    assert [c["name"] for c in s["clients"]] == ["c1", "c2"] and s["reads"]["mode"] == "read_index"
    assert s["leader"] == 3        # the chapter's sentence names S3
    painter = explorer.locator(".rl-painter")
    assert painter.locator("svg.rp-cluster .rp-client").count() == 2
    # The chapter's recipe: cut S3 off, write through the new leader, read from S3.
    explorer.locator("[data-field=groups]").fill("3 | 1 2")
    explorer.locator("[data-action=partition]").click()
    settled(page)
    act(page, explorer, "client 1 put x 2")
    assert status(explorer) == "client 1 put x 2: done. What c1 gets will be said here."
    # Played step by step, the step in which the answer arrives says it (Python's words).
    play_until(page, "s.clients[0].last && s.clients[0].last.op.startsWith('put(x, \\'2')")
    assert re.fullmatch(r"c1's put\(x, '2'\) returned ok from S[12] \(after S3.*\)\.",
                        status(explorer)), status(explorer)
    act(page, explorer, "client 2 get x to 3")
    assert status(explorer) == "client 2 get x to 3: done. What c2 gets will be said here."
    act(page, explorer, "run 1000ms")
    said = status(explorer)
    assert re.search(r"c2's get\(x\) returned '2' from S[12] \(after S3.*\)\. Not stale: the "
                     r"clients' history is linearizable\.$", said), said
    assert scene(page)["clients"][1]["last"]["output"] == "2"
    # On a phone, what the recipe asks to look at is near the picture: the status line by the
    # Do it button, the logs and each server's state machine a short scroll under the picture
    # (before: the logs 595 px under it, the state machines in a closed table 856 px under it).
    picture = rect(painter.locator("svg.rp-cluster"))
    machines = painter.locator(".rp-machines")
    assert in_view(page, explorer.locator(".rl-status")) and \
        in_view(page, explorer.locator(".rl-panel [data-action=submit]"))
    assert rect(painter.locator("svg.rp-logs"))["top"] - picture["bottom"] < 560
    assert rect(machines)["bottom"] - picture["bottom"] < 720
    assert re.fullmatch(r"State machines: S1 x=2 · S2 x=2 · S3 x=1", machines.inner_text())
    # Its request travelled the picture like any message (as in the chapter's players).
    painter_js = f"{box()}.raftExplorer.painter"
    k = page.evaluate(f"() => {painter_js}.scenes.findIndex(s => (s.client_messages || [])"
                      ".some(m => m.from === 'c2' && m.to === 3))")
    assert k > 0
    page.evaluate(f"() => {painter_js}.show({k})")
    assert painter.locator("svg.rp-cluster .rp-creq[data-kind=ClientRequest]").count() >= 1
    page.evaluate(f"() => {{ const p = {painter_js}; p.show(p.scenes.length - 1); }}")
    # A bare command is still submitted to the leader; a line it cannot read says why.
    act(page, explorer, "y=5")
    assert status(explorer) == "submit y=5: done."
    act(page, explorer, "client 1 fly x")
    assert "client" in status(explorer) and "put, append or get" in status(explorer)

    assert not log.errors and not log.blocked, (log.errors, log.blocked)

    # Step 4 of the recipe: reload, save the page's scenario, load it with stale reads.
    page, log = visit(http_root + "book/12_clients.html")
    explorer = start(page, log)
    explorer.locator(".rl-scenario summary").click()
    explorer.locator("[data-action=save]").click()
    settled(page)
    text = explorer.locator("[data-field=scenario]").input_value()
    assert "reads=read_index" in text.splitlines()[0] and "partition" not in text, text
    explorer.locator("[data-field=scenario]").fill(text.replace("reads=read_index", "reads=stale"))
    explorer.locator("[data-action=load]").click()
    settled(page)
    assert scene(page)["reads"]["mode"] == "stale"
    for line in ("partition 3 | 1 2", "client 1 put x 2", "run 1000ms", "client 2 get x to 3",
                 "run 1000ms"):
        act(page, explorer, line)
    said = status(explorer)
    assert re.search(r"c2's get\(x\) returned '1' from S3\. Stale read: c1's put\(x, '2'\) had "
                     r"returned before c2's get\(x\) was called, yet the read returned '1'\. The "
                     r"clients' history is not linearizable\.$", said), said
    # ... and so does the sixth light under the logs, where Figure 3's five stay green.
    painter = explorer.locator(".rl-painter")
    assert painter.locator(".rp-clients-light li.rp-bad").inner_text() == \
        "✗ Not linearizable (clients)"
    assert painter.locator(".rp-safety li.rp-ok").count() == 5
    assert "Stale read: c1's put(x, '2')" in painter.locator(".rp-light-why").inner_text()
    assert not log.errors and not log.blocked, (log.errors, log.blocked)

    # Step 4 in one tap: the chapter's link reloads the page on the same text, saved as above
    # and edited the same way, and the explorer starts live on it by itself.
    stale = text.replace("reads=read_index", "reads=stale")
    page, log = visit(http_root + "book/12_clients.html")
    page.locator("a.stale-link").click()
    page.wait_for_url(re.compile(r".*\?scenario="))
    page.wait_for_function("() => { const b = document.querySelector('.raft-live');"
                           " const e = b && b.raftExplorer; return e && ((e.painter &&"
                           " e.painter.scenes.length) || e.box.querySelector('.rl-error')); }",
                           timeout=START_LIMIT)
    assert urlparse(page.url).query.startswith("scenario=")
    assert scene(page)["reads"]["mode"] == "stale"
    explorer = page.locator(".raft-live").first
    assert explorer.locator("[data-field=scenario]").input_value() == stale
    assert not log.errors and not log.blocked, (log.errors, log.blocked)


def test_the_book_has_a_favicon_and_no_page_asks_for_favicon_ico(visit, http_root):
    """A page names its icon (html.favicon in _config.yml), so the browser does not ask for
    /favicon.ico, which the site does not have (a 404 in the console, which the tests' console
    checks ignored by name before)."""
    page, log = visit(http_root + "book/12_clients.html")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href.endswith("favicon.svg")
    response = page.request.get(page.evaluate("h => new URL(h, location.href).href", href))
    assert response.ok and response.headers["content-type"].startswith("image/svg")
    page.wait_for_timeout(500)
    assert not [u for u in log.requests if u.endswith("/favicon.ico")], log.requests
    assert not log.errors, log.errors


# -- 5. the download figure ------------------------------------------------------------------------

def test_the_download_figure_is_what_run_live_fetches(visit, http_root):
    page, log = visit(http_root + "book/04_parts.html")
    script = page.locator("script[data-raft-bytes]")
    figure = int(script.get_attribute("data-raft-bytes"))
    what = page.locator(".raft-live .rl-what").first.inner_text()
    assert f"loads about {round(figure / 1e6)} MB the first time" in what, what
    before = len(log.requests)
    start(page, log)
    fetched = sorted({urlparse(u).path for u in log.requests[before:]
                      if urlparse(u).scheme.startswith("http")})
    files = [SITE / unquote(path).lstrip("/") for path in fetched]
    assert all(f.is_file() for f in files), fetched
    # Every byte Run live fetched is in the figure, and nothing else is.
    assert sum(f.stat().st_size for f in files) == figure, fetched


# -- 6. Step by hand ------------------------------------------------------------------------------

def test_a_step_pressed_by_hand_shows_the_next_event_at_once(visit, http_root):
    page, log = visit(http_root + "book/appendix/explorer.html")
    start(page, log)
    play_until(page, "s.leader !== null")
    painter = f"{box()}.raftExplorer.painter"
    page.evaluate(f"() => {{ {painter}.setSpeed('normal'); {painter}.show(0); }}")
    # A pair of events far apart in time (a whole election timeout): at "normal", 1.6 s.
    k = page.evaluate(f"""() => {{ const p = {painter};
        for (let k = 0; k + 1 < p.scenes.length; k++)
            if (p.scenes[k + 1].time - p.scenes[k].time > 64) return k;
        return -1; }}""")
    assert k >= 0
    page.evaluate(f"() => {painter}.show({k})")
    travel = page.evaluate(f"() => {{ {painter}.step(); return {painter}.anim.travel; }}")
    assert travel <= 200, travel
    page.wait_for_function(f"() => !{painter}.anim")
    assert page.evaluate(f"() => {painter}.index") == k + 1
    # Two quick presses are two events (the second is not swallowed by the first's transition).
    button = f"{box()}.querySelector('.rl-painter [data-action=step]')"
    page.evaluate(f"() => {{ {button}.click(); {button}.click(); }}")
    page.wait_for_function(f"() => !{painter}.anim")
    assert page.evaluate(f"() => {painter}.index") == k + 3
    # At the end of the timeline, each press asks Python for one more event.
    n = page.evaluate(f"() => {{ const p = {painter}; p.show(p.scenes.length - 1); return p.index; }}")
    page.evaluate(f"() => {{ {button}.click(); {button}.click(); }}")
    settled(page)
    page.wait_for_function(f"() => !{painter}.anim && {painter}.index === {n + 2}")


# -- 7. the file:// note ----------------------------------------------------------------------------

def test_over_file_the_note_says_to_serve_the_folder_it_is_in(visit):
    page, log = visit((SITE / "book" / "05_leader_election.html").as_uri())
    note = page.locator(".raft-live [data-live=unavailable]").first.inner_text()
    assert "python3 -m http.server" in note and "inside it" in note and "index.html" in note
    assert "-d _build/html" in note and "clone" in note      # the README's, for a clone


# -- 8. Copy link keeps a teacher's scenario ----------------------------------------------------------

TEACHER = "cluster size=5 seed=3\nelect 1\npartition 1 2 | 3 4 5\nsubmit x=1 to 1\nrun 600ms\n"


def test_copy_link_keeps_a_loaded_scenario_as_written_until_the_reader_acts(visit, http_root):
    page, log = visit(f"{http_root}book/appendix/explorer.html#scenario={quote(TEACHER)}",
                      DESKTOP)
    page.wait_for_function(f"() => {{ const e = {box()}.raftExplorer;"
                           " return e.painter && e.painter.scenes.length; }", timeout=START_LIMIT)
    explorer = page.locator(".raft-live").first
    help_text = explorer.locator(".rl-scenario .rl-help").inner_text()
    assert "as it was written" in help_text and "takeover 1" in help_text
    explorer.locator(".rl-painter [data-action=back]").click()    # looking back is not acting
    explorer.locator("[data-action=link]").click()
    settled(page)
    link = explorer.locator("[data-field=link]").input_value()
    assert unquote(link.split("#scenario=", 1)[1]) == TEACHER
    # After an action, the session as Python records it.
    explorer.locator(".rl-painter [data-action=step]").click()
    page.wait_for_function(f"() => !{box()}.raftExplorer.painter.anim")
    act(page, explorer, "heal")
    explorer.locator("[data-action=link]").click()
    settled(page)
    text = unquote(explorer.locator("[data-field=link]").input_value().split("#scenario=", 1)[1])
    assert "takeover 1" in text and "heal" in text and "run 600ms" not in text
