"""Helpers for the per-rule tests of the mechanisms beyond Figure 2 (tests/test_mech_*.py).

Single servers driven by hand, as in tests/test_core_rules.py: build a node in a given state,
feed it one message or one tick, read what it sent. Not a test module (no ``test_`` prefix).
"""

from __future__ import annotations

import random

from raft.node import (LEADER, AppendEntries, AppendEntriesReply, Configuration, Entry, Node,
                       RequestVote, RequestVoteReply)

ELECTION = (150, 300)
HEARTBEAT = 50


def make(node_id=1, size=3, terms=(), term=None, voted_for=None, **options):
    """Server ``node_id`` of a cluster with ids 1..size, its log holding entries of ``terms``."""
    log = [Entry(t, f"v{i}=1") for i, t in enumerate(terms, 1)]
    term = max(terms, default=0) if term is None else term
    return Node(node_id, Configuration(frozenset(range(1, size + 1))), rng=random.Random(node_id),
                election_timeout=ELECTION, heartbeat_interval=HEARTBEAT, current_term=term,
                voted_for=voted_for, log=log, **options)


def make_leader(size=3, terms=(), term=1, now=0.0, **options):
    """Server 1 elected leader of ``term`` at ``now`` (it takes over from term-1, every vote
    granted), its output so far forgotten."""
    node = make(1, size, terms, term=term - 1, **options)
    node.take_over(now)
    for peer in range(2, size + 1):
        node.step(RequestVoteReply(src=peer, dst=1, term=term, vote_granted=True), now)
    assert node.role == LEADER and node.current_term == term
    node.ready()
    return node


def sent(node, kind=None):
    """The messages ``node`` sent since the last call (of class ``kind``, if given)."""
    out = node.ready()
    return [m for m in out.messages if kind is None or isinstance(m, kind)]


def notes(node):
    return [(n.kind, n.rule) for n in node.ready().notes]


def heartbeat(term, src=2, dst=1, prev_index=0, prev_term=0, commit=0, entries=()):
    return AppendEntries(src=src, dst=dst, term=term, leader_id=src, prev_log_index=prev_index,
                         prev_log_term=prev_term, entries=tuple(entries), leader_commit=commit)


def ack(term, src, match, dst=1, success=True):
    return AppendEntriesReply(src=src, dst=dst, term=term, success=success, match_index=match)


def request_vote(term, last_index, last_term, src=2, dst=1, transfer=False):
    return RequestVote(src=src, dst=dst, term=term, candidate_id=src, last_log_index=last_index,
                       last_log_term=last_term, leadership_transfer=transfer)
