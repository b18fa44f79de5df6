"""The Python half of the live page (raft.viz.live), the Session's scenario lines, and the raft
package the page runs (the zip written at book-build time), in CPython with no browser.

tests/test_live_browser.py drives the same code in Pyodide through the page's controls."""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

from raft import Cluster, RaftError, scenario
from raft.errors import ScenarioError
from raft.viz import embed, live
from raft.viz.session import VERBS, Session, action_line, explain

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
sys.path.insert(0, str(ROOT / "_ext"))
import raft_live  # noqa: E402  (the Sphinx extension that zips raft/ for the page)

SCENARIO = "cluster size=5 seed=1\nelect 1\nrun 60ms\n"


def ask(**request):
    """One request through the JSON door the worker uses."""
    return json.loads(live.request(json.dumps(request)))


@pytest.fixture(autouse=True)
def fresh_sessions():
    live.SESSIONS.clear()
    yield
    live.SESSIONS.clear()


# -- Session.perform: every action is one scenario line ------------------------------------------


def test_action_lines_are_scenario_lines():
    assert action_line("crash", 3) == "crash 3"
    assert action_line("deliver", 17) == "deliver #17"
    assert action_line("drop", "#4") == "drop #4"
    assert action_line("partition", "1 2|3 4 5") == "partition 1 2 | 3 4 5"
    assert action_line("submit", "  x=1 ") == "submit x=1"
    assert action_line("heal") == "heal" and action_line("step") == "step"
    with pytest.raises(RaftError, match="unknown action 'explode'"):
        action_line("explode", 1)
    with pytest.raises(RaftError, match="a server id is a whole number, got 'three'"):
        action_line("crash", "three")
    with pytest.raises(RaftError, match="could not read groups"):
        action_line("partition", "a | b")
    with pytest.raises(RaftError, match="submit needs a command"):
        action_line("submit", " ")


def test_perform_runs_a_line_and_the_saved_scenario_replays_it():
    s = Session(scenario.run(SCENARIO))
    for line in ("crash 2", "partition 1 3 | 2 4 5", "submit x=1", "step", "heal", "restart 2"):
        _, new, forked = s.perform(line)
        assert new and forked is None, line
    assert s.cluster.partition_groups is None and not s.cluster.crashed
    again = scenario.run(s.save())
    assert again.snapshot() == s.cluster.snapshot()


def test_perform_refuses_lines_that_are_not_actions():
    s = Session(scenario.run(SCENARIO))
    steps = s.steps
    for line in ("cluster size=3", "expect leader 1", "", "crash", "client one get x"):
        with pytest.raises(ScenarioError):
            s.perform(line)
    with pytest.raises(ScenarioError, match="a line of text"):
        s.perform(3)
    assert s.steps == steps
    assert VERBS[0] == "step" and "crash" in VERBS


def test_perform_takes_any_action_of_the_scenario_language():
    """The explorer's box takes any action line (raft.sim.actions.VERBS), not only the buttons'
    verbs: a client's operation, a timed run, an election. An action of several events records
    each of them, exactly as a fresh session on the saved scenario would."""
    s = Session(scenario.run("cluster size=3 seed=2 clients=2 reads=read_index\nelect 1\n"))
    for line in ("client 1 put x 5", "run 150ms", "client 2 get x", "run 100ms", "elect 2",
                 "run 100ms"):
        _, new, forked = s.perform(line)
        assert new and forked is None, line
    assert s.cluster.client_history()[-1]["output"] == "5"
    again = Session(scenario.run(s.save()))
    assert again.scenes() == s.scenes()
    reply = ask(op="open", key="e0", scenario="cluster size=3 seed=2 clients=2\nelect 1\n")
    done = ask(op="perform", key="e0", line="client 1 get x", view=reply["steps"])
    assert done["ok"] and done["message"] == ("client 1 get x: done. What c1 gets will be said "
                                              "here.")
    ran = ask(op="perform", key="e0", line="run 100ms", view=done["steps"])
    assert re.fullmatch(r"run 100ms: \d+ events, the last on show\. c1's get\(x\) returned '' "
                        r"from S1\. Not stale: the clients' history is linearizable\.",
                        ran["message"]), ran["message"]
    assert len(ran["push"]) > 1


