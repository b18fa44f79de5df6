"""Symmetry reduction: states that differ only in the names of the servers are one state.

The initial servers 1..N start identical, and a node's rules treat every peer alike, so renaming
the servers of a state (S1 <-> S2, everywhere: which slot holds which server, votes, leader ids,
the indexes kept per peer, configurations in logs, the senders and receivers of messages, who
led each term) gives a state with the same futures, renamed. The search keeps one state per
class: the smallest tuple among the N! renamings (spares, slots above N, keep their names).

Renaming must know which attributes hold server ids. It knows those of :class:`raft.node.Node`
(:data:`ID_FIELDS`, :data:`PLAIN_FIELDS`); a node class with other attributes is searched
without symmetry (``Symmetry.supports``). A counterexample found on renamed states is renamed
back step by step (``Checker._result``), and the replay compares every step with the simulator.
"""

from __future__ import annotations

from dataclasses import fields, replace
from itertools import permutations

from ..node import MESSAGE_TYPES, Configuration, Entry, Snapshot
from .state import _DATACLASS, _DICT, _LOG, _SET, ABSENT, DOWN, UP, Server

#: Attributes whose value names servers, and how.
ID_FIELDS = {"voted_for": "id", "leader_id": "id", "votes": "set", "learners": "set",
             "next_index": "dict", "match_index": "dict", "sent_index": "dict",
             "heard_from": "dict", "snapshots_sent": "dict", "pending_change": "change",
             "log": "log", "snapshot": "snapshot", "transfer_target": "id",
             "pre_votes": "set"}
#: Attributes that name no server.
PLAIN_FIELDS = frozenset({"current_term", "commit_index", "last_applied", "role",
                          "config_index", "_config_index", "heartbeat_due", "last_heard",
                          "transfer_deadline", "poll_start"})

#: Fields of messages that name a server, by kind; every other field of every type in
#: ``raft.node.MESSAGE_TYPES`` must be in :data:`PLAIN_MESSAGE_FIELDS` (a test checks it, so a
#: new message type cannot be renamed wrongly in silence).
MESSAGE_ID_FIELDS = {"src": "id", "dst": "id", "leader_id": "id", "candidate_id": "id",
                     "entries": "log", "config": "config"}
PLAIN_MESSAGE_FIELDS = frozenset({
    "term", "last_log_index", "last_log_term", "leadership_transfer", "vote_granted",
    "prev_log_index", "prev_log_term", "leader_commit", "success", "match_index",
    "conflict_index", "conflict_term", "last_included_index", "last_included_term", "data",
    "config_index", "next_term",
    # reads (dissertation §6.4): a round number, whether it was accepted, a read's name and index
    "round", "ok", "ctx", "index"})
# For each message type, its fields that name servers: (field, kind).
_RENAMED = {t: tuple((f, MESSAGE_ID_FIELDS[f]) for f in t._fields if f in MESSAGE_ID_FIELDS)
            for t in MESSAGE_TYPES}


