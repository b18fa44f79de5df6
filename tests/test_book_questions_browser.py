"""Predict, then see, in the built book: the questions under the animations, in a real headless
Chromium with no kernel and no network (every non-local request is aborted and recorded).

- every chapter of the Raft part (01-09 and any later one) asks at least three questions;
- on every page with questions each block finds its player, no request leaves the machine and the
  console stays clean, over http (and over file:// on the pages that hold every kind of
  question; on all of them with RAFT_SLOW=1);
- a wrong choice, then the right one, each get feedback in an aria-live region with the
  explanation, and the player goes to the frame that shows the answer; a typed number and a set of
  ticked choices are judged too;
- playing an animation stops at the moment of an unanswered question, and says so;
- the progress line counts answers, and answers survive a reload (http and file://);
- at 390 px nothing scrolls sideways; text and buttons keep their contrast in the dark theme.
Screenshots go to _build/screenshots/questions-*.png.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from site_browser import (CHROMIUM, CHROMIUM_ARGS, SITE, browser, http_root,  # noqa: F401
                          only_loopback, representative)
import yaml

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "_build" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DATA = re.compile(r'<script type="application/json" class="raft-questions-data">(.*?)</script>',
                  re.S)

pytestmark = pytest.mark.skipif(
    not (SITE / "index.html").is_file(),
    reason=f"no built book at {SITE}: run `bash scripts/build_book.sh` first (scripts/test.sh does)")


def raft_chapters() -> list[str]:
    """The pages of the toc's numbered part (the chapters), as paths under _build/html."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    part = next(p for p in toc["parts"] if p.get("numbered"))
    return [f"{c['file']}.html" for c in part["chapters"]]


def questions_on(page: str) -> list[dict]:
    html = (SITE / page).read_text(encoding="utf-8")
    return [q for m in DATA.finditer(html) for q in json.loads(m.group(1))["questions"]]


def pages_with_questions() -> list[str]:
    if not SITE.is_dir():
        return []
    return sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
                  if 'class="raft-questions"' in p.read_text(errors="replace"))


# -- fixtures ------------------------------------------------------------------------------------------

class Log:
    def __init__(self):
        self.blocked, self.failed, self.console = [], [], []


def new_context(browser, *, viewport=DESKTOP, dark=False, reduced_motion="no-preference"):
    context = browser.new_context(viewport=viewport, service_workers="block",
                                  reduced_motion=reduced_motion)
    if dark:
        context.add_init_script("localStorage.setItem('mode', 'dark'); "
                                "localStorage.setItem('theme', 'dark');")
    return context


def open_page(context, url):
    """Open url with every non-local request aborted; wait until every block found its player."""
    log = Log()

    only_loopback(context, log.blocked.append)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and log.console.append(m.text))
    page.on("pageerror", lambda e: log.console.append(str(e)))
    page.on("requestfailed", lambda r: r.url not in log.blocked and log.failed.append(r.url))
    page.goto(url, wait_until="load")
    page.wait_for_function(
        "() => { const b = [...document.querySelectorAll('.raft-questions')];"
        " return b.length && b.every(x => x.hasAttribute('data-bound')); }", timeout=20_000)
    return page, log


def url_of(page, mode, http_root):
    return http_root + page if mode == "http" else (SITE / page).as_uri()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"questions-{name}.png"), full_page=False)


def painter_state(page, section):
    """The index and playing state of the player a question section is bound to."""
    return page.evaluate(
        """(id) => { const s = document.getElementById(id);
        const blocks = window.RaftQuestions.blocks;
        for (const b of blocks) for (const it of b.items)
          if (it.section === s) { const p = it.controller.painter;
            return {index: p.index, playing: p.playing, frames: p.scenes.length}; }
        return null; }""", section)


# -- the counts, without a browser ----------------------------------------------------------------------

def test_every_chapter_asks_at_least_three_questions():
    chapters = raft_chapters()
    assert len(chapters) >= 9
    counts = {c: len(questions_on(c)) for c in chapters if (SITE / c).is_file()}
    assert set(counts) == set(chapters), "some chapters are not built"
    thin = {c: n for c, n in counts.items() if n < 3}
    assert not thin, f"chapters with fewer than three questions: {thin}"
    for chapter in chapters:
        for q in questions_on(chapter):
            assert q["reveal"]["index"] > q["at"]["index"], (chapter, q["ask"])
            assert re.search(r"§\d", q["explain"]) or "dissertation" in q["explain"], \
                f"{chapter}: the explanation of {q['ask']!r} cites no section of the paper"


# -- every page: bound, offline, quiet -------------------------------------------------------------------

