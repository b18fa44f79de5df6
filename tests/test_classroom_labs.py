"""The labs: the reference node passes every lab; the empty skeletons fail every lab with clear
messages; a wrong handler gets a report naming the property, the seed, a shrunk schedule and a
replay call that rebuilds the counterexample."""

from __future__ import annotations

import pytest

from raft import grade
from raft.labs import LAB_NODES, Lab1Node
from raft.node import Node


@pytest.mark.parametrize("lab", sorted(grade.LABS))
def test_reference_passes(lab):
    report = grade.check(Node, lab, quiet=True)
    assert report.passed, report.text()


@pytest.mark.parametrize("lab", sorted(grade.LABS))
def test_skeleton_fails_clearly(lab):
    report = grade.check(LAB_NODES[lab], lab, quiet=True)
    text = report.text()
    assert not report.passed
    assert all(not r.passed for r in report.results), text
    assert f"Lab {lab}: write" in text and "Traceback" not in text


class GrantsEveryVote(Lab1Node):
    start_election = Node.start_election
    handle_request_vote_reply = Node.handle_request_vote_reply

    def handle_request_vote(self, msg, now):
        self._record_vote(msg.candidate_id)
        self._reset_election_timer(now)
        self._reply_vote(msg, True, "rv-grant", "")


def test_wrong_handler_gets_an_actionable_report():
    report = grade.check(GrantsEveryVote, 1, quiet=True)
    text = report.text()
    assert not report.passed
    assert "Election Safety violated" in text and "seed " in text
    assert "raft.grade.replay(GrantsEveryVote" in text
    cx = report.counterexample
    assert len(cx.schedule) <= len(cx.original)
    cluster = grade.replay(GrantsEveryVote, cx.schedule.text())
    assert cluster.steps > 0 and cluster.trace
