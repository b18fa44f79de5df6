"""A server as a value: what the model checker keeps of a node, and how it gets the node back.

Theory of operation
-------------------
The checker never deep-copies node objects. After each action, the acting node's attributes
(``vars(node)``) are *frozen* into one hashable value, and a node is *thawed* back from that
value when an action needs it: ``object.__new__(cls)`` plus the attributes, ``__init__`` not run.
Frozen by type: a :class:`~raft.node.Log` becomes a tuple of entries, a dict its sorted items, a
set a frozenset, a list a tuple, a mutable dataclass its fields; immutable values (numbers,
strings, entries, messages, configurations) are kept as they are. Left out: the constants of the
server (:data:`CONSTANT`, taken once from a node built by the class's constructor), the output
buffer (empty: the checker has just taken ``ready()``), and the clock, abstracted as the design
note ``docs/model-checking.md`` explains:

* every action happens at the current *instant*, except the ones that let time pass;
* a clock reading a node keeps (:data:`READINGS`: ``last_heard``, a catch-up round's
  ``round_start``; the values of a leader's ``heard_from``, :data:`READING_MAPS`) is ``None``,
  :data:`NOW` (taken at this instant) or :data:`LONG_AGO`;
* ``heartbeat_due`` (and a transfer's ``transfer_deadline``) is ``None`` or :data:`SET`;
  ``election_deadline`` and ``election_timer_start`` are not kept: after a pause every timer
  is due.

A thawed node is given the times back relative to an instant ``now``: NOW is ``now``, LONG_AGO
is ``now - pause`` (``pause`` is longer than every threshold a node applies to a reading), SET is
``now - pause``. Freezing relative to a later instant is how time passes: a reading taken at the
earlier instant is then LONG_AGO.

This is sound for any Node subclass whose state lives in instance attributes and whose methods
are deterministic functions of that state and their inputs; new attributes of a subclass are
frozen like the others (a subclass that keeps clock readings of its own is outside the model:
they never age).
"""

from __future__ import annotations

import dataclasses
import functools

from ..errors import ConfigurationError
from ..node import LEADER, Log, Node, Ready

#: Attributes that are the same in every state of one server: taken from a freshly built node.
CONSTANT = frozenset({"id", "rng", "election_timeout", "heartbeat_interval", "fast_backoff",
                      "disruption_guard", "max_entries_per_message", "initial_config"})
#: Attributes not kept at all (restored to "long ago"). The output buffer (the attribute that
#: holds a ``Ready``, ``out`` or formerly ``_out``) is not kept either: it is empty between
#: actions, and a thawed node gets a fresh one.
DROPPED = frozenset({"election_deadline", "election_timer_start"})
#: Clock readings: None, NOW or LONG_AGO (also a field of the membership change dataclass).
#: (``poll_start`` is pre-vote's, which the checker refuses; kept here so that a node that
#: sets it is still frozen correctly.)
READINGS = frozenset({"last_heard", "round_start", "poll_start"})
#: Dicts whose values are clock readings: a leader's ``heard_from`` (peer -> when it last
#: answered, read by the §6 guard and check-quorum).
READING_MAPS = frozenset({"heard_from"})
#: The methods of Node that read ``heard_from`` (or overwrite it on election). While a class
#: keeps them as Node has them and no method of its own names ``heard_from``, only the peers a
#: leader heard from *at this instant* matter: Node reads ``heard_from`` only as leader, through
#: ``reaches_quorum`` (who answered within the minimum election timeout: a reading of long ago
#: counts as no reading), and ``become_leader`` overwrites it, so a follower's is dead. The
#: codec then keeps a leader's NOW entries alone and a follower's not at all (see
#: :func:`heard_from_is_nodes`).
HEARD_FROM_READERS = ("become_leader", "reaches_quorum", "heard_from_leader_recently",
                      "lost_quorum")


def _code_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _code_names(const)
    return names


