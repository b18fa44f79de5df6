"""What does one command cost in steady state? Measurements for "The goals of Raft".

Theory of operation
-------------------
:func:`measure_replication` builds a simulated cluster, lets a leader get elected and settle,
then submits ``commands`` client commands, one every ``interval`` ms, and watches two things:

* **commit latency**: the simulated time from the leader receiving a command to the leader
  marking it committed (the moment it could answer the client, §5.3);
* **messages**: every message sent during the measurement, split into *replication*
  (AppendEntries carrying entries, and the replies to them) and *heartbeats* (empty
  AppendEntries and their replies). Elections would show up as RequestVote traffic; in a
  steady run there is none, and the result says so.

A reply is attributed to the AppendEntries whose delivery caused it: the simulator answers a
request in the same step it delivers it, so the trace tells us which request each reply
answers. Message latency is drawn uniformly from ``(latency, latency * (1 + jitter))`` each
way; processing and disk writes take no simulated time, so a round trip is pure network time.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from ..sim.cluster import Cluster
from ..node import AppendEntries, AppendEntriesReply

__all__ = ["Measurement", "measure_replication"]


@dataclass(frozen=True)
class Measurement:
    size: int
    latency: tuple               # one-way message latency range, ms
    commands: int                # commands submitted
    committed: int               # of which the leader committed
    latencies: tuple             # commit latency of each committed command, ms
    messages: Counter            # "replication", "repeat", "heartbeat", "election" -> count
    duration: float              # simulated ms of the measurement
    entries_sent: int = 0        # entries carried by the AppendEntries sent
    appends_sent: int = 0        # AppendEntries sent that carried at least one entry

    @property
    def median_latency(self):
        return statistics.median(self.latencies)

    def per_command(self, kind):
        """Messages of one kind (requests and their replies) per committed command."""
        return self.messages[kind] / self.committed

    @property
    def entries_per_append(self):
        """Average number of entries in an AppendEntries that carries any."""
        return self.entries_sent / self.appends_sent if self.appends_sent else 0.0

    def per_second(self, kind):
        """Messages of one kind (requests and their replies) per simulated second."""
        return self.messages[kind] / (self.duration / 1000)

    @property
    def total_per_command(self):
        """All messages during the measurement per committed command, heartbeats included."""
        return sum(self.messages.values()) / self.committed


def measure_replication(size=5, latency=10.0, *, jitter=0.5, commands=30, interval=100.0,
                        seed=0, heartbeat_interval=50, election_timeout=(150, 300)):
    """Submit ``commands`` commands ``interval`` ms apart to a settled leader; measure them.

    Raises RuntimeError if no leader is elected, if the leader changes during the run (the
    measurement is about the steady state), or if a command is not committed within a
    second of the last submission."""
    if interval <= 0 or commands < 1:
        raise ValueError("give at least one command and a positive interval")
    cluster = Cluster(size=size, seed=seed, latency=(latency, latency * (1 + jitter)),
                      heartbeat_interval=heartbeat_interval, election_timeout=election_timeout)
    if not cluster.run_until(lambda c: c.leader() is not None, timeout=5_000):
        raise RuntimeError(f"no leader was elected (seed {seed})")
    cluster.run(3 * heartbeat_interval)        # let the first heartbeats and the no-op settle
    leader = cluster.leader()
    node = cluster.nodes[leader]
    first_record, start = len(cluster.trace), cluster.now

    submitted = {}                             # log index -> time the leader received it
    for k in range(commands):
        cluster.run(max(0.0, start + k * interval - cluster.now))
        submitted[cluster.submit(f"k{k % 10}={k}")] = cluster.now
    last = max(submitted)
    if not cluster.run_until(lambda c: node.commit_index >= last, timeout=1_000):
        raise RuntimeError(f"commands were not committed (seed {seed})")
    if cluster.leader() != leader or cluster.nodes[leader] is not node:
        raise RuntimeError(f"the leader changed during the measurement (seed {seed})")
    records = cluster.trace[first_record:]
    appends = [r.data["msg"].entries for r in records if r.kind == "send"
               and isinstance(r.data["msg"], AppendEntries) and r.data["msg"].entries]

    committed_at = {}
    for r in records:
        if r.kind == "commit" and r.node == leader:
            for index in submitted:
                if index <= r.data["commit_index"] and index not in committed_at:
                    committed_at[index] = r.time
    latencies = tuple(committed_at[i] - submitted[i] for i in sorted(submitted))
    return Measurement(size=size, latency=cluster.latency, commands=commands,
                       committed=len(latencies), latencies=latencies,
                       messages=_classify(cluster.trace, first_record),
                       duration=cluster.now - start,
                       entries_sent=sum(map(len, appends)), appends_sent=len(appends))


def _classify(trace, first):
    """Count the messages sent in ``trace[first:]`` by purpose.

    An AppendEntries is *replication* if it carries an entry it has not yet sent to that
    follower, a *repeat* if it only carries entries already sent there, and a *heartbeat* if
    it carries none. A reply gets the class of the request it answers."""
    counts = Counter()
    cause = {}                 # step -> the class of the request delivered in that step
    sent_up_to = {}            # (leader, follower) -> highest index sent there so far
    kind_of = {}               # id(request) -> class
    for position, r in enumerate(trace):
        if r.kind == "deliver":
            cause[r.step] = kind_of.get(id(r.data["msg"]), "other")
        elif r.kind == "send":
            msg = r.data["msg"]
            if isinstance(msg, AppendEntries):
                if not msg.entries:
                    kind = "heartbeat"
                else:
                    last = msg.prev_log_index + len(msg.entries)
                    key = (msg.src, msg.dst)
                    kind = "replication" if last > sent_up_to.get(key, 0) else "repeat"
                    sent_up_to[key] = max(last, sent_up_to.get(key, 0))
                kind_of[id(msg)] = kind
            elif isinstance(msg, AppendEntriesReply):
                kind = cause.get(r.step, "other")
            else:
                kind = "election"
            if position >= first:
                counts[kind] += 1
    return counts
