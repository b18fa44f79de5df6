"""A deterministic discrete-event simulator of a Raft cluster.

Theory of operation
-------------------
Time is simulated milliseconds (a float). A priority queue holds the future events: a message
arriving at its destination, or a server's timer coming due. ``step()`` takes the earliest
event, hands it to the server it concerns (``Node.step`` or ``Node.tick``), and acts on the
server's output in the order Raft requires: persistent state is written to the server's
"disk" first, then its messages are put on the network, then committed entries are applied
to its key-value store. Every event and every note the servers write is appended to
``trace``.

One seeded ``random.Random`` drives everything that is random (election timeouts, message
latency, loss, duplication and reordering), so a cluster built with the same arguments and
driven by the same calls always produces the same trace. Calls from outside (``crash``,
``partition``, ``submit``, ...) are steps too, and are remembered, which is how ``replay``
rebuilds the cluster as it was at any earlier step.

The simulator only reads a node's state and calls its public inputs; it never changes the
algorithm's state behind its back (a crash throws the node away and builds a new one from
its disk).
"""

from __future__ import annotations

from heapq import heappop, heappush
import random
from collections import Counter
from typing import NamedTuple

from . import checks, kv
from .errors import (ConfigurationError, LeadershipTransferInProgress, NodeCrashed, NotLeader,
                     StuckTimer, UnknownNode)
from .node import LEADER, MAX_ENTRIES_PER_MESSAGE, AppendEntries, Configuration, Entry, Node
from .trace import TraceRecord, step_caption

_DELIVER, _TIMER = 0, 1

#: How many times one server's timer may fire at a single simulated instant before the
#: simulator gives up with StuckTimer (the reference node's timers fire once per instant).
TIMER_FIRINGS_PER_INSTANT = 1000


class Flight(NamedTuple):
    """A message on the network: sent at ``sent_at``, due at ``deliver_at``."""

    id: int
    msg: object
    sent_at: float
    deliver_at: float


class Disk:
    """What a server keeps across a crash: current_term, voted_for and the log (Figure 2)."""

    __slots__ = ("current_term", "voted_for", "log")

    def __init__(self, current_term=0, voted_for=None, log=()):
        self.current_term = current_term
        self.voted_for = voted_for
        self.log = list(log)