def heard_from_is_nodes(node_class):
    """Whether ``node_class`` reads ``heard_from`` exactly as Node does (see
    :data:`HEARD_FROM_READERS`)."""
    if any(getattr(node_class, name) is not getattr(Node, name) for name in HEARD_FROM_READERS):
        return False
    return not any("heard_from" in _code_names(code) for code in _own_code(node_class))


def _own_code(node_class):
    """The code of every function, method and property a subclass adds to Node."""
    for klass in node_class.__mro__:
        if klass is Node or klass is object:
            continue
        for value in vars(klass).values():
            fn = getattr(value, "__func__", value)
            fn = getattr(fn, "fget", fn)
            code = getattr(fn, "__code__", None)
            if code is not None:
                yield code


#: Node's methods behind the §6 guard. While a class keeps them (and ``heard_from``'s readers,
#: above) as Node has them and none of its own methods reads ``last_heard`` or calls them, a
#: server's readings are read only when a RequestVote of a higher term arrives: a follower's
#: ``last_heard`` (the guard's "heard from a leader within the minimum election timeout"), a
#: leader's ``heard_from`` (a majority answered within it). Then a reading of long ago is as good
#: as none (``last_heard`` freezes to None), and the search may forget this instant's readings of
#: a server to which no such RequestVote is in flight (see ``Checker.quiet``).
GUARD_READERS = ("_ignores_request_vote", "heard_from_leader_recently", "handle_pre_vote",
                 "handle_pre_vote_reply")
_GUARD_NAMES = frozenset(GUARD_READERS) | {"reaches_quorum", "lost_quorum"}


def _loads(code, names):
    """Whether ``code`` (or code nested in it) loads an attribute among ``names`` (reads it or
    calls it; storing it is not reading it)."""
    import dis
    for ins in dis.get_instructions(code):
        if ins.opname in ("LOAD_ATTR", "LOAD_METHOD", "LOAD_GLOBAL", "LOAD_NAME") and \
                ins.argval in names:
            return True
    return any(_loads(const, names) for const in code.co_consts if hasattr(const, "co_code"))


@functools.lru_cache(maxsize=64)
def guard_readings_are_nodes(node_class):
    """Whether ``node_class`` reads the §6 guard's clock readings only as Node does (see
    :data:`GUARD_READERS`)."""
    if not heard_from_is_nodes(node_class):
        return False
    if any(getattr(node_class, name) is not getattr(Node, name) for name in GUARD_READERS):
        return False
    return not any(_loads(code, _GUARD_NAMES | {"last_heard"}) for code in _own_code(node_class))


#: The methods through which Node ignores a reply it can no longer use: ``step`` hands it to
#: ``dispatch`` after ``adopt_newer_term`` (which acts only on a newer term), and the reply's
#: handler returns at once unless the reply is of the server's term and the server is in the role
#: that reads it (a leader for AppendEntriesReply, a candidate for RequestVoteReply). While a
#: class keeps them as Node has them, such a reply is a *dead* message: see ``Checker.dead``.
REPLY_READERS = ("step", "adopt_newer_term", "dispatch", "handle_request_vote_reply",
                 "handle_append_entries_reply", "note")


@functools.lru_cache(maxsize=64)
def replies_are_nodes(node_class):
    """Whether ``node_class`` handles replies exactly as Node does (see :data:`REPLY_READERS`)."""
    return all(getattr(node_class, name) is getattr(Node, name) for name in REPLY_READERS)


#: Deadlines kept only as "set or not" (after a pause they are due): the leader's next
#: heartbeats, and when it gives up a leadership transfer.
DEADLINES = frozenset({"heartbeat_due", "transfer_deadline"})


#: The instant every action happens at (clock readings are kept relative to it).
INSTANT = 0.0
#: The input "a timer fires" (after a pause), beside message numbers and client commands.
FIRE = ("fire",)

#: What a server slot holds: a running server, a crashed one (its disk), or none yet.
UP, DOWN, ABSENT = 0, 1, 2


