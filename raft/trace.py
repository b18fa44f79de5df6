"""The trace: every event of a simulated run as a structured record with a human sentence.

A :class:`TraceRecord` has the step it belongs to (one simulator event is one step), the
simulated time, a ``kind``, the server it concerns, the rule of the paper behind it (a key of
``raft.node.RULES``, or None) and its data. ``record.sentence`` renders it as one line of
English, e.g. "S3 timed out and became candidate for term 2". Sentences are built only when
asked for, so tracing stays cheap.
"""

from .node import (AppendEntries, AppendEntriesReply, RequestVote, RequestVoteReply, RULES)


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


def _is_message(value):
    return isinstance(value, (RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply))


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
    return repr(msg)


def _s(node):
    return f"S{node}"


def sentence(r):
    """One line of English for a record."""
    d = r.data
    k = r.kind
    n = _s(r.node) if r.node is not None else "the cluster"
    if k == "send":
        return f"{n} sent {describe_message(d['msg'])} to {_s(d['msg'].dst)}"
    if k == "deliver":
        return f"{n} received {describe_message(d['msg'])} from {_s(d['msg'].src)}"
    if k == "drop":
        msg = d["msg"]
        return (f"{describe_message(msg)} from {_s(msg.src)} to {_s(msg.dst)} "
                f"was lost ({d['reason']})")
    if k == "duplicate":
        return f"the network duplicated {describe_message(d['msg'])} to {_s(d['msg'].dst)}"
    if k == "timeout":
        return f"{n}'s election timer fired"
    if k == "heartbeat":
        return f"{n} sent heartbeats (AppendEntries) to its followers"
    if k == "role":
        if d["new"] == "candidate":
            cause = "timed out" if r.rule in ("follower-timeout", "candidate-timeout") \
                else "was told to campaign"
            return f"{n} {cause} and became candidate for term {d['term']}"
        if d["new"] == "leader":
            return f"{n} won the election and became leader for term {d['term']}"
        if r.rule == "config-removed":
            return f"{n} stepped down: it is not in the new configuration"
        return f"{n} stepped down from {d['old']} to follower in term {d['term']}"
    if k == "term":
        return f"{n} saw term {d['term']} from {_s(d['src'])} and adopted it"
    if k == "election":
        return f"{n} voted for itself and asked the others for votes in term {d['term']}"
    if k == "vote":
        if d["granted"]:
            return f"{n} granted its vote to {_s(d['candidate'])}"
        return f"{n} denied its vote to {_s(d['candidate'])}: {d['reason']}"
    if k == "votes":
        return (f"{n} counted a vote from {_s(d['src'])}; it has "
                f"{', '.join(_s(v) for v in d['votes'])}")
    if k == "append":
        span = f"entry {d['first']}" if d["first"] == d["last"] \
            else f"entries {d['first']}-{d['last']}"
        what = {"leader-noop": "a no-op as", "leader-client": "a client command as"}.get(r.rule, "")
        return f"{n} appended {what + ' ' if what else ''}{span} to its log"
    if k == "truncate":
        return (f"{n} deleted {d['count']} conflicting entr{'y' if d['count'] == 1 else 'ies'} "
                f"from index {d['first']}")
    if k == "commit":
        return f"{n} advanced its commit index to {d['commit_index']}"
    if k == "apply":
        return f"{n} applied entry {d['index']} ({d['what']}) to its state machine"
    if k == "reject":
        if r.rule == "ae-stale":
            return f"{n} rejected AppendEntries from {_s(d['leader'])}: stale term"
        if r.rule == "ae-two-leaders":
            return (f"{n} rejected AppendEntries from {_s(d['leader'])}: it leads the same term "
                    "itself")
        return (f"{n} rejected AppendEntries from {_s(d['leader'])}: no matching entry at "
                f"index {d['prev_log_index']}")
    if k == "matched":
        return f"{n} learned that {_s(d['peer'])} matches up to index {d['match_index']}"
    if k == "backoff":
        return f"{n} moved next_index of {_s(d['peer'])} from {d['before']} to {d['next_index']}"
    if k == "ignore":
        if r.rule == "rv-ignore":
            return (f"{n} ignored RequestVote from {_s(d['msg'].src)}: it heard from a leader "
                    "recently")
        return f"{n} ignored a stale {type(d['msg']).__name__} from {_s(d['msg'].src)}"
    if k == "config":
        return f"{n} now uses configuration {d['config']} (log index {d['index']})"
    if k == "catchup":
        return f"{n} is catching up {', '.join(_s(i) for i in d['learners'])} as non-voting members"
    if k == "catchup-failed":
        return f"{n} abandoned the membership change for {', '.join(_s(i) for i in d['learners'])}"
    if k == "crash":
        return f"{n} crashed"
    if k == "restart":
        return f"{n} restarted with term {d['term']} and {d['log']} log entries from its disk"
    if k == "partition":
        groups = " | ".join(" ".join(_s(i) for i in g) for g in d["groups"])
        return f"the network split into {groups}"
    if k == "heal":
        return "the network healed: every server can reach every other"
    if k == "disconnect":
        return f"{n} was cut off from the network"
    if k == "connect":
        return f"{n} was reconnected to the network"
    if k == "submit":
        return f"a client sent {d['command']!r} to {n}; it is log index {d['index']}"
    if k == "membership":
        return (f"{n} was asked to change the configuration to "
                f"{{{','.join(str(i) for i in d['voters'])}}}{' (unsafe switch)' if d['unsafe'] else ''}")
    if k == "network":
        return "the network settings changed: " + ", ".join(f"{a}={b}" for a, b in d.items())
    if k == "force-timeout":
        return f"{n} was told to start an election now"
    if k == "advance":
        return f"time passed to {d['to']:.0f} ms"
    return f"{n}: {k} {d}"


# The kinds that make a good one-line caption for a step, most telling first.
_HEADLINE = ("role", "crash", "restart", "partition", "heal", "disconnect", "connect", "submit",
             "membership", "force-timeout", "truncate", "commit", "vote", "votes", "drop",
             "apply", "config", "reject", "backoff", "append", "deliver", "timeout", "send",
             "heartbeat", "network", "advance")


def step_caption(records):
    """The sentence for a whole step: what arrived or fired, then its main consequences."""
    if not records:
        return "the cluster starts; every server is a follower"
    first = records[0]
    # A timer record and the role change it caused say the same thing twice ("S3's election
    # timer fired; S3 timed out and became candidate..."): lead with the role change.
    if first.kind in ("timeout", "force-timeout"):
        first = next((r for r in records if r.kind == "role" and r.node == first.node), first)
    parts = [first.sentence]
    seen = {id(first)}
    for kind in ("role", "vote", "votes", "truncate", "commit", "config", "reject"):
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
                return RULES[r.rule]
    return ""
