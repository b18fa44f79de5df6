"""The Raft algorithm, one server at a time: read this beside Figure 2 of the paper.

Theory of operation
-------------------
A :class:`Node` is one Raft server with no input or output of its own. Three kinds of input
reach it, always together with the current time ``now`` (simulated milliseconds), which it only
reads and never asks for:

* ``node.step(message, now)``: a message arrived (an RPC request or an RPC reply);
* ``node.tick(now)``: time passed, so a timer may have fired (election timeout, heartbeat);
* ``node.propose(...)`` / ``node.change_membership(...)``: a client asks for something.

Each input may produce output, collected until the caller takes it with ``node.ready()``:
messages to send, whether the persistent state changed (and from which log index), the
committed entries to apply to the state machine, and *notes* (structured records of what
happened and which rule of the paper caused it, which the simulator turns into its trace).
The caller must write the persistent state to stable storage *before* it sends the messages
(Figure 2: "Updated on stable storage before responding to RPCs").

Randomness (the election timeout, §5.2) comes from an ``rng`` given to the node, so the same
seed always replays the same run. Nothing here opens a socket, reads a clock or draws a picture.

The paper cited throughout is "In Search of an Understandable Consensus Algorithm (Extended
Version)" by Diego Ongaro and John Ousterhout (2014); "§5.3" means its section 5.3. A few
rules come from Ongaro's dissertation ("Consensus: Bridging Theory and Practice", 2014) and
say so.

Where each rule of Figure 2 lives
---------------------------------
State ........................... ``Node.__init__``, under Figure 2's three headings
AppendEntries RPC (arguments) ... ``AppendEntries``; its reply ``AppendEntriesReply``
  receiver rules 1-5 ............ ``Node.handle_append_entries``, one numbered comment each:
                                  2 ``log_matches``, 3 ``find_conflict`` and ``truncate_log``,
                                  4 ``append_entries_to_log``, 5 ``set_commit_index``
RequestVote RPC (arguments) ..... ``RequestVote``; its reply ``RequestVoteReply``
  receiver rules 1-2 ............ ``Node.handle_request_vote``; "at least as up-to-date" is
                                  ``candidate_log_is_up_to_date`` (§5.4.1)
Rules for Servers
  All Servers: apply ............ ``Node.apply_committed`` (called by ``set_commit_index``)
  All Servers: newer term ....... ``Node.adopt_newer_term``, which ``Node.step`` applies to
                                  every message before ``Node.dispatch`` hands it on
  Followers ..................... answer through ``dispatch``; time out in ``Node.tick``
  Candidates .................... ``Node.start_election``; ``count_votes`` and
                                  ``become_leader``; give up in ``handle_append_entries``;
                                  time out again in ``tick``
  Leaders ....................... heartbeats: ``become_leader``, ``tick`` and
                                  ``broadcast_append_entries``; client commands: ``propose``;
                                  replication: ``send_append_entries``; replies:
                                  ``handle_append_entries_reply``; commit:
                                  ``advance_commit_index``
Role changes (Figure 4) ......... ``TRANSITIONS``, enforced by ``Node.become``

Beyond Figure 2, each marked where it is: the no-op of a new leader (§8, ``become_leader``),
batching and ``sent_index`` (``send_append_entries``), ``AppendEntriesReply.match_index`` and
its conflict hint, and, in the section "Beyond Figure 2" at the end of ``Node``: forced elections
(``timeout_now``), the §6 disruption guard (``_ignores_request_vote``, called first thing in
``step``), the faster back-off of §5.3 (``_conflict_hint``) and membership changes (§6). The
mechanisms of real deployments follow there, each reached from Figure 2's code by one marked
line and idle until used: log compaction (§7, Figures 12 and 13: ``compact``,
``send_install_snapshot``, ``handle_install_snapshot`` and its reply,
``skip_snapshotted_entries``; the log past a snapshot is a ``CompactedLog``; nothing runs until
the application calls ``compact``), pre-vote (dissertation §9.6, ``pre_vote``), check-quorum
(§6.2, ``check_quorum``), both switches off by default, leadership transfer (§3.10,
``transfer_leadership``), single-server membership changes with non-voting servers (§4.1,
``add_server``, ``promote``, ``remove_server``) and reads that bypass the log (dissertation
§6.4: ``reads`` chooses ReadIndex, leases or follower reads; ``read_index``, ``leader_read``,
``confirm_reads``, ``extend_lease``, ``lease_holds``; the messages ``READ_MESSAGE_TYPES``), off
by default.

The hooks a subclass (a lab, a bug of the zoo) may override or call are listed in ``Node``'s
docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from . import checks
from .errors import (ConfigurationError, LeadershipTransferInProgress, LogCompacted,
                     MembershipChangeInProgress, NotLeader)

FOLLOWER = "follower"
CANDIDATE = "candidate"
LEADER = "leader"

# The role transitions of Figure 4, as data. The role diagram in the book is drawn from this
# table, and `Node._become` refuses any transition that is not in it.
TRANSITIONS = {
    (FOLLOWER, CANDIDATE): "times out, starts election",
    (CANDIDATE, CANDIDATE): "times out, new election",
    (CANDIDATE, LEADER): "receives votes from a majority of servers",
    (CANDIDATE, FOLLOWER): "discovers current leader or new term",
    (LEADER, FOLLOWER): "discovers server with higher term, or is removed (§6)",
}

# The rules of Figure 2 (and a few from later sections), in our own words. Every note a node
# writes names the rule that made it act, so a picture can say *why* something happened.
RULES = {
    "all-term": "All servers: a message with a higher term makes a server adopt that term "
                "and become a follower (§5.1).",
    "all-apply": "All servers: when commit_index > last_applied, apply the next entry (§5.3).",
    "follower-timeout": "Followers: if the election timeout passes with no AppendEntries from "
                        "the current leader and no vote granted, become a candidate (§5.2).",
    "candidate-start": "Candidates: on becoming candidate, increment current_term, vote for "
                       "self, reset the election timer, send RequestVote to all servers (§5.2).",
    "candidate-count": "Candidates: a vote granted in the current term counts towards the "
                       "majority; each server votes at most once per term (§5.2).",
    "candidate-win": "Candidates: with votes from a majority, become leader (§5.2).",
    "candidate-leader-found": "Candidates: an AppendEntries from the new leader makes the "
                              "candidate a follower (§5.2).",
    "candidate-timeout": "Candidates: if the election timeout passes, start a new election "
                         "(§5.2).",
    "candidate-forced": "Not in Figure 2: a server told to campaign now (a forced timeout, as "
                        "leadership transfer uses, dissertation §3.10) becomes a candidate at "
                        "once, as if its election timer had fired.",
    "leader-heartbeat": "Leaders: send AppendEntries (empty if nothing is new) to every "
                        "server, and repeat during idle periods (§5.2).",
    "leader-noop": "Leaders: at the start of its term a leader appends a no-op entry, so "
                   "entries of earlier terms get committed (§8, §5.4.2).",
    "leader-client": "Leaders: a client command is appended to the local log (§5.3).",
    "leader-replicate": "Leaders: if last log index >= next_index of a follower, send "
                        "AppendEntries with the entries from next_index (§5.3).",
    "leader-success": "Leaders: on success, update next_index and match_index (§5.3).",
    "leader-backoff": "Leaders: on failure because of a log inconsistency, decrease "
                      "next_index and retry (§5.3).",
    "leader-commit": "Leaders: if a majority has match_index >= N and log[N].term == "
                     "current_term, set commit_index = N (§5.3, §5.4).",
    "rv-stale": "RequestVote receiver 1: reply false if term < current_term (§5.1).",
    "rv-grant": "RequestVote receiver 2: grant the vote if voted_for is null or the "
                "candidate, and the candidate's log is at least as up-to-date (§5.2, §5.4).",
    "rv-refuse": "RequestVote receiver 2, the other outcome: refuse the vote if this server "
                 "already voted for another candidate in this term, or the candidate's log is "
                 "less up-to-date than its own (§5.2, §5.4.1).",
    "rv-ignore": "A server that heard from a current leader within the minimum election "
                 "timeout ignores RequestVote (§6).",
    "ae-stale": "AppendEntries receiver 1: reply false if term < current_term (§5.1).",
    "ae-two-leaders": "Not in Figure 2: a leader refuses AppendEntries from another leader of "
                      "its own term. Election Safety is already broken then; only the unsafe "
                      "membership switch of Figure 10 can cause it.",
    "ae-mismatch": "AppendEntries receiver 2: reply false if the log has no entry at "
                   "prev_log_index with term prev_log_term (§5.3).",
    "ae-truncate": "AppendEntries receiver 3: if an existing entry conflicts with a new one "
                   "(same index, different term), delete it and all that follow (§5.3).",
    "ae-append": "AppendEntries receiver 4: append any new entries not already in the log "
                 "(§5.3).",
    "ae-commit": "AppendEntries receiver 5: if leader_commit > commit_index, set commit_index "
                 "= min(leader_commit, index of last new entry) (§5.3).",
    "reply-stale": "A reply from an earlier term, or to a role this server no longer has, is "
                   "ignored.",
    "config-latest": "A server always uses the latest configuration in its log, committed or "
                     "not (§6).",
    "config-begin": "To change the configuration, the leader appends C_old,new to its log "
                    "(once new servers have caught up) and replicates it (§6).",
    "config-joint": "Once C_old,new is committed, the leader appends C_new (§6).",
    "config-removed": "A leader that is not in C_new steps down once C_new is committed (§6).",
    "config-catchup": "New servers first join as non-voting members and catch up (§6).",
    "config-unsafe": "Not a rule but the mistake Figure 10 warns about, kept for the book: "
                     "the leader appends C_new directly, without C_old,new (§6).",
    # Beyond Figure 2: log compaction (§7, Figures 12 and 13), off unless snapshots are taken.
    "snap-take": "Log compaction (§7): a server snapshots its state machine as of an applied "
                 "index, keeping that index's term and the latest configuration, and discards "
                 "the log up to that index.",
    "snap-send": "Log compaction (§7): when the leader has already discarded the next entry a "
                 "follower needs, it sends that follower its snapshot (InstallSnapshot).",
    "snap-matched": "Log compaction (§7): once a follower acknowledges a snapshot, the leader "
                    "sets its match_index to the snapshot's last included index and goes on "
                    "with AppendEntries from the next one.",
    "is-stale": "InstallSnapshot receiver 1: reply immediately if term < current_term "
                "(Figure 13).",
    "is-old": "InstallSnapshot receiver 5: only a snapshot with a smaller index is discarded; a "
              "server keeps one at least as new as the snapshot it receives (Figure 13).",
    "is-retain": "InstallSnapshot receiver 6: if the log holds an entry with the snapshot's "
                 "last included index and term, keep the entries that follow it (Figure 13).",
    "is-discard": "InstallSnapshot receiver 7: otherwise discard the entire log (Figure 13).",
    "is-restore": "InstallSnapshot receiver 8: reset the state machine using the snapshot's "
                  "contents, and load the snapshot's configuration (Figure 13).",
    # -- beyond Figure 2: the mechanisms of real deployments, each behind a switch ---------------
    "pv-start": "Pre-vote (dissertation §9.6): a server whose election timer fires first asks "
                "the others whether they would vote for it in the next term; its own term "
                "does not change yet.",
    "pv-grant": "Pre-vote: a server answers yes if the proposed term is above its own and the "
                "candidate's log is at least as up-to-date as its own; it changes neither its "
                "term nor its vote.",
    "pv-refuse": "Pre-vote: a server answers no if the proposed term is not above its own or "
                 "the candidate's log is less up-to-date than its own.",
    "pv-count": "Pre-vote: the server counts each yes for the term it proposed.",
    "pv-win": "Pre-vote: with yes from a majority the server starts a real election (§5.2).",
    "cq-step-down": "Check-quorum (dissertation §6.2): a leader that has not heard from a "
                    "majority of its cluster within an election timeout steps down.",
    "tr-start": "Leadership transfer (dissertation §3.10): the leader stops taking client "
                "requests and brings the target's log up to date.",
    "tr-timeout-now": "Leadership transfer: once the target's log matches its own, the leader "
                      "sends it TimeoutNow.",
    "candidate-transfer": "Leadership transfer: a server told to take over (by TimeoutNow "
                          "from its leader, or by a script) starts an election at once, marked "
                          "so that the §6 guard lets it through (dissertation §3.10, §4.2.3).",
    "tr-abort": "Leadership transfer: if the target has not taken over within an election "
                "timeout, the leader gives up and takes client requests again.",
    "ss-change": "Single-server change (dissertation §4.1): the leader appends a configuration "
                 "that adds or removes one server (or makes a non-voter a voter) and uses it "
                 "at once; the next change waits until this one is committed, and the first "
                 "until the leader has committed an entry of its own term.",
    # -- beyond Figure 2: reads that bypass the log (dissertation §6.4), each behind a switch ----
    "read-wait": "ReadIndex, step 1 (dissertation §6.4): a leader that has not yet committed an "
                 "entry of its current term waits until it has (its no-op), since only then is "
                 "its commit index as high as any server's.",
    "read-index": "ReadIndex, steps 2 and 3 (dissertation §6.4): the leader saves its commit "
                  "index as the read's readIndex, then sends a round of heartbeats to make sure "
                  "no newer leader has replaced it.",
    "read-confirm": "ReadIndex, step 3 (dissertation §6.4): once a majority has acknowledged a "
                    "round, no leader of a newer term existed when it was sent; the reads "
                    "waiting for it may go on, once the state machine reaches their readIndex "
                    "(steps 4 and 5).",
    "read-follower": "Follower reads (dissertation §6.4): a follower asks the leader for a "
                     "readIndex (the leader does steps 1-3), then serves the read from its own "
                     "state machine once it has applied up to it.",
    "read-refused": "A read that can no longer be confirmed is refused (its server stopped "
                    "leading, or knows no leader); the client retries elsewhere.",
    "lease-read": "Lease reads (dissertation §6.4.1): while its lease holds, the leader answers "
                  "a read at its commit index without sending any message.",
    "lease-extend": "Lease (dissertation §6.4.1): once a majority has acknowledged a round of "
                    "heartbeats, the leader's lease runs until the round's *send* time plus the "
                    "election timeout divided by the clock drift bound.",
    "lease-end": "Lease (dissertation §6.4.1): a leader gives its lease up when it stops leading "
                 "or starts a leadership transfer (another server may then lead at once).",
}


# ---------------------------------------------------------------------------------------------
# Log entries and configurations
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Configuration:
    """The set of voting servers (§6).

    While a change is in progress the configuration is *joint* (C_old,new): ``old_voters`` is
    C_old and ``voters`` is C_new, and every decision needs a majority of each.
    """

    voters: frozenset
    old_voters: frozenset | None = None

    @property
    def is_joint(self):
        return self.old_voters is not None

    @property
    def members(self):
        """Every server that votes in this configuration (C_old ∪ C_new while joint)."""
        return self.voters | self.old_voters if self.is_joint else self.voters

    def has_quorum(self, ids):
        """True if ``ids`` holds a majority of the voters (of both C_old and C_new if joint)."""
        if not _is_majority(ids, self.voters):
            return False
        return not self.is_joint or _is_majority(ids, self.old_voters)

    def quorum_index(self, match_index):
        """The highest log index stored on a majority of the voters (of both C_old and C_new if
        joint), given ``match_index``: for each server, how far its log is known to match."""
        index = _majority_index(match_index, self.voters)
        if self.is_joint:
            index = min(index, _majority_index(match_index, self.old_voters))
        return index

    # Servers that receive the log without voting; only configurations made by single-server
    # changes have any (``ConfigurationWithNonVoters``, below).
    non_voters = frozenset()

    def __str__(self):
        new = "{" + ",".join(str(i) for i in sorted(self.voters)) + "}"
        if not self.is_joint:
            return new
        return "{" + ",".join(str(i) for i in sorted(self.old_voters)) + "}+" + new


@dataclass(frozen=True, slots=True)
class ConfigurationWithNonVoters(Configuration):
    """Beyond Figure 2: a configuration that also lists *non-voting* servers (learners in etcd,
    non-voters in hashicorp/raft and Ra). They receive the log and apply it, but they neither
    vote nor campaign, and no majority counts them. Single-server changes add a new server this
    way and make it a voter once it has caught up (dissertation §4.2.1)."""

    non_voters: frozenset = frozenset()

    def __str__(self):
        return (Configuration.__str__(self) + " non-voting {"
                + ",".join(str(i) for i in sorted(self.non_voters)) + "}")


def make_configuration(voters, non_voters=frozenset()):
    """A configuration of ``voters``, with ``non_voters`` if there are any."""
    if non_voters:
        return ConfigurationWithNonVoters(frozenset(voters), None, frozenset(non_voters))
    return Configuration(frozenset(voters))


def _is_majority(ids, voters):
    # ``ids`` may be any collection of server ids (a set, a list, the keys of a dict).
    return len(voters.intersection(ids)) * 2 > len(voters) if voters else False


def _majority_index(match_index, voters):
    # Rank the voters' match indexes from highest to lowest. The one in place len(voters) // 2
    # (counting from 0) is stored by that voter and every voter ranked above it: a majority.
    # No higher index is stored by a majority. Five voters at 7, 7, 5, 3, 0: place 2 holds 5,
    # which three servers store.
    if not voters:
        return 0
    ranked = sorted([match_index.get(v, 0) for v in voters], reverse=True)
    return ranked[len(voters) // 2]


class Entry(NamedTuple):
    """One log entry: the term in which a leader created it, and what it carries.

    ``command`` is a client command, None for the no-op a new leader appends (§8), or a
    :class:`Configuration` for a membership change (§6). ``client_id`` and ``seq`` identify a
    client command so that a retried command is applied only once (§8).
    """

    term: int
    command: object = None
    client_id: object = None
    seq: int | None = None

    @property
    def kind(self):
        if self.command is None:
            return "noop"
        if isinstance(self.command, Configuration):
            return "config"
        return "command"


class Log:
    """A list of entries indexed from 1, as in the paper. ``len(log)`` is the last index.

    ``log.entries`` is the list itself, item 0 holding index 1: observers (the invariant
    checker, after every step) read it without a copy. Read it only; the node changes its log
    through ``append`` and ``delete_from`` (and, beyond Figure 2, ``compact``).

    Beyond Figure 2 (§7), a log whose prefix a snapshot has replaced is a :class:`CompactedLog`;
    a plain log has no snapshot: ``snapshot_index`` and ``snapshot_term`` are 0 and its first
    index is 1."""

    __slots__ = ("entries", "last_index", "snapshot_index", "snapshot_term")

    first_index = 1      # the first index the log holds an entry for

    def __init__(self, entries=()):
        self.entries = list(entries)
        # The index of the last entry (0 for an empty log). Kept up to date by ``append`` and
        # ``delete_from`` rather than computed when read: the node reads it several times for
        # every message (scripts/bench_core.py).
        self.last_index = len(self.entries)
        self.snapshot_index = 0   # beyond Figure 2: the last index a snapshot replaces (none)
        self.snapshot_term = 0    # and that entry's term

    def __len__(self):
        return self.last_index

    def __iter__(self):
        return iter(self.entries)

    def __getitem__(self, index):
        """``log[i]`` is the entry at index i (1-based); ``log[a:b]`` slices by index too."""
        if type(index) is slice:
            start = 1 if index.start is None else index.start
            stop = len(self.entries) + 1 if index.stop is None else index.stop
            return self.entries[start - 1:stop - 1]
        if index < 1:
            raise LogCompacted(f"log indexes start at 1, got {index}", index)
        return self.entries[index - 1]

    def term_at(self, index):
        """The term of the entry at ``index``; 0 for index 0 (the empty prefix)."""
        return self.entries[index - 1].term if index > 0 else 0

    @property
    def last_term(self):
        return self.entries[-1].term if self.entries else 0

    def terms(self):
        return [e.term for e in self.entries]

    def append(self, entry):
        self.entries.append(entry)
        self.last_index += 1

    def delete_from(self, index):
        """Delete the entry at ``index`` and all that follow it."""
        del self.entries[index - 1:]
        self.last_index = len(self.entries)

    def compact(self, index, term):
        """Beyond Figure 2 (§7): the log with its entries up to and including ``index`` (of
        term ``term``) discarded, a snapshot now replacing them; see :class:`CompactedLog`."""
        return CompactedLog(self.entries[index:], index, term)

    @property
    def _entries(self):   # the name `entries` had before it was public
        return self.entries

    def __repr__(self):
        return f"Log({self.terms()})"


class CompactedLog(Log):
    """Beyond Figure 2 (§7, log compaction): a log whose entries up to and including
    ``snapshot_index`` (the paper's lastIncludedIndex; that entry's term is ``snapshot_term``,
    its lastIncludedTerm) were discarded, a snapshot replacing them.

    Indexes stay absolute: ``log[i]`` is valid for ``snapshot_index < i <= last_index``,
    ``len(log)`` is still the last index, ``log.term_at(snapshot_index)`` is ``snapshot_term``
    (what the consistency check of the next AppendEntries needs), and asking for an earlier
    index raises :class:`~raft.errors.LogCompacted`. ``entries`` holds the entries still there,
    item 0 being index ``snapshot_index + 1``; iterating and ``terms()`` give those."""

    __slots__ = ()

    def __init__(self, entries=(), snapshot_index=0, snapshot_term=0):
        super().__init__(entries)
        self.snapshot_index = snapshot_index
        self.snapshot_term = snapshot_term
        self.last_index = snapshot_index + len(self.entries)

    @property
    def first_index(self):
        return self.snapshot_index + 1

    def __getitem__(self, index):
        first = self.snapshot_index + 1
        if type(index) is slice:
            start = first if index.start is None else index.start
            stop = len(self) + 1 if index.stop is None else index.stop
            if start < first:
                self._compacted(start)
            return self.entries[start - first:max(stop - first, 0)]
        if index < first:
            self._compacted(index)
        return self.entries[index - first]

    def term_at(self, index):
        """The term of the entry at ``index``, the snapshot's last included term for its last
        included index, 0 before index 1; an index inside the snapshot raises LogCompacted."""
        snapshot_index = self.snapshot_index
        if index > snapshot_index:
            return self.entries[index - snapshot_index - 1].term
        if index == snapshot_index:
            return self.snapshot_term
        if index <= 0:
            return 0
        self._compacted(index)

    @property
    def last_term(self):
        return self.entries[-1].term if self.entries else self.snapshot_term

    def delete_from(self, index):
        if index <= self.snapshot_index:
            self._compacted(index)
        del self.entries[index - self.snapshot_index - 1:]
        self.last_index = self.snapshot_index + len(self.entries)

    def compact(self, index, term):
        """Discard the entries up to and including ``index`` too (a newer snapshot, Figure 12);
        the entries after it stay. Returns this log."""
        del self.entries[:index - self.snapshot_index]
        self.snapshot_index, self.snapshot_term = index, term
        return self

    def _compacted(self, index):
        if index < 1:
            raise LogCompacted(f"log indexes start at 1, got {index}", index, self.snapshot_index)
        raise LogCompacted(f"log index {index} was compacted: a snapshot replaces the entries "
                           f"up to index {self.snapshot_index} (§7); the log starts at "
                           f"{self.snapshot_index + 1}", index, self.snapshot_index)

    def __repr__(self):
        return (f"CompactedLog(snapshot through {self.snapshot_index}/{self.snapshot_term}, "
                f"{self.terms()})")


# ---------------------------------------------------------------------------------------------
# Messages: the two RPCs of Figure 2 and their replies. Field names are the paper's.
# ---------------------------------------------------------------------------------------------
# Messages, like log entries, are immutable named tuples: plain values that are cheap to build
# (a simulated run builds hundreds of thousands of them) and print with their field names.

class RequestVote(NamedTuple):
    """Invoked by candidates to gather votes (§5.2)."""

    src: int
    dst: int
    term: int                # candidate's term
    candidate_id: int        # candidate requesting vote
    last_log_index: int      # index of candidate's last log entry (§5.4)
    last_log_term: int       # term of candidate's last log entry (§5.4)
    # Not in Figure 2: set when a server is *told* to campaign now (leadership transfer,
    # dissertation §3.10), which may bypass the disruption rule of §6.
    leadership_transfer: bool = False


class RequestVoteReply(NamedTuple):
    src: int
    dst: int
    term: int                # current_term, for the candidate to update itself
    vote_granted: bool       # true means the candidate received the vote


class AppendEntries(NamedTuple):
    """Invoked by the leader to replicate log entries (§5.3); also used as heartbeat (§5.2)."""

    src: int
    dst: int
    term: int                # leader's term
    leader_id: int           # so a follower can redirect clients
    prev_log_index: int      # index of the log entry immediately preceding the new ones
    prev_log_term: int       # term of the prev_log_index entry
    entries: tuple           # entries to store (empty for a heartbeat)
    leader_commit: int       # leader's commit_index


class AppendEntriesReply(NamedTuple):
    src: int
    dst: int
    term: int                # current_term, for the leader to update itself
    success: bool            # true if the follower held an entry matching prev_log_index/term
    # Not in Figure 2, but needed once messages can be lost, duplicated or reordered: the
    # last index the follower now knows to match the leader (on success), so a late reply
    # cannot move the leader's match_index backwards.
    match_index: int = 0
    # On failure, where the leader should try next. With the simple scheme of §5.3 this is
    # prev_log_index (one entry back); with the faster scheme at the end of §5.3 it is the
    # first index the follower stores for the term of its conflicting entry.
    conflict_index: int = 0
    conflict_term: int = 0


# Beyond Figure 2: the RPC of Figure 13 (§7), for a follower whose next entry the leader has
# already discarded into a snapshot.

class InstallSnapshot(NamedTuple):
    """Invoked by the leader to send its snapshot to a follower that lags behind (§7, Figure 13).

    Figure 13 sends the snapshot's bytes in chunks (arguments ``offset`` and ``done``) so that a
    large one need not travel in one message. Ours are small values sent whole, as if every
    message were the one chunk: offset 0, done true. The book's chapter on log compaction says
    what chunking adds."""

    src: int
    dst: int
    term: int                  # leader's term
    leader_id: int             # so a follower can redirect clients
    last_included_index: int   # the snapshot replaces all entries up to and including this index
    last_included_term: int    # term of last_included_index
    data: object               # the snapshot of the state machine (whole, not a chunk)
    # Not in Figure 13's arguments but part of every snapshot (Figure 12; dissertation §5.1):
    # the latest configuration as of last_included_index, and the index of its entry (0: the
    # configuration the cluster started with). hashicorp/raft's InstallSnapshotRequest carries
    # them the same way (Configuration, ConfigurationIndex).
    config: object = None
    config_index: int = 0


class InstallSnapshotReply(NamedTuple):
    src: int
    dst: int
    term: int                  # current_term, for the leader to update itself
    # Not in Figure 13: the snapshot this reply is about, so that the leader can move match_index
    # on even when replies are late, lost or duplicated (Ra's install_snapshot_result carries it
    # too). 0 when the request was refused for its stale term.
    last_included_index: int = 0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A server's snapshot (§7, Figure 12): what the log up to ``last_included_index`` held.

    ``data`` is the state machine's state as the application handed it over (for our key-value
    store, its data and its client de-duplication table, §8); ``config`` is the latest
    configuration as of ``last_included_index`` and ``config_index`` the index of its entry (0
    when it is the configuration the cluster started with)."""

    last_included_index: int
    last_included_term: int
    config: object
    config_index: int
    data: object