class Symmetry:
    def __init__(self, checker):
        self.c = checker
        n, U = checker.bounds.servers, checker.U
        self.perms = []
        for order in permutations(range(1, n + 1)):
            self.perms.append((0,) + order + tuple(range(n + 1, U + 1)))
        self.inverse = [_invert(p) for p in self.perms]
        self.index = {p: k for k, p in enumerate(self.perms)}
        self.n = n
        self._server = {}
        self._msg = {}
        self._hist = {}
        self._shapes = {}
        self._candidate_memo = {}

    @staticmethod
    def supports(names):
        """Whether a node with these attribute names can be renamed."""
        return all(name in ID_FIELDS or name in PLAIN_FIELDS for name in names)

    def canonical(self, state):
        """(the smallest renaming of ``state`` among the candidates, the renaming's index).

        Candidates are the renamings that list the servers in order of their *shape* (role,
        term, the terms in the log, ...: what renaming cannot change), trying every order
        among servers of equal shape. The set of candidate renamings of a state is the same
        for every renaming of it, so the smallest is one representative per class."""
        c = self.c
        U = c.U
        servers = state[:U]
        candidates = self._candidates(servers)
        if len(candidates) == 1 and candidates[0] == 0:
            return state, 0
        hist, ctr = state[U], state[U + 1]
        net = state[U + 2:]
        best, best_k, best_servers = None, 0, None
        ps, pm = self._server, self._msg
        for k in candidates:
            if k == 0:
                new = servers
            else:
                p = self.perms[k]
                new = [0] * U
                for i in range(U):
                    code = servers[i]
                    got = ps.get((code, k))
                    if got is None:
                        got = ps[(code, k)] = self._rename_server(code, p)
                    new[p[i + 1] - 1] = got
                new = tuple(new)
            if best_servers is not None and new > best_servers:
                continue
            if k == 0:
                cand = state
            else:
                msgs = []
                for m in net:
                    got = pm.get((m, k))
                    if got is None:
                        got = pm[(m, k)] = c.msg_number(rename_message(c.msgs[m], p))
                    msgs.append(got)
                msgs.sort()
                h = self._hist.get((hist, k))
                if h is None:
                    h = self._hist[(hist, k)] = c.hist_number(self._rename_hist(c.hists[hist], p))
                cand = new + (h, ctr) + tuple(msgs)
            if best is None or cand < best:
                best, best_k, best_servers = cand, k, new
        return best, best_k

    def _candidates(self, servers):
        shapes = self._shapes
        key = []
        for i in range(self.n):
            code = servers[i]
            sh = shapes.get(code)
            if sh is None:
                sh = shapes[code] = self._shape(code)
            key.append(sh)
        key = tuple(key)
        got = self._candidate_memo.get(key)
        if got is None:
            got = self._candidate_memo[key] = self._orders(key)
        return got

    def _orders(self, shapes):
        """The renamings that put the servers in order of shape (each order of equal ones)."""
        n = self.n
        order = sorted(range(n), key=lambda i: shapes[i])
        groups = []
        for i in order:
            if groups and shapes[groups[-1][0]] == shapes[i]:
                groups[-1].append(i)
            else:
                groups.append([i])
        placements = [[]]
        for g in groups:
            placements = [done + list(perm) for done in placements for perm in permutations(g)]
        out = []
        U = self.c.U
        for placed in placements:
            p = [0] * (U + 1)
            for new_slot, old in enumerate(placed, 1):
                p[old + 1] = new_slot
            for i in range(n + 1, U + 1):
                p[i] = i
            out.append(self.index[tuple(p)])
        return sorted(out)

    def _shape(self, code):
        """What renaming the servers cannot change about a server (a sort key)."""
        s = self.c.servers[code]
        return (s.kind, s.role or "", s.term, tuple(e.term for e in s.log), s.commit_index,
                s.vote is None, s.vote == s.slot, s.disk is None, s.has_now,
                len(s.match) if s.match else 0, tuple(sorted(s.match.values())) if s.match else ())

    def rename_action(self, action, k):
        """An action (with message numbers) renamed by renaming ``k``."""
        p = self.perms[k]
        kind = action[0]
        if kind == "lose":
            return ("lose", tuple(sorted(self._rename_msg(m, k) for m in action[1])),
                    self.rename_action(action[2], k))
        if kind == "deliver":
            return (kind, self._rename_msg(action[1], k)) + action[2:]
        if kind in ("fire", "crash", "restart", "promote", "remove"):
            return (kind, p[action[1]])
        if kind == "add":
            return (kind, p[action[1]], action[2])
        if kind == "submit":
            return (kind, p[action[1]], action[2])
        if kind == "members":
            return (kind, tuple(sorted(p[v] for v in action[1])))
        return action

    def _rename_msg(self, m, k):
        got = self._msg.get((m, k))
        if got is None:
            got = self._msg[(m, k)] = self.c.msg_number(rename_message(self.c.msgs[m],
                                                                       self.perms[k]))
        return got

    def compose_inverse(self, q, k):
        """The renaming q ∘ perms[k]⁻¹, as an index."""
        qp, inv = self.perms[q], self.inverse[k]
        return self.index[tuple(qp[inv[x]] for x in range(len(qp)))]

    # -- renaming values ------------------------------------------------------------------------

    def _rename_server(self, code, p):
        c = self.c
        s = c.servers[code]
        slot = p[s.slot]
        if s.kind == ABSENT:
            return c.absent_number(slot)
        disk = None if s.disk is None else _rename_disk(s.disk, p)
        if s.kind == DOWN:
            return c.down_number(slot, disk)
        names, values = s.frozen
        frozen = (names, tuple(_rename_field(n, v, p) for n, v in zip(names, values)))
        key = (UP, slot, frozen, disk)

        def make():
            t = Server()
            t.slot, t.kind, t.frozen, t.disk = slot, UP, frozen, disk
            t.term, t.vote, t.role = s.term, _id(s.vote, p), s.role
            t.log = rename_log(s.log, p)
            t.log_id = c._log_number(t.log)
            t.commit_index = s.commit_index
            t.match = None if s.match is None else {p[q]: m for q, m in s.match.items()}
            t.has_now, t.aged, t.guard_now, t.quiet = s.has_now, None, s.guard_now, None
            return t
        return c._server(key, make)

    def _rename_hist(self, hist, p):
        leaders, committed, applied = hist
        return (tuple(sorted((term, p[i]) for term, i in leaders)),
                tuple((rename_entry(e, p), t) for e, t in committed),
                tuple(rename_entry(e, p) for e in applied))


