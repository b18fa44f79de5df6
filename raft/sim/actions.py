"""The action language: everything done to a simulated cluster, as values that read as text.

Theory of operation
-------------------
Every action a caller can take on a :class:`~raft.sim.cluster.Cluster` (crash a server, let time
pass, cut the network, send a client command...) is a small frozen value, one class per verb.
A value prints itself as one line of the scenario language and parses back from it::

    >>> Action.parse("submit x=1 to old-leader")
    Submit(command='x=1', to='old-leader', client=None, seq=None)
    >>> str(Crash("leader"))
    'crash leader'

so one vocabulary serves the scenario files, the grader's random schedules and their shrunk
counterexamples, the fuzz tests, the dashboard and the explorer's buttons. ``cluster.do(action)``
performs any of them (see ``Cluster.do``).

Targets. Most actions name a server by id. Some may instead name one *symbolically*, resolved
when the action is done: ``leader`` (the running leader of the highest term), ``old-leader``
(the running leader of the lowest term: a deposed one that has not heard of its successor) and
``any`` (the crashed server with the lowest id, for ``restart``). The cluster remembers the
concrete action it did (``restart any`` is remembered as ``restart 3``), so a replay or a saved
scenario names the same server again.

:class:`Setup` is the first line of a scenario, the cluster's settings
(``cluster size=3 seed=7 ...``), and the servers' starting state (``log 1: 1 1 2`` ...).

This module only describes actions; it imports nothing of the simulator.
"""

from __future__ import annotations

import math
import shlex
import re
from dataclasses import dataclass, fields
from typing import ClassVar

from .. import checks
from ..errors import ConfigurationError, RaftError, ScenarioError
from ..node import DRIFT_BOUND, MAX_ENTRIES_PER_MESSAGE, READ_MODES
from . import kv

#: The symbolic targets, and what each stands for.
LEADER, OLD_LEADER, ANY = "leader", "old-leader", "any"
TARGETS = {
    LEADER: "the running leader of the highest term",
    OLD_LEADER: "the running leader of the lowest term (a deposed one that has not noticed)",
    ANY: "the crashed server with the lowest id",
}

#: verb -> Action class; every class below registers itself here.
VERBS = {}
_FIELD_NAMES = {}    # Action class -> the names of its fields, in order (for checked())

_TIME = re.compile(r"^(\d+(?:\.\d+)?(?:e[-+]?\d+)?)(ms)?$")
_DEFAULT_WITHIN = 10_000.0


def number_text(x):
    """A number as the scenario language writes it: 150.0 -> "150", 0.1 -> "0.1" (``repr``
    otherwise, so that every float reads back exactly)."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return repr(x)


def _verb(name):
    def register(cls):
        cls.verb = name
        VERBS[name] = cls
        return cls
    return register


class Action:
    """Base of the actions. ``str(action)`` is its scenario line; ``Action.parse(line)`` the
    inverse. Subclasses are frozen dataclasses whose fields are the line's arguments."""

    __slots__ = ()   # each action keeps its fields in slots (no __dict__): a light value
    verb: ClassVar[str] = ""
    #: The symbolic targets this verb accepts in place of a server id.
    targets: ClassVar[tuple] = ()

    def __str__(self):
        return " ".join([self.verb] + self._words())

    def _words(self):
        return []

    @classmethod
    def checked(cls, *values):
        """The action with these field values, which the caller has already checked (the
        cluster's record of what it did, built once per step on its busiest paths): the same
        value as ``cls(*values)``, without checking them again."""
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
        action = object.__new__(cls)
        for name, value in zip(names, values, strict=True):
            object.__setattr__(action, name, value)
        return action

    @property
    def symbolic(self):
        """True if the action names a server symbolically (``leader``, ``any``...)."""
        return any(isinstance(getattr(self, f.name), str) and getattr(self, f.name) in TARGETS
                   for f in fields(self))

    @staticmethod
    def parse(line):
        """The action a scenario line describes (``"crash leader"`` -> ``Crash("leader")``).
        Text it cannot read raises :class:`~raft.errors.ScenarioError` saying why."""
        if not isinstance(line, str):
            raise ScenarioError(f"an action is a line of text, got {type(line).__name__}")
        words = line.split()
        if not words:
            raise ScenarioError("an empty line is not an action")
        cls = VERBS.get(words[0])
        if cls is None:
            raise ScenarioError(f"unknown command {words[0]!r} (known: "
                                f"{', '.join(sorted(VERBS))})")
        try:
            return cls._from_words(words[1:])
        except ScenarioError:
            raise
        except RaftError as e:    # a value the action refuses (checks.*), said as it is
            raise ScenarioError(str(e)) from e


