"""Stories of clients and reads (dissertation chapter 6): the anomaly, and how each read mode fares.

Each story builds a seeded cluster with clients, makes something happen to it, and returns the
cluster; its clients' history (``cluster.client_history()``) is then judged by the
linearizability checker (``raft.linearizability.check(history, "kv")``). ``node_class`` runs a
story with another node (a bug of the zoo, a student's answer to lab 6).

* :data:`STALE_READ_STORY` (:func:`stale_read`): the leader is cut off from the other servers
  (not from the clients); the others elect a new leader, which commits ``put(x, 2)``; then a
  client asks the old leader for ``x``. With ``reads="stale"`` the old leader answers "1", a
  value older than a write that had already returned: no order explains it. With ReadIndex the
  old leader cannot confirm that it leads; the read waits, the client gives that server up and
  is redirected to the new leader, which answers "2".
* :data:`DRIFTING_LEASE_STORY` (:func:`drifting_lease`): the same, with lease reads, after the
  old leader's clock slowed to a tenth of the true rate as it was cut off: its lease, measured
  on that clock, outlives the election of its successor (dissertation §6.4.1).
* :func:`lost_reply` : a client's ``append`` is applied but its answer is lost; the client
  retries with the same serial number. Sessions apply it once (§6.3).
* :func:`slow_round_replies`: the acknowledgments of one round of lease heartbeats take 150 ms
  to come back, then the leader is cut off. A lease timed from the round's *send* has run out
  before any follower could time out; one timed from the replies has not.
* :func:`transfer_lease`: the leader hands leadership over just after renewing its lease, and
  is cut off as the target takes over. A lease given up when the transfer began cannot answer;
  one kept across the transfer answers with the value its successor has overwritten.
"""

from __future__ import annotations

from ..node import Heartbeat, HeartbeatReply, Node
from ..script import scenario as scenario_mod
from ..sim.clients import ClientReply

STALE_READ_STORY = """\
cluster size=5 seed={seed} clients=2 reads={reads}
run until leader
client 1 put x 1            # c1 writes x = 1 through the leader
run 300ms
isolate leader              # the leader is cut off from the other servers (not from clients)
run 400ms                   # ... who elect a new leader
client 1 put x 2 to leader  # c1 writes x = 2 through the new leader
run 100ms
client 2 get x to old-leader   # c2 asks the old leader for x
run 600ms
"""

DRIFTING_LEASE_STORY = """\
cluster size=5 seed={seed} clients=2 reads=lease
run until leader
client 1 put x 1
run 300ms
clock-rate leader {rate}       # the leader's clock slows down...
isolate leader              # ... as it is cut off from the other servers
run 400ms
client 1 put x 2 to leader
run 100ms
client 2 get x to old-leader
run 600ms
"""


def stale_read(seed=0, reads="stale", node_class=Node):
    """The anomaly story (:data:`STALE_READ_STORY`) with ``reads``; returns the cluster."""
    return scenario_mod.run(STALE_READ_STORY.format(seed=seed, reads=reads),
                            node_class=node_class)


def drifting_lease(seed=0, rate=0.1, node_class=Node):
    """The lease story (:data:`DRIFTING_LEASE_STORY`) with the old leader's clock at ``rate``."""
    return scenario_mod.run(DRIFTING_LEASE_STORY.format(seed=seed, rate=rate),
                            node_class=node_class)


def old_value_reads(cluster):
    """The anomaly, found in the history: pairs (write, read) where a get returned a value
    that a write which had *returned before the get was called* had already replaced. (For the
    stories' puts of distinct values; the checker is the general judge.)"""
    ops = cluster.clients.operations()
    found = []
    for read in ops:
        if read.f != "get" or read.ret is None:
            continue
        writes = [w for w in ops if w.f == "put" and w.key == read.key and w.ret is not None
                  and w.ret < read.call]
        if not writes:
            continue
        latest = max(writes, key=lambda w: w.ret)
        # Every write that completed before the read began must be visible, unless a write
        # that may come after it in the order (one not finished before `latest` began) is.
        later = [w.value for w in ops if w.f == "put" and w.key == read.key
                 and (w.ret is None or w.ret > latest.call)]
        if read.output != latest.value and read.output not in later:
            found.append((latest, read))
    return found