class Server:
    """What one server number stands for (see ``raft.mc.search``): its kind, its frozen node and
    disk, and what the properties read, kept at hand."""

    __slots__ = ("slot", "kind", "frozen", "disk", "term", "vote", "role", "log", "log_id",
                 "commit_index", "match", "aged", "has_now", "key", "guard_now", "quiet")

    def __repr__(self):
        kind = ("up", "down", "absent")[self.kind]
        terms = [e.term for e in self.log]
        return f"<S{self.slot} {kind} {self.role} term={self.term} log={terms}>"



class _Mark:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name

    def __reduce__(self):
        return self.name


NOW = _Mark("NOW")
LONG_AGO = _Mark("LONG_AGO")
SET = _Mark("SET")
# Tags of frozen mutable values: (tag, contents).
_LOG, _DICT, _SET, _LIST, _DATACLASS = (_Mark("log"), _Mark("dict"), _Mark("set"), _Mark("list"),
                                        _Mark("dataclass"))


class FixedRng:
    """The generator a checked node gets: the search chooses when timers fire, so the timeout
    drawn is never used; ``uniform(a, b)`` returns ``b`` and ``random()`` 0.5, so a node stays a
    deterministic function of its state."""

    def uniform(self, a, b):
        return b

    def random(self):
        return 0.5

    def __repr__(self):
        return "FixedRng()"


def _key(item):
    return repr(item[0])


