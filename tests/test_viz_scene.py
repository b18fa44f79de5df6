"""Scenes: what a picture of the cluster shows, as data (raft.viz.scene, schema version 1)."""

import copy
import dataclasses
import json

import pytest

from raft import (AppendEntries, AppendEntriesReply, Cluster, Entry, RaftError, RequestVote,
                  RequestVoteReply)
from raft.check import PROPERTIES
from raft.viz import SCHEMA_VERSION, InvariantMonitor, SceneError, scene_of, scenes_of, validate_scene
from raft.viz.scene import message_label


def elected(seed=1, leader=1):
    c = Cluster(seed=seed)
    c.elect(leader)
    return c


def server(scene, i):
    return next(s for s in scene["servers"] if s["id"] == i)


def test_a_scene_is_json_and_follows_its_schema():
    c = elected()
    c.submit("x=1")
    scene = scene_of(c.snapshot())
    assert scene["version"] == SCHEMA_VERSION == 1
    assert json.loads(json.dumps(scene)) == scene          # plain JSON, nothing else
    assert validate_scene(scene) is scene
    assert [s["id"] for s in scene["servers"]] == [1, 2, 3, 4, 5]
    assert [p["property"] for p in scene["safety"]] == list(PROPERTIES)


def test_leader_and_followers_with_their_terms_and_timers():
    c = elected(leader=3)
    snap = c.snapshot()
    scene = scene_of(snap)
    assert scene["leader"] == 3
    s3 = server(scene, 3)
    assert s3["role"] == "leader" and s3["timer"] is None      # a leader has no election timer
    for i in (1, 2, 4, 5):
        s = server(scene, i)
        n = snap.nodes[i]
        assert s["role"] == "follower" and s["term"] == n.current_term and s["voted_for"] == 3
        assert s["timer"] == {"start": round(n.election_timer_start, 2),
                              "deadline": round(n.election_deadline, 2)}
    assert scene["description"].startswith("S3 leads term 1. S1, S2, S4 and S5 follow.")


def test_crashed_server_keeps_its_role_has_no_timer_and_is_described():
    c = elected()
    c.crash(2)
    scene = scene_of(c.snapshot())
    s2 = server(scene, 2)
    assert s2["crashed"] and s2["timer"] is None and s2["role"] == "follower"
    assert "S2 is crashed." in scene["description"]


def test_partition_and_disconnection_are_in_the_network():
    c = elected()
    c.partition([1, 2], [3, 4, 5])
    scene = scene_of(c.snapshot())
    assert scene["network"] == {"partition": [[1, 2], [3, 4, 5]], "disconnected": []}
    assert "The network is split: S1 S2 | S3 S4 S5." in scene["description"]
    c.heal()
    c.disconnect(4)
    scene = scene_of(c.snapshot())
    assert scene["network"] == {"partition": None, "disconnected": [4]}
    assert "S4 cut off from the network." in scene["description"]


def test_every_message_in_flight_with_its_times_kind_and_summary():
    c = elected()
    c.submit("x=1")
    snap = c.snapshot()
    scene = scene_of(snap)
    assert [m["id"] for m in scene["messages"]] == [f.id for f in snap.flights]
    for m, f in zip(scene["messages"], snap.flights):
        assert (m["from"], m["to"]) == (f.msg.src, f.msg.dst)
        assert (m["sent"], m["due"]) == (round(f.sent_at, 2), round(f.deliver_at, 2))
        assert m["kind"] == type(f.msg).__name__ and m["term"] == f.msg.term
    ae = [m for m in scene["messages"] if m["kind"] == "AppendEntries" and m["entries"]]
    assert ae and all(m["label"] == f"AE {m['entries']}" and not m["reply"] and m["ok"] is None
                      and f"{m['entries']} entr" in m["summary"] for m in ae)
    first = scene["messages"][0]
    assert f"In flight: {first['label']} S{first['from']} to S{first['to']}" in scene["description"]


@pytest.mark.parametrize("msg, label, reply, ok", [
    (RequestVote(1, 2, 3, 1, 0, 0), "RV", False, None),
    (RequestVoteReply(2, 1, 3, True), "vote ✓", True, True),
    (RequestVoteReply(2, 1, 3, False), "vote ✗", True, False),
    (AppendEntries(1, 2, 3, 1, 0, 0, (), 0), "hb", False, None),
    (AppendEntries(1, 2, 3, 1, 0, 0, (Entry(3), Entry(3, "x=1")), 0), "AE 2", False, None),
    (AppendEntriesReply(2, 1, 3, True, 2), "ok", True, True),
    (AppendEntriesReply(2, 1, 3, False), "fail", True, False),
])
def test_message_labels_and_verdicts(msg, label, reply, ok):
    from raft.sim.cluster import Flight
    from raft.viz.scene import message_data
    assert message_label(msg) == label
    data = message_data(Flight(7, msg, 10.0, 22.5))
    assert (data["label"], data["reply"], data["ok"]) == (label, reply, ok)


