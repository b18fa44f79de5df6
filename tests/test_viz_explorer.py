"""The live explorer, driven through its own controls as a reader would (no browser)."""

from raft import Cluster
from raft.viz import explore
from raft.viz.explorer import Explorer


def started(seed=1):
    c = Cluster(seed=seed)
    c.elect(1)
    c.run(60)
    return c


def test_explore_shows_the_cluster_now_and_a_needs_kernel_notice():
    c = started()
    ex = explore(c)
    assert isinstance(ex, Explorer) and ex.cluster is c
    assert ex.scene.step == c.steps and ex.scene.leader == 1
    assert "raft-needs-kernel" in ex.notice.value
    assert ex.picture.value.count("<svg") == 2
    bundle = ex._repr_mimebundle_()
    assert "raft-needs-kernel" in bundle["text/html"] and "<svg" in bundle["text/html"]


def test_crash_greys_the_server_and_removes_its_timer():
    ex = explore(started())
    before = ex.picture.value
    assert ex.scene.server(3).timer is not None
    ex.server.value = 3
    ex.crash_button.click()
    assert 3 in ex.cluster.crashed
    s3 = ex.scene.server(3)
    assert s3.crashed and s3.timer is None and ex.picture.value != before
    ex.restart_button.click()
    assert 3 not in ex.cluster.crashed and not ex.scene.server(3).crashed


def test_partition_from_the_text_box_cuts_links():
    ex = explore(started())
    ex.groups.value = "1 2 | 3 4 5"
    ex.partition_button.click()
    assert ex.cluster.partition_groups == [[1, 2], [3, 4, 5]]
    assert ex.scene.link(2, 3).cut and not ex.scene.link(1, 2).cut
    ex.heal_button.click()
    assert not any(k.cut for k in ex.scene.links)
    ex.groups.value = "one | two"
    steps = ex.cluster.steps
    ex.partition_button.click()             # unreadable: a message, nothing happens
    assert ex.cluster.steps == steps and "Could not read" in ex.status.value


def test_disconnect_reconnect_timeout_and_step():
    ex = explore(started())
    ex.server.value = 4
    ex.disconnect_button.click()
    assert all(k.cut == (4 in (k.a, k.b)) for k in ex.scene.links)
    ex.connect_button.click()
    assert not any(k.cut for k in ex.scene.links)
    ex.server.value = 2
    ex.timeout_button.click()
    assert ex.scene.server(2).role == "candidate"
    steps = ex.cluster.steps
    ex.step_button.click()
    assert ex.cluster.steps == steps + 1 and ex.scene.step == steps + 1
    ex.play.value = ex.play.value + 1       # a tick of the Play widget steps once
    assert ex.cluster.steps == steps + 2


def test_submit_and_deliver_or_drop_a_message_in_flight():
    ex = explore(started())
    ex.request.value = "y=2"
    ex.submit_button.click()
    assert any(m.label == "AE 1" for m in ex.scene.messages)
    ids = [fid for _, fid in ex.messages.options]
    assert ids == [f.id for f in ex.cluster.in_flight()]
    ex.messages.value = ids[-1]
    ex.deliver_button.click()
    assert ids[-1] not in [f.id for f in ex.cluster.in_flight()]
    assert ids[-1] not in [m.id for m in ex.scene.messages]
    ex.messages.value = ids[0]
    ex.drop_button.click()
    assert ids[0] not in [f.id for f in ex.cluster.in_flight()]


def test_errors_are_shown_not_raised():
    c = Cluster(seed=1)                     # no leader yet
    ex = explore(c)
    ex.request.value = "x=1"
    ex.submit_button.click()
    assert "NotLeader" in ex.status.value and ex.cluster.steps == 0


def test_time_slider_shows_an_earlier_step():
    c = started()
    ex = explore(c)
    for _ in range(5):
        ex.step_button.click()
    now = ex.cluster.steps
    ex.time.value = 3
    assert ex.scene.step == 3 and ex.shown.step == 3
    expected = c.replay(3).snapshot()
    assert {i: (n.role, n.current_term) for i, n in ex.shown.nodes.items()} == \
        {i: (n.role, n.current_term) for i, n in expected.nodes.items()}
    assert ex.cluster.steps == now and "forks a new future" in ex.time_note.value
    ex.time.value = now
    assert ex.scene.step == now and ex.time_note.value == ""


def test_acting_from_the_past_forks_a_new_future():
    c = started()
    ex = explore(c)
    for _ in range(6):
        ex.step_button.click()
    original = ex.cluster
    end = original.steps
    old_future = [r.sentence for r in original.trace if r.step > end - 6]
    back = end - 6
    ex.time.value = back
    ex.server.value = 4
    ex.crash_button.click()
    assert ex.forks == 1 and ex.cluster is not original
    assert ex.cluster.steps == back + 1 and original.steps == end   # the old run is untouched
    new_future = [r.sentence for r in ex.cluster.trace if r.step > back]
    assert new_future and new_future != old_future
    assert ex.time.max == back + 1 and ex.scene.server(4).crashed
    assert "Forked" in ex.status.value


def test_save_and_load_a_scenario():
    ex = explore(started())
    ex.server.value = 5
    ex.crash_button.click()
    ex.request.value = "k=v"
    ex.submit_button.click()
    ex.step_button.click()
    text = ex.save()
    assert ex.scenario.value == text and "crash 5" in text and "submit k=v" in text
    before = ex.cluster
    ex.load(text)
    assert ex.cluster is not before and ex.cluster.steps == before.steps
    assert [n.log.terms() for n in ex.cluster.nodes.values()] == \
        [n.log.terms() for n in before.nodes.values()]
    assert ex.scene.server(5).crashed
    ex.scenario.value = "cluster size=3\nfrobnicate 2"
    ex.load_button.click()
    assert "ScenarioError" in ex.status.value and ex.cluster.steps == before.steps
