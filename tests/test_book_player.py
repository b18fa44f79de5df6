"""raft.player: the FramePlayer's widgets are linked in the browser, and needs_kernel says so.

The browser test (test_book_browser.py) checks that a built page really steps without a kernel;
these checks pin down the wiring that makes that possible, without a browser. The last test reads
the players saved in the built book (_build/html) and checks what each one opens on.
"""

from __future__ import annotations

import html as _html
import json
import re
from pathlib import Path

import ipywidgets as widgets
import pytest
from ipywidgets.widgets.widget_link import Link

from raft.player import NEEDS_KERNEL_TEXT, FramePlayer, needs_kernel

FRAMES = [f'<svg viewBox="0 0 10 10"><text y="5">{i}</text></svg>' for i in range(1, 5)]
CAPTIONS = [f"caption {i}" for i in range(1, 5)]


def linked(player: FramePlayer) -> set[tuple[str, str, str, str]]:
    """(source widget, trait, target widget, trait) for every browser-side link of the player."""
    names = {id(player.play): "play", id(player.slider): "slider", id(player.stepper): "stepper",
             id(player.stack): "stack"}
    pairs = set()
    for link in player._links:
        assert isinstance(link, Link)  # jslink: runs in the browser, not the kernel
        (a, a_trait), (b, b_trait) = link.source, link.target
        pairs.add((names[id(a)], a_trait, names[id(b)], b_trait))
    return pairs


def test_player_links_play_slider_stepper_and_stack_in_the_browser():
    player = FramePlayer(FRAMES, CAPTIONS, title="t", interval=250)
    assert linked(player) == {
        ("play", "value", "slider", "value"),
        ("slider", "value", "stepper", "value"),
        ("slider", "value", "stack", "selected_index"),
    }
    assert player.play.interval == 250


def test_player_numbers_frames_from_one_and_shows_frame_k_at_value_k():
    player = FramePlayer(FRAMES, CAPTIONS)
    assert player.frame_count == 4
    for control in (player.play, player.slider, player.stepper):
        assert (control.min, control.max, control.value) == (1, 4, 1)
    assert player.stack.selected_index == 1
    for k in range(1, 5):
        shown = player.stack.children[k].value
        assert f'<div class="raft-frame">{FRAMES[k - 1]}</div>' in shown
        assert f'<div class="raft-caption">{CAPTIONS[k - 1]}</div>' in shown
        assert player.frame(k) == (FRAMES[k - 1], CAPTIONS[k - 1])


def test_player_frames_share_one_layout_and_style_model():
    """Every frame's widget state is embedded in the page: keep it to one model per frame."""
    player = FramePlayer(FRAMES, CAPTIONS)
    pages = player.stack.children[1:]
    assert len({id(p.layout) for p in pages}) == 1
    assert len({id(p.style) for p in pages}) == 1


def test_player_value_moves_every_control():
    player = FramePlayer(FRAMES, CAPTIONS)
    player.value = 3
    assert (player.play.value, player.slider.value, player.stepper.value) == (3, 3, 3)
    assert player.stack.selected_index == 3
    with pytest.raises(ValueError):
        player.value = 5


def test_player_is_responsive_and_marked_for_the_tests():
    player = FramePlayer(FRAMES, CAPTIONS)
    assert player.layout.width == "100%" and player.layout.max_width
    assert "raft-frameplayer" in player._dom_classes
    header = player.children[0].value
    assert "svg" in header and "width: 100%" in header  # SVG frames scale to the column


@pytest.mark.parametrize(
    "frames, captions, error",
    [([], [], ValueError), (FRAMES, CAPTIONS[:-1], ValueError), ([1, 2], ["a", "b"], TypeError)],
)
def test_player_rejects_bad_input(frames, captions, error):
    with pytest.raises(error):
        FramePlayer(frames, captions)


def test_needs_kernel_is_a_visible_notice_with_escaped_message():
    notice = needs_kernel("Try <b>this</b>.")
    html = notice._repr_html_()
    assert NEEDS_KERNEL_TEXT in html
    assert "Try &lt;b&gt;this&lt;/b&gt;." in html
    assert "display:none" not in html.replace(" ", "")


# ---------------------------------------------------------------- the players in the built book

SITE = Path(__file__).resolve().parent.parent / "_build" / "html"
WIDGET_STATE = re.compile(
    r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', re.S)


def built_players() -> list[tuple[str, str, int]]:
    """(page, plain text of the first frame's caption, frame count) for every FramePlayer saved
    in the built book's widget state."""
    found = []
    for page in sorted(SITE.rglob("*.html")):
        match = WIDGET_STATE.search(page.read_text(errors="replace"))
        if not match:
            continue
        state = json.loads(match.group(1))["state"]

        def model(ref):
            return state[ref.removeprefix("IPY_MODEL_")]["state"]

        for entry in state.values():
            if "raft-frameplayer" not in entry["state"].get("_dom_classes", ()):
                continue
            stack = model(entry["state"]["children"][1])
            first = model(stack["children"][stack.get("selected_index", 1)]).get("value", "")
            caption = re.search(r'<div class="raft-caption">(.*)</div>', first, re.S)
            text = _html.unescape(re.sub(r"<[^>]+>", "", caption.group(1))) if caption else ""
            found.append((page.relative_to(SITE).as_posix(), text, len(stack["children"]) - 1))
    return found


@pytest.mark.skipif(not (SITE / "index.html").is_file(),
                    reason=f"no built book at {SITE}: run `bash scripts/build_book.sh` first")
def test_no_player_in_the_built_book_opens_on_time_passing():
    """A player whose first frame only says "time passed to N ms" opens on nothing: play()
    skips such leading steps, and this checks every player the book actually contains."""
    players = built_players()
    pages = {page for page, _, _ in players}
    assert len(players) >= 40 and {"book/07_safety.html", "book/appendix/bug_zoo.html"} <= pages
    assert all(caption.startswith("Step ") for _, caption, _ in players), players
    bad = [(page, caption[:80]) for page, caption, count in players
           if re.match(r"Step \d+ \([\d.]+ ms\)\. Time passed to", caption) and count > 1]
    assert not bad, f"players that open on a step where only time passed: {bad}"
