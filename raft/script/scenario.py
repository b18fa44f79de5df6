"""Scenario files: a cluster's setup, actions and ``expect`` lines, one per line of text.

In the style of etcd's ``testdata/*.txt`` files. A scenario first describes the cluster, then
what happens to it, with ``expect`` lines that must hold::

    cluster size=5 seed=7 election_timeout=150..300 heartbeat_interval=50 latency=10..15
                          # also: drop= duplicate= reorder= fast_backoff=yes
                          # disruption_guard=no max_entries_per_message=64
                          # snapshot_threshold=20 (log compaction, §7)
                          # pre_vote=yes check_quorum=yes (chapter 10)
    log 1: 1 1 2          # optional starting state: S1's log, index 1 first, one word an entry:
    log 2: 1 1:x=1 '2:append y a' 3:{1,2,3} 3:x=2@c1/4   # a term (no-op), term:command,
                          # term:configuration, a client's command @client/serial number
    term 1: 3             # S1's current_term (default: its last log term)
    vote 1: 1             # S1's voted_for
    mode lenient          # optional: skip actions that make no sense when their turn comes
    elect 1               # S1 takes over now (as "takeover 1"); run until it leads
    submit x=1            # a client command to the leader ("submit x=1 to 2" for S2,
                          # "... to old-leader"; "... as alice:3" gives the client id and
                          # sequence number)
    run 300ms             # let 300 simulated milliseconds pass
    run until leader      # ... or until there is a leader (within 10 s, or "within 2000ms")
    step 12               # process exactly 12 events
    crash 2 / restart 2 / disconnect 3 / connect 3 / timeout 4 / isolate 2 / reboot 2
    compact 2             # S2 snapshots its state machine now and compacts its log (§7)
    crash leader / restart any / isolate leader / reboot leader / disconnect leader
    timeout 4             # S4's election timer fires now: an ordinary election
    takeover 4            # S4 campaigns at once, as a transfer's target (passes the §6 guard)
    transfer 4            # the leader hands over to S4 (dissertation §3.10)
    partition 1 2 | 3 4 5 / heal
    cut 1 2               # only the link between S1 and S2 (a partial partition)
    network drop=0.2 duplicate=0.1 reorder=0.1 latency=10..20
    members 1 2 3 4 5     # membership change by joint consensus ("... unsafe": direct switch)
    add 6 / add 6 nonvoter / promote 6 / remove 2 / remove leader   # one server at a time
    deliver #17 / drop #17  # a message on the network, by its id
    duplicate #17 / fire 2  # on a manual cluster (manual=yes in the header), where nothing
                            # happens by itself: a second copy of a message; time passes
                            # and S2's timer fires (see raft.sim.manual)
    clock 1500            # time passes to 1500 ms (nothing may be due before then)
    expect leader 1       # or: expect leader none
    expect term 3 = 2 / expect role 3 = follower / expect commit 1 = 4
    expect log 1 = 1 1 2  # terms of S1's log
    expect applied 2 = x=1 y=2
    expect voted_for 2 = 1
    expect error NotLeader: submit x=1 to 2
    expect progress within 3000ms   # liveness: the faults end, then a command must commit

Every action line is a value of :mod:`raft.sim.actions` (``Action.parse(line)``, ``str(action)``),
done with ``cluster.do``; this module adds the file around them: comments, the header, the
starting state, the mode, the expectations and line numbers. The older spellings still read:
``heartbeat=`` and ``max_entries=`` in the header, and the grader's older first line
``size=3 seed=7 ...`` (without ``cluster``), which also means ``mode lenient``.

Errors in the text raise :class:`~raft.errors.ScenarioError` with the line number; an
``expect`` that does not hold raises :class:`~raft.errors.ExpectationFailed`, also with it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from .. import errors
from ..errors import ExpectationFailed, ScenarioError
from ..node import Node
from ..sim.actions import (VERBS, Action, Duplicate, Fire, Setup, _ms, number_text,
                            parse_entry)
from ..sim.cluster import Cluster
from ..sim.manual import ManualCluster

_MANUAL_ONLY = (Fire, Duplicate)   # the steps only a ManualCluster takes
_COMMENT = re.compile(r"(?:^|\s)#(?=\s|$)")  # "# note" is a comment; "#17" is a message id
_STATE = ("log", "term", "vote")
_MODES = {"strict": False, "lenient": True}
_EXPECT = ("leader", "term", "role", "commit", "log", "applied", "voted_for", "error",
           "progress")


# -- expectations ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expect:
    """``expect leader 1`` (``node`` None, ``value`` the leader or None), or
    ``expect WHAT N = VALUE`` for ``what`` in term, role, commit, log, applied, voted_for."""

    what: str
    node: int | None
    value: object

    def __str__(self):
        if self.what == "leader":
            return f"expect leader {'none' if self.value is None else self.value}"
        value = self.value
        if isinstance(value, (list, tuple)):
            value = " ".join(str(v) for v in value)
        elif value is None:
            value = "none"
        return f"expect {self.what} {self.node} = {value}"

    def failure(self, cluster):
        """None if the expectation holds on ``cluster``, else what is wrong (one line)."""
        if self.what == "leader":
            got = cluster.leader()
            return None if got == self.value else \
                f"leader is {_fmt_id(got)}, expected {_fmt_id(self.value)}"
        cluster.node(self.node)
        n = cluster.nodes[self.node]
        got = {"term": lambda: n.current_term, "role": lambda: n.role,
               "commit": lambda: n.commit_index, "log": lambda: n.log.terms(),
               "applied": lambda: cluster.applied(self.node),
               "voted_for": lambda: n.voted_for}[self.what]()
        want = list(self.value) if isinstance(self.value, tuple) else self.value
        return None if got == want else f"S{self.node} {self.what} is {got!r}, expected {want!r}"


@dataclass(frozen=True)
class ExpectError:
    """``expect error NotLeader: submit x=1 to 2``: the action must raise that error (or fail
    to parse with it)."""

    error: str
    command: str
    action: Action | None    # None: the command itself does not parse, with that error

    def __str__(self):
        return f"expect error {self.error}: {self.command}"

    def failure(self, cluster):
        cls = getattr(errors, self.error)
        if self.action is None:
            return None
        try:
            cluster.do(self.action)     # strict, whatever the mode: the error is the point
        except cls:
            return None
        return f"expected {self.error} from '{self.command}'"


#: The client command ``expect progress`` sends (as client "probe", sequence number 1).
PROBE = "probe=1"


@dataclass(frozen=True)
class ExpectProgress:
    """``expect progress within 3000ms``: liveness. Every fault ends (the network heals, every
    crashed server restarts, no more loss, duplication or reordering; latency stays), then a
    client command must be committed and applied within that many simulated ms. The command
    (:data:`PROBE`) is sent to each leader as it appears, as client ``probe`` with sequence
    number 1, so a retry is applied once (§8). The grader ends every random schedule with it."""

    within: float = 3000.0

    def __str__(self):
        return f"expect progress within {number_text(self.within)}ms"

    def failure(self, cluster):
        if cluster.partition_groups is not None or cluster.disconnected:
            cluster.heal()
        for i in sorted(cluster.crashed):
            cluster.restart(i)
        if cluster.drop_rate or cluster.duplicate_rate or cluster.reorder_rate:
            cluster.set_network(drop=0, duplicate=0, reorder=0)
        start = cluster.now
        tried = set()
        while cluster.now - start < self.within:
            leader = cluster.leader()
            if leader is not None and (leader, cluster.nodes[leader].current_term) not in tried:
                tried.add((leader, cluster.nodes[leader].current_term))
                cluster.submit(PROBE, node=leader, client_id="probe", seq=1)
            cluster.run(25)
            if any(PROBE in cluster.state_machines[i].applied for i in cluster.ids):
                return None
        leader = cluster.leader()
        return (f"with every server up and the network healed, no client command was "
                f"committed within {number_text(self.within)} ms (leader now: "
                f"{'none' if leader is None else f'S{leader}'}, "
                f"{len(tried)} leader term(s) tried)")


# -- a scenario as values ----------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One line that does something: its number in the text, the text, and what it says (an
    Action, an Expect or an ExpectError)."""

    number: int
    text: str
    item: object


