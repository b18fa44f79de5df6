"""Simulated clients, and the servers' side of talking to them (dissertation chapter 6).

Theory of operation
-------------------
A *client* is a sequential process: it performs one operation at a time on the replicated
key-value store (``put``, ``append`` or ``get``, as in MIT 6.824's service) and records, for the
history a linearizability checker reads, when it called the operation, when it got the answer
and what the answer was. Its requests and the servers' replies are messages on the simulated
network like any other: they are delayed, lost, duplicated and reordered by the same network, and
a partition that names a client (``partition 1 2 c1 | 3 4 5``) keeps it on one side (a client
named in no group reaches every server).

A client sends each request to the server it believes leads (at first one chosen at random,
dissertation §6.2). A server that does not lead answers NotLeader with the leader it knows of, and
the client tries that one. A client that hears nothing within ``timeout`` ms retries with a
random server, with the *same* client id and sequence number, so that the state machine's
sessions apply the command only once (§6.3). After ``give_up`` ms it gives the operation up: it
never returns, and the checker must allow that it took effect at any time after its call, or
never.

A server's *front end* (:class:`Frontend`, one per server, its state lost in a crash) turns a
request into an input of its node and answers once the node's output allows:

* a write, and a read when ``reads`` is "log": ``node.propose(...)``; the answer goes out when
  the entry is applied at that index (or an error if another entry was applied there: the server
  lost its leadership);
* a read with ``reads`` "read_index", "lease" or "follower": ``node.read_index(...)``; once the
  node says the read is safe from index k on (``node.take_read_states()``), the front end waits
  until its state machine has applied index k and answers from it (§6.4, steps 4 and 5);
* a read with ``reads`` "stale": the server answers from its own state machine at once,
  whatever its role. Not linearizable: kept to show why.

The history (:meth:`ClientPool.history`) is a list of operations in exactly the format that
:func:`raft.linearizability.check` takes, with moments ``(simulated ms, step)`` so that events of
one millisecond stay ordered: :class:`Moment` tuples, which the checker's explanations write as
``143.45 ms (step 21)``.
"""

from __future__ import annotations

import random as _random
from collections import deque
from dataclasses import dataclass, field
from typing import NamedTuple

from ..errors import ConfigurationError, LeadershipTransferInProgress, NotLeader
from ..node import LEADER
from . import kv

#: How a client's operations are named in the history and in actions.
OPERATIONS = ("put", "append", "get")

#: The defaults of a client's patience (simulated ms): per attempt, and for the whole operation.
TIMEOUT = 250.0
GIVE_UP = 3000.0
#: After a NotLeader that names no leader, wait this long before asking another server.
RETRY_PAUSE = 20.0


class Moment(NamedTuple):
    """When a client called an operation or got its answer: a tuple ``(ms, step)``, compared
    item by item, so that events of one simulated millisecond stay ordered by step. It prints as
    ``143.45 ms (step 21)``: the linearizability checker writes moments with ``str()``."""

    ms: float           # simulated time, rounded to 0.01 ms
    step: int           # the cluster's step count at that moment

    def __str__(self):
        return f"{self.ms:.2f}".rstrip("0").rstrip(".") + f" ms (step {self.step})"


def client_name(number):
    """Clients are numbered 1, 2, ... and named c1, c2, ... in histories and pictures."""
    return f"c{number}"


def is_client(value):
    """True for a client's name ("c1") as it appears in a partition or a message."""
    return isinstance(value, str) and value[:1] == "c" and value[1:].isdigit() and value != "c0"


class ClientRequest(NamedTuple):
    """A client's request to a server (dissertation §6.3: client id and serial number)."""

    src: str            # the client's name, c1...
    dst: int            # the server asked
    client_id: str      # the session it belongs to (the client's name)
    seq: int            # the operation's serial number; a retry keeps it
    attempt: int        # 1 for the first try, 2 for the first retry...
    f: str              # put, append or get
    key: str
    value: str | None   # what a put or append writes (None for a get)


class ClientReply(NamedTuple):
    """A server's answer: the result, or why not and who leads as far as it knows."""

    src: int
    dst: str
    client_id: str
    seq: int
    attempt: int
    ok: bool
    output: str | None  # a get's value ("" for a key never written); None for a write
    leader_hint: int | None
    error: str          # "" when ok; else "not leader", "lost leadership", "read refused"


CLIENT_MESSAGES = (ClientRequest, ClientReply)


