"""Log compaction and InstallSnapshot, one small test per rule (§7, Figures 12 and 13), on single
servers driven by hand (sans-IO), in the style of tests/test_core_rules.py.

Each test arranges a server's state, acts with one input (a message, a tick, a call of
``compact``) and checks what the server did and sent. "§7" is the extended Raft paper's section
on log compaction; "Figure 13" its InstallSnapshot RPC; "dissertation §5.1" Ongaro's
dissertation on snapshotting memory-based state machines.
"""

import random

import pytest

from raft.errors import ConfigurationError, LogCompacted, RaftError
from raft.node import (CANDIDATE, FOLLOWER, LEADER, AppendEntries, AppendEntriesReply,
                       CompactedLog, Configuration, Entry, InstallSnapshot, InstallSnapshotReply,
                       Log, Node, RequestVoteReply, Snapshot)

ELECTION = (150, 300)
HEARTBEAT = 50
THREE = Configuration(frozenset({1, 2, 3}))


def make(node_id=1, terms=(), term=None, snapshot=None, **options):
    """A server of the cluster {1, 2, 3} whose log holds entries of the given terms (after the
    snapshot's last included index, if a snapshot is given)."""
    first = snapshot.last_included_index + 1 if snapshot else 1
    log = [Entry(t, f"v{i}=1") for i, t in enumerate(terms, first)]
    if term is None:
        term = max(list(terms) + [snapshot.last_included_term if snapshot else 0])
    return Node(node_id, THREE, rng=random.Random(node_id), election_timeout=ELECTION,
                heartbeat_interval=HEARTBEAT, current_term=term, log=log, snapshot=snapshot,
                **options)


def applied_through(node, index):
    """Let ``node`` (a follower) learn that everything up to ``index`` is committed, and apply it."""
    last = node.log.last_index
    node.step(AppendEntries(src=2, dst=node.id, term=node.current_term, leader_id=2,
                            prev_log_index=last, prev_log_term=node.log.term_at(last),
                            entries=(), leader_commit=index), 0.0)
    assert node.last_applied == index
    node.ready()


def make_leader(terms, term, now=0.0):
    """Server 1, leader of ``term`` in {1, 2, 3}, its log holding entries of ``terms`` (plus the
    no-op it appends on winning); every earlier entry committed and applied."""
    node = make(1, terms, term=term - 1)
    node.timeout_now(now)
    for peer in (2, 3):
        node.step(RequestVoteReply(src=peer, dst=1, term=term, vote_granted=True), now)
    assert node.role == LEADER
    for peer in (2, 3):   # both followers store everything: all of it commits
        node.step(AppendEntriesReply(src=peer, dst=1, term=term, success=True,
                                     match_index=node.log.last_index), now)
    assert node.last_applied == node.log.last_index
    node.ready()
    return node


def snapshot(index=4, term=2, config=THREE, config_index=0, data="state@4"):
    return Snapshot(index, term, config, config_index, data)


def install(index=4, term=2, leader_term=3, data="state@4", config=THREE, config_index=0,
            src=2, dst=1):
    return InstallSnapshot(src=src, dst=dst, term=leader_term, leader_id=src,
                           last_included_index=index, last_included_term=term, data=data,
                           config=config, config_index=config_index)


def sent(node, kind=None):
    out = node.ready()
    return [m for m in out.messages if kind is None or isinstance(m, kind)]


# -- the log keeps absolute indexes ------------------------------------------------------------

def test_a_compacted_log_keeps_absolute_indexes():
    """§7: after compaction the log still numbers entries as before; the snapshot's last
    included index and term stand in for the discarded prefix (lastIncludedIndex/Term)."""
    log = Log([Entry(1), Entry(1), Entry(2), Entry(2), Entry(3)]).compact(3, 2)
    assert isinstance(log, CompactedLog)
    assert (log.snapshot_index, log.snapshot_term, log.first_index) == (3, 2, 4)
    assert log.last_index == len(log) == 5 and log.last_term == 3
    assert log[4] == Entry(2) and log[5] == Entry(3) and log[4:6] == [Entry(2), Entry(3)]
    assert log.term_at(3) == 2 and log.term_at(5) == 3 and log.terms() == [2, 3]
    # Compacting again keeps the entries after the new index, in the same object.
    assert log.compact(4, 2) is log and log.terms() == [3] and log.snapshot_index == 4
    # A log with nothing after its snapshot: the last entry is the snapshot's.
    empty = Log([Entry(1)]).compact(1, 1)
    assert (empty.last_index, empty.last_term, empty.entries) == (1, 1, [])