# -- reading words ------------------------------------------------------------------------------

def _int(word):
    try:
        return int(word)
    except ValueError:
        raise ScenarioError(f"expected a whole number, got {word!r}") from None


def _float(word):
    try:
        return float(word)
    except ValueError:
        raise ScenarioError(f"expected a number, got {word!r}") from None


def _ms(word):
    match = _TIME.match(word)
    if not match:
        raise ScenarioError(f"expected a time such as 300ms, got {word!r}")
    return float(match.group(1))


def _range(word):
    parts = word.split("..")
    if len(parts) != 2:
        raise ScenarioError(f"a range is written low..high, got {word!r}")
    return tuple(_float(p) for p in parts)


def _ids(words):
    if not words:
        raise ScenarioError("expected server ids")
    return tuple(_int(w) for w in words)


def _target(cls, words):
    if len(words) != 1:
        raise ScenarioError(f"write '{cls.verb} N'" + "".join(f" or '{cls.verb} {t}'"
                                                             for t in cls.targets))
    word = words[0]
    if word in cls.targets:
        return word
    try:
        return int(word)
    except ValueError:
        also = "".join(f" or {t!r}" for t in cls.targets)
        raise ScenarioError(f"expected a whole number{also}, got {word!r}") from None


def _check_target(cls, value, name="node"):
    """A server id, or one of the symbolic targets the verb accepts."""
    if isinstance(value, str):
        if value not in cls.targets:
            known = " or ".join(repr(t) for t in cls.targets) or "no symbolic target"
            raise ConfigurationError(f"{cls.verb}: {name} is a server id or {known}, got {value!r}")
        return
    checks.server_id(value)


# -- the actions ----------------------------------------------------------------------------------
# Time and events.

@_verb("run")
@dataclass(frozen=True, slots=True)
class Run(Action):
    """``run 300ms``: let ``ms`` simulated milliseconds pass."""

    ms: float

    def __post_init__(self):
        checks.duration("run", self.ms)

    def _words(self):
        return [f"{number_text(self.ms)}ms"]

    @classmethod
    def _from_words(cls, words):
        if words and words[0] == "until":
            return RunUntil._from_words(words[1:])
        if len(words) != 1:
            raise ScenarioError("write 'run 300ms' or 'run until leader'")
        return cls(_ms(words[0]))


@dataclass(frozen=True, slots=True)
class RunUntil(Action):
    """``run until leader``, ``run until commit 1 4`` (S1's commit index reaches 4), optionally
    ``... within 2000ms`` (default 10 s): process events until the condition holds."""

    verb: ClassVar[str] = "run"
    condition: str = "leader"    # "leader" or "commit"
    node: int | None = None      # for "commit"
    index: int | None = None     # for "commit"
    within: float = _DEFAULT_WITHIN

    def __post_init__(self):
        if self.condition == "leader":
            if self.node is not None or self.index is not None:
                raise ConfigurationError("'run until leader' takes no server or index")
        elif self.condition == "commit":
            checks.server_id(self.node)
            if not (isinstance(self.index, int) and not isinstance(self.index, bool)):
                raise ConfigurationError(f"run until commit: the index is a whole number, got "
                                    f"{self.index!r}")
        else:
            raise ConfigurationError("write 'run until leader' or 'run until commit N INDEX'")
        checks.duration("run until: within", self.within)

    def _words(self):
        words = ["until", self.condition]
        if self.condition == "commit":
            words += [str(self.node), str(self.index)]
        if self.within != _DEFAULT_WITHIN:
            words += ["within", f"{number_text(self.within)}ms"]
        return words

    @classmethod
    def _from_words(cls, words):
        within = _DEFAULT_WITHIN
        if len(words) >= 3 and words[-2] == "within":
            within, words = _ms(words[-1]), words[:-2]
        if words == ["leader"]:
            return cls("leader", within=within)
        if len(words) == 3 and words[0] == "commit":
            return cls("commit", _int(words[1]), _int(words[2]), within)
        raise ScenarioError("write 'run until leader' or 'run until commit N INDEX'")