class Cluster:
    """A simulated Raft cluster of ``size`` servers with ids 1..size.

    Times are in milliseconds. ``logs``, ``terms`` and ``votes`` start servers from given
    persistent state (a log is a list of terms, of ``(term, command)`` pairs or of Entry), so
    the paper's figures can be replayed exactly. ``check_invariants=True`` checks the five
    safety properties after every step (see ``raft.invariants``); ``trace=False`` keeps no
    trace, for large experiments where only the outcome matters.

    Beyond Figure 2, off by default: ``pre_vote`` (dissertation §9.6) and ``check_quorum``
    (§6.2) switch those mechanisms on in every node; ``transfer_leadership`` and the
    single-server changes (``add_server``, ``promote``, ``remove_server``) are requests.
    """

    def __init__(self, size=5, seed=0, election_timeout=(150, 300), heartbeat_interval=50,
                 latency=(10, 15), drop=0.0, duplicate=0.0, reorder=0.0, fast_backoff=False,
                 disruption_guard=True, logs=None, terms=None, votes=None, node_class=Node,
                 check_invariants=False, trace=True, max_entries_per_message=MAX_ENTRIES_PER_MESSAGE,
                 *, pre_vote=False, check_quorum=False):
        self._init = dict(size=size, seed=seed, election_timeout=election_timeout,
                          heartbeat_interval=heartbeat_interval, latency=latency, drop=drop,
                          duplicate=duplicate, reorder=reorder, fast_backoff=fast_backoff,
                          disruption_guard=disruption_guard, logs=logs, terms=terms,
                          votes=votes, node_class=node_class,
                          check_invariants=check_invariants, trace=trace,
                          max_entries_per_message=max_entries_per_message)
        if pre_vote or check_quorum:   # (only when on, so older runs' arguments stay the same)
            self._init.update(pre_vote=pre_vote, check_quorum=check_quorum)
        checks.positive_int("size", size)
        low, high = checks.timing(election_timeout, heartbeat_interval)
        self.seed = seed
        self.tracing = trace         # False skips the trace (faster; for big experiments)
        self.rng = random.Random(seed)
        self.election_timeout = (low, high)
        self.heartbeat_interval = heartbeat_interval
        self.fast_backoff = fast_backoff
        self.disruption_guard = disruption_guard
        self.node_class = node_class
        checks.positive_int("max_entries_per_message", max_entries_per_message)
        self.max_entries_per_message = max_entries_per_message
        self.pre_vote = bool(pre_vote)
        self.check_quorum = bool(check_quorum)
        # Options passed to each node only when they differ from Node's default.
        self._node_options = ({} if max_entries_per_message == MAX_ENTRIES_PER_MESSAGE
                              else {"max_entries_per_message": max_entries_per_message})
        if pre_vote:
            self._node_options["pre_vote"] = True
        if check_quorum:
            self._node_options["check_quorum"] = True
        self.latency = (1.0, 1.0)
        self.drop_rate = self.duplicate_rate = self.reorder_rate = 0.0
        self._set_network(latency=latency, drop=drop, duplicate=duplicate, reorder=reorder)

        self.now = 0.0
        self.steps = 0
        self.trace = []
        self.stats = Counter()       # messages sent, by message class name
        self.delivered = 0           # messages delivered
        self.nodes = {}
        self.disks = {}
        self.state_machines = {}
        self.crashed = set()
        self._groups = None          # node id -> partition group number, or None
        self._disconnected = set()
        self._cut_links = set()      # frozenset({a, b}): a link cut in both directions
        self._faults = False         # any of the three above (read on every message)
        self._queue = []
        self._seq = 0
        self._flights = {}
        self._next_flight = 0
        self._timer_at = {}
        self._instant = (None, {}, 0)  # (time, server -> timer firings then, first step)
        self._actions = []           # (steps before it, method name, args) for replay
        self._client_seq = 0

        ids = list(range(1, size + 1))
        initial = Configuration(frozenset(ids))
        logs = _check_per_node("logs", logs, ids)
        terms = _check_per_node("terms", terms, ids)
        votes = _check_per_node("votes", votes, ids)
        for i in ids:
            log = [_as_entry(x, i) for x in logs.get(i, ())]
            term = terms.get(i, max((e.term for e in log), default=0))
            if log and term < log[-1].term:
                raise ConfigurationError(
                    f"S{i}: current term {term} is below the term of its last entry")
            self.disks[i] = Disk(term, votes.get(i), log)
            self._boot(i, initial)

        self.checker = None
        if check_invariants:
            from .invariants import SafetyChecker
            self.checker = SafetyChecker(self)

    # -- reading the cluster --------------------------------------------------------------------

    @property
    def ids(self):
        return sorted(self.nodes)

    def node(self, i):
        """The server with id ``i``; a clear error for an unknown id (or for 1.0, True...)."""
        node = self.nodes.get(i) if type(i) is int else None
        if node is None:
            checks.server_id(i, self.ids)
        return node

    def leader(self):
        """The id of the running leader with the highest term, or None."""
        best = None
        for i, n in self.nodes.items():
            if i not in self.crashed and n.role == LEADER:
                if best is None or n.current_term > self.nodes[best].current_term:
                    best = i
        return best

    def is_up(self, i):
        self.node(i)
        return i not in self.crashed

    def applied(self, i):
        """The client commands server ``i`` has applied, in order (no no-ops or configs)."""
        self.node(i)
        return list(self.state_machines[i].applied)

    def state_machine(self, i):
        """A copy of server ``i``'s key-value store."""
        self.node(i)
        return dict(self.state_machines[i].data)

    def config(self, i=None):
        """The configuration server ``i`` (default: the leader) is using."""
        if i is None:
            i = self.leader()
            if i is None:
                raise NotLeader(None, None)
        return self.node(i).config

    def in_flight(self):
        """The messages on the network, soonest delivery first."""
        return sorted(self._flights.values(), key=lambda f: (f.deliver_at, f.id))

    def can_reach(self, a, b):
        """True if the network currently carries messages from ``a`` to ``b``."""
        if a in self._disconnected or b in self._disconnected:
            return False
        if self._cut_links and frozenset((a, b)) in self._cut_links:
            return False
        return self._groups is None or self._groups.get(a, -a) == self._groups.get(b, -b)

    @property
    def partition_groups(self):
        """The current partition as a list of sorted groups, or None if there is none."""
        if self._groups is None:
            return None
        groups = {}
        for i, g in self._groups.items():
            groups.setdefault(g, []).append(i)
        return sorted(sorted(g) for g in groups.values())

    @property
    def disconnected(self):
        return frozenset(self._disconnected)

    @property
    def cut_links(self):
        """The links cut by ``cut_link``, as sorted pairs."""
        return frozenset(tuple(sorted(link)) for link in self._cut_links)

    def step_records(self, step):
        """The trace records of one step."""
        return [r for r in self.trace if r.step == step]

    def caption(self, step=None):
        """One line saying what happened in ``step`` (default: the last step)."""
        step = self.steps if step is None else step
        return step_caption(self.step_records(step))

    # -- running ----------------------------------------------------------------------------------

    def step(self, until=None):
        """Process the next event. Returns its step number, or None if nothing is scheduled
        (at or before ``until``, if given)."""
        queue = self._queue
        while queue:
            if until is not None and queue[0][0] > until:
                return None
            time, _, kind, payload = heappop(queue)
            if kind == _DELIVER:
                flight = self._flights.pop(payload, None)
                if flight is None:
                    continue  # delivered or dropped by hand already
                self.steps += 1          # (what _begin_step does, inlined: this is the hot path)
                self.now = time
                self._deliver(flight)
            else:
                i = payload
                if i in self.crashed or self._timer_at.get(i) != time:
                    continue  # the timer was reset or the server crashed: a stale event
                del self._timer_at[i]
                at, fired, first = self._instant
                if at != time:
                    self._instant = (time, {i: 1}, self.steps + 1)
                else:
                    # A timer firing again at the same instant: a node whose deadline does not
                    # move on would keep the clock here forever.
                    count = fired.get(i, 0)
                    if count >= TIMER_FIRINGS_PER_INSTANT:
                        timer = "heartbeat" if self.nodes[i].role == LEADER else "election"
                        raise StuckTimer(i, timer, time, count, first)
                    fired[i] = count + 1
                self._begin_step(time)
                node = self.nodes[i]
                if node.role != LEADER:
                    self._record("timeout", i)
                node.tick(time)
                self._drain(i)
            if self.checker is not None:  # (_end_step, inlined)
                self.checker.check()
            return self.steps
        return None

    def run(self, ms):
        """Run for ``ms`` simulated milliseconds."""
        checks.duration("run(ms): ms", ms)
        started, end = self.steps, self.now + ms
        while self.step(until=end) is not None:
            pass
        if end > self.now:
            self._act("_advance", end, ms, started)
        return self

    def run_to(self, time):
        """Run until the simulated clock reads ``time`` ms (not before now)."""
        checks.duration("run_to(time): time", time)
        if time < self.now:
            raise ConfigurationError(f"the clock is already at {self.now:.1f} ms, past {time!r}")
        while self.step(until=time) is not None:
            pass
        if time > self.now:
            self._act("_advance", time)
        return self

    def run_until(self, predicate, timeout=10_000):
        """Step until ``predicate(cluster)`` holds or ``timeout`` ms pass; returns whether it held."""
        checks.predicate(predicate)
        checks.duration("run_until: timeout", timeout)
        started, end = self.steps, self.now + timeout
        if predicate(self):
            return True
        while self.step(until=end) is not None:
            if predicate(self):
                return True
        if end > self.now:
            # Nothing held before the timeout, so this was a run of ``timeout`` ms.
            self._act("_advance", end, timeout, started)
        return predicate(self)

    def elect(self, i, timeout=2_000):
        """Make server ``i`` the leader now and run until it leads; raises if it cannot win.

        ``i`` takes over at once, as the target of a leadership transfer does when TimeoutNow
        arrives (``take_over``: its RequestVote passes the §6 guard): a shortcut for building
        states in scripts, which a real cluster reaches through its timers or through the whole
        transfer protocol (``transfer_leadership``). ``timeout(i)`` is the ordinary early
        election."""
        checks.duration("elect: timeout", timeout)
        self.take_over(i)
        if not self.run_until(lambda c: c.leader() == i and c.nodes[i].current_term
                              == max(n.current_term for n in c.nodes.values()), timeout):
            raise ConfigurationError(f"S{i} did not become leader within {timeout} ms "
                                     f"(leader now: {self.leader()})")
        return self

    # -- acting on the cluster (every call here is a step, and is remembered for replay) --------

    def submit(self, command, node=None, client_id=None, seq=None):
        """Send a client command to ``node`` (default: the leader); returns its log index.

        Raises NotLeader (with the leader hint) if that server is not the leader."""
        kv.parse_command(command)
        if node is None:
            node = self.leader()
            if node is None:
                raise NotLeader(None, None)
        self._require_up(node)
        if client_id is None:
            self._client_seq += 1
            client_id, seq = "client", self._client_seq
        elif seq is None:
            raise ConfigurationError("give seq together with client_id")
        if self.nodes[node].role != LEADER:
            raise NotLeader(node, self.nodes[node].leader_id)
        if self.nodes[node].transfer_target is not None:   # (§3.10: handing over)
            raise LeadershipTransferInProgress(node, self.nodes[node].transfer_target)
        return self._act("_submit", command, node, client_id, seq)

    def crash(self, i):
        """Stop server ``i``: its volatile state and the messages on their way to it are lost."""
        self._require_up(i)
        self._act("_crash", i)

    def restart(self, i):
        """Start server ``i`` again from what its disk holds."""
        self.node(i)
        if i not in self.crashed:
            raise ConfigurationError(f"S{i} is running; crash it before restarting it")
        self._act("_restart", i)

    def disconnect(self, i):
        self.node(i)
        self._act("_disconnect", i)

    def connect(self, i):
        self.node(i)
        self._act("_connect", i)

    def partition(self, *groups):
        """Split the network into ``groups`` (iterables of ids, or single ids); servers in
        the same group reach each other, no message crosses between groups. Every server must
        be in a group (one alone in its group is isolated): ``partition([1, 2], [3, 4, 5])``,
        ``partition([1], [2], [3])``."""
        self._act("_partition", checks.partition_groups(groups, self.ids))

    def heal(self):
        """Remove every partition, reconnect every server and restore every cut link."""
        self._act("_heal")

    def cut_link(self, a, b):
        """Cut the link between servers ``a`` and ``b`` in both directions, and only that link:
        a *partial* partition, in which ``a`` and ``b`` may still reach each other's peers (as
        groups cannot express). ``heal()`` restores it."""
        self.node(a)
        self.node(b)
        if a == b:
            raise ConfigurationError(f"a link joins two servers, got S{a} twice")
        self._act("_cut_link", *sorted((a, b)))

    def set_network(self, drop=None, duplicate=None, reorder=None, latency=None):
        """Change the network: loss, duplication and reordering probabilities, latency range."""
        _check_network(drop, duplicate, reorder, latency)  # a bad call changes nothing
        self._act("_network", drop, duplicate, reorder,
                  tuple(latency) if latency is not None else None)

    def timeout(self, i):
        """Make server ``i``'s election timer fire now: an ordinary early election (after a
        pre-vote, if ``pre_vote`` is on). Servers that heard from a leader within the minimum
        election timeout ignore it, as they would any election (§6); a handover is
        ``transfer_leadership``."""
        self._require_campaigner(i)
        self._act("_force_timeout", i)

    def take_over(self, i):
        """Make server ``i`` campaign at once as the target of a leadership transfer does when
        TimeoutNow arrives (dissertation §3.10): no pre-vote, and its RequestVote is marked so
        that the §6 guard lets it through. Without the leader's half of the protocol (catching
        ``i`` up, pausing client requests) this is a shortcut for scripts; ``elect`` uses it
        when no leader can hand over."""
        self._require_campaigner(i)
        self._act("_take_over", i)

    def transfer_leadership(self, to):
        """Ask the leader to hand over to the voter ``to`` (dissertation §3.10): it stops taking
        client requests (``submit`` raises LeadershipTransferInProgress), brings ``to``'s log up
        to date, then sends it TimeoutNow; it gives up after an election timeout."""
        checks.server_id(to, self.ids)
        leader = self.leader()
        if leader is None:
            raise NotLeader(None, None)
        node = self.nodes[leader]
        if node.transfer_target is not None:
            raise LeadershipTransferInProgress(leader, node.transfer_target)
        if to == leader:
            raise ConfigurationError(f"S{to} is already the leader")
        if to not in node.config.members:
            raise ConfigurationError(f"S{to} is not a voter in {node.config}, so it cannot lead")
        self._act("_transfer", leader, to)

    # Single-server membership changes (dissertation §4.1), beside joint consensus.

    def add_server(self, i, voter=True):
        """Ask the leader to add server ``i`` with one configuration entry: as a voter at once,
        or with ``voter=False`` as a non-voter that receives the log until ``promote(i)``. A new
        id gets a fresh, empty server."""
        checks.server_id(i)
        node = self._leader_for_change()
        if i in node.config.members or i in node.config.non_voters:
            raise ConfigurationError(f"S{i} is already in the configuration {node.config}")
        self._act("_single_change", "add", i, bool(voter))

    def promote(self, i):
        """Ask the leader to make the non-voter ``i`` a voter (once it has caught up)."""
        node = self._leader_for_change()
        if i not in node.config.non_voters:
            raise ConfigurationError(f"S{i} is not a non-voting member of {node.config}")
        if node.match_index.get(i, 0) < node.commit_index:
            node.promote(i, self.now)   # raises, saying how far behind it is
        self._act("_single_change", "promote", i, True)

    def remove_server(self, i):
        """Ask the leader to remove server ``i`` (a voter or a non-voter) from the configuration."""
        node = self._leader_for_change()
        config = node.config
        if i not in config.members and i not in config.non_voters:
            raise ConfigurationError(f"S{i} is not in the configuration {config}")
        if config.voters == {i}:
            raise ConfigurationError(f"S{i} is the last voter of {config}")
        self._act("_single_change", "remove", i, False)

    def deliver(self, flight):
        """Deliver one message on the network now (a Flight from ``in_flight()``, or its id)."""
        flight = self._flight(flight)
        self._act("_deliver_now", flight.id)

    def drop(self, flight):
        """Lose one message on the network (a Flight from ``in_flight()``, or its id)."""
        flight = self._flight(flight)
        self._act("_drop_now", flight.id)

    def change_membership(self, ids, unsafe=False):
        """Ask the leader to move to the voters ``ids`` with joint consensus (§6); new ids get
        fresh, empty servers. ``unsafe=True`` switches directly instead (Figure 10)."""
        ids = list(ids)
        for i in ids:
            checks.server_id(i)
        leader = self.leader()
        if leader is None:
            raise NotLeader(None, None)
        # Refuse a change in progress (naming both changes) before any server is created.
        node = self.nodes[leader]
        ids = checks.membership_change(ids, node)
        self._act("_change_membership", ids, bool(unsafe))

    # -- replay -------------------------------------------------------------------------------

    def replay(self, step=None):
        """A new cluster rebuilt from the same arguments and calls, as it was after ``step``
        (default: now). Acting on it forks a new future; this cluster is unchanged."""
        step = self.steps if step is None else step
        if not 0 <= step <= self.steps:
            raise ConfigurationError(f"step must be between 0 and {self.steps}, got {step}")
        twin = type(self)(**self._init)
        for at, name, args in self._actions:
            if at >= step:
                break
            twin._step_to(at)
            twin._act(name, *args)
        twin._step_to(step)
        return twin

    def history(self, start=0, end=None):
        """Yield a snapshot after each step from ``start`` to ``end`` (default: now),
        replaying the run from the beginning."""
        from .snapshot import snapshot
        end = self.steps if end is None else end
        twin = self.replay(start)
        yield snapshot(twin)
        actions = [a for a in self._actions if a[0] >= start]
        while twin.steps < end:
            if actions and actions[0][0] == twin.steps:
                _, name, args = actions.pop(0)
                twin._act(name, *args)
            elif twin.step() is None:
                break
            yield snapshot(twin)

    def snapshot(self):
        """An immutable picture of the whole cluster now (see ``raft.snapshot``)."""
        from .snapshot import snapshot
        return snapshot(self)

    def scenario_text(self):
        """The calls made on this cluster, as a scenario script (see ``raft.scenario``)."""
        from .scenario import to_text
        return to_text(self)

    # -- internals --------------------------------------------------------------------------------

    def _step_to(self, step):
        while self.steps < step:
            if self.step() is None:
                raise RuntimeError(f"replay could not reach step {step}: the run diverged")

    def _act(self, name, *args):
        self._actions.append((self.steps, name, args))
        result = getattr(self, name)(*args)
        self._end_step()
        return result

    def _begin_step(self, time=None):
        self.steps += 1
        if time is not None:
            self.now = time

    def _end_step(self):
        if self.checker is not None:
            self.checker.check()

    def _record(self, kind, node, rule=None, **data):
        if self.tracing:
            self.trace.append(TraceRecord(self.steps, self.now, kind, node, rule, data))

    def _record_msg(self, kind, node, msg):
        """``_record(kind, node, msg=msg)`` without building keyword arguments (hot path)."""
        if self.tracing:
            self.trace.append(TraceRecord(self.steps, self.now, kind, node, None, {"msg": msg}))

    def _boot(self, i, config):
        disk = self.disks[i]
        self.nodes[i] = self.node_class(
            i, config, rng=self.rng, now=self.now, election_timeout=self.election_timeout,
            heartbeat_interval=self.heartbeat_interval, fast_backoff=self.fast_backoff,
            disruption_guard=self.disruption_guard, current_term=disk.current_term,
            voted_for=disk.voted_for, log=disk.log, **self._node_options)
        self.state_machines[i] = kv.KeyValueStore()
        self._schedule_timer(i)

    def _drain(self, i):
        """Act on a node's output: persist, then send, then apply."""
        node = self.nodes[i]
        out = node.ready()
        disk = self.disks[i]
        if out.persist_hard_state:
            disk.current_term, disk.voted_for = node.current_term, node.voted_for
        if out.persist_log_from is not None:
            start = out.persist_log_from
            disk.log[start - 1:] = node.log[start:]
        if self.tracing:
            for note in out.notes:
                self.trace.append(TraceRecord(self.steps, self.now, note.kind, i, note.rule,
                                              note.data))
        for msg in out.messages:
            self._send(msg)
        machine = self.state_machines[i]
        for index, entry in out.apply:
            machine.apply(entry)
            self._record("apply", i, "all-apply", index=index, what=_entry_label(entry))
            if self.checker is not None:
                self.checker.on_apply(i, index, entry)
        self._schedule_timer(i)

    def _schedule_timer(self, i):
        deadline = self.nodes[i].next_deadline()
        if deadline is not None and deadline < self.now:
            deadline = self.now   # a deadline in the past fires now: the clock never goes back
        if deadline is not None and self._timer_at.get(i) != deadline:
            self._timer_at[i] = deadline
            self._push(deadline, _TIMER, i)

    def _push(self, time, kind, payload):
        self._seq += 1
        heappush(self._queue, (time, self._seq, kind, payload))

    def _cut(self, src, dst):
        """True if the network does not carry messages from ``src`` to ``dst`` right now."""
        # Most of the time there is no partition and no one is disconnected: skip the lookups.
        return self._faults and not self.can_reach(src, dst)

    def _send(self, msg):
        self.stats[type(msg).__name__] += 1
        dst = msg.dst
        if self.tracing:   # (_record_msg, inlined: this runs for every message)
            # Figure 2, Leaders: an AppendEntries that carries entries is the replication rule
            # at work, an empty one a heartbeat. (Other messages' rules are on the node's notes.)
            rule = (("leader-replicate" if msg.entries else "leader-heartbeat")
                    if msg.__class__ is AppendEntries else None)
            self.trace.append(TraceRecord(self.steps, self.now, "send", msg.src, rule,
                                          {"msg": msg}))
        if dst in self.crashed:
            self._record("drop", dst, None, msg=msg, reason=f"S{dst} is down")
            return
        if self._faults:   # (_cut, inlined)
            if not self.can_reach(msg.src, dst):
                self._record("drop", dst, None, msg=msg, reason="the link is cut")
                return
        rng = self.rng
        if self.drop_rate and rng.random() < self.drop_rate:
            self._record("drop", dst, None, msg=msg, reason="lost by the network")
            return
        self._launch(msg)
        if self.duplicate_rate and rng.random() < self.duplicate_rate:
            self._record_msg("duplicate", dst, msg)
            self._launch(msg)

    def _launch(self, msg):
        low, high = self.latency
        random = self.rng.random
        delay = low + (high - low) * random()   # rng.uniform(low, high), as Python computes it
        if self.reorder_rate and random() < self.reorder_rate:
            delay += self.rng.uniform(high, 3 * high)  # held back: later messages overtake it
        self._next_flight = fid = self._next_flight + 1
        now = self.now
        self._flights[fid] = Flight(fid, msg, now, now + delay)
        self._seq += 1
        heappush(self._queue, (now + delay, self._seq, _DELIVER, fid))

    def _deliver(self, flight):
        msg = flight.msg
        dst = msg.dst
        if dst in self.crashed:
            self._record("drop", dst, None, msg=msg, reason=f"S{dst} is down")
            return
        if self._cut(msg.src, dst):
            self._record("drop", dst, None, msg=msg, reason="the link is cut")
            return
        self.delivered += 1
        self._record_msg("deliver", dst, msg)
        self.nodes[dst].step(msg, self.now)
        self._drain(dst)

    def _flight(self, flight):
        fid = flight.id if isinstance(flight, Flight) else flight
        if fid not in self._flights:
            raise ConfigurationError(f"message {fid!r} is not on the network "
                                     "(already delivered or lost?)")
        return self._flights[fid]

    def _require_up(self, i):
        self.node(i)
        if i in self.crashed:
            raise NodeCrashed(f"S{i} is crashed; restart it first")

    def _require_campaigner(self, i):
        self._require_up(i)
        node = self.nodes[i]
        if node.role == LEADER:
            raise ConfigurationError(f"S{i} is already the leader")
        if i not in node.config.members:
            raise ConfigurationError(f"S{i} is not a voter in {node.config}, so it cannot "
                                     "campaign")

    def _leader_for_change(self):
        """The leader, if it may start a single-server change now (its own rules decide)."""
        leader = self.leader()
        if leader is None:
            raise NotLeader(None, None)
        node = self.nodes[leader]
        node.check_membership_change()
        return node

    # The actions proper. Each one is a step; they are called through `_act` (or by replay).

    def _submit(self, command, node, client_id, seq):
        if client_id == "client":  # keep the automatic numbering going after a replay
            self._client_seq = max(self._client_seq, seq)
        self._begin_step()
        index = self.nodes[node].propose(command, self.now, client_id, seq)
        self._record("submit", node, "leader-client", command=command, index=index,
                     client_id=client_id, seq=seq)
        self._drain(node)
        return index

    def _crash(self, i):
        self._begin_step()
        self.crashed.add(i)
        self._timer_at.pop(i, None)
        self._record("crash", i)
        for fid in [f.id for f in self._flights.values() if f.msg.dst == i]:
            flight = self._flights.pop(fid)
            self._record("drop", i, None, msg=flight.msg, reason=f"S{i} crashed")

    def _restart(self, i):
        self._begin_step()
        self.crashed.discard(i)
        config = self.nodes[i].initial_config
        self._boot(i, config)
        disk = self.disks[i]
        self._record("restart", i, None, term=disk.current_term, log=len(disk.log))

    def _disconnect(self, i):
        self._begin_step()
        self._disconnected.add(i)
        self._faults = True
        self._record("disconnect", i)

    def _connect(self, i):
        self._begin_step()
        self._disconnected.discard(i)
        self._faults = bool(self._groups is not None or self._disconnected or self._cut_links)
        self._record("connect", i)

    def _partition(self, groups):
        self._begin_step()
        self._groups = {i: n for n, g in enumerate(groups) for i in g}
        self._faults = True
        self._record("partition", None, groups=[list(g) for g in groups])

    def _cut_link(self, a, b):
        self._begin_step()
        self._cut_links.add(frozenset((a, b)))
        self._faults = True
        self._record("cut", None, a=a, b=b)

    def _heal(self):
        self._begin_step()
        self._groups = None
        self._disconnected.clear()
        self._cut_links.clear()
        self._faults = False
        self._record("heal", None)

    def _network(self, drop, duplicate, reorder, latency):
        self._begin_step()
        self._set_network(drop=drop, duplicate=duplicate, reorder=reorder, latency=latency)
        changed = {k: v for k, v in dict(drop=drop, duplicate=duplicate, reorder=reorder,
                                         latency=latency).items() if v is not None}
        self._record("network", None, **changed)

    def _force_timeout(self, i):
        self._begin_step()
        self._record("force-timeout", i)
        self.nodes[i].timeout_now(self.now)
        self._drain(i)

    def _take_over(self, i):
        self._begin_step()
        self._record("force-timeout", i)
        self.nodes[i].take_over(self.now)
        self._drain(i)

    def _transfer(self, leader, to):
        self._begin_step()
        self.nodes[leader].transfer_leadership(to, self.now)
        self._drain(leader)

    def _single_change(self, change, i, voter):
        self._begin_step()
        leader = self.leader()
        if i not in self.nodes:
            self.disks[i] = Disk()
            self._boot(i, Configuration(frozenset()))
        self._record("membership", leader, "ss-change", change=change, server=i, voter=voter)
        node = self.nodes[leader]
        if change == "add":
            node.add_server(i, self.now, voter=voter)
        elif change == "promote":
            node.promote(i, self.now)
        else:
            node.remove_server(i, self.now)
        self._drain(leader)

    def _deliver_now(self, fid):
        self._begin_step()
        self._deliver(self._flights.pop(fid))

    def _drop_now(self, fid):
        self._begin_step()
        flight = self._flights.pop(fid)
        self._record("drop", flight.msg.dst, None, msg=flight.msg, reason="dropped by hand")

    def _change_membership(self, ids, unsafe):
        self._begin_step()
        leader = self.leader()
        empty = Configuration(frozenset())
        for i in ids:
            if i not in self.nodes:
                self.disks[i] = Disk()
                self._boot(i, empty)
        rule = "config-unsafe" if unsafe else "config-catchup"
        self._record("membership", leader, rule, voters=list(ids), unsafe=unsafe)
        self.nodes[leader].change_membership(ids, self.now, unsafe=unsafe)
        self._drain(leader)

    def _advance(self, end, ms=None, started=None):
        # ``ms`` and ``started`` (the step at which the run began) are for the scenario text
        # only: "run 100ms" reads better than the end time, and replays to the same float.
        self._begin_step(end)
        self._record("advance", None, to=end)

    def _set_network(self, drop=None, duplicate=None, reorder=None, latency=None):
        _check_network(drop, duplicate, reorder, latency)
        if latency is not None:
            self.latency = tuple(latency)
        if drop is not None:
            self.drop_rate = drop
        if duplicate is not None:
            self.duplicate_rate = duplicate
        if reorder is not None:
            self.reorder_rate = reorder

    def __repr__(self):
        roles = " ".join(f"S{i}:{n.role[0].upper()}{n.current_term}"
                         f"{'x' if i in self.crashed else ''}" for i, n in sorted(self.nodes.items()))
        return f"<Cluster t={self.now:.1f}ms step={self.steps} {roles}>"


