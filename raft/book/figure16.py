"""The paper's Figure 16 (§9.3), rerun in the simulator: how long is a cluster without a leader?

Theory of operation
-------------------
The paper timed how long a five-server cluster needed to notice that its leader had crashed and
to elect a new one, for several election-timeout ranges. Each *trial* here rebuilds that setting:

* **The moment of the crash.** The old leader, S1, sent a heartbeat (an AppendEntries) to every
  follower; it reached them all at the same instant, which is simulated time 0, and each follower
  restarted its election timer there (the "synchronized heartbeats" of §9.3, which make split
  votes likely). The heartbeat was on the network for ``heartbeat_latency`` ms, so it left S1 at
  ``-heartbeat_latency``. S1 crashed at a uniformly random point of its heartbeat interval after
  sending it: at ``crash_time = -heartbeat_latency + U(0, heartbeat_interval)``, with the
  heartbeat interval half the minimum election timeout, as in the paper. (S1 sends nothing after
  that heartbeat, so in the simulator it is simply down from time 0.)
* **Logs of different lengths.** S1, S2 and S3 hold three entries, S4 and S5 only one. By the
  election restriction (§5.4.1) S2 and S3 refuse to vote for S4 or S5, who can then collect at
  most two votes of five: two of the four survivors cannot win. They can still campaign and
  interrupt other elections, as in the paper.
* **The network and the disk.** The paper's cluster had a *broadcast time* (a round trip plus a
  disk write) of about 15 ms on a gigabit LAN, where the network part is well under a
  millisecond and the disk write is most of it. We model that: every message spends
  ``latency`` ms (uniform, default 0.2–0.6) on the network, and every *reply* leaves only after
  the replying server's disk write of ``disk_write`` ms (uniform, default 12–16), because Raft
  servers persist their state before answering an RPC (Figure 2). A candidate's own disk write
  overlaps with sending its RequestVotes, as Ongaro's dissertation assumes in its analysis of
  election time (chapter 9 there), so a RequestVote is not delayed. The broadcast time is then
  2 × 0.4 + 14 ≈ 15 ms on average.
* **Where the clock stops.** A trial ends when a surviving server has won an election *and every
  surviving server has heard from it* (accepted an AppendEntries of its term): the paper timed
  "how long it took to detect the crash and elect a new leader", and we count an election as
  done once every survivor knows its result. The *time without leader*
  is that moment minus ``crash_time``. A trial that has not finished ``cap_ms`` ms after the
  crash is stopped and reported as censored (the paper reports its 150–150 ms runs only as "more
  than 10 s").

Trials are seeded: trial ``k`` of a range uses ``random.Random(f"{seed}:{low}-{high}:{k}")`` for
the crash point and the cluster's own seed, so results do not depend on the order in which ranges
are run, and a range can be split over processes without changing a single number.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass

from ..sim.cluster import Cluster
from ..node import AppendEntriesReply, Node, RequestVoteReply
from .reachable import check

__all__ = ["TOP_RANGES", "BOTTOM_RANGES", "PAPER", "LOGS", "TERMS", "VOTES", "DEFAULT_LATENCY",
           "DEFAULT_DISK_WRITE",
           "DiskNode", "Trial", "RangeResult", "heartbeat_interval_for", "trials_for",
           "build_trial_cluster", "run_trial", "run_range", "run_figure16", "cannot_win",
           "broadcast_time", "plot_cdfs", "summary_rows"]

TOP_RANGES = [(150, 150), (150, 151), (150, 155), (150, 175), (150, 200), (150, 300)]
BOTTOM_RANGES = [(12, 24), (25, 50), (50, 100), (100, 200), (150, 300)]

#: What the paper reports in §9.3 (ms), for the table beside our numbers.
PAPER = {
    (150, 150): "always more than 10 s (many split votes)",
    (150, 155): "median 287 ms",
    (150, 200): "worst case 513 ms over 1000 trials",
    (12, 24): "mean 35 ms, longest 152 ms",
}

#: The persistent logs (terms by index) at the crash. S1 was the leader of term 1, elected by
#: everyone, and its last two entries reached S2 and S3 only.
LOGS = {1: [1, 1, 1], 2: [1, 1, 1], 3: [1, 1, 1], 4: [1], 5: [1]}
OLD_LEADER = 1
TERMS = {i: 1 for i in LOGS}
VOTES = {i: OLD_LEADER for i in LOGS}
check(LOGS, TERMS, VOTES)   # a state a run of Raft reaches (raft.book.reachable)

DEFAULT_LATENCY = (0.2, 0.6)       # one-way network time, ms
DEFAULT_DISK_WRITE = (12.0, 16.0)  # a durable write before a server replies, ms
DEFAULT_CAP_MS = 10_000.0


def heartbeat_interval_for(timeout):
    """Half the minimum election timeout, as in the paper's experiment."""
    return timeout[0] / 2


