"""play(): a run's steps as kernel-free frames, with captions, without no-op steps."""

import html
import json
import re

import pytest
from ipywidgets import embed

from raft import Cluster
from raft.player import FramePlayer
from raft.viz import play, select_frames, show


def election_run():
    c = Cluster(seed=1)
    c.run(400)          # an election, then heartbeats; ends with an "advance" step
    start = c.steps
    c.submit("x=1")
    c.run(90)           # ends with time passing after the last event: a no-op step
    return c, start


def test_play_replays_the_history_one_frame_per_visible_step():
    c, start = election_run()
    player = play(c, start=start, title="x=1 is replicated")
    assert isinstance(player, FramePlayer)
    snaps = list(c.history(start))
    kept, skipped, cut = select_frames(snaps)
    assert player.steps == tuple(s.step for s in kept) and not cut
    assert player.frame_count == len(kept) < len(snaps)
    # start is the "time passed" step that ended c.run(400): the player opens on the submit.
    assert snaps[0].records[0].kind == "advance" and start in player.skipped_steps
    assert player.steps[0] == start + 1 and list(player.steps) == sorted(set(player.steps))
    assert c.steps in player.skipped_steps          # the final "time passed" step changes nothing
    by_step = {s.step: s for s in snaps}
    for k, step in enumerate(player.steps, 1):
        frame, caption = player.frame(k)
        assert frame.count("<svg") == 2 and 'viewBox="0 0 360' in frame
        assert f"Step {step} " in caption
        sentence = by_step[step].caption
        assert html.escape(sentence[1:]) in caption
    # Stepping changes the picture.
    assert len(set(player.frames)) == player.frame_count
    assert "x=1 is replicated" in player.children[0].value
    assert "changed nothing visible" in player.children[0].value


def test_play_never_opens_on_a_step_where_only_time_passed():
    """start= right after cluster.run(...) falls on an "advance" step (its caption says only
    "time passed to N ms"); leading steps like that are skipped, however many there are."""
    c = Cluster(seed=1)
    c.run(400)
    c.run(30)             # two "time passed" steps in a row (nothing is due in between)
    c.run(0.5)
    start = c.steps - 1
    assert [r.kind for s in c.history(start) for r in s.records] == ["advance", "advance"]
    c.crash(1)
    c.run(50)
    player = play(c, start=start)
    assert player.steps[0] == start + 2
    assert "crashed" in player.frame(1)[1] and "Time passed" not in player.frame(1)[1]
    assert {start, start + 1} <= set(player.skipped_steps)
    # A range with nothing but time passing still gets its one frame.
    only = play(c, start=c.steps, end=c.steps)
    assert only.frame_count == 1 and "Time passed" in only.frame(1)[1]
    # Step 0 (the cluster starting) is not a "time passed" step and still opens a player.
    assert play(c, end=5).steps[0] == 0


def test_frames_are_small():
    c, _ = election_run()
    player = play(c)
    sizes = [len(f.encode()) for f in player.frames]
    assert max(sizes) < 40_000, max(sizes)


def test_max_frames_caps_and_says_so():
    c, _ = election_run()
    player = play(c, max_frames=5)
    assert player.frame_count == 5 and player.cut_steps
    assert "max_frames=5" in player.children[0].value
    with pytest.raises(ValueError):
        play(c, max_frames=0)


def test_play_end_limits_the_range():
    c, start = election_run()
    player = play(c, start=10, end=30)
    assert player.steps[0] == 10 and player.steps[-1] <= 30


def test_play_frames_are_embedded_in_the_widget_state_for_the_static_page():
    c, start = election_run()
    player = play(c, start=start)
    state = embed.dependency_state([player], drop_defaults=True)
    text = json.dumps(state)
    # Every frame's SVG travels in the page with the widgets, with no kernel needed.
    assert len(re.findall(r'class=\\"raft-frame\\"', text)) == player.frame_count
    assert len(re.findall(r'class=\\"raft-caption\\"', text)) == player.frame_count


def test_show_draws_a_cluster_or_a_snapshot():
    c, _ = election_run()
    html = show(c).html
    assert html.count("<svg") == 2 and "raft-caption" in html and "<table" in html
    snap = next(iter(c.history(5, 5)))
    assert "Step 5 " in show(snap).html
    with pytest.raises(TypeError):
        show(42)
