"""The mistake in a failed run: the first step where the student's node broke a rule of Figure 2.

A property of Figure 3 usually fails some steps after the node did something wrong: in Figure 8
a leader commits an entry of an earlier term by counting its replicas (the mistake), and only
later does a new leader overwrite it (Leader Completeness fails). The grader's report and its
animations point at both moments.

Theory of operation: :func:`first_mistake` replays a failed run (``cluster.replay``, the same
actions and seed) with a :class:`RuleWatch` as its checker. After every step the watch looks at
each server that acted in it (the step's trace records name them): its state before the step
(kept from the step before), its state after it, what it acted on (the message delivered to it,
an action such as ``add 4``, else its timer), what it sent and applied (the step's records) and
its disk. It hands these to :func:`raft.mc.rules.step_breach`, the model checker's own rules
(every rule but the election timer's), and stops the replay at the first breach. Nothing here
judges a rule itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..mc.rules import step_breach
from ..mc.state import FIRE
from ..node import LEADER, Ready
from ..sim.actions import Add, Members, Promote, Remove


@dataclass(frozen=True)
class Mistake:
    """A rule of Figure 2 (or §5, §6) that the node broke, and the step of the run where."""

    step: int
    rule: str          # as raft.mc names it: "one vote per term (§5.2)"
    details: str       # which server did what

    def text(self):
        return f"rule broken, {self.rule}: {self.details}"


class _View:
    """What the rules read of one server (the fields of :class:`raft.mc.state.Server`)."""

    __slots__ = ("node", "slot", "term", "vote", "role", "log", "commit_index", "match", "frozen")


def _view(i, node):
    v = _View()
    v.node, v.slot = node, i
    v.term, v.vote, v.role = node.current_term, node.voted_for, node.role
    v.log = tuple(node.log)
    v.commit_index = node.commit_index
    v.match = None
    if node.role == LEADER:
        targets = (node.config.members | getattr(node, "learners", frozenset())) - {i}
        v.match = {p: m for p, m in node.match_index.items() if p in targets}
    # "Changed nothing" (a reply from an earlier term must not): Figure 2's state, not the
    # clock readings a node may take on any message.
    v.frozen = (v.term, v.vote, v.role, v.log, v.commit_index,
                tuple(sorted(getattr(node, "match_index", {}).items())),
                tuple(sorted(getattr(node, "next_index", {}).items())),
                frozenset(getattr(node, "votes", ())))
    return v


def _command(action):
    """A membership action as the model checker writes its input, else None."""
    if isinstance(action, Members):
        return ("members", frozenset(action.voters))
    if isinstance(action, Add):
        return ("add", action.node, action.voter)
    if isinstance(action, Promote):
        return ("promote", action.node)
    if isinstance(action, Remove):
        return ("remove", action.node)
    return None


class _Found(Exception):
    """Ends the replay at the first breach (nothing after it is needed)."""


class RuleWatch:
    """A checker for a replayed run (``cluster.replay(step, checker=RuleWatch)``): after each
    step, each server that acted is judged by :func:`raft.mc.rules.step_breach`; the first
    breach is kept in ``found`` (a :class:`Mistake`) and ends the replay. Servers whose log
    starts from a snapshot (§7, beyond Figure 2) are not judged: the rules read whole logs."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.found = None
        self.views = {i: _view(i, n) for i, n in cluster.nodes.items()}

    def on_apply(self, i, index, entry):
        pass

    def on_restore(self, i, snapshot):
        pass

    def check(self):
        c = self.cluster
        step = c.steps
        records = c.step_records(step)
        acted = sorted({r.node for r in records if r.node in c.nodes})
        done = c.done[-1] if c.done and c.done[-1].step == step else None
        command = _command(done.action) if done is not None else None
        for i in acted:
            node = c.nodes[i]
            if i in c.crashed:
                self.views.pop(i, None)
                continue
            before = self.views.get(i)
            after = self.views[i] = _view(i, node)
            if before is None or before.node is not node or node.log.snapshot_index:
                continue   # restarted (a new node object), or a log from a snapshot
            msg = next((r.data["msg"] for r in records if r.kind == "deliver" and r.node == i),
                       None)
            inp = msg if msg is not None else command if command is not None else FIRE
            out = Ready(messages=[r.data["msg"] for r in records
                                  if r.kind == "send" and r.node == i],
                        apply=[(r.data["index"], None) for r in records
                               if r.kind == "apply" and r.node == i])
            disk = c.disks[i]
            found = step_breach(before, after, node, inp, out,
                                (disk.current_term, disk.voted_for, tuple(disk.log)))
            if found is not None:
                self.found = Mistake(step, *found)
                raise _Found()


def first_mistake(cluster, upto=None):
    """The first :class:`Mistake` in ``cluster``'s run up to step ``upto`` (default: its last),
    found by replaying it with a :class:`RuleWatch`; None if no rule was broken. A node that
    raises on the replay ends the search there (what was seen stands)."""
    watches = []

    def attach(twin):
        watches.append(RuleWatch(twin))
        return watches[-1]

    try:
        cluster.replay(upto, checker=attach)
    except _Found:
        pass
    except Exception:  # noqa: BLE001 - the node's own code, replayed: no mistake to name
        pass
    return watches[-1].found if watches else None