def trials_for(timeout):
    """The paper's trial counts: 1000 per range, 100 for the range with no randomness."""
    return 100 if timeout[0] == timeout[1] else 1000


def broadcast_time(latency=DEFAULT_LATENCY, disk_write=DEFAULT_DISK_WRITE):
    """The mean time for a request and its reply: two network trips and one disk write."""
    return 2 * sum(latency) / 2 + sum(disk_write) / 2


class DiskNode(Node):
    """A Raft server whose replies wait for a disk write (``disk_write`` ms, uniform).

    The algorithm is untouched: the node decides exactly as :class:`raft.node.Node` does and
    its state changes at once; only its RequestVote and AppendEntries *replies* are held back
    until the (simulated) write of the state they vouch for has finished. The held replies
    are released by ``tick``, which the simulator calls at ``next_deadline()``."""

    disk_write = DEFAULT_DISK_WRITE

    def __init__(self, *args, **kwargs):
        self._held = []       # (release time, order, message)
        self._released = []
        self._order = 0
        self._clock = kwargs.get("now", 0.0)
        super().__init__(*args, **kwargs)

    def step(self, msg, now):
        self._clock = now
        super().step(msg, now)

    def tick(self, now):
        self._clock = now
        due = [h for h in self._held if h[0] <= now]
        if due:
            self._held = [h for h in self._held if h[0] > now]
            self._released.extend(m for _, _, m in sorted(due, key=lambda h: h[:2]))
        super().tick(now)

    def next_deadline(self):
        own = super().next_deadline()
        if not self._held:
            return own
        first = min(h[0] for h in self._held)
        return first if own is None else min(own, first)

    def ready(self):
        out = super().ready()
        keep = []
        for msg in out.messages:
            if isinstance(msg, (RequestVoteReply, AppendEntriesReply)):
                self._order += 1
                low, high = self.disk_write
                self._held.append((self._clock + self.rng.uniform(low, high), self._order, msg))
            else:
                keep.append(msg)
        out.messages = self._released + keep
        self._released = []
        return out


_NODE_CLASSES = {}


def _disk_node_class(disk_write):
    """One DiskNode subclass per disk-write range (the simulator builds nodes by class)."""
    disk_write = tuple(float(x) for x in disk_write)
    if disk_write == (0.0, 0.0):
        return Node
    if disk_write not in _NODE_CLASSES:
        _NODE_CLASSES[disk_write] = type("DiskNode", (DiskNode,), {"disk_write": disk_write})
    return _NODE_CLASSES[disk_write]


@dataclass(frozen=True)
class Trial:
    """One crash and the election after it. Times are simulated ms; the crash is at
    ``crash_time`` (<= heartbeat interval), the followers' timers started at 0."""

    timeout: tuple
    index: int
    crash_offset: float        # U(0, heartbeat interval): when, after sending it, S1 crashed
    heartbeat_latency: float   # how long the last heartbeat was on the network
    crash_time: float          # = crash_offset - heartbeat_latency
    elected_at: float | None   # when the winning candidate counted a majority
    stopped_at: float | None   # when every survivor had heard from it (None: censored)
    leader: int | None
    term: int | None
    steps: int

    @property
    def downtime(self):
        """Time without leader, ms; None if the trial hit the cap."""
        return None if self.stopped_at is None else self.stopped_at - self.crash_time