def test_candidate_votes_received_on_the_way_and_needed():
    c = Cluster(seed=4)
    c.timeout(2)
    # Run until S2 has counted one vote besides its own and another granted vote is travelling.
    assert c.run_until(lambda c: c.nodes[2].role == "candidate" and len(c.nodes[2].votes) == 2,
                       timeout=100)
    scene = scene_of(c.snapshot())
    v = server(scene, 2)["votes"]
    assert v["have"] == sorted(c.nodes[2].votes) and 2 in v["have"]
    assert v["needed"] == 3 and v["voters"] == [1, 2, 3, 4, 5]
    granted = {i for i in c.ids if c.nodes[i].voted_for == 2 and c.nodes[i].current_term ==
               c.nodes[2].current_term}
    assert set(v["coming"]) == granted - set(v["have"])
    assert "S2 is a candidate for term 1 with 2 of the 3 votes it needs." in scene["description"]
    assert all(server(scene, i)["votes"] is None for i in (1, 3, 4, 5))


def test_committed_and_uncommitted_entries_and_the_leaders_view():
    c = Cluster(seed=1)
    c.elect(1)
    c.run(100)
    c.crash(5)
    index = c.submit("x=1")
    c.run(100)
    scene = scene_of(c.snapshot())
    leader = c.nodes[1]
    assert server(scene, 1)["next_index"] is None and server(scene, 1)["match_index"] is None
    for i in (2, 3, 4, 5):
        s = server(scene, i)
        assert (s["next_index"], s["match_index"]) == (leader.next_index[i], leader.match_index[i])
    s2 = server(scene, 2)
    assert s2["log"]["terms"] == [1, 1] and s2["commit_index"] == index == 2
    assert server(scene, 5)["log"]["terms"] == [1] and server(scene, 5)["match_index"] == 1


def test_entries_the_next_step_deletes_are_marked():
    c = Cluster(size=3, seed=2, logs={1: [1, 1, 4], 2: [1, 1, 2, 2], 3: [1, 1]},
                terms={1: 4, 2: 2, 3: 1})
    c.elect(1)
    c.run(200)
    snaps = list(c.history())
    k = next(n for n, s in enumerate(snaps) if any(r.kind == "truncate" for r in s.records))
    scenes = {s["step"]: s for s in scenes_of(snaps)}
    before = scenes[snaps[k - 1].step]
    assert server(before, 2)["log"]["truncate_from"] == 3
    assert server(before, 1)["log"]["truncate_from"] is None
    # Without the next step there is nothing to mark.
    assert server(scene_of(snaps[k - 1]), 2)["log"]["truncate_from"] is None


def test_each_entry_says_what_it_carries_and_each_server_its_state_machine():
    """The commands a reader submitted are visible: each entry's command in words, and each
    server's key-value store (what it applied, up to last_applied)."""
    c = Cluster(size=3, seed=2)
    c.elect(1)
    c.submit("x=1")
    c.run(200)
    c.submit("z=9")
    scene = validate_scene(scene_of(c.snapshot()))
    leader = server(scene, 1)
    assert leader["log"]["commands"] == ["no-op", "x=1", "z=9"]
    assert leader["state_machine"] == {"x": "1"}      # z=9 is not committed yet
    c.run(200)
    scene = scene_of(c.snapshot())
    for i in (1, 2, 3):
        assert server(scene, i)["state_machine"] == {"x": "1", "z": "9"}
        assert server(scene, i)["log"]["commands"][-1] == "z=9"
    members = Cluster(size=3, seed=1)
    members.elect(1)
    members.change_membership([1, 2])
    s1 = server(scene_of(members.snapshot()), 1)
    assert s1["log"]["commands"][-1].startswith("configuration {1,2")


def test_long_logs_carry_only_the_latest_window():
    c = Cluster(size=3, seed=0, logs={1: [1] * 40, 2: [1] * 30, 3: [1] * 5})
    scene = scene_of(c.snapshot(), window=14)
    assert scene["logs"] == {"first": 27, "last": 40, "hidden": 26}
    assert len(server(scene, 1)["log"]["terms"]) == 14
    assert len(server(scene, 2)["log"]["terms"]) == 4            # indexes 27..30
    assert server(scene, 3)["log"]["terms"] == [] and server(scene, 3)["log_length"] == 5
    short = scene_of(Cluster(size=3, seed=0, logs={1: [1, 1]}).snapshot())
    assert short["logs"]["first"] == 1 and short["logs"]["hidden"] == 0


