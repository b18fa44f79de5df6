"""Log compaction in the simulator (§7): stories a reader can follow, the options' input checks,
and the checker catching snapshots that are wrong.

The node's rules are tested one by one in tests/test_mech_snapshot.py; these tests run whole
clusters with ``snapshot_threshold`` (or ``Cluster.compact``) and the invariant checker on.
"""

import pytest

from raft import Cluster, ConfigurationError, InvariantViolation, NodeCrashed, scenario
from raft.errors import CommandError, UnknownNode
from raft.sim.kv import KeyValueStore, StoreSnapshot
from raft.node import Entry, InstallSnapshot, Node


def load(cluster, count, start=0):
    for k in range(start, start + count):
        cluster.submit(f"k{k % 7}={k}")
        cluster.run(5)


def caught_up(cluster, i):
    leader = cluster.leader()
    if leader is None:
        return False
    leader = cluster.nodes[leader]
    return cluster.nodes[i].last_applied == leader.commit_index == leader.log.last_index


# -- stories ------------------------------------------------------------------------------------

def test_servers_compact_their_logs_past_the_threshold():
    """§7: with snapshot_threshold=N, a server that has applied N entries since its last
    snapshot takes one and discards that part of its log; its disk holds the snapshot and the
    log after it, nothing more."""
    c = Cluster(size=3, seed=2, snapshot_threshold=10, check_invariants=True).elect(1)
    load(c, 45)
    c.run(200)
    for i in c.ids:
        node, disk = c.nodes[i], c.disks[i]
        assert node.log.snapshot_index >= 40 and len(node.log.entries) < 10
        assert disk.snapshot is node.snapshot and disk.log == node.log.entries
    # The checker judged every snapshot against the entries applied up to its index.
    assert c.checker.checks == c.steps and not c.checker.violations


def test_a_lagging_follower_is_caught_up_with_install_snapshot():
    """§7: a follower that is down while the others compact their logs misses entries the
    leader no longer has; once back it receives the leader's snapshot (InstallSnapshot, Figure
    13), throws its log away, loads the snapshot into its state machine and gets the rest by
    AppendEntries."""
    c = Cluster(size=3, seed=4, snapshot_threshold=10, check_invariants=True).elect(1)
    load(c, 5)
    c.run(100)
    c.crash(3)
    load(c, 40, start=5)
    c.restart(3)
    assert c.run_until(lambda c: caught_up(c, 3), 2000)
    rules = [r.rule for r in c.trace if r.node == 3]
    assert "is-discard" in rules and "is-restore" in rules
    assert c.state_machines[3].snapshot() == c.state_machines[1].snapshot()
    # The leader kept sending (each broadcast, as it would have sent AppendEntries); the one
    # that arrived after the restart was enough.
    received = [r for r in c.trace if r.kind == "deliver" and r.node == 3
                and isinstance(r.data["msg"], InstallSnapshot)]
    assert len(received) == 1 and c.stats["InstallSnapshot"] > 1


def test_a_restarted_server_recovers_from_its_snapshot_and_log():
    """§7: after a crash a server loads its snapshot into its state machine at once and keeps
    the log entries after it; it then applies only what comes after."""
    c = Cluster(size=3, seed=6, snapshot_threshold=8, check_invariants=True).elect(1)
    load(c, 20)
    c.run(200)
    before = c.state_machine(2)
    snapshot_index = c.nodes[2].log.snapshot_index
    c.crash(2)
    c.restart(2)
    node = c.nodes[2]
    assert node.log.snapshot_index == snapshot_index and node.commit_index == snapshot_index
    assert c.state_machines[2].snapshot() == node.snapshot.data
    restart = [r for r in c.trace if r.kind == "restart"][-1]
    assert restart.data["snapshot"] == snapshot_index
    assert f"a snapshot through index {snapshot_index}" in restart.sentence
    assert c.run_until(lambda c: caught_up(c, 2), 1000)
    assert c.state_machine(2) == before


def test_the_snapshot_carries_the_client_sessions():
    """§8 and dissertation §6.3: the table of client sessions (the highest command number
    applied per client) is part of the state machine, so a snapshot carries it. A follower that
    got everything by a snapshot still applies a retried command only once."""
    c = Cluster(size=3, seed=8, snapshot_threshold=5, check_invariants=True).elect(1)
    c.crash(3)
    c.submit("x=1", client_id="alice", seq=1)
    c.submit("x=2", client_id="bob", seq=1)
    load(c, 12)
    c.restart(3)
    assert c.run_until(lambda c: caught_up(c, 3), 2000)
    assert dict(c.state_machines[3].snapshot().sessions)["alice"] == (1, None)   # (seq, result)
    c.submit("x=1", client_id="alice", seq=1)          # alice retries (her reply was lost)
    assert c.run_until(lambda c: caught_up(c, 3), 1000)
    assert c.state_machine(3)["x"] == c.state_machine(1)["x"] == "2"


def test_a_new_server_joins_through_a_snapshot():
    """§6 with §7: a server added to a cluster whose log was compacted catches up as a
    non-voting member from the leader's snapshot, which carries the configuration, then votes."""
    c = Cluster(size=3, seed=10, snapshot_threshold=6, check_invariants=True).elect(1)
    load(c, 20)
    c.change_membership([1, 2, 3, 4])
    assert c.run_until(lambda c: not c.nodes[1].config_change_in_progress(), 3000)
    load(c, 8, start=20)
    assert c.run_until(lambda c: caught_up(c, 4), 1000)
    assert any(r.node == 4 and r.rule == "is-discard" for r in c.trace)
    assert c.nodes[4].config.voters == frozenset({1, 2, 3, 4})
    assert c.state_machine(4) == c.state_machine(1)