def lost_reply(seed=0, node_class=Node, f="append"):
    """c1's ``append(x, a)`` is applied, but the answer to it is lost; c1 times out and
    retries with the same serial number. Then c2 reads x: "a" if the retry was recognised, "aa"
    if it was applied twice."""
    c = _make(node_class, size=3, seed=seed, clients=2)
    c.run_until(lambda c: c.leader() is not None, 3000)
    c.client_op(1, f, "x", "a", to=c.leader())
    while not any(isinstance(fl.msg, ClientReply) and fl.msg.dst == "c1"
                  for fl in c.in_flight()):
        if c.step() is None:
            break
    for flight in c.in_flight():
        if isinstance(flight.msg, ClientReply) and flight.msg.dst == "c1":
            c.drop(flight)                        # the answer is lost
    c.run_until(lambda c: not c.clients.client(1).busy, 3000)
    c.client_op(2, "get", "x", to=c.leader())
    c.run(300)
    return c


def slow_round_replies(seed=0, node_class=Node):
    """Lease reads (dissertation §6.4.1). The leader's round of heartbeats reaches the followers
    at once, but their acknowledgments take 150 ms to come back; from then on nothing passes
    between the leader and the other servers but those acknowledgments. The followers, which
    last heard from the leader when the round arrived, elect a new leader 100 to 200 ms later
    (their election timeout); c1 writes x = 2 through it, and c2 asks the old leader for x.

    A lease runs from the round's send time for 100 / 1.1 ≈ 91 ms, so it has ended before any
    follower could time out; the old leader must confirm the read with a new round, which no one
    answers. A lease timed from the acknowledgments' arrival would run until 150 + 91 ms after
    the round: long after the new leader took over."""
    c = _make(node_class, size=5, seed=seed, clients=2, reads="lease",
              election_timeout=(100, 200), latency=(5, 5))
    c.run_until(lambda c: c.leader() is not None, 3000)
    c.client_op(1, "put", "x", "1", to=c.leader())
    c.run(250)
    old = c.leader()

    def rounds():
        return [f for f in c.in_flight() if isinstance(f.msg, Heartbeat) and f.msg.src == old]
    while not rounds() and c.step() is not None:
        pass
    sent = rounds()
    the_round = sent[0].msg.round
    c.set_network(latency=(150, 150))
    for flight in sent:
        c.deliver(flight)                # the followers get the round now, and acknowledge it
    c.set_network(latency=(5, 5))

    def wanted(msg):   # between the old leader and the servers, only this round's answers
        if isinstance(msg, HeartbeatReply) and msg.round == the_round and msg.dst == old:
            return True
        servers = c.nodes
        return not ((msg.src == old and msg.dst in servers)
                    or (msg.dst == old and msg.src in servers))
    end = c.now + 700
    wrote = read = False
    while c.now < end:
        for flight in c.in_flight():
            if not wanted(flight.msg):
                c.drop(flight)
        leader = c.leader()
        if not wrote and leader is not None and leader != old:
            c.client_op(1, "put", "x", "2", to=leader)
            wrote = True
        if wrote and not read and not c.clients.client(1).busy:
            c.client_op(2, "get", "x", to=old)
            read = True
        if c.step(until=end) is None:
            break
    c.heal()
    c.run(300)
    return c


