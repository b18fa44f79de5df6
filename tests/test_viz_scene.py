"""The cluster picture as data: roles, colours, labels, timers, cut links, messages in flight."""

import dataclasses
import math

import pytest

from raft import (AppendEntries, AppendEntriesReply, Cluster, Entry, RequestVote,
                  RequestVoteReply)
from raft.viz import cluster_scene, render_cluster_svg
from raft.viz import palette as P
from raft.viz.cluster_view import layout, message_label


def elected(seed=1, leader=1):
    c = Cluster(seed=seed)
    c.elect(leader)
    return c


def test_leader_has_leader_colour_letter_and_others_are_followers():
    c = elected(leader=3)
    scene = cluster_scene(c.snapshot())
    assert scene.leader == 3
    s3 = scene.server(3)
    assert (s3.role, s3.letter, s3.fill) == ("leader", "L", P.ROLE_FILL["leader"])
    assert s3.timer is None  # a leader has no election timer
    for i in (1, 2, 4, 5):
        s = scene.server(i)
        assert (s.role, s.letter, s.fill) == ("follower", "F", P.ROLE_FILL["follower"])
        assert s.term == c.nodes[i].current_term
    # Colours alone never carry the role: the three roles have three different letters.
    assert len(set(P.ROLE_LETTER.values())) == 3
    svg = render_cluster_svg(scene)
    assert svg.startswith("<svg") and "viewBox" in svg and "leader S3" in svg


def test_servers_are_placed_on_a_circle_first_at_the_top_clockwise():
    pos = layout((1, 2, 3, 4, 5))
    (x1, y1), (x2, _) = pos[1], pos[2]
    assert y1 == min(y for _, y in pos.values())      # S1 at the top
    assert x2 > x1                                     # S2 to its right: clockwise
    cx = sum(x for x, _ in pos.values()) / 5
    cy = sum(y for _, y in pos.values()) / 5
    radii = {round(math.hypot(x - cx, y - cy), 3) for x, y in pos.values()}
    assert len(radii) == 1


def test_crashed_server_is_greyed_with_no_timer_arc():
    c = elected()
    c.crash(2)
    s2 = cluster_scene(c.snapshot()).server(2)
    assert s2.crashed and s2.fill == P.CRASHED and s2.timer is None
    assert "crashed" in render_cluster_svg(cluster_scene(c.snapshot()))


def test_timer_arc_is_the_fraction_of_the_election_timeout_that_passed():
    c = elected()
    snap = c.snapshot()
    n = snap.nodes[2]
    start, deadline = n.election_timer_start, n.election_deadline
    for fraction in (0.0, 0.25, 0.8):
        later = dataclasses.replace(snap, now=start + fraction * (deadline - start))
        assert cluster_scene(later).server(2).timer == pytest.approx(fraction)
    past = dataclasses.replace(snap, now=deadline + 50)
    assert cluster_scene(past).server(2).timer == 1.0


def test_partition_cuts_exactly_the_links_between_groups():
    c = elected()
    c.partition([1, 2], [3, 4, 5])
    scene = cluster_scene(c.snapshot())
    for link in scene.links:
        same = {link.a, link.b} <= {1, 2} or {link.a, link.b} <= {3, 4, 5}
        assert link.cut == (not same), link
    assert scene.partition == "1 2 | 3 4 5"
    assert 'class="raft-cut"' in render_cluster_svg(scene)
    c.heal()
    assert not any(k.cut for k in cluster_scene(c.snapshot()).links)


def test_disconnected_server_has_all_its_links_cut():
    c = elected()
    c.disconnect(4)
    scene = cluster_scene(c.snapshot())
    assert all(k.cut == (4 in (k.a, k.b)) for k in scene.links)
    assert scene.disconnected == (4,)


def test_message_midway_is_drawn_midway_with_its_label():
    c = elected()
    c.submit("x=1")
    snap = c.snapshot()
    flight = next(f for f in snap.flights if isinstance(f.msg, AppendEntries) and f.msg.entries)
    mid = dataclasses.replace(snap, now=(flight.sent_at + flight.deliver_at) / 2)
    scene = cluster_scene(mid)
    m = next(m for m in scene.messages if m.id == flight.id)
    assert m.progress == pytest.approx(0.5)
    assert m.label == "AE 1" and (m.src, m.dst) == (flight.msg.src, flight.msg.dst)
    # Midway between the two servers (up to the small sideways offset of a message lane).
    a, b = scene.server(m.src), scene.server(m.dst)
    assert math.hypot(m.x - (a.x + b.x) / 2, m.y - (a.y + b.y) / 2) <= 8
    # At the start it sits near the sender, at the end near the receiver.
    start = next(x for x in cluster_scene(dataclasses.replace(snap, now=flight.sent_at)).messages
                 if x.id == flight.id)
    end = next(x for x in cluster_scene(dataclasses.replace(snap, now=flight.deliver_at)).messages
               if x.id == flight.id)
    assert math.dist((start.x, start.y), (a.x, a.y)) < math.dist((start.x, start.y), (b.x, b.y))
    assert math.dist((end.x, end.y), (b.x, b.y)) < math.dist((end.x, end.y), (a.x, a.y))


@pytest.mark.parametrize("msg, label", [
    (RequestVote(1, 2, 3, 1, 0, 0), "RV"),
    (RequestVoteReply(2, 1, 3, True), "vote ✓"),
    (RequestVoteReply(2, 1, 3, False), "vote ✗"),
    (AppendEntries(1, 2, 3, 1, 0, 0, (), 0), "hb"),
    (AppendEntries(1, 2, 3, 1, 0, 0, (Entry(3), Entry(3, "x=1")), 0), "AE 2"),
    (AppendEntriesReply(2, 1, 3, True, 2), "ok"),
    (AppendEntriesReply(2, 1, 3, False), "fail"),
])
def test_message_labels(msg, label):
    assert message_label(msg)[0] == label


def test_candidate_shows_its_votes_and_the_majority_it_needs():
    c = Cluster(seed=4)
    c.timeout(2)
    assert c.run_until(lambda c: len(c.nodes[2].votes) == 2 and c.nodes[2].role == "candidate",
                       timeout=100)
    s2 = cluster_scene(c.snapshot()).server(2)
    assert (s2.role, s2.letter, s2.fill) == ("candidate", "C", P.ROLE_FILL["candidate"])
    assert len(s2.votes) == 2 and 2 in s2.votes and s2.votes_needed == 3
    assert "votes 2/3" in render_cluster_svg(cluster_scene(c.snapshot()))


def test_requests_and_vote_messages_appear_during_an_election():
    c = Cluster(seed=5)
    c.timeout(1)
    labels = {m.label for m in cluster_scene(c.snapshot()).messages}
    assert labels == {"RV"}
    c.step()  # the first RequestVote arrives; a vote comes back
    labels = {m.label for m in cluster_scene(c.snapshot()).messages}
    assert "vote ✓" in labels