def test_compaction_is_off_by_default():
    """Without snapshot_threshold (and no compact call) nothing is compacted and no snapshot is
    ever sent: chapters 2-8 run exactly Figure 2."""
    c = Cluster(size=3, seed=2).elect(1)
    load(c, 30)
    c.run(300)
    assert c.snapshot_threshold is None
    assert all(c.nodes[i].snapshot is None and c.nodes[i].log.snapshot_index == 0 for i in c.ids)
    assert c.stats["InstallSnapshot"] == 0 and "snapshot_threshold" not in c.scenario_text()


def test_compact_by_hand_and_in_a_scenario():
    """``Cluster.compact(i)`` (scenario: ``compact N``) takes a snapshot now, with or without a
    threshold; the scenario text replays it."""
    c = Cluster(size=3, seed=3, check_invariants=True).elect(1)
    load(c, 6)
    c.run(100)
    c.compact(2)
    assert c.nodes[2].log.snapshot_index == c.nodes[2].last_applied == 7
    assert "compact 2" in c.scenario_text()
    replayed = scenario.run(c.scenario_text())
    assert replayed.nodes[2].snapshot == c.nodes[2].snapshot
    text = "cluster size=3 seed=1 snapshot_threshold=4\nelect 1\n" + "".join(
        f"submit k={k}\nrun 20ms\n" for k in range(10)) + "run 200ms\ncompact 1\n"
    run = scenario.run(text)
    assert run.snapshot_threshold == 4 and run.nodes[1].log.entries == []


# -- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, -3, 1.5, True, "10"])
def test_snapshot_threshold_must_be_a_positive_integer(value):
    with pytest.raises(ConfigurationError, match=f"snapshot_threshold.*{value!r}"):
        Cluster(size=3, snapshot_threshold=value)


def test_compact_refuses_what_it_cannot_do():
    c = Cluster(size=3, seed=3).elect(1)
    with pytest.raises(ConfigurationError, match="S2 has applied nothing since its last snapshot"):
        c.compact(2)
    load(c, 3)
    c.run(100)
    c.compact(2)
    with pytest.raises(ConfigurationError, match="through index 4"):
        c.compact(2)
    c.crash(3)
    with pytest.raises(NodeCrashed):
        c.compact(3)
    with pytest.raises(UnknownNode):
        c.compact(9)


def test_the_store_snapshot_is_plain_sorted_data():
    store = KeyValueStore()
    for seq, command in enumerate(["b=2", "a=1", "del b", "c=3"], 1):
        store.apply(Entry(1, command, "zed" if seq % 2 else 7, seq))
    snap = store.snapshot()
    assert snap == StoreSnapshot(data=(("a", "1"), ("c", "3")), sessions=((7, (4, None)),
                                                                          ("zed", (3, None))))
    other = KeyValueStore()
    other.restore(snap)
    assert other.data == store.data and other.snapshot() == snap and other.applied == []
    with pytest.raises(CommandError, match="restores from a StoreSnapshot, got dict"):
        other.restore({"a": "1"})


# -- the checker sees wrong snapshots ------------------------------------------------------------

class ForgetsToRestore(Node):
    """Installs a snapshot but never asks for its state machine to be reset (rule 8 skipped)."""

    def handle_install_snapshot(self, msg, now):
        super().handle_install_snapshot(msg, now)
        self.out.restore = False


class SnapshotsWithTheWrongTerm(Node):
    """Records the term of the entry *after* the snapshot's last included index."""

    def compact(self, index, data):
        super().compact(index, data)
        term = self.log.entries[0].term + 1 if self.log.entries else self.snapshot.last_included_term + 1
        self.snapshot = type(self.snapshot)(index, term, self.snapshot.config,
                                            self.snapshot.config_index, data)
        self.out.snapshot = self.snapshot


class CompactsOneTooMany(Node):
    """Discards one entry more than its snapshot holds."""

    def compact(self, index, data):
        super().compact(index, data)
        if self.log.entries:
            del self.log.entries[0]


@pytest.mark.parametrize("bug, prop", [(ForgetsToRestore, "State Machine Safety"),
                                       (SnapshotsWithTheWrongTerm, "State Machine Safety"),
                                       (CompactsOneTooMany, "Leader Append-Only")])
def test_the_checker_catches_wrong_snapshots(bug, prop):
    """Three broken servers, on the lagging-follower story: the checker raises at the step the
    wrong snapshot (or the state machine it leaves behind) shows; correct servers pass. A state
    machine never reset shows in the next snapshot it takes; a wrong last included term at once;
    a leader discarding an entry its snapshot does not hold breaks Leader Append-Only."""
    def story(node_class):
        c = Cluster(size=3, seed=4, snapshot_threshold=5, check_invariants=True,
                    node_class=node_class).elect(1)
        c.crash(3)
        load(c, 12)
        c.restart(3)
        c.run(400)
        load(c, 12, start=12)
        c.run(400)
        return c

    with pytest.raises(InvariantViolation) as caught:
        story(bug)
    assert caught.value.prop == prop
    c = story(Node)
    assert not c.checker.violations and c.stats["InstallSnapshot"] > 0
