"""The log picture, the state table and the invariant light as data."""

import dataclasses
import re

from raft import Cluster, Entry
from raft.check import PROPERTIES
from raft.viz import InvariantMonitor, log_scene, render_log_svg, state_rows
from raft.viz import palette as P
from raft.viz.checks import Violation, render_light
from raft.viz.svg import esc


def test_committed_and_uncommitted_entries_are_distinct():
    c = Cluster(seed=1)
    c.elect(1)
    c.run(100)                   # the leader's no-op is committed everywhere
    index = c.submit("x=1")      # appended by the leader, not yet replicated
    scene = log_scene(c.snapshot())
    noop, new = scene.cell(1, 1), scene.cell(1, index)
    assert noop.committed and noop.kind == "noop"
    assert not new.committed and new.kind == "command" and new.term == c.nodes[1].current_term
    assert new.fill == noop.fill == P.term_colour(new.term)   # same term, same colour
    assert scene.cell(2, index) is None                       # S2 does not have it yet
    svg = render_log_svg(scene)
    dashed = re.search(r'class="raft-uncommitted">(.*?)</g>', svg).group(1)
    assert dashed.count("M") == 1                             # exactly one uncommitted entry
    c.run(100)
    assert log_scene(c.snapshot()).cell(1, index).committed


def test_leader_next_and_match_index_are_marked_per_follower():
    c = Cluster(seed=1)
    c.elect(1)
    c.run(100)
    c.crash(5)
    c.submit("x=1")
    c.run(100)
    scene = log_scene(c.snapshot())
    leader = c.nodes[1]
    assert scene.leader == 1
    assert scene.row(1).next_index is None and scene.row(1).match_index is None
    for i in (2, 3, 4, 5):
        row = scene.row(i)
        assert (row.next_index, row.match_index) == (leader.next_index[i], leader.match_index[i])
    assert scene.row(2).match_index == 2 and scene.row(5).match_index == 1
    assert scene.row(5).crashed
    assert scene.row(1).commit_index == 2


def figure7_like():
    # S1 will lead term 4; S2 holds two entries of term 2 that the leader never had.
    return Cluster(size=3, seed=2, logs={1: [1, 1, 4], 2: [1, 1, 2, 2], 3: [1, 1]},
                   terms={1: 4, 2: 2, 3: 1})


def test_entries_about_to_be_truncated_are_highlighted():
    c = figure7_like()
    c.elect(1)
    c.run(200)
    snaps = list(c.history())
    k = next(n for n, s in enumerate(snaps) if any(r.kind == "truncate" for r in s.records))
    before, after = snaps[k - 1], snaps[k]
    scene = log_scene(before, after)
    doomed = {(x.server, x.index) for x in scene.cells if x.truncating}
    assert doomed == {(2, 3), (2, 4)}
    crosses = re.search(r'<path d="([^"]*)"[^>]*class="raft-truncate"', render_log_svg(scene))
    assert crosses.group(1).count("M") == 2                    # two entries crossed out
    # Without the next step there is nothing to highlight.
    assert not any(x.truncating for x in log_scene(before).cells)


def test_long_logs_are_windowed_with_a_note_of_what_is_hidden():
    c = Cluster(size=3, seed=0, logs={1: [1] * 40, 2: [1] * 30, 3: [1] * 5})
    scene = log_scene(c.snapshot(), window=14)
    assert (scene.first, scene.last, scene.hidden) == (27, 40, 26)
    assert {x.index for x in scene.cells} == set(range(27, 41))
    assert scene.cell(1, 26) is None and scene.cell(1, 40).term == 1
    assert "26 earlier not shown" in render_log_svg(scene)
    short = log_scene(Cluster(size=3, seed=0, logs={1: [1, 1]}).snapshot())
    assert short.hidden == 0 and short.first == 1


def test_state_rows_hold_figure2_state():
    c = Cluster(seed=1)
    c.elect(2)
    c.run(60)
    c.crash(4)
    rows = {r["server"]: r for r in state_rows(c.snapshot())}
    leader = c.nodes[2]
    assert rows["S2"]["role"] == "leader" and rows["S2"]["next_index"] == ""
    assert rows["S4"]["role"] == "crashed"
    for i in (1, 3, 5):
        n = c.nodes[i]
        r = rows[f"S{i}"]
        assert r["current_term"] == n.current_term and r["voted_for"] == "S2"
        assert r["commit_index"] == n.commit_index and r["last_applied"] == n.last_applied
        assert r["next_index"] == leader.next_index[i]
        assert r["match_index"] == leader.match_index[i]
        assert r["log"].startswith(str(len(n.log)))


def test_invariant_light_green_for_a_healthy_run():
    c = Cluster(seed=3)
    c.elect(1)
    c.submit("x=1")
    c.run(300)
    monitor = InvariantMonitor()
    for snap in c.history():
        status = monitor.observe(snap)
    assert set(status) == set(PROPERTIES) and all(v is None for v in status.values())
    assert "✗" not in render_light(status, 0)


def test_invariant_light_red_with_the_violating_entries():
    c = Cluster(size=3, seed=1)
    c.elect(1)
    c.run(100)
    snap = c.snapshot()
    nodes = dict(snap.nodes)
    # Two leaders in one term, and two logs that agree on a term but not on an entry.
    nodes[2] = dataclasses.replace(nodes[2], role="leader", current_term=nodes[1].current_term)
    nodes[3] = dataclasses.replace(nodes[3], log=(Entry(1, "x=9"),) + nodes[3].log[1:],
                                   commit_index=0)
    bad = dataclasses.replace(snap, nodes=nodes)
    monitor = InvariantMonitor()
    monitor.observe(snap)
    status = monitor.observe(bad)
    assert status["Election Safety"] is not None
    assert "S1 and S2 were both leader in term" in status["Election Safety"].details
    lm = status["Log Matching"]
    assert lm is not None and (3, 1) in lm.cells
    assert status["State Machine Safety"] is None
    light = render_light(status, 0)
    assert light.count("✗") >= 2 and P.FAIL in light
    # The log picture outlines the violating entry.
    scene = log_scene(bad, flagged={(3, 1)})
    assert scene.cell(3, 1).flagged and not scene.cell(1, 1).flagged


def test_invariant_light_shortens_long_details_between_words():
    """The line under the lights is cut between words; the tooltip keeps the whole text."""
    details = ("S1 and S2 both hold term 3 at index 3, but differ at index 2: (term 1, 'x=1') "
               "vs (term 2, no-op)")
    status = dict.fromkeys(PROPERTIES)
    status["Log Matching"] = Violation("Log Matching", 117, details, ())
    light = render_light(status, 0)
    line = re.search(r">(✗ step 117: [^<]*)<", light).group(1)
    assert line == "✗ step 117: S1 and S2 both hold term 3 at index 3, but differ at index 2: …"
    assert esc(f"Log Matching: {details}") in light   # the tooltip
