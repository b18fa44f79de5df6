"""Breadth-first search over the states of a small cluster of any Node class.

Theory of operation
-------------------
A state is one flat tuple of small integers::

    (server 1, ..., server U, history, counters, message, message, ...)

Each *server* number stands for a server value (:class:`Server`: the frozen node and, when it
differs from the node's memory, its disk; or its disk alone while it is crashed; or "not created
yet"), the *history* number for what the properties must remember (who led each term, the first
entry committed and applied at each index), the *counters* number for how much of each bounded
action was used, and the messages in flight are a sorted multiset of message numbers. Numbers are
handed out in the order the search first meets the values, so runs are deterministic.

An action changes one server (two for a membership change that creates servers; every server
ages when time passes), so a successor is built from its predecessor by replacing a few numbers.
What an input does to a server value is a pure function, memoised: ``(server, input) ->
Outcome`` (the new server, the messages sent, the history events, a broken rule). Property checks
over pairs (two logs for Log Matching, a leader's log and the committed entries for Leader
Completeness) are memoised too.

The five properties of Figure 3 are judged with :mod:`raft.invariants`' functions, with the
history the simulator's checker keeps, carried in the state; the grader's two rules (a leader's
``match_index`` only increases within its term, Figure 2; configuration entries in order, §6)
and Leader Append-Only compare a server before and after its own action. See
``docs/model-checking.md`` for the model and why the pruning is sound.
"""

from __future__ import annotations

import sys
import time
import traceback
from array import array
from dataclasses import dataclass
from itertools import combinations, permutations

from ..check.properties import (_fmt, committed_entries_agree, election_safety,
                                leader_append_only, leader_completeness, log_matching)
from ..errors import ConfigurationError, RaftError
from ..node import (CANDIDATE, FOLLOWER, LEADER, MAX_ENTRIES_PER_MESSAGE, AppendEntriesReply,
                    Configuration, Node, RequestVote, RequestVoteReply)
from ..sim.manual import ManualCluster
from .result import Result, Violation, make_bounds
from .rules import EXACTLY_ONCE, EXCEPTION, RULE_CHECKS
from .state import ABSENT, DOWN, FIRE, INSTANT, UP, Codec, FixedRng, Server, replies_are_nodes

#: The kinds of membership change the search may make (``changes`` counts them): joint
#: consensus (``change_membership``, §6) or single-server changes (``add_server``, ``promote``,
#: ``remove_server``, dissertation §4.1).
MEMBERSHIP = ("joint", "single")
#: Why the switches beyond Figure 2 that the model cannot follow are refused.
REFUSED = {
    "pre_vote": "a pre-vote poll is judged by comparing two clock readings (a leader heard "
                "from since the poll began), which the model's instants cannot order",
    "check_quorum": "a leader steps down unless a majority answered within an election "
                    "timeout, but in the model every heartbeat comes after a pause longer "
                    "than that, so every leader would step down at its first heartbeat",
    "reads": "reads that bypass the log (dissertation §6.4) are not actions of the model, and a "
             "lease is a clock reading compared with the time on clocks that drift",
}
T = INSTANT   # the instant every action happens at (clock readings are kept relative to it)
PROGRESS_EVERY = 5.0   # seconds between two progress lines of a long run


# ---------------------------------------------------------------------------------------------
# Values the search meets
# ---------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What one input did to one server value."""

    code: int                 # the new server number
    sent: tuple = ()          # message numbers, sorted
    events: object = None     # history events: (new leader's term or 0, committed, applied, term)
    breach: object = None     # (property, details) broken by this transition, or None
    links: tuple = ()         # (link, how many messages sent on it)
    in_terms: bool = True     # the server's term is within max_term
    visible: bool = True      # its log, role or term changed (what the properties read)


# ---------------------------------------------------------------------------------------------
# The checker
# ---------------------------------------------------------------------------------------------

def _said(e):
    """What an exception says: its message, or for one that says nothing (the labs' stubs,
    ``raise NotImplementedError()``) the method that raised it."""
    if str(e):
        return str(e)
    frames = traceback.extract_tb(e.__traceback__)
    return f"{frames[-1].name} raises {type(e).__name__}" if frames else type(e).__name__


