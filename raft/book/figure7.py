"""Figure 7 of the Raft paper, replayed: a new leader brings six different followers into line.

The leader of term 8 holds ``1 1 1 4 4 5 5 6 6 6`` (terms by index). Followers (a)-(f) hold the
logs listed in :data:`FOLLOWERS`. We start one seven-server cluster from exactly these logs, let
the leader win term 8, and count how many AppendEntries round trips each follower needs before its
log matches the leader's: with the simple back-off of §5.3 (one entry back per rejection) and with
the faster back-off at the end of §5.3 (``Cluster(fast_backoff=True)``: one round trip per
conflicting term).

Why one cluster: the figure's logs only make sense together. Each term in them had a leader
elected by a majority, and the logs say who could have voted: in a two-server cluster made of the
leader and (f), say, every leader of terms 4 to 6 would have needed the vote of (f), which never
got past term 3. The current terms are chosen so that the whole state is one a run of Raft can
reach (checked by :func:`raft.book.reachable.check` every time a cluster is built): the leader,
(a) and (b) are in term 7, since (d) won term 7 and needed four votes of seven; every other
follower is in the term of its last entry. In the seven-server cluster the leader wins term 8
with the votes of (a), (b), (e) and (f), and every follower is repaired independently of the
others. A smaller cluster (``followers=...``) gets one more server holding the leader's log,
which keeps its state reachable.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..sim.cluster import Cluster
from ..node import AppendEntries, AppendEntriesReply
from .reachable import check

#: The leader's log in Figure 7 (terms by index, index 1 first).
LEADER_LOG = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]
#: The followers of Figure 7.
FOLLOWERS = {
    "a": [1, 1, 1, 4, 4, 5, 5, 6, 6],
    "b": [1, 1, 1, 4],
    "c": [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    "d": [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    "e": [1, 1, 1, 4, 4, 4, 4],
    "f": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
}
#: Server ids in the seven-server cluster: the leader is S1, (a) is S2, ..., (f) is S7.
LEADER = 1
SERVER = {name: i for i, name in enumerate(FOLLOWERS, start=2)}
#: A fast network (a round trip takes at most 4 ms, far below the 50 ms heartbeat interval), so
#: every AppendEntries the leader sends during a repair is the retry of the previous one, and
#: counting messages counts round trips.
FAST_NETWORK = (1, 2)


#: Current terms at the start (before the election of term 8). (d) led term 7, elected by the
#: leader, (a), (b) and itself; the others stopped hearing from leaders in the term of their
#: last entry.
TERMS = {"leader": 7, "a": 7, "b": 7, "c": 6, "d": 7, "e": 4, "f": 3}


def figure7_cluster(fast_backoff=False, seed=7, latency=FAST_NETWORK, followers=None,
                    check_invariants=True):
    """A seven-server cluster in Figure 7's state, before the election of term 8 (the leader's
    current term is 7, so its next election is term 8; see :data:`TERMS`).

    With ``followers`` (a list of names from :data:`FOLLOWERS`, or a dict of name -> log for a
    follower of your own, whose current term is then its last entry's), a smaller cluster: the
    leader as S1, those followers as S2, S3, ..., and one more server, last, that holds the
    leader's log in term 7. Each of the leader's terms needed a majority: without the third
    server, a pair of the leader and (e) or (f), which never reached terms 5 and 6, could not be
    reached. Raises :class:`~raft.book.reachable.UnreachableState` if the
    state is one no run of Raft reaches."""
    if isinstance(followers, dict):   # logs of your own: (name, log, current term)
        chosen = [(name, list(log), max(log, default=0)) for name, log in followers.items()]
    else:
        chosen = [(name, FOLLOWERS[name], TERMS[name])
                  for name in (FOLLOWERS if followers is None else followers)]
    logs = {LEADER: LEADER_LOG}
    terms = {LEADER: TERMS["leader"]}
    for i, (_, log, term) in enumerate(chosen, start=2):
        logs[i] = log
        terms[i] = term
    if followers is not None:
        witness = len(logs) + 1
        logs[witness] = LEADER_LOG
        terms[witness] = TERMS["leader"]
    check(logs, terms)
    return Cluster(size=len(logs), seed=seed, latency=latency, fast_backoff=fast_backoff,
                   logs=logs, terms=terms, check_invariants=check_invariants)


def elect_and_repair(cluster, timeout=2_000):
    """Elect S1 (term 8) and run until every follower's log equals the leader's. Returns the
    step at which S1 became leader."""
    cluster.elect(LEADER)
    start = cluster.steps
    leader = cluster.nodes[LEADER]
    done = cluster.run_until(
        lambda c: all(c.nodes[i].log.terms() == leader.log.terms() for i in c.ids), timeout)
    if not done:
        raise RuntimeError("the followers were not brought into line in time")
    return start


def round_trips(cluster, follower, leader=LEADER, term=None):
    """The AppendEntries round trips ``follower`` took, in the leader's term: the requests the
    leader sent it up to and including the first one the follower accepted.

    Returns a list of (prev_log_index, accepted) pairs, one per request, in the order sent.
    """
    term = cluster.nodes[leader].current_term if term is None else term
    sent = []
    for rec in cluster.trace:
        msg = rec.data.get("msg") if rec.kind == "send" else None
        if isinstance(msg, AppendEntries) and msg.src == leader and msg.dst == follower \
                and msg.term == term:
            sent.append(msg.prev_log_index)
        elif isinstance(msg, AppendEntriesReply) and msg.src == follower and msg.dst == leader \
                and msg.term == term:
            if msg.success:
                return [(p, False) for p in sent[:-1]] + [(sent[-1], True)]
    raise ValueError(f"S{follower} never accepted an AppendEntries in term {term}")


def truncated(cluster, follower):
    """How many entries ``follower`` deleted because they conflicted with the leader's."""
    return sum(r.data["count"] for r in cluster.trace if r.kind == "truncate"
               and r.node == follower)


def voted_for_leader(cluster, follower, leader=LEADER):
    """Whether ``follower`` granted its vote to the leader in the election of term 8."""
    for r in cluster.trace:
        if r.kind == "vote" and r.node == follower and r.data.get("candidate") == leader:
            return r.data["granted"]
    return None


@dataclass(frozen=True)
class Repair:
    """One row of the round-trip table."""

    follower: str
    log: tuple
    votes_for_leader: bool
    simple: int            # round trips with the simple back-off
    fast: int              # round trips with the conflict-term back-off
    deleted: int           # conflicting entries the follower deleted
    appended: int          # entries the follower received from the leader


def repair_table(seed=7):
    """Replay Figure 7 twice (simple, then fast back-off) and return one Repair per follower."""
    runs = {}
    for fast in (False, True):
        cluster = figure7_cluster(fast_backoff=fast, seed=seed)
        elect_and_repair(cluster)
        runs[fast] = cluster
    rows = []
    final = len(runs[False].nodes[LEADER].log)
    for name, i in SERVER.items():
        slow = runs[False]
        kept = len(FOLLOWERS[name]) - truncated(slow, i)
        rows.append(Repair(name, tuple(FOLLOWERS[name]), voted_for_leader(slow, i),
                           len(round_trips(slow, i)), len(round_trips(runs[True], i)),
                           truncated(slow, i), final - kept))
    return rows