def test_a_plain_log_has_no_snapshot():
    """With no compaction (the default) the log is Figure 2's: it starts at index 1."""
    log = Log([Entry(1)])
    assert (log.snapshot_index, log.snapshot_term, log.first_index) == (0, 0, 1)
    assert log.term_at(0) == 0 and log[1] == Entry(1)


@pytest.mark.parametrize("ask", ["item", "term", "slice", "delete"])
def test_asking_for_a_compacted_index_raises_a_clear_error(ask):
    """An index inside the snapshot is gone: asking for it is an error that names the index and
    where the log now starts, not a silent wrong entry (a RaftError and an IndexError)."""
    log = Log([Entry(1)] * 6).compact(4, 1)
    call = {"item": lambda: log[2], "term": lambda: log.term_at(2),
            "slice": lambda: log[2:6], "delete": lambda: log.delete_from(3)}[ask]
    with pytest.raises(LogCompacted, match=r"index (2|3) was compacted.*starts at 5") as caught:
        call()
    assert isinstance(caught.value, RaftError) and isinstance(caught.value, IndexError)
    assert caught.value.snapshot_index == 4


# -- taking a snapshot (§7, Figure 12) ---------------------------------------------------------

def test_compact_discards_the_prefix_and_keeps_index_term_and_configuration():
    """Figure 12 / §7: a server replaces the committed entries of its log up to an index with a
    snapshot of its state machine, which keeps the last included index and term and the latest
    configuration as of that index; the entries after it stay. The snapshot is persistent
    state: the node asks for it (and the log from its new start) to be written."""
    node = make(1, [1, 1, 2, 2, 3], term=3)
    applied_through(node, 4)
    node.compact(3, data="state@3")
    assert node.snapshot == Snapshot(3, 2, THREE, 0, "state@3")
    assert node.log.snapshot_index == 3 and node.log.terms() == [2, 3]
    out = node.ready()
    assert out.snapshot is node.snapshot and out.persist_log_from == 4 and not out.restore
    assert [(n.kind, n.rule, n.data) for n in out.notes] == [
        ("snapshot", "snap-take", {"index": 3, "term": 2, "discarded": 3})]


def test_compact_covers_only_applied_entries():
    """§7: each server snapshots only what its state machine has applied (so only committed
    entries); a snapshot through an index it has not applied, or no newer than the one it
    holds, is refused with an error naming the index."""
    node = make(1, [1, 1, 2], term=2)
    applied_through(node, 2)
    with pytest.raises(ConfigurationError, match="through index 3.*applied only up to index 2"):
        node.compact(3, data="x")
    node.compact(2, data="x")
    with pytest.raises(ConfigurationError, match="already holds a snapshot through index 2"):
        node.compact(1, data="y")
    with pytest.raises(ConfigurationError, match="a log index"):
        node.compact("2", data="y")
    assert node.snapshot.last_included_index == 2


def test_snapshot_holds_the_latest_configuration_as_of_its_index():
    """§7 / §6: the snapshot keeps the latest configuration up to its last included index (one
    in a later entry is still in the log); the server keeps using the latest one it has."""
    joint = Configuration(frozenset({1, 2, 3, 4}), frozenset({1, 2, 3}))
    new = Configuration(frozenset({1, 2, 3, 4}))
    log = [Entry(1, "a=1"), Entry(1, joint), Entry(1, "b=2"), Entry(1, new)]
    node = Node(1, THREE, rng=random.Random(1), current_term=1, log=log)
    applied_through(node, 4)
    node.compact(3, data="s")
    assert (node.snapshot.config, node.snapshot.config_index) == (joint, 2)
    assert node.config == new and node.config_index == 4
    node.compact(4, data="t")
    assert (node.snapshot.config, node.snapshot.config_index) == (new, 4)
    assert node.config == new and node.config_index == 4


# -- the leader sends its snapshot (§7) ---------------------------------------------------------