@_verb("step")
@dataclass(frozen=True, slots=True)
class Step(Action):
    """``step 12``: process exactly ``count`` events (messages arriving, timers firing)."""

    count: int = 1

    def __post_init__(self):
        checks.positive_int("step", self.count)

    def _words(self):
        return [str(self.count)]

    @classmethod
    def _from_words(cls, words):
        if len(words) > 1:
            raise ScenarioError("write 'step' or 'step 12'")
        return cls(_int(words[0]) if words else 1)


@_verb("clock")
@dataclass(frozen=True, slots=True)
class Clock(Action):
    """``clock 1500``: process events until the simulated clock reads ``to`` ms."""

    to: float

    def __post_init__(self):
        checks.duration("clock", self.to)

    def _words(self):
        return [number_text(self.to)]

    @classmethod
    def _from_words(cls, words):
        if len(words) != 1:
            raise ScenarioError("write 'clock 1500'")
        return cls(_ms(words[0]))


# Servers.

@dataclass(frozen=True, slots=True)
class _OnServer(Action):
    node: int | str

    def __post_init__(self):
        _check_target(type(self), self.node)

    def _words(self):
        return [str(self.node)]

    @classmethod
    def _from_words(cls, words):
        return cls(_target(cls, words))


@_verb("crash")
@dataclass(frozen=True, slots=True)
class Crash(_OnServer):
    """``crash 2``, ``crash leader``: stop a server; its volatile state and the messages on
    their way to it are lost."""

    targets: ClassVar[tuple] = (LEADER,)


@_verb("restart")
@dataclass(frozen=True, slots=True)
class Restart(_OnServer):
    """``restart 2``, ``restart any``: start a crashed server again from its disk."""

    targets: ClassVar[tuple] = (ANY,)


@_verb("reboot")
@dataclass(frozen=True, slots=True)
class Reboot(_OnServer):
    """``reboot 2``, ``reboot leader``: crash and restart at once; only what the server wrote
    to disk survives."""

    targets: ClassVar[tuple] = (LEADER,)


@_verb("disconnect")
@dataclass(frozen=True, slots=True)
class Disconnect(_OnServer):
    """``disconnect 3``, ``disconnect leader``: cut one server off the network (until
    ``connect 3`` or ``heal``)."""

    targets: ClassVar[tuple] = (LEADER,)


@_verb("connect")
@dataclass(frozen=True, slots=True)
class Connect(_OnServer):
    """``connect 3``: undo ``disconnect 3``."""


@_verb("isolate")
@dataclass(frozen=True, slots=True)
class Isolate(_OnServer):
    """``isolate 2``, ``isolate leader``: a partition with that server alone on one side
    (``partition 2 | 1 3 4 5``)."""

    targets: ClassVar[tuple] = (LEADER,)


@_verb("timeout")
@dataclass(frozen=True, slots=True)
class Timeout(_OnServer):
    """``timeout 4``: server 4's election timer fires now: an ordinary early election (with a
    pre-vote first if the cluster runs ``pre_vote``), which the §6 guard treats like any other."""


@_verb("takeover")
@dataclass(frozen=True, slots=True)
class TakeOver(_OnServer):
    """``takeover 4``: server 4 campaigns at once as the target of a leadership transfer does
    when TimeoutNow arrives (dissertation §3.10): no pre-vote, and its RequestVote is marked so
    that the §6 guard lets it through."""


@_verb("compact")
@dataclass(frozen=True, slots=True)
class Compact(_OnServer):
    """``compact 2``: server 2 snapshots its state machine now and discards its log up to the
    last entry it has applied (log compaction, §7)."""

    targets: ClassVar[tuple] = (LEADER,)


@_verb("elect")
@dataclass(frozen=True, slots=True)
class Elect(_OnServer):
    """``elect 1``: server 1 takes over now (as ``takeover 1``), and events run until it leads
    (an error if it cannot win within two seconds)."""


@_verb("transfer")
@dataclass(frozen=True, slots=True)
class Transfer(_OnServer):
    """``transfer 3``: the leader hands leadership over to server 3 (dissertation §3.10): it
    stops taking client requests, brings 3's log up to date and sends it TimeoutNow; it gives up
    after an election timeout."""


# Clients.

