"""The stories and measurements of the chapter "Raft in production" (beyond Figure 2).

Theory of operation
-------------------
Each story builds a :class:`~raft.cluster.Cluster` with the switches it needs, drives it with
ordinary cluster calls, checks that the story really happened (raising
:class:`~raft.errors.ScenarioError` if a seed or a change in the core made it go otherwise), and
returns the cluster with the step numbers the chapter animates (``raft.viz.play(cluster,
start=...)``):

* :func:`rejoin`: a server cut off from everyone comes back; without pre-vote (dissertation §9.6)
  its inflated term deposes the leader, with it nothing happens.
* :func:`partial`: a partial partition (only the S1-S2 link is cut); pre-vote alone lets S2
  depose S1, pre-vote with the recency rule (the §6 guard) keeps S1.
* :func:`isolated_leader`: a leader cut off from its majority, with and without check-quorum
  (§6.2).
* :func:`transfer`: a leadership transfer (§3.10), completed or, to a crashed server, given up.
* :func:`grow`: a server added as a non-voter, caught up, then promoted (§4.1, §4.2.1).
* :func:`bug_2015`: the single-server change of a new leader that has not yet committed an entry
  of its term (Ongaro, raft-dev, 2015), with any node class.

And two measurements: :func:`flapping` (terms and leader changes under a link that keeps going
down and up, with and without pre-vote) and :func:`change_cost` (messages and time per
membership change, joint consensus against single-server changes).

Nothing here changes the algorithm: it only uses the simulator's public calls.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..check.checker import SafetyChecker
from ..errors import MembershipChangeInProgress, ScenarioError
from ..node import LEADER, Node
from ..sim.cluster import Cluster
from .membership import Marks, leader_timeline


def _require(condition, what):
    if not condition:
        raise ScenarioError(f"the scenario did not go as planned: {what}")


def leaders_since(cluster, step):
    """(term, server) of every election won after ``step``, in order."""
    return [(r.data["term"], r.node) for r in cluster.trace
            if r.step > step and r.kind == "role" and r.data["new"] == LEADER]


# -- pre-vote --------------------------------------------------------------------------------------

def rejoin(pre_vote, seed=3, away=2000):
    """S5 is cut off for ``away`` ms from an idle five-server cluster led by S1, then comes back.

    Marks: ``cut``, ``back`` (steps); facts ``term`` (S1's term before), ``away_term`` (S5's when
    it comes back)."""
    c = Cluster(size=5, seed=seed, pre_vote=pre_vote, check_invariants=True)
    m = Marks()
    c.elect(1)
    c.run(200)
    m.facts["term"] = c.nodes[1].current_term
    c.disconnect(5)
    m.steps["cut"] = c.steps
    c.run(away)
    m.facts["away_term"] = c.nodes[5].current_term
    c.connect(5)
    m.steps["back"] = c.steps
    c.run(600)
    if pre_vote:
        _require(m.facts["away_term"] == m.facts["term"], "S5's term moved while it polled")
        _require(c.leader() == 1 and not leaders_since(c, m["back"]), "S1 lost its leadership")
    else:
        _require(m.facts["away_term"] > m.facts["term"] + 3, "S5's term did not climb")
        _require(leaders_since(c, m["back"]), "S5's return deposed no one")
    return c, m


def partial(pre_vote, guard=True, seed=3, ms=1500):
    """S1 leads three servers; then only the S1-S2 link is cut (``cut_link``): S2 hears no
    heartbeats but still reaches S3, which still hears S1. Marks: ``cut``."""
    c = Cluster(size=3, seed=seed, pre_vote=pre_vote, disruption_guard=guard,
                check_invariants=True)
    m = Marks()
    c.elect(1)
    c.run(200)
    c.cut_link(1, 2)
    m.steps["cut"] = c.steps
    c.run(ms)
    return c, m


# -- check-quorum ----------------------------------------------------------------------------------

def isolated_leader(check_quorum, seed=3):
    """S1 leads five servers and is cut off from the other four; a client keeps sending it a
    command every 100 ms while it accepts them. Marks: ``cut``; facts ``stepped_down`` (ms after
    the cut, or None), ``accepted`` (commands S1 took after the cut), ``committed`` (of those)."""
    c = Cluster(size=5, seed=seed, check_quorum=check_quorum, check_invariants=True)
    m = Marks()
    c.elect(1)
    c.run(200)
    cut_at = c.now
    c.partition([1], [2, 3, 4, 5])
    m.steps["cut"] = c.steps
    accepted = []
    for k in range(8):
        if c.nodes[1].role == LEADER:
            accepted.append(c.submit(f"x={k}", node=1))
        c.run(100)
    down = [r.time for r in c.trace if r.rule == "cq-step-down" and r.node == 1]
    m.facts["stepped_down"] = down[0] - cut_at if down else None
    m.facts["accepted"] = len(accepted)
    m.facts["committed"] = sum(1 for i in accepted if c.nodes[1].commit_index >= i)
    _require((m.facts["stepped_down"] is not None) == check_quorum,
             "check-quorum did (not) step the leader down")
    return c, m


# -- leadership transfer ---------------------------------------------------------------------------

def transfer(seed=7, crash_target=False, behind=0):
    """S1 leads five servers and hands over to S3, which first misses ``behind`` entries (it
    was cut off while they were committed). With ``crash_target`` S3 is down: the transfer is
    given up after an election timeout. Marks: ``asked``, ``done``; facts ``ms`` (from the
    request to S3 leading, or to the abort), ``took_over`` and ``refused`` (client commands refused
    meanwhile)."""
    c = Cluster(size=5, seed=seed, check_invariants=True)
    m = Marks()
    c.elect(1)
    c.run(100)
    if behind:
        c.disconnect(3)
        for k in range(behind):
            c.submit(f"k{k}={k}")
        c.run(100)
        c.connect(3)
    if crash_target:
        c.crash(3)
    asked = c.now
    c.transfer_leadership(3)
    m.steps["asked"] = c.steps
    refused = 0
    while c.now - asked < 400:
        if c.leader() == 3 or c.nodes[1].transfer_target is None:
            break
        try:
            c.submit("late=1", node=1)
        except Exception:   # noqa: BLE001 - LeadershipTransferInProgress, counted
            refused += 1
        c.run(5)
    if c.nodes[1].role == LEADER and c.nodes[1].transfer_target is None:    # given up
        m.facts["took_over"] = False
    else:
        m.facts["took_over"] = c.run_until(lambda c: c.leader() == 3, 300)
    m.steps["done"] = c.steps
    m.facts["ms"] = c.now - asked
    m.facts["refused"] = refused
    if crash_target:
        _require(c.nodes[1].role == LEADER and not m.facts["took_over"],
                 "the transfer to a crashed S3 was not given up")
    return c, m


# -- single-server changes -------------------------------------------------------------------------

def grow(seed=4, entries=30):
    """S1 leads {1,2,3} with ``entries`` committed commands; S4 is added as a non-voter, catches
    up, and is promoted. Marks: ``added``, ``caught_up``, ``promoted``, ``done``."""
    c = Cluster(size=3, seed=seed, check_invariants=True, fast_backoff=True)
    m = Marks()
    c.elect(1)
    for k in range(entries):
        c.submit(f"k{k % 8}={k}")
    c.run_until(lambda c: c.nodes[1].commit_index == c.nodes[1].log.last_index, 1000)
    c.run(60)
    c.add_server(4, voter=False)
    m.steps["added"] = c.steps
    _require(c.run_until(lambda c: not c.nodes[1].config_change_in_progress()
                         and c.nodes[1].match_index.get(4, 0) >= c.nodes[1].commit_index, 2000),
             "S4 did not catch up")
    m.steps["caught_up"] = c.steps
    c.promote(4)
    m.steps["promoted"] = c.steps
    _require(c.run_until(lambda c: not c.nodes[1].config_change_in_progress(), 1000),
             "the promotion did not commit")
    m.steps["done"] = c.steps
    _require(c.config(1).voters == {1, 2, 3, 4}, "S4 is not a voter")
    return c, m


# The 2015 bug as a scenario (the "two removals" the bug zoo's search finds, written out, plus a
# client command so that a leader without the no-op still commits an entry of its term 1 first).
STORY_2015 = """
cluster size=4 seed=17
run 300ms
expect leader 4
submit x=1
run 100ms
partition 4 | 1 2 3
remove 2
run 296ms
expect leader 2
remove 4
partition 3 4 | 1 2
run 600ms
"""


def bug_2015(node_class=Node):
    """Run the story of :data:`STORY_2015` with ``node_class``, the checker collecting what it
    sees (so the run goes on past a violation). Returns ``(cluster, marks, violations)``: marks
    ``second_change`` (S2's removal of S4), ``split``; fact ``refused`` if S2 refused it."""
    c = Cluster(size=4, seed=17, node_class=node_class)
    c.checker = SafetyChecker(c, raise_on_violation=False)
    m = Marks()
    c.run(300)
    _require(c.leader() == 4, "S4 did not lead term 1")
    c.submit("x=1")
    c.run(100)
    c.partition([4], [1, 2, 3])
    c.remove_server(2)                    # C1 = {1,3,4}, on S4 alone
    c.run(296)
    _require(c.leader() == 2, "S2 did not win term 2")
    try:
        c.remove_server(4)                # C2 = {1,2,3}
    except MembershipChangeInProgress:
        m.facts["refused"] = True         # the fix: not before an entry of term 2 commits
    m.steps["second_change"] = c.steps
    c.partition([3, 4], [1, 2])
    m.steps["split"] = c.steps
    c.run(600)
    return c, m, list(c.checker.violations)


# -- measurements ----------------------------------------------------------------------------------

@dataclass
class Flapping:
    pre_vote: bool
    period: float          # ms the link stays down, then up
    leader_changes: int
    leaderless_ms: float
    final_term: int


def flapping(pre_vote, period, seed=1, total=10_000):
    """S5's link to everyone goes down for ``period`` ms and up for ``period`` ms, again and again,
    for ``total`` ms, in a five-server cluster with a client command every 50 ms."""
    c = Cluster(size=5, seed=seed, pre_vote=pre_vote, trace=False)
    c.run_until(lambda c: c.leader() is not None, 5000)
    start = c.now
    changes, leaderless, last = 0, 0.0, (c.leader(), c.nodes[c.leader()].current_term)
    down = False
    k = 0
    next_flip = c.now + period
    while c.now - start < total:
        if c.now >= next_flip:
            (c.connect if down else c.disconnect)(5)
            down = not down
            next_flip += period
        leader = c.leader()
        if leader is not None and leader != 5 or (leader == 5 and not down):
            k += 1
            try:
                c.submit(f"k{k % 8}={k}", node=leader)
            except Exception:   # noqa: BLE001 - a client retries later
                pass
        before = c.now
        c.run(10)
        now = (c.leader(), c.nodes[c.leader()].current_term if c.leader() else None)
        if now[0] is None:
            leaderless += c.now - before
        if now != last and now[0] is not None:
            changes += 1
        if now[0] is not None:
            last = now
    return Flapping(pre_vote, period, changes, leaderless, max(n.current_term for n in
                                                               c.nodes.values()))


@dataclass
class ChangeCost:
    how: str
    ms: float             # from the request to the new configuration committed at the leader
    caught_up_ms: float   # from the request until S4's log holds every entry committed before it
    messages: int         # messages sent until both (heartbeats included)
    config_entries: int   # configuration entries appended


def change_cost(how, seed=5, entries=200):
    """Add S4 to {1,2,3} (whose log holds ``entries`` commands) ``how``: "joint" (joint consensus,
    with its catch-up rounds), "single" (a voter at once), "nonvoter" (a non-voter, promoted once
    caught up). Time and messages until the new configuration is committed at the leader, and
    until S4 has caught up."""
    c = Cluster(size=3, seed=seed, trace=False, fast_backoff=True)
    c.elect(1)
    for k in range(entries):
        c.submit(f"k{k % 8}={k}")
    c.run_until(lambda c: c.nodes[1].commit_index == c.nodes[1].log.last_index, 5000)
    c.run(60)
    start, sent, log = c.now, sum(c.stats.values()), c.nodes[1].log.last_index
    caught = []

    def done(c):
        if not caught and c.nodes[4].commit_index >= log:
            caught.append(c.now - start)
        return not c.nodes[1].config_change_in_progress() and 4 in c.nodes[1].config.voters

    if how == "joint":
        c.change_membership([1, 2, 3, 4])
    elif how == "single":
        c.add_server(4)
    else:
        c.add_server(4, voter=False)
        _require(c.run_until(lambda c: not c.nodes[1].config_change_in_progress()
                             and c.nodes[1].match_index.get(4, 0) >= c.nodes[1].commit_index
                             and (done(c) or True), 5000), "S4 did not catch up")
        c.promote(4)
    _require(c.run_until(done, 5000), f"the {how} change did not complete")
    ms = c.now - start
    _require(c.run_until(lambda c: done(c) and bool(caught), 5000), "S4 never caught up")
    configs = sum(1 for e in c.nodes[1].log.entries[log:] if e.kind == "config")
    return ChangeCost(how, ms, caught[0], sum(c.stats.values()) - sent, configs)


def change_costs(seeds=range(5), entries=200):
    """:func:`change_cost` for each way and seed: {how: [ChangeCost, ...]}."""
    return {how: [change_cost(how, seed, entries) for seed in seeds]
            for how in ("joint", "single", "nonvoter")}
