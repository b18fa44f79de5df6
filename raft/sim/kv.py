"""The replicated state machine: a small key-value store driven by committed commands.

Commands are short strings so they read well in pictures and scenario files:

* ``"x=3"`` sets key ``x`` to ``"3"``;
* ``"del x"`` removes key ``x``.

Every server applies the same committed commands in the same order, so every server ends up
with the same dictionary: that is the whole point of a replicated log (§2). A command carries
a client id and a sequence number; a command whose number was already applied for that client
is recognised as a retry and not applied twice (§8).
"""

import re
from functools import lru_cache

from ..errors import CommandError

_SET = re.compile(r"^\s*([A-Za-z_][\w.-]*)\s*=\s*(.*?)\s*$")
_DEL = re.compile(r"^\s*del\s+([A-Za-z_][\w.-]*)\s*$")


def parse_command(command):
    """Return ``("set", key, value)`` or ``("del", key, None)``; raise CommandError (a
    RaftError and a ValueError) otherwise."""
    if not isinstance(command, str):
        raise CommandError(f"a command is a string such as 'x=3' or 'del x', got {command!r}")
    match = _DEL.match(command)
    if match:
        return "del", match.group(1), None
    match = _SET.match(command)
    if match:
        return "set", match.group(1), match.group(2)
    raise CommandError(f"cannot parse command {command!r}: write 'key=value' or 'del key'")


# Every server applies every command: remembering recent commands parses each one once, not
# once per server.
_parse_cached = lru_cache(maxsize=1024)(parse_command)


def _parse_applied(command):
    """parse_command, remembered for the commands seen lately (a command is parsed when it is
    submitted, and again by every server that applies it)."""
    return _parse_cached(command) if isinstance(command, str) else parse_command(command)


class KeyValueStore:
    """One server's copy of the state machine."""

    def __init__(self):
        self.data = {}
        self.applied = []        # the client commands applied, in order
        self._last_seq = {}      # client id -> (highest seq applied, its result)

    def apply(self, entry):
        """Apply one committed entry; returns True if it changed the store's history."""
        if entry.kind != "command":
            return False  # no-ops and configuration entries have no effect here
        if entry.client_id is not None:
            seen = self._last_seq.get(entry.client_id)
            if seen is not None and entry.seq <= seen:
                return False  # a retry of a command already applied (§8)
            self._last_seq[entry.client_id] = entry.seq
        op, key, value = _parse_applied(entry.command)
        if op == "set":
            self.data[key] = value
        else:
            self.data.pop(key, None)
        self.applied.append(entry.command)
        return True