# Every page over http; over file:// the pages that hold every kind of question (all of them
# with RAFT_SLOW=1, tests/budget.py): file:// changes how the scripts load, not the questions.
OFFLINE_CASES = [(p, "http") for p in pages_with_questions()] + \
    [(p, "file") for p in representative(pages_with_questions())]


@pytest.mark.parametrize("page_path, mode", OFFLINE_CASES,
                         ids=[f"{p.removesuffix('.html')}-{m}" for p, m in OFFLINE_CASES])
def test_every_block_finds_its_player_offline(browser, http_root, page_path, mode):
    context = new_context(browser)
    try:
        page, log = open_page(context, url_of(page_path, mode, http_root))
        state = page.evaluate(
            """() => [...document.querySelectorAll('.raft-questions')].map(b => ({
                bound: b.getAttribute('data-bound'),
                shown: b.querySelectorAll('section.rq-q').length,
                fallback: !!b.querySelector('.rq-fallback')}))""")
        assert all(s["bound"] == "true" for s in state), state
        assert not any(s["fallback"] for s in state)
        assert sum(s["shown"] for s in state) == len(questions_on(page_path))
        assert not log.blocked and not log.failed and not log.console, (
            log.blocked, log.failed, log.console)
        progress = page.locator(".rq-progress").first.inner_text()
        assert f"0 of {len(questions_on(page_path))} questions in this chapter answered" in progress
    finally:
        context.close()


# -- answering ------------------------------------------------------------------------------------------

def first_question_of_kind(page_path, kind):
    return next(q for q in questions_on(page_path) if q["kind"] == kind)


def test_a_wrong_answer_then_the_right_one(browser, http_root):
    chapter = "book/05_leader_election.html"
    q = first_question_of_kind(chapter, "choice")
    wrong = next(c for c in q["choices"] if c != q["answer"])
    context = new_context(browser, reduced_motion="reduce")   # the player jumps to the answer
    try:
        page, log = open_page(context, url_of(chapter, "http", http_root))
        section = f"rq-{q['id']}"
        box = page.locator(f"#{section}")
        feedback = box.locator(".rq-feedback")
        assert feedback.get_attribute("aria-live") == "polite"
        assert feedback.get_attribute("role") == "status"
        box.locator(f"button[data-choice='{wrong}']").click()
        text = feedback.inner_text()
        assert text.startswith("✗ Not quite") and f"the answer is {q['answer_text']}" in text
        assert q["explain"].split("`")[0][:60] in text
        if q.get("wrong", {}).get(wrong):
            assert q["wrong"][wrong].split("`")[0][:40] in text
        assert box.locator(f"button[data-choice='{wrong}']").get_attribute("aria-pressed") == "true"
        state = painter_state(page, section)
        assert state["index"] == q["reveal"]["index"] and not state["playing"]
        total = len(questions_on(chapter))
        assert f"1 of {total} questions in this chapter answered (0 right on the first try)" \
            in page.locator(".rq-progress").first.inner_text()
        shot(page, "wrong")
        box.locator(f"button[data-choice='{q['answer']}']").click()
        assert feedback.inner_text().startswith(f"✓ Right: {q['answer_text']}.")
        # Still counted as answered once, and not right on the first try.
        assert f"1 of {total} questions in this chapter answered (0 right on the first try)" \
            in page.locator(".rq-progress").last.inner_text()
        # "Show this moment" takes the player back to the question's frame.
        box.locator("[data-action=moment]").click()
        assert painter_state(page, section)["index"] == q["at"]["index"]
        assert not log.blocked and not log.console
    finally:
        context.close()


def test_a_number_and_ticked_choices_are_judged(browser, http_root):
    chapter = "book/04_parts.html"
    number = first_question_of_kind(chapter, "number")
    many = first_question_of_kind(chapter, "many")
    context = new_context(browser, reduced_motion="reduce")
    try:
        page, _ = open_page(context, url_of(chapter, "file", http_root))
        box = page.locator(f"#rq-{number['id']}")
        box.locator("[data-action=check]").click()     # nothing typed
        assert "Type a whole number" in box.locator(".rq-feedback").inner_text()
        assert "0 of" in page.locator(".rq-progress").first.inner_text()   # not an answer
        box.locator("input[type=number]").fill(str(number["answer"] + 1))
        box.locator("input[type=number]").press("Enter")
        assert box.locator(".rq-feedback").inner_text().startswith("✗ Not quite")
        box.locator("input[type=number]").fill(str(number["answer"]))
        box.locator("[data-action=check]").click()
        assert box.locator(".rq-feedback").inner_text().startswith("✓ Right")

        box = page.locator(f"#rq-{many['id']}")
        for choice in many["choices"]:          # tick the ones that are not the answer
            if choice not in many["answer"]:
                box.locator(f"input[value='{choice}']").check()
        box.locator("[data-action=check]").click()
        assert box.locator(".rq-feedback").inner_text().startswith("✗ Not quite")
        for choice in many["choices"]:
            box.locator(f"input[value='{choice}']").set_checked(choice in many["answer"])
        box.locator("[data-action=check]").click()
        assert box.locator(".rq-feedback").inner_text().startswith("✓ Right")
        assert painter_state(page, f"rq-{many['id']}")["index"] == many["reveal"]["index"]
    finally:
        context.close()


