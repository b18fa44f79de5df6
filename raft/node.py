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
``step``), the faster back-off of §5.3 (``_conflict_hint``) and membership changes (§6).
Later mechanisms (pre-vote, check-quorum, snapshots, leadership transfer) belong there too,
each behind a switch that is off by default.

The hooks a subclass (a lab, a bug of the zoo) may override or call are listed in ``Node``'s
docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from . import checks
from .errors import ConfigurationError, MembershipChangeInProgress, NotLeader

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

    def __str__(self):
        new = "{" + ",".join(str(i) for i in sorted(self.voters)) + "}"
        if not self.is_joint:
            return new
        return "{" + ",".join(str(i) for i in sorted(self.old_voters)) + "}+" + new


def _is_majority(ids, voters):
    return len(voters & ids) * 2 > len(voters) if voters else False


def _majority_index(match_index, voters):
    # Rank the voters' match indexes from highest to lowest. The one in place len(voters) // 2
    # (counting from 0) is stored by that voter and every voter ranked above it: a majority.
    # No higher index is stored by a majority. Five voters at 7, 7, 5, 3, 0: place 2 holds 5,
    # which three servers store.
    if not voters:
        return 0
    ranked = sorted((match_index.get(v, 0) for v in voters), reverse=True)
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
    through ``append`` and ``delete_from``."""

    __slots__ = ("entries",)

    def __init__(self, entries=()):
        self.entries = list(entries)

    def __len__(self):
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def __getitem__(self, index):
        """``log[i]`` is the entry at index i (1-based); ``log[a:b]`` slices by index too."""
        if isinstance(index, slice):
            start = 1 if index.start is None else index.start
            stop = len(self.entries) + 1 if index.stop is None else index.stop
            return self.entries[start - 1:stop - 1]
        if index < 1:
            raise IndexError(f"log indexes start at 1, got {index}")
        return self.entries[index - 1]

    def term_at(self, index):
        """The term of the entry at ``index``; 0 for index 0 (the empty prefix)."""
        return self.entries[index - 1].term if index > 0 else 0

    @property
    def last_index(self):
        return len(self.entries)

    @property
    def last_term(self):
        return self.entries[-1].term if self.entries else 0

    def terms(self):
        return [e.term for e in self.entries]

    def append(self, entry):
        self.entries.append(entry)

    def delete_from(self, index):
        """Delete the entry at ``index`` and all that follow it."""
        del self.entries[index - 1:]

    @property
    def _entries(self):   # the name `entries` had before it was public
        return self.entries

    def __repr__(self):
        return f"Log({self.terms()})"


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


MESSAGE_TYPES = (RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply)


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


@dataclass(slots=True)
class Ready:
    """The output of a node since the last ``ready()``, to be acted on in this order."""

    persist_hard_state: bool = False   # current_term / voted_for changed: write them first
    persist_log_from: int | None = None  # the log changed from this index on: write it too
    messages: list = field(default_factory=list)  # then send these
    apply: list = field(default_factory=list)     # then apply these (index, entry) pairs
    notes: list = field(default_factory=list)


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
    to restart from after a crash. ``fast_backoff`` turns on the faster back-off at the end of
    §5.3; ``disruption_guard`` is the rule of §6 that stops removed servers from disrupting.
    Beyond Figure 2, off by default: ``reads`` (one of ``READ_MODES``) chooses how reads that
    bypass the log are answered (dissertation §6.4), and ``drift_bound`` is the clock drift
    bound that lease reads assume (§6.4.1).

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

    def __init__(self, node_id, config, *, rng, now=0.0, election_timeout=(150, 300),
                 heartbeat_interval=50, fast_backoff=False, disruption_guard=True,
                 current_term=0, voted_for=None, log=(),
                 max_entries_per_message=MAX_ENTRIES_PER_MESSAGE, reads="log",
                 drift_bound=DRIFT_BOUND):
        low, high = checks.timing(election_timeout, heartbeat_interval)
        self.id = node_id
        self.rng = rng
        self.election_timeout = (low, high)
        self.heartbeat_interval = heartbeat_interval
        self.fast_backoff = fast_backoff
        self.disruption_guard = disruption_guard
        checks.positive_int("max_entries_per_message", max_entries_per_message)
        self.max_entries_per_message = max_entries_per_message
        self.reads, self.drift_bound = check_read_mode(reads, drift_bound)  # (§6.4)

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
        self.out = Ready()             # output since the last ready()
        # Beyond Figure 2: reads that bypass the log (dissertation §6.4; see "Reads" below)
        self.read_round = 0            # as leader: the last round of Heartbeats sent
        self.round_sent = {}           # as leader: round -> when it was sent
        self.round_acks = {}           # as leader: server -> the highest round it acknowledged
        self.confirmed_round = 0       # as leader: the highest round a majority acknowledged
        self.pending_reads = []        # as leader: reads waiting for a round (or for step 1)
        self.lease_until = None        # as leader: when its lease ends (§6.4.1), or None
        self.read_states = []          # output: (ctx, readIndex or None if refused)

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
        elif isinstance(msg, READ_MESSAGE_TYPES):   # Beyond Figure 2: reads (§6.4)
            self.handle_read_message(msg, now)
        else:
            raise TypeError(f"S{self.id} cannot handle {msg!r}")

    def tick(self, now):
        """Time has reached ``now``: fire whichever timer is due."""
        if self.role == LEADER:
            if self.heartbeat_due is not None and now >= self.heartbeat_due:
                self.note("heartbeat", "leader-heartbeat")
                self.broadcast_append_entries(now)
                if self.reads == "lease":   # Beyond Figure 2 (§6.4.1): renew the lease
                    self.start_read_round(now)
            if self.pending_change is not None:
                self.check_catch_up(now)
        elif now >= self.election_deadline:
            # A server outside its latest configuration still campaigns while that configuration
            # is not known to be committed: it may still be needed (dissertation §4.2.2).
            if self._is_voter() or self.config_index > self.commit_index:
                rule = "follower-timeout" if self.role == FOLLOWER else "candidate-timeout"
                self.start_election(now, rule)
            else:
                # A server outside a committed configuration never campaigns; it waits to be told.
                self.reset_election_timer(now)

    def propose(self, command, now, client_id=None, seq=None):
        """A client command (§8). Only the leader takes it; it returns the entry's index."""
        if self.role != LEADER:
            raise NotLeader(self.id, self.leader_id)
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
        for offset, entry in enumerate(entries):
            index = prev_log_index + 1 + offset
            if index > self.log.last_index:
                return None
            if self.log.term_at(index) != entry.term:
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
        if msg.success:
            # Leaders: on success, update next_index and match_index (§5.3). `max` keeps a
            # late reply from moving them backwards.
            self.match_index[peer] = max(self.match_index[peer], msg.match_index)
            self.next_index[peer] = max(self.next_index[peer], self.match_index[peer] + 1)
            self.note("matched", "leader-success", peer=peer, match_index=self.match_index[peer])
            self.advance_commit_index(now)
            if self.pending_change is not None:
                self.check_catch_up(now)
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
            self.reset_election_timer(now)
            self.end_reads()   # Beyond Figure 2 (§6.4): reads and lease end with leadership

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
        self.out.notes.append(Note(kind, rule, data))

    # =============================================================================================
    # Beyond Figure 2. Each mechanism below is marked with where it comes from; none changes a
    # rule above. (Pre-vote, check-quorum, snapshots and leadership transfer will live here too,
    # each behind a switch that is off by default.)
    # =============================================================================================

    # -- a forced election (used by leadership transfer, dissertation §3.10) -------------------

    def timeout_now(self, now):
        """Campaign at once, as if the election timer had fired (used to force an election)."""
        if self.role == LEADER:
            raise ConfigurationError(f"S{self.id} is already the leader")
        if not self._is_voter():
            raise ConfigurationError(f"S{self.id} is not a voter in {self.config}")
        self.start_election(now, "candidate-forced", leadership_transfer=True)

    # -- the disruption guard (§6) --------------------------------------------------------------

    def _ignores_request_vote(self, msg, now):
        """§6, removed servers: a server that heard from a current leader within the minimum
        election timeout neither updates its term nor grants its vote. A leadership transfer
        may bypass this (dissertation §4.2.3)."""
        if not self.disruption_guard or msg.leadership_transfer or msg.term <= self.current_term:
            return False
        if self.role == LEADER:
            return True
        return (self.last_heard is not None
                and now - self.last_heard < self.election_timeout[0])

    # -- the faster back-off (end of §5.3) ------------------------------------------------------

    def _conflict_hint(self, msg):
        """Where the leader should try next after a failed consistency check (§5.3)."""
        if not self.fast_backoff or msg.term < self.current_term:
            return msg.prev_log_index, 0   # the paper's simple scheme: one entry back
        if msg.prev_log_index > self.log.last_index:
            return self.log.last_index + 1, 0  # our log is too short: start after its end
        # The faster scheme: skip every entry of the conflicting term in one round trip.
        conflict_term = self.log.term_at(msg.prev_log_index)
        first = msg.prev_log_index
        while first > 1 and self.log.term_at(first - 1) == conflict_term:
            first -= 1
        return first, conflict_term

    # -- membership changes (§6) ------------------------------------------------------------------

    @property
    def config(self):
        """The latest configuration in the log, committed or not (§6)."""
        if self.config_index:
            return self.log[self.config_index].command
        return self.initial_config

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
        self.config_index = 0
        for index in range(self.log.last_index, 0, -1):
            if self.log[index].kind == "config":
                self.config_index = index
                return

    def _replication_targets(self):
        return sorted((self.config.members | self.learners) - {self.id})

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
        bound, measured on our own clock."""
        start = self.round_sent[confirmed]
        until = start + self.election_timeout[0] / self.drift_bound
        if self.lease_until is None or until > self.lease_until:
            self.lease_until = until
            self.note("lease", "lease-extend", until=until, round=confirmed)

    def lease_holds(self, now):
        """Whether our lease still holds: not expired, and no leadership transfer under way
        (dissertation §6.4.1: a transfer lets another server lead before any timeout)."""
        return (self.lease_until is not None and now < self.lease_until
                and getattr(self, "transfer_target", None) is None)

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
        if self.lease_until is not None:
            self.note("lease", "lease-end", reason="it stopped leading")
        self.pending_reads = []
        self.round_sent, self.round_acks = {}, {}
        self.confirmed_round = self.read_round
        self.lease_until = None

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