def test_an_action_says_what_it_did_in_the_status_line_once():
    """The caption under the picture says what the event on show did; the status line does not
    say it again (it did: "crash 3 → S3 crashed." above "S3 crashed.")."""
    first = ask(op="open", key="e0", scenario=SCENARIO)
    now = first["steps"]
    crashed = ask(op="perform", key="e0", line="crash 3", view=now)
    assert crashed["message"] == "crash 3: done." and crashed["push"][-1]["caption"] == "S3 crashed."
    parted = ask(op="perform", key="e0", line="partition 1 2 | 3 4 5", view=now + 1)
    assert parted["message"] == "partition 1 2 | 3 4 5: done."
    assert parted["push"][-1]["caption"] == "The network split into S1 S2 | S3 S4 S5."
    sent = ask(op="perform", key="e0", line="submit x=1", view=now + 2)
    assert sent["message"] == "submit x=1: done." and "log index" in sent["push"][-1]["caption"]
    assert ask(op="perform", key="e0", line="step", view=now + 3)["message"] == ""
    ran = ask(op="perform", key="e0", line="run 100ms", view=now + 4)
    n = len(ran["push"])
    assert n > 1 and ran["message"] == f"run 100ms: {n} events, the last on show."
    for reply in (crashed, parted, sent, ran):
        assert reply["push"][-1]["caption"] not in reply["message"]


CHAPTER_12 = ("cluster size=3 seed=2 clients=2 reads={reads}\nrun until leader\n"
              "client 1 put x 1\nrun 150ms\n")


def test_the_status_line_says_what_a_client_got_and_whether_the_read_was_stale():
    """Chapter 12's recipe, as the page's Python answers it: the outcome of a client's get or
    put is said in the status line of the action (or the step) in which it returned, with the
    server that answered and the linearizability checker's word on the history so far. Before,
    it showed only in the client boxes."""
    reply = ask(op="open", key="e0", scenario=CHAPTER_12.format(reads="read_index"))
    said = [ask(op="perform", key="e0", line=line)["message"]
            for line in ("partition 3 | 1 2", "client 1 put x 2", "client 2 get x to 3",
                         "run 1000ms")]
    assert reply["ok"] and said[2] == "client 2 get x to 3: done. What c2 gets will be said here."
    assert said[3].startswith("run 1000ms: ") and said[3].endswith(
        "c2's get(x) returned '2' from S1 (after S3, S2). Not stale: the clients' history is "
        "linearizable."), said[3]
    assert "c1's put(x, '2') returned ok from S1" in said[3]

    # With stale reads, the old leader answers x = 1 in the step its answer arrives.
    ask(op="load", key="e0", scenario=CHAPTER_12.format(reads="stale"))
    for line in ("partition 3 | 1 2", "run 500ms", "client 1 put x 2 to leader", "run 300ms",
                 "client 2 get x to 3"):
        ask(op="perform", key="e0", line=line)
    steps = [ask(op="perform", key="e0", line="step")["message"] for _ in range(3)]
    assert steps[:2] == ["", ""] and steps[2] == (
        "c2's get(x) returned '1' from S3. Stale read: c1's put(x, '2') had returned before "
        "c2's get(x) was called, yet the read returned '1'. The clients' history is not "
        "linearizable."), steps


def test_a_client_that_gives_up_is_said_too():
    s = Session(scenario.run("cluster size=3 seed=2 clients=1\nrun until leader\n"
                             "crash 1\ncrash 2\ncrash 3\n"))
    _, new, _ = s.perform("client 1 put x 1")
    _, new, _ = s.perform("run 3500ms")
    said = s.said("run 3500ms", new)
    assert re.search(r"c1 gave up on put\(x, '1'\) after \d+ attempts \(it may yet take effect, "
                     r"or never\)\.$", said), said