def test_leader_sends_install_snapshot_when_the_next_entry_is_gone():
    """§7: the leader sends InstallSnapshot to a follower that lags so far behind that the
    next entry it needs was already discarded; the message carries Figure 13's arguments."""
    leader = make_leader([1, 1, 1, 1], term=2)          # indexes 1-4, no-op at 5
    leader.compact(5, data="state@5")
    leader.next_index[3] = 2                             # S3 still needs index 2
    leader.tick(leader.heartbeat_due)
    msg = next(m for m in sent(leader) if m.dst == 3)
    assert msg == InstallSnapshot(src=1, dst=3, term=2, leader_id=1, last_included_index=5,
                                  last_included_term=2, data="state@5", config=THREE,
                                  config_index=0)


def test_leader_sends_a_snapshot_once_per_heartbeat_interval():
    """A snapshot can be large: while one is on its way the leader does not resend it with
    every AppendEntries it would have sent (client commands, here every 10 ms); it resends it
    once a heartbeat interval has passed with no answer, in case it was lost."""
    leader = make_leader([1, 1, 1, 1], term=2)
    leader.compact(5, data="s")
    leader.next_index[3] = 2
    now, snapshots = 0.0, []
    for k in range(12):                       # a client command every 10 ms for 120 ms
        now += 10
        leader.propose(f"x={k}", now)
        snapshots += [now for m in sent(leader, InstallSnapshot) if m.dst == 3]
    assert snapshots == [10.0, 60.0, 110.0]  # once per heartbeat interval (50 ms), not 12 times
    leader.step(InstallSnapshotReply(src=3, dst=1, term=2, last_included_index=5), now)
    assert leader.next_index[3] == 6 and not sent(leader, InstallSnapshot)


def test_leader_sends_append_entries_after_the_snapshot_index():
    """§7: the snapshot keeps its last included index and term so that the consistency check of
    the first AppendEntries after it still works: a follower that needs only what follows the
    snapshot gets AppendEntries whose prev_log_term is the snapshot's last included term."""
    leader = make_leader([1, 1, 1], term=2)              # no-op at 4
    leader.compact(3, data="s")
    leader.propose("x=1", 0.0)
    leader.ready()
    leader.next_index[2] = 4
    leader.tick(leader.heartbeat_due)
    msg = next(m for m in sent(leader) if m.dst == 2)
    assert isinstance(msg, AppendEntries)
    assert (msg.prev_log_index, msg.prev_log_term, len(msg.entries)) == (3, 1, 2)


def test_acknowledged_snapshot_moves_match_index_and_replication_goes_on():
    """§7: once the follower holds the snapshot, it matches the leader up to the snapshot's last
    included index; the leader sends the entries after it with AppendEntries."""
    leader = make_leader([1, 1, 1], term=2)              # no-op at 4
    leader.compact(3, data="s")
    leader.propose("x=1", 0.0)                           # index 5
    leader.ready()
    leader.next_index[3], leader.match_index[3] = 1, 0
    leader.step(InstallSnapshotReply(src=3, dst=1, term=2, last_included_index=3), 0.0)
    assert (leader.match_index[3], leader.next_index[3]) == (3, 4)
    out = leader.ready()
    assert [(n.kind, n.rule) for n in out.notes][0] == ("matched", "snap-matched")
    msg = out.messages[0]
    assert isinstance(msg, AppendEntries) and (msg.prev_log_index, len(msg.entries)) == (3, 2)
    # A late duplicate of the same reply moves nothing back.
    leader.match_index[3], leader.next_index[3] = 5, 6
    leader.step(InstallSnapshotReply(src=3, dst=1, term=2, last_included_index=3), 0.0)
    assert (leader.match_index[3], leader.next_index[3]) == (5, 6)


def test_a_reply_of_an_earlier_term_is_ignored():
    leader = make_leader([1, 1, 1], term=3)
    leader.next_index[3], leader.match_index[3] = 1, 0
    leader.step(InstallSnapshotReply(src=3, dst=1, term=2, last_included_index=3), 0.0)
    assert leader.match_index[3] == 0
    assert [(n.kind, n.rule) for n in leader.ready().notes] == [("ignore", "reply-stale")]


# -- InstallSnapshot receiver (Figure 13) -------------------------------------------------------

