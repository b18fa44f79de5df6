"""The live explorer, driven through its own controls and through the painter's messages, as a
reader would (no browser), and the Session behind it."""

import html

import pytest

from raft import Cluster, RaftError
from raft.viz import Session, explore, needs_kernel, scenes_of
from raft.viz.embed import INLINE_MARK, painter_source, scenes_in
from raft.viz.widgets import NEEDS_KERNEL_TEXT, Explorer, PainterWidget


def started(seed=1):
    c = Cluster(seed=seed)
    c.elect(1)
    c.run(60)
    return c


def server(scene, i):
    return next(s for s in scene["servers"] if s["id"] == i)


def test_explore_is_a_widget_with_a_still_picture_for_pages_without_a_kernel():
    c = started()
    ex = explore(c)
    assert isinstance(ex, Explorer) and ex.cluster is c
    assert ex.scene["step"] == c.steps and ex.scene["leader"] == 1
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle     # a live notebook: the widget
    page = bundle["text/html"]                                       # a page: picture + one line
    assert "raft-needs-kernel" in page and "in a notebook, run the cell" in page
    # ... inside the box the book's pages make live ("Run live"), with the cluster's scenario.
    assert page.startswith('<div class="raft-live"><script type="application/json" '
                           'class="raft-live-config">')
    assert c.scenario_text().splitlines()[0] in page
    assert 'class="raft-painter"' in page and INLINE_MARK in page
    assert '"controls":false' in page                               # no control that does nothing
    assert "<button" not in page.split(f'<script class="{INLINE_MARK}">')[0]


def test_the_widget_runs_the_books_painter():
    ex = explore(started())
    assert isinstance(ex.painter, PainterWidget)
    assert ex.painter._esm.startswith(painter_source())
    assert "export default" in ex.painter._esm and "RaftPainter.render" in ex.painter._esm
    assert ex.painter.options == {"live": True, "legend": "closed"}


def test_a_view_that_opens_gets_every_scene_of_the_timeline():
    c = started()
    ex = explore(c)
    assert ex.painter.sent == []                    # nothing is computed until a view asks
    ex.painter.receive({"type": "ready"})
    message = ex.painter.sent[-1]
    assert message["type"] == "set" and message["index"] == c.steps
    # The notebook paints the same scenes as a page would: play() of the same run.
    assert scenes_in(message) == scenes_of(c.history(0))


def test_crash_and_restart_from_the_buttons_push_new_scenes():
    ex = explore(started())
    assert server(ex.scene, 3)["timer"] is not None
    ex.server.value = 3
    ex.crash_button.click()
    assert 3 in ex.cluster.crashed
    pushed = ex.painter.sent[-1]
    assert pushed["type"] == "push" and pushed["scene"] == ex.scene
    s3 = server(ex.scene, 3)
    assert s3["crashed"] and s3["timer"] is None
    ex.restart_button.click()
    assert 3 not in ex.cluster.crashed and not server(ex.scene, 3)["crashed"]


def test_partition_from_the_text_box_and_a_message_for_unreadable_groups():
    ex = explore(started())
    ex.groups.value = "1 2 | 3 4 5"
    ex.partition_button.click()
    assert ex.cluster.partition_groups == [[1, 2], [3, 4, 5]]
    assert ex.scene["network"]["partition"] == [[1, 2], [3, 4, 5]]
    ex.heal_button.click()
    assert ex.scene["network"]["partition"] is None
    ex.groups.value = "one | two"
    steps = ex.cluster.steps
    ex.partition_button.click()
    assert ex.cluster.steps == steps and "could not read groups" in ex.status.value


def test_disconnect_reconnect_timeout_and_stepping_from_the_painter():
    ex = explore(started())
    ex.server.value = 4
    ex.disconnect_button.click()
    assert ex.scene["network"]["disconnected"] == [4]
    ex.connect_button.click()
    assert ex.scene["network"]["disconnected"] == []
    ex.server.value = 2
    ex.timeout_button.click()
    assert server(ex.scene, 2)["role"] == "candidate"
    steps = ex.cluster.steps
    # Step (or Play) at the last scene: the painter asks for more, Python takes one step.
    ex.painter.receive({"type": "more", "mode": "step", "index": steps})
    assert ex.cluster.steps == steps + 1 and ex.painter.sent[-1]["scene"]["step"] == steps + 1
    ex.painter.receive({"type": "more", "mode": "play", "index": steps + 1})
    assert ex.cluster.steps == steps + 2


def test_a_click_on_a_server_selects_it():
    ex = explore(started())
    ex.painter.receive({"type": "server", "server": 4, "role": "follower", "index": 0})
    assert ex.server.value == 4 and "S4 selected" in ex.status.value
    ex.painter.receive({"type": "server", "server": 99})     # not a server: ignored
    assert ex.server.value == 4