class Codec:
    """Freezes and thaws the nodes of one server slot (``node_class`` and its constants)."""

    def __init__(self, node_class, template, pause, fixed_config=False):
        if not hasattr(template, "__dict__"):
            raise ConfigurationError(f"{node_class.__name__} keeps no instance __dict__ "
                                     "(__slots__?): the model checker cannot snapshot it")
        self.node_class = node_class
        self.pause = pause
        self.constants = {k: v for k, v in vars(template).items() if k in CONSTANT}
        self.buffers = tuple(k for k, v in vars(template).items() if isinstance(v, Ready))
        self._dropped = DROPPED | set(self.buffers)
        self._plans = {}   # tuple of attribute names in dict order -> sorted variable names
        self.heard_from_now_only = heard_from_is_nodes(node_class)
        # The §6 guard's readings are read only by Node's guard (see GUARD_READERS).
        self.guard_only = guard_readings_are_nodes(node_class)
        # True when no server's configuration can change (no membership change is allowed and
        # no starting log holds a configuration entry).
        self.fixed_config = fixed_config

    # -- freezing ----------------------------------------------------------------------------

    def freeze(self, node, now):
        """The node's variable attributes as one hashable value, clock readings relative to
        the instant ``now``: (names, values)."""
        attrs = node.__dict__
        order = tuple(attrs)
        names = self._plans.get(order)
        if names is None:
            names = tuple(sorted(k for k in order if k not in CONSTANT and k not in self._dropped))
            self._plans[order] = names
        values = []
        for name in names:
            v = attrs[name]
            if name in READINGS:
                v = _reading(v, now, name)
                if v is LONG_AGO and name == "last_heard" and self.guard_only:
                    v = None   # the guard reads it as "heard from a leader recently": no
            elif name in DEADLINES:
                v = None if v is None else SET
            elif name in READING_MAPS:
                if name == "heard_from" and self.heard_from_now_only:
                    v = self._heard_from(node, v, now)
                else:
                    v = (_DICT, tuple(sorted((k, _reading(x, now, name))
                                             for k, x in v.items())))
            else:
                v = self._freeze(v, now)
            values.append(v)
        return names, tuple(values)

    def guard_now(self, frozen, role):
        """Whether a server holds a reading of this instant that only the §6 guard reads: a
        leader's answers (``heard_from``), a follower's or candidate's ``last_heard``."""
        if not self.guard_only:
            return False
        names, values = frozen
        name = "heard_from" if role == LEADER else "last_heard"
        try:
            v = values[names.index(name)]
        except ValueError:
            return False
        return bool(v[1]) if role == LEADER else v is NOW

    def _heard_from(self, node, heard, now):
        """A leader's ``heard_from`` as Node reads it: the peers heard from at this instant (a
        follower's: nothing). With a fixed configuration, every set that already reaches a
        quorum with the leader is as good as any other (more answers keep it there), so all of
        them freeze to one: every other voter."""
        if node.role != LEADER:
            return (_DICT, ())
        recent = {k for k, x in heard.items() if x == now}
        if self.fixed_config:
            config = node.config
            if config.has_quorum(recent | {node.id}):
                recent = config.members - {node.id}
        return (_DICT, tuple((k, NOW) for k in sorted(recent)))

    def _freeze(self, v, now):
        t = type(v)
        if t is int or t is str or v is None or t is bool or t is float or t is tuple \
                or t is frozenset:
            return v
        if t is Log:
            return (_LOG, tuple(v))
        if t is dict:
            items = [(k, self._freeze(x, now)) for k, x in v.items()]
            try:
                items.sort()
            except TypeError:
                items.sort(key=_key)
            return (_DICT, tuple(items))
        if t is set:
            return (_SET, frozenset(self._freeze(x, now) for x in v))
        if t is list:
            return (_LIST, tuple(self._freeze(x, now) for x in v))
        if dataclasses.is_dataclass(v) and not t.__dataclass_params__.frozen:
            fields = []
            for f in dataclasses.fields(v):
                x = getattr(v, f.name)
                fields.append(_reading(x, now, f.name) if f.name in READINGS
                              else self._freeze(x, now))
            return (_DATACLASS, t, tuple(fields))
        if t.__hash__ is None:
            raise ConfigurationError(f"cannot snapshot a {t.__name__} attribute of "
                                     f"{self.node_class.__name__}: only numbers, strings, tuples, "
                                     "lists, dicts, sets, Log and dataclasses are supported")
        return v   # another immutable value (an Entry, a Configuration, a message...)

    # -- thawing -----------------------------------------------------------------------------

    def thaw(self, frozen, now):
        """A node equal, attribute for attribute, to the one frozen, with its clock readings
        given back relative to the instant ``now``."""
        names, values = frozen
        node = object.__new__(self.node_class)
        attrs = node.__dict__
        attrs.update(self.constants)
        old = now - self.pause
        for name, v in zip(names, values):
            if name in READINGS:
                v = _unreading(v, now, old)
            elif name in DEADLINES:
                v = None if v is None else old
            elif name in READING_MAPS:
                v = {k: _unreading(x, now, old) for k, x in v[1]}
            else:
                v = _thaw(v, now, old)
            attrs[name] = v
        attrs["election_timer_start"] = old
        attrs["election_deadline"] = old
        for name in self.buffers:
            attrs[name] = Ready()
        return node


def _reading(v, now, name):
    if v is None:
        return None
    if v == now:
        return NOW
    if v < now:
        return LONG_AGO
    raise ConfigurationError(f"the clock reading {name}={v} is in the future of the instant {now}")


def _unreading(v, now, old):
    if v is None:
        return None
    return now if v is NOW else old


def _thaw(v, now, old):
    if type(v) is not tuple or not v or type(v[0]) is not _Mark:
        return v
    tag = v[0]
    if tag is _LOG:
        return Log(v[1])
    if tag is _DICT:
        return {k: _thaw(x, now, old) for k, x in v[1]}
    if tag is _SET:
        return {_thaw(x, now, old) for x in v[1]}
    if tag is _LIST:
        return [_thaw(x, now, old) for x in v[1]]
    cls = v[1]
    values = []
    for f, x in zip(dataclasses.fields(cls), v[2]):
        values.append(_unreading(x, now, old) if f.name in READINGS else _thaw(x, now, old))
    return cls(*values)