# Beyond Figure 2: the messages of pre-vote (dissertation §9.6) and leadership transfer (§3.10).

class PreVote(NamedTuple):
    """Pre-vote (dissertation §9.6): "would you vote for me in term ``next_term``?", asked
    before a server disrupts the cluster with a real election."""

    src: int
    dst: int
    term: int                # always 0: a PreVote changes no one's term, so the rule of §5.1
    #                          for all servers (``adopt_newer_term``) must find none in it
    next_term: int           # the term the candidate would campaign in: its current_term + 1
    candidate_id: int
    last_log_index: int
    last_log_term: int


class PreVoteReply(NamedTuple):
    src: int
    dst: int
    term: int                # the voter's current_term (a candidate behind it adopts it)
    vote_granted: bool
    next_term: int           # the term the answered PreVote proposed, so that a late answer
    #                          to an earlier poll is not counted


class TimeoutNow(NamedTuple):
    """Leadership transfer (dissertation §3.10): the leader tells the target, whose log now
    matches its own, to start an election at once."""

    src: int
    dst: int
    term: int                # the leader's term


# Beyond Figure 2: the messages of reads that bypass the log (dissertation §6.4), sent only when
# a read mode needs them (``Node(reads=...)``).

class Heartbeat(NamedTuple):
    """A round of heartbeats that confirms leadership for reads (dissertation §6.4, step 3).

    Figure 2's heartbeats are empty AppendEntries, and their replies do not say which message
    they answer; this one carries a round number that its reply echoes (as etcd's heartbeats
    carry a read's context), so the leader can count who acknowledged *this* round."""

    src: int
    dst: int
    term: int                # leader's term
    leader_id: int
    round: int               # the leader's round number (grows through its lifetime)