def test_configuration_entries_and_non_voters_are_marked():
    c = Cluster(size=5, seed=1)
    c.elect(1)
    c.run(100)
    c.change_membership([1, 2, 3, 4])
    c.run(400)
    scene = scene_of(c.snapshot())
    configs = server(scene, 1)["log"]["configs"]
    assert len(configs) == 2 and all(c.nodes[1].log[k].kind == "config" for k in configs)
    assert [s["id"] for s in scene["servers"] if not s["voter"]] == [5]   # removed: no vote


def test_a_broken_property_is_named_with_its_step_and_entries():
    c = Cluster(size=3, seed=1)
    c.elect(1)
    c.run(100)
    snap = c.snapshot()
    nodes = dict(snap.nodes)
    nodes[2] = dataclasses.replace(nodes[2], role="leader", current_term=nodes[1].current_term)
    nodes[3] = dataclasses.replace(nodes[3], log=(Entry(1, "x=9"),) + nodes[3].log[1:],
                                   commit_index=0)
    bad = dataclasses.replace(snap, nodes=nodes, step=snap.step + 1)
    monitor = InvariantMonitor()
    monitor.observe(snap)
    scene = scene_of(bad, monitor.observe(bad))
    verdicts = {p["property"]: p for p in scene["safety"]}
    assert not verdicts["Election Safety"]["ok"] and verdicts["Election Safety"]["step"] == bad.step
    assert "S1 and S2 were both leader in term" in verdicts["Election Safety"]["details"]
    assert verdicts["State Machine Safety"]["ok"]
    assert [3, 1] in scene["flagged"]
    assert "Safety violated: Election Safety" in scene["description"]
    validate_scene(scene)


def test_healthy_run_keeps_every_property():
    c = Cluster(seed=3)
    c.elect(1)
    c.submit("x=1")
    c.run(300)
    for scene in scenes_of(c.history()):
        assert all(p["ok"] for p in scene["safety"]) and scene["flagged"] == []
        validate_scene(scene)


def _scene():
    c = elected()
    c.submit("x=1")
    c.timeout(3)
    return scene_of(c.snapshot())


def _set(path, value):
    def change(scene):
        obj = scene
        for key in path[:-1]:
            obj = obj[key]
        if value is KeyError:
            del obj[path[-1]]
        else:
            obj[path[-1]] = value
    return change


@pytest.mark.parametrize("change, where", [
    (_set(["version"], 2), "scene.version"),
    (_set(["step"], -1), "scene.step"),
    (_set(["time"], "12"), "scene.time"),
    (_set(["caption"], KeyError), "missing 'caption'"),
    (_set(["servers"], []), "scene.servers"),
    (_set(["servers", 0, "role"], "king"), "scene.servers[0].role"),
    (_set(["servers", 0, "crashed"], 0), "scene.servers[0].crashed"),
    (_set(["servers", 1, "timer"], {"start": 1}), "scene.servers[1].timer"),
    (_set(["servers", 0, "log", "terms"], [1, 1, 1, 1, 1, 1]), "scene.servers[0].log.terms"),
    (_set(["leader"], 9), "scene.leader"),
    (_set(["messages", 0, "to"], 9), "scene.messages[0].to"),
    (_set(["messages", 0, "due"], -5), "scene.messages[0].due"),
    (_set(["messages", 0, "kind"], None), "scene.messages[0].kind"),
    (_set(["network", "disconnected"], [7]), "scene.network.disconnected[0]"),
    (_set(["safety"], []), "scene.safety"),
    (_set(["flagged"], [[1]]), "scene.flagged[0]"),
    (_set(["logs", "hidden"], 3), "scene.logs.hidden"),
    (_set(["servers", 0, "log", "commands"], ["x=1"] * 9), "scene.servers[0].log.commands"),
    (_set(["servers", 0, "log", "commands", 0], 7), "scene.servers[0].log.commands[0]"),
    (_set(["servers", 0, "state_machine"], ["x=1"]), "scene.servers[0].state_machine"),
    (_set(["servers", 0, "state_machine"], {"x": 1}), "scene.servers[0].state_machine['x']"),
])
def test_validate_scene_names_the_bad_key_and_value(change, where):
    scene = copy.deepcopy(_scene())
    validate_scene(scene)
    change(scene)
    with pytest.raises(SceneError) as info:
        validate_scene(scene)
    assert where in str(info.value)
    assert isinstance(info.value, RaftError)


def test_unknown_keys_are_allowed_so_the_schema_can_grow():
    scene = copy.deepcopy(_scene())
    scene["future_key"] = [{"id": 1, "waiting": "x=1"}]
    scene["servers"][0]["snapshot"] = {"index": 3}
    assert validate_scene(scene) is scene