class Checker:
    """One search: the tables of numbered values, the memos and the breadth-first loop."""

    def __init__(self, node_class, bounds, *, election_timeout=(150, 300), heartbeat_interval=50,
                 fast_backoff=False, disruption_guard=True,
                 max_entries=MAX_ENTRIES_PER_MESSAGE, rules=True, targets=None, progress=None,
                 symmetry=True, logs=None, terms=None, votes=None, membership="joint",
                 pre_vote=False, check_quorum=False):
        if not (isinstance(node_class, type) and issubclass(node_class, Node)):
            raise ConfigurationError(f"node_class must be a subclass of raft.node.Node, got "
                                     f"{node_class!r}")
        if membership not in MEMBERSHIP:
            raise ConfigurationError(f"membership must be one of {', '.join(MEMBERSHIP)}, got "
                                     f"{membership!r}")
        for switch, on in (("pre_vote", pre_vote), ("check_quorum", check_quorum)):
            if on or getattr(node_class, switch, False):
                raise ConfigurationError(_refused(switch, node_class, on))
        if getattr(node_class, "reads", "log") != "log":
            raise ConfigurationError(_refused("reads", node_class, False))
        self.membership = membership
        self.node_class = node_class
        self.bounds = bounds
        self.rules = rules
        self.progress = progress
        self.U = bounds.servers + bounds.spares
        # Checked by the simulator's own validation, so the replay accepts what we accept.
        # The starting state (logs, terms, votes) as the simulator reads it: its own checks
        # apply, and the replay starts from the same disks.
        start = dict(logs=logs, terms=terms, votes=votes)
        probe = ManualCluster(size=bounds.servers, election_timeout=election_timeout,
                              heartbeat_interval=heartbeat_interval, fast_backoff=fast_backoff,
                              disruption_guard=disruption_guard,
                              max_entries_per_message=max_entries, node_class=node_class,
                              **start)
        self.cluster_options = dict(size=bounds.servers, election_timeout=probe.election_timeout,
                                    heartbeat_interval=heartbeat_interval,
                                    fast_backoff=fast_backoff, disruption_guard=disruption_guard,
                                    max_entries_per_message=max_entries, **start)
        self.initial_disks = {i: (d.current_term, d.voted_for, tuple(d.log))
                              for i, d in probe.disks.items()}
        disks = self.initial_disks.values()
        asymmetric = len({(d[0], d[2]) for d in disks}) > 1 or any(d[1] is not None for d in disks)
        self.pause = probe.pause
        self.node_options = dict(election_timeout=probe.election_timeout,
                                 heartbeat_interval=heartbeat_interval, fast_backoff=fast_backoff,
                                 disruption_guard=disruption_guard)
        if max_entries != MAX_ENTRIES_PER_MESSAGE:
            self.node_options["max_entries_per_message"] = max_entries
        voters = frozenset(range(1, bounds.servers + 1))
        self.initial_configs = {i: Configuration(voters if i <= bounds.servers else frozenset())
                                for i in range(1, self.U + 1)}
        self.targets = None if targets is None else self._check_targets(targets)

        self.servers = []          # number -> Server
        self._server_numbers = {}
        self.msgs = []             # number -> message
        self._msg_numbers = {}
        self._log_numbers = {}
        self._restarts = {}        # crashed server number -> its number after a restart
        self._target_memo = {}
        self._slot = [(i,) for i in range(self.U)]
        self._loss_memo = {}
        self.msg_dst = []          # number -> slot index (0-based) of its destination
        self.msg_link = []         # number -> its link, src * 64 + dst
        self.msg_rv_term = []      # number -> a RequestVote's term (the §6 guard may read the
        #                            receiver's readings), or -1
        self.rv_without_pause = False   # a RequestVote was sent other than by a timer firing
        self.msg_reply = []        # number -> 1 for an AppendEntriesReply, 2 for a
        #                            RequestVoteReply, else 0 (see dead())
        self.msg_term = []         # number -> the message's term
        self.forget = False        # whether this search forgets dead messages (see dead())
        self.dead_unsound = False  # a node broke what dead() relies on: see run()
        self._dead_memo = {}
        self.hists = []            # number -> (leaders, committed, applied)
        self._hist_numbers = {}
        self.counters = []         # number -> (commands, crashes, duplicates, drops, changes)
        self._counter_numbers = {}
        self.memo = {}             # (server, input) -> Outcome, or a finding, or None (refused)
        self._hist_memo = {}
        self._lm_memo = {}
        self._lc_memo = {}
        self._actions = {}         # action -> itself (shared action values)
        self.codecs = {}
        fixed_config = bounds.changes == 0 and not any(
            e.kind == "config" for d in self.initial_disks.values() for e in d[2])
        for i in range(1, self.U + 1):
            template = self._boot(i, 0, None, ())
            self.codecs[i] = Codec(node_class, template, self.pause, fixed_config)
        # Symmetry over server names, if asked for and if every attribute can be renamed.
        from .symmetry import Symmetry
        names = self.codecs[1].freeze(template, T)[0]
        self.symmetry = None
        self.symmetry_note = "off"
        if symmetry and bounds.servers > 1:
            if asymmetric:
                self.symmetry_note = "off: the servers do not start alike (logs, terms, votes)"
            elif not self._targets_symmetric():
                self.symmetry_note = ("off: the membership targets are not the same under "
                                      "every renaming of the servers")
            elif Symmetry.supports(names):
                self.symmetry = Symmetry(self)
                self.symmetry_note = f"on ({len(self.symmetry.perms)} renamings)"
            else:
                unknown = sorted(n for n in names if not Symmetry.supports((n,)))
                self.symmetry_note = (f"off: {node_class.__name__} has attributes the renaming "
                                      f"does not know ({', '.join(unknown)})")

    def _targets_symmetric(self):
        """Whether the given membership targets are closed under renaming the initial servers
        (spares keep their names): only then may states that differ by a renaming merge."""
        if self.targets is None:
            return True
        n = self.bounds.servers
        given = set(self.targets)
        for order in permutations(range(1, n + 1)):
            p = (0,) + order
            for t in given:
                if tuple(sorted(p[v] if v <= n else v for v in t)) not in given:
                    return False
        return True

    def _check_targets(self, targets):
        out = []
        for t in targets:
            ids = frozenset(t)
            if not ids or not all(isinstance(i, int) and 1 <= i <= self.U for i in ids):
                raise ConfigurationError(f"a membership target is a non-empty set of server ids "
                                         f"in 1..{self.U} (servers + spares), got {t!r}")
            out.append(tuple(sorted(ids)))
        return out

    # -- numbering ----------------------------------------------------------------------------

    def _boot(self, slot, term, vote, log):
        return self.node_class(slot, self.initial_configs[slot], rng=FixedRng(), now=T,
                               current_term=term, voted_for=vote, log=log, **self.node_options)

    def _server(self, key, make):
        code = self._server_numbers.get(key)
        if code is None:
            code = len(self.servers)
            s = make()
            s.key = key
            self.servers.append(s)
            self._server_numbers[key] = code
        return code

    def up_number(self, slot, node, disk):
        """The number of a running server: ``node`` (live) and its disk (term, vote, log)."""
        frozen = self.codecs[slot].freeze(node, T)
        log = tuple(node.log)
        if disk == (node.current_term, node.voted_for, log):
            disk = None
        key = (UP, slot, frozen, disk)

        def make():
            s = Server()
            s.slot, s.kind, s.frozen, s.disk = slot, UP, frozen, disk
            s.term, s.vote, s.role, s.log = node.current_term, node.voted_for, node.role, log
            s.log_id = self._log_number(log)
            s.commit_index = node.commit_index
            s.match = None
            if node.role == LEADER:
                targets = (node.config.members | node.learners) - {slot}
                s.match = {p: m for p, m in node.match_index.items() if p in targets}
            s.has_now = _has_now(frozen)
            s.guard_now = s.has_now and self.codecs[slot].guard_now(frozen, node.role)
            s.aged = s.quiet = None
            return s
        return self._server(key, make)

    def down_number(self, slot, disk):
        key = (DOWN, slot, disk)

        def make():
            s = Server()
            s.slot, s.kind, s.frozen, s.disk = slot, DOWN, None, disk
            s.term, s.vote, s.role, s.log = disk[0], disk[1], None, disk[2]
            s.log_id = self._log_number(disk[2])
            s.commit_index, s.match, s.has_now, s.aged = 0, None, False, None
            s.guard_now, s.quiet = False, None
            return s
        return self._server(key, make)

    def absent_number(self, slot):
        key = (ABSENT, slot)

        def make():
            s = Server()
            s.slot, s.kind, s.frozen, s.disk = slot, ABSENT, None, None
            s.term, s.vote, s.role, s.log, s.log_id = 0, None, None, (), -1
            s.commit_index, s.match, s.has_now, s.aged = 0, None, False, None
            s.guard_now, s.quiet = False, None
            return s
        return self._server(key, make)

    def _log_number(self, log):
        n = self._log_numbers.get(log)
        if n is None:
            n = self._log_numbers[log] = len(self._log_numbers)
        return n

    def msg_number(self, msg):
        # Keyed with the class: named tuples of two kinds can be equal as tuples (a RequestVote
        # and an AppendEntriesReply with the same numbers, since True == 1).
        key = (type(msg), msg)
        n = self._msg_numbers.get(key)
        if n is None:
            n = self._msg_numbers[key] = len(self.msgs)
            self.msgs.append(msg)
            self.msg_dst.append(msg.dst - 1)
            self.msg_link.append(msg.src * 64 + msg.dst)
            self.msg_rv_term.append(msg.term if type(msg) is RequestVote
                                    and not msg.leadership_transfer else -1)
            self.msg_reply.append(1 if type(msg) is AppendEntriesReply else
                                  2 if type(msg) is RequestVoteReply else 0)
            self.msg_term.append(msg.term)
        return n

    def hist_number(self, hist):
        n = self._hist_numbers.get(hist)
        if n is None:
            n = self._hist_numbers[hist] = len(self.hists)
            self.hists.append(hist)
        return n

    def counter_number(self, counters):
        n = self._counter_numbers.get(counters)
        if n is None:
            n = self._counter_numbers[counters] = len(self.counters)
            self.counters.append(counters)
        return n

    def action(self, a):
        return self._actions.setdefault(a, a)

    def readable(self, action):
        """An action with its message numbers replaced by the messages themselves."""
        kind = action[0]
        if kind == "lose":
            return ("lose", tuple(self.msgs[m] for m in action[1]), self.readable(action[2]))
        if kind == "deliver":
            return (kind, self.msgs[action[1]]) + action[2:]
        return action

    def numbered(self, action):
        """The inverse of :meth:`readable`."""
        kind = action[0]
        if kind == "lose":
            return ("lose", tuple(sorted(self.msg_number(m) for m in action[1])),
                    self.numbered(action[2]))
        if kind == "deliver":
            return (kind, self.msg_number(action[1])) + action[2:]
        return action

    # -- servers: what an input does ----------------------------------------------------------

    def node_of(self, code, now=T):
        s = self.servers[code]
        return self.codecs[s.slot].thaw(s.frozen, now)

    def aged(self, code):
        """The server after a pause: its clock readings of this instant become long ago."""
        s = self.servers[code]
        if not s.has_now:
            return code
        if s.aged is None:
            node = self.codecs[s.slot].thaw(s.frozen, T - self.pause)
            s.aged = self.up_number(s.slot, node, s.disk or (s.term, s.vote, s.log))
        return s.aged

    def quiet(self, state):
        """``state`` with this instant's readings forgotten where the §6 guard cannot read
        them before time passes: a server's readings are read only when a RequestVote of a
        higher term reaches it; a RequestVote is sent only when a timer fires, after a pause
        (``rv_without_pause`` says if a node did otherwise), and a pause ages every reading.
        So a server to which no such RequestVote is in flight behaves, until the next pause,
        alike with this instant's guard readings or without them; after it, they are gone
        either way (docs/model-checking.md)."""
        U = self.U
        srv = self.servers
        for i in range(U):
            s = srv[state[i]]
            if not s.guard_now:
                continue
            term = s.term
            rv_term = self.msg_rv_term
            dst = self.msg_dst
            for m in state[U + 2:]:
                if rv_term[m] > term and dst[m] == i:
                    break
            else:
                q = s.quiet
                if q is None:
                    node = self.codecs[s.slot].thaw(s.frozen, T)
                    if s.role == LEADER:
                        node.heard_from = {}
                    else:
                        node.last_heard = None
                    q = s.quiet = self.up_number(s.slot, node, s.disk or (s.term, s.vote, s.log))
                state = state[:i] + (q,) + state[i + 1:]
        return state

    def dead(self, m, code):
        """Whether message ``m`` is *dead* at server ``code``, its receiver: a reply the server
        ignores now and will ignore whatever happens next, so that it is as good as lost and
        the search does not keep it (``forget``; docs/model-checking.md, "Dead messages").
        That is a reply of an earlier term than the server's, or of its term while the server
        is not in the role that reads it: an AppendEntriesReply at a follower, a
        RequestVoteReply at a follower or a leader. Node ignores such replies (``step``,
        ``dispatch`` and the handlers: checked by ``replies_are_nodes``), and a server's term
        never goes down, nor does it become a candidate, or a follower a leader, within a
        term: checked on every transition the search computes (``_execute``). Delivering
        the reply is checked to change nothing, too; if either check fails, ``run`` searches
        again without forgetting."""
        key = (m, code)
        got = self._dead_memo.get(key)
        if got is None:
            got = False
            kind = self.msg_reply[m]
            s = self.servers[code]
            if kind and s.kind == UP:
                t = self.msg_term[m]
                got = t < s.term or t == s.term and (
                    s.role == FOLLOWER if kind == 1 else s.role != CANDIDATE)
                if got:
                    out = self.outcome(code, m)
                    if out is None or out.code != code or out.sent or \
                            out.events is not None or out.breach is not None:
                        self.dead_unsound = True
            self._dead_memo[key] = got
        return got

    def _live_to(self, net, i, code):
        """``net`` without the messages to server slot ``i`` that are dead at ``code``."""
        dst, reply, dead = self.msg_dst, self.msg_reply, self.dead
        for m in net:
            if dst[m] == i and reply[m] and dead(m, code):
                return tuple(x for x in net if not (dst[x] == i and reply[x] and dead(x, code)))
        return net

    def _live_sent(self, sent, servers):
        """The messages of ``sent`` that are not dead at their receivers in ``servers``."""
        dst, reply, dead = self.msg_dst, self.msg_reply, self.dead
        for m in sent:
            if reply[m] and dead(m, servers[dst[m]]):
                return tuple(x for x in sent if not (reply[x] and dead(x, servers[dst[x]])))
        return sent

    def outcome(self, code, inp):
        """What input ``inp`` (a message number, FIRE, ("submit", k), ("members", voters))
        does to server ``code``: an Outcome, or None if the node refused (not a transition)."""
        key = (code, inp)
        out = self.memo.get(key, key)
        if out is key:
            out = self.memo[key] = self._execute(code, inp)
        return out

    def _execute(self, code, inp):
        s = self.servers[code]
        slot = s.slot
        # A timer fires after a pause: the node's readings are one pause older than now.
        node = self.codecs[slot].thaw(s.frozen, T - self.pause if inp is FIRE else T)
        try:
            if type(inp) is int:
                node.step(self.msgs[inp], T)
            elif inp is FIRE:
                node.tick(T)
            elif inp[0] == "submit":
                k = inp[1]
                try:
                    node.propose(f"x={k}", T, "client", k)
                except RaftError:
                    return None
            elif inp[0] == "members":
                if node.role != LEADER or node.config_change_in_progress() \
                        or frozenset(inp[1]) == node.config.voters:
                    return None   # the simulator refuses these before asking the node
                try:
                    node.change_membership(inp[1], T)
                except RaftError:
                    return None
            else:   # a single-server change: ("add", i, voter), ("promote", i), ("remove", i)
                try:
                    node.check_membership_change()   # the simulator asks first, as here
                    if inp[0] == "add":
                        node.add_server(inp[1], T, voter=inp[2])
                    elif inp[0] == "promote":
                        node.promote(inp[1], T)
                    else:
                        node.remove_server(inp[1], T)
                except RaftError:
                    return None
            out = node.ready()
            if inp is not FIRE and not self.rv_without_pause and \
                    any(type(m) is RequestVote for m in out.messages):
                self.rv_without_pause = True   # then Checker.quiet is unsound: see run()
        except Exception as e:  # noqa: BLE001 - the node's own code raised
            return Outcome(code, breach=(EXCEPTION, f"{type(e).__name__}: {_said(e)}"))
        term, vote, log = s.disk or (s.term, s.vote, s.log)
        if out.persist_hard_state:
            term, vote = node.current_term, node.voted_for
        if out.persist_log_from is not None:
            start = out.persist_log_from
            log = log[:start - 1] + tuple(node.log[start:])
        new = self.up_number(slot, node, (term, vote, log))
        after = self.servers[new]
        if after.term < s.term or after.term == s.term and (
                after.role == CANDIDATE and s.role != CANDIDATE
                or after.role == LEADER and s.role == FOLLOWER):
            self.dead_unsound = True   # dead() relies on this never happening: see run()
        sent = tuple(sorted(self.msg_number(m) for m in out.messages))
        on = [self.msg_link[m] for m in sent]
        links = tuple(sorted((link, on.count(link)) for link in set(on)))
        breach = self._transition_rules(s, after, node, inp, out, (term, vote, log))
        # History events: leadership, newly committed entries (judged when the server comes to
        # hold them as committed, as the simulator's checker does), applied entries.
        committed = ()
        upto = min(after.commit_index, len(after.log))
        if upto > s.commit_index:
            committed = tuple((i, after.log[i - 1]) for i in range(s.commit_index + 1, upto + 1))
        applied = tuple(out.apply)
        # Leadership is recorded when a server becomes leader of a term (Election Safety).
        new_leader = after.role == LEADER and not (s.role == LEADER and s.term == after.term)
        events = None
        if new_leader or committed or applied:
            events = (after.term if new_leader else 0, committed, applied, after.term)
        visible = s.log_id != after.log_id or s.role != after.role or s.term != after.term
        return Outcome(new, sent, events, breach, links, after.term <= self.bounds.max_term,
                       visible)

    def _transition_rules(self, before, after, node, inp, out, disk):
        """Leader Append-Only, then the rules of :data:`RULES`: the acting server before and
        after its action, the message it handled and what it sent, persisted and applied."""
        same_leader = (before.role == LEADER and after.role == LEADER
                       and before.term == after.term)
        if same_leader:
            b = leader_append_only(before.slot, before.term, before.log, after.log)
            if b is not None:
                return (b.prop, b.details)
        if not self.rules:
            return None
        for check in RULE_CHECKS:
            found = check(self, before, after, node, inp, out, disk, same_leader)
            if found:
                return found
        return None

    # -- history ------------------------------------------------------------------------------

    def history_step(self, hist, slot, events):
        """The history after ``events`` of server ``slot``: (number, breach or None, whether
        the committed entries changed)."""
        key = (hist, slot, events)
        got = self._hist_memo.get(key)
        if got is None:
            got = self._hist_memo[key] = self._history_step(hist, slot, events)
        return got

    def _history_step(self, hist, slot, events):
        # The order of the simulator's checker: applied entries (judged as they are applied),
        # then Election Safety, then newly committed entries.
        leaders, committed, applied = self.hists[hist]
        lead_term, new_commits, new_applied, term = events
        breach = None
        applied_l = list(applied)
        for index, entry in new_applied:
            if index <= len(applied_l):
                first = applied_l[index - 1]
                if first != entry and breach is None:
                    breach = ("State Machine Safety", f"index {index} was applied as "
                              f"{_fmt(first)} before, but S{slot} applied {_fmt(entry)} there")
            else:
                applied_l.append(entry)
        if len(applied_l) > len(applied) and breach is None:
            breach = _applied_twice(applied_l, slot)
        leaders_d = dict(leaders)
        if lead_term:
            b = election_safety(leaders_d, slot, lead_term)
            if b is not None and breach is None:
                breach = (b.prop, b.details)
            leaders_d.setdefault(lead_term, slot)
        committed_l = list(committed)
        for index, entry in new_commits:
            if index <= len(committed_l):
                b = committed_entries_agree(committed_l[index - 1], slot, index, entry)
                if b is not None and breach is None:
                    breach = (b.prop, b.details)
            else:
                committed_l.append((entry, term))
        new_committed = tuple(committed_l)
        new = (tuple(sorted(leaders_d.items())), new_committed, tuple(applied_l))
        return self.hist_number(new), breach, new_committed != committed

    # -- state properties -----------------------------------------------------------------------

    def log_matching_breach(self, servers, changed=None):
        """Log Matching between every two logs (a crashed server's: its disk)."""
        srv = self.servers
        servers = servers[:self.U]
        key = tuple([srv[c].log_id for c in servers])
        bad = self._lm_memo.get(key)
        if bad is None:
            bad = self._lm_memo[key] = self._log_matching(servers) is not None
        return self._log_matching(servers) if bad else None

    def _log_matching(self, servers):
        logs = [self.servers[c] for c in servers]
        logs = [s for s in logs if s.kind != ABSENT]
        for x in range(len(logs)):
            for y in range(x + 1, len(logs)):
                a, b = logs[x], logs[y]
                br = log_matching(a.slot, a.log, b.slot, b.log)
                if br is not None:
                    return (br.prop, br.details)
        return None

    def completeness_breach(self, servers, hist, slots):
        """Leader Completeness for the leaders among ``slots``."""
        committed = self.hists[hist][1]
        if not committed:
            return None
        for c in slots:
            s = self.servers[servers[c]]
            if s.role != LEADER or s.kind != UP:
                continue
            key = (s.log_id, s.term, hist)
            bad = self._lc_memo.get(key)
            if bad is None:
                bad = False
                for index, pair in enumerate(committed, 1):
                    if leader_completeness(s.slot, s.term, s.log, index, pair) is not None:
                        bad = index
                        break
                self._lc_memo[key] = bad
            if bad:
                br = leader_completeness(s.slot, s.term, s.log, bad, committed[bad - 1])
                return (br.prop, br.details)
        return None

    # -- the search -----------------------------------------------------------------------------

    def initial_state(self):
        servers = []
        for i in range(1, self.U + 1):
            if i <= self.bounds.servers:
                disk = self.initial_disks[i]
                node = self._boot(i, *disk)
                servers.append(self.up_number(i, node, disk))
            else:
                servers.append(self.absent_number(i))
        hist = self.hist_number(((), (), ()))
        return tuple(servers) + (hist, self.counter_number((0,) * 8))

    def run(self):
        start = time.perf_counter()
        quiet = any(c.guard_only for c in self.codecs.values())
        forget = self.bounds.forget_dead and replies_are_nodes(self.node_class)
        while True:
            self.forget = forget
            result = self._search(start, quiet)
            if result is not None:
                return result
            # A node sent a RequestVote without a timer firing: no quieting. A node broke what
            # dead() relies on: no forgetting. Search again without.
            if self.rv_without_pause:
                quiet = False
            if self.dead_unsound:
                forget = False

    def _search(self, start, quiet):
        """The breadth-first search; None if ``quiet`` or ``self.forget`` turned out to be
        unsound."""
        b = self.bounds
        init = self.initial_state()
        seen = {init: 0}
        parents = array("q", [-1])
        actions = [None]
        perms = array("b", [0])   # the renaming that made each state canonical (symmetry)
        levels = [1]
        transitions = 0
        pruned = 0
        canonical = self.symmetry.canonical if self.symmetry is not None else None
        breach = self._initial_breach(init)
        if breach is not None:
            return self._result(start, seen, transitions, 0, "violation", levels, pruned,
                                breach, 0, parents, actions, perms)
        frontier = [init]
        depth = 0
        budget = b.time_budget
        max_states = b.max_states
        next_report = start + PROGRESS_EVERY
        stopped = "exhausted"
        while frontier:
            if b.max_depth is not None and depth >= b.max_depth:
                stopped = "depth bound"
                break
            depth += 1
            nxt = []
            levels.append(0)
            for k, state in enumerate(frontier):
                if k & 255 == 0:
                    now = time.perf_counter()
                    if budget is not None and now - start > budget:
                        stopped = "time budget"
                        break
                    if now >= next_report and self.progress is not None:
                        next_report = now + PROGRESS_EVERY
                        self.progress(f"depth {depth}: {len(seen)} states, {len(nxt)} new at "
                                      f"this depth, {now - start:.1f} s")
                parent = seen[state]
                for action, succ, changed, hist_changed, inside, breach in \
                        self.successors(state):
                    transitions += 1
                    if quiet and self.rv_without_pause or self.forget and self.dead_unsound:
                        return None
                    if not inside:
                        # Outside max_term / per_link: checked, but neither kept nor expanded.
                        if breach is None:
                            breach = self._state_breach(succ, changed, hist_changed)
                            if breach is None:
                                pruned += 1
                                continue
                    if breach is not None and (not inside or breach[0] == EXCEPTION):
                        parents.append(parent)
                        actions.append(action)
                        perms.append(0)
                        return self._result(start, seen, transitions, depth, "violation",
                                            levels, pruned, breach, len(parents) - 1, parents,
                                            actions, perms)
                    if quiet:
                        succ = self.quiet(succ)
                    if canonical is None:
                        key, perm = succ, 0
                    else:
                        key, perm = canonical(succ)
                    if key in seen:
                        continue
                    if max_states is not None and len(seen) >= max_states:
                        stopped = "state budget"
                        break
                    index = len(parents)
                    seen[key] = index
                    parents.append(parent)
                    actions.append(action)
                    perms.append(perm)
                    levels[depth] += 1
                    if breach is None:
                        breach = self._state_breach(succ, changed, hist_changed)
                    if breach is not None:
                        return self._result(start, seen, transitions, depth, "violation",
                                            levels, pruned, breach, index, parents, actions,
                                            perms)
                    nxt.append(key)
                else:
                    continue
                break   # the state budget is spent
            else:
                frontier = nxt
                continue
            break
        if levels[-1] == 0 and stopped == "exhausted":
            levels.pop()
            depth -= 1
        return self._result(start, seen, transitions, max(depth, 0), stopped, levels, pruned,
                            None, None, parents, actions, perms)

    def _initial_breach(self, state):
        # (the initial state may hold logs a subclass gave its servers)
        changed = range(self.U)
        return self.log_matching_breach(state, changed) or \
            self.completeness_breach(state, state[self.U], changed)

    def _state_breach(self, state, changed, hist_changed):
        """Log Matching and Leader Completeness, if what they read changed: the logs, roles
        and terms of ``changed`` servers, or the committed entries."""
        br = self.log_matching_breach(state) if changed else None
        if br is None and (changed or hist_changed):
            slots = range(self.U) if hist_changed else changed
            br = self.completeness_breach(state, state[self.U], slots)
        return br

    def _result(self, start, seen, transitions, depth, stopped, levels, pruned, breach, index,
                parents, actions, perms):
        violation = None
        if breach is not None:
            steps = []
            while index > 0:
                steps.append((actions[index], perms[index]))
                index = parents[index]
            steps.reverse()
            run = []
            q = 0   # the renaming from the search's (canonical) states to the real run's
            for action, perm in steps:
                if self.symmetry is not None and q:
                    action = self.symmetry.rename_action(action, q)
                run.append(self.readable(action))
                if self.symmetry is not None and perm:
                    q = self.symmetry.compose_inverse(q, perm)
            if self.symmetry is not None:
                breach = self._final_breach(run) or breach   # in the real run's names
            violation = Violation(breach[0], breach[1], run, self)
            depth = len(run)
        return Result(self.node_class, self.bounds, len(seen), transitions, depth,
                      time.perf_counter() - start, stopped, violation, list(levels), pruned,
                      self.symmetry_note)

    def _final_breach(self, run):
        """The breach at the end of ``run`` (actions with messages), found again by following
        the run from the initial state without renaming."""
        state = self.initial_state()
        found = None
        for action in run:
            want = self.numbered(action)
            for a, succ, changed, hist_changed, _inside, breach in self.successors(state):
                if a == want:
                    found = breach or self._state_breach(succ, changed, hist_changed)
                    state = succ
                    break
            else:
                return None
        return found

    def successors(self, state):
        """Yield (action, successor, changed slots, history changed, inside the bounds,
        breach) for every action enabled in ``state``."""
        U = self.U
        b = self.bounds
        servers = state[:U]
        hist = state[U]
        ctr = state[U + 1]
        net = state[U + 2:]
        commands, crashes, dups, drops, changes, beats, waits, retries = self.counters[ctr]
        msg_dst = self.msg_dst
        srv = self.servers
        act = self.action
        ups = [i for i in range(U) if srv[servers[i]].kind == UP]
        all_up = len(ups) == U
        links = self.msg_link
        occ = {}
        for m in net:
            occ[links[m]] = occ.get(links[m], 0) + 1
        apply = self._apply

        # Deliver a message in flight (each distinct message once); with duplicates left, also
        # deliver it while the network keeps a copy. (Losses ride along with the actions whose
        # messages overflow a link: see _apply.)
        last = -1
        for pos, m in enumerate(net):
            if m == last:
                continue
            last = m
            rest = net[:pos] + net[pos + 1:]
            d = msg_dst[m]
            out = self.outcome(servers[d], m)
            yield from apply(act(("deliver", m)), servers, hist, ctr, rest, d, out, all_up, occ,
                             links[m])
            if dups < b.duplicates:
                c2 = self._bump(ctr, 2, b.duplicates)
                yield from apply(act(("deliver", m, "keep")), servers, hist, c2, net, d, out,
                                 all_up, occ, None)

        # A timer fires (after a pause: every server's readings of this instant age).
        any_now = any(srv[servers[i]].has_now for i in ups)
        if any_now:
            aged = tuple(self.aged(c) for c in servers)
        else:
            aged = servers
        beat_ctr = self._bump(ctr, 5, b.heartbeats)
        for i in ups:
            c2 = ctr
            if srv[servers[i]].role == LEADER:   # a heartbeat
                if beat_ctr is None:
                    continue
                c2 = beat_ctr
            out = self.outcome(aged[i], FIRE)
            yield from apply(act(("fire", i + 1)), aged, hist, c2, net, i, out, all_up, occ,
                             None)
        if any_now:
            c2 = self._bump(ctr, 6, b.waits)
            if c2 is not None:
                yield (act(("wait",)), aged + (hist, c2) + net, (), False, True, None)

        # A client command to a running leader.
        if commands < b.commands:
            c2 = self._bump(ctr, 0, b.commands)
            for i in ups:
                if srv[servers[i]].role == LEADER:
                    out = self.outcome(servers[i], ("submit", commands + 1))
                    if out is not None:
                        yield from apply(act(("submit", i + 1, commands + 1)), servers, hist,
                                         c2, net, i, out, all_up, occ, None)

        # A client sends an earlier command again (its answer was lost, or it gave up waiting),
        # with the same client id and serial number: the state machines must apply it once
        # (dissertation §6.3).
        if retries < b.retries and commands:
            c2 = self._bump(ctr, 7, b.retries)
            for k in range(1, commands + 1):
                for i in ups:
                    if srv[servers[i]].role == LEADER:
                        out = self.outcome(servers[i], ("submit", k))
                        if out is not None:
                            yield from apply(act(("submit", i + 1, k)), servers, hist, c2, net,
                                             i, out, all_up, occ, None)

        # Crash a running server; restart a crashed one.
        if crashes < b.crashes:
            c2 = self._bump(ctr, 1, b.crashes)
            for i in ups:
                s = srv[servers[i]]
                disk = s.disk or (s.term, s.vote, s.log)
                new_servers = servers[:i] + (self.down_number(i + 1, disk),) + servers[i + 1:]
                rest = tuple(m for m in net if msg_dst[m] != i)
                yield (act(("crash", i + 1)), new_servers + (hist, c2) + rest, (i,), False,
                       True, None)
        for i in range(U):
            s = srv[servers[i]]
            if s.kind == DOWN:
                code = self._restart_number(servers[i])
                new_servers = servers[:i] + (code,) + servers[i + 1:]
                yield (act(("restart", i + 1)), new_servers + (hist, ctr) + net, (i,), False,
                       True, None)

        # A membership change, asked of the leader the simulator would pick.
        if changes < b.changes:
            leader = None
            for i in ups:
                s = srv[servers[i]]
                if s.role == LEADER and (leader is None or s.term > srv[servers[leader]].term):
                    leader = i
            if leader is not None:
                c2 = self._bump(ctr, 4, b.changes)
                if self.membership == "joint":
                    changes = [("members", voters) for voters in self._targets(servers[leader])]
                else:
                    changes = self._single_changes(servers[leader])
                for change in changes:
                    out = self.outcome(servers[leader], change)
                    if out is None:
                        continue
                    new_servers = list(servers)
                    # New ids get fresh, empty servers, as in the simulator.
                    for v in (change[1] if change[0] == "members" else
                              (change[1],) if change[0] == "add" else ()):
                        if srv[servers[v - 1]].kind == ABSENT:
                            node = self._boot(v, 0, None, ())
                            new_servers[v - 1] = self.up_number(v, node, (0, None, ()))
                    yield from apply(act(change), tuple(new_servers), hist, c2, net,
                                     leader, out, all_up, occ, None)

    def _targets(self, leader_code):
        if self.targets is not None:
            return self.targets
        out = self._target_memo.get(leader_code)
        if out is None:
            voters = self.node_of(leader_code).config.voters
            out = []
            for i in range(1, self.U + 1):
                new = voters - {i} if i in voters else voters | {i}
                if new:
                    out.append(tuple(sorted(new)))
            self._target_memo[leader_code] = out
        return out

    def _single_changes(self, leader_code):
        """The single-server changes a leader could be asked for (dissertation §4.1): remove
        any member (not the last voter), promote a non-voter, add any other server as a voter
        or as a non-voter. Whether it may start one now is the node's own rule."""
        out = self._target_memo.get(("single", leader_code))
        if out is None:
            config = self.node_of(leader_code).config
            non_voters = getattr(config, "non_voters", frozenset())
            out = []
            for i in range(1, self.U + 1):
                if i in config.members:
                    if config.voters != {i}:
                        out.append(("remove", i))
                elif i in non_voters:
                    out += [("promote", i), ("remove", i)]
                else:
                    out += [("add", i, True), ("add", i, False)]
            self._target_memo[("single", leader_code)] = out
        return out

    def _restart_number(self, code):
        got = self._restarts.get(code)
        if got is None:
            s = self.servers[code]
            term, vote, log = s.disk
            node = self._boot(s.slot, term, vote, log)
            pending = node.ready()
            if pending.messages or pending.apply:
                raise ConfigurationError(f"{self.node_class.__name__}'s constructor produced "
                                         "output; the model checker cannot follow it")
            got = self._restarts[code] = self.up_number(s.slot, node, s.disk)
        return got

    def _links_ok(self, net, links):
        """Whether no link among ``links`` holds more than per_link messages in ``net``."""
        per_link = self.bounds.per_link
        if len(net) <= per_link:
            return True
        on = [self.msg_link[x] for x in net]
        for link in links:
            if on.count(link) > per_link:
                return False
        return True

    def _apply(self, action, servers, hist, ctr, net, i, out, all_up, occ, freed):
        """The successors where server slot ``i`` had Outcome ``out`` (``net``: the messages
        left in flight; ``occ``: messages per link before the action, of which ``freed`` lost
        one): one, or if its messages overflow a link, that one (outside the bounds) and one for
        each way of losing messages on the link to make room (while the drops bound allows)."""
        if out.breach is not None and out.breach[0] == EXCEPTION:
            return ((action, servers + (hist, ctr) + net, (), False, False, out.breach),)
        new_servers = servers[:i] + (out.code,) + servers[i + 1:]
        sent = out.sent
        links = out.links
        if self.forget:
            # Replies that the action made dead (to server i, whose term or role changed), or
            # that are dead as they are sent, leave the network (see dead()).
            if net and out.visible:
                net = self._live_to(net, i, out.code)
            if sent:
                live = self._live_sent(sent, new_servers)
                if live is not sent:
                    sent = live
                    on = [self.msg_link[m] for m in sent]
                    links = tuple(sorted((link, on.count(link)) for link in set(on)))
        fits = True
        if sent:
            if not all_up:   # messages to a crashed server are lost (as in the simulator)
                srv, dst = self.servers, self.msg_dst
                sent = tuple(m for m in sent if srv[new_servers[dst[m]]].kind == UP)
                new_net = tuple(sorted(net + sent)) if net else sent
                fits = self._links_ok(new_net, {self.msg_link[m] for m in sent})
            else:
                new_net = tuple(sorted(net + sent)) if net else sent
                K = self.bounds.per_link
                for link, n in links:
                    if occ.get(link, 0) - (link == freed) + n > K:
                        fits = False
                        break
        else:
            new_net = net
        breach = out.breach
        hist_changed = False
        if out.events is not None:
            hist, br, hist_changed = self.history_step(hist, i + 1, out.events)
            if br is not None:
                breach = br   # the history's breaches come first, as in the simulator
        changed = self._slot[i] if out.visible else ()
        head = new_servers + (hist,)
        if fits:
            return ((action, head + (ctr,) + new_net, changed, hist_changed, out.in_terms,
                     breach),)
        found = [(action, head + (ctr,) + new_net, changed, hist_changed, False, breach)]
        if out.in_terms and self.bounds.drops != 0:
            for lost, rest in self._losses(new_net, tuple(link for link, _ in links)):
                c2 = self._lose(ctr, len(lost))
                if c2 is not None:
                    found.append((self.action(("lose", lost, action)), head + (c2,) + rest,
                                  changed, hist_changed, True, breach))
        return found

    def _bump(self, ctr, field, bound):
        """The counters with counter ``field`` one higher, ``ctr`` itself if ``bound`` is None
        (not counted), or None if the bound is spent."""
        if bound is None:
            return ctr
        counts = self.counters[ctr]
        if counts[field] >= bound:
            return None
        return self.counter_number(counts[:field] + (counts[field] + 1,) + counts[field + 1:])

    def _lose(self, ctr, n):
        """The counters after losing ``n`` messages, or None if the drops bound forbids it."""
        if self.bounds.drops is None:
            return ctr
        counts = self.counters[ctr]
        if counts[3] + n > self.bounds.drops:
            return None
        return self.counter_number(counts[:3] + (counts[3] + n,) + counts[4:])

    def _losses(self, net, links):
        """Each way of losing messages so that no link holds more than per_link: (the lost
        message numbers, the network left)."""
        key = (net, links)
        got = self._loss_memo.get(key)
        if got is None:
            got = self._loss_memo[key] = self._loss_choices(net, links)
        return got

    def _loss_choices(self, net, links):
        K = self.bounds.per_link
        on = self.msg_link
        choices = [((), net)]
        for link in links:
            here = [m for m in net if on[m] == link]
            extra = len(here) - K
            if extra <= 0:
                continue
            options = sorted(set(combinations(here, extra)))
            new_choices = []
            for lost, left in choices:
                for drop in options:
                    remaining = list(left)
                    for m in drop:
                        remaining.remove(m)
                    new_choices.append((lost + drop, tuple(remaining)))
            choices = new_choices
        return [(tuple(sorted(lost)), left) for lost, left in choices if lost]


