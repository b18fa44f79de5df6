"""Clients and reads in the pictures: the scene's optional keys (clients, client_messages,
reads) follow the schema, say what they show in words, and runs without clients keep their
scenes exactly as before."""

import pytest

from raft import Cluster
from raft.classroom import reads
from raft.viz.scene import SceneError, scene_of, scenes_of, validate_scene


def test_a_story_with_clients_gives_valid_scenes_with_the_new_keys():
    c = reads.drifting_lease(0, rate=0.1)
    start, end = reads.story_window(c)
    scenes = scenes_of(list(c.history(start, end)))
    for scene in scenes:
        validate_scene(scene)
        assert {"clients", "client_messages", "reads"} <= set(scene)
    assert any(s["client_messages"] for s in scenes)
    waiting = [s for s in scenes if s["clients"][1]["waiting"]]
    assert waiting and "c2 waits for get(x)" in waiting[0]["description"]
    leases = [r for s in scenes for r in s["reads"]["servers"] if r["lease_until"]]
    assert leases and any(r["clock_rate"] == 0.1 for s in scenes for r in s["reads"]["servers"])
    assert any("holds a lease" in s["description"] for s in scenes)
    calls = [s for s in scenes if s["caption"].startswith("Client c2 called")]
    assert calls, "a caption starts with a capital, and a client's name keeps its small letter"


def test_client_messages_are_not_server_messages():
    c = Cluster(size=3, seed=1, clients=1)
    c.run_until(lambda c: c.leader() is not None, 3000)
    c.client_op(1, "get", "x")
    scene = scene_of(c.snapshot())
    assert scene["messages"] == [] or all(isinstance(m["from"], int) and isinstance(m["to"], int)
                                          for m in scene["messages"])
    (m,) = scene["client_messages"]
    assert m["from"] == "c1" and m["kind"] == "ClientRequest" and m["label"] == "get x"


def test_heartbeat_rounds_are_drawn_like_heartbeats():
    c = Cluster(size=3, seed=2, reads="lease")
    c.run_until(lambda c: c.leader() is not None, 3000)
    c.run(200)
    labels = {m["label"]: m for s in scenes_of(list(c.history(0, c.steps)))
              for m in s["messages"]}
    rounds = [m for label, m in labels.items() if label.startswith("HB r")]
    assert rounds and all(m["entries"] == 0 and not m["reply"] for m in rounds)
    assert any(label == "HB ✓" for label in labels)


def test_a_scene_without_clients_has_no_new_keys():
    c = Cluster(size=3, seed=3)
    c.run(500)
    scene = scene_of(c.snapshot())
    assert not {"clients", "client_messages", "reads"} & set(scene)


def test_bad_client_keys_are_named():
    c = Cluster(size=3, seed=1, clients=1)
    c.client_op(1, "get", "x")
    scene = scene_of(c.snapshot())
    scene["client_messages"][0]["to"] = "c9"
    with pytest.raises(SceneError, match=r"client_messages\[0\].to"):
        validate_scene(scene)
    scene = scene_of(c.snapshot())
    scene["reads"]["servers"][0]["waiting"] = -1
    with pytest.raises(SceneError, match=r"reads.servers\[0\].waiting"):
        validate_scene(scene)