@_verb("submit")
@dataclass(frozen=True, slots=True)
class Submit(Action):
    """``submit x=1``: a client command to the leader; ``... to 2`` (or ``to old-leader``) to
    another server; ``... as alice:3`` with a client id and sequence number (§8)."""

    command: str
    to: int | str | None = None          # None: the leader
    client: str | None = None
    seq: int | None = None
    targets: ClassVar[tuple] = (LEADER, OLD_LEADER)

    def __post_init__(self):
        kv._parse_applied(self.command)     # (remembered: the cluster parses it once more)
        if self.to is not None:
            _check_target(type(self), self.to, "to")
        if (self.client is None) != (self.seq is None):
            raise ConfigurationError("submit: give the client id and the sequence number together")
        if self.client is not None:
            if not isinstance(self.client, str) or self.client.split() != [self.client]:
                raise ConfigurationError(f"submit: a client id is a word such as 'alice', got "
                                    f"{self.client!r}")
            if not (isinstance(self.seq, int) and not isinstance(self.seq, bool)):
                raise ConfigurationError(f"submit: a sequence number is a whole number, got "
                                    f"{self.seq!r}")

    def _words(self):
        words = [self.command]
        if self.to is not None:
            words += ["to", str(self.to)]
        if self.client is not None:
            words += ["as", f"{self.client}:{self.seq}"]
        return words

    @classmethod
    def _from_words(cls, words):
        if not words:
            raise ScenarioError("submit needs a command, e.g. 'submit x=1'")
        to = client = seq = None
        if len(words) >= 3 and words[-2] == "as":
            client, _, seq = words[-1].rpartition(":")
            if not client:
                raise ScenarioError("write 'as CLIENT:SEQ', e.g. 'as alice:3'")
            seq, words = _int(seq), words[:-2]
        if len(words) >= 3 and words[-2] == "to":
            to, words = _target(cls, words[-1:]), words[:-2]
        return cls(" ".join(words), to, client, seq)


# Simulated clients (raft/sim/clients.py, dissertation chapter 6).

def _is_client_name(value):
    return isinstance(value, str) and value[:1] == "c" and value[1:].isdigit() \
        and int(value[1:]) > 0


def _who(i):
    return i if isinstance(i, str) else f"S{i}"


def _client_number(word):
    if word.isdigit() and int(word) > 0:
        return int(word)
    if _is_client_name(word):
        return int(word[1:])
    raise ScenarioError(f"expected a client number such as 1 (or c1), got {word!r}")


@_verb("clients")
@dataclass(frozen=True, slots=True)
class Clients(Action):
    """``clients 3``: the cluster has (at least) three clients, c1, c2 and c3;
    ``clients 3 timeout=250ms give_up=3000ms`` also sets how long a client waits for an answer
    before retrying elsewhere, and before giving an operation up."""

    count: int
    timeout: float | None = None
    give_up: float | None = None

    def __post_init__(self):
        checks.positive_int("clients", self.count)
        for name in ("timeout", "give_up"):
            value = getattr(self, name)
            if value is not None:
                checks.duration(f"clients: {name}", value)
                if value <= 0:
                    raise ConfigurationError(f"clients: {name} must be positive, got {value!r}")

    def _words(self):
        words = [str(self.count)]
        for name in ("timeout", "give_up"):
            if getattr(self, name) is not None:
                words.append(f"{name}={number_text(getattr(self, name))}ms")
        return words

    @classmethod
    def _from_words(cls, words):
        if not words:
            raise ScenarioError("write 'clients 3' (optionally timeout=250ms give_up=3000ms)")
        kwargs = {}
        for word in words[1:]:
            name, _, value = word.partition("=")
            if name not in ("timeout", "give_up") or not value:
                raise ScenarioError(f"expected timeout= or give_up=, got {word!r}")
            kwargs[name] = _ms(value)
        return cls(_int(words[0]), **kwargs)


@_verb("client")
@dataclass(frozen=True, slots=True)
class ClientOp(Action):
    """``client 1 put x 5``, ``client 2 append x 7``, ``client 2 get x``: a client calls an
    operation on the key-value store; ``... to 3`` (or ``to old-leader``) sends its first
    attempt to that server instead of the one it believes leads. A busy client queues it."""

    client: int
    f: str
    key: str
    value: str | None = None
    to: int | str | None = None
    targets: ClassVar[tuple] = (LEADER, OLD_LEADER)

    def __post_init__(self):
        checks.positive_int("client", self.client)
        if self.f not in ("put", "append", "get"):
            raise ConfigurationError(f"client: the operation is put, append or get, got "
                                     f"{self.f!r}")
        if not isinstance(self.key, str) or not re.fullmatch(kv._KEY, self.key):
            raise ConfigurationError(f"client: a key is a word such as x, got {self.key!r}")
        if (self.value is None) != (self.f == "get"):
            raise ConfigurationError(
                "client: put and append need a value ('client 1 put x 5'), get takes none")
        if self.value is not None and (not isinstance(self.value, str)
                                       or self.value.split() != [self.value]):
            raise ConfigurationError(f"client: a value is one word, got {self.value!r}")
        if self.to is not None:
            _check_target(type(self), self.to, "to")

    def _words(self):
        words = [str(self.client), self.f, self.key]
        if self.value is not None:
            words.append(self.value)
        if self.to is not None:
            words += ["to", str(self.to)]
        return words

    @classmethod
    def _from_words(cls, words):
        to = None
        if len(words) >= 2 and words[-2] == "to":
            to, words = _target(cls, words[-1:]), words[:-2]
        if len(words) not in (3, 4):
            raise ScenarioError("write 'client 1 put x 5', 'client 1 append x 5' or "
                                "'client 1 get x' (optionally '... to 2')")
        return cls(_client_number(words[0]), words[1], words[2],
                   words[3] if len(words) == 4 else None, to)