def test_submit_and_deliver_or_drop_a_message_in_flight():
    ex = explore(started())
    ex.request.value = "y=2"
    ex.submit_button.click()
    assert any(m["label"] == "AE 1" for m in ex.scene["messages"])
    ids = [fid for _, fid in ex.messages.options]
    assert ids == [f.id for f in ex.cluster.in_flight()]
    ex.messages.value = ids[-1]
    ex.deliver_button.click()
    assert ids[-1] not in [m["id"] for m in ex.scene["messages"]]
    ex.messages.value = ids[0]
    ex.drop_button.click()
    assert ids[0] not in [f.id for f in ex.cluster.in_flight()]


def test_the_command_box_takes_a_command_or_any_action_line():
    """As in the page: x=1 is submitted to the leader; a line that starts with a verb of the
    scenario language (a client's get, a timed run) is done as written; the status says what
    it did."""
    cluster = Cluster(size=3, seed=2, clients=2)
    cluster.run_until(lambda c: c.leader() is not None)
    ex = explore(cluster)
    ex.request.value = "client 2 get x"
    ex.submit_button.click()
    assert "client 2 get x: done. What c2 gets will be said here." in ex.status.value
    ex.request.value = "run 300ms"
    ex.submit_button.click()
    assert ex.cluster.client_history()[-1]["output"] == ""      # never written: ""
    said = html.unescape(ex.status.value)
    assert "c2's get(x) returned '' from S" in said and "Not stale" in said
    ex.request.value = "x=1"
    ex.submit_button.click()
    assert "submit x=1: done." in ex.status.value and "submit x=1" in ex.cluster.scenario_text()
    ex.request.value = "   "
    ex.submit_button.click()
    assert "type a command" in ex.status.value


def test_errors_are_shown_in_words_for_buttons_not_code():
    ex = explore(Cluster(seed=1))            # no leader yet
    ex.request.value = "x=1"
    ex.submit_button.click()
    assert "NotLeader" in ex.status.value and "Press Step or Play" in ex.status.value
    assert "run_until" not in ex.status.value and ex.cluster.steps == 0
    ex.messages.value = None
    ex.deliver_button.click()
    assert "Pick a message" in ex.status.value


def test_moving_back_in_time_then_acting_forks_a_new_future():
    c = started()
    ex = explore(c)
    for _ in range(6):
        ex.step()
    original = ex.cluster
    end = original.steps
    back = end - 6
    ex.painter.receive({"type": "control", "action": "show", "index": back})  # the slider
    assert ex.session.view == back and ex.scene["step"] == back
    then = c.replay(back).snapshot()
    assert [(s["role"], s["term"]) for s in ex.scene["servers"]] == \
        [(n.role, n.current_term) for _, n in sorted(then.nodes.items())]
    ex.server.value = 4
    ex.crash_button.click()
    assert ex.forks == 1 and ex.cluster is not original and original.steps == end
    assert ex.cluster.steps == back + 1 and server(ex.scene, 4)["crashed"]
    assert "Forked a new future from step" in ex.status.value
    reset = ex.painter.sent[-1]
    assert reset["type"] == "set" and len(scenes_in(reset)) == back + 2


def test_save_and_load_a_scenario():
    ex = explore(started())
    ex.server.value = 5
    ex.crash_button.click()
    ex.request.value = "k=v"
    ex.submit_button.click()
    ex.step()
    text = ex.save()
    assert ex.scenario.value == text and "crash 5" in text and "submit k=v" in text
    before = ex.cluster
    ex.load(text)
    assert ex.cluster is not before and ex.cluster.steps == before.steps
    assert [n.log.terms() for n in ex.cluster.nodes.values()] == \
        [n.log.terms() for n in before.nodes.values()]
    assert server(ex.scene, 5)["crashed"] and ex.painter.sent[-1]["type"] == "set"
    ex.scenario.value = "cluster size=3\nfrobnicate 2"
    ex.load_button.click()
    assert "ScenarioError" in ex.status.value and ex.cluster.steps == before.steps


def test_session_actions_by_name_for_the_live_page():
    s = Session(started())
    _, new, forked = s.do("timeout", 3)
    assert forked is None and server(new[-1], 3)["role"] == "candidate"
    with pytest.raises(RaftError, match="unknown action 'explode'"):
        s.do("explode", 1)
    quiet = Cluster(size=3, seed=0)
    for i in quiet.ids:
        quiet.crash(i)
    with pytest.raises(RaftError, match="nothing is scheduled"):
        Session(quiet).step()
    with pytest.raises(RaftError, match="between 0 and"):
        s.scene(10**6)


def test_needs_kernel_notice_shows_without_a_kernel_and_hides_in_a_live_notebook():
    html = needs_kernel("Try <b>this</b>.")._repr_html_()
    assert NEEDS_KERNEL_TEXT in html and "Try &lt;b&gt;this&lt;/b&gt;." in html
    notice, script = html.split("<script>")
    assert "display:none" not in notice.replace(" ", "")
    # The script hides the notice only inside a Jupyter output area (where a kernel ran it).
    assert ".jp-OutputArea-output" in script and "n.hidden=true" in script