def test_the_player_plays_from_the_question_to_the_answer(browser, http_root):
    chapter = "book/01_introduction.html"
    q = questions_on(chapter)[0]
    context = new_context(browser)
    try:
        page, _ = open_page(context, url_of(chapter, "http", http_root))
        section = f"rq-{q['id']}"
        page.evaluate("""(id) => { for (const b of window.RaftQuestions.blocks)
            for (const it of b.items) if (it.section.id === id) it.controller.painter.setSpeed('fast'); }""",
                      section)
        page.locator(f"#{section} button[data-choice='{q['answer']}']").click()
        assert painter_state(page, section)["playing"], "answering should play the animation"
        page.wait_for_function(
            """([id, k]) => { for (const b of window.RaftQuestions.blocks) for (const it of b.items)
                if (it.section.id === id) { const p = it.controller.painter;
                  return !p.playing && p.index === k; } }""", arg=[section, q["reveal"]["index"]],
            timeout=20_000)
    finally:
        context.close()


def test_playing_stops_at_an_unanswered_question(browser, http_root):
    chapter = "book/01_introduction.html"
    qs = questions_on(chapter)
    q = next(x for x in qs if x["at"]["index"] > 0)       # a question after the first frame
    context = new_context(browser)
    try:
        page, _ = open_page(context, url_of(chapter, "http", http_root))
        section = f"rq-{q['id']}"
        player = page.evaluate("""(id) => { for (const b of window.RaftQuestions.blocks)
            for (const it of b.items) if (it.section.id === id) {
              const p = it.controller.painter; p.setSpeed('fast'); p.show(0);
              p.box.setAttribute('data-test-player', '1'); return true; } }""", section)
        assert player
        box = page.locator("[data-test-player='1']")
        # Answer the earlier questions, which would stop the player first.
        for earlier in qs:
            if earlier["at"]["index"] < q["at"]["index"] and earlier["kind"] == "choice":
                page.locator(f"#rq-{earlier['id']} button[data-choice='{earlier['answer']}']").click()
                page.wait_for_function(          # its answer played to the end
                    "(k) => { const p = document.querySelector(\"[data-test-player='1']\")"
                    ".raftPainter; return !p.playing && p.index === k; }",
                    arg=earlier["reveal"]["index"], timeout=20_000)
        page.evaluate("() => { const p = document.querySelector(\"[data-test-player='1']\").raftPainter;"
                      " p.pause(); p.show(0); }")
        box.locator("button[data-action=play]").click()
        page.wait_for_function(
            "(k) => { const p = document.querySelector(\"[data-test-player='1']\").raftPainter;"
            " return !p.playing && p.index === k; }", arg=q["at"]["index"], timeout=30_000)
        note = box.locator(".rq-stop")
        assert note.is_visible() and note.get_attribute("role") == "status"
        assert "Paused" in note.inner_text() and f"#{section}" == note.locator("a").get_attribute("href")
        shot(page, "paused")
        # Play again: it goes on past the question.
        box.locator("button[data-action=play]").click()
        page.wait_for_function(
            "(k) => document.querySelector(\"[data-test-player='1']\").raftPainter.index > k",
            arg=q["at"]["index"], timeout=10_000)
        assert not note.is_visible()
        # With stops switched off (RaftQuestions.stopAtQuestions), playing goes past it.
        page.evaluate("() => { window.RaftQuestions.stopAtQuestions = false; window.RaftQuestions.clear();"
                      " const p = document.querySelector(\"[data-test-player='1']\").raftPainter;"
                      " p.pause(); p.show(0); p.play(); }")
        page.wait_for_function(
            "(k) => document.querySelector(\"[data-test-player='1']\").raftPainter.index > k",
            arg=q["at"]["index"], timeout=30_000)
    finally:
        context.close()