@_verb("clock-rate")
@dataclass(frozen=True, slots=True)
class ClockRate(Action):
    """``clock-rate 1 0.5``: from now on S1's clock runs at half the true rate (its timers,
    and any lease it holds, take twice as long in true time); ``clock-rate 1 1`` puts it
    right. Leases assume a bound on such drift (dissertation §6.4.1)."""

    node: int | str
    rate: float
    targets: ClassVar[tuple] = (LEADER, OLD_LEADER)

    def __post_init__(self):
        _check_target(type(self), self.node)
        if not (checks.is_number(self.rate) and 0 < self.rate < math.inf):
            raise ConfigurationError(f"clock-rate: a rate is a positive number (1 is a true "
                                     f"clock, 0.5 half as fast), got {self.rate!r}")

    def _words(self):
        return [str(self.node), number_text(self.rate)]

    @classmethod
    def _from_words(cls, words):
        if len(words) != 2:
            raise ScenarioError("write 'clock-rate 1 0.5' (server, rate) or 'clock-rate leader 0.5'")
        return cls(_target(cls, words[:1]), _float(words[1]))


# The network.

@_verb("partition")
@dataclass(frozen=True, slots=True)
class Partition(Action):
    """``partition 1 2 | 3 4 5``: servers in one group reach each other, no message crosses
    between groups."""

    groups: tuple

    def __post_init__(self):
        groups = tuple(tuple(g) for g in self.groups)
        seen = set()
        for g in groups:
            for i in g:
                if not _is_client_name(i):   # a client (c1) may be put on one side too
                    checks.server_id(i)
                if i in seen:
                    raise ConfigurationError(f"partition: {_who(i)} is in two groups")
                seen.add(i)
        if not groups or any(not g for g in groups):
            raise ConfigurationError("write 'partition 1 2 | 3 4 5' (groups of ids between bars)")
        object.__setattr__(self, "groups", groups)

    def _words(self):
        return [" | ".join(" ".join(str(i) for i in g) for g in self.groups)]

    @classmethod
    def _from_words(cls, words):
        groups = [g.split() for g in " ".join(words).split("|")]
        if any(not g for g in groups):
            raise ScenarioError("write 'partition 1 2 | 3 4 5' (groups of ids between bars)")
        return cls(tuple(tuple(w if _is_client_name(w) else _int(w) for w in g)
                         for g in groups))


@_verb("heal")
@dataclass(frozen=True, slots=True)
class Heal(Action):
    """``heal``: remove every partition and reconnect every server."""

    @classmethod
    def _from_words(cls, words):
        if words:
            raise ScenarioError("'heal' takes nothing after it")
        return cls()


