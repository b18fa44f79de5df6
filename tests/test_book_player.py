"""The players saved in the built book (_build/html), read without a browser.

Every player is a <div class="raft-painter"> with its scenes in a JSON script; the browser tests
(test_book_browser.py) check that the painter draws and plays them. Here: every scene follows the
schema, no page carries a widget runtime or its state, the painter is loaded once per page from
_static, and the explorers' pages show a picture and one line instead of controls that do nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from raft.viz import validate_scene
from raft.viz.embed import PAINTER_PATH, scenes_in

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
PAYLOAD = re.compile(r'<script type="application/json" class="raft-scenes">(.*?)</script>', re.S)

pytestmark = pytest.mark.skipif(not (SITE / "index.html").is_file(),
                                reason=f"no built book at {SITE}: run `bash scripts/build_book.sh`")


def pages():
    skip = ("_static/", "_sources/", "_images/")
    return sorted(p for p in SITE.rglob("*.html") if not p.relative_to(SITE).as_posix().startswith(skip))


def built_players():
    """(page, payload, scenes) for every player in the built book."""
    found = []
    for page in pages():
        for match in PAYLOAD.finditer(page.read_text(encoding="utf-8")):
            data = json.loads(match.group(1))
            found.append((page.relative_to(SITE).as_posix(), data, scenes_in(data)))
    return found


def test_every_player_carries_valid_scenes():
    players = built_players()
    assert len(players) >= 50, len(players)
    assert {"book/07_safety.html", "book/appendix/bug_zoo.html"} <= {p for p, _, _ in players}
    frames = 0
    for page, data, scenes in players:
        assert data["format"] == "raft-scenes" and data["version"] == 1, page
        assert scenes, page
        for scene in scenes:
            validate_scene(scene)
        frames += len(scenes)
    assert frames > 1000


def test_no_player_opens_on_a_step_where_only_time_passed():
    bad = [(page, scenes[0]["caption"][:80]) for page, _, scenes in built_players()
           if len(scenes) > 1 and scenes[0]["caption"].startswith("Time passed")]
    assert not bad, f"players that open on a step where only time passed: {bad}"


def test_captions_and_notes_speak_to_readers():
    for page, data, scenes in built_players():
        note = data["options"].get("note", "")
        assert "max_frames" not in note and "=" not in note, (page, note)
        for scene in scenes:
            assert scene["caption"] and scene["caption"][0].isupper(), (page, scene["step"])
            assert scene["description"], (page, scene["step"])


def test_pages_load_the_painter_once_and_no_widget_runtime():
    assert (SITE / "_static" / "raft-painter.js").read_bytes() == PAINTER_PATH.read_bytes()
    assert not (SITE / "_static" / "jupyter-widgets").exists()
    assert not list((SITE / "_static" / "scripts").glob("fontawesome.js*"))
    for page in pages():
        html = page.read_text(encoding="utf-8")
        name = page.relative_to(SITE).as_posix()
        assert "application/vnd.jupyter.widget-state+json" not in html, name
        assert "jupyter-widgets" not in html and "fontawesome.js" not in html, name
        assert "raft-painter-inline" not in html, f"{name} carries an inlined copy of the painter"
        loads = len(re.findall(r'<script src="[^"]*_static/raft-painter\.js', html))
        assert loads == (1 if 'class="raft-painter"' in html else 0), name


def test_explorers_show_a_picture_and_one_line_not_controls():
    for name in ("book/02_consensus.html", "book/04_parts.html", "book/05_leader_election.html",
                 "book/appendix/explorer.html"):
        html = (SITE / name).read_text(encoding="utf-8")
        # The notice (for a notebook without a kernel) and the box the page makes live
        # (tests/test_live_browser.py drives it).
        assert 'class="raft-needs-kernel"' in html and "in a notebook, run the cell" in html
        assert 'class="raft-live"' in html and "raft-explorer.js" in html
        assert "widget-view" not in html and "jupyter-widgets" not in html
        stills = [data for page, data, _ in built_players()
                  if page == name and data["options"].get("controls") is False]
        assert stills, name


def test_the_whole_site_is_at_most_20_mb():
    """Issue 13: at most 20 MB without the live page's files; issue 14: at most 35 MB with them
    (Pyodide, the Python snapshot and the raft zip, fetched only when a reader presses Run
    live)."""
    files = [p for p in SITE.rglob("*") if p.is_file()]
    live = (SITE / "_static" / "pyodide", SITE / "_static" / "raft-live")
    total = sum(p.stat().st_size for p in files)
    without = sum(p.stat().st_size for p in files if not any(d in p.parents for d in live))
    assert without <= 20e6, f"the built site is {without / 1e6:.1f} MB without the live files"
    assert total <= 35e6, f"the built site is {total / 1e6:.1f} MB with Pyodide"
    assert total - without > 10e6, "Pyodide is missing from _static/pyodide"


def test_downloaded_notebooks_keep_the_scenes_but_not_the_painters_script():
    notebooks = sorted((SITE / "_sources").rglob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        text = path.read_text(encoding="utf-8")
        assert "raft-painter-inline" not in text, path.name