def _applied_twice(applied, slot):
    """A client command that the simulator's state machine, applying ``applied`` in order with
    its client sessions (dissertation §6.3), would apply a second time: (EXACTLY_ONCE, details),
    or None. (The search's commands are all different, ``x=k``, so a command applied twice is a
    retry the sessions did not recognise.)"""
    from ..sim.kv import KeyValueStore
    store = KeyValueStore()
    first = {}
    for index, entry in enumerate(applied, 1):
        if store.apply(entry, index):
            command = store.applied[-1]
            if command in first:
                return (EXACTLY_ONCE, f"{command} was applied at index {first[command]} and "
                        f"again at index {index} (S{slot} applied it): the entry at {index} "
                        f"carries client id {entry.client_id!r} and serial number "
                        f"{entry.seq!r}, so the state machine could not tell it was a retry")
            first[command] = index
    return None


def _refused(switch, node_class, asked):
    value = getattr(node_class, switch, None)
    where = f"{switch}=True" if asked else f"{node_class.__name__}.{switch} is {value!r}"
    return (f"{where}: the model checker does not explore {switch} (beyond Figure 2): "
            f"{REFUSED[switch]}; check the node with it off (docs/model-checking.md)")


def _has_now(frozen):
    from .state import NOW
    stack = [frozen[1]]
    while stack:
        v = stack.pop()
        if v is NOW:
            return True
        if type(v) is tuple:
            stack.extend(v)
    return False