def _trial_rng(timeout, index, seed):
    low, high = timeout
    return random.Random(f"{seed}:{low:g}-{high:g}:{index}")


def build_trial_cluster(timeout, index=0, *, seed=0, latency=DEFAULT_LATENCY,
                        disk_write=DEFAULT_DISK_WRITE, trace=False):
    """The cluster of trial ``index`` at time 0, S1 already down; also its crash timing.

    Returns ``(cluster, crash_offset, heartbeat_latency)``."""
    timeout = tuple(timeout)
    rng = _trial_rng(timeout, index, seed)
    hb = heartbeat_interval_for(timeout)
    crash_offset = rng.uniform(0, hb)
    heartbeat_latency = rng.uniform(*latency)
    cluster = Cluster(size=5, seed=rng.randrange(2**32), election_timeout=timeout,
                      heartbeat_interval=hb, latency=latency, logs=LOGS, terms=TERMS, votes=VOTES,
                      node_class=_disk_node_class(disk_write), trace=trace)
    cluster.crash(OLD_LEADER)
    return cluster, crash_offset, heartbeat_latency


def _everyone_follows(cluster, leader):
    """True if every running server has accepted ``leader`` in the leader's current term."""
    term = cluster.nodes[leader].current_term
    return all(n.leader_id == leader and n.current_term == term
               for i, n in cluster.nodes.items() if i not in cluster.crashed)


def run_trial(timeout, index=0, *, seed=0, latency=DEFAULT_LATENCY,
              disk_write=DEFAULT_DISK_WRITE, cap_ms=DEFAULT_CAP_MS, cluster_out=None):
    """Run trial ``index`` of the range ``timeout``; returns a :class:`Trial`.

    Pass a list as ``cluster_out`` to get the cluster back (with its trace) for a picture."""
    cluster, crash_offset, hb_latency = build_trial_cluster(
        timeout, index, seed=seed, latency=latency, disk_write=disk_write,
        trace=cluster_out is not None)
    crash_time = crash_offset - hb_latency
    elected = {}

    def done(c):
        leader = c.leader()
        if leader is None:
            return False
        if leader not in elected:
            elected[leader] = c.now
        return _everyone_follows(c, leader)

    finished = cluster.run_until(done, timeout=cap_ms + crash_time)
    leader = cluster.leader() if finished else None
    if cluster_out is not None:
        cluster_out.append(cluster)
    return Trial(timeout=tuple(timeout), index=index, crash_offset=crash_offset,
                 heartbeat_latency=hb_latency, crash_time=crash_time,
                 elected_at=elected.get(leader) if finished else None,
                 stopped_at=cluster.now if finished else None, leader=leader,
                 term=cluster.nodes[leader].current_term if finished else None,
                 steps=cluster.steps)


@dataclass(frozen=True)
class RangeResult:
    """The trials of one timeout range, and the numbers the chapter quotes."""

    timeout: tuple
    trials: tuple
    cap_ms: float

    @property
    def label(self):
        return f"{self.timeout[0]:g}–{self.timeout[1]:g} ms"

    @property
    def downtimes(self):
        """Sorted times without leader of the trials that finished."""
        return sorted(t.downtime for t in self.trials if t.downtime is not None)

    @property
    def censored(self):
        return sum(1 for t in self.trials if t.downtime is None)

    def _quantile(self, q):
        """The q-quantile over all trials, censored ones counted as +inf."""
        n = len(self.trials)
        values = self.downtimes + [math.inf] * self.censored
        k = min(n - 1, max(0, math.ceil(q * n) - 1))
        return values[k]

    @property
    def median(self):
        return self._quantile(0.5)

    @property
    def worst(self):
        return math.inf if self.censored else max(self.downtimes)

    @property
    def mean(self):
        return math.inf if self.censored else statistics.fmean(self.downtimes)

    @property
    def best(self):
        d = self.downtimes
        return d[0] if d else math.inf


