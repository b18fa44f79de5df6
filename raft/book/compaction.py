"""Log compaction experiments for the book's chapter on snapshots (§7 of the paper).

Theory of operation
-------------------
Each function builds a :class:`~raft.sim.cluster.Cluster`, drives it with ordinary calls (client
commands at a steady rate, a crash, a restart) and measures what a chapter quotes. Nothing here
changes the algorithm; compaction is the cluster's ``snapshot_threshold`` option.

* :data:`LAGGING_FOLLOWER`: the scripted story the chapter animates (a scenario text, see
  ``raft.scenario``): S3 is down while the others compact their logs, and is brought back with
  InstallSnapshot. :func:`lagging_follower` runs it and returns the step numbers to show.
* :func:`log_growth`: how many entries each server holds while commands keep coming, with and
  without compaction, and how many entries a restarted server applies again.
* :func:`catch_up`: one follower is down for a while under steady load; after it restarts, how
  long it takes to apply everything the leader had committed by then, and with how many
  messages and entries. :func:`catch_up_table` repeats it for several outages, with and without
  snapshots.

Figures are in simulated milliseconds and message counts: the simulator has no bandwidth, so a
snapshot costs one message whatever its size, and applying an entry takes no time. The chapter
says what that hides.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..script import scenario
from ..sim.cluster import Cluster
from ..errors import ScenarioError
from ..node import AppendEntries, InstallSnapshot

#: The chapter's story: three servers compact every 5 applied entries; S3 is down while eleven
#: commands commit, so the leader no longer holds the entries S3 needs.
LAGGING_FOLLOWER = """\
cluster size=3 seed=3 snapshot_threshold=5
elect 1
submit a=1
submit b=2
run 60ms
crash 3
submit a=3
submit c=4
submit b=5
submit d=6
run 40ms
submit a=7
submit e=8
submit c=9
submit f=10
submit a=11
run 60ms
submit b=12
submit g=13
run 60ms
restart 3
run 150ms
"""


def lagging_follower(check_invariants=True):
    """Run :data:`LAGGING_FOLLOWER`; returns ``(cluster, marks)`` where marks name the steps of
    the restart, the snapshot's arrival at S3 and the moment S3 has caught up."""
    cluster = scenario.run(LAGGING_FOLLOWER, check_invariants=check_invariants)
    marks = {}
    for r in cluster.trace:
        if r.kind == "restart" and r.node == 3:
            marks.setdefault("restart", r.step)
        if r.kind == "install" and r.node == 3 and r.rule == "is-discard":
            marks.setdefault("install", r.step)
    _require("restart" in marks and "install" in marks, "S3 did not install a snapshot")
    leader = cluster.nodes[1]
    for r in cluster.trace:
        if r.step > marks["install"] and r.kind == "apply" and r.node == 3 \
                and r.data["index"] == leader.commit_index:
            marks["caught_up"] = r.step
            break
    _require("caught_up" in marks, "S3 did not catch up")
    return cluster, marks


def _require(condition, what):
    if not condition:
        raise ScenarioError(f"the compaction story did not go as planned: {what}")


def _load(cluster, commands, every, start=0):
    """Send ``commands`` client commands to whoever leads, one every ``every`` ms (16 keys)."""
    for k in range(start, start + commands):
        if cluster.leader() is not None:
            cluster.submit(f"k{k % 16}={k}")
        cluster.run(every)


# -- the log grows ----------------------------------------------------------------------------

@dataclass
class Growth:
    """What :func:`log_growth` measured."""

    threshold: int | None
    commands: int
    held: list            # (commands sent, most entries any server holds in its log)
    restart_applied: int  # entries a restarted server applied again before catching up
    restart_loaded: int   # the index of the snapshot it loaded at restart (0: none)


def log_growth(threshold=None, commands=600, every=10, sample=50, seed=1):
    """Send ``commands`` commands (one every ``every`` ms) to a 3-server cluster, sampling the
    longest log every ``sample`` commands; then crash S2, restart it, and count the entries it
    applies again before it has caught up with the leader."""
    c = Cluster(size=3, seed=seed, snapshot_threshold=threshold)
    c.elect(1)
    held = []
    for done in range(0, commands, sample):
        _load(c, sample, every, start=done)
        held.append((done + sample, max(len(c.nodes[i].log.entries) for i in c.ids)))
    c.run(200)
    c.crash(2)
    c.restart(2)
    loaded = c.nodes[2].log.snapshot_index
    mark = len(c.trace)
    target = c.nodes[1].commit_index
    c.run_until(lambda c: c.nodes[2].last_applied >= target, 5000)
    applied = sum(1 for r in c.trace[mark:] if r.kind == "apply" and r.node == 2)
    return Growth(threshold, commands, held, applied, loaded)


# -- a lagging follower catches up ------------------------------------------------------------

@dataclass
class CatchUp:
    """One follower's catch-up after an outage (see :func:`catch_up`)."""

    outage_ms: float
    threshold: int | None
    backlog: int          # committed entries the follower lacked when it restarted
    ms: float             # from its restart until it had applied all of them
    messages: int         # messages delivered between it and the leader meanwhile (both ways)
    append_entries: int   # AppendEntries among them
    snapshots: int        # InstallSnapshot among them
    entries: int          # log entries those AppendEntries carried
    snapshot_keys: int    # keys those snapshots carried


def catch_up(outage_ms, threshold=None, every=10, seed=1, warmup=50):
    """S3 of a 3-server cluster is down for ``outage_ms`` while a client sends a command every
    ``every`` ms (16 keys, so the state stays small while the log grows). Commands keep coming
    after it restarts. Returns a :class:`CatchUp` measured from the restart until S3 has applied
    everything the leader had committed when S3 restarted."""
    c = Cluster(size=3, seed=seed, snapshot_threshold=threshold)
    c.elect(1)
    _load(c, warmup, every)
    c.crash(3)
    sent = warmup
    end = c.now + outage_ms
    while c.now < end:
        _load(c, 1, every, start=sent)
        sent += 1
    c.restart(3)
    leader = c.leader()
    target = c.nodes[leader].commit_index
    backlog = target - c.nodes[3].last_applied
    start_time, mark = c.now, len(c.trace)
    while c.nodes[3].last_applied < target:
        if c.leader() is not None:
            c.submit(f"k{sent % 16}={sent}")
            sent += 1
        c.run_until(lambda c: c.nodes[3].last_applied >= target, every)
        _require(c.now - start_time < 30_000, "S3 did not catch up within 30 s")
    ms = c.now - start_time
    delivered = [r.data["msg"] for r in c.trace[mark:] if r.kind == "deliver"
                 and {r.data["msg"].src, r.data["msg"].dst} == {leader, 3}]
    appends = [m for m in delivered if isinstance(m, AppendEntries) and m.dst == 3]
    snaps = [m for m in delivered if isinstance(m, InstallSnapshot)]
    return CatchUp(outage_ms, threshold, backlog, ms, len(delivered), len(appends), len(snaps),
                   sum(len(m.entries) for m in appends),
                   sum(len(m.data.data) for m in snaps))


def catch_up_table(outages=(1_000, 4_000, 16_000), threshold=100, every=10, seed=1):
    """:func:`catch_up` for each outage, without snapshots and with ``snapshot_threshold``:
    a list of ``(outage_ms, without, with)``."""
    return [(outage, catch_up(outage, None, every, seed), catch_up(outage, threshold, every, seed))
            for outage in outages]