@dataclass(frozen=True)
class Script:
    """A scenario read from text: the cluster's ``setup``, the ``mode`` (``lenient`` skips
    actions that make no sense when their turn comes) and the ``lines`` to do, in order."""

    setup: Setup
    lenient: bool
    lines: tuple
    first: int | None = None    # the number of the header line (or of the first line)

    @property
    def actions(self):
        """The actions, without the expectations."""
        return [line.item for line in self.lines if isinstance(line.item, Action)]

    def text(self):
        """The scenario as text (comments and blank lines are not kept)."""
        out = [str(self.setup)] + (["mode lenient"] if self.lenient else [])
        return "\n".join(out + [str(line.item) for line in self.lines]) + "\n"


def load(text):
    """Read a scenario without running it; returns a :class:`Script`. Malformed text raises
    ScenarioError naming the line."""
    lines = _lines(text)
    header = None
    state = {"logs": {}, "terms": {}, "votes": {}}
    lenient = None
    body = []
    for number, words, raw in lines:
        head = words[0]
        try:
            if head == "cluster" or (header is None and not body and "=" in head
                                     and head.startswith("size=")):
                if header is not None or body:
                    raise ScenarioError("'cluster' must come once, before anything happens")
                header = (number, " ".join(words), raw)
                if head != "cluster" and lenient is None:
                    lenient = True   # the grader's older schedules were always lenient
            elif head in _STATE:
                if body:
                    raise ScenarioError(f"'{head}' sets the starting state; put it before "
                                        "the first action")
                _read_state(head, _quoted_words(raw) if head == "log" else words, state)
            elif head == "mode":
                if body:
                    raise ScenarioError("'mode' comes before the first action")
                if len(words) != 2 or words[1] not in _MODES:
                    raise ScenarioError("write 'mode strict' or 'mode lenient'")
                lenient = _MODES[words[1]]
            elif head == "expect":
                body.append(Line(number, raw, _read_expect(words[1:])))
            else:
                body.append(Line(number, raw, Action.parse(" ".join(words))))
        except ScenarioError as e:
            raise ScenarioError(_bare(e), number, raw) from e.__cause__
    try:
        setup = Setup.parse_header(header[1] if header else "",
                                   **{k: v or None for k, v in state.items()})
    except ScenarioError as e:
        raise ScenarioError(_bare(e), header[0], header[2]) from None
    return Script(setup, bool(lenient), tuple(body),
                  header[0] if header else (lines[0][0] if lines else None))


