"""Immutable pictures of a cluster at one step, for drawing and for going back in time.

A :class:`ClusterSnapshot` copies everything a picture needs (each server's Figure 2 state,
its timers, the messages on the network, the partition, the step's trace records), so it
stays valid while the cluster runs on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .trace import step_caption, step_rule


class LogTail(tuple):
    """Beyond Figure 2 (§7): the entries a compacted log still holds, as a picture keeps them.
    Item 0 is index ``snapshot_index + 1``; the entries up to ``snapshot_index`` (whose term was
    ``snapshot_term``) are in the server's snapshot. A log with no snapshot is a plain tuple,
    item 0 being index 1: ``log_base`` gives the offset of either."""

    def __new__(cls, entries, snapshot_index, snapshot_term):
        tail = super().__new__(cls, entries)
        tail.snapshot_index, tail.snapshot_term = snapshot_index, snapshot_term
        return tail

    def __eq__(self, other):
        return tuple.__eq__(self, other) and log_base(self) == log_base(other)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((tuple(self), self.snapshot_index))

    def __repr__(self):
        return f"LogTail({tuple(self)!r}, after snapshot through {self.snapshot_index})"


def log_base(log):
    """How many indexes come before item 0 of a picture's log (0 unless compacted, §7)."""
    return getattr(log, "snapshot_index", 0)


def _log_view(log):
    if not log.snapshot_index:
        return tuple(log)
    return LogTail(log.entries, log.snapshot_index, log.snapshot_term)


@dataclass(frozen=True)
class NodeView:
    id: int
    role: str
    crashed: bool
    current_term: int
    voted_for: object
    log: tuple                 # of Entry; log[0] is index 1 (a LogTail once compacted, §7)
    commit_index: int
    last_applied: int
    next_index: dict           # leaders only, else empty
    match_index: dict
    votes: frozenset           # candidates only
    leader_id: object
    config: object             # the Configuration this server uses
    learners: frozenset
    election_timer_start: float
    election_deadline: float
    heartbeat_due: object
    kv: dict
    applied: tuple


@dataclass(frozen=True)
class ClusterSnapshot:
    step: int
    now: float
    nodes: dict                # id -> NodeView
    flights: tuple             # of raft.cluster.Flight, soonest first
    partition: object          # list of groups, or None
    disconnected: frozenset
    records: tuple             # the TraceRecords of this step
    caption: str
    rule: str
    election_timeout: tuple
    heartbeat_interval: float

    # Links cut by Cluster.cut_link, as sorted pairs: set on the snapshot only when there are any,
    # outside the dataclass's fields, so that snapshots of runs without them hash as they did.
    cut_links = frozenset()

    def leader(self):
        best = None
        for n in self.nodes.values():
            if not n.crashed and n.role == "leader":
                if best is None or n.current_term > best.current_term:
                    best = n
        return best.id if best else None


@dataclass(frozen=True)
class ClientSnapshot(ClusterSnapshot):
    """The snapshot of a cluster with clients, a read mode or drifting clocks
    (:mod:`raft.sim.clients`); timers are in true simulated time."""

    clients: tuple = ()        # of raft.sim.clients.ClientView
    reads: dict = None         # server -> its read state (mode, lease, rounds, waiting reads)
    client_groups: dict = None  # client -> partition group number (absent: reaches every server)
    history: tuple = ()        # the clients' history so far, as raft.linearizability.check reads it


def snapshot(cluster):
    nodes = {}
    for i, n in sorted(cluster.nodes.items()):
        sm = cluster.state_machines[i]
        nodes[i] = NodeView(
            id=i, role=n.role, crashed=i in cluster.crashed, current_term=n.current_term,
            voted_for=n.voted_for, log=_log_view(n.log), commit_index=n.commit_index,
            last_applied=n.last_applied, next_index=dict(n.next_index),
            match_index=dict(n.match_index), votes=frozenset(n.votes), leader_id=n.leader_id,
            config=n.config, learners=frozenset(n.learners),
            election_timer_start=n.election_timer_start, election_deadline=n.election_deadline,
            heartbeat_due=n.heartbeat_due, kv=dict(sm.data), applied=tuple(sm.applied))
    records = tuple(cluster.trace.step_records(cluster.steps))   # they end the trace
    snap = ClusterSnapshot(
        step=cluster.steps, now=cluster.now, nodes=nodes, flights=tuple(cluster.in_flight()),
        partition=cluster.partition_groups, disconnected=cluster.disconnected, records=records,
        caption=step_caption(list(records)) if cluster.steps else step_caption([]),
        rule=step_rule(list(records)), election_timeout=cluster.election_timeout,
        heartbeat_interval=cluster.heartbeat_interval)
    if cluster.clients is not None or cluster._clocks or cluster.reads != "log":
        snap = _with_clients(snap, cluster)   # (clients, reads and clocks: dissertation ch. 6)
    if cluster.cut_links:
        object.__setattr__(snap, "cut_links", cluster.cut_links)
    return snap


def _with_clients(snap, cluster):
    """The snapshot of a cluster with clients, a read mode or drifting clocks: the same
    snapshot with the clients, the read state, and the timers in true (simulated) time."""
    from .clients import client_views, read_views
    nodes = snap.nodes
    if cluster._clocks:
        def true(i, t):
            return None if t is None else cluster._true_time(i, t)
        nodes = {i: replace(v, election_timer_start=true(i, v.election_timer_start),
                            election_deadline=true(i, v.election_deadline),
                            heartbeat_due=true(i, v.heartbeat_due))
                 for i, v in nodes.items()}
    pool = cluster.clients
    return ClientSnapshot(**{**snap.__dict__, "nodes": nodes},
                          clients=client_views(pool) if pool is not None else (),
                          reads=read_views(cluster),
                          client_groups=dict(pool.groups) if pool is not None else {},
                          history=tuple(pool.history()) if pool is not None else ())
