"""The trace: every event of a simulated run as a structured record with a human sentence.

A :class:`TraceRecord` has the step it belongs to (one simulator event is one step), the
simulated time, a ``kind``, the server it concerns, the rule of the paper behind it (a key of
``raft.node.RULES``, or None) and its data. ``record.sentence`` renders it as one line of
English, e.g. "S3 timed out and became candidate for term 2".

A run's records are a :class:`Trace` (``cluster.trace``): a sequence of TraceRecord to read
like a list. So that tracing stays cheap, the simulator writes each record as a plain tuple and
a TraceRecord, its data dict and its sentence are made only when someone reads them (a run
writes several records per message and reads few of them).
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import TraceError
from ..node import (MESSAGE_TYPES, AppendEntries, AppendEntriesReply, Configuration, Heartbeat,
                    HeartbeatReply, InstallSnapshot, InstallSnapshotReply, PreVote, PreVoteReply,
                    ReadIndexReply, ReadIndexRequest, RequestVote, RequestVoteReply, RULES,
                    TimeoutNow)


class TraceRecord:
    __slots__ = ("step", "time", "kind", "node", "rule", "data")

    def __init__(self, step, time, kind, node, rule=None, data=None):
        self.step = step
        self.time = time
        self.kind = kind
        self.node = node
        self.rule = rule
        self.data = data if data is not None else {}

    @property
    def sentence(self):
        return sentence(self)

    def _key(self):
        return (self.step, self.time, self.kind, self.node, self.rule, self.data)

    def __eq__(self, other):
        """Records are equal when they say the same thing about the same step, so a replayed
        run's snapshots compare equal to the original's."""
        if not isinstance(other, TraceRecord):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash((self.step, self.time, self.kind, self.node, self.rule))

    @property
    def rule_text(self):
        return RULES.get(self.rule, "") if self.rule else ""

    def as_dict(self):
        data = {k: (describe_message(v) if _is_message(v) else v) for k, v in self.data.items()}
        return {"step": self.step, "time": self.time, "kind": self.kind, "node": self.node,
                "rule": self.rule, "data": data, "sentence": self.sentence}

    def __repr__(self):
        return f"[{self.step} @{self.time:.1f}ms] {self.sentence}"


class Trace:
    """The records of a run, oldest first: a read-only sequence of :class:`TraceRecord`
    (``len(trace)``, ``trace[i]``, ``trace[a:b]`` as a list, ``for record in trace``).

    The simulator writes each record as six plain values, ``step, time, kind, node, rule,
    data``, one record after another in the flat list ``values``; a TraceRecord is made when a
    record is read. ``data`` is the record's data dict, or, for the kinds of ``PACKED`` (the
    records written for every message), the values that dict is made from: a message for
    "send", "deliver" and "duplicate", ``(index, entry)`` for "apply".

    Why not a list of TraceRecord: a run writes several records per message and reads few of
    them, and a growing list of objects (or of tuples) is walked again and again by Python's
    garbage collector. Tracing cost about 28k machine instructions per message that way, 9k
    this way (scripts/bench_core.py)."""

    __slots__ = ("values",)

    def __init__(self, records=()):
        self.values = []   # WIDTH values per record, written by the simulator
        for record in records:
            self.append(record)

    def add(self, step, time, kind, node, rule=None, data=None):
        """Write one record (``data``: a dict, or what ``PACKED[kind]`` makes one from)."""
        self.values += (step, time, kind, node, rule, {} if data is None else data)

    def append(self, record):
        """Write a :class:`TraceRecord`."""
        self.add(record.step, record.time, record.kind, record.node, record.rule, record.data)

    def __len__(self):
        return len(self.values) // WIDTH

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._read(k) for k in range(len(self))[index]]
        count = len(self)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(f"trace index {index} out of range (the trace has {count} records)")
        return self._read(index)

    def __iter__(self):
        values = self.values
        for at in range(0, len(values), WIDTH):
            yield _record(*values[at:at + WIDTH])

    def __reversed__(self):
        for k in reversed(range(len(self))):
            yield self._read(k)

    def _read(self, k):
        at = k * WIDTH
        return _record(*self.values[at:at + WIDTH])

    def step_records(self, step):
        """The records of step ``step`` (steps only grow along a trace, so they are together)."""
        values = self.values
        low, high = 0, len(self)
        while low < high:   # the first record of step >= step
            middle = (low + high) // 2
            if values[middle * WIDTH] < step:
                low = middle + 1
            else:
                high = middle
        records = []
        while low < len(self) and values[low * WIDTH] == step:
            records.append(self._read(low))
            low += 1
        return records

    def __eq__(self, other):
        if isinstance(other, Trace):
            return list(self) == list(other)
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return f"<Trace of {len(self)} records>"


#: How many values a record takes in ``Trace.values``.
WIDTH = 6


def entry_label(entry):
    """How an applied entry reads in its "apply" record: the command's repr, "no-op", or the
    configuration."""
    command = entry.command
    if command is None:
        return "no-op"
    if isinstance(command, Configuration):
        return f"configuration {command}"
    return repr(command)


def _message_data(msg):
    return {"msg": msg}


def _apply_data(packed):
    index, entry = packed
    return {"index": index, "what": entry_label(entry)}


#: kind -> how a row's packed data becomes the record's data dict (see :class:`Trace`).
PACKED = {"send": _message_data, "deliver": _message_data, "duplicate": _message_data,
          "apply": _apply_data}


def _record(step, time, kind, node, rule, data):
    if data.__class__ is not dict:
        data = PACKED[kind](data)
    return TraceRecord(step, time, kind, node, rule, data)


def _is_message(value):
    return isinstance(value, MESSAGE_TYPES) or _is_client_message(value)


def _is_client_message(value):
    return type(value).__name__ in ("ClientRequest", "ClientReply") and hasattr(value, "seq")


def describe_message(msg):
    """A short label for a message, as drawn beside it in pictures."""
    if isinstance(msg, RequestVote):
        return f"RequestVote(term {msg.term}, last {msg.last_log_index}/{msg.last_log_term})"
    if isinstance(msg, RequestVoteReply):
        return f"vote {'granted' if msg.vote_granted else 'denied'} (term {msg.term})"
    if isinstance(msg, AppendEntries):
        n = len(msg.entries)
        what = "heartbeat" if n == 0 else f"{n} entr{'y' if n == 1 else 'ies'}"
        return (f"AppendEntries(term {msg.term}, {what}, prev {msg.prev_log_index}/"
                f"{msg.prev_log_term}, commit {msg.leader_commit})")
    if isinstance(msg, AppendEntriesReply):
        if msg.success:
            return f"append ok (term {msg.term}, match {msg.match_index})"
        return f"append failed (term {msg.term}, retry at {msg.conflict_index})"
    if isinstance(msg, InstallSnapshot):
        return (f"InstallSnapshot(term {msg.term}, through {msg.last_included_index}/"
                f"{msg.last_included_term})")
    if isinstance(msg, InstallSnapshotReply):
        if msg.last_included_index:
            return f"snapshot ok (term {msg.term}, through {msg.last_included_index})"
        return f"snapshot refused (term {msg.term})"
    # Beyond Figure 2: pre-vote (dissertation §9.6) and leadership transfer (§3.10).
    if isinstance(msg, PreVote):
        return (f"PreVote(for term {msg.next_term}, last {msg.last_log_index}/"
                f"{msg.last_log_term})")
    if isinstance(msg, PreVoteReply):
        return (f"pre-vote {'granted' if msg.vote_granted else 'denied'} "
                f"(for term {msg.next_term}, term {msg.term})")
    if isinstance(msg, TimeoutNow):
        return f"TimeoutNow(term {msg.term})"
    # Beyond Figure 2: the messages of reads (dissertation §6.4) and of clients (chapter 6)
    if isinstance(msg, Heartbeat):
        return f"Heartbeat(term {msg.term}, round {msg.round})"
    if isinstance(msg, HeartbeatReply):
        return (f"heartbeat {'acknowledged' if msg.ok else 'refused'} (term {msg.term}, round "
                f"{msg.round})")
    if isinstance(msg, ReadIndexRequest):
        return f"ReadIndexRequest(term {msg.term}, for {msg.ctx})"
    if isinstance(msg, ReadIndexReply):
        if msg.ok:
            return f"readIndex {msg.index} (term {msg.term}, for {msg.ctx})"
        return f"readIndex refused (term {msg.term}, for {msg.ctx})"
    if _is_client_message(msg):
        from .clients import describe
        return describe(msg)
    return repr(msg)


def _s(node):
    return node if isinstance(node, str) else f"S{node}"   # a client is named c1, c2...


# -- the kinds of record, as one table ----------------------------------------------------------
#
# Every record's kind is a key of KINDS below, which says in one place how a record of that kind
# reads and how much it tells about its step. A kind that is not in the table is an error
# (TraceError), not a default sentence: a misspelled kind fails loudly, and
# tests/test_sim_trace.py checks that every kind the node and the simulator write is here.

class Kind(NamedTuple):
    """How a record of one kind reads, and how it ranks among the records of its step."""

    sentence: object     # a str.format template over n ("S3", or "the cluster") and the record's
    #                      data, or a function (n, data, rule) -> str when the words vary
    headline: float | None  # rank when choosing the rule that explains a step (1 = asked first);
    #                       None: never the step's rule
    caption: float | None  # rank among the consequences a step's caption lists after its lead;
    #                      None: never listed (it can still lead, being the step's first record)
    leads: bool          # as a step's first record its sentence leads the caption; False: the
    #                      role change it caused says the same, better, and leads instead
    rules: tuple         # the rules (keys of raft.node.RULES, or None) it can carry
    key: bool = False    # one of a run's key events: what a grader's report lists to tell the
    #                      story of a failed run (roles, votes, terms, commits, faults...)


def _send(n, d, rule):
    return f"{n} sent {describe_message(d['msg'])} to {_s(d['msg'].dst)}"


def _deliver(n, d, rule):
    return f"{n} received {describe_message(d['msg'])} from {_s(d['msg'].src)}"


def _drop(n, d, rule):
    msg = d["msg"]
    return f"{describe_message(msg)} from {_s(msg.src)} to {_s(msg.dst)} was lost ({d['reason']})"


def _duplicate(n, d, rule):
    return f"the network duplicated {describe_message(d['msg'])} to {_s(d['msg'].dst)}"


def _role(n, d, rule):
    if d["new"] == "candidate":
        cause = {"follower-timeout": "timed out", "candidate-timeout": "timed out",
                 "pv-win": "won its pre-vote", "candidate-transfer": "was told to take over"
                 }.get(rule, "was told to campaign")
        return f"{n} {cause} and became candidate for term {d['term']}"
    if d["new"] == "leader":
        return f"{n} won the election and became leader for term {d['term']}"
    if rule == "config-removed":
        return f"{n} stepped down: it is not in the new configuration"
    if rule == "cq-step-down":
        return (f"{n} stepped down in term {d['term']}: no majority answered it within an "
                "election timeout (check-quorum)")
    return f"{n} stepped down from {d['old']} to follower in term {d['term']}"


def _vote(n, d, rule):
    if rule in ("pv-grant", "pv-refuse"):
        if d["granted"]:
            return f"{n} said yes to {_s(d['candidate'])}'s pre-vote"
        return f"{n} said no to {_s(d['candidate'])}'s pre-vote: {d['reason']}"
    if d["granted"]:
        return f"{n} granted its vote to {_s(d['candidate'])}"
    return f"{n} denied its vote to {_s(d['candidate'])}: {d['reason']}"


def _votes(n, d, rule):
    if rule == "pv-count":
        return (f"{n} counted a yes to its pre-vote from {_s(d['src'])}; it has "
                f"{', '.join(_s(v) for v in d['votes'])}")
    return f"{n} counted a vote from {_s(d['src'])}; it has {', '.join(_s(v) for v in d['votes'])}"


def _append(n, d, rule):
    span = f"entry {d['first']}" if d["first"] == d["last"] else f"entries {d['first']}-{d['last']}"
    what = {"leader-noop": "a no-op as", "leader-client": "a client command as"}.get(rule, "")
    return f"{n} appended {what + ' ' if what else ''}{span} to its log"


def _truncate(n, d, rule):
    return (f"{n} deleted {d['count']} conflicting entr{'y' if d['count'] == 1 else 'ies'} "
            f"from index {d['first']}")


def _reject(n, d, rule):
    if rule == "ae-stale":
        return f"{n} rejected AppendEntries from {_s(d['leader'])}: stale term"
    if rule == "ae-two-leaders":
        return f"{n} rejected AppendEntries from {_s(d['leader'])}: it leads the same term itself"
    return (f"{n} rejected AppendEntries from {_s(d['leader'])}: no matching entry at "
            f"index {d['prev_log_index']}")


def _ignore(n, d, rule):
    if rule == "rv-ignore":
        return (f"{n} ignored {type(d['msg']).__name__} from {_s(d['msg'].src)}: it heard from "
                "a leader recently")
    return f"{n} ignored a stale {type(d['msg']).__name__} from {_s(d['msg'].src)}"


def _servers(ids):
    return ", ".join(_s(i) for i in ids)


def _catchup(n, d, rule):
    return f"{n} is catching up {_servers(d['learners'])} as non-voting members"


def _catchup_failed(n, d, rule):
    return f"{n} abandoned the membership change for {_servers(d['learners'])}"


def _snapshot(n, d, rule):
    if rule == "snap-send":
        return (f"{n} no longer holds entry {d['next_index']}, which S{d['peer']} needs: it sent "
                f"its snapshot through index {d['index']} instead")
    return (f"{n} took a snapshot through index {d['index']} (term {d['term']}) and discarded "
            f"{d['discarded']} log entr{'y' if d['discarded'] == 1 else 'ies'}")


def _install(n, d, rule):
    leader, index = _s(d["leader"]), d["index"]
    if rule == "is-stale":
        return f"{n} refused a snapshot from {leader}: stale term"
    if rule == "ae-two-leaders":
        return f"{n} refused a snapshot from {leader}: it leads the same term itself"
    if rule == "is-old":
        return (f"{n} ignored {leader}'s snapshot through index {index}: it holds one through "
                f"index {d['have']} already")
    kept = (f"kept the {d['kept']} entr{'y' if d['kept'] == 1 else 'ies'} after it"
            if rule == "is-retain" else "discarded its whole log")
    return f"{n} installed {leader}'s snapshot through index {index} and {kept}"


def _restart(n, d, rule):
    snapshot = d.get("snapshot")
    held = f", a snapshot through index {snapshot}" if snapshot is not None else ""
    return f"{n} restarted with term {d['term']}{held} and {d['log']} log entries from its disk"


def _partition(n, d, rule):
    groups = " | ".join(" ".join(_s(i) for i in g) for g in d["groups"])
    return f"the network split into {groups}"


def _membership(n, d, rule):
    if rule == "ss-change":
        what = {"add": "add S{server} as a voter" if d["voter"] else "add S{server} as a non-voter",
                "promote": "make the non-voter S{server} a voter",
                "remove": "remove S{server}"}[d["change"]].format(server=d["server"])
        return f"{n} was asked to {what} (a single-server change)"
    voters = "{" + ",".join(str(i) for i in d["voters"]) + "}"
    return (f"{n} was asked to change the configuration to {voters}"
            f"{' (unsafe switch)' if d['unsafe'] else ''}")


def _pre_vote(n, d, rule):
    return (f"{n} asked the others whether they would vote for it in term {d['term']} "
            "(pre-vote); its own term stays")


def _transfer(n, d, rule):
    if rule == "tr-start":
        return f"{n} began handing leadership over to {_s(d['target'])}; it takes no requests now"
    if rule == "tr-timeout-now":
        return f"{n} sent TimeoutNow to {_s(d['target'])}, whose log now matches its own"
    return f"{n} gave up handing leadership over to {_s(d['target'])}; it takes requests again"


def _read(n, d, rule):
    ctx = d.get("ctx")
    if rule == "read-wait":
        return (f"{n} holds the read {ctx} until it has committed an entry of its term "
                f"{d['term']}")
    if rule == "read-index":
        return (f"{n} saved read index {d['index']} for the read {ctx} and confirms its "
                f"leadership with round {d['round']}")
    if rule == "lease-read":
        return (f"{n} answers the read {ctx} at index {d['index']} under its lease (until "
                f"{d['until']:.0f} ms on its clock)")
    if rule == "read-follower":
        return f"{n} asked S{d['leader']} for a read index for the read {ctx}"
    return f"{n} refused the read {ctx}: {d['reason']}"


def _lease(n, d, rule):
    if rule == "lease-extend":
        return (f"{n}'s lease now runs until {d['until']:.1f} ms on its clock (round "
                f"{d['round']} confirmed)")
    return f"{n} gave its lease up: {d['reason']}"


def _client_send(n, d, rule):
    msg = d["msg"]
    return f"{n} sent {describe_message(msg)} to {_s(msg.dst)}"


def _client_deliver(n, d, rule):
    msg = d["msg"]
    return f"{n} received {describe_message(msg)} from {_s(msg.src)}"


def _client_drop(n, d, rule):
    msg = d["msg"]
    return (f"{describe_message(msg)} from {_s(msg.src)} to {_s(msg.dst)} was lost "
            f"({d['reason']})")


def _client_return(n, d, rule):
    out = "" if d["output"] is None else f" {d['output']!r}"
    return f"{n}'s {d['op']} returned{out or ' ok'}"


def _partition_clients(n, d, rule):
    sides = "; ".join(f"{c} reaches only {', '.join(_s(i) for i in g) or 'no server'}"
                      for c, g in d["sides"].items())
    return f"clients on one side of the partition: {sides}"


def _network(n, d, rule):
    return "the network settings changed: " + ", ".join(f"{a}={b}" for a, b in d.items())


_STEP_DOWN = ("all-term", "candidate-leader-found", "config-removed")
_CANDIDATE = ("follower-timeout", "candidate-timeout", "candidate-forced", "candidate-transfer",
              "pv-win")

#: kind -> Kind. In the order of a run: the network, timers, elections, replication, membership,
#: then what the simulator's user does.
KINDS = {
    # -- messages on the network (written by the simulator)
    "send": Kind(_send, 23, None, True, (None, "leader-replicate", "leader-heartbeat")),
    "deliver": Kind(_deliver, 21, None, True, (None,)),
    "drop": Kind(_drop, 15, None, True, (None,)),
    "duplicate": Kind(_duplicate, None, None, True, (None,)),
    # -- terms and elections
    "timeout": Kind("{n}'s election timer fired", 22, None, False, (None,)),
    "term": Kind("{n} saw term {term} from S{src} and adopted it", None, None, True,
                 ("all-term",), key=True),
    "role": Kind(_role, 1, 1, True, _STEP_DOWN + _CANDIDATE + ("candidate-win", "cq-step-down"),
                 key=True),
    "election": Kind("{n} voted for itself and asked the others for votes in term {term}",
                     None, None, True, ("candidate-start",)),
    "vote": Kind(_vote, 13, 2, True, ("rv-stale", "rv-grant", "rv-refuse", "pv-grant",
                                      "pv-refuse"), key=True),
    "votes": Kind(_votes, 14, 3, True, ("candidate-count", "pv-count")),
    "ignore": Kind(_ignore, None, None, True, ("rv-ignore", "reply-stale")),
    # -- log replication
    "heartbeat": Kind("{n} sent heartbeats (AppendEntries) to its followers", 24, None, True,
                      ("leader-heartbeat",)),
    "append": Kind(_append, 20, None, True, ("leader-noop", "leader-client", "ae-append",
                                              "config-begin", "config-joint", "config-unsafe",
                                              "ss-change")),
    "truncate": Kind(_truncate, 11, 4, True, ("ae-truncate",), key=True),
    "reject": Kind(_reject, 18, 7, True, ("ae-stale", "ae-mismatch", "ae-two-leaders"), key=True),
    "matched": Kind("{n} learned that S{peer} matches up to index {match_index}", None, None,
                    True, ("leader-success", "snap-matched")),
    "backoff": Kind("{n} moved next_index of S{peer} from {before} to {next_index}", 19, None,
                    True, ("leader-backoff",)),
    "commit": Kind("{n} advanced its commit index to {commit_index}", 12, 5, True,
                   ("leader-commit", "ae-commit"), key=True),
    "apply": Kind("{n} applied entry {index} ({what}) to its state machine", 16, None, True,
                  ("all-apply",), key=True),
    # -- membership changes
    "config": Kind("{n} now uses configuration {config} (log index {index})", 17, 6, True,
                   ("config-latest",)),
    "catchup": Kind(_catchup, None, None, True, ("config-catchup",)),
    "catchup-failed": Kind(_catchup_failed, None, None, True, ("config-catchup",)),
    # -- log compaction (§7; only when snapshots are taken). Their ranks fall between two
    #    existing ones, so they are not whole numbers.
    "snapshot": Kind(_snapshot, 16.5, 6.5, True, ("snap-take", "snap-send")),
    "install": Kind(_install, 11.5, 4.5, True, ("is-stale", "is-old", "is-retain", "is-discard",
                                                "ae-two-leaders"), key=True),
    "restore": Kind("{n} resets its state machine from the snapshot through index {index}", None,
                    None, True, ("is-restore",)),
    # -- what the simulator's user does (written by the simulator)
    "crash": Kind("{n} crashed", 2, None, True, (None,), key=True),
    "restart": Kind(_restart, 3, None, True, (None,), key=True),
    "partition": Kind(_partition, 4, None, True, (None,), key=True),
    "heal": Kind("the network healed: every server can reach every other", 5, None, True,
                 (None,), key=True),
    "cut": Kind("the link between S{a} and S{b} was cut (both can still reach the others)", 29,
                None, True, (None,), key=True),
    "disconnect": Kind("{n} was cut off from the network", 6, None, True, (None,)),
    "connect": Kind("{n} was reconnected to the network", 7, None, True, (None,)),
    "submit": Kind("a client sent {command!r} to {n}; it is log index {index}", 8, None, True,
                   ("leader-client",), key=True),
    "membership": Kind(_membership, 9, None, True, ("config-catchup", "config-unsafe",
                                                    "ss-change"), key=True),
    # (not a key event: the role change that always follows says it, "S1 was told to
    # campaign and became candidate for term 2")
    "force-timeout": Kind("{n} was told to start an election now", 10, None, False, (None,)),
    "compact": Kind("{n} was told to take a snapshot now", 10.5, None, True, (None,)),
    "network": Kind(_network, 25, None, True, (None,), key=True),
    "advance": Kind("time passed to {to:.0f} ms", 26, None, True, (None,)),
    # -- beyond Figure 2: pre-vote (dissertation §9.6) and leadership transfer (§3.10)
    "pre-vote": Kind(_pre_vote, 27, 8, True, ("pv-start",)),
    "transfer": Kind(_transfer, 28, 9, True, ("tr-start", "tr-timeout-now", "tr-abort"),
                     key=True),
    # -- beyond Figure 2: reads (dissertation §6.4), written by the node
    "read": Kind(_read, 30, 10, True, ("read-wait", "read-index", "lease-read",
                                       "read-follower", "read-refused"), key=True),
    "round": Kind("{n} sent round {round} of heartbeats to confirm it still leads", 31, None,
                  True, ("read-index",)),
    "confirm": Kind("{n}: a majority acknowledged round {round}; it led when it sent it", 32, 11,
                    True, ("read-confirm",), key=True),
    "lease": Kind(_lease, 33, 12, True, ("lease-extend", "lease-end")),
    # -- clients (dissertation chapter 6), written by the simulator (raft/sim/clients.py)
    "clients": Kind("the cluster has {count} clients", 34, None, True, (None,)),
    "client-call": Kind("{n} called {op} (operation {seq})", 35, 13, True, (None,), key=True),
    "client-send": Kind(_client_send, 39, None, True, (None,)),
    "client-deliver": Kind(_client_deliver, 38, None, True, (None,)),
    "client-drop": Kind(_client_drop, 36, None, True, (None,)),
    "client-duplicate": Kind("the network duplicated {msg} to {n}", None, None, True, (None,)),
    "client-return": Kind(_client_return, 37, 14, True, (None,), key=True),
    "client-retry": Kind("{n} tries S{server} for {op}: {reason}", 40, 15, True, (None,)),
    "client-give-up": Kind("{n} gave up on {op} after {attempts} attempts", 41, 16, True,
                           (None,), key=True),
    "serve": Kind("{n} answered {what} {how}", 42, 17, True, (None,), key=True),
    "clock-rate": Kind("{n}'s clock now runs at {rate} times the true rate", 43, None, True,
                       (None,), key=True),
    "partition-clients": Kind(_partition_clients, None, 18, True, (None,), key=True),
}

# The kinds by rank, most telling first (for step_rule and step_caption).
_HEADLINE = tuple(sorted((k for k in KINDS if KINDS[k].headline), key=lambda k: KINDS[k].headline))
_CAPTION = tuple(sorted((k for k in KINDS if KINDS[k].caption), key=lambda k: KINDS[k].caption))


def kind_of(record):
    """The :class:`Kind` of a record; a kind not in KINDS raises TraceError."""
    try:
        return KINDS[record.kind]
    except KeyError:
        raise TraceError(f"unknown trace kind {record.kind!r} (server {record.node}, rule "
                         f"{record.rule!r}): every kind must be a key of raft.trace.KINDS"
                         ) from None


def sentence(r):
    """One line of English for a record."""
    template = kind_of(r).sentence
    n = _s(r.node) if r.node is not None else "the cluster"
    if isinstance(template, str):
        return template.format(n=n, **r.data)
    return template(n, r.data, r.rule)


def step_caption(records):
    """The sentence for a whole step: what arrived or fired, then its main consequences."""
    if not records:
        return "the cluster starts; every server is a follower"
    first = records[0]
    # A timer record and the role change it caused say the same thing twice ("S3's election
    # timer fired; S3 timed out and became candidate..."): lead with the role change.
    if not kind_of(first).leads:
        first = next((r for r in records if r.kind == "role" and r.node == first.node), first)
    parts = [first.sentence]
    seen = {id(first)}
    for kind in _CAPTION:
        for r in records:
            if r.kind == kind and id(r) not in seen:
                parts.append(r.sentence)
                seen.add(id(r))
    return "; ".join(parts[:4])


def step_rule(records):
    """The rule of the paper that best explains a step (text), or ''."""
    for kind in _HEADLINE:
        for r in records:
            if r.kind == kind and r.rule:
                if r.rule not in RULES:
                    raise TraceError(f"unknown rule {r.rule!r} on a {r.kind!r} record of server "
                                     f"{r.node}: every rule must be a key of raft.node.RULES")
                return RULES[r.rule]
    return ""