def run(text, check_invariants=True, cluster=None, node_class=None, after_line=None):
    """Run a scenario; returns the cluster at its end. Every ``expect`` is checked as it comes.

    ``cluster`` runs it on a cluster of your own (its setup lines are then ignored);
    ``node_class`` builds the scenario's cluster with that class of node (a lab's solution, a
    bug of the zoo); ``after_line(line, cluster)``, if given, is called after each
    :class:`Line` is done (the grader learns which steps each line took, and which line was
    under way when something failed)."""
    script = load(text)
    if cluster is None:
        cluster = build(script, check_invariants, node_class)
    for line in script.lines:
        item = line.item
        if isinstance(item, _MANUAL_ONLY) and not isinstance(cluster, ManualCluster):
            raise ScenarioError(f"'{item.verb}' needs a manual cluster (manual=yes on the "
                                "cluster line): elsewhere the network and the timers act by "
                                "themselves", line.number, line.text)
        try:
            if isinstance(item, Action):
                cluster.do(item, lenient=script.lenient)
            else:
                problem = item.failure(cluster)
                if problem is not None:
                    raise ExpectationFailed(problem)
            if after_line is not None:
                after_line(line, cluster)
        except ExpectationFailed as e:
            raise ExpectationFailed(f"line {line.number}: {e}\n    {line.text.strip()}") from e
        except errors.InvariantViolation:
            raise
        except errors.RaftError as e:
            raise ScenarioError(f"{type(e).__name__}: {e}", line.number, line.text) from e
    return cluster


def build(script, check_invariants=True, node_class=None):
    """The cluster a :class:`Script` (or scenario text) starts with."""
    if isinstance(script, str):
        script = load(script)
    make = ManualCluster if script.setup.manual else Cluster
    try:
        return make(**script.setup.kwargs(), node_class=node_class or Node,
                    check_invariants=check_invariants)
    except errors.RaftError as e:
        raise ScenarioError(f"cannot build the cluster: {e}", script.first) from e


