"""The sixth light: in a picture with clients, whether the clients' history is linearizable.

Figure 3's five properties hold through a stale read (dissertation §6.4: it is a client-level
anomaly), so a reader looking at the lights saw "all safe" while the status line said "not
linearizable". The light beside the five is judged by raft.linearizability (as the status line
is), red from the step the stale get returns; runs without clients keep their scenes byte for
byte. The browser check is in test_clients_light_browser.py.
"""

import hashlib
import json

import pytest

from raft import Cluster, scenario
from raft.check.properties import PROPERTIES
from raft.viz.checks import LINEARIZABLE, InvariantMonitor
from raft.viz.scene import SceneError, scene_of, scenes_of, validate_scene
from raft.viz.session import Session

# Chapter 12's recipe (book/12_clients.md, "Talking to a Raft Cluster"), seed 2: S3 leads.
RECIPE = ("partition 3 | 1 2", "client 1 put x 2", "run 1000ms", "client 2 get x to 3",
          "run 1000ms")


def recipe(reads):
    talk = Cluster(size=3, seed=2, clients=2, reads="read_index")
    talk.run_until(lambda c: c.leader() is not None)
    talk.client_op(1, "put", "x", "1")
    talk.run(150)
    assert talk.leader() == 3
    session = Session(scenario.run(talk.scenario_text().replace("reads=read_index",
                                                                f"reads={reads}")))
    said = [session.said(line, session.perform(line)[1]) for line in RECIPE]
    return session, said


def get_returned(session):
    """The step in which c2's get(x) returned (the recipe's read)."""
    ops = [op for op in session.cluster.clients.operations() if op.client == "c2"]
    assert len(ops) == 1 and ops[0].f == "get" and ops[0].ret is not None
    return ops[0].ret.step


def test_a_stale_read_turns_the_light_red_at_the_step_the_get_returns():
    session, said = recipe("stale")
    assert "Stale read" in said[4]
    scenes = session.scenes()
    at = get_returned(session)
    assert 0 < at < len(scenes) - 1
    for scene in scenes:
        validate_scene(scene)
        # Figure 3 holds throughout: a stale read breaks no server-side property.
        assert all(p["ok"] for p in scene["safety"]), scene["step"]
        light = scene["linearizable"]
        assert light["property"] == LINEARIZABLE
        if scene["step"] < at:
            assert light == {"property": LINEARIZABLE, "ok": True, "step": None,
                             "details": None}, scene["step"]
        else:
            assert light["ok"] is False and light["step"] == at, (scene["step"], light)
            # the light's details are the status line's own words (one checker, one sentence)
            assert light["details"].startswith("Stale read: c1's put(x, '2') had returned "
                                               "before c2's get(x) was called")
            assert light["details"] in said[4]
            assert f"Not linearizable since step {at}" in scene["description"]


def test_with_read_index_the_light_stays_green():
    session, said = recipe("read_index")
    assert "Not stale" in said[4]
    get_returned(session)
    scenes = session.scenes()
    assert all(s["linearizable"]["ok"] is True for s in scenes)


def test_one_still_picture_dates_the_breach_as_a_watched_run_does():
    """A scene judged on its snapshot alone (a still picture, ``scene_of`` without a status)
    names the same step as the monitor that watched every step."""
    session, _ = recipe("stale")
    last = session.snapshot(session.steps)
    assert scene_of(last)["linearizable"]["step"] == get_returned(session)
    assert session.current_scene()["linearizable"]["ok"] is False


def test_runs_without_clients_keep_their_scenes_byte_for_byte():
    """Digests of the scenes' JSON, taken on main (47c4fef) before the light existed: a plain
    run and a run with a read mode but no clients (a ClientSnapshot with no clients). A change
    to what these pictures show on purpose updates the digests."""
    plain = Cluster(size=3, seed=3)
    plain.run(400)
    plain.submit("x=1")
    plain.run(100)
    lease = Cluster(size=3, seed=2, reads="lease")
    lease.run(400)
    digests = []
    for c in (plain, lease):
        scenes = scenes_of(list(c.history(0)))
        assert all("linearizable" not in s for s in scenes)
        digests.append(hashlib.sha256(json.dumps(scenes, sort_keys=True).encode()).hexdigest())
    assert digests == ["9349a52c51630b037feae0af95477344aa45adf2ece13e8c2c2208e084cb3fb5",
                       "7e81e6e801443c799788f2a49cdf8885945be6dacfd0de551803ae57577aeb91"]
    assert list(InvariantMonitor().observe(lease.snapshot())) == list(PROPERTIES)


@pytest.mark.parametrize("change, where", [
    ({"ok": "no"}, "scene.linearizable.ok"),
    ({"ok": False, "step": None, "details": "why"}, "scene.linearizable.step"),
    ({"ok": False, "step": 3, "details": None}, "scene.linearizable.details"),
    ({"property": "Linearisable"}, "scene.linearizable.property"),
])
def test_a_malformed_light_is_named(change, where):
    c = Cluster(size=3, seed=1, clients=1)
    c.client_op(1, "get", "x")
    scene = scene_of(c.snapshot())
    assert validate_scene(scene)["linearizable"]["ok"] is True
    scene["linearizable"] = {**scene["linearizable"], **change}
    with pytest.raises(SceneError, match=where.replace(".", r"\.")):
        validate_scene(scene)
    scene["linearizable"] = "red"
    with pytest.raises(SceneError, match=r"scene\.linearizable: expected an object"):
        validate_scene(scene)