def _check_network(drop, duplicate, reorder, latency):
    for name, p in (("drop", drop), ("duplicate", duplicate), ("reorder", reorder)):
        if p is not None:
            checks.probability(name, p)
    if latency is not None:
        checks.time_range("latency", latency)


def _check_per_node(name, value, ids):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigurationError(f"{name} must be a dict from server id to value")
    for i in value:
        if i not in ids:
            raise UnknownNode(f"{name} names server {i!r}, but the servers are "
                              f"{', '.join(f'S{j}' for j in ids)}")
    return value


def _as_entry(x, node):
    if isinstance(x, Entry):
        return x
    if isinstance(x, int) and not isinstance(x, bool):
        return Entry(x, None)
    if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], int):
        if x[1] is not None and not isinstance(x[1], Configuration):
            try:
                kv.parse_command(x[1])   # refuse now what the state machine could not apply
            except ValueError as e:
                raise ConfigurationError(f"S{node}: log entry {x!r}: {e}") from None
        return Entry(x[0], x[1])
    raise ConfigurationError(f"S{node}: a log entry is a term, a (term, command) pair or an "
                             f"Entry, got {x!r}")


def _entry_label(entry):
    command = entry.command   # (Entry.kind, spelled out: this runs for every applied entry)
    if command is None:
        return "no-op"
    if isinstance(command, Configuration):
        return f"configuration {command}"
    return repr(command)
