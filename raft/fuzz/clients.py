"""Chaos runs with clients: random faults while clients read and write, judged by the
linearizability checker (dissertation chapter 6).

``chaos_run(seed, reads="read_index")`` builds a seeded cluster with clients, lets them call
random operations (unique values, a few keys) while servers crash and restart, the network
splits and heals, loses, duplicates and reorders messages, and leaders hand over to other
servers; then heals everything, lets the
clients finish, and judges the run:

* the clients' history must be linearizable (``raft.linearizability.check``, model "kv");
* no acknowledged write may be lost: every put or append a client saw succeed is in the log of
  the final leader (committed), once;
* the five safety properties of Figure 3 hold after every step (``check_invariants``).

Every fault and every client call is an action of the cluster, so ``run.cluster.scenario_text()``
replays the run exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..linearizability import check
from ..sim.clients import random_workload
from ..sim.cluster import Cluster

#: The read modes that must give linearizable histories (the others: "stale" never does).
SAFE_READS = ("log", "read_index", "lease", "follower")


@dataclass
class ChaosRun:
    seed: int
    reads: str
    cluster: Cluster
    history: list
    verdict: object
    lost: list            # acknowledged writes missing from the final leader's log

    @property
    def ok(self):
        return self.verdict.ok and not self.lost

    def summary(self):
        returned = sum(op["ret"] is not None for op in self.history)
        text = (f"seed {self.seed}, reads={self.reads}: {len(self.history)} operations "
                f"({returned} returned); {'linearizable' if self.verdict.ok else 'NOT linearizable'}"
                f"; {len(self.lost)} acknowledged writes lost")
        return text


def _faults(cluster, rng):
    """One random fault (or repair)."""
    ids = cluster.ids
    up = [i for i in ids if i not in cluster.crashed]
    kind = rng.choice(["crash", "restart", "partition", "heal", "isolate", "network", "calm",
                       "transfer"])
    if kind == "crash" and len(up) > len(ids) // 2 + 1 - 1 and len(up) > 1:
        cluster.crash(rng.choice(up))
    elif kind == "restart" and cluster.crashed:
        cluster.restart(rng.choice(sorted(cluster.crashed)))
    elif kind == "partition":
        shuffled = ids[:]
        rng.shuffle(shuffled)
        cut = rng.randint(1, len(ids) - 1)
        cluster.partition(shuffled[:cut], shuffled[cut:])
    elif kind == "isolate" and cluster.leader() is not None:
        leader = cluster.leader()
        cluster.partition([leader], [i for i in ids if i != leader])
    elif kind == "transfer" and cluster.leader() is not None:
        # A leadership transfer (dissertation §3.10) to any other voter, even a crashed or
        # cut-off one (then it is given up): a lease must not outlive it (§6.4.1).
        leader = cluster.leader()
        if cluster.nodes[leader].transfer_target is None:
            cluster.transfer_leadership(rng.choice([i for i in ids if i != leader]))
    elif kind == "heal":
        cluster.heal()
    elif kind == "network":
        cluster.set_network(drop=rng.choice([0, 0.05, 0.2]), duplicate=rng.choice([0, 0.1]),
                            reorder=rng.choice([0, 0.2]))


def chaos_run(seed, reads="read_index", size=5, clients=3, duration=2000, node_class=None,
              keys=("x", "y"), check_invariants=True, max_states=200_000, **cluster_options):
    """One seeded chaos run with clients; returns a :class:`ChaosRun`."""
    rng = random.Random(seed * 7919 + 17)
    options = dict(size=size, seed=seed, clients=clients, reads=reads, drop=0.02,
                   duplicate=0.05, reorder=0.1, check_invariants=check_invariants)
    options.update(cluster_options)
    if node_class is not None:
        options["node_class"] = node_class
    cluster = Cluster(**options)
    cluster.add_clients(clients, timeout=rng.choice([100, 200, 300]), give_up=1500)
    end = cluster.now + duration
    while cluster.now < end:
        random_workload(cluster, rng.randrange(1 << 30), rng.uniform(50, 300), keys=keys)
        _faults(cluster, rng)
    cluster.heal()
    cluster.set_network(drop=0, duplicate=0, reorder=0)
    for i in sorted(cluster.crashed):
        cluster.restart(i)
    # Let every client finish (or give up) what it started, then read every key once more.
    cluster.run_until(lambda c: c.clients.pending() == 0, 5000)
    for k, key in enumerate(keys):
        cluster.client_op(1 + k % clients, "get", key)
    cluster.run_until(lambda c: c.clients.pending() == 0, 5000)
    history = cluster.client_history()
    verdict = check(history, "kv", max_states=max_states)
    return ChaosRun(seed, reads, cluster, history, verdict, lost_writes(cluster))


def lost_writes(cluster):
    """The acknowledged puts and appends that the final leader's committed log does not hold
    exactly once (a write applied twice would show up here too: see ``duplicates``)."""
    leader = cluster.leader()
    if leader is None:
        cluster.run_until(lambda c: c.leader() is not None, 5000)
        leader = cluster.leader()
    node = cluster.nodes[leader]
    committed = {}
    for entry in node.log.entries[:node.commit_index]:
        if entry.client_id is not None:
            committed.setdefault((entry.client_id, entry.seq), 0)
            committed[(entry.client_id, entry.seq)] += 1
    lost = []
    for op in cluster.clients.operations():
        if op.f != "get" and op.ret is not None and (op.client, op.seq) not in committed:
            lost.append(op)
    return lost
