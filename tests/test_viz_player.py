"""play() and show(): a run's steps as scenes for the painter, in plain HTML (no widget)."""

import json
import re

import pytest

from raft import Cluster, RaftError
from raft.viz import PainterError, Player, gallery, play, scenes_of, select_frames, show, validate_scene
from raft.viz.embed import INLINE_MARK, pack, painter_html, payload, scenes_in, unpack

PAYLOAD = re.compile(r'<script type="application/json" class="raft-scenes">(.*?)</script>', re.S)


def election_run():
    c = Cluster(seed=1)
    c.run(400)          # an election, then heartbeats; ends with an "advance" step
    start = c.steps
    c.submit("x=1")
    c.run(90)           # ends with time passing after the last event: a no-op step
    return c, start


def carried(html):
    """The payload a player's HTML carries (what the painter reads)."""
    return json.loads(PAYLOAD.search(html).group(1))


def test_play_makes_one_scene_per_visible_step():
    c, start = election_run()
    player = play(c, start=start, title="x=1 is replicated")
    assert isinstance(player, Player)
    snaps = list(c.history(start))
    kept, skipped, cut = select_frames(snaps)
    assert player.steps == tuple(s.step for s in kept) and not cut
    assert player.frame_count == len(kept) < len(snaps)
    assert [s["step"] for s in player.scenes] == list(player.steps)
    # start is the "time passed" step that ended c.run(400): the player opens on the submit.
    assert snaps[0].records[0].kind == "advance" and start in player.skipped_steps
    assert player.steps[0] == start + 1
    assert c.steps in player.skipped_steps          # the final "time passed" step changes nothing
    by_step = {s.step: s for s in snaps}
    for scene in player.scenes:
        validate_scene(scene)
        sentence = by_step[scene["step"]].caption
        assert scene["caption"].lower().startswith(sentence[:20].lower())
    assert player.scenes == [s for s in scenes_of(snaps) if s["step"] in player.steps]


def test_the_html_carries_the_scenes_the_title_and_the_painter():
    c, start = election_run()
    player = play(c, start=start, title="x=1 is replicated")
    html = player.html()
    data = carried(html)
    assert data["format"] == "raft-scenes" and data["version"] == 1
    assert data["options"] == {"title": "x=1 is replicated"}
    assert scenes_in(data) == player.scenes
    assert html.startswith('<div class="raft-painter">')
    assert f'<script class="{INLINE_MARK}">' in html and "RaftPainter" in html
    assert INLINE_MARK not in player.html(inline_js=False)
    assert player._repr_html_() == html
    # What a reader without scripts sees: the picture in words.
    assert player.scenes[0]["description"] in html


def test_scenes_travel_compressed():
    c, start = election_run()
    player = play(c, start=start)
    raw = len(json.dumps(player.scenes))
    packed = len(carried(player.html())["data"])
    assert packed * 10 < raw, (packed, raw)
    assert unpack(pack(player.scenes)) == player.scenes
    plain = payload(player.scenes, encoding="json")
    assert scenes_in(plain) == player.scenes


def test_json_in_the_page_cannot_end_its_script_element():
    c, _ = election_run()
    scene = dict(scenes_of(c.history(c.steps, c.steps))[0], caption="a </script><b>trap</b>")
    html = painter_html([scene], encoding="json")
    assert html.count("</script>") == 2                 # the payload's and the painter's
    assert carried(html)["scenes"][0]["caption"] == "a </script><b>trap</b>"


def test_play_never_opens_on_a_step_where_only_time_passed():
    c = Cluster(seed=1)
    c.run(400)
    c.run(30)
    c.run(0.5)
    start = c.steps - 1
    assert [r.kind for s in c.history(start) for r in s.records] == ["advance", "advance"]
    c.crash(1)
    c.run(50)
    player = play(c, start=start)
    assert player.steps[0] == start + 2
    assert "crashed" in player.scenes[0]["caption"]
    only = play(c, start=c.steps, end=c.steps)
    assert only.frame_count == 1 and only.scenes[0]["caption"].startswith("Time passed")
    assert only.options["controls"] is False           # one picture: nothing to play
    assert play(c, end=5).steps[0] == 0


def test_max_frames_caps_and_says_so_in_words_for_readers():
    c, _ = election_run()
    player = play(c, max_frames=5)
    assert player.frame_count == 5 and player.cut_steps
    note = player.options["note"]
    assert note.startswith("The animation stops after 5 events") and "max_frames" not in note
    assert "note" not in play(c).options


@pytest.mark.parametrize("kwargs", [{"max_frames": 0}, {"max_frames": True},
                                    {"max_frames": "5"}, {"speed": "warp"}])
def test_bad_arguments_are_named(kwargs):
    c, _ = election_run()
    with pytest.raises(PainterError) as info:
        play(c, **kwargs)
    assert isinstance(info.value, RaftError)
    assert repr(next(iter(kwargs.values()))) in str(info.value)


def test_unknown_painter_options_are_refused():
    c, _ = election_run()
    with pytest.raises(PainterError, match="unknown painter option 'colour'"):
        Player(play(c).scenes, {"colour": "red"})
    with pytest.raises(PainterError, match="at least one scene"):
        Player([], {})


def test_play_end_limits_the_range_and_table_false_hides_the_table():
    c, _ = election_run()
    player = play(c, start=10, end=30, table=False, speed="slow")
    assert player.steps[0] == 10 and player.steps[-1] <= 30
    assert player.options["table"] is False and player.options["speed"] == "slow"


def test_pages_are_light():
    c, _ = election_run()
    player = play(c)
    # About a hundred bytes a scene once packed, plus a fixed part.
    assert len(player.html(inline_js=False)) < 2_000 + 300 * player.frame_count


def test_show_draws_a_cluster_or_a_snapshot_as_one_still_scene():
    c, _ = election_run()
    picture = show(c)
    assert picture.frame_count == 1 and picture.options["controls"] is False
    assert picture.scenes[0]["step"] == c.steps
    snap = next(iter(c.history(5, 5)))
    assert show(snap).scenes[0]["step"] == 5
    assert show(c, caption=False).scenes[0]["caption"] == ""
    with pytest.raises(TypeError):
        show(42)


def test_show_reports_what_a_live_checker_found():
    c = Cluster(size=3, seed=1, check_invariants=False)
    c.elect(1)
    c.run(100)

    class Checker:
        violations = [type("V", (), {"prop": "Log Matching", "step": 3, "details": "made up"})()]

    c.checker = Checker()
    verdicts = {p["property"]: p for p in show(c).scenes[0]["safety"]}
    assert not verdicts["Log Matching"]["ok"] and verdicts["Log Matching"]["step"] == 3


def test_gallery_shows_one_picture_and_switches_with_no_script():
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    html = gallery({"150–160 ms": png, "150–250 ms": "<svg></svg>"}, label="Range").html
    assert "<script" not in html and html.count('type="radio"') == 2
    assert html.count(" checked>") == 1 and "data:image/png;base64," in html
    assert ":checked~.raft-gallery-items .raft-gallery-1{display:block}" in html
    with pytest.raises(PainterError):
        gallery({})
    with pytest.raises(PainterError):
        gallery({"a": b"GIF89a"})
