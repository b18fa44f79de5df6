"""The hooks a subclass may override or call (listed in ``Node``'s docstring), under their public
names and under the underscore names labs and pages used before (``raft.node.OLD_HOOK_NAMES``).

The lab API is a promise to a class mid-course: a student's node that overrides ``_record_vote``
or calls ``self._set_term`` must keep working, and a node written with the new names must be
reached by code that still uses the old ones.
"""

from __future__ import annotations

import random

import pytest

from raft import Cluster
from raft.labs.skeleton import Lab4Node
from raft.node import (FOLLOWER, OLD_HOOK_NAMES, AppendEntries, Configuration, Entry,
                       Node, RequestVote)


def make(cls=Node, node_id=1, size=3, log=()):
    return cls(node_id, Configuration(frozenset(range(1, size + 1))), rng=random.Random(1),
               log=log)


def rv(term, src=2, last_index=0, last_term=0):
    return RequestVote(src=src, dst=1, term=term, candidate_id=src, last_log_index=last_index,
                       last_log_term=last_term)


@pytest.mark.parametrize("old, new", sorted(OLD_HOOK_NAMES.items()))
def test_every_old_name_is_the_new_hook(old, new):
    assert getattr(Node, old) is getattr(Node, new)
    assert old == "_" + new


def test_every_hook_is_documented_in_the_class_docstring():
    for new in OLD_HOOK_NAMES.values():
        assert f"``{new}(" in Node.__doc__, new


def test_overriding_an_old_name_takes_effect():
    """A lab node overriding ``_record_vote`` (the old name) is called when the node votes."""
    class OldStyle(Node):
        def _record_vote(self, candidate_id):
            self.recorded = candidate_id
            super()._record_vote(candidate_id)

    node = make(OldStyle)
    node.step(rv(1, src=3), 0.0)
    assert node.recorded == 3 and node.voted_for == 3
    assert node.ready().persist_hard_state


def test_overriding_a_new_name_takes_effect_also_through_the_old_name():
    """A node overriding ``record_vote`` is reached by the node, and by code (say, a student's
    handler written from the old lab page) that calls ``self._record_vote``."""
    class NewStyle(Node):
        calls = 0

        def record_vote(self, candidate_id):
            NewStyle.calls += 1
            super().record_vote(candidate_id)

    class OldCaller(NewStyle):
        def handle_request_vote(self, msg, now):
            self._record_vote(msg.candidate_id)
            self._reply_vote(msg, True, "rv-grant", "")

    make(NewStyle).step(rv(1), 0.0)
    assert NewStyle.calls == 1
    make(OldCaller).step(rv(1), 0.0)
    assert NewStyle.calls == 2


def test_a_broken_old_name_override_breaks_the_node():
    """The override is not decorative: a node whose ``_set_term`` forgets to clear voted_for
    still holds its old vote in a new term, as Lab 4's students would see."""
    class Forgetful(Node):
        def _set_term(self, term):
            self.current_term = term
            self.out.persist_hard_state = True     # BUG on purpose: voted_for is not cleared

    granted = {}
    for cls in (Node, Forgetful):
        node = make(cls)
        node.step(rv(1, src=2), 0.0)               # votes for S2 in term 1
        node.step(rv(2, src=3), 0.0)               # term 2: the vote should be free again
        granted[cls] = [m.vote_granted for m in node.ready().messages]
    assert granted[Node] == [True, True]
    assert granted[Forgetful] == [True, False]


@pytest.mark.parametrize("style", ["old", "new"])
def test_lab4_student_node_with_either_names_runs_a_cluster(style):
    """Lab 4's skeleton leaves ``_set_term``/``_record_vote`` to write; an answer written with
    the old names or with the new ones replaces the skeleton's placeholders."""
    def set_term(self, term):
        self.current_term, self.voted_for, self.leader_id = term, None, None
        self.out.persist_hard_state = True

    def record_vote(self, candidate_id):
        self.voted_for = candidate_id
        self._out.persist_hard_state = True       # the old name of `out`

    prefix = "_" if style == "old" else ""
    Student = type("Student", (Lab4Node,), {prefix + "set_term": set_term,
                                            prefix + "record_vote": record_vote})
    cluster = Cluster(size=3, seed=4, node_class=Student, check_invariants=True)
    assert cluster.run_until(lambda c: c.leader() is not None, 3000)
    assert all(cluster.disks[i].current_term == n.current_term for i, n in cluster.nodes.items())


def test_lab4_skeleton_still_asks_for_the_methods():
    with pytest.raises(NotImplementedError, match="Lab 4"):
        make(Lab4Node).step(rv(1), 0.0)


def test_old_attribute_names_read_and_write_the_new_ones():
    node = make(log=[Entry(1, Configuration(frozenset({1, 2})))])
    assert node._config_index == node.config_index == 1
    node._out.persist_hard_state = True
    assert node.out.persist_hard_state
    node._config_index = 0
    assert node.config_index == 0


def test_figure8_style_caller_commits_through_the_public_hook():
    """book/figure8.py commits through ``set_commit_index``; the old ``_set_commit_index``
    reaches the same code."""
    node = make(log=[Entry(1, "x=1"), Entry(1, "y=2")])
    node._set_commit_index(1, "leader-commit", 0.0)
    node.set_commit_index(2, "leader-commit", 0.0)
    assert node.commit_index == 2 and [i for i, _ in node.ready().apply] == [1, 2]


def test_find_new_entries_still_does_rules_3_and_4():
    """Kept for Lab 2 answers that call it: delete from the first conflict, return the rest."""
    node = make(log=[Entry(1), Entry(1), Entry(2), Entry(2)])
    new = node.find_new_entries(1, (Entry(1), Entry(3), Entry(3), Entry(3)))
    assert node.log.terms() == [1, 1] and new == [Entry(3)] * 3
    assert node.find_new_entries(0, (Entry(1),)) == [] and node.log.terms() == [1, 1]


def test_log_entries_is_the_list_itself_without_a_copy():
    node = make(log=[Entry(1), Entry(2)])
    view = node.log.entries
    assert view == [Entry(1), Entry(2)]
    node.step(AppendEntries(src=2, dst=1, term=2, leader_id=2, prev_log_index=2,
                            prev_log_term=2, entries=(Entry(2),), leader_commit=0), 0.0)
    assert view is node.log.entries and len(view) == 3
    assert node.log._entries is view       # the old name (tests that tamper with a log use it)
    assert node.role == FOLLOWER and node.current_term == 2