def test_an_action_that_cannot_be_done_is_explained_without_line_numbers():
    s = Session(scenario.run(SCENARIO))
    s.perform("crash 3")
    with pytest.raises(RaftError) as info:
        s.perform("crash 3")
    assert explain(info.value) == "NodeCrashed: S3 is crashed; restart it first"
    with pytest.raises(ScenarioError) as info:
        s.perform("partition one | two")
    assert "line 1" not in str(info.value) and "'partition one | two'" in str(info.value)


# -- raft.viz.live: the page's requests --------------------------------------------------------


def test_open_gives_the_whole_timeline_of_the_scenarios_cluster():
    reply = ask(op="open", key="e0", scenario=SCENARIO)
    cluster = scenario.run(SCENARIO)
    assert reply["ok"] and reply["steps"] == cluster.steps == reply["view"]
    assert reply["scenes"] == Session(cluster).scenes()
    assert reply["servers"] == [1, 2, 3, 4, 5] and reply["forked"] is None


def test_perform_pushes_new_scenes_and_acting_in_the_past_forks():
    first = ask(op="open", key="e0", scenario=SCENARIO)
    now = first["steps"]
    crashed = ask(op="perform", key="e0", line="crash 1", view=now)
    assert crashed["ok"] and [s["step"] for s in crashed["push"]] == [now + 1]
    assert crashed["push"][0]["servers"][0]["crashed"]
    stepped = ask(op="perform", key="e0", line="step", view=now + 1)
    assert stepped["push"][0]["step"] == now + 2
    # Back to an earlier step, then act: a new future from there (as in RaftScope).
    forked = ask(op="perform", key="e0", line="timeout 3", view=5)
    assert forked["ok"] and forked["forked"] == 5 and forked["steps"] == 6
    assert len(forked["scenes"]) == 7 and forked["scenes"][:6] == first["scenes"][:6]
    assert "Forked a new future from event 6" in forked["message"]   # the painter's count
    assert live.SESSIONS["e0"].forks == 1


def test_refusals_are_replies_and_malformed_requests_are_errors():
    ask(op="open", key="e0", scenario=SCENARIO)
    refused = ask(op="perform", key="e0", line="restart 2", view=None)
    assert refused == {"ok": False, "error": "ConfigurationError",
                       "message": refused["message"]} and "S2" in refused["message"]
    bad = ask(op="load", key="e0", scenario="cluster size=two")
    assert not bad["ok"] and bad["error"] == "ScenarioError" and "'two'" in bad["message"]
    with pytest.raises(live.LiveError, match="no explorer 'nope'"):
        live.handle({"op": "perform", "key": "nope", "line": "step"})
    with pytest.raises(live.LiveError, match="unknown request 'explode'"):
        live.handle({"op": "explode"})
    with pytest.raises(live.LiveError, match="'view' is a step number"):
        live.handle({"op": "perform", "key": "e0", "line": "step", "view": "3"})
    with pytest.raises(live.LiveError, match="needs 'scenario'"):
        live.handle({"op": "open", "key": "e1"})


def test_save_and_load_round_trip():
    ask(op="open", key="e0", scenario=SCENARIO)
    ask(op="perform", key="e0", line="submit y=2")
    ask(op="perform", key="e0", line="step")
    saved = ask(op="save", key="e0")
    assert saved["ok"] and "submit y=2" in saved["scenario"]
    ask(op="perform", key="e0", line="crash 4")
    loaded = ask(op="load", key="e0", scenario=saved["scenario"])
    assert loaded["ok"] and loaded["steps"] == saved["steps"]
    assert loaded["scenes"][-1] == Session(scenario.run(saved["scenario"])).scene()