def _invert(p):
    inv = [0] * len(p)
    for x, y in enumerate(p):
        inv[y] = x
    return tuple(inv)


def _id(i, p):
    return p[i] if type(i) is int and 0 < i < len(p) else i


def _ids(ids, p):
    return frozenset(_id(i, p) for i in ids)


def _rename_disk(disk, p):
    term, vote, log = disk
    return (term, _id(vote, p), rename_log(log, p))


def _rename_field(name, v, p):
    kind = ID_FIELDS.get(name)
    if kind is None or v is None:
        return v
    if kind == "id":
        return _id(v, p)
    if kind == "set":
        if type(v) is tuple and v and v[0] is _SET:
            return (_SET, _ids(v[1], p))
        return _ids(v, p)
    if kind == "dict":
        return (_DICT, tuple(sorted((_id(k, p), x) for k, x in v[1])))
    if kind == "log":
        return (_LOG, rename_log(v[1], p))
    if kind == "snapshot":   # (§7) the configuration it keeps names servers
        return replace(v, config=rename_config(v.config, p)) if type(v) is Snapshot else v
    # the membership change being prepared: (voters, learners, round_target, round_start, rounds)
    tag, cls, fields = v
    assert tag is _DATACLASS
    return (tag, cls, (_ids(fields[0], p), _ids(fields[1], p)) + fields[2:])


def rename_config(cmd, p):
    """A configuration (joint, with non-voters: any dataclass of Configuration's family) with
    every set of server ids in it renamed."""
    changes = {f.name: _ids(getattr(cmd, f.name), p) for f in fields(cmd)
               if isinstance(getattr(cmd, f.name), frozenset)}
    return replace(cmd, **changes)


def rename_entry(e, p):
    cmd = e.command
    if isinstance(cmd, Configuration):
        return Entry(e.term, rename_config(cmd, p), e.client_id, e.seq)
    return e


def rename_log(log, p):
    for e in log:
        if isinstance(e.command, Configuration):
            return tuple(rename_entry(x, p) for x in log)
    return log


def rename_message(m, p):
    """A message of any type in ``raft.node.MESSAGE_TYPES`` with its server ids renamed."""
    renamed = _RENAMED.get(type(m))
    if renamed is None:
        raise TypeError(f"cannot rename server ids in {m!r}: not one of raft.node.MESSAGE_TYPES")
    changes = {}
    for name, kind in renamed:
        v = getattr(m, name)
        if kind == "id":
            changes[name] = _id(v, p)
        elif kind == "log":
            changes[name] = rename_log(v, p)
        elif v is not None:
            changes[name] = rename_config(v, p)
    return m._replace(**changes)