@_verb("network")
@dataclass(frozen=True, slots=True)
class Network(Action):
    """``network drop=0.2 duplicate=0.1 reorder=0.1 latency=10..20``: change how the network
    treats messages from now on (settings not named stay as they are)."""

    drop: float | None = None
    duplicate: float | None = None
    reorder: float | None = None
    latency: tuple | None = None

    def __post_init__(self):
        for name in ("drop", "duplicate", "reorder"):
            if getattr(self, name) is not None:
                checks.probability(name, getattr(self, name))
        if self.latency is not None:
            object.__setattr__(self, "latency", tuple(checks.time_range("latency",
                                                                        self.latency)))

    def settings(self):
        """The settings it changes, as keyword arguments of ``Cluster.set_network``."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not None}

    def _words(self):
        words = [f"{name}={number_text(value)}" for name, value in self.settings().items()
                 if name != "latency"]
        if self.latency is not None:
            low, high = self.latency
            words.append(f"latency={number_text(low)}..{number_text(high)}")
        return words

    @classmethod
    def _from_words(cls, words):
        kwargs = {}
        for word in words:
            name, _, value = word.partition("=")
            if name not in ("drop", "duplicate", "reorder", "latency") or not value:
                raise ScenarioError(f"expected drop=, duplicate=, reorder= or latency=, got "
                                    f"{word!r}")
            kwargs[name] = _range(value) if name == "latency" else _float(value)
        return cls(**kwargs)


@_verb("cut")
@dataclass(frozen=True, slots=True)
class Cut(Action):
    """``cut 1 2``: cut only the link between servers 1 and 2, both ways (a partial partition:
    each may still reach the others); ``heal`` restores it."""

    a: int
    b: int

    def __post_init__(self):
        checks.server_id(self.a)
        checks.server_id(self.b)
        if self.a == self.b:
            raise ConfigurationError(f"cut: a link joins two servers, got S{self.a} twice")

    def _words(self):
        return [str(self.a), str(self.b)]

    @classmethod
    def _from_words(cls, words):
        if len(words) != 2:
            raise ScenarioError("write 'cut 1 2' (the two ends of a link)")
        return cls(_int(words[0]), _int(words[1]))


@_verb("deliver")
@dataclass(frozen=True, slots=True)
class Deliver(Action):
    """``deliver #17``: deliver one message on the network now (by its id)."""

    message: int

    def __post_init__(self):
        if not (isinstance(self.message, int) and not isinstance(self.message, bool)):
            raise ConfigurationError(f"{self.verb}: a message id is a whole number, got "
                                f"{self.message!r}")

    def _words(self):
        return [f"#{self.message}"]

    @classmethod
    def _from_words(cls, words):
        if len(words) != 1 or not words[0].startswith("#"):
            raise ScenarioError("write a message id such as #17")
        return cls(_int(words[0][1:]))


@_verb("drop")
@dataclass(frozen=True, slots=True)
class Drop(Deliver):
    """``drop #17``: lose one message on the network."""


@_verb("duplicate")
@dataclass(frozen=True, slots=True)
class Duplicate(Deliver):
    """``duplicate #17``: put a second copy of a message on the network (a manual cluster's
    step, ``manual=yes``; elsewhere the network duplicates by itself)."""


@_verb("fire")
@dataclass(frozen=True, slots=True)
class Fire(_OnServer):
    """``fire 2``: time passes until S2's timer is due, and it fires: an election, or a leader's
    heartbeats (a manual cluster's step, ``manual=yes``; elsewhere timers fire by themselves)."""


# Membership.

@_verb("members")
@dataclass(frozen=True, slots=True)
class Members(Action):
    """``members 1 2 3 4 5``: ask the leader to change to these voters by joint consensus
    (§6); ``... unsafe`` switches directly instead (Figure 10)."""

    voters: tuple
    unsafe: bool = False

    def __post_init__(self):
        voters = tuple(self.voters)
        for i in voters:
            checks.server_id(i)
        object.__setattr__(self, "voters", voters)
        object.__setattr__(self, "unsafe", bool(self.unsafe))

    def _words(self):
        return [str(i) for i in self.voters] + (["unsafe"] if self.unsafe else [])

    @classmethod
    def _from_words(cls, words):
        unsafe = bool(words) and words[-1] == "unsafe"
        return cls(_ids(words[:-1] if unsafe else words), unsafe)


# Single-server membership changes (dissertation §4.1), beside joint consensus.

@_verb("add")
@dataclass(frozen=True, slots=True)
class Add(Action):
    """``add 6``: ask the leader to add server 6 as a voter at once; ``add 6 nonvoter``: as a
    non-voter that receives the log until ``promote 6`` (one configuration entry each)."""

    node: int
    voter: bool = True

    def __post_init__(self):
        checks.server_id(self.node)
        object.__setattr__(self, "voter", bool(self.voter))

    def _words(self):
        return [str(self.node)] + ([] if self.voter else ["nonvoter"])

    @classmethod
    def _from_words(cls, words):
        if len(words) == 2 and words[1] == "nonvoter":
            return cls(_int(words[0]), False)
        if len(words) != 1:
            raise ScenarioError("write 'add 6' (a voter) or 'add 6 nonvoter'")
        return cls(_int(words[0]))