def parse(text):
    """Check a scenario's syntax without running it; returns the cluster it would start."""
    return build(load(text), check_invariants=False)


def to_text(cluster):
    """The scenario that rebuilds ``cluster`` exactly (``cluster.scenario_text()``)."""
    return cluster.scenario_text()


# -- reading lines -----------------------------------------------------------------------------

def _lines(text):
    if not isinstance(text, str):
        raise ScenarioError(f"a scenario is text, got {type(text).__name__}")
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = _COMMENT.split(raw, 1)[0].strip()
        if line:
            out.append((number, line.split(), raw))
    return out


def _bare(error):
    """A ScenarioError's message without a line number it may already carry."""
    text = str(error)
    if error.line_number is not None:
        text = text.split(": ", 1)[1]
    if error.line:
        text = text.rsplit("\n    ", 1)[0]
    return text


def _int(word):
    try:
        return int(word)
    except ValueError:
        raise ScenarioError(f"expected a whole number, got {word!r}") from None


def _quoted_words(raw):
    """The words of a line in which a word may be quoted to hold spaces (a ``log`` line's
    entries: ``'1:append x a'``)."""
    try:
        return shlex.split(_COMMENT.split(raw, 1)[0])
    except ValueError as e:
        raise ScenarioError(f"{e} (a quote opened and never closed?)") from None


def _read_state(head, words, state):
    if len(words) < 2 or not words[1].endswith(":"):
        raise ScenarioError(f"write '{head} N: ...' (a server id and a colon)")
    node, rest = _int(words[1][:-1]), words[2:]
    if head == "log":
        state["logs"][node] = [parse_entry(w, node) for w in rest]
    elif len(rest) != 1:
        raise ScenarioError(f"'{head} N: value' takes one value")
    elif head == "term":
        state["terms"][node] = _int(rest[0])
    else:
        state["votes"][node] = None if rest[0] == "none" else _int(rest[0])


def _read_expect(words):
    if not words:
        raise ScenarioError("expect what?")
    what, rest = words[0], words[1:]
    if what == "error":
        name, _, command = " ".join(rest).partition(":")
        name, command = name.strip(), command.strip()
        cls = getattr(errors, name, None)
        if not (isinstance(cls, type) and issubclass(cls, Exception)) or not command:
            raise ScenarioError("write 'expect error ErrorName: command'")
        try:
            return ExpectError(name, command, Action.parse(command))
        except ScenarioError as e:
            if isinstance(e, cls) or isinstance(e.__cause__, cls):
                return ExpectError(name, command, None)
            raise
    if what == "progress":
        if rest and (len(rest) != 2 or rest[0] != "within"):
            raise ScenarioError("write 'expect progress' or 'expect progress within 3000ms'")
        return ExpectProgress(_ms(rest[1])) if rest else ExpectProgress()
    if what == "leader":
        if len(rest) != 1:
            raise ScenarioError("expected one server id")
        return Expect("leader", None, None if rest == ["none"] else _int(rest[0]))
    if what not in _EXPECT:
        raise ScenarioError(f"cannot expect {what!r} (known: {', '.join(_EXPECT)})")
    if "=" not in rest or rest.index("=") != 1:
        raise ScenarioError(f"write 'expect {what} N = value'")
    node, value = _int(rest[0]), rest[2:]
    if what == "log":
        return Expect(what, node, tuple(_int(v) for v in value))
    if what == "applied":
        return Expect(what, node, tuple(value))
    if len(value) != 1:
        raise ScenarioError("expected one value")
    if what in ("term", "commit"):
        return Expect(what, node, _int(value[0]))
    if what == "voted_for":
        return Expect(what, node, None if value[0] == "none" else _int(value[0]))
    return Expect(what, node, value[0])


def _fmt_id(i):
    return "none" if i is None else f"S{i}"


#: The words a line may start with (the actions' verbs, the setup's and ``expect``).
KNOWN = sorted(set(VERBS) | {"cluster", "mode", "expect", *_STATE})