def test_receiver_1_replies_at_once_to_a_stale_term():
    """Figure 13, receiver rule 1: reply immediately if term < current_term (the reply carries
    the current term, so the stale leader steps down); nothing changes."""
    node = make(1, [1, 1, 3], term=3)
    node.step(install(leader_term=2), 0.0)
    out = node.ready()
    assert out.messages == [InstallSnapshotReply(src=1, dst=2, term=3, last_included_index=0)]
    assert node.snapshot is None and node.log.terms() == [1, 1, 3] and out.snapshot is None
    assert [(n.kind, n.rule) for n in out.notes] == [("install", "is-stale")]


def test_receiver_5_keeps_a_snapshot_at_least_as_new():
    """Figure 13, receiver rule 5: a snapshot replaces only an older one; one with an index no
    greater than the snapshot the server holds (a late or duplicated message) changes
    nothing, and is acknowledged."""
    held = snapshot(index=6, term=2, data="state@6")
    node = make(1, [2, 3], term=3, snapshot=held)
    node.step(install(index=4, term=2, leader_term=3), 0.0)
    out = node.ready()
    assert node.snapshot is held and node.log.snapshot_index == 6 and out.snapshot is None
    assert out.messages == [InstallSnapshotReply(src=1, dst=2, term=3, last_included_index=4)]
    assert ("install", "is-old") in [(n.kind, n.rule) for n in out.notes]


def test_receiver_6_keeps_the_entries_after_a_snapshot_its_log_already_has():
    """Figure 13, receiver rule 6: if the log holds an entry with the snapshot's last included
    index and term, the entries that follow it are kept (and the prefix is dropped, the
    snapshot replacing it). Its state machine had applied past that index: no reset."""
    node = make(1, [1, 2, 2, 2, 3, 3], term=3)
    applied_through(node, 5)
    node.step(install(index=4, term=2, leader_term=3, data="state@4"), 0.0)
    out = node.ready()
    assert node.log.snapshot_index == 4 and node.log.terms() == [3, 3]
    assert node.snapshot == Snapshot(4, 2, THREE, 0, "state@4") and out.snapshot is node.snapshot
    assert not out.restore and node.last_applied == 5 and node.commit_index == 5
    assert ("install", "is-retain") in [(n.kind, n.rule) for n in out.notes]
    assert out.messages == [InstallSnapshotReply(src=1, dst=2, term=3, last_included_index=4)]


def test_receiver_6_resets_the_state_machine_if_it_had_not_applied_that_far():
    """Figure 13 leaves one case open: after rule 6 the prefix is gone, so a state machine that
    had not yet applied up to the snapshot's index could never catch up from the log. It is
    reset from the snapshot (rule 8), as after rule 7; the entries after it stay."""
    node = make(1, [1, 2, 2, 2, 3, 3], term=3)
    applied_through(node, 1)
    node.step(install(index=4, term=2, leader_term=3), 0.0)
    out = node.ready()
    assert out.restore and node.last_applied == 4 and node.commit_index == 4
    assert node.log.terms() == [3, 3]
    assert [(n.kind, n.rule) for n in out.notes][-1] == ("restore", "is-restore")


def test_receiver_7_discards_the_entire_log_otherwise():
    """Figure 13, receiver rule 7: a log without the snapshot's last included entry (too short,
    or with another term there) is discarded entirely."""
    for terms in ([1, 1], [1, 1, 1, 1, 1, 1]):        # too short; term 1 at index 4, not 2
        node = make(1, terms, term=2)
        node.step(install(index=4, term=2, leader_term=3), 0.0)
        out = node.ready()
        assert node.log.snapshot_index == 4 and node.log.entries == [] and node.log.last_index == 4
        assert ("install", "is-discard") in [(n.kind, n.rule) for n in out.notes]


def test_receiver_8_resets_the_state_machine_and_loads_the_configuration():
    """Figure 13, receiver rule 8: reset the state machine using the snapshot's contents (the
    node asks its caller to, through Ready.restore; entries it had not handed over yet are in
    the snapshot) and load the snapshot's configuration. Everything in it is committed."""
    bigger = Configuration(frozenset({1, 2, 3, 4}))
    node = Node(4, Configuration(frozenset()), rng=random.Random(4))   # a brand-new server
    node.step(install(index=9, term=3, leader_term=3, data="state@9", config=bigger,
                      config_index=7, dst=4), 0.0)
    out = node.ready()
    assert out.restore and out.snapshot.data == "state@9" and out.apply == []
    assert (node.last_applied, node.commit_index) == (9, 9)
    assert node.config == bigger and node.config_index == 7
    assert ("config", "config-latest") in [(n.kind, n.rule) for n in out.notes]
    assert out.messages == [InstallSnapshotReply(src=4, dst=2, term=3, last_included_index=9)]