@_verb("promote")
@dataclass(frozen=True, slots=True)
class Promote(_OnServer):
    """``promote 6``: ask the leader to make the non-voter 6 a voter, once it has caught up."""


@_verb("remove")
@dataclass(frozen=True, slots=True)
class Remove(_OnServer):
    """``remove 2``, ``remove leader``: ask the leader to remove a voter or a non-voter."""

    targets: ClassVar[tuple] = (LEADER,)


# -- the first lines: the cluster's settings and starting state -----------------------------------

#: The header's settings: name in the text (the Cluster's keyword) -> kind of value.
SETTINGS = {
    "size": "int", "seed": "int", "election_timeout": "range", "heartbeat_interval": "float",
    "latency": "range", "drop": "float", "duplicate": "float", "reorder": "float",
    "fast_backoff": "bool", "disruption_guard": "bool", "max_entries_per_message": "int",
    "snapshot_threshold": "int",
    "pre_vote": "bool", "check_quorum": "bool",
    "clients": "int", "reads": "word", "drift_bound": "float",
    "manual": "bool",
}
#: Older spellings of settings, still read: ``heartbeat=``, ``max_entries=``.
SETTING_ALIASES = {"heartbeat": "heartbeat_interval", "max_entries": "max_entries_per_message"}
_BOOL = {"yes": True, "on": True, "true": True, "no": False, "off": False, "false": False}


# -- log entries in the starting state ---------------------------------------------------------

_CLIENT = re.compile(r"@([^\s@/]+)/(\d+)$")   # an entry's client and serial number, at the end
_CONFIG = re.compile(r"^(?:\{([\d,]*)\}\+)?\{([\d,]*)\}(?: non-voting \{([\d,]*)\})?$")


def entry_text(entry):
    """One log entry of a starting state as one word of a ``log N:`` line: its term alone for a
    no-op (``2``); ``term:command`` for a command (``1:x=1``, quoted if it has spaces:
    ``'1:append x a'``); ``term:configuration`` as the configuration prints (``1:{1,2,3}``,
    ``2:{1,2,3}+{1,2,4}``); ``@client/seq`` at the end for a client's command (``1:x=1@c1/3``).
    An int or a ``(term, command)`` pair, as ``Cluster(logs=...)`` takes, is written the same."""
    if isinstance(entry, int):
        return str(entry)
    term, command = entry[0], entry[1]
    client, seq = (entry[2], entry[3]) if len(entry) > 3 else (None, None)
    if command is None and client is None:
        return str(term)
    word = f"{term}:{'' if command is None else command}"
    if client is not None:
        word += f"@{client}/{seq}"
    elif _CLIENT.search(word):
        word += "@/"   # "no client", so that a command ending in "@a/1" is not read as one
    return shlex.quote(word)


def parse_entry(word, node):
    """The log entry a word of a ``log N:`` line stands for (see :func:`entry_text`), as
    ``Cluster(logs=...)`` takes it: a term alone, or an ``Entry``. Raises ScenarioError naming
    the word and the server."""
    from ..node import Configuration, ConfigurationWithNonVoters, Entry
    term, colon, rest = word.partition(":")
    try:
        term = int(term)
    except ValueError:
        raise ScenarioError(f"S{node}: log entry {word!r}: it starts with its term, a whole "
                            "number (write '2', '2:x=1' or '2:{1,2,3}')") from None
    if term < 1:
        raise ScenarioError(f"S{node}: log entry {word!r}: terms start at 1")
    if not colon:
        return term
    client = seq = None
    if rest.endswith("@/"):
        rest = rest[:-2]
    else:
        match = _CLIENT.search(rest)
        if match:
            client, seq, rest = match.group(1), int(match.group(2)), rest[:match.start()]
    config = _CONFIG.match(rest)
    if config:
        old, new, non_voters = (None if part is None
                                else frozenset(int(x) for x in part.split(",") if x)
                                for part in config.groups())
        if not new:
            raise ScenarioError(f"S{node}: log entry {word!r}: a configuration has voters")
        command = (ConfigurationWithNonVoters(new, old, non_voters) if non_voters
                   else Configuration(new, old))
    elif rest:
        try:
            kv.parse_command(rest)
        except ValueError as e:
            raise ScenarioError(f"S{node}: log entry {word!r}: {e}") from None
        command = rest
    else:
        command = None
    return Entry(term, command, client, seq)


