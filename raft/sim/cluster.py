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
``partition``, ``submit``, ...) are steps too. Each is remembered as an action of
:mod:`raft.sim.actions` (``cluster.done``), which is how ``replay`` rebuilds the cluster as it
was at any earlier step and ``scenario_text`` writes the run down; ``do(action)`` performs any
action, including those that name a server symbolically (``crash leader``, ``restart any``).

The simulator only reads a node's state and calls its public inputs; it never changes the
algorithm's state behind its back (a crash throws the node away and builds a new one from
its disk).
"""

from __future__ import annotations

from heapq import heappop, heappush
import math
import random
from collections import Counter
from typing import NamedTuple

from .. import checks
from ..errors import (ConfigurationError, ExpectationFailed, LeadershipTransferInProgress,
                      MembershipChangeInProgress, NodeCrashed, NotLeader, RaftError, StuckTimer,
                      UnknownNode)
from ..node import (DRIFT_BOUND, LEADER, MAX_ENTRIES_PER_MESSAGE, AppendEntries, Configuration,
                    Entry, Node, check_read_mode)
from . import kv
from .actions import (ANY, LEADER as TARGET_LEADER, OLD_LEADER, Add, ClientOp, Clients, Clock,
                      ClockRate, Compact, Connect, Crash, Cut, Deliver, Disconnect, Drop, Elect,
                      Heal, Isolate, Members, Network, Partition, Promote, Reboot, Remove,
                      Restart, Run, RunUntil, Setup, Step, Submit, TakeOver, Timeout, Transfer)
from .clients import CLIENT_MESSAGES, ClientPool, is_client
from .trace import Trace, step_caption

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


def _new_flight(*values):
    """``Flight(*values)`` without the call through its class (one is made per message)."""
    return tuple.__new__(Flight, values)


class Done(NamedTuple):
    """An action done to the cluster: it began after step ``start`` and took step ``step``
    itself (a ``run`` processes the events from ``start`` on, then moves the clock to its end
    at ``time`` in its own step; any other action is one step, ``start == step - 1``)."""

    start: int
    step: int
    action: object
    time: float


class Disk:
    """What a server keeps across a crash: current_term, voted_for and the log (Figure 2), and
    beyond Figure 2 its latest snapshot (§7). ``log`` holds the entries after the snapshot's
    last included index (from index 1 when there is no snapshot)."""

    __slots__ = ("current_term", "voted_for", "log", "snapshot")

    def __init__(self, current_term=0, voted_for=None, log=(), snapshot=None):
        self.current_term = current_term
        self.voted_for = voted_for
        self.log = list(log)
        self.snapshot = snapshot


class Cluster:
    """A simulated Raft cluster of ``size`` servers with ids 1..size.

    Times are in milliseconds. ``logs``, ``terms`` and ``votes`` start servers from given
    persistent state (a log is a list of terms, of ``(term, command)`` pairs or of Entry), so
    the paper's figures can be replayed exactly. ``check_invariants=True`` checks the five
    safety properties after every step (see ``raft.check``); ``trace=False`` keeps no
    trace, for large experiments where only the outcome matters.

    Beyond Figure 2, ``snapshot_threshold=N`` turns on log compaction (§7): a server that has
    applied N entries since its last snapshot snapshots its key-value store and discards that
    part of its log, and leaders catch up followers with InstallSnapshot when the entries they
    need are gone. Off (None) by default.
    Beyond Figure 2, off by default: ``pre_vote`` (dissertation §9.6) and ``check_quorum``
    (§6.2) switch those mechanisms on in every node; ``transfer_leadership`` and the
    single-server changes (``add_server``, ``promote``, ``remove_server``) are requests.
    Clients (dissertation chapter 6, :mod:`raft.sim.clients`): ``clients=3`` adds simulated
    clients c1, c2, c3 whose requests travel the network (``client_op``, ``client_history``);
    ``reads`` is how servers answer their reads (``raft.node.READ_MODES``: "log", "read_index",
    "lease", "follower", "stale") and ``drift_bound`` the clock drift bound a lease assumes;
    ``set_clock_rate`` makes a server's clock run fast or slow.
    """

    # The cluster's state in slots: it has more attributes than CPython 3.11 keeps in its fastest
    # form for an object (29), and the simulator reads them for every message. (``__dict__``
    # takes any other attribute.)
    __slots__ = ("_check_invariants", "_client_seq", "_cut_links", "_disconnected", "_faults",
                 "_flights", "_groups", "_instant", "_next_flight", "_node_options", "_queue",
                 "_seq", "_timer_at", "_timer_queued", "_timer_seq", "check_quorum", "checker",
                 "crashed", "delivered", "disks", "disruption_guard", "done", "drop_rate",
                 "duplicate_rate", "election_timeout", "fast_backoff", "heartbeat_interval",
                 "latency", "max_entries_per_message", "node_class", "nodes", "now", "pre_vote",
                 "reorder_rate", "rng", "seed", "setup", "snapshot_threshold", "state_machines",
                 "stats", "steps", "trace", "tracing", "reads", "drift_bound", "clients",
                 "_clocks", "__dict__")

    def __init__(self, size=5, seed=0, election_timeout=(150, 300), heartbeat_interval=50,
                 latency=(10, 15), drop=0.0, duplicate=0.0, reorder=0.0, fast_backoff=False,
                 disruption_guard=True, logs=None, terms=None, votes=None, node_class=Node,
                 check_invariants=False, trace=True, max_entries_per_message=MAX_ENTRIES_PER_MESSAGE,
                 snapshot_threshold=None, *, pre_vote=False, check_quorum=False, clients=0,
                 reads="log", drift_bound=DRIFT_BOUND):
        # The settings as given, so that replay() rebuilds exactly this cluster.
        self.setup = Setup(size=size, seed=seed, election_timeout=election_timeout,
                           heartbeat_interval=heartbeat_interval, latency=latency, drop=drop,
                           duplicate=duplicate, reorder=reorder, fast_backoff=fast_backoff,
                           disruption_guard=disruption_guard,
                           max_entries_per_message=max_entries_per_message,
                           pre_vote=bool(pre_vote), check_quorum=bool(check_quorum),
                           clients=clients, reads=reads, drift_bound=drift_bound, logs=logs,
                           terms=terms, votes=votes, snapshot_threshold=snapshot_threshold)
        self._check_invariants = check_invariants
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
        if snapshot_threshold is not None:
            checks.positive_int("snapshot_threshold", snapshot_threshold)
        self.snapshot_threshold = snapshot_threshold
        self.pre_vote = bool(pre_vote)
        self.check_quorum = bool(check_quorum)
        # Options passed to each node only when they differ from Node's default.
        self._node_options = ({} if max_entries_per_message == MAX_ENTRIES_PER_MESSAGE
                              else {"max_entries_per_message": max_entries_per_message})
        if pre_vote:
            self._node_options["pre_vote"] = True
        if check_quorum:
            self._node_options["check_quorum"] = True
        # Reads beyond Figure 2 (dissertation §6.4): passed on only when not the default.
        self.reads, self.drift_bound = check_read_mode(reads, drift_bound)
        if reads != "log":
            self._node_options["reads"] = reads
        if drift_bound != DRIFT_BOUND:
            self._node_options["drift_bound"] = drift_bound
        if clients:
            checks.positive_int("clients", clients)
        self.latency = (1.0, 1.0)
        self.drop_rate = self.duplicate_rate = self.reorder_rate = 0.0
        self._set_network(latency=latency, drop=drop, duplicate=duplicate, reorder=reorder)

        self.now = 0.0
        self.steps = 0
        self.trace = Trace()         # the records of the run (empty with trace=False)
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
        # Each server's timer: when it fires, and the event number it was set with. A timer
        # moved later (as an election timer is on every AppendEntries) is not queued again: its
        # earlier event, when it comes, queues it at its new time, with the number it was set with
        # so that it keeps its place among events of the same time (see _schedule_timer).
        self._timer_at = {}          # server -> when its timer fires
        self._timer_seq = {}         # server -> the event number it was set with
        self._timer_queued = {}      # server -> (time, number) of its latest event in the queue
        self._instant = (None, {}, 0)  # (time, server -> timer firings then, first step)
        self.done = []               # Done records: the actions done to it, for replay
        self._client_seq = 0
        self.clients = None          # the simulated clients (a ClientPool), once there are any
        self._clocks = {}            # server -> (true time, its clock then, rate): drifting clocks

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
            from ..check.checker import SafetyChecker
            self.checker = SafetyChecker(self)
        if clients:
            self.clients = ClientPool(self)
            self.clients.add(clients)

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
        return self.trace.step_records(step)

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
            time, seq, kind, payload = heappop(queue)
            if kind == _DELIVER:
                flight = self._flights.pop(payload, None)
                if flight is None:
                    continue  # delivered or dropped by hand already
                self.steps += 1          # (what _begin_step does, inlined: this is the hot path)
                self.now = time
                self._deliver(flight)
            elif kind != _TIMER:         # a client's message or timer (raft/sim/clients.py)
                if not self.clients.event(kind, time, payload):
                    continue
            else:
                i = payload
                queued = self._timer_queued.get(i)
                if queued is not None and queued[1] == seq:
                    del self._timer_queued[i]   # (the server's latest event leaves the queue)
                at = self._timer_at.get(i)
                if at != time or i in self.crashed:
                    # The server crashed, or its timer was moved: if later, queue it there.
                    if at is not None and at > time and i not in self._timer_queued:
                        self._queue_timer(i, at, self._timer_seq[i])
                    continue
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
                node.tick(self._local(i, time) if self._clocks else time)
                self._drain(i)
            if self.checker is not None:  # (_end_step, inlined)
                self.checker.check()
            return self.steps
        return None

    def run(self, ms):
        """Run for ``ms`` simulated milliseconds."""
        checks.duration("run(ms): ms", ms)
        started, end = self.steps, self.now + ms
        while self.step(end) is not None:
            pass
        if end > self.now:
            self._act(Run.checked(ms), started, end)
        return self

    def run_to(self, time):
        """Run until the simulated clock reads ``time`` ms (not before now)."""
        checks.duration("run_to(time): time", time)
        if time < self.now:
            raise ConfigurationError(f"the clock is already at {self.now:.1f} ms, past {time!r}")
        while self.step(until=time) is not None:
            pass
        if time > self.now:
            self._act(Clock(time), time=time)
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
            self._act(Run(timeout), started, end)
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
        kv._parse_applied(command)
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
        if not (isinstance(client_id, str) and client_id.split() == [client_id]):
            raise ConfigurationError(f"a client id is a word such as 'alice', got {client_id!r}")
        if not (isinstance(seq, int) and not isinstance(seq, bool)):
            raise ConfigurationError(f"a sequence number is a whole number, got {seq!r}")
        if self.nodes[node].transfer_target is not None:   # (§3.10: handing over)
            raise LeadershipTransferInProgress(node, self.nodes[node].transfer_target)
        return self._act(Submit.checked(command, node, client_id, seq))

    def crash(self, i):
        """Stop server ``i``: its volatile state and the messages on their way to it are lost."""
        self._require_up(i)
        self._act(Crash(i))

    def restart(self, i):
        """Start server ``i`` again from what its disk holds."""
        self.node(i)
        if i not in self.crashed:
            raise ConfigurationError(f"S{i} is running; crash it before restarting it")
        self._act(Restart(i))

    def disconnect(self, i):
        self.node(i)
        self._act(Disconnect(i))

    def connect(self, i):
        self.node(i)
        self._act(Connect(i))

    def partition(self, *groups):
        """Split the network into ``groups`` (iterables of ids, or single ids); servers in
        the same group reach each other, no message crosses between groups. Every server must
        be in a group (one alone in its group is isolated): ``partition([1, 2], [3, 4, 5])``,
        ``partition([1], [2], [3])``. A group may also name clients ("c1"): they then reach
        only the servers of their group (clients named nowhere reach every server)."""
        groups = [[g] if isinstance(g, (int, str)) else list(g) for g in groups]
        sides = [[i for i in g if is_client(i)] for g in groups]
        for side in sides:
            for name in side:
                if self.clients is None or name not in self.clients.clients:
                    raise ConfigurationError(f"partition names client {name!r}, but the "
                                             "cluster has no such client")
        servers = checks.partition_groups([[i for i in g if not is_client(i)] for g in groups],
                                          self.ids)
        self._act(Partition(tuple(g + tuple(c) for g, c in zip(servers, sides))))

    def heal(self):
        """Remove every partition, reconnect every server and restore every cut link."""
        self._act(Heal())

    def cut_link(self, a, b):
        """Cut the link between servers ``a`` and ``b`` in both directions, and only that link:
        a *partial* partition, in which ``a`` and ``b`` may still reach the others (which groups
        cannot express). ``heal()`` restores it."""
        self.node(a)
        self.node(b)
        self._act(Cut(*sorted((a, b))))

    def set_network(self, drop=None, duplicate=None, reorder=None, latency=None):
        """Change the network: loss, duplication and reordering probabilities, latency range."""
        _check_network(drop, duplicate, reorder, latency)  # a bad call changes nothing
        self._act(Network(drop, duplicate, reorder,
                          tuple(latency) if latency is not None else None))

    def timeout(self, i):
        """Make server ``i``'s election timer fire now: an ordinary early election (after a
        pre-vote, if ``pre_vote`` is on). Servers that heard from a leader within the minimum
        election timeout ignore it, as they would any election (§6); a handover is
        ``transfer_leadership``."""
        self._require_campaigner(i)
        self._act(Timeout(i))

    def compact(self, i):
        """Make server ``i`` snapshot its state machine now and discard its log up to the last
        entry it has applied (§7). Works with or without ``snapshot_threshold``."""
        self._require_up(i)
        node = self.nodes[i]
        if node.last_applied <= node.log.snapshot_index:
            raise ConfigurationError(
                f"S{i} has applied nothing since its last snapshot (through index "
                f"{node.log.snapshot_index}): there is nothing to compact")
        self._act(Compact(i))
    def take_over(self, i):
        """Make server ``i`` campaign at once as the target of a leadership transfer does when
        TimeoutNow arrives (dissertation §3.10): no pre-vote, and its RequestVote is marked so
        that the §6 guard lets it through. Without the leader's half of the protocol (catching
        ``i`` up, pausing client requests) this is a shortcut for scripts, as ``elect`` is."""
        self._require_campaigner(i)
        self._act(TakeOver(i))

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
        self._act(Transfer(to))

    # Single-server membership changes (dissertation §4.1), beside joint consensus.

    def add_server(self, i, voter=True):
        """Ask the leader to add server ``i`` with one configuration entry: as a voter at once,
        or with ``voter=False`` as a non-voter that receives the log until ``promote(i)``. A new
        id gets a fresh, empty server."""
        checks.server_id(i)
        node = self._leader_for_change()
        if i in node.config.members or i in node.config.non_voters:
            raise ConfigurationError(f"S{i} is already in the configuration {node.config}")
        self._act(Add(i, bool(voter)))

    def promote(self, i):
        """Ask the leader to make the non-voter ``i`` a voter (once it has caught up)."""
        node = self._leader_for_change()
        if i not in node.config.non_voters:
            raise ConfigurationError(f"S{i} is not a non-voting member of {node.config}")
        if node.match_index.get(i, 0) < node.commit_index:
            node.promote(i, self._node_now(node.id))   # raises, saying how far behind it is
        self._act(Promote(i))

    def remove_server(self, i):
        """Ask the leader to remove server ``i`` (a voter or a non-voter) from the configuration."""
        node = self._leader_for_change()
        config = node.config
        if i not in config.members and i not in config.non_voters:
            raise ConfigurationError(f"S{i} is not in the configuration {config}")
        if config.voters == {i}:
            raise ConfigurationError(f"S{i} is the last voter of {config}")
        self._act(Remove(i))

    def deliver(self, flight):
        """Deliver one message on the network now (a Flight from ``in_flight()``, or its id)."""
        flight = self._flight(flight)
        self._act(Deliver(flight.id))

    def drop(self, flight):
        """Lose one message on the network (a Flight from ``in_flight()``, or its id)."""
        flight = self._flight(flight)
        self._act(Drop(flight.id))

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
        self._act(Members(ids, bool(unsafe)))

    # -- clients and clocks (dissertation chapter 6; raft/sim/clients.py) -------------------------

    def add_clients(self, count, timeout=None, give_up=None):
        """Make sure the cluster has at least ``count`` clients (c1, c2, ...); ``timeout`` is
        how long a client waits before retrying elsewhere, ``give_up`` how long before it gives
        an operation up (simulated ms)."""
        self._act(Clients(count, timeout, give_up))
        return self

    def client_op(self, client, f, key, value=None, to=None):
        """Client number ``client`` calls ``f`` ("put", "append" or "get") on ``key``; its
        first attempt goes to the server it believes leads, or to ``to`` (an id). The answer
        comes later, through the network: see ``client_history()``."""
        self.clients_pool().client(client)
        if to is not None:
            self.node(to)
        self._act(ClientOp(client, f, key, value, to))
        return self

    def clients_pool(self):
        """The clients (a :class:`raft.sim.clients.ClientPool`); an error if there are none."""
        if self.clients is None:
            raise ConfigurationError("the cluster has no clients: Cluster(clients=3), "
                                     "cluster.add_clients(3) or the line 'clients 3'")
        return self.clients

    def client_history(self):
        """Every client operation so far, in the format ``raft.linearizability.check(history,
        "kv")`` takes (an operation still waiting, or given up, has ``ret`` None)."""
        return self.clients_pool().history()

    def set_clock_rate(self, i, rate):
        """From now on server ``i``'s clock runs at ``rate`` times the true rate: its timers
        and its lease (dissertation §6.4.1) are measured on that clock."""
        self.node(i)
        self._act(ClockRate(i, rate))
        return self

    def clock_rate(self, i):
        """How fast server ``i``'s clock runs (1.0: a true clock)."""
        return self._clocks[i][2] if i in self._clocks else 1.0

    def local_time(self, i):
        """What server ``i``'s clock reads now."""
        return self._local(i, self.now)

    def _local(self, i, t):
        clock = self._clocks.get(i)
        if clock is None:
            return t
        base, local, rate = clock
        return local + (t - base) * rate

    def _node_now(self, i):
        return self._local(i, self.now) if self._clocks else self.now

    def _true_time(self, i, local_time):
        """The true time at which server ``i``'s clock reads ``local_time`` (at its rate now);
        never earlier than the clock reaching it, so a timer set for then finds it due."""
        clock = self._clocks.get(i)
        if clock is None:
            return local_time
        base, local, rate = clock
        t = base + (local_time - local) / rate
        while self._local(i, t) < local_time:
            t = math.nextafter(t, math.inf)
        return t

    # -- any action, as a value ------------------------------------------------------------------

    def do(self, action, *, lenient=False):
        """Perform one action of :mod:`raft.sim.actions` (``cluster.do(Crash("leader"))``,
        ``cluster.do(Action.parse("restart any"))``); the one entry point for every action.

        A symbolic target is resolved against the cluster now: ``leader`` is ``leader()``,
        ``old-leader`` the running leader of the lowest term, ``any`` the crashed server with
        the lowest id. What is remembered for replay (``done``) is the concrete action.

        Strict (the default): an action that cannot be done now raises what the method it
        stands for raises (``crash leader`` with no leader raises NotLeader, ``crash 2`` with S2
        down NodeCrashed, ...). Lenient (``lenient=True``, for generated schedules, so that any
        sub-list of a schedule is still a schedule): such an action is skipped and ``None``
        returned. Lenient also skips crashing the last running server, healing a network with
        no cut, and a timeout of a leader or of a server outside its configuration; and a
        partition that leaves servers out puts each of them in a group of its own.

        Returns the concrete actions remembered for it (a tuple: ``reboot`` is a crash and a
        restart; ``step`` and ``run until`` only process events), or None if it was skipped."""
        perform = self._DO.get(type(action))
        if perform is None:
            raise ConfigurationError(f"cannot do {action!r}: not an action of raft.sim.actions")
        before = len(self.done)
        if perform(self, action, lenient) is False:
            return None
        return tuple(d.action for d in self.done[before:])

    def _resolve(self, who, lenient):
        """The server id a target names now, or None (lenient) if it names none."""
        if who == TARGET_LEADER:
            who = self.leader()
        elif who == OLD_LEADER:
            leaders = [i for i, n in self.nodes.items()
                       if i not in self.crashed and n.role == LEADER]
            who = min(leaders, key=lambda i: (self.nodes[i].current_term, i), default=None)
        elif who == ANY:
            down = sorted(self.crashed)
            if not down:
                if lenient:
                    return None
                raise ConfigurationError("restart any: no server is crashed")
            return down[0]
        elif who not in self.nodes:
            if lenient:
                return None
            self.node(who)   # raises UnknownNode, naming the servers
        if who is None and not lenient:
            raise NotLeader(None, None)
        return who

    def _up(self):
        return [i for i in self.ids if i not in self.crashed]

    def _do_crash(self, a, lenient):
        who = self._resolve(a.node, lenient)
        if lenient:
            up = self._up()
            if who not in up or len(up) <= 1:
                return False
        self.crash(who)

    def _do_restart(self, a, lenient):
        who = self._resolve(a.node, lenient)
        if lenient and who not in self.crashed:
            return False
        self.restart(who)

    def _do_reboot(self, a, lenient):
        who = self._resolve(a.node, lenient)
        if lenient and who not in self._up():
            return False
        self.crash(who)
        self.restart(who)

    def _do_isolate(self, a, lenient):
        who = self._resolve(a.node, lenient)
        if who is None:
            return False
        self._act(Isolate(who))

    def _do_disconnect(self, a, lenient):
        who = self._resolve(a.node, lenient)
        if who is None:
            return False
        self.disconnect(who)

    def _do_connect(self, a, lenient):
        who = self._resolve(a.node, lenient)
        if who is None:
            return False
        self.connect(who)

    def _can_campaign(self, i):
        return i in self._up() and self.nodes[i].role != LEADER \
            and i in self.nodes[i].config.members

    def _do_timeout(self, a, lenient):
        who = self._resolve(a.node, lenient)
        if lenient and not self._can_campaign(who):
            return False
        self.timeout(who)

    def _do_take_over(self, a, lenient):
        who = self._resolve(a.node, lenient)
        if lenient and not self._can_campaign(who):
            return False
        self.take_over(who)

    def _do_elect(self, a, lenient):
        who = self._resolve(a.node, lenient)
        if not lenient:
            self.elect(who)
            return
        if not self._can_campaign(who):
            return False
        self.take_over(who)
        self.run_until(lambda c: c.leader() == who, 2_000)

    def _do_transfer(self, a, lenient):
        who = self._resolve(a.node, lenient)
        if lenient:
            leader = self.leader()
            if (who is None or leader is None or who == leader
                    or self.nodes[leader].transfer_target is not None
                    or who not in self.nodes[leader].config.members):
                return False
        self.transfer_leadership(who)

    def _do_single_change(self, a, lenient):
        # Whether a change may start now (one at a time; the 2015 fix) is the node's own rule:
        # a lenient schedule skips what the leader refuses, a strict one raises it.
        who = a.node if type(a) is Add else self._resolve(a.node, lenient)
        if who is None:
            return False
        try:
            if type(a) is Add:
                self.add_server(who, voter=a.voter)
            elif type(a) is Promote:
                self.promote(who)
            else:
                self.remove_server(who)
        except (ConfigurationError, MembershipChangeInProgress, NotLeader):
            if lenient:
                return False
            raise

    def _do_cut(self, a, lenient):
        if lenient and (a.a not in self.nodes or a.b not in self.nodes):
            return False
        self.cut_link(a.a, a.b)

    def _do_submit(self, a, lenient):
        to = TARGET_LEADER if a.to is None and lenient else a.to
        who = None if to is None else self._resolve(to, lenient)
        if lenient and (who not in self._up() or self.nodes[who].role != LEADER):
            return False
        self.submit(a.command, node=who, client_id=a.client, seq=a.seq)

    def _do_run(self, a, lenient):
        self.run(a.ms)

    def _do_run_until(self, a, lenient):
        if a.condition == "leader":
            def predicate(c):
                return c.leader() is not None
        else:
            node, index = a.node, a.index
            self.node(node)

            def predicate(c):
                return c.nodes[node].commit_index >= index
        if not self.run_until(predicate, timeout=a.within) and not lenient:
            raise ExpectationFailed(f"'{a}' did not happen within {a.within:.0f} ms")

    def _do_step(self, a, lenient):
        for done in range(a.count):
            if self.step() is None:
                if lenient:
                    return
                raise ConfigurationError(f"nothing left to step: no message or timer is "
                                         f"pending (after {done} of {a.count} steps)")

    def _do_clock(self, a, lenient):
        if a.to < self.now:
            if lenient:
                return False
            raise ConfigurationError(f"the clock is already at {self.now:.1f} ms, past "
                                     f"{a.to!r}")
        self.run_to(a.to)

    def _do_partition(self, a, lenient):
        groups = a.groups
        if lenient:   # servers the groups leave out are each cut off on their own
            listed = {i for g in groups for i in g}
            groups = groups + tuple((i,) for i in self.ids if i not in listed)
        self.partition(*groups)

    def _do_heal(self, a, lenient):
        if lenient and not self._faults:
            return False
        self.heal()

    def _do_network(self, a, lenient):
        self.set_network(**a.settings())

    def _do_members(self, a, lenient):
        if lenient:
            leader = self.leader()
            if leader is None:
                return False
            try:   # the cluster's own checks: a change that makes no sense now is skipped
                checks.membership_change(a.voters, self.nodes[leader])
            except RaftError:
                return False
        self.change_membership(a.voters, unsafe=a.unsafe)

    def _do_deliver(self, a, lenient):
        if lenient and a.message not in self._flights:
            return False
        (self.drop if type(a) is Drop else self.deliver)(a.message)

    def _do_clients(self, a, lenient):
        self.add_clients(a.count, a.timeout, a.give_up)

    def _do_client_op(self, a, lenient):
        if self.clients is None or a.client not in [c.number for c in
                                                     self.clients.clients.values()]:
            if lenient:
                return False
            self.clients_pool().client(a.client)
        to = a.to
        if to is not None:
            to = self._resolve(to, lenient)
            if to is None:
                return False
        self.client_op(a.client, a.f, a.key, a.value, to)

    def _do_clock_rate(self, a, lenient):
        who = self._resolve(a.node, lenient)
        if who is None:
            return False
        self.set_clock_rate(who, a.rate)

    def _do_compact(self, a, lenient):
        who = self._resolve(a.node, lenient)
        if lenient and (who not in self._up()
                        or self.nodes[who].last_applied <= self.nodes[who].log.snapshot_index):
            return False
        self.compact(who)

    #: action class -> how ``do`` performs it (a subclass may add its own actions here).
    _DO = {Crash: _do_crash, Restart: _do_restart, Reboot: _do_reboot, Isolate: _do_isolate,
           Disconnect: _do_disconnect, Connect: _do_connect, Timeout: _do_timeout,
           Elect: _do_elect, Submit: _do_submit, Run: _do_run, RunUntil: _do_run_until,
           Step: _do_step, Clock: _do_clock, Partition: _do_partition, Heal: _do_heal,
           Network: _do_network, Members: _do_members, Deliver: _do_deliver, Drop: _do_deliver,
           TakeOver: _do_take_over, Transfer: _do_transfer, Add: _do_single_change,
           Promote: _do_single_change, Remove: _do_single_change, Cut: _do_cut,
           Compact: _do_compact, Clients: _do_clients, ClientOp: _do_client_op,
           ClockRate: _do_clock_rate}

    # -- replay -------------------------------------------------------------------------------

    def replay(self, step=None, *, checker=None):
        """A new cluster rebuilt from the same settings and actions, as it was after ``step``
        (default: now). Acting on it forks a new future; this cluster is unchanged.
        ``checker``, a function of the new cluster, gives it the checker it runs with from its
        first step (the grader's watch for broken rules, :mod:`raft.classroom.mistakes`)."""
        step = self.steps if step is None else step
        if not 0 <= step <= self.steps:
            raise ConfigurationError(f"step must be between 0 and {self.steps}, got {step}")
        twin = self._twin()
        if checker is not None:
            twin.checker = checker(twin)
        for done in self.done:
            if done.step > step:
                break
            twin._step_to(done.step - 1)
            twin._redo(done)
        twin._step_to(step)
        return twin

    def history(self, start=0, end=None):
        """Yield a snapshot after each step from ``start`` to ``end`` (default: now),
        replaying the run from the beginning."""
        from .snapshot import snapshot
        end = self.steps if end is None else end
        twin = self.replay(start)
        yield snapshot(twin)
        pending = [d for d in self.done if d.step > start]
        k = 0
        while twin.steps < end:
            if k < len(pending) and pending[k].step - 1 == twin.steps:
                twin._redo(pending[k])
                k += 1
            elif twin.step() is None:
                break
            yield snapshot(twin)

    def snapshot(self):
        """An immutable picture of the whole cluster now (see ``raft.snapshot``)."""
        from .snapshot import snapshot
        return snapshot(self)

    def scenario_text(self):
        """The scenario (see ``raft.scenario``) that rebuilds this cluster exactly: its setup,
        then every action done to it, with the number of events processed between them."""
        lines = []
        if self.node_class.__name__ != "Node":
            lines.append(f"# note: built with node class {self.node_class.__name__}")
        lines.append(str(self.setup))
        upto = 0
        for done in self.done:
            # A timed run prints as "run 300ms": the events it processed, then the clock moved
            # on to its end. Run again from the same moment, it ends at the same time exactly.
            if done.start > upto:
                lines.append(str(Step(done.start - upto)))
            upto = done.step
            lines.append(str(done.action))
        if self.steps > upto:
            lines.append(str(Step(self.steps - upto)))
        return "\n".join(lines) + "\n"

    # -- internals --------------------------------------------------------------------------------

    def _twin(self):
        """A new cluster with this one's settings, before anything was done to it."""
        return type(self)(**self.setup.kwargs(), node_class=self.node_class,
                          check_invariants=self._check_invariants, trace=self.tracing)

    def _step_to(self, step):
        while self.steps < step:
            if self.step() is None:
                raise RuntimeError(f"replay could not reach step {step}: the run diverged")

    def _act(self, action, start=None, time=None):
        """Do one concrete action as one step, and remember it. ``start`` and ``time``: where a
        run began and the time it ends at."""
        return self._redo(Done(self.steps if start is None else start, self.steps + 1, action,
                               self.now if time is None else time))

    def _redo(self, done):
        """Take the step of an action (again, on a replay) and remember it."""
        self.done.append(done)
        kind = type(done.action)
        if kind is Run or kind is Clock:
            result = self._advance(done.time)
        else:
            result = self._PERFORM[kind](self, done.action)
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
            self.trace.values += (self.steps, self.now, kind, node, rule, data)

    def _record_msg(self, kind, node, msg):
        """``_record(kind, node, msg=msg)`` for "deliver" and "duplicate", packed (hot path)."""
        if self.tracing:
            self.trace.values += (self.steps, self.now, kind, node, None, msg)

    def _boot(self, i, config):
        disk = self.disks[i]
        options = self._node_options
        if disk.snapshot is not None:   # beyond Figure 2 (§7): restart from snapshot + log
            options = {**options, "snapshot": disk.snapshot}
        self.nodes[i] = self.node_class(
            i, config, rng=self.rng, now=self._node_now(i), election_timeout=self.election_timeout,
            heartbeat_interval=self.heartbeat_interval, fast_backoff=self.fast_backoff,
            disruption_guard=self.disruption_guard, current_term=disk.current_term,
            voted_for=disk.voted_for, log=disk.log, **options)
        if not self.tracing:
            self.nodes[i].keep_notes = False   # no trace: nobody reads the notes
        machine = self.state_machines[i] = kv.KeyValueStore()
        if disk.snapshot is not None:
            machine.restore(disk.snapshot.data, disk.snapshot.last_included_index)
        self._schedule_timer(i)

    def _drain(self, i):
        """Act on a node's output: persist, then send, then apply."""
        node = self.nodes[i]
        out = node.ready()
        if out.persist_hard_state:
            disk = self.disks[i]
            disk.current_term, disk.voted_for = node.current_term, node.voted_for
        if out.persist_log_from is not None:
            if out.snapshot is not None:
                self._save_snapshot(i, node, out)   # beyond Figure 2 (§7)
            else:   # the log from that index on (the disk, like node.log.entries, starts
                #     after the snapshot's last included index)
                start = out.persist_log_from - 1 - node.log.snapshot_index
                self.disks[i].log[start:] = node.log.entries[start:]
        tracing = self.tracing
        if tracing:   # each note becomes a record (six values: see raft.sim.trace.Trace)
            values, step, now = self.trace.values, self.steps, self.now
            for kind, rule, data in out.notes:
                values += (step, now, kind, i, rule, data)
        for msg in out.messages:
            self._send(msg)
        machine, checker, clients = self.state_machines[i], self.checker, self.clients
        for index, entry in out.apply:
            machine.apply(entry, index)
            if tracing:   # _record("apply", i, "all-apply", index=..., what=...), packed
                values += (step, now, "apply", i, "all-apply", (index, entry))
            if checker is not None:
                checker.on_apply(i, index, entry)
            if clients is not None:   # answer the client whose request this entry was
                clients.on_apply(i, index, entry)
        if clients is not None:       # ... and the reads this output lets through
            clients.after_drain(i)
        if self.snapshot_threshold is not None:   # beyond Figure 2 (§7): compact the log
            self._maybe_compact(i, node)
        self._schedule_timer(i)

    # -- log compaction (§7), only with snapshot_threshold or compact() ----------------------------

    def _save_snapshot(self, i, node, out):
        """Write a new snapshot and the log after it (the log's prefix is gone). A snapshot
        received from the leader also resets the state machine (Figure 13, receiver rule 8);
        that changes nothing the messages about to be sent depend on, so it is done here, and
        the entries to apply go on from the snapshot."""
        disk = self.disks[i]
        disk.snapshot = out.snapshot
        disk.log = list(node.log.entries)
        if out.restore:
            self.state_machines[i].restore(out.snapshot.data,
                                           out.snapshot.last_included_index)
            if self.checker is not None:
                self.checker.on_restore(i, out.snapshot)

    def _maybe_compact(self, i, node):
        """Like etcd's server, snapshot once ``snapshot_threshold`` entries were applied since
        the last snapshot (the node decides nothing here: it has no state machine, §7)."""
        if node.last_applied - node.log.snapshot_index >= self.snapshot_threshold:
            self._compact_node(i)

    def _compact_node(self, i):
        node = self.nodes[i]
        node.compact(node.last_applied, self.state_machines[i].snapshot())
        self._drain(i)

    def _schedule_timer(self, i):
        deadline = self.nodes[i].next_deadline()
        if deadline is None:
            return
        if self._clocks:
            deadline = self._true_time(i, deadline)   # the node's clock may drift
        if deadline < self.now:
            deadline = self.now   # a deadline in the past fires now: the clock never goes back
        if self._timer_at.get(i) != deadline:
            self._seq = seq = self._seq + 1
            self._timer_at[i] = deadline
            self._timer_seq[i] = seq
            queued = self._timer_queued.get(i)
            # An event of this server that comes earlier is already queued: when it comes,
            # step() queues the timer at its time (most moves are later: a follower's timer
            # on every AppendEntries, the leader's on every broadcast). Otherwise queue it now.
            if queued is None or deadline < queued[0]:
                self._queue_timer(i, deadline, seq)

    def _queue_timer(self, i, time, seq):
        self._timer_queued[i] = (time, seq)
        heappush(self._queue, (time, seq, _TIMER, i))

    def _push(self, time, kind, payload):
        self._seq += 1
        heappush(self._queue, (time, self._seq, kind, payload))

    def _cut(self, src, dst):
        """True if the network does not carry messages from ``src`` to ``dst`` right now."""
        # Most of the time the network has no fault at all: skip the lookups.
        return self._faults and not self.can_reach(src, dst)

    def _send(self, msg):
        cls = msg.__class__
        self.stats[cls.__name__] += 1
        dst = msg.dst
        if self.tracing:   # (_record_msg, inlined: this runs for every message)
            # Figure 2, Leaders: an AppendEntries that carries entries is the replication rule
            # at work, an empty one a heartbeat. (Other messages' rules are on the node's notes.)
            rule = (("leader-replicate" if msg.entries else "leader-heartbeat")
                    if cls is AppendEntries else None)
            self.trace.values += (self.steps, self.now, "send", msg.src, rule, msg)
        if dst in self.crashed:
            self._record("drop", dst, None, msg=msg, reason=f"S{dst} is down")
            return
        if self._faults:   # (_cut, inlined)
            if not self.can_reach(msg.src, dst):
                self._record("drop", dst, None, msg=msg, reason="the link is cut")
                return
        if self.drop_rate or self.duplicate_rate or self.reorder_rate:
            if self.drop_rate and self.rng.random() < self.drop_rate:
                self._record("drop", dst, None, msg=msg, reason="lost by the network")
                return
            self._launch(msg)
            if self.duplicate_rate and self.rng.random() < self.duplicate_rate:
                self._record_msg("duplicate", dst, msg)
                self._launch(msg)
            return
        # A network that loses, duplicates and delays nothing: _launch(msg), inlined (this runs
        # for every message; the same random draw and the same event).
        low, high = self.latency
        now = self.now
        at = now + (low + (high - low) * self.rng.random())
        self._next_flight = fid = self._next_flight + 1
        self._flights[fid] = _new_flight(fid, msg, now, at)
        self._seq = seq = self._seq + 1
        heappush(self._queue, (at, seq, _DELIVER, fid))

    def _launch(self, msg):
        low, high = self.latency
        delay = low + (high - low) * self.rng.random()   # rng.uniform(low, high), spelled out
        if self.reorder_rate and self.rng.random() < self.reorder_rate:
            delay += self.rng.uniform(high, 3 * high)  # held back: later messages overtake it
        self._next_flight = fid = self._next_flight + 1
        now = self.now
        self._flights[fid] = _new_flight(fid, msg, now, now + delay)
        self._seq += 1
        heappush(self._queue, (now + delay, self._seq, _DELIVER, fid))

    def _launch_as(self, msg, kind):
        """``_launch`` for a message whose delivery event is of another ``kind`` (a client's)."""
        low, high = self.latency
        random = self.rng.random
        delay = low + (high - low) * random()
        if self.reorder_rate and random() < self.reorder_rate:
            delay += self.rng.uniform(high, 3 * high)
        self._next_flight = fid = self._next_flight + 1
        now = self.now
        self._flights[fid] = Flight(fid, msg, now, now + delay)
        self._push(now + delay, kind, fid)

    def _deliver(self, flight):
        msg = flight.msg
        dst = msg.dst
        if dst in self.crashed:
            self._record("drop", dst, None, msg=msg, reason=f"S{dst} is down")
            return
        if self._faults and not self.can_reach(msg.src, dst):   # (_cut, inlined)
            self._record("drop", dst, None, msg=msg, reason="the link is cut")
            return
        self.delivered += 1
        if self.tracing:   # (_record_msg, inlined)
            self.trace.values += (self.steps, self.now, "deliver", dst, None, msg)
        self.nodes[dst].step(msg, self._local(dst, self.now) if self._clocks else self.now)
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

    # The actions proper: each takes one step, and is called through `_act` (or by replay)
    # with its concrete action (a server id, never a symbolic target).

    def _submit(self, a):
        if a.client == "client":  # keep the automatic numbering going after a replay
            self._client_seq = max(self._client_seq, a.seq)
        self._begin_step()
        node = a.to
        index = self.nodes[node].propose(a.command, self._node_now(node), a.client, a.seq)
        self._record("submit", node, "leader-client", command=a.command, index=index,
                     client_id=a.client, seq=a.seq)
        self._drain(node)
        return index

    def _crash(self, a):
        i = a.node
        self._begin_step()
        self.crashed.add(i)
        self._timer_at.pop(i, None)
        self._record("crash", i)
        if self.clients is not None:
            self.clients.forget(i)
        for fid in [f.id for f in self._flights.values() if f.msg.dst == i]:
            flight = self._flights.pop(fid)
            self._record("drop", i, None, msg=flight.msg, reason=f"S{i} crashed")

    def _restart(self, a):
        i = a.node
        self._begin_step()
        self.crashed.discard(i)
        config = self.nodes[i].initial_config
        self._boot(i, config)
        disk = self.disks[i]
        if disk.snapshot is None:
            self._record("restart", i, None, term=disk.current_term, log=len(disk.log))
        else:
            self._record("restart", i, None, term=disk.current_term, log=len(disk.log),
                         snapshot=disk.snapshot.last_included_index)
            if self.checker is not None:
                self.checker.on_restore(i, disk.snapshot)

    def _disconnect(self, a):
        self._begin_step()
        self._disconnected.add(a.node)
        self._faults = True
        self._record("disconnect", a.node)

    def _connect(self, a):
        self._begin_step()
        self._disconnected.discard(a.node)
        self._faults = bool(self._groups is not None or self._disconnected or self._cut_links)
        self._record("connect", a.node)

    def _partition(self, a):
        groups = a.groups
        if any(is_client(i) for g in groups for i in g):   # clients put on one side
            sides = {i: n for n, g in enumerate(groups) for i in g if is_client(i)}
            groups = tuple(tuple(i for i in g if not is_client(i)) for g in groups)
            # (a group of clients alone keeps its number: those clients reach no server)
            self._split(tuple(g for g in groups if g), numbers=[n for n, g in enumerate(groups)
                                                                if g])
            self.clients.groups = sides
            self._record("partition-clients", None, sides={c: [i for i in groups[n]]
                                                            for c, n in sorted(sides.items())})
            return
        self._split(groups)

    def _isolate(self, a):
        i = a.node
        self._split(checks.partition_groups([[i], [j for j in self.ids if j != i]], self.ids))

    def _split(self, groups, numbers=None):
        self._begin_step()
        numbers = range(len(groups)) if numbers is None else numbers
        self._groups = {i: n for n, g in zip(numbers, groups) for i in g}
        if self.clients is not None:
            self.clients.groups = {}
        self._faults = True
        self._record("partition", None, groups=[list(g) for g in groups])

    def _heal(self, a):
        self._begin_step()
        self._groups = None
        self._disconnected.clear()
        if self.clients is not None:
            self.clients.groups = {}
        self._cut_links.clear()
        self._faults = False
        self._record("heal", None)

    def _network(self, a):
        self._begin_step()
        self._set_network(drop=a.drop, duplicate=a.duplicate, reorder=a.reorder,
                          latency=a.latency)
        self._record("network", None, **a.settings())

    def _force_timeout(self, a):
        i = a.node
        self._begin_step()
        self._record("force-timeout", i)
        self.nodes[i].timeout_now(self._node_now(i))
        self._drain(i)

    def _compact(self, a):
        self._begin_step()
        self._record("compact", a.node)
        self._compact_node(a.node)
    def _take_over(self, a):
        i = a.node
        self._begin_step()
        self._record("force-timeout", i)
        self.nodes[i].take_over(self._node_now(i))
        self._drain(i)

    def _transfer(self, a):
        self._begin_step()
        leader = self.leader()
        self.nodes[leader].transfer_leadership(a.node, self._node_now(leader))
        self._drain(leader)

    def _single_change(self, a):
        self._begin_step()
        leader, i = self.leader(), a.node
        if i not in self.nodes:
            self.disks[i] = Disk()
            self._boot(i, Configuration(frozenset()))
        change = {Add: "add", Promote: "promote", Remove: "remove"}[type(a)]
        voter = a.voter if type(a) is Add else change == "promote"
        self._record("membership", leader, "ss-change", change=change, server=i, voter=voter)
        node, now = self.nodes[leader], self._node_now(leader)
        if change == "add":
            node.add_server(i, now, voter=voter)
        elif change == "promote":
            node.promote(i, now)
        else:
            node.remove_server(i, now)
        self._drain(leader)

    def _cut_link(self, a):
        self._begin_step()
        self._cut_links.add(frozenset((a.a, a.b)))
        self._faults = True
        self._record("cut", None, a=a.a, b=a.b)

    def _deliver_now(self, a):
        self._begin_step()
        flight = self._flights.pop(a.message)
        if isinstance(flight.msg, CLIENT_MESSAGES):
            self.clients.deliver(flight)
        else:
            self._deliver(flight)

    def _drop_now(self, a):
        self._begin_step()
        flight = self._flights.pop(a.message)
        kind = "client-drop" if isinstance(flight.msg, CLIENT_MESSAGES) else "drop"
        self._record(kind, flight.msg.dst, None, msg=flight.msg, reason="dropped by hand")

    def _change_membership(self, a):
        ids, unsafe = a.voters, a.unsafe
        self._begin_step()
        leader = self.leader()
        empty = Configuration(frozenset())
        for i in ids:
            if i not in self.nodes:
                self.disks[i] = Disk()
                self._boot(i, empty)
        rule = "config-unsafe" if unsafe else "config-catchup"
        self._record("membership", leader, rule, voters=list(ids), unsafe=unsafe)
        self.nodes[leader].change_membership(ids, self._node_now(leader), unsafe=unsafe)
        self._drain(leader)

    def _add_clients(self, a):
        self._begin_step()
        if self.clients is None:
            self.clients = ClientPool(self)
        if a.timeout is not None:
            self.clients.timeout = a.timeout
        if a.give_up is not None:
            self.clients.give_up = a.give_up
        self.clients.add(a.count)
        self._record("clients", None, count=len(self.clients.clients))

    def _client_op(self, a):
        self._begin_step()
        self.clients.invoke(a.client, a.f, a.key, a.value, a.to)

    def _clock_rate(self, a):
        i = a.node
        self._begin_step()
        self._clocks[i] = (self.now, self._local(i, self.now), a.rate)
        self._record("clock-rate", i, None, rate=a.rate)
        if i not in self.crashed:
            self._timer_at.pop(i, None)
            self._schedule_timer(i)   # its deadline, in true time, moved

    def _advance(self, end):
        # (A run's events are steps of their own; this is its last step, the clock moving on.)
        self._begin_step(end)
        self._record("advance", None, to=end)

    #: concrete action class -> the step that does it (``run`` and ``clock`` end with
    #: ``_advance``). A subclass may add its own actions here and to ``_DO``.
    _PERFORM = {Submit: _submit, Crash: _crash, Restart: _restart, Disconnect: _disconnect,
                Connect: _connect, Partition: _partition, Isolate: _isolate, Heal: _heal,
                Network: _network, Timeout: _force_timeout, Deliver: _deliver_now,
                Drop: _drop_now, Members: _change_membership, TakeOver: _take_over,
                Transfer: _transfer, Add: _single_change, Promote: _single_change,
                Remove: _single_change, Cut: _cut_link, Compact: _compact, Clients: _add_clients,
                ClientOp: _client_op, ClockRate: _clock_rate}

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