def test_every_reply_carries_the_scenario_that_opens_the_same_timeline_again():
    """What the page keeps so that, when Python is restarted under it (one worker serves the
    page), the explorer can open its session again: the same steps, the same scenes."""
    ask(op="open", key="e0", scenario=SCENARIO)
    ask(op="perform", key="e0", line="crash 1")
    ask(op="perform", key="e0", line="step")
    forked = ask(op="perform", key="e0", line="partition 1 2 | 3 4 5", view=4)
    assert forked["forked"] == 4
    stepped = ask(op="perform", key="e0", line="step")
    reply = ask(op="perform", key="e0", line="deliver #" + str(stepped["in_flight"][-1]["id"]))
    assert reply["ok"] and "deliver #" in reply["scenario"]
    assert reply["scenario"] == ask(op="save", key="e0")["scenario"]
    timeline = ask(op="open", key="e1", scenario=SCENARIO)["scenario"]
    assert timeline == scenario.run(SCENARIO).scenario_text()
    live.SESSIONS.clear()                              # Python restarted: every session gone
    again = ask(op="open", key="e0", scenario=reply["scenario"])
    assert again["steps"] == reply["steps"]
    assert again["scenes"][:5] == forked["scenes"][:5]
    assert again["scenes"][forked["steps"]] == forked["scenes"][-1]
    assert again["scenes"][-1] == reply["push"][-1]


# -- the raft package the page runs ---------------------------------------------------------------


def zip_contents(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def source_contents() -> dict[str, bytes]:
    return {"raft/" + p.relative_to(ROOT / "raft").as_posix(): p.read_bytes()
            for p in sorted((ROOT / "raft").rglob("*"))
            if p.is_file() and p.suffix in (".py", ".js") and "__pycache__" not in p.parts}


def test_the_zip_is_the_source_tree_and_is_deterministic():
    data = raft_live.build_zip()
    assert zip_contents(data) == source_contents()
    assert "raft/viz/live.py" in zip_contents(data) and "raft/node.py" in zip_contents(data)
    assert raft_live.build_zip() == data
    assert re.fullmatch(r"raft-[0-9a-f]{12}\.zip", raft_live.zip_name(data))


built = pytest.mark.skipif(not (SITE / "index.html").is_file(),
                           reason="no built book: run `bash scripts/build_book.sh` first")


@built
def test_the_built_site_ships_the_zip_of_this_source_tree():
    zips = sorted((SITE / "_static" / "raft-live").glob("raft-*.zip"))
    assert len(zips) == 1, zips
    assert zip_contents(zips[0].read_bytes()) == source_contents(), \
        "the page would run other code than raft/: rebuild the book"
    for name in raft_live.PYODIDE_FILES:
        assert (SITE / "_static" / "pyodide" / name).is_file(), name
    # The Python snapshot is the one made for this zip (its name hashes the zip, Pyodide's
    # version and the script that makes it), and it is what the pages ask for.
    snapshots = sorted((SITE / "_static" / "raft-live").glob("python-*.snap.gz"))
    assert [p.name for p in snapshots] == [raft_live.snapshot_name(zips[0].read_bytes())]
    assert snapshots[0].read_bytes()[:2] == b"\x1f\x8b"     # gzip
    page = (SITE / "book" / "04_parts.html").read_text(encoding="utf-8")
    assert f'data-raft-snapshot="raft-live/{snapshots[0].name}"' in page
    assert f'data-raft-zip="raft-live/{zips[0].name}"' in page


LIVE_BOX = re.compile(r'<div class="raft-live"><script type="application/json" '
                      r'class="raft-live-config">(.*?)</script>.*?<script type="application/json" '
                      r'class="raft-scenes">(.*?)</script>', re.S)


@built
def test_every_explorer_rebuilds_exactly_the_cluster_its_picture_shows():
    pages = {}
    for page in sorted(SITE.rglob("*.html")):
        found = LIVE_BOX.findall(page.read_text(encoding="utf-8"))
        if found:
            pages[page.relative_to(SITE).as_posix()] = found
    assert {"book/02_consensus.html", "book/04_parts.html", "book/05_leader_election.html",
            "book/appendix/explorer.html"} <= set(pages), sorted(pages)
    for name, boxes in pages.items():
        for config_text, still_text in boxes:
            config = json.loads(config_text.replace("<\\/", "</"))
            still = embed.scenes_in(json.loads(still_text.replace("<\\/", "</")))[-1]
            assert config["format"] == "raft-live" and config["version"] == 1
            rebuilt = Session(scenario.run(config["scenario"]))
            assert rebuilt.scene() == still, f"{name}: the live explorer would start elsewhere"