@dataclass(frozen=True)
class Setup:
    """A cluster's settings (the keyword arguments of ``Cluster`` that a scenario's first line
    gives) and its servers' starting state (``log``, ``term`` and ``vote`` lines).

    Values are kept as given, so that ``Cluster(**setup.kwargs())`` rebuilds exactly the cluster
    they came from. ``str(setup)`` is the text: the header line names ``size`` and ``seed`` and
    every setting that differs from its default."""

    size: int = 5
    seed: int = 0
    election_timeout: tuple = (150, 300)
    heartbeat_interval: float = 50
    latency: tuple = (10, 15)
    drop: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    fast_backoff: bool = False
    disruption_guard: bool = True
    max_entries_per_message: int = MAX_ENTRIES_PER_MESSAGE
    pre_vote: bool = False       # beyond Figure 2 (dissertation §9.6)
    check_quorum: bool = False   # beyond Figure 2 (dissertation §6.2)
    clients: int = 0             # simulated clients c1.. (raft/sim/clients.py)
    reads: str = "log"           # how reads are answered (raft.node.READ_MODES)
    drift_bound: float = DRIFT_BOUND   # the clock drift bound leases assume (§6.4.1)
    manual: bool = False         # a ManualCluster (raft.sim.manual): nothing happens by itself
    logs: dict | None = None     # server -> log (terms, (term, command) pairs or Entry)
    terms: dict | None = None    # server -> current_term
    votes: dict | None = None    # server -> voted_for
    snapshot_threshold: int | None = None   # beyond Figure 2: log compaction (§7)

    def kwargs(self):
        """The keyword arguments of ``Cluster`` that rebuild this setup (``manual`` is not one:
        it chooses the class, ``ManualCluster``)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "manual"}

    def header(self):
        """The first line: ``cluster size=3 seed=7 ...``."""
        words = ["cluster"]
        for f in fields(self):
            if f.name not in SETTINGS:
                continue
            value = getattr(self, f.name)
            if f.name not in ("size", "seed") and value == f.default:
                continue
            kind = SETTINGS[f.name]
            if kind == "range":
                text = f"{number_text(value[0])}..{number_text(value[1])}"
            elif kind == "bool":
                text = "yes" if value else "no"
            elif kind == "word":
                text = value
            else:
                text = number_text(value)
            words.append(f"{f.name}={text}")
        return " ".join(words)

    def state_lines(self):
        """The starting state: ``log 1: 1 1:x=1 2:{1,2,3}`` (S1's log, one word per entry, see
        :func:`entry_text`), ``term 1: 3``, ``vote 1: 2``."""
        lines = []
        for kind, given in (("log", self.logs), ("term", self.terms), ("vote", self.votes)):
            for i, value in sorted((given or {}).items()):
                if kind == "log":
                    lines.append(f"log {i}: " + " ".join(entry_text(e) for e in value))
                else:
                    lines.append(f"{kind} {i}: {'none' if value is None else value}")
        return lines

    def __str__(self):
        return "\n".join([self.header()] + self.state_lines())

    @classmethod
    def parse_header(cls, line, **state):
        """The Setup of a header line (``cluster size=3 seed=7 ...``; the grader's older
        ``size=3 seed=7 ...`` without ``cluster`` is read too), with the starting state
        ``state`` (``logs=``, ``terms=``, ``votes=``). Raises ScenarioError naming the bad word."""
        words = line.split()
        if words and words[0] == "cluster":
            words = words[1:]
        kwargs = {}
        for word in words:
            if "=" not in word:
                raise ScenarioError(f"expected name=value, got {word!r}")
            name, value = word.split("=", 1)
            name = SETTING_ALIASES.get(name, name)
            if name not in SETTINGS:
                known = sorted(set(SETTINGS) | set(SETTING_ALIASES))
                raise ScenarioError(f"unknown cluster option {name!r} (known: "
                                    f"{', '.join(known)})")
            kwargs[name] = _setting(SETTINGS[name], value)
        return cls(**kwargs, **state)


def _setting(kind, value):
    if kind == "range":
        return _range(value)
    if kind == "bool":
        if value.lower() not in _BOOL:
            raise ScenarioError(f"expected yes or no, got {value!r}")
        return _BOOL[value.lower()]
    if kind == "int":
        return _int(value)
    if kind == "word":
        if value not in READ_MODES:
            raise ScenarioError(f"expected one of {', '.join(READ_MODES)}, got {value!r}")
        return value
    number = _float(value)
    if not math.isfinite(number):
        raise ScenarioError(f"expected a finite number, got {value!r}")
    return number