@pytest.mark.parametrize("mode", ["http", "file"])
def test_answers_survive_a_reload(browser, http_root, mode):
    chapter = "book/07_safety.html"
    qs = [q for q in questions_on(chapter) if q["kind"] == "choice"][:2]
    context = new_context(browser, reduced_motion="reduce")
    try:
        page, _ = open_page(context, url_of(chapter, mode, http_root))
        right, wrong = qs
        page.locator(f"#rq-{right['id']} button[data-choice='{right['answer']}']").click()
        other = next(c for c in wrong["choices"] if c != wrong["answer"])
        page.locator(f"#rq-{wrong['id']} button[data-choice='{other}']").click()
        total = len(questions_on(chapter))
        line = f"2 of {total} questions in this chapter answered (1 right on the first try)"
        assert line in page.locator(".rq-progress").first.inner_text()
        page.reload(wait_until="load")
        page.wait_for_function("() => [...document.querySelectorAll('.raft-questions')]"
                               ".every(x => x.hasAttribute('data-bound'))")
        assert line in page.locator(".rq-progress").first.inner_text()
        feedback = page.locator(f"#rq-{wrong['id']} .rq-feedback").inner_text()
        assert feedback.startswith("✗ Not quite") and "You answered this before" in feedback
        assert page.locator(f"#rq-{wrong['id']} button[data-choice='{other}']") \
            .get_attribute("aria-pressed") == "true"
        # Clearing forgets them, on this page only.
        page.locator(".rq-progress [data-action=clear]").first.click()
        assert f"0 of {total}" in page.locator(".rq-progress").first.inner_text()
        assert page.locator(f"#rq-{wrong['id']} .rq-feedback").inner_text() == ""
        page.reload(wait_until="load")
        page.wait_for_function("() => [...document.querySelectorAll('.raft-questions')]"
                               ".every(x => x.hasAttribute('data-bound'))")
        assert f"0 of {total}" in page.locator(".rq-progress").first.inner_text()
    finally:
        context.close()


# -- phone and dark mode ------------------------------------------------------------------------------

def luminance(rgb):
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(float(x)) for x in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


COLOURS = """(sel) => [...document.querySelectorAll(sel)].filter(e => e.offsetParent).map(e => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  let bg = e, c = getComputedStyle(e).backgroundColor;
  while (bg && (c === 'rgba(0, 0, 0, 0)' || c === 'transparent')) {
    bg = bg.parentElement; c = bg ? getComputedStyle(bg).backgroundColor : 'rgb(255,255,255)'; }
  return {fg: rgb(getComputedStyle(e).color), bg: rgb(c), text: e.textContent.slice(0, 30)}; })"""


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_readable_on_a_phone_in_both_themes(browser, http_root, dark):
    chapter = "book/06_log_replication.html"
    qs = questions_on(chapter)
    context = new_context(browser, viewport=PHONE, dark=dark, reduced_motion="reduce")
    try:
        page, _ = open_page(context, url_of(chapter, "http", http_root))
        assert page.evaluate("document.documentElement.dataset.theme") == ("dark" if dark else "light")
        wrong = next(q for q in qs if q["kind"] == "choice")
        other = next(c for c in wrong["choices"] if c != wrong["answer"])
        page.locator(f"#rq-{wrong['id']} button[data-choice='{other}']").click()
        page.locator(f"#rq-{wrong['id']}").scroll_into_view_if_needed()
        sideways = page.evaluate(
            "() => [document.documentElement.scrollWidth - window.innerWidth,"
            " ...[...document.querySelectorAll('.raft-questions')].map(b => b.scrollWidth - b.clientWidth)]")
        assert max(sideways) <= 0, sideways
        for sel in (".raft-questions legend", ".raft-questions .rq-feedback p",
                    ".raft-questions button", ".raft-questions .rq-progress span"):
            for item in page.evaluate(COLOURS, sel):
                assert contrast(item["fg"], item["bg"]) >= 4.5, (sel, item)
        if dark:   # no light output card around the block (the theme's, see raft-book.css)
            cards = page.evaluate("() => [...document.querySelectorAll('.raft-questions')].map(b =>"
                                  " getComputedStyle(b.closest('.text_html') || b).backgroundColor)")
            assert all(c in ("rgba(0, 0, 0, 0)", "transparent") for c in cards), cards
        sizes = page.evaluate("() => [...document.querySelectorAll('.raft-questions button')]"
                              ".filter(b => b.offsetParent).map(b => b.getBoundingClientRect().height)")
        assert min(sizes) >= 32
        shot(page, f"phone-{'dark' if dark else 'light'}")
    finally:
        context.close()