def describe_request(msg):
    what = f"{msg.f}({msg.key}" + (f", {msg.value!r})" if msg.value is not None else ")")
    again = f", try {msg.attempt}" if msg.attempt > 1 else ""
    return f"{what} [{msg.client_id}#{msg.seq}{again}]"


def describe_reply(msg):
    if msg.ok:
        out = "ok" if msg.output is None else f"→ {msg.output!r}"
        return f"reply {out} [{msg.client_id}#{msg.seq}]"
    hint = f", try S{msg.leader_hint}" if msg.leader_hint is not None else ""
    return f"reply: {msg.error}{hint} [{msg.client_id}#{msg.seq}]"


def describe(msg):
    return describe_request(msg) if isinstance(msg, ClientRequest) else describe_reply(msg)


@dataclass
class Operation:
    """One operation of a client, as the history records it."""

    client: str
    seq: int
    f: str
    key: str
    value: str | None
    to: int | None = None          # where the client was told to send it first, if anywhere
    call: Moment | None = None     # (ms, step) when the client sent it
    ret: Moment | None = None      # (ms, step) when the answer arrived; None: no answer
    output: str | None = None
    attempts: int = 0
    servers: list = field(default_factory=list)   # the server of each attempt
    gave_up: bool = False

    def as_history(self):
        return {"client": self.client, "f": self.f, "key": self.key, "value": self.value,
                "output": self.output if self.ret is not None else None,
                "call": self.call, "ret": self.ret}

    def label(self):
        arg = f", {self.value!r}" if self.value is not None else ""
        return f"{self.f}({self.key}{arg})"


class Client:
    """One simulated client: a queue of operations, done one at a time."""

    def __init__(self, pool, number, guess):
        self.pool = pool
        self.number = number
        self.name = client_name(number)
        self.guess = guess         # the server it believes leads
        self.queue = deque()       # operations asked for, not started yet
        self.current = None        # the operation in progress
        self.seq = 0
        self.done = []             # finished operations (returned or given up), in order

    @property
    def busy(self):
        return self.current is not None

    def __repr__(self):
        now = self.current.label() if self.current else "idle"
        return f"<Client {self.name} {now}, believes S{self.guess} leads>"


class Frontend:
    """A server's side of client requests; volatile (lost when the server crashes)."""

    __slots__ = ("by_index", "by_ctx", "reads")

    def __init__(self):
        self.by_index = {}     # log index -> (term, the request proposed there)
        self.by_ctx = {}       # read name -> the request (waiting for the node's read state)
        self.reads = []        # (readIndex, request): confirmed, waiting to be applied


_CLIENT_DELIVER, _CLIENT_TIMER = 2, 3   # event kinds on the cluster's queue (0, 1: its own)


