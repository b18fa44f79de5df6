"""Pictures of compacted logs (§7): the picture snapshot, the scene and the safety light.

A compacted log has no entries before its snapshot's last included index. The picture keeps the
entries it still holds (``raft.sim.snapshot.LogTail``), the scene says where the snapshot ends, the
painter draws that part as one block, and the safety light compares only what the logs still
hold, so compaction alone never turns it red.
"""

import pytest

from raft import Cluster
from raft.book import compaction as cp
from raft.node import Entry
from raft.sim.snapshot import LogTail, log_base, snapshot
from raft.viz.checks import InvariantMonitor
from raft.viz.scene import SceneError, message_label, scenes_of, validate_scene
from raft.node import InstallSnapshot, InstallSnapshotReply


def test_a_compacted_log_is_pictured_with_its_snapshot_index():
    c = Cluster(size=3, seed=2, snapshot_threshold=5).elect(1)
    for k in range(8):
        c.submit(f"k={k}")
        c.run(10)
    c.run(100)
    view = snapshot(c).nodes[1].log
    node = c.nodes[1]
    assert isinstance(view, LogTail) and log_base(view) == node.log.snapshot_index > 0
    assert list(view) == node.log.entries and view.snapshot_term == node.log.snapshot_term
    plain = snapshot(Cluster(size=3, seed=2).elect(1)).nodes[1].log
    assert type(plain) is tuple and log_base(plain) == 0
    # Two pictures of the same entries after different snapshots are not the same picture.
    assert LogTail((Entry(1),), 4, 1) != LogTail((Entry(1),), 5, 1)
    assert LogTail((Entry(1),), 4, 1) == LogTail((Entry(1),), 4, 1)


def test_the_story_scenes_show_the_snapshot_and_stay_green():
    """In the chapter's story every scene is valid, each compacted log says where its snapshot
    ends (terms 0 up to there), and no property is flagged: compaction is not a violation."""
    story, marks = cp.lagging_follower()
    scenes = scenes_of(story.history(marks["restart"] - 1, marks["caught_up"]))
    for scene in scenes:
        validate_scene(scene)
        assert all(p["ok"] for p in scene["safety"]), scene["safety"]
    last = scenes[-1]
    first = last["logs"]["first"]
    for server in last["servers"]:
        snap = server["log"]["snapshot"]
        assert snap == {"index": 12, "term": 1}
        assert server["log"]["terms"][:12 - first + 1] == [0] * (12 - first + 1)
        assert server["log_length"] >= 12
    labels = {m["label"] for s in scenes for m in s["messages"]}
    assert "snap" in labels and "snap ok" in labels


def test_scene_validation_names_a_bad_snapshot():
    story, marks = cp.lagging_follower()
    scene = scenes_of(story.history(marks["caught_up"] - 1, marks["caught_up"]))[-1]
    scene["servers"][0]["log"]["snapshot"] = {"index": 99, "term": 1}
    with pytest.raises(SceneError, match=r"servers\[0\]\.log\.snapshot\.index.*99"):
        validate_scene(scene)
    scene["servers"][0]["log"]["snapshot"] = {"index": 3}
    with pytest.raises(SceneError, match="log.snapshot: missing 'term'"):
        validate_scene(scene)


def test_snapshot_messages_have_short_labels():
    msg = InstallSnapshot(src=1, dst=2, term=1, leader_id=1, last_included_index=4,
                          last_included_term=1, data=None)
    assert message_label(msg) == "snap"
    assert message_label(InstallSnapshotReply(src=2, dst=1, term=1,
                                              last_included_index=4)) == "snap ok"
    assert message_label(InstallSnapshotReply(src=2, dst=1, term=3)) == "snap ✗"


def test_the_light_still_sees_a_broken_log_after_compaction():
    """The light compares what the logs still hold: a retained entry changed behind the
    algorithm's back on a compacted server is still Log Matching's finding."""
    c = Cluster(size=3, seed=2, snapshot_threshold=5).elect(1)
    for k in range(8):
        c.submit(f"k={k}")
        c.run(10)
    c.run(100)
    snap = snapshot(c)
    monitor = InvariantMonitor()
    assert all(v is None for v in monitor.observe(snap).values())
    node = c.nodes[2]
    index = node.log.last_index - 1
    node.log.entries[-2] = Entry(node.log.entries[-2].term, "evil=1")
    status = InvariantMonitor().observe(snapshot(c))
    assert status["Log Matching"] is not None
    assert status["Log Matching"].cells[0][1] == index