def check(node_class=Node, servers=3, *, election_timeout=(150, 300), heartbeat_interval=50,
          fast_backoff=False, disruption_guard=True, max_entries=MAX_ENTRIES_PER_MESSAGE,
          rules=True, targets=None, progress=None, symmetry=True, logs=None, terms=None,
          votes=None, membership="joint", pre_vote=False, check_quorum=False, **bounds):
    """Model-check ``node_class`` on ``servers`` servers within ``bounds`` (see :class:`Bounds`:
    max_term, commands, crashes, per_link, duplicates, drops, changes, spares, max_depth,
    time_budget). Returns a :class:`Result`; ``result.summary`` is the one-line verdict and
    ``result.violation`` the shortest run that breaks a property (None if none was found).

    ``rules`` also checks the grader's rules (match_index, §6) beside Figure 3's properties;
    ``membership`` says which membership changes the ``changes`` bound counts: ``"joint"``
    (joint consensus, ``change_membership``, §6) or ``"single"`` (``add_server``, ``promote``,
    ``remove_server``, dissertation §4.1); ``targets`` lists the configurations a joint change
    may ask for (default: every configuration one server away from the leader's); ``pre_vote``
    and ``check_quorum`` are refused with an error saying why (the model cannot follow them;
    the same for a node class that turns them on); ``progress`` is called with a line of
    text every few seconds of a long run; ``logs``, ``terms`` and ``votes`` give the servers a
    starting state, as for :class:`~raft.cluster.Cluster` (a log is a list of terms, of
    ``(term, command)`` pairs or of entries); ``symmetry`` merges states that differ only in the
    servers' names (see :mod:`raft.mc.symmetry`; off by itself for node classes with attributes
    it does not know)."""
    b = make_bounds(servers, **bounds)
    checker = Checker(node_class, b, election_timeout=election_timeout,
                      heartbeat_interval=heartbeat_interval, fast_backoff=fast_backoff,
                      disruption_guard=disruption_guard, max_entries=max_entries, rules=rules,
                      targets=targets, progress=progress, symmetry=symmetry, logs=logs,
                      terms=terms, votes=votes, membership=membership, pre_vote=pre_vote,
                      check_quorum=check_quorum)
    return checker.run()


def stderr_progress(line):
    print(line, file=sys.stderr, flush=True)
