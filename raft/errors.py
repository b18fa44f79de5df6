"""Every error the package raises on purpose, each with a message that says what to do.

They all derive from :class:`RaftError`, so a caller can catch the family at once.
"""


class RaftError(Exception):
    """Base class of the package's own errors."""


class NotLeader(RaftError):
    """A client request reached a server that is not the leader (§8).

    ``leader_hint`` is the id of the leader this server last heard from, or None.
    """

    def __init__(self, node_id, leader_hint):
        self.node_id = node_id
        self.leader_hint = leader_hint
        if node_id is None:
            super().__init__("there is no leader right now; run the cluster until one is "
                             "elected (e.g. cluster.run_until(lambda c: c.leader()))")
            return
        hint = f"try S{leader_hint}" if leader_hint is not None else "no leader known yet"
        super().__init__(f"S{node_id} is not the leader ({hint})")


class MembershipChangeInProgress(RaftError):
    """A second membership change was requested while one is still in flight (§6), or a
    single-server change before the leader committed an entry of its own term (§4.1, the 2015
    fix)."""


class LeadershipTransferInProgress(RaftError):
    """The leader is handing over to another server (dissertation §3.10) and takes no client
    request or second transfer until that completes or is given up (after an election timeout).

    ``node_id`` is the leader, ``target`` the server it is handing over to."""

    def __init__(self, node_id, target):
        self.node_id = node_id
        self.target = target
        super().__init__(f"S{node_id} is handing leadership over to S{target}; retry at the new "
                         "leader (or after an election timeout, if the transfer is given up)")


class UnknownNode(RaftError, KeyError):
    """A node id that is not part of the cluster."""

    def __str__(self):  # KeyError would otherwise quote the message
        return self.args[0]


class NodeCrashed(RaftError):
    """An operation needs a running node, but that node is crashed."""


class ConfigurationError(RaftError, ValueError):
    """Bad parameters for a cluster or a node (e.g. a timeout not above the heartbeat)."""


class CommandError(RaftError, ValueError):
    """A client command the key-value store cannot parse (``raft.sim.kv``: 'x=3' or 'del x').

    It is a ValueError too, so code written as ``except ValueError`` keeps working."""


class StuckTimer(RaftError):
    """A server's timer keeps firing at one simulated instant: time can never move on.

    A node whose ``next_deadline()`` does not move past the time at which its timer just fired
    (for example a candidate that forgets to restart its election timer) would make the
    simulator spin forever. ``node_id`` is the server, ``timer`` "election" or "heartbeat",
    ``time`` the instant, ``count`` how many times it fired there, and ``first_step`` the step
    of the first of those firings (replay up to it to watch how it began)."""

    def __init__(self, node_id, timer, time, count, first_step):
        self.node_id = node_id
        self.timer = timer
        self.time = time
        self.count = count
        self.first_step = first_step
        if timer == "election":
            hint = ("restart it when you start an election (self.reset_election_timer(now), "
                    "formerly self._reset_election_timer; Figure 2, Rules for Servers: "
                    "Candidates)")
        else:
            hint = ("a leader sets the time of its next heartbeats when it sends them "
                    "(heartbeat_due)")
        super().__init__(f"S{node_id}'s {timer} timer fired {count:,} times at {time:.1f} ms "
                         f"without time moving on: {hint}")


class ScenarioError(RaftError, ValueError):
    """Malformed scenario text; the message carries the line number."""

    def __init__(self, message, line_number=None, line=None):
        self.line_number = line_number
        self.line = line
        where = f"line {line_number}: " if line_number is not None else ""
        shown = f"\n    {line.strip()}" if line else ""
        super().__init__(f"{where}{message}{shown}")


class ExpectationFailed(RaftError, AssertionError):
    """A scenario's ``expect`` line did not hold."""


class InvariantViolation(RaftError, AssertionError):
    """One of the five safety properties of Figure 3 was broken.

    ``prop`` names the property, ``details`` says which servers and entries, ``seed`` is the
    cluster's seed and ``recent`` the last trace records, so the run can be replayed.
    """

    def __init__(self, prop, details, seed=None, recent=(), step=None):
        self.prop = prop
        self.details = details
        self.seed = seed
        self.recent = list(recent)
        self.step = step
        lines = [f"{prop} violated at step {step} (seed={seed}): {details}"]
        if self.recent:
            lines.append("last events:")
            lines.extend(f"  {r}" for r in self.recent)
        super().__init__("\n".join(lines))


class TraceError(RaftError, KeyError):
    """A trace record of a kind, or naming a rule, that the trace does not know (a misspelling?).

    The kinds are the keys of ``raft.sim.trace.KINDS``, the rules those of ``raft.node.RULES``.
    """

    def __str__(self):  # KeyError would otherwise quote the message
        return self.args[0]


class HistoryError(RaftError, ValueError):
    """A malformed history given to the linearizability checker.

    ``index`` is the position of the bad operation in the history (or None when the history as a
    whole is wrong) and ``field`` the key at fault (``'ret'``, ``'value'``, ...).
    """

    def __init__(self, message, index=None, field=None):
        self.index = index
        self.field = field
        super().__init__(message)


class LogCompacted(RaftError, IndexError):
    """A log index that is not in the log: it was compacted into a snapshot (§7), or is below 1.

    ``index`` is the index asked for and ``snapshot_index`` the last index the snapshot
    replaces (0 if there is none). It is an IndexError too, as a bad index always was."""

    def __init__(self, message, index=None, snapshot_index=0):
        self.index = index
        self.snapshot_index = snapshot_index
        super().__init__(message)

    def __str__(self):
        return self.args[0]