class HeartbeatReply(NamedTuple):
    src: int
    dst: int
    term: int                # current_term, for the leader to update itself
    round: int               # the round acknowledged
    ok: bool                 # False: the sender's term is newer than the round's


class ReadIndexRequest(NamedTuple):
    """Follower reads (dissertation §6.4): a follower asks the leader for a readIndex."""

    src: int
    dst: int
    term: int
    ctx: object              # the read's name, echoed in the reply


class ReadIndexReply(NamedTuple):
    src: int
    dst: int
    term: int
    ctx: object
    index: int               # the readIndex, confirmed by a round of heartbeats
    ok: bool                 # False: the server asked is not (or no longer) the leader


READ_MESSAGE_TYPES = (Heartbeat, HeartbeatReply, ReadIndexRequest, ReadIndexReply)

#: Every message a server sends or receives: Figure 2's four, then those beyond it (log
#: compaction, pre-vote, leadership transfer, reads).
MESSAGE_TYPES = (RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply,
                 InstallSnapshot, InstallSnapshotReply, PreVote, PreVoteReply, TimeoutNow,
                 *READ_MESSAGE_TYPES)

#: The ways a server may answer a read (``Node(reads=...)``, ``Cluster(reads=...)``):
#: "log" (the default: a read is a log entry like a write; nothing beyond Figure 2),
#: "read_index" (dissertation §6.4), "lease" (§6.4.1), "follower" (§6.4, followers ask the
#: leader for a readIndex) and "stale" (any server answers from its own state machine at once:
#: not linearizable, kept to show why).
READ_MODES = ("log", "read_index", "lease", "follower", "stale")

#: The default bound on clock drift for leases (dissertation §6.4.1): over any period, no
#: server's clock advances more than this many times as much as any other's.
DRIFT_BOUND = 1.1


def check_read_mode(reads, drift_bound):
    """A read mode of ``READ_MODES`` and a drift bound (a rate, at least 1); returns both, or
    raises ConfigurationError naming the bad value."""
    if reads not in READ_MODES:
        raise ConfigurationError(f"reads must be one of {', '.join(READ_MODES)}, got {reads!r}")
    if not (checks.is_number(drift_bound) and 1 <= drift_bound < float("inf")):
        raise ConfigurationError(
            f"drift_bound is a rate of at least 1 (no clock runs more than drift_bound times as "
            f"fast as another; 1.1 allows 10%), got {drift_bound!r}")
    return reads, drift_bound


# ---------------------------------------------------------------------------------------------
# What a node hands back to its caller
# ---------------------------------------------------------------------------------------------

class Note(NamedTuple):
    """A record of something the node did, and the rule (a key of RULES) that made it."""

    kind: str
    rule: str | None
    data: dict


_new_tuple = tuple.__new__   # _new_tuple(Note, (kind, rule, data)) is Note(kind, rule, data)


@dataclass(slots=True)
class Ready:
    """The output of a node since the last ``ready()``, to be acted on in this order."""

    persist_hard_state: bool = False   # current_term / voted_for changed: write them first
    persist_log_from: int | None = None  # the log changed from this index on: write it too
    messages: list = field(default_factory=list)  # then send these
    apply: list = field(default_factory=list)     # then apply these (index, entry) pairs
    notes: list = field(default_factory=list)
    # Beyond Figure 2 (§7): a new snapshot, to write together with the log (it replaces the log's
    # prefix up to its last included index); with ``restore``, the state machine must also be
    # reset from it (Figure 13, receiver rule 8) before ``apply`` goes on from there.
    snapshot: Snapshot | None = None
    restore: bool = False

    def __init__(self, persist_hard_state=False, persist_log_from=None, messages=None,
                 apply=None, notes=None, snapshot=None, restore=False):
        # Written out instead of the generated __init__ (whose list fields each call a default
        # factory): one Ready is built for every input, and this one costs about 800 fewer
        # machine instructions (scripts/bench_core.py). It takes the same arguments.
        self.persist_hard_state = persist_hard_state
        self.persist_log_from = persist_log_from
        self.messages = [] if messages is None else messages
        self.apply = [] if apply is None else apply
        self.notes = [] if notes is None else notes
        self.snapshot = snapshot
        self.restore = restore


@dataclass(slots=True)
class _MembershipChange:
    """A change the leader is preparing: new servers catch up before C_old,new is appended."""

    voters: frozenset
    learners: frozenset
    round_target: int      # the last log index when this round of catching up began
    round_start: float
    rounds: int = 1


# The dissertation's rule of thumb for catching up a new server (§4.2.1): replicate in
# rounds; give up after this many rounds if the last one still took an election timeout.
MAX_CATCH_UP_ROUNDS = 10

# Real implementations batch: one AppendEntries carries at most this many entries (hashicorp/raft's
# MaxAppendEntries defaults to 64; etcd limits a message's size in bytes). A follower far behind
# receives the rest in the following messages, each sent as soon as the previous one succeeds.
MAX_ENTRIES_PER_MESSAGE = 64


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------