def transfer_lease(seed=0, node_class=Node):
    """Lease reads and a leadership transfer (dissertation §6.4.1, §3.10). Just after a round
    of heartbeats renewed its lease, the leader hands leadership to another server; as soon as
    its TimeoutNow has arrived, the network splits: the old leader with c2 on one side, the
    other servers with c1 on the other. The target is elected at once (no timer to wait for:
    its RequestVote is marked as a transfer's), c1 writes x = 2 through it, and c2 asks the
    old leader for x.

    The lease rested on the followers' promise not to elect anyone before their election
    timeout; a transfer breaks that promise on purpose. A leader that gave its lease up when
    the transfer began must confirm the read with a round, which no one answers; one that kept
    its lease answers "1" at once, after put(x, 2) returned."""
    c = _make(node_class, size=3, seed=seed, clients=2, reads="lease", latency=(5, 5))
    c.run_until(lambda c: c.leader() is not None, 3000)
    c.client_op(1, "put", "x", "1", to=c.leader())
    c.run(250)
    old = c.leader()
    target = min(i for i in c.ids if i != old)

    def rounds():
        return [f for f in c.in_flight() if isinstance(f.msg, Heartbeat) and f.msg.src == old]
    while not rounds() and c.step() is not None:    # a round goes out; its answers renew the
        pass                                        # lease from its send time
    c.run(12)
    c.transfer_leadership(target)
    c.run_until(lambda c: c.nodes[target].role != "follower", 200)   # TimeoutNow arrived
    c.partition([old, "c2"], [i for i in c.ids if i != old] + ["c1"])
    c.run_until(lambda c: c.nodes[target].role == "leader", 200)
    c.client_op(1, "put", "x", "2", to=target)
    c.run_until(lambda c: not c.clients.client(1).busy, 300)
    c.client_op(2, "get", "x", to=old)
    c.run(600)
    c.heal()
    c.run(300)
    return c


def _make(node_class, **options):
    from ..sim.cluster import Cluster
    return Cluster(node_class=node_class, **options)


def story_window(cluster, before=3, after=3):
    """The steps worth watching in a story: from just before the network splits to just after
    the last client operation returned (for ``raft.viz.play(cluster, start, end)``)."""
    start = next((r.step for r in cluster.trace
                  if r.kind in ("partition", "clock-rate", "network")
                  or r.data.get("reason") == "dropped by hand"), 0)
    ends = [r.step for r in cluster.trace if r.kind in ("client-return", "client-give-up")]
    end = max(ends) if ends else cluster.steps
    return max(0, start - before), min(cluster.steps, end + after)


def grade_chaos(node_class, seeds):
    """Lab 6's random part: a chaos run with clients per seed, with ReadIndex and with follower
    reads in turn (:func:`raft.fuzz.clients.chaos_run`), judged by the linearizability checker
    and by the acknowledged writes. Returns ``(passed, title, message)``; the message names the
    first failing seed, shows the checker's explanation and says how to replay the run."""
    from ..fuzz.clients import chaos_run
    from ..fuzz.run import _node_frame, _not_written
    title = (f"chaos with clients (seeds {seeds[0]}..{seeds[-1]}, ReadIndex and follower "
             "reads; every history linearizable, no acknowledged write lost)")
    for seed in seeds:
        reads = "read_index" if seed % 2 == 0 else "follower"
        try:
            run = chaos_run(seed, reads, node_class=node_class, duration=1000,
                            check_invariants=True)
        except NotImplementedError as e:
            return False, title, f"not written yet: {_not_written(e)}"
        except Exception as e:  # noqa: BLE001 - the node's own code raised
            where = _node_frame(e)
            return False, title, (f"seed {seed} (reads={reads}): {type(e).__name__}: {e}"
                                  + (f"\n({where})" if where else ""))
        if not run.ok:
            lines = [f"seed {seed} (reads={reads}): " + run.summary()]
            if not run.verdict.ok:
                lines += run.verdict.explanation.splitlines()
            for op in run.lost[:3]:
                lines.append(f"acknowledged but not in the final leader's log: {op.client}'s "
                             f"{op.label()}")
            lines.append("replay it (then raft.viz.play(cluster)):")
            lines.append(f"  from raft.fuzz.clients import chaos_run; cluster = chaos_run({seed}, "
                         f"{reads!r}, node_class={node_class.__name__}, duration=1000).cluster")
            return False, title, "\n".join(lines)
    return True, title, ""