class ClientPool:
    """The clients of one cluster and the front ends of its servers."""

    def __init__(self, cluster, timeout=TIMEOUT, give_up=GIVE_UP):
        self.cluster = cluster
        self.clients = {}          # name -> Client
        self.frontends = {}        # server id -> Frontend
        self.groups = {}           # client name -> partition group number (absent: reaches all)
        self.timeout = timeout
        self.give_up = give_up
        self.messages = 0          # client messages sent (requests and replies)

    # -- clients --------------------------------------------------------------------------------

    def add(self, count):
        """Make sure there are at least ``count`` clients."""
        cluster = self.cluster
        for number in range(len(self.clients) + 1, count + 1):
            ids = cluster.ids
            guess = ids[int(cluster.rng.random() * len(ids))]   # a server at random (§6.2)
            self.clients[client_name(number)] = Client(self, number, guess)

    def client(self, who):
        """A client by number (1) or name ("c1"); a clear error for one that does not exist."""
        name = client_name(who) if isinstance(who, int) and not isinstance(who, bool) else who
        if name not in self.clients:
            known = ", ".join(self.clients) or "none yet (add them with 'clients N')"
            raise ConfigurationError(f"no client {who!r}; the clients are {known}")
        return self.clients[name]

    def invoke(self, who, f, key, value=None, to=None):
        """Client ``who`` calls an operation (queued if it is busy). Part of a cluster step."""
        client = self.client(who)
        if f not in OPERATIONS:
            raise ConfigurationError(f"a client operation is put, append or get, got {f!r}")
        client.seq += 1
        op = Operation(client.name, client.seq, f, key, value, to)
        client.queue.append(op)
        self.cluster._record("client-call", client.name, None, op=op.label(), seq=op.seq,
                             queued=client.busy)
        if not client.busy:
            self._start_next(client)

    def _start_next(self, client):
        if not client.queue:
            return
        op = client.current = client.queue.popleft()
        op.call = Moment(round(self.cluster.now, 2), self.cluster.steps)
        self._send_attempt(client, op.to if op.to is not None else client.guess)

    def _send_attempt(self, client, server):
        op = client.current
        op.attempts += 1
        op.servers.append(server)
        msg = ClientRequest(client.name, server, client.name, op.seq, op.attempts, op.f, op.key,
                            op.value)
        self.send(msg)
        self._timer(self.cluster.now + self.timeout, (client.name, op.seq, op.attempts, "timeout"))

    def _finish(self, client, output=None, gave_up=False):
        cluster = self.cluster
        op = client.current
        if gave_up:
            op.gave_up = True
            cluster._record("client-give-up", client.name, None, op=op.label(), seq=op.seq,
                            attempts=op.attempts)
        else:
            op.ret = Moment(round(cluster.now, 2), cluster.steps)
            op.output = output
            cluster._record("client-return", client.name, None, op=op.label(), seq=op.seq,
                            output=output)
        client.done.append(op)
        client.current = None
        self._start_next(client)

    def on_reply(self, msg):
        client = self.clients[msg.dst]
        op = client.current
        if op is None or msg.seq != op.seq:
            return    # an answer to an operation already finished (a duplicate, a late retry)
        if msg.ok:
            client.guess = msg.src
            self._finish(client, msg.output if op.f == "get" else None)
            return
        if msg.attempt != op.attempts:
            return    # a refusal of an earlier attempt: a newer one is on its way
        hint = msg.leader_hint
        if hint is not None and hint != msg.src and hint in self.cluster.nodes:
            client.guess = hint
            self.cluster._record("client-retry", client.name, None, op=op.label(), seq=op.seq,
                                 server=hint, reason=f"S{msg.src} said S{hint} leads")
            self._send_attempt(client, hint)
        else:
            # No leader known: pause, then ask a server at random (dissertation §6.2).
            self._timer(self.cluster.now + RETRY_PAUSE, (client.name, op.seq, op.attempts,
                                                          "retry"))

    def on_timer(self, payload):
        name, seq, attempt, why = payload
        client = self.clients[name]
        op = client.current
        cluster = self.cluster
        if cluster.now - op.call[0] >= self.give_up:
            self._finish(client, gave_up=True)
            return
        others = [i for i in cluster.ids if i != op.servers[-1]] or cluster.ids
        server = others[int(cluster.rng.random() * len(others))]
        client.guess = server
        reason = ("no answer within " f"{self.timeout:g} ms" if why == "timeout"
                  else f"S{op.servers[-1]} knew no leader")
        cluster._record("client-retry", name, None, op=op.label(), seq=seq, server=server,
                        reason=reason)
        self._send_attempt(client, server)

    # -- the network ------------------------------------------------------------------------------

    def reaches(self, client, server):
        """True if the network carries messages between ``client`` and ``server`` now."""
        cluster = self.cluster
        if server in cluster._disconnected:
            return False
        side = self.groups.get(client)
        if side is None or cluster._groups is None:
            return True
        return cluster._groups.get(server) == side

    def send(self, msg):
        cluster = self.cluster
        self.messages += 1
        cluster.stats[type(msg).__name__] += 1
        cluster._record("client-send", msg.src, None, msg=msg)
        client, server = (msg.src, msg.dst) if isinstance(msg, ClientRequest) else (msg.dst,
                                                                                  msg.src)
        if server in cluster.crashed:
            cluster._record("client-drop", msg.dst, None, msg=msg, reason=f"S{server} is down")
            return
        if not self.reaches(client, server):
            cluster._record("client-drop", msg.dst, None, msg=msg, reason="the link is cut")
            return
        rng = cluster.rng
        if cluster.drop_rate and rng.random() < cluster.drop_rate:
            cluster._record("client-drop", msg.dst, None, msg=msg, reason="lost by the network")
            return
        cluster._launch_as(msg, _CLIENT_DELIVER)
        if cluster.duplicate_rate and rng.random() < cluster.duplicate_rate:
            cluster._record("client-duplicate", msg.dst, None, msg=msg)
            cluster._launch_as(msg, _CLIENT_DELIVER)

    def _timer(self, time, payload):
        self.cluster._push(time, _CLIENT_TIMER, payload)

    def event(self, kind, time, payload):
        """An event of the cluster's queue that belongs to the clients; False if stale."""
        cluster = self.cluster
        if kind == _CLIENT_TIMER:
            if not self._timer_is_live(payload):
                return False
            cluster._begin_step(time)
            self.on_timer(payload)
            return True
        flight = cluster._flights.pop(payload, None)
        if flight is None:
            return False
        cluster._begin_step(time)
        self.deliver(flight)
        return True

    def _timer_is_live(self, payload):
        name, seq, attempt, _ = payload
        op = self.clients[name].current
        return op is not None and op.seq == seq and op.attempts == attempt

    def deliver(self, flight):
        """A client message arrives (at its due time, or by hand with ``deliver #N``)."""
        cluster = self.cluster
        msg = flight.msg
        if isinstance(msg, ClientRequest):
            client, server = msg.src, msg.dst
        else:
            client, server = msg.dst, msg.src
        if server in cluster.crashed and isinstance(msg, ClientRequest):
            cluster._record("client-drop", msg.dst, None, msg=msg, reason=f"S{server} is down")
            return
        if not self.reaches(client, server):
            cluster._record("client-drop", msg.dst, None, msg=msg, reason="the link is cut")
            return
        cluster._record("client-deliver", msg.dst, None, msg=msg)
        if isinstance(msg, ClientRequest):
            self.on_request(msg)
        else:
            self.on_reply(msg)

    # -- the servers' front ends ------------------------------------------------------------------

    def frontend(self, i):
        front = self.frontends.get(i)
        if front is None:
            front = self.frontends[i] = Frontend()
        return front

    def forget(self, i):
        """Server ``i`` crashed: what its front end was waiting for is lost with it."""
        self.frontends.pop(i, None)

    def reply(self, server, req, ok, output=None, error="", hint=None):
        node = self.cluster.nodes[server]
        if not ok and hint is None:
            hint = server if node.role == LEADER else node.leader_id
        self.send(ClientReply(server, req.src, req.client_id, req.seq, req.attempt, ok, output,
                              hint, error))

    def on_request(self, req):
        cluster = self.cluster
        i = req.dst
        node = cluster.nodes[i]
        front = self.frontend(i)
        reads = cluster.reads
        now = cluster._node_now(i)
        if req.f == "get" and reads == "stale":
            # Not linearizable: whatever this server has applied, leader or not.
            cluster._record("serve", i, None, what=f"get({req.key})", index=node.last_applied,
                            how="from its own state machine, without asking anyone")
            self.reply(i, req, True, cluster.state_machines[i].read(req.key))
            return
        try:
            if req.f == "get" and reads != "log":
                ctx = f"{req.src}:{req.seq}/{req.attempt}"
                front.by_ctx[ctx] = req
                try:
                    node.read_index(ctx, now)
                except NotLeader:
                    del front.by_ctx[ctx]
                    raise
            else:
                command = kv.command_for(req.f, req.key, req.value)
                index = node.propose(command, now, req.client_id, req.seq)
                front.by_index[index] = (node.current_term, req)
                cluster._record("submit", i, "leader-client", command=command, index=index,
                                client_id=req.client_id, seq=req.seq)
        except NotLeader:
            self.reply(i, req, False, error="not leader")
            return
        except LeadershipTransferInProgress as handing:   # (dissertation §3.10)
            self.reply(i, req, False, error="handing over", hint=handing.target)
            return
        cluster._drain(i)

    def on_apply(self, i, index, entry):
        """Server ``i`` applied ``entry`` at ``index``: if it proposed a client's request there,
        answer it. The entry is that request if it has the term it was proposed in (Log
        Matching); another entry there means the server lost its leadership meanwhile."""
        front = self.frontends.get(i)
        if front is None or index not in front.by_index:
            return
        term, req = front.by_index.pop(index)
        if entry.term == term:
            result = self.cluster.state_machines[i].last_result
            self.reply(i, req, True, result if req.f == "get" else None)
        else:
            self.reply(i, req, False, error="lost leadership")

    def after_drain(self, i):
        """After server ``i`` acted on its node's output: answer the reads it lets through."""
        front = self.frontends.get(i)
        node = self.cluster.nodes[i]
        states = node.take_read_states() if node.read_states else ()
        if front is None and not states:
            return
        front = front if front is not None else self.frontend(i)
        machine = self.cluster.state_machines[i]
        for ctx, index in states:
            req = front.by_ctx.pop(ctx, None)
            if req is None:
                continue
            if index is None:
                self.reply(i, req, False, error="read refused")
            else:
                front.reads.append((index, req))
        if front.reads:
            done = machine.applied_index
            waiting = []
            for index, req in front.reads:
                if index <= done:
                    self.cluster._record("serve", i, None, what=f"get({req.key})", index=index,
                                         how=f"at read index {index}")
                    self.reply(i, req, True, machine.read(req.key))
                else:
                    waiting.append((index, req))
            front.reads = waiting

    # -- reading --------------------------------------------------------------------------------

    def operations(self):
        """Every operation called so far (finished, in progress or queued), by call."""
        ops = []
        for client in self.clients.values():
            ops.extend(client.done)
            if client.current is not None:
                ops.append(client.current)
        return sorted(ops, key=lambda op: (op.call, op.client))

    def history(self):
        """The history for :func:`raft.linearizability.check` (model "kv"): every operation
        that was called, with ``ret`` None for one still waiting or given up."""
        return [op.as_history() for op in self.operations()]

    def pending(self):
        """How many operations are in progress or queued."""
        return sum((c.current is not None) + len(c.queue) for c in self.clients.values())