def _run_chunk(args):
    timeout, indexes, kwargs = args
    return [run_trial(timeout, i, **kwargs) for i in indexes]


def run_range(timeout, trials=None, *, seed=0, latency=DEFAULT_LATENCY,
              disk_write=DEFAULT_DISK_WRITE, cap_ms=DEFAULT_CAP_MS, processes=1):
    """Run ``trials`` trials (default: the paper's count) of one timeout range.

    ``processes > 1`` splits the trials over worker processes; each trial is seeded on its
    own, so the result is the same as with one process."""
    timeout = tuple(timeout)
    trials = trials_for(timeout) if trials is None else trials
    kwargs = dict(seed=seed, latency=latency, disk_write=disk_write, cap_ms=cap_ms)
    if processes <= 1 or trials < 2:
        results = _run_chunk((timeout, range(trials), kwargs))
    else:
        import multiprocessing
        chunks = [(timeout, range(k, trials, processes), kwargs) for k in range(processes)]
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_run_chunk, chunks)
        results = sorted((t for part in parts for t in part), key=lambda t: t.index)
    return RangeResult(timeout, tuple(results), cap_ms)


def run_figure16(ranges=None, *, trials=None, seed=0, latency=DEFAULT_LATENCY,
                 disk_write=DEFAULT_DISK_WRITE, cap_ms=DEFAULT_CAP_MS, processes=1):
    """Every range of both graphs (or ``ranges``), as {range: RangeResult}. ``trials``
    overrides the paper's counts (handy for quick looks and tests)."""
    if ranges is None:
        ranges = list(dict.fromkeys(TOP_RANGES + BOTTOM_RANGES))
    return {tuple(r): run_range(r, trials, seed=seed, latency=latency, disk_write=disk_write,
                                cap_ms=cap_ms, processes=processes)
            for r in ranges}


def cannot_win(cluster):
    """The running servers that cannot win an election whatever the timing: fewer than a
    majority of the cluster's servers would find their log at least as up-to-date as their
    own (§5.4.1). Crashed servers vote for nobody."""
    up = [i for i in cluster.ids if i not in cluster.crashed]
    size = len(cluster.ids)
    losers = set()
    for j in up:
        log = cluster.nodes[j].log
        voters = [k for k in up
                  if cluster.nodes[k].candidate_log_is_up_to_date(log.last_index, log.last_term)]
        if 2 * len(voters) <= size:
            losers.add(j)
    return losers


def summary_rows(results):
    """Rows (range, trials, finished, best, median, mean, worst) with ms numbers formatted."""
    def fmt(x):
        return "—" if x is None else (f"> {results_cap(results):g} ms" if math.isinf(x)
                                      else f"{x:.0f} ms")

    rows = []
    for timeout, r in results.items():
        rows.append((r.label, len(r.trials), len(r.trials) - r.censored, fmt(r.best),
                     fmt(r.median), fmt(r.mean), fmt(r.worst)))
    return rows


def results_cap(results):
    return max(r.cap_ms for r in results.values())


def plot_cdfs(ax, results, *, log=False, xlim=None, title=None):
    """Cumulative distributions of time without leader, one line per range, like Figure 16.
    Censored trials never reach the top: a line that stops below 100% ran into the cap."""
    for timeout, r in results.items():
        d = r.downtimes
        n = len(r.trials)
        if not d:
            ax.plot([], [], label=f"{r.label} (none within {r.cap_ms / 1000:g} s)")
            continue
        xs = [d[0]] + d
        ys = [0.0] + [100.0 * (k + 1) / n for k in range(len(d))]
        ax.step(xs, ys, where="post", label=r.label)
    if log:
        ax.set_xscale("log")
    if xlim:
        ax.set_xlim(*xlim)
    ax.set_ylim(0, 100)
    ax.set_ylabel("cumulative percent")
    ax.set_xlabel("time without leader (ms)")
    ax.grid(True, which="major", alpha=0.3)
    if title:
        ax.set_title(title)
    ax.legend(loc="lower right")
    return ax
