"""Figure 4, the role diagram, is drawn from raft.node.TRANSITIONS."""

import pytest

from raft import Cluster
from raft.node import TRANSITIONS
from raft.viz import draw_role_diagram, role_graph, role_scene, transition_of


def test_role_diagram_edges_are_exactly_the_transitions_in_the_code():
    g = role_graph()
    assert set(g.edges) == set(TRANSITIONS)
    assert {(a, b): d["label"] for a, b, d in g.edges(data=True)} == TRANSITIONS
    scene = role_scene()
    assert {(e.src, e.dst) for e in scene.edges} == set(TRANSITIONS)
    assert set(scene.nodes) == {"follower", "candidate", "leader"}
    assert not any(e.highlighted for e in scene.edges)
    # Laid out left to right in the order a server moves through them.
    xs = {r: x for r, (x, _) in scene.nodes.items()}
    assert xs["follower"] < xs["candidate"] < xs["leader"]


def test_the_transition_just_taken_is_highlighted():
    scene = role_scene(("candidate", "leader"))
    assert [(e.src, e.dst) for e in scene.edges if e.highlighted] == [("candidate", "leader")]
    with pytest.raises(ValueError):
        role_scene(("follower", "leader"))  # not a transition of Figure 4


def test_draw_role_diagram_from_a_cluster_highlights_its_last_transition():
    c = Cluster(seed=1)
    c.timeout(3)  # S3 becomes candidate in this step
    assert transition_of(c.snapshot().records) == ("follower", "candidate")
    html = draw_role_diagram(c).html
    assert html.count("raft-highlight") == 1
    assert draw_role_diagram().html.count("raft-highlight") == 0
    assert "viewBox" in html
