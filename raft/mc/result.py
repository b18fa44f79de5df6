"""What a search is given and what it returns: the bounds, the result and its violation.

:class:`Bounds` (checked by :func:`make_bounds`: a clear error naming any bad value), the
:class:`Result` of a search (its one-line ``summary``), the :class:`Violation` it found (the
shortest run, which ``scenario()`` prints and ``cluster()`` replays), and :func:`action_text`,
an action of a run in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ConfigurationError
from .rules import EXCEPTION


@dataclass(frozen=True)
class Bounds:
    """How far the search goes. Counted in the state: ``commands`` (client commands),
    ``crashes``, ``duplicates``, ``drops`` (messages lost), ``changes`` (membership changes),
    ``heartbeats`` (a leader's timer firing), ``waits`` (time passing with no timer firing) and
    ``retries`` (a client command sent again, with its client id and serial number, to a
    leader: dissertation §6.3);
    None means any number. Constraints on states, checked but not expanded beyond: a term above
    ``max_term``; more than ``per_link`` messages in flight from one server to another.
    ``forget_dead``: a reply its receiver will ignore whatever happens (see
    ``Checker.dead``) is not kept in flight, so ``per_link`` counts the messages a receiver can
    still act on (off by default: then such a reply waits on its link until it is delivered, as
    a no-op, or lost; docs/model-checking.md, "Dead replies").
    ``max_depth`` (None: no limit), ``max_states`` (distinct states, None: no limit; unlike
    time, the same on every machine) and ``time_budget`` (seconds, None: no limit) stop the
    search early."""

    servers: int = 3
    max_term: int = 5
    commands: int = 2
    crashes: int = 2
    per_link: int = 1
    duplicates: int = 0
    drops: int | None = 0
    changes: int = 0
    heartbeats: int | None = None
    waits: int | None = None
    retries: int = 0
    spares: int = 0
    forget_dead: bool = False
    max_depth: int | None = None
    max_states: int | None = None
    time_budget: float | None = 60.0

    def text(self):
        parts = [f"servers={self.servers}", f"max_term={self.max_term}",
                 f"commands={self.commands}", f"crashes={self.crashes}",
                 f"per_link={self.per_link}", f"duplicates={self.duplicates}",
                 f"drops={'any' if self.drops is None else self.drops}"]
        if self.changes:
            parts += [f"changes={self.changes}", f"spares={self.spares}"]
        if self.retries:
            parts.append(f"retries={self.retries}")
        if self.forget_dead:
            parts.append("forget_dead")
        for name in ("heartbeats", "waits"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)}")
        for name in ("max_depth", "max_states"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name)}")
        return " ".join(parts)


def _check_count(name, value, low=0, allow_none=False):
    if value is None and allow_none:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ConfigurationError(f"{name} must be a whole number >= {low}"
                                 f"{' or None' if allow_none else ''}, got {value!r}")


def make_bounds(servers=3, **kwargs):
    """A :class:`Bounds` with every value checked: a clear error naming the bad one."""
    unknown = set(kwargs) - {f for f in Bounds.__dataclass_fields__}
    if unknown:
        raise ConfigurationError(f"unknown bound {sorted(unknown)[0]!r} (known: "
                                 f"{', '.join(Bounds.__dataclass_fields__)})")
    bounds = Bounds(servers=servers, **kwargs)
    _check_count("servers", bounds.servers, 1)
    if bounds.servers + bounds.spares > 7:
        raise ConfigurationError(f"at most 7 servers (servers + spares), got "
                                 f"{bounds.servers + bounds.spares}: the state space would be "
                                 "far too large")
    for name in ("max_term", "per_link"):
        _check_count(name, getattr(bounds, name), 1)
    for name in ("commands", "crashes", "duplicates", "changes", "spares", "retries"):
        _check_count(name, getattr(bounds, name))
    for name in ("drops", "heartbeats", "waits"):
        _check_count(name, getattr(bounds, name), allow_none=True)
    _check_count("max_depth", bounds.max_depth, allow_none=True)
    if type(bounds.forget_dead) is not bool:
        raise ConfigurationError(f"forget_dead must be True or False, got {bounds.forget_dead!r}")
    _check_count("max_states", bounds.max_states, 1, allow_none=True)
    budget = bounds.time_budget
    if budget is not None and (not isinstance(budget, (int, float)) or isinstance(budget, bool)
                               or budget <= 0):
        raise ConfigurationError(f"time_budget must be a positive number of seconds or None, "
                                 f"got {budget!r}")
    return bounds


@dataclass
class Violation:
    """A property broken at the end of the shortest run found."""

    prop: str                 # a property of Figure 3, one of the grader's rules, or EXCEPTION
    details: str
    actions: list             # the run: Action values from the initial state
    checker: object = field(default=None, repr=False)

    @property
    def length(self):
        return len(self.actions)

    def scenario(self):
        """The run as scenario text (``manual=yes``); replays with ``raft.scenario.run(text,
        node_class=...)``."""
        from .replay import replay
        return replay(self.checker, self.actions).scenario_text()

    def cluster(self, check=True):
        """The run replayed on a :class:`~raft.sim.manual.ManualCluster` (no invariant checker),
        stopped at the violation: give it to ``raft.viz.play``. With ``check`` every step is
        compared with the search's state."""
        from .replay import replay
        return replay(self.checker, self.actions, check=check)


@dataclass
class Result:
    """What a search found. ``summary`` is the one fixed line every run ends with."""

    node_class: type
    bounds: Bounds
    states: int
    transitions: int
    depth: int
    seconds: float
    stopped: str              # "exhausted", "depth bound", "state budget", "time budget" or
    #                           "violation"
    violation: Violation | None
    levels: list              # distinct states first reached at each depth 0, 1, 2, ...
    pruned: int = 0           # transitions to states outside max_term / per_link (checked)
    symmetry: str = "off"     # whether states were merged up to renaming the servers

    @property
    def ok(self):
        return self.violation is None

    @property
    def complete(self):
        """True if every state within the bounds was explored."""
        return self.stopped == "exhausted"

    @property
    def summary(self):
        head = (f"explored {self.states} distinct states ({self.transitions} transitions), "
                f"depth {self.depth}, in {self.seconds:.1f} s")
        if self.violation is not None:
            n = self.violation.length
            what = (f"exception ({self.violation.details.split(':')[0]})"
                    if self.violation.prop == EXCEPTION else f"violation of {self.violation.prop}")
            return f"{head}: {what} in {n} action{'s' if n != 1 else ''}"
        if self.stopped == "exhausted":
            return f"{head}: no violation"
        return f"{head}: no violation so far ({self.stopped} reached; not every state explored)"

    def __str__(self):
        return self.summary


# Actions of a run, as values: ("deliver", msg) and ("deliver", msg, "keep") (the network keeps
# a copy), ("fire", i), ("wait",), ("crash", i), ("restart", i), ("submit", i, k),
# ("members", voters), ("add", i, voter), ("promote", i), ("remove", i), and
# ("lose", msgs, action): the action, then the network loses ``msgs``
# (messages on a link the action overflowed). In the search, messages are numbers.

def action_text(action):
    """One line for an action of a run, in words (the scenario text numbers the messages)."""
    from ..sim.trace import describe_message
    kind = action[0]
    if kind == "lose":
        lost = "; ".join(f"{describe_message(m)} S{m.src}->S{m.dst}" for m in action[1])
        return f"{action_text(action[2])}, losing {lost}"
    if kind == "deliver":
        m = action[1]
        copy = " (the network keeps a copy)" if action[2:] == ("keep",) else ""
        return f"deliver {describe_message(m)} S{m.src}->S{m.dst}{copy}"
    if kind == "submit":
        return f"submit x={action[2]} to S{action[1]}"
    if kind == "members":
        return "members " + " ".join(str(i) for i in action[1])
    if kind == "add":
        return f"add S{action[1]} as a {'voter' if action[2] else 'non-voter'}"
    if kind == "wait":
        return "wait (time passes)"
    return f"{kind} S{action[1]}"
