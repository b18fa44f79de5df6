"""The replicated state machine: a small key-value store driven by committed commands.

Commands are short strings so they read well in pictures and scenario files:

* ``"x=3"`` sets key ``x`` to ``"3"`` (also written ``"put x 3"``);
* ``"del x"`` removes key ``x``;
* ``"append x 3"`` adds ``"3"`` to the end of ``x``'s value;
* ``"get x"`` reads ``x`` (a read sent through the log, dissertation §6.4).

A key never written reads as the empty string, as in MIT 6.824's key-value service, so a lost
or doubled ``append`` shows in the value that a later ``get`` returns.

Every server applies the same committed commands in the same order, so every server ends up
with the same dictionary: that is the whole point of a replicated log (§2). A command carries
a client id and a sequence number. Each store keeps a *session* per client: the highest
sequence number it applied for that client and that command's result. A command whose number
was already applied is recognised as a retry and not applied again; its result is the one
remembered (dissertation §6.3). Every server keeps the same sessions, since they change only
by applying the log.
"""

import re
from functools import lru_cache
from typing import NamedTuple

from ..errors import CommandError

_KEY = r"[A-Za-z_][\w.-]*"
_SET = re.compile(rf"^\s*({_KEY})\s*=\s*(.*?)\s*$")
_DEL = re.compile(rf"^\s*del\s+({_KEY})\s*$")
_PUT = re.compile(rf"^\s*(put|append)\s+({_KEY})\s+(\S+)\s*$")
_GET = re.compile(rf"^\s*get\s+({_KEY})\s*$")


def parse_command(command):
    """Return ``("set", key, value)``, ``("append", key, value)``, ``("get", key, None)`` or
    ``("del", key, None)``; raise CommandError (a RaftError and a ValueError) otherwise."""
    if not isinstance(command, str):
        raise CommandError(f"a command is a string such as 'x=3' or 'del x', got {command!r}")
    match = _DEL.match(command)
    if match:
        return "del", match.group(1), None
    match = _GET.match(command)
    if match:
        return "get", match.group(1), None
    match = _PUT.match(command)
    if match:
        verb, key, value = match.groups()
        return ("set" if verb == "put" else "append"), key, value
    match = _SET.match(command)
    if match:
        return "set", match.group(1), match.group(2)
    raise CommandError(f"cannot parse command {command!r}: write 'key=value' or 'del key' "
                       "(or a client's 'put key value', 'append key value', 'get key')")


def command_for(f, key, value=None):
    """The command string of a client operation: ``("put", "x", "5")`` -> ``"x=5"``,
    ``("append", "x", "5")`` -> ``"append x 5"``, ``("get", "x")`` -> ``"get x"``."""
    if f == "put":
        return f"{key}={value}"
    if f == "append":
        return f"append {key} {value}"
    if f == "get":
        return f"get {key}"
    raise CommandError(f"a client operation is put, append or get, got {f!r}")


# Every server applies every command: remembering recent commands parses each one once, not
# once per server.
_parse_cached = lru_cache(maxsize=1024)(parse_command)


def _parse_applied(command):
    """parse_command, remembered for the commands seen lately (a command is parsed when it is
    submitted, and again by every server that applies it)."""
    return _parse_cached(command) if isinstance(command, str) else parse_command(command)


class StoreSnapshot(NamedTuple):
    """A key-value store's state, as a snapshot carries it (§7): what the log up to the
    snapshot's index amounted to. ``data`` is the store's (key, value) pairs and ``sessions`` the
    client sessions, (client id, (highest seq applied, its result)) pairs (§8; the dissertation's
    §6.3 asks for the sessions to be in the snapshot, or a retry after it would apply twice).
    Both are sorted, so two stores in the same state give equal snapshots."""

    data: tuple
    sessions: tuple


class KeyValueStore:
    """One server's copy of the state machine."""

    def __init__(self):
        self.data = {}
        # The client commands this store applied, in order: a record for pictures and tests,
        # not part of the state (a store loaded from a snapshot starts it empty, see restore).
        self.applied = []
        self.applied_index = 0   # the log index of the last entry applied (any kind)
        self.sessions = {}       # client id -> (highest seq applied, its result) (§6.3)
        self.last_result = None  # the result of the last entry applied (a get's value)

    def apply(self, entry, index=None):
        """Apply one committed entry (at log ``index``, if given); returns True if it changed
        the store's history (False for a no-op, a configuration or a client's retry)."""
        if index is not None:
            self.applied_index = index
        self.last_result = None
        if entry.kind != "command":
            return False  # no-ops and configuration entries have no effect here
        if entry.client_id is not None:
            seen = self.sessions.get(entry.client_id)
            if seen is not None and entry.seq <= seen[0]:
                # A retry of a command already applied (§8, dissertation §6.3): not applied
                # again; its answer is the one remembered.
                self.last_result = seen[1] if entry.seq == seen[0] else None
                return False
        op, key, value = _parse_applied(entry.command)
        result = None
        if op == "set":
            self.data[key] = value
        elif op == "append":
            self.data[key] = self.data.get(key, "") + value
        elif op == "get":
            result = self.data.get(key, "")
        else:
            self.data.pop(key, None)
        if entry.client_id is not None:
            self.sessions[entry.client_id] = (entry.seq, result)
        self.last_result = result
        self.applied.append(entry.command)
        return True

    def result(self, client_id, seq):
        """The result remembered for ``client_id``'s command ``seq``: ``(True, result)`` if
        that is the last command applied for the client, else ``(False, None)``."""
        seen = self.sessions.get(client_id)
        if seen is None or seen[0] != seq:
            return False, None
        return True, seen[1]

    def read(self, key):
        """A key's value now (a key never written reads as "")."""
        return self.data.get(key, "")

    # -- snapshots (§7) -------------------------------------------------------------------------

    def snapshot(self):
        """The store's state as an immutable :class:`StoreSnapshot`."""
        return StoreSnapshot(tuple(sorted(self.data.items())),
                             tuple(sorted(self.sessions.items(), key=_by_client)))

    def restore(self, snapshot, index=None):
        """Replace the store's state with ``snapshot``'s (Figure 13, receiver rule 8; and at a
        restart); ``index`` is the last log index the snapshot covers. ``applied`` starts again
        empty: the commands the snapshot sums up were applied elsewhere, or before the crash,
        and are not replayed."""
        if not isinstance(snapshot, StoreSnapshot):
            raise CommandError(f"a key-value store restores from a StoreSnapshot, got "
                               f"{type(snapshot).__name__}")
        self.data = dict(snapshot.data)
        self.sessions = dict(snapshot.sessions)
        self.applied = []
        self.last_result = None
        if index is not None:
            self.applied_index = index


def _by_client(item):
    return (type(item[0]).__name__, repr(item[0]))