def random_workload(cluster, seed, duration, keys=("x", "y"), think=(5, 40), writes=0.5,
                    appends=0.5):
    """Let every client of ``cluster`` call random operations for ``duration`` ms.

    Each idle client calls a new operation after a pause drawn from ``think`` (ms): a write
    with probability ``writes`` (an append with probability ``appends``, else a put), else a
    get, on a key of ``keys``. Written values are unique (``"1.4"``: client 1's 4th operation),
    so the checker can tell every write apart. The choices come from their own generator,
    seeded with ``seed``; every call is an action of the cluster (``client 1 put x 1.4``), so
    ``cluster.scenario_text()`` replays the run."""
    rng = _random.Random(seed)
    pool = cluster.clients
    if pool is None or not pool.clients:
        raise ConfigurationError("the cluster has no clients: Cluster(clients=3) or "
                                 "cluster.add_clients(3)")
    end = cluster.now + duration
    wake = {name: cluster.now + rng.uniform(*think) for name in pool.clients}
    while cluster.now < end:
        at = min(min(wake.values()), end)
        cluster.run_to(at)
        for name, client in pool.clients.items():
            if wake[name] > cluster.now or client.busy or client.queue:
                if wake[name] <= cluster.now:
                    wake[name] = cluster.now + rng.uniform(*think)
                continue
            key = keys[int(rng.random() * len(keys))]
            if rng.random() < writes:
                f = "append" if rng.random() < appends else "put"
                cluster.client_op(client.number, f, key, f"{client.number}.{client.seq + 1}")
            else:
                cluster.client_op(client.number, "get", key)
            wake[name] = cluster.now + rng.uniform(*think)
    return cluster