def test_install_snapshot_comes_from_the_current_leader():
    """As with AppendEntries (§5.2): a candidate that receives InstallSnapshot from a leader of
    its term becomes a follower, and every receiver notes the leader and restarts its election
    timer."""
    node = make(1, [1], term=2)
    node.timeout_now(0.0)                               # candidate in term 3
    node.ready()
    assert node.role == CANDIDATE
    node.step(install(index=4, term=2, leader_term=3), 100.0)
    assert node.role == FOLLOWER and node.leader_id == 2 and node.last_heard == 100.0
    assert node.election_deadline >= 100.0 + ELECTION[0]


def test_a_leader_refuses_a_snapshot_of_its_own_term():
    """Two leaders in one term: only the unsafe membership switch allows it; refuse."""
    leader = make_leader([1], term=2)
    leader.step(install(index=1, term=1, leader_term=2, src=3), 0.0)
    assert leader.role == LEADER and leader.snapshot is None
    assert [(n.kind, n.rule) for n in leader.ready().notes] == [("install", "ae-two-leaders")]


def test_install_is_saved_before_the_reply_is_sent():
    """Persist before you reply (Figure 2, and Figure 13's rule 5 saves the snapshot): the
    snapshot and the reply come out in the same Ready, snapshot first in the caller's order."""
    node = make(1, [1], term=3)
    node.step(install(index=4, term=2, leader_term=3), 0.0)
    out = node.ready()
    assert out.snapshot is not None and out.persist_log_from == 5 and out.messages


# -- the consistency check meets a snapshot -----------------------------------------------------

def test_append_entries_reaching_into_the_snapshot_is_read_from_its_end():
    """A late or duplicated AppendEntries whose prev_log_index lies inside the snapshot: the
    snapshot holds only committed entries, which the current leader holds too, so the message
    is read from the snapshot's last included index on. New entries past it are appended."""
    node = make(1, [2, 2], term=2, snapshot=snapshot(index=4, term=2))   # log 5-6
    msg = AppendEntries(src=2, dst=1, term=2, leader_id=2, prev_log_index=2, prev_log_term=1,
                        entries=(Entry(2), Entry(2), Entry(2), Entry(2), Entry(2)),
                        leader_commit=6)                                   # indexes 3-7
    node.step(msg, 0.0)
    out = node.ready()
    assert out.messages[0].success and out.messages[0].match_index == 7
    assert node.log.last_index == 7 and node.log.snapshot_index == 4
    # Entirely inside the snapshot: success, matching up to the snapshot's end.
    node.step(msg._replace(entries=(Entry(2),), leader_commit=3), 0.0)
    reply = node.ready().messages[0]
    assert reply.success and reply.match_index == 4 and node.log.last_index == 7


def test_fast_backoff_hint_stops_at_the_snapshot():
    """The faster back-off of §5.3 walks back over a term's entries; it never walks into the
    snapshot (whose entries are committed, so never the conflict)."""
    node = make(1, [3, 3, 3], term=4, snapshot=snapshot(index=4, term=3), fast_backoff=True)
    node.step(AppendEntries(src=2, dst=1, term=4, leader_id=2, prev_log_index=7,
                            prev_log_term=4, entries=(), leader_commit=4), 0.0)
    reply = node.ready().messages[0]
    assert not reply.success and reply.conflict_index == 5 and reply.conflict_term == 3


# -- restarting from a snapshot (§7) --------------------------------------------------------------

def test_a_server_restarts_from_its_snapshot_plus_its_log():
    """§7: a restarted server loads its snapshot (what it holds is committed and applied: its
    state machine is rebuilt from it) and the log entries after it."""
    config = Configuration(frozenset({1, 2}))
    node = Node(1, THREE, rng=random.Random(1), current_term=3,
                log=[Entry(3, "x=1")], snapshot=snapshot(index=4, term=2, config=config,
                                                         config_index=2))
    assert (node.commit_index, node.last_applied, node.log.last_index) == (4, 4, 5)
    assert node.log.snapshot_index == 4 and node.log[5] == Entry(3, "x=1")
    assert node.config == config and node.config_index == 2
    assert node.log.last_term == 3 and node.log.term_at(4) == 2