class Node:
    """One Raft server.

    ``config`` is the configuration the cluster started with; any configuration entry in the
    log replaces it (§6). ``current_term``, ``voted_for`` and ``log`` are the persistent state
    to restart from after a crash, with ``snapshot`` (§7) once the log has been compacted. ``fast_backoff`` turns on the faster back-off at the end of
    §5.3; ``disruption_guard`` is the rule of §6 that stops removed servers from disrupting.
    Beyond Figure 2, off by default: ``pre_vote`` (dissertation §9.6) and ``check_quorum``
    (§6.2); leadership transfer and single-server changes are requests, not switches.
    ``reads`` (one of ``READ_MODES``) chooses how reads that bypass the log are answered
    (dissertation §6.4), and ``drift_bound`` is the clock drift bound that lease reads assume
    (§6.4.1); ``reads="log"``, the default, is Figure 2 alone.

    The hooks a subclass may override or call (the labs and the bug zoo do): every state
    change goes through one of them, so overriding one changes that rule everywhere.

    * ``set_term(term)``, ``record_vote(candidate_id)``: the persistent state (Figure 2);
    * ``become(role, now, rule)``: the only place a role changes (Figure 4);
    * ``reset_election_timer(now)``: draw a new election timeout (§5.2);
    * ``append_entries_to_log(entries, rule)``, ``truncate_log(index)``: the only changes to
      the log;
    * ``set_commit_index(index, rule, now)``, ``apply_committed()``: commit, then apply (§5.3);
    * ``count_votes(now)``: become leader with a majority (§5.2, and §6 while joint);
    * ``send(msg)``, ``reply_vote(msg, granted, rule, reason)``,
      ``reply_append(msg, success, rule, match_index=0)``: output to the network;
    * ``note(kind, rule, **data)``: a record for the trace (a kind of
      ``raft.sim.trace.KINDS``, a rule of ``RULES``);
    * ``check_catch_up(now)``, ``after_commit_as_leader(now)``: membership changes (§6);
    * ``check_membership_change()``: may this leader start a single-server change now (§4.1)?
    * ``out``: the :class:`Ready` being filled until ``ready()`` hands it over (Lab 4 sets
      ``out.persist_hard_state``); ``config_index``: where the latest configuration entry is.

    Every handler and rule method (``handle_request_vote``, ``advance_commit_index``, ...) may
    be overridden too. The names these hooks had before they were public, the same with a
    leading underscore (``_set_term``, ``_record_vote``, ``_become``, ...), still work, to call
    and to override: see ``OLD_HOOK_NAMES``.
    """

    # §8: a new leader appends a no-op entry at the start of its term. Figure 2 alone does not
    # say so; a subclass that sets this to False is the node of Figure 2 exactly (the book's
    # replay of Figure 8 needs one).
    noop_on_election = True

    # Whether ``note`` keeps its notes. A simulator that keeps no trace (``Cluster(trace=False)``)
    # sets it to False on its servers: nobody reads their notes, so none are built.
    keep_notes = True

    # Beyond Figure 2, off unless asked for: the two switches and the state of log compaction, a
    # pre-vote poll or a leadership transfer. They are class-level defaults that a server sets on
    # itself only when it uses them: CPython 3.11 reads an object's attributes fastest while it
    # has at most 29 of its own (one more makes every attribute of the node slower to read and
    # write), and the state of Figure 2 and §6 already takes 28 (scripts/bench_core.py).
    pre_vote = False          # ask before campaigning (dissertation §9.6)
    check_quorum = False      # a leader cut off from its majority steps down (§6.2)
    # Log compaction (§7): the latest snapshot, which replaces the log up to its last included
    # index; None until the application hands one over (``compact``) or a leader sends one
    # (``handle_install_snapshot``). Persistent state, like the log.
    snapshot = None
    snapshots_sent = None     # log compaction, as leader: peer -> (term, index, when) last sent
    pre_votes = None          # pre-vote: who said yes in the poll under way, or None
    poll_start = None         # pre-vote: when that poll began
    transfer_target = None    # leadership transfer, as leader: to whom, or None
    transfer_deadline = None  # ... and when it is given up
    timeout_now_term = None   # ... the last term in which we sent TimeoutNow (no lease in it)
    # Reads that bypass the log (dissertation §6.4), the same way: the mode and its state are
    # class-level defaults until ``reads`` asks for another mode (``init_reads``).
    reads = "log"             # a read is an entry like a write (see READ_MODES)
    drift_bound = DRIFT_BOUND  # the clock drift bound that lease reads assume (§6.4.1)
    read_round = 0            # as leader: the last round of Heartbeats sent
    confirmed_round = 0       # as leader: the highest round a majority acknowledged
    lease_until = None        # as leader: when its lease ends (§6.4.1), or None
    pending_reads = ()        # as leader: reads waiting for a round (or for step 1)
    read_states = ()          # output: (ctx, readIndex or None if refused)

    def __init__(self, node_id, config, *, rng, now=0.0, election_timeout=(150, 300),
                 heartbeat_interval=50, fast_backoff=False, disruption_guard=True,
                 current_term=0, voted_for=None, log=(),
                 max_entries_per_message=MAX_ENTRIES_PER_MESSAGE, pre_vote=False,
                 check_quorum=False, snapshot=None, reads="log", drift_bound=DRIFT_BOUND):
        low, high = checks.timing(election_timeout, heartbeat_interval)
        self.id = node_id
        self.rng = rng
        self.election_timeout = (low, high)
        self.heartbeat_interval = heartbeat_interval
        self.fast_backoff = fast_backoff
        self.disruption_guard = disruption_guard
        checks.positive_int("max_entries_per_message", max_entries_per_message)
        self.max_entries_per_message = max_entries_per_message
        if pre_vote:
            self.pre_vote = True
        if check_quorum:
            self.check_quorum = True
        if reads != "log" or drift_bound != DRIFT_BOUND:   # Beyond Figure 2 (§6.4)
            self.reads, self.drift_bound = check_read_mode(reads, drift_bound)
            self.init_reads()

        # Persistent state on all servers (Figure 2)
        self.current_term = current_term  # latest term this server has seen
        self.voted_for = voted_for        # candidate that received our vote in current_term
        self.log = Log(log)               # entries; each has the term it was created in

        # Volatile state on all servers (Figure 2)
        self.commit_index = 0   # index of highest log entry known to be committed
        self.last_applied = 0   # index of highest log entry applied to the state machine

        # Volatile state on leaders, reinitialized after election (Figure 2)
        self.next_index = {}    # per server: index of the next log entry to send to it
        self.match_index = {}   # per server: highest index known to be replicated on it
        # Not in Figure 2: the last index sent to each server. A success reply sends more only
        # once everything sent is acknowledged, so replies do not each start another message
        # (heartbeats resend whatever was lost).
        self.sent_index = {}

        # Beyond Figure 2: what every implementation also needs to remember
        self.role = FOLLOWER
        self.leader_id = None          # who we believe leads current_term (for client hints)
        self.votes = set()             # as candidate: who granted us their vote this term
        self.initial_config = config   # in force until the log holds a configuration entry
        self.config_index = 0          # index of the latest configuration entry in the log
        self.pending_change = None     # as leader: a membership change whose servers catch up
        self.learners = frozenset()    # as leader: non-voting servers being caught up (§6)
        self.last_heard = None         # when we last heard from a current leader
        self.election_deadline = 0.0   # when our election timer fires
        self.election_timer_start = now
        self.heartbeat_due = None      # as leader: when to send the next heartbeats
        self.heard_from = {}           # as leader: when each server last answered (§6, §6.2)
        self.out = Ready()             # output since the last ready()
        # (Beyond Figure 2, §7: ``snapshot`` and ``snapshots_sent`` are class-level defaults.)
        if snapshot is not None:
            self._restart_from_snapshot(snapshot)

        self._recompute_config_index()
        self.reset_election_timer(now)

    # -- inputs -------------------------------------------------------------------------------

    def step(self, msg, now):
        """A message arrived: the rule for all servers first, then its handler."""
        # Beyond Figure 2 (§6): a server that heard from its leader moments ago ignores a
        # RequestVote altogether, so a removed server cannot depose the leader with its terms.
        if isinstance(msg, RequestVote) and self._ignores_request_vote(msg, now):
            self.note("ignore", "rv-ignore", msg=msg)
            return
        self.adopt_newer_term(msg, now)
        self.dispatch(msg, now)

    def adopt_newer_term(self, msg, now):
        """Rules for Servers, All Servers: if a request or response carries a term T >
        current_term, set current_term = T and convert to follower (§5.1). A server that
        learns of a newer term is out of date, whatever its role."""
        if msg.term > self.current_term:
            self.note("term", "all-term", term=msg.term, src=msg.src)
            self.set_term(msg.term)
            if self.role != FOLLOWER:
                self.become(FOLLOWER, now, "all-term")

    def dispatch(self, msg, now):
        """Hand a message to the receiver for its type (Figure 2's four boxes)."""
        if isinstance(msg, RequestVote):
            self.handle_request_vote(msg, now)
        elif isinstance(msg, RequestVoteReply):
            self.handle_request_vote_reply(msg, now)
        elif isinstance(msg, AppendEntries):
            self.handle_append_entries(msg, now)
        elif isinstance(msg, AppendEntriesReply):
            self.handle_append_entries_reply(msg, now)
        elif isinstance(msg, InstallSnapshot):       # beyond Figure 2: §7, Figure 13
            self.handle_install_snapshot(msg, now)
        elif isinstance(msg, InstallSnapshotReply):
            self.handle_install_snapshot_reply(msg, now)
        # Beyond Figure 2: pre-vote (dissertation §9.6) and leadership transfer (§3.10).
        elif isinstance(msg, PreVote):
            self.handle_pre_vote(msg, now)
        elif isinstance(msg, PreVoteReply):
            self.handle_pre_vote_reply(msg, now)
        elif isinstance(msg, TimeoutNow):
            self.handle_timeout_now(msg, now)
        elif isinstance(msg, READ_MESSAGE_TYPES):   # Beyond Figure 2: reads (§6.4)
            self.handle_read_message(msg, now)
        else:
            raise TypeError(f"S{self.id} cannot handle {msg!r}")

    def tick(self, now):
        """Time has reached ``now``: fire whichever timer is due."""
        if self.role == LEADER:
            if self.heartbeat_due is not None and now >= self.heartbeat_due:
                if self.check_quorum and self.lost_quorum(now):   # Beyond Figure 2 (§6.2)
                    return
                self.note("heartbeat", "leader-heartbeat")
                self.broadcast_append_entries(now)
                if self.reads == "lease":   # Beyond Figure 2 (§6.4.1): renew the lease
                    self.start_read_round(now)
            if self.pending_change is not None:
                self.check_catch_up(now)
            if self.transfer_target is not None:   # Beyond Figure 2 (§3.10)
                self.check_transfer(now)
        elif now >= self.election_deadline:
            # A server outside its latest configuration still campaigns while that configuration
            # is not known to be committed: it may still be needed (dissertation §4.2.2).
            if self.may_campaign():
                rule = "follower-timeout" if self.role == FOLLOWER else "candidate-timeout"
                if self.pre_vote:   # Beyond Figure 2 (§9.6): ask before campaigning
                    self.start_pre_vote(now, rule)
                else:
                    self.start_election(now, rule)
            else:
                # A server outside a committed configuration never campaigns; it waits to be told.
                self.reset_election_timer(now)

    def propose(self, command, now, client_id=None, seq=None):
        """A client command (§8). Only the leader takes it; it returns the entry's index."""
        if self.role != LEADER:
            raise NotLeader(self.id, self.leader_id)
        if self.transfer_target is not None:   # Beyond Figure 2 (§3.10): handing over
            raise LeadershipTransferInProgress(self.id, self.transfer_target)
        self.append_entries_to_log([Entry(self.current_term, command, client_id, seq)],
                                   "leader-client")
        self.broadcast_append_entries(now)
        self.advance_commit_index(now)  # a one-server cluster is its own majority
        return self.log.last_index

    def next_deadline(self):
        """The next time at which ``tick`` has something to do."""
        if self.role == LEADER:
            return self.heartbeat_due
        return self.election_deadline

    def ready(self):
        """Hand over (and forget) everything produced since the last call."""
        out, self.out = self.out, Ready()
        return out

    # -- leader election (§5.2) -----------------------------------------------------------------

    def start_election(self, now, rule, leadership_transfer=False):
        """Rules for Servers, Candidates: on conversion to candidate, start an election."""
        self.set_term(self.current_term + 1)
        self.become(CANDIDATE, now, rule)
        self.record_vote(self.id)
        self.votes = {self.id}
        self.reset_election_timer(now)
        self.note("election", "candidate-start", term=self.current_term)
        for peer in sorted(self.config.members - {self.id}):
            self.send(RequestVote(
                src=self.id, dst=peer, term=self.current_term, candidate_id=self.id,
                last_log_index=self.log.last_index, last_log_term=self.log.last_term,
                leadership_transfer=leadership_transfer))
        self.count_votes(now)  # a one-server cluster elects itself at once

    def handle_request_vote(self, msg, now):
        """RequestVote RPC, receiver implementation (Figure 2)."""
        # 1. Reply false if term < current_term (§5.1).
        if msg.term < self.current_term:
            self.reply_vote(msg, False, "rv-stale", "its term is stale")
            return
        # 2. If voted_for is null or candidate_id, and the candidate's log is at least as
        #    up-to-date as ours, grant the vote (§5.2, §5.4).
        if self.voted_for not in (None, msg.candidate_id):
            self.reply_vote(msg, False, "rv-refuse", f"already voted for S{self.voted_for}")
        elif not self.candidate_log_is_up_to_date(msg.last_log_index, msg.last_log_term):
            self.reply_vote(msg, False, "rv-refuse", "its log is not up-to-date")
        else:
            self.record_vote(msg.candidate_id)
            # Granting a vote resets the election timer (Followers rule, §5.2): otherwise we
            # might start a competing election just as the candidate we chose wins.
            self.reset_election_timer(now)
            self.reply_vote(msg, True, "rv-grant", "")

    def candidate_log_is_up_to_date(self, last_log_index, last_log_term):
        """The election restriction (§5.4.1): compare the terms of the last entries first;
        if they are equal, the longer log is more up-to-date."""
        if last_log_term != self.log.last_term:
            return last_log_term > self.log.last_term
        return last_log_index >= self.log.last_index

    def handle_request_vote_reply(self, msg, now):
        # A reply for an earlier term (or arriving after we won or gave up) is stale.
        if self.role != CANDIDATE or msg.term != self.current_term:
            self.note("ignore", "reply-stale", msg=msg)
            return
        if msg.vote_granted:
            self.votes.add(msg.src)
            self.note("votes", "candidate-count", src=msg.src, votes=sorted(self.votes))
            self.count_votes(now)

    def count_votes(self, now):
        """Candidates: if votes received from a majority of servers, become leader (§5.2).
        While joint, a candidate needs a majority of C_old and of C_new (§6)."""
        if self.config.has_quorum(self.votes):
            self.become_leader(now)

    def become_leader(self, now):
        self.become(LEADER, now, "candidate-win")
        self.leader_id = self.id
        # Volatile state on leaders, reinitialized after election (Figure 2).
        for peer in self._replication_targets():
            self.next_index[peer] = self.log.last_index + 1
            self.match_index[peer] = 0
        # Beyond Figure 2 (§6, dissertation §6.2): the votes just won count as answers.
        self.heard_from = dict.fromkeys(self._replication_targets(), now)
        # §8: a new leader does not know which entries are committed until it commits an
        # entry of its own term, so it appends a no-op at once.
        if self.noop_on_election:
            self.append_entries_to_log([Entry(self.current_term, None)], "leader-noop")
        self.broadcast_append_entries(now)
        self.advance_commit_index(now)  # a one-server cluster is its own majority

    # -- log replication (§5.3) -----------------------------------------------------------------

    def broadcast_append_entries(self, now):
        """Leaders: send AppendEntries to every other server; an empty one is a heartbeat."""
        for peer in self._replication_targets():
            self.send_append_entries(peer)
        self.heartbeat_due = now + self.heartbeat_interval

    def send_append_entries(self, peer):
        """Send ``peer`` the entries from its next_index on (none if it is up to date), at
        most ``max_entries_per_message`` of them."""
        prev_log_index = self.next_index[peer] - 1
        if prev_log_index < self.log.snapshot_index:   # beyond Figure 2 (§7): they are gone
            return self.send_install_snapshot(peer)
        last = min(self.log.last_index, prev_log_index + self.max_entries_per_message)
        self.sent_index[peer] = last
        self.send(AppendEntries(
            src=self.id, dst=peer, term=self.current_term, leader_id=self.id,
            prev_log_index=prev_log_index, prev_log_term=self.log.term_at(prev_log_index),
            entries=tuple(self.log[prev_log_index + 1:last + 1]), leader_commit=self.commit_index))

    def handle_append_entries(self, msg, now):
        """AppendEntries RPC, receiver implementation (Figure 2)."""
        # 1. Reply false if term < current_term (§5.1).
        if msg.term < self.current_term:
            self.reply_append(msg, False, "ae-stale")
            return
        if self.role == LEADER:
            # Two leaders in one term: Election Safety is already broken (only the unsafe
            # membership switch can do this). Refuse rather than follow.
            self.reply_append(msg, False, "ae-two-leaders")
            return
        # This is the current leader. A candidate gives up (§5.2); everyone notes who leads
        # and restarts its election timer.
        if self.role == CANDIDATE:
            self.become(FOLLOWER, now, "candidate-leader-found")
        self.leader_id = msg.leader_id
        self.last_heard = now
        self.reset_election_timer(now)
        if msg.prev_log_index < self.log.snapshot_index:   # beyond Figure 2 (§7)
            msg = self.skip_snapshotted_entries(msg)

        # 2. Reply false if the log has no entry at prev_log_index whose term matches
        #    prev_log_term (§5.3): the consistency check.
        if not self.log_matches(msg.prev_log_index, msg.prev_log_term):
            self.reply_append(msg, False, "ae-mismatch")
            return

        # 3. If an existing entry conflicts with a new one (same index but different term),
        #    delete the existing entry and all that follow it (§5.3). Only a conflict deletes:
        #    a late or duplicated AppendEntries must not cut off newer entries.
        conflict = self.find_conflict(msg.prev_log_index, msg.entries)
        if conflict is not None:
            self.truncate_log(conflict)

        # 4. Append any new entries not already in the log. The log now agrees with every
        #    entry of the message it holds, so the new ones are those past its end.
        new = msg.entries[self.log.last_index - msg.prev_log_index:]
        if new:
            self.append_entries_to_log(new, "ae-append")

        # 5. If leader_commit > commit_index, set commit_index = min(leader_commit, index of
        #    last new entry). "Last new entry" is the last one this message vouches for; our
        #    log may go on past it with entries the leader has not checked.
        last_new_index = msg.prev_log_index + len(msg.entries)
        if msg.leader_commit > self.commit_index:
            self.set_commit_index(min(msg.leader_commit, last_new_index), "ae-commit", now)
        self.reply_append(msg, True, "ae-append", match_index=last_new_index)

    def log_matches(self, prev_log_index, prev_log_term):
        return (prev_log_index <= self.log.last_index
                and self.log.term_at(prev_log_index) == prev_log_term)

    def find_conflict(self, prev_log_index, entries):
        """The first index where the log holds an entry of another term than the new entry
        for that index (receiver rule 3), or None. Entries past the log's end conflict with
        nothing: they are new."""
        first = prev_log_index + 1
        held = self.log[first:first + len(entries)]   # our entries at the same indexes
        for index, (ours, new) in enumerate(zip(held, entries), first):
            if ours.term != new.term:
                return index
        return None

    def find_new_entries(self, prev_log_index, entries):
        """Receiver rules 3 and 4 in one call, kept for code written against it (Lab 2
        answers may use it): delete from the first conflict, return the entries to append."""
        conflict = self.find_conflict(prev_log_index, entries)
        if conflict is not None:
            self.truncate_log(conflict)
        return list(entries[max(0, self.log.last_index - prev_log_index):])

    def handle_append_entries_reply(self, msg, now):
        if self.role != LEADER or msg.term != self.current_term:
            self.note("ignore", "reply-stale", msg=msg)
            return
        peer = msg.src
        if peer not in self.next_index:
            return  # a server we no longer replicate to (removed by a membership change)
        self.heard_from[peer] = now   # Beyond Figure 2 (§6): any answer shows it reachable
        if msg.success:
            # Leaders: on success, update next_index and match_index (§5.3). `max` keeps a
            # late reply from moving them backwards.
            self.match_index[peer] = max(self.match_index[peer], msg.match_index)
            self.next_index[peer] = max(self.next_index[peer], self.match_index[peer] + 1)
            self.note("matched", "leader-success", peer=peer, match_index=self.match_index[peer])
            self.advance_commit_index(now)
            if self.pending_change is not None:
                self.check_catch_up(now)
            if self.transfer_target is not None:   # Beyond Figure 2 (§3.10): caught up?
                self.send_timeout_now_if_caught_up(peer)
            # Send what is left, unless a message already on its way carries it.
            retry = self.match_index.get(peer, 0) >= self.sent_index.get(peer, 0)
        else:
            # Leaders: on a log inconsistency, decrease next_index and retry (§5.3). The
            # follower says where to try next; never go below what is known to match.
            before = self.next_index[peer]
            self.next_index[peer] = max(self.match_index[peer] + 1,
                                        min(before, msg.conflict_index))
            self.note("backoff", "leader-backoff", peer=peer, before=before,
                      next_index=self.next_index[peer])
            # A late or duplicated rejection that teaches nothing new starts no retry.
            retry = self.next_index[peer] < before
        if retry and self.role == LEADER and peer in self.next_index \
                and self.next_index[peer] <= self.log.last_index:
            self.send_append_entries(peer)

    def advance_commit_index(self, now):
        """Leaders: if there exists an N > commit_index such that a majority of match_index[i]
        >= N, and log[N].term == current_term, set commit_index = N (§5.3, §5.4.2).

        The highest N stored on a majority comes from ranking the match indexes (the leader's
        own log counts in full). Only an entry of the leader's own term is committed by counting
        replicas; earlier entries are committed with it, by the Log Matching Property. Figure 8
        shows why counting replicas of an earlier term's entry is not enough."""
        match = {**self.match_index, self.id: self.log.last_index}
        n = self.config.quorum_index(match)
        # If log[n] is from an earlier term, so is every entry before it: nothing to commit yet.
        if n > self.commit_index and self.log.term_at(n) == self.current_term:
            self.set_commit_index(n, "leader-commit", now)

    # -- state changes, each in one place (the hooks) ---------------------------------------------

    def set_commit_index(self, index, rule, now):
        """Raise commit_index to ``index`` (never lower it), then apply what is committed."""
        if index <= self.commit_index:
            return
        self.commit_index = index
        self.note("commit", rule, commit_index=index)
        self.apply_committed()
        if self.role == LEADER:
            self.after_commit_as_leader(now)
            if self.pending_reads:   # Beyond Figure 2 (§6.4): reads waiting for step 1
                self.start_waiting_reads(now)

    def apply_committed(self):
        """Rules for Servers, All Servers: if commit_index > last_applied, increment
        last_applied and apply log[last_applied] to the state machine (§5.3)."""
        while self.last_applied < self.commit_index:
            self.last_applied += 1
            self.out.apply.append((self.last_applied, self.log[self.last_applied]))

    def become(self, role, now, rule):
        """Change role, along an arrow of Figure 4 only."""
        if (self.role, role) not in TRANSITIONS:
            raise AssertionError(f"S{self.id}: no transition {self.role} -> {role} in Figure 4")
        old, self.role = self.role, role
        self.note("role", rule, old=old, new=role, term=self.current_term)
        if role != CANDIDATE:
            self.votes = set()
        if old == LEADER:
            self.next_index, self.match_index, self.sent_index = {}, {}, {}
            self.heartbeat_due = None
            if self.pending_change is not None:
                self.note("catchup-failed", "config-catchup",
                          learners=sorted(self.pending_change.learners))
            self.pending_change = None
            self.learners = frozenset()
            if self.transfer_target is not None:   # (§3.10)
                self.transfer_target = self.transfer_deadline = None
            self.reset_election_timer(now)
            if self.reads != "log":   # Beyond Figure 2 (§6.4): reads and lease end with it
                self.end_reads()

    def set_term(self, term):
        """Adopt a newer term: no vote and no known leader in it yet. Persistent state."""
        self.current_term = term
        self.voted_for = None
        self.leader_id = None
        self.out.persist_hard_state = True

    def record_vote(self, candidate_id):
        """Remember our vote in current_term. Persistent state."""
        self.voted_for = candidate_id
        self.out.persist_hard_state = True

    def append_entries_to_log(self, entries, rule):
        """Append ``entries`` to the log (the only way entries are added)."""
        first = self.log.last_index + 1
        for entry in entries:
            self.log.append(entry)
            if entry.kind == "config":
                self.config_index = self.log.last_index
                self.note("config", "config-latest", index=self.log.last_index,
                          config=entry.command)
        self._log_changed_from(first)
        self.note("append", rule, first=first, last=self.log.last_index)

    def truncate_log(self, index):
        """Delete the entry at ``index`` and all that follow it (receiver rule 3)."""
        removed = self.log.last_index - index + 1
        self.log.delete_from(index)
        self._log_changed_from(index)
        self.note("truncate", "ae-truncate", first=index, count=removed)
        if self.config_index >= index:
            self._recompute_config_index()
            self.note("config", "config-latest", index=self.config_index, config=self.config)

    def _log_changed_from(self, index):
        if self.out.persist_log_from is None or index < self.out.persist_log_from:
            self.out.persist_log_from = index

    def reset_election_timer(self, now):
        low, high = self.election_timeout
        self.election_timer_start = now
        self.election_deadline = now + self.rng.uniform(low, high)

    def send(self, msg):
        self.out.messages.append(msg)

    def reply_vote(self, msg, granted, rule, reason):
        self.note("vote", rule, candidate=msg.candidate_id, granted=granted, reason=reason)
        self.send(RequestVoteReply(src=self.id, dst=msg.src, term=self.current_term,
                                   vote_granted=granted))

    def reply_append(self, msg, success, rule, match_index=0):
        conflict_index = conflict_term = 0
        if not success:
            conflict_index, conflict_term = self._conflict_hint(msg)
            self.note("reject", rule, leader=msg.src, prev_log_index=msg.prev_log_index)
        self.send(AppendEntriesReply(
            src=self.id, dst=msg.src, term=self.current_term, success=success,
            match_index=match_index, conflict_index=conflict_index, conflict_term=conflict_term))

    def note(self, kind, rule, **data):
        """Record what happened (a kind of raft.sim.trace.KINDS) and the rule (of RULES)."""
        if self.keep_notes:
            # Note(kind, rule, data), built without the call through the class, which costs
            # more than the rest of this method (notes are written for almost every message).
            self.out.notes.append(_new_tuple(Note, (kind, rule, data)))

    # =============================================================================================
    # Beyond Figure 2. Each mechanism below is marked with where it comes from; none changes a
    # rule above. Figure 2's code reaches the switchable ones (log compaction, pre-vote,
    # check-quorum, leadership transfer) by one marked line each, and does nothing more while they are off.
    # =============================================================================================

    # -- a forced election ------------------------------------------------------------------------

    def timeout_now(self, now):
        """Behave as if the election timer had fired now: an ordinary early election (with a
        pre-vote first if ``pre_vote`` is on), which the §6 guard treats like any other. A
        leadership transfer is something else: see ``transfer_leadership``."""
        if self.role == LEADER:
            raise ConfigurationError(f"S{self.id} is already the leader")
        if not self._is_voter():
            raise ConfigurationError(f"S{self.id} is not a voter in {self.config}")
        if self.pre_vote:
            self.start_pre_vote(now, "candidate-forced")
        else:
            self.start_election(now, "candidate-forced")

    def may_campaign(self):
        """Whether this server's election timer starts an election: a voter does; so does a
        server outside its latest configuration while that is uncommitted, since it may still be
        needed (dissertation §4.2.2); a non-voter never does."""
        if self._is_voter():
            return True
        return self.config_index > self.commit_index and self.id not in self.config.non_voters

    # -- the disruption guard (§6; dissertation §4.2.3) ------------------------------------------

    def _ignores_request_vote(self, msg, now):
        """§6, removed servers: a server that heard from a current leader within the minimum
        election timeout neither updates its term nor grants its vote. A leadership transfer
        may bypass this (dissertation §4.2.3)."""
        if not self.disruption_guard or msg.leadership_transfer or msg.term <= self.current_term:
            return False
        return self.heard_from_leader_recently(now)

    def heard_from_leader_recently(self, now):
        """The test behind the §6 guard (and pre-vote's, §9.6): has this server heard from a
        current leader within the minimum election timeout?

        A follower knows when its leader last spoke. A leader is its own current leader, but
        the dissertation protects it only "while a leader is able to get heartbeats to its
        cluster" (§4.2.3): so a leader counts as heard from only if a majority of the voters
        answered it within the minimum election timeout (``reaches_quorum``, the same test
        check-quorum uses). A leader cut off from its majority processes RequestVote as Figure 2
        says, and a higher term deposes it. (etcd's ``inLease`` test covers the leader only
        when CheckQuorum is on, which makes such a leader step down on its own.)"""
        if self.role == LEADER:
            return self.reaches_quorum(now)
        return self.last_heard is not None and now - self.last_heard < self.election_timeout[0]

    # -- pre-vote (dissertation §9.6) ----------------------------------------------------------

    def start_pre_vote(self, now, rule):
        """Instead of starting an election, ask the voters whether they would vote for us in the
        next term. Nothing changes yet: no new term, no vote for ourselves on disk. If the poll
        fails, the election timer (restarted here) tries again later."""
        self.pre_votes = {self.id}
        self.poll_start = now
        self.reset_election_timer(now)
        self.note("pre-vote", "pv-start", term=self.current_term + 1, cause=rule)
        for peer in sorted(self.config.members - {self.id}):
            self.send(PreVote(src=self.id, dst=peer, term=0, next_term=self.current_term + 1,
                              candidate_id=self.id, last_log_index=self.log.last_index,
                              last_log_term=self.log.last_term))
        self.count_pre_votes(now)  # a one-server cluster needs no one else's word

    def handle_pre_vote(self, msg, now):
        """Pre-vote, receiver: answer as RequestVote's rules would for ``msg.next_term``, but
        change nothing: no new term, no vote recorded, no timer restarted. A server that heard
        from a current leader recently ignores it, as it would a RequestVote (§6): that is the
        rule that makes pre-vote hold under a partial partition."""
        if self.disruption_guard and self.heard_from_leader_recently(now):
            self.note("ignore", "rv-ignore", msg=msg)
            return
        if msg.next_term <= self.current_term:
            granted, rule, reason = False, "pv-refuse", "its term is stale"
        elif not self.candidate_log_is_up_to_date(msg.last_log_index, msg.last_log_term):
            granted, rule, reason = False, "pv-refuse", "its log is not up-to-date"
        else:
            granted, rule, reason = True, "pv-grant", ""
        self.note("vote", rule, candidate=msg.candidate_id, granted=granted, reason=reason)
        self.send(PreVoteReply(src=self.id, dst=msg.src, term=self.current_term,
                               vote_granted=granted, next_term=msg.next_term))

    def handle_pre_vote_reply(self, msg, now):
        """Pre-vote, candidate: count a yes for the poll under way. The poll is over once the
        term moved on, or once a leader was heard from since it began."""
        if (self.pre_votes is None or self.role == LEADER
                or msg.next_term != self.current_term + 1
                or (self.last_heard is not None and self.last_heard >= self.poll_start)):
            self.note("ignore", "reply-stale", msg=msg)
            return
        if msg.vote_granted:
            self.pre_votes.add(msg.src)
            self.note("votes", "pv-count", src=msg.src, votes=sorted(self.pre_votes))
            self.count_pre_votes(now)

    def count_pre_votes(self, now):
        if self.config.has_quorum(self.pre_votes):
            self.pre_votes = None
            self.start_election(now, "pv-win")

    # -- check-quorum (dissertation §6.2) ------------------------------------------------------

    def reaches_quorum(self, now):
        """As leader: did a majority of the voters (counting ourselves) answer us within the
        minimum election timeout? (``heard_from`` is kept by every leader, switch or not: the
        §6 guard reads it too.)"""
        window = self.election_timeout[0]
        recent = {peer for peer, at in self.heard_from.items() if now - at < window}
        recent.add(self.id)
        return self.config.has_quorum(recent)

    def lost_quorum(self, now):
        """Check-quorum, at each heartbeat: a leader that has not heard from a majority within
        an election timeout steps down, rather than keep taking requests it may never commit.
        Returns True if it stepped down."""
        if self.reaches_quorum(now):
            return False
        self.become(FOLLOWER, now, "cq-step-down")
        return True

    # -- leadership transfer (dissertation §3.10) -------------------------------------------------

    def transfer_leadership(self, target, now):
        """Hand leadership to the voter ``target``: stop taking client requests, bring its log up
        to date, then send it TimeoutNow. Given up after an election timeout
        (``check_transfer``)."""
        if self.role != LEADER:
            raise NotLeader(self.id, self.leader_id)
        if self.transfer_target is not None:
            raise LeadershipTransferInProgress(self.id, self.transfer_target)
        if target == self.id:
            raise ConfigurationError(f"S{target} is already the leader")
        if target not in self.config.members:
            raise ConfigurationError(f"S{target} is not a voter in {self.config}, so it cannot "
                                     "lead")
        self.transfer_target = target
        self.transfer_deadline = now + self.election_timeout[0]
        self.note("transfer", "tr-start", target=target)
        self.end_lease("a leadership transfer began")   # Beyond Figure 2: reads (§6.4.1)
        if self.match_index.get(target, 0) < self.log.last_index:
            if self.next_index[target] <= self.log.last_index:
                self.send_append_entries(target)
        else:
            self.send_timeout_now_if_caught_up(target)

    def send_timeout_now_if_caught_up(self, peer):
        """Once the target holds everything we hold, tell it to campaign now."""
        if peer == self.transfer_target and self.match_index[peer] >= self.log.last_index:
            self.note("transfer", "tr-timeout-now", target=peer)
            self.timeout_now_term = self.current_term   # reads (§6.4.1): see extend_lease
            self.send(TimeoutNow(src=self.id, dst=peer, term=self.current_term))

    def check_transfer(self, now):
        """Give the transfer up after an election timeout, and take requests again."""
        if now >= self.transfer_deadline:
            self.note("transfer", "tr-abort", target=self.transfer_target)
            self.transfer_target = self.transfer_deadline = None

    def handle_timeout_now(self, msg, now):
        """The target of a transfer: TimeoutNow from the leader of our term says take over."""
        if msg.term != self.current_term or self.role != FOLLOWER or not self._is_voter():
            self.note("ignore", "reply-stale", msg=msg)
            return
        self.take_over(now)

    def take_over(self, now):
        """Campaign at once, as the target of a transfer does: without pre-vote (the leader
        asked for this election), and with the RequestVote marked as a transfer, so that
        servers that heard from that leader moments ago still answer (dissertation §4.2.3)."""
        self.start_election(now, "candidate-transfer", leadership_transfer=True)

    # -- the faster back-off (end of §5.3) ------------------------------------------------------

    def _conflict_hint(self, msg):
        """Where the leader should try next after a failed consistency check (§5.3)."""
        if not self.fast_backoff or msg.term < self.current_term:
            return msg.prev_log_index, 0   # the paper's simple scheme: one entry back
        if msg.prev_log_index > self.log.last_index:
            return self.log.last_index + 1, 0  # our log is too short: start after its end
        # The faster scheme: skip every entry of the conflicting term in one round trip (no
        # further back than the log goes: a snapshot holds only committed entries).
        conflict_term = self.log.term_at(msg.prev_log_index)
        first = msg.prev_log_index
        while first > self.log.first_index and self.log.term_at(first - 1) == conflict_term:
            first -= 1
        return first, conflict_term

    # -- log compaction and InstallSnapshot (§7, Figures 12 and 13; dissertation chapter 5) ------
    #
    # Who decides what. Taking a snapshot needs the state machine's state, which the node does
    # not own (it only hands committed entries out through ``ready()``). So, as in etcd's raft
    # library, the *application* decides when to snapshot and hands the state over:
    # ``compact(index, data)`` after it has applied ``index``. The node then forgets the log up
    # to ``index`` and asks for the snapshot to be saved (``Ready.snapshot``). The simulator
    # does this when a server has applied ``snapshot_threshold`` entries since its last snapshot
    # (etcd's server counts applied entries the same way; hashicorp/raft keeps the threshold
    # inside the library and asks the state machine for its state). With no ``compact`` call, as
    # by default, nothing here ever runs: a log with no snapshot never needs InstallSnapshot.

    def compact(self, index, data):
        """The application's snapshot of its state machine as of applied ``index``: keep it
        and discard the log up to and including ``index`` (§7, Figure 12).

        ``data`` is whatever the state machine needs to be rebuilt (the node never looks inside
        it). Each server compacts on its own, only what it has applied, so only committed
        entries (§7). The snapshot also keeps the index's term (for the consistency check of the
        next AppendEntries) and the latest configuration as of ``index`` (§6)."""
        if not isinstance(index, int) or isinstance(index, bool):
            raise ConfigurationError(f"a snapshot's index is a log index, got {index!r}")
        if index > self.last_applied:
            raise ConfigurationError(
                f"S{self.id} cannot snapshot through index {index}: its state machine has "
                f"applied only up to index {self.last_applied} (§7: only applied, committed "
                "entries go into a snapshot)")
        if index <= self.log.snapshot_index:
            raise ConfigurationError(
                f"S{self.id} already holds a snapshot through index {self.log.snapshot_index}; "
                f"a snapshot through {index} would not replace anything")
        term = self.log.term_at(index)
        config_index = self._config_index_at(index)
        if config_index > self.log.snapshot_index:
            config = self.log[config_index].command
        elif self.snapshot is not None:
            config = self.snapshot.config
        else:
            config = self.initial_config
        discarded = index - self.log.snapshot_index
        self.snapshot = Snapshot(index, term, config, config_index, data)
        self.log = self.log.compact(index, term)
        self._snapshot_taken()
        self.note("snapshot", "snap-take", index=index, term=term, discarded=discarded)

    def send_install_snapshot(self, peer):
        """Leaders: the entry ``peer`` needs next is already in the snapshot, so send the
        snapshot instead (§7).

        A snapshot can be large, so while one is on its way to ``peer`` the leader does not send
        it again with every AppendEntries it would have sent (etcd pauses the follower's
        replication until the snapshot is reported; hashicorp/raft waits for the call to
        return). It sends it again only if a heartbeat interval has passed without an answer,
        in case it was lost. The node reads no clock: the time is that of its latest broadcast,
        ``heartbeat_due - heartbeat_interval``, at most one interval behind."""
        snapshot = self.snapshot
        index, due = snapshot.last_included_index, self.heartbeat_due
        now = due - self.heartbeat_interval if due is not None else None
        if self.snapshots_sent is None:
            self.snapshots_sent = {}
        sent = self.snapshots_sent.get(peer)
        if sent is not None and now is not None and sent[:2] == (self.current_term, index) \
                and now - sent[2] < self.heartbeat_interval:
            return   # a copy is on its way
        self.snapshots_sent[peer] = (self.current_term, index, now if now is not None else 0.0)
        self.sent_index[peer] = index
        self.note("snapshot", "snap-send", peer=peer, next_index=self.next_index[peer],
                  index=snapshot.last_included_index)
        self.send(InstallSnapshot(
            src=self.id, dst=peer, term=self.current_term, leader_id=self.id,
            last_included_index=snapshot.last_included_index,
            last_included_term=snapshot.last_included_term, data=snapshot.data,
            config=snapshot.config, config_index=snapshot.config_index))

    def handle_install_snapshot(self, msg, now):
        """InstallSnapshot RPC, receiver implementation (Figure 13), for a snapshot sent whole."""
        # 1. Reply immediately if term < current_term.
        if msg.term < self.current_term:
            self.note("install", "is-stale", leader=msg.src, index=msg.last_included_index)
            self.send(InstallSnapshotReply(src=self.id, dst=msg.src, term=self.current_term))
            return
        if self.role == LEADER:
            # Two leaders in one term (as for AppendEntries, only the unsafe switch can do it).
            self.note("install", "ae-two-leaders", leader=msg.src, index=msg.last_included_index)
            return
        # The sender is the current leader: as for AppendEntries, a candidate gives up (§5.2)
        # and everyone notes who leads and restarts its election timer.
        if self.role == CANDIDATE:
            self.become(FOLLOWER, now, "candidate-leader-found")
        self.leader_id = msg.leader_id
        self.last_heard = now
        self.reset_election_timer(now)
        index, term = msg.last_included_index, msg.last_included_term
        # 2-4. Create the snapshot file at offset 0, write the chunk, wait for more unless
        #      done: a snapshot sent whole is complete as soon as it arrives.
        # 5. Save the snapshot, discarding any existing one with a smaller index. One at least
        #    as new as this one is kept instead, and nothing changes.
        if index <= self.log.snapshot_index:
            self.note("install", "is-old", leader=msg.src, index=index,
                      have=self.log.snapshot_index)
            self.send(InstallSnapshotReply(src=self.id, dst=msg.src, term=self.current_term,
                                           last_included_index=index))
            return
        config_before = self.config
        self.snapshot = Snapshot(index, term, msg.config, msg.config_index, msg.data)
        if self.log_matches(index, term):
            # 6. If an existing entry has the same index and term as the snapshot's last
            #    included entry, retain the entries that follow it.
            self.log = self.log.compact(index, term)
            rule = "is-retain"
        else:
            # 7. Otherwise discard the entire log.
            self.log = CompactedLog((), index, term)
            rule = "is-discard"
        self._snapshot_taken()
        # 8. Reset the state machine using the snapshot's contents (and load its configuration).
        #    Figure 13 does this only after rule 7, but after rule 6 too the state machine may
        #    not yet have applied what the discarded prefix held; then it is reset as well.
        #    Everything in a snapshot is committed, so the commit index is at least its index.
        self.note("install", rule, leader=msg.src, index=index, term=term,
                  kept=len(self.log.entries))
        if index > self.last_applied:
            self.out.apply.clear()       # entries not yet handed over: the snapshot holds them
            self.out.restore = True
            self.last_applied = index
            self.note("restore", "is-restore", index=index)
        self.commit_index = max(self.commit_index, index)
        if self.config != config_before:
            self.note("config", "config-latest", index=self.config_index, config=self.config)
        self.send(InstallSnapshotReply(src=self.id, dst=msg.src, term=self.current_term,
                                       last_included_index=index))

    def handle_install_snapshot_reply(self, msg, now):
        """Leaders: the follower now holds everything up to the snapshot's last included index,
        so its match_index is at least that; replication goes on from the next entry (§7)."""
        if self.role != LEADER or msg.term != self.current_term:
            self.note("ignore", "reply-stale", msg=msg)
            return
        peer = msg.src
        if peer not in self.next_index:
            return  # a server we no longer replicate to (removed by a membership change)
        self.match_index[peer] = max(self.match_index[peer], msg.last_included_index)
        self.next_index[peer] = max(self.next_index[peer], self.match_index[peer] + 1)
        self.note("matched", "snap-matched", peer=peer, match_index=self.match_index[peer])
        self.advance_commit_index(now)
        if self.pending_change is not None:
            self.check_catch_up(now)
        if self.role == LEADER and peer in self.next_index \
                and self.next_index[peer] <= self.log.last_index:
            self.send_append_entries(peer)

    def skip_snapshotted_entries(self, msg):
        """An AppendEntries whose prev_log_index is inside our snapshot (a late or duplicated
        message, or a leader that has not heard of our snapshot yet): the snapshot holds only
        committed entries, which every current leader holds too (Leader Completeness, §5.4),
        so the leader's log agrees with it up to its last included index. Read the message
        from there on: what it says about earlier indexes is already in the snapshot."""
        skip = self.log.snapshot_index - msg.prev_log_index
        return msg._replace(prev_log_index=self.log.snapshot_index,
                            prev_log_term=self.log.snapshot_term, entries=msg.entries[skip:])

    def _snapshot_taken(self):
        """The log was compacted: save the snapshot, and the log from its new start (§7)."""
        self.out.snapshot = self.snapshot
        self._log_changed_from(self.log.first_index)
        self._recompute_config_index()

    def _restart_from_snapshot(self, snapshot):
        """A server restarts from its snapshot plus the log after it (§7): what the snapshot
        holds is committed and is in the state machine the application rebuilds from it."""
        self.snapshot = snapshot
        self.log = CompactedLog(self.log.entries, snapshot.last_included_index,
                                snapshot.last_included_term)
        self.commit_index = self.last_applied = snapshot.last_included_index

    # -- membership changes (§6) ------------------------------------------------------------------

    @property
    def config(self):
        """The latest configuration in the log, committed or not (§6); once the log has been
        compacted past its entry, the one the snapshot holds (§7). (A snapshot's configuration
        with no entry, index 0, is the one the cluster started with.)"""
        index = self.config_index
        if not index:
            return self.initial_config
        if index > self.log.snapshot_index:
            return self.log[index].command
        return self.snapshot.config   # its entry is in the snapshot (§7)

    def config_change_in_progress(self):
        """True from the moment a change is requested until C_new is committed."""
        return (self.pending_change is not None or self.config.is_joint
                or self.config_index > self.commit_index)

    def change_membership(self, voters, now, unsafe=False):
        """Start moving the cluster to the voters ``voters`` with joint consensus (§6).

        New servers first catch up as non-voting members; then the leader appends C_old,new,
        and once that is committed, C_new. With ``unsafe=True`` the leader instead switches
        straight to C_new: the mistake Figure 10 warns about, kept for the book to show."""
        if self.role != LEADER:
            raise NotLeader(self.id, self.leader_id)
        if self.config_change_in_progress():
            raise MembershipChangeInProgress(
                f"a membership change is already in progress (configuration {self.config}); "
                "only one change at a time is allowed (§6)")
        if self.config.non_voters:
            raise ConfigurationError(f"the configuration {self.config} has non-voting servers, "
                                     "which joint consensus does not know: promote or remove "
                                     "them with single-server changes first")
        voters = frozenset(voters)
        if not voters:
            raise ConfigurationError("a configuration needs at least one server")
        if voters == self.config.voters:
            raise ConfigurationError(f"the configuration is already {self.config}")
        if unsafe:
            for peer in voters - self.config.members:
                self.next_index[peer] = self.log.last_index + 1
                self.match_index[peer] = 0
            self.append_entries_to_log([Entry(self.current_term, Configuration(voters))],
                                       "config-unsafe")
            self.broadcast_append_entries(now)
            return
        learners = voters - self.config.members
        self.pending_change = _MembershipChange(voters, learners, self.log.last_index, now)
        self.learners = learners
        for peer in learners:
            self.next_index[peer] = self.log.last_index + 1
            self.match_index[peer] = 0
        self.note("catchup", "config-catchup", learners=sorted(learners))
        self.broadcast_append_entries(now)
        self.check_catch_up(now)

    def check_catch_up(self, now):
        """Catch new servers up in rounds (dissertation §4.2.1). A round ends when every
        learner holds what the leader had when the round began; if it ended within an
        election timeout, the learners are ready and C_old,new is appended."""
        change = self.pending_change
        if any(self.match_index[p] < change.round_target for p in change.learners):
            # A learner that is down or very slow never finishes its round: give up after
            # as long as the allowed rounds could take.
            if now - change.round_start >= MAX_CATCH_UP_ROUNDS * self.election_timeout[0]:
                self._abandon_change(change)
            return
        if now - change.round_start < self.election_timeout[0] or not change.learners:
            self.pending_change = None
            self.learners = frozenset()
            joint = Configuration(change.voters, self.config.voters)
            self.append_entries_to_log([Entry(self.current_term, joint)], "config-begin")
            self.broadcast_append_entries(now)
        elif change.rounds >= MAX_CATCH_UP_ROUNDS:
            self._abandon_change(change)
        else:
            change.rounds += 1
            change.round_target = self.log.last_index
            change.round_start = now

    def after_commit_as_leader(self, now):
        """Move a membership change along once its configuration entry is committed."""
        if self.config_index == 0 or self.config_index > self.commit_index:
            return
        config = self.config
        if config.is_joint:
            # C_old,new is committed: now C_new can be appended (§6).
            self.append_entries_to_log([Entry(self.current_term, Configuration(config.voters))],
                                       "config-joint")
            self.broadcast_append_entries(now)
        elif self.id not in config.voters:
            # C_new is committed and we are not in it: step down (§6).
            self.become(FOLLOWER, now, "config-removed")

    # -- single-server changes (dissertation §4.1), with non-voting servers (§4.2.1) ----------

    def check_membership_change(self):
        """May this leader start a single-server change now? Raises if not.

        One change at a time: the previous configuration must be committed (§4.1). And, the fix
        Ongaro posted to raft-dev in 2015 ("bug in single-server membership changes"): not before
        this leader has committed an entry of its own term. Until then, a configuration from an
        earlier term may still be half-replicated on servers this leader has not heard from, and
        a change of its own could be committed by a majority that no longer overlaps the
        majorities of that other configuration. Committing the no-op of its term settles it."""
        if self.role != LEADER:
            raise NotLeader(self.id, self.leader_id)
        if self.config_change_in_progress() or self.transfer_target is not None:
            busy = (f"a transfer of leadership to S{self.transfer_target}"
                    if self.transfer_target is not None else f"configuration {self.config}")
            raise MembershipChangeInProgress(
                f"a change is already in progress ({busy}); one change at a time (§4.1)")
        committed_own_term = self.log.term_at(self.commit_index) == self.current_term
        if not committed_own_term:
            raise MembershipChangeInProgress(
                f"S{self.id} has not yet committed an entry of its term {self.current_term} "
                "(its no-op); until it has, a change from an earlier term may still be under "
                "way (the 2015 fix to single-server changes)")

    def add_server(self, server, now, voter=True):
        """Add ``server`` with one configuration entry: as a voter at once (hashicorp/raft's
        AddVoter, etcd's AddNode), or with ``voter=False`` as a non-voter that receives the log
        and can be promoted once it has caught up (dissertation §4.2.1)."""
        self.check_membership_change()
        config = self.config
        if server in config.members or server in config.non_voters:
            raise ConfigurationError(f"S{server} is already in the configuration {config}")
        if voter:
            new = make_configuration(config.voters | {server}, config.non_voters)
        else:
            new = make_configuration(config.voters, config.non_voters | {server})
        # A new server: replicate to it from the end of our log, backing off as usual.
        self.next_index[server] = self.log.last_index + 1
        self.match_index[server] = 0
        self.heard_from[server] = now
        self._change_one_server(new, now)

    def promote(self, server, now):
        """Make the non-voter ``server`` a voter, once its log holds every entry this leader has
        committed (Ra promotes the same way; etcd's server refuses a learner that lags)."""
        self.check_membership_change()
        config = self.config
        if server not in config.non_voters:
            raise ConfigurationError(f"S{server} is not a non-voting member of {config}")
        if self.match_index.get(server, 0) < self.commit_index:
            raise ConfigurationError(
                f"S{server} has not caught up yet: it holds up to index "
                f"{self.match_index.get(server, 0)}, the leader has committed up to "
                f"{self.commit_index}; promote it once it has")
        new = make_configuration(config.voters | {server}, config.non_voters - {server})
        self._change_one_server(new, now)

    def remove_server(self, server, now):
        """Remove the voter or non-voter ``server``. A leader that removes itself keeps leading,
        without counting itself, until the change is committed, then steps down (§6)."""
        self.check_membership_change()
        config = self.config
        if server in config.non_voters:
            new = make_configuration(config.voters, config.non_voters - {server})
        elif server in config.members:
            if config.voters == {server}:
                raise ConfigurationError(f"S{server} is the last voter of {config}")
            new = make_configuration(config.voters - {server}, config.non_voters)
        else:
            raise ConfigurationError(f"S{server} is not in the configuration {config}")
        self._change_one_server(new, now)

    def _change_one_server(self, new, now):
        # Adding or removing one voter: every majority of the old voters overlaps every majority
        # of the new ones, so the leader can switch directly, and uses the new configuration as
        # soon as it is in its log (§4.1).
        self.append_entries_to_log([Entry(self.current_term, new)], "ss-change")
        self.broadcast_append_entries(now)
        self.advance_commit_index(now)   # removing a voter can make a majority at once

    def _abandon_change(self, change):
        self.note("catchup-failed", "config-catchup", learners=sorted(change.learners))
        self._forget_servers(change.learners)
        self.pending_change = None
        self.learners = frozenset()

    def _forget_servers(self, ids):
        for peer in ids:
            self.next_index.pop(peer, None)
            self.match_index.pop(peer, None)
            self.sent_index.pop(peer, None)

    def _recompute_config_index(self):
        self.config_index = self._config_index_at(self.log.last_index)

    def _config_index_at(self, last):
        """The index of the latest configuration entry at or before ``last`` (the snapshot's
        if the log no longer holds one, §7; 0 if there is none)."""
        for index in range(last, self.log.snapshot_index, -1):
            if self.log[index].kind == "config":
                return index
        return self.snapshot.config_index if self.snapshot is not None else 0

    def _replication_targets(self):
        config = self.config
        return sorted((config.members | self.learners | config.non_voters) - {self.id})

    def _is_voter(self):
        return self.id in self.config.members

    # -- reads that bypass the log (dissertation §6.4), switched on by ``reads`` -----------------
    #
    # A read sent through the log ("log", the default) needs nothing here: it is an entry like
    # any other. The other modes answer reads without appending anything:
    #
    # * "read_index" (§6.4): the leader (1) waits until it has committed an entry of its term,
    #   (2) saves commit_index as the read's readIndex, (3) sends a round of Heartbeats and waits
    #   for a majority to acknowledge it; then (4) once its state machine has applied up to the
    #   readIndex, (5) it answers. Steps 4 and 5 are the caller's: ``read_states`` says which
    #   reads may be answered from which index on.
    # * "follower" (§6.4): as "read_index", and a follower may serve reads too: it asks the
    #   leader for a readIndex (ReadIndexRequest; the leader does steps 1-3), then does 4 and 5.
    # * "lease" (§6.4.1): the leader sends a round of Heartbeats with each heartbeat; once a
    #   majority acknowledges one, its lease runs until the round's send time plus the minimum
    #   election timeout divided by ``drift_bound``. While the lease holds, a read is answered
    #   at commit_index (after step 1) with no message at all; otherwise it takes a round, as
    #   with ReadIndex, which also renews the lease.
    # * "stale": any server answers from its own state machine at once (the caller does it):
    #   not linearizable, kept to show why.

    def init_reads(self):
        """The state of reads that bypass the log, set on a server whose ``reads`` is not
        "log" (it starts at the class-level defaults above)."""
        self.read_round = 0            # as leader: the last round of Heartbeats sent
        self.round_sent = {}           # as leader: round -> when it was sent
        self.round_acks = {}           # as leader: server -> the highest round it acknowledged
        self.confirmed_round = 0       # as leader: the highest round a majority acknowledged
        self.pending_reads = []        # as leader: reads waiting for a round (or for step 1)
        self.lease_until = None        # as leader: when its lease ends (§6.4.1), or None
        self.read_states = []          # output: (ctx, readIndex or None if refused)

    def read_index(self, ctx, now):
        """A read arrived at this server (``ctx`` names it). Its readIndex comes back in
        ``read_states`` as ``(ctx, index)`` once it is safe to answer from index ``index`` on,
        or ``(ctx, None)`` if the read is refused. Raises NotLeader where this server cannot
        take reads (a follower, unless ``reads`` is "follower" and it knows the leader)."""
        if self.reads not in ("read_index", "lease", "follower"):
            raise ConfigurationError(f"S{self.id} answers reads with reads={self.reads!r}; "
                                     "read_index needs reads='read_index', 'lease' or 'follower'")
        if self.role == LEADER:
            self.leader_read(ctx, self.id, now)
        elif self.reads == "follower" and self.leader_id is not None:
            self.note("read", "read-follower", ctx=ctx, leader=self.leader_id)
            self.send(ReadIndexRequest(src=self.id, dst=self.leader_id, term=self.current_term,
                                       ctx=ctx))
        else:
            raise NotLeader(self.id, self.leader_id)

    def leader_read(self, ctx, origin, now):
        """Steps 1-3 of ReadIndex at the leader, for a read of ``origin`` (this server or a
        follower), or an immediate answer while a lease holds (§6.4.1)."""
        # 1. Wait until an entry of our own term is committed: before that our commit index may
        #    be behind what earlier leaders committed.
        if self.log.term_at(self.commit_index) != self.current_term:
            self.note("read", "read-wait", ctx=ctx, term=self.current_term)
            self.pending_reads.append((None, None, ctx, origin))
            return
        if self.reads == "lease" and self.lease_holds(now):
            self.note("read", "lease-read", ctx=ctx, index=self.commit_index,
                      until=self.lease_until)
            self.read_ready(ctx, origin, self.commit_index)
            return
        # 2. Save the commit index; 3. confirm leadership with a round of heartbeats.
        index = self.commit_index
        self.note("read", "read-index", ctx=ctx, index=index, round=self.read_round + 1)
        self.pending_reads.append((self.read_round + 1, index, ctx, origin))
        self.start_read_round(now)

    def start_waiting_reads(self, now):
        """Step 1 is done (an entry of our term is committed): give the reads that waited for
        it their readIndex, and one round of heartbeats for all of them."""
        if self.log.term_at(self.commit_index) != self.current_term:
            return
        waiting = [r for r in self.pending_reads if r[0] is None]
        if not waiting:
            return
        self.pending_reads = [r for r in self.pending_reads if r[0] is not None]
        for _, _, ctx, origin in waiting:
            self.leader_read(ctx, origin, now)

    def start_read_round(self, now):
        """Send a round of Heartbeats to every voter; a majority of acknowledgments confirms
        that we led when it was sent (and extends a lease from then)."""
        self.read_round += 1
        self.round_sent[self.read_round] = now
        self.note("round", "read-index", round=self.read_round)
        for peer in sorted(self.config.members - {self.id}):
            self.send(Heartbeat(src=self.id, dst=peer, term=self.current_term,
                                leader_id=self.id, round=self.read_round))
        self.confirm_reads(now)   # a one-server cluster is its own majority

    def handle_read_message(self, msg, now):
        """Dispatch the messages of reads (§6.4)."""
        if isinstance(msg, Heartbeat):
            self.handle_heartbeat(msg, now)
        elif isinstance(msg, HeartbeatReply):
            self.handle_heartbeat_reply(msg, now)
        elif isinstance(msg, ReadIndexRequest):
            self.handle_read_index_request(msg, now)
        else:
            self.handle_read_index_reply(msg, now)

    def handle_heartbeat(self, msg, now):
        """A round of heartbeats: acknowledge it if it comes from the leader of our term. Like
        an AppendEntries from that leader, it makes a candidate a follower and restarts the
        election timer: a lease counts on that (§6.4.1)."""
        if msg.term < self.current_term or self.role == LEADER:
            self.send(HeartbeatReply(src=self.id, dst=msg.src, term=self.current_term,
                                     round=msg.round, ok=False))
            return
        if self.role == CANDIDATE:
            self.become(FOLLOWER, now, "candidate-leader-found")
        self.leader_id = msg.leader_id
        self.last_heard = now
        self.reset_election_timer(now)
        self.send(HeartbeatReply(src=self.id, dst=msg.src, term=self.current_term,
                                 round=msg.round, ok=True))

    def handle_heartbeat_reply(self, msg, now):
        if self.role != LEADER or msg.term != self.current_term or not msg.ok:
            self.note("ignore", "reply-stale", msg=msg)
            return
        if msg.round > self.round_acks.get(msg.src, 0):
            self.round_acks[msg.src] = msg.round
            self.confirm_reads(now)

    def confirm_reads(self, now):
        """The highest round a majority has acknowledged confirms every read that waited for
        it or for an earlier round: their readIndex may be used (steps 4 and 5)."""
        confirmed = self.config.quorum_index({**self.round_acks, self.id: self.read_round})
        if confirmed <= self.confirmed_round:
            return
        self.confirmed_round = confirmed
        self.note("confirm", "read-confirm", round=confirmed)
        if self.reads == "lease":
            self.extend_lease(confirmed, now)
        for sent in [r for r in self.round_sent if r <= confirmed]:
            del self.round_sent[sent]
        ready = [r for r in self.pending_reads if r[0] is not None and r[0] <= confirmed]
        self.pending_reads = [r for r in self.pending_reads
                              if r[0] is None or r[0] > confirmed]
        for _, index, ctx, origin in ready:
            self.read_ready(ctx, origin, index)

    def extend_lease(self, confirmed, now):
        """§6.4.1: the lease starts when the confirmed round was *sent* (the followers restarted
        their timers after that) and lasts the minimum election timeout divided by the drift
        bound, measured on our own clock. No lease while a transfer is under way: the target may
        be elected at once, without waiting for any timer. Nor for the rest of a term in which we
        sent TimeoutNow, even once the transfer was given up: that message may still be on the
        network, and a late one makes its target campaign at once all the same."""
        if self.transfer_target is not None or self.timeout_now_term == self.current_term:
            return
        start = self.round_sent[confirmed]
        until = start + self.election_timeout[0] / self.drift_bound
        if self.lease_until is None or until > self.lease_until:
            self.lease_until = until
            self.note("lease", "lease-extend", until=until, round=confirmed)

    def lease_holds(self, now):
        """Whether our lease still holds: it has not expired, nor been given up."""
        return self.lease_until is not None and now < self.lease_until

    def end_lease(self, reason):
        """Give the lease up: when leadership ends, and when a leadership transfer begins
        (dissertation §6.4.1: "a leader would need to expire its lease before transferring
        leadership", since the target is elected without waiting for any timer)."""
        if self.lease_until is not None:
            self.note("lease", "lease-end", reason=reason)
            self.lease_until = None

    def read_ready(self, ctx, origin, index):
        """Steps 1-3 are done for a read: it may be answered once index ``index`` is applied."""
        if origin == self.id:
            self.read_states.append((ctx, index))
        else:
            self.send(ReadIndexReply(src=self.id, dst=origin, term=self.current_term, ctx=ctx,
                                     index=index, ok=True))

    def handle_read_index_request(self, msg, now):
        """Follower reads: the leader does steps 1-3 for the follower's read."""
        if self.role != LEADER:
            self.send(ReadIndexReply(src=self.id, dst=msg.src, term=self.current_term,
                                     ctx=msg.ctx, index=0, ok=False))
            return
        self.leader_read(msg.ctx, msg.src, now)

    def handle_read_index_reply(self, msg, now):
        """Follower reads: the leader's readIndex (or its refusal) for one of our reads."""
        if not msg.ok:
            self.note("read", "read-refused", ctx=msg.ctx, reason=f"S{msg.src} does not lead")
        self.read_states.append((msg.ctx, msg.index if msg.ok else None))

    def end_reads(self):
        """Leadership ends: refuse the reads still waiting and drop the lease (§6.4.1)."""
        for _, _, ctx, origin in self.pending_reads:
            self.note("read", "read-refused", ctx=ctx, reason="it stopped leading")
            if origin == self.id:
                self.read_states.append((ctx, None))
            else:
                self.send(ReadIndexReply(src=self.id, dst=origin, term=self.current_term,
                                         ctx=ctx, index=0, ok=False))
        self.end_lease("it stopped leading")
        self.pending_reads = []
        self.round_sent, self.round_acks = {}, {}
        self.confirmed_round = self.read_round

    def take_read_states(self):
        """Hand over (and forget) the reads decided since the last call: ``(ctx, index)`` to
        answer once the state machine has applied ``index``, ``(ctx, None)`` refused."""
        states, self.read_states = self.read_states, []
        return states

    # -- the hooks' old names ---------------------------------------------------------------------

    def __init_subclass__(cls, **kwargs):
        """Keep a hook's old and new names one method in every subclass: a class that
        overrides ``_record_vote`` (the old name) overrides ``record_vote``, which is what the
        node calls; one that overrides ``record_vote`` is also reached by code that calls
        ``self._record_vote``."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        for old, new in OLD_HOOK_NAMES.items():
            if old in own and new not in own:
                setattr(cls, new, own[old])
            elif new in own and old not in own:
                setattr(cls, old, own[new])

    def __repr__(self):
        return (f"<Node S{self.id} {self.role} term={self.current_term} "
                f"log={self.log.terms()} commit={self.commit_index}>")


#: The hooks' names before they were public (labs and pages written for an earlier edition use
#: them) -> their names now. Each old name still works, to call and to override.
OLD_HOOK_NAMES = {
    "_set_term": "set_term",
    "_record_vote": "record_vote",
    "_become": "become",
    "_reset_election_timer": "reset_election_timer",
    "_append_entries_to_log": "append_entries_to_log",
    "_truncate_log": "truncate_log",
    "_set_commit_index": "set_commit_index",
    "_apply_committed": "apply_committed",
    "_count_votes": "count_votes",
    "_send": "send",
    "_reply_vote": "reply_vote",
    "_reply_append": "reply_append",
    "_note": "note",
    "_check_catch_up": "check_catch_up",
    "_after_commit_as_leader": "after_commit_as_leader",
}
for _old, _new in OLD_HOOK_NAMES.items():
    setattr(Node, _old, getattr(Node, _new))
del _old, _new

# Two attributes were renamed too; the old names read and write the new ones.
Node._out = property(lambda self: self.out, lambda self, value: setattr(self, "out", value))
Node._config_index = property(lambda self: self.config_index,
                              lambda self, value: setattr(self, "config_index", value))