# -- pictures -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClientView:
    """A client at one step, for pictures."""

    name: str
    guess: int
    current: object            # (label, seq, attempt, server, call time) or None
    queued: int
    done: tuple                # the last few finished operations: (label, output, call, ret)


def client_views(pool, last=4):
    views = []
    for client in pool.clients.values():
        op = client.current
        current = None if op is None else (op.label(), op.seq, op.attempts, op.servers[-1],
                                           op.call[0])
        done = tuple((o.label(), o.output, o.call[0], None if o.ret is None else o.ret[0])
                     for o in client.done[-last:])
        views.append(ClientView(client.name, client.guess, current, len(client.queue), done))
    return tuple(views)


def read_views(cluster):
    """Per server: what its node and front end hold of reads, for pictures."""
    out = {}
    pool = cluster.clients
    for i, n in sorted(cluster.nodes.items()):
        front = pool.frontends.get(i) if pool is not None else None
        lease = None
        if n.lease_until is not None:
            lease = cluster._true_time(i, n.lease_until)
        out[i] = {"mode": n.reads, "drift_bound": n.drift_bound, "lease_until": lease,
                  "round": n.read_round, "confirmed": n.confirmed_round,
                  "pending": len(n.pending_reads) + (len(front.by_ctx) if front else 0),
                  "waiting_apply": [idx for idx, _ in front.reads] if front else [],
                  "clock_rate": cluster.clock_rate(i)}
    return out
