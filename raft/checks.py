"""Checks of the values a caller hands in, shared by the node, the cluster, the scenario
language and the grader, so that each rule is written once and says the same thing everywhere.

Every check returns the value it accepted (normalised where that helps, e.g. a pair of floats)
or raises a :class:`~raft.errors.RaftError` subclass whose message names the bad value and
what was expected. ``bool`` is refused wherever a number or a server id is expected: ``True``
is an int in Python, but ``crash(True)`` is never what was meant.
"""

from __future__ import annotations

import math

from .errors import ConfigurationError, MembershipChangeInProgress, UnknownNode


def is_number(value):
    """An int or a float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def duration(name, value):
    """A finite, non-negative number of simulated milliseconds."""
    if not is_number(value) or not math.isfinite(value) or value < 0:
        raise ConfigurationError(f"{name} must be a finite number of milliseconds, 0 or more, "
                                 f"got {value!r}")
    return value


def time_range(name, value):
    """A ``(low, high)`` pair of milliseconds with ``0 < low <= high``."""
    try:
        low, high = value
    except (TypeError, ValueError):
        raise ConfigurationError(f"{name} must be a (low, high) pair of milliseconds, "
                                 f"got {value!r}") from None
    if not all(is_number(v) and math.isfinite(v) for v in (low, high)):
        raise ConfigurationError(f"{name} must be a (low, high) pair of finite numbers of "
                                 f"milliseconds, got {value!r}")
    if low > high:
        raise ConfigurationError(f"{name} must be (low, high) with low <= high, got {value!r}")
    if low <= 0:
        raise ConfigurationError(f"{name} must be positive, got {value!r}")
    return low, high


def timing(election_timeout, heartbeat_interval):
    """The election timeout range and the heartbeat interval, which must sit below its low
    end (§5.2, §5.6). Returns ``(low, high)``."""
    low, high = time_range("election_timeout", election_timeout)
    if not is_number(heartbeat_interval) or not math.isfinite(heartbeat_interval):
        raise ConfigurationError(f"heartbeat_interval must be a number of milliseconds, got "
                                 f"{heartbeat_interval!r}")
    if not 0 < heartbeat_interval < low:
        raise ConfigurationError(
            f"the heartbeat interval ({heartbeat_interval} ms) must be positive and below "
            f"the low end of the election timeout ({low} ms), or followers time out "
            "while the leader is healthy (§5.2, §5.6)")
    return low, high


def probability(name, value):
    """A probability in [0, 1)."""
    if not (is_number(value) and 0 <= value < 1):
        raise ConfigurationError(f"{name} must be a probability in [0, 1), got {value!r}")
    return value


def positive_int(name, value):
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        raise ConfigurationError(f"{name} must be a positive integer, got {value!r}")
    return value


def server_id(value, ids=None):
    """A server id: a positive int (not a bool, not 1.0), one of ``ids`` if given."""
    known = f" (servers: {', '.join(f'S{j}' for j in ids)})" if ids is not None else ""
    if not (isinstance(value, int) and not isinstance(value, bool)):
        raise UnknownNode(f"a server id is a whole number such as 3, got {value!r}{known}")
    if ids is not None and value not in ids:
        raise UnknownNode(f"there is no server {value!r} in this cluster{known}")
    if value < 1:
        raise UnknownNode(f"server ids are positive whole numbers, got {value!r}")
    return value


def predicate(value):
    """A function of the cluster, for ``run_until``."""
    if not callable(value):
        raise ConfigurationError(f"run_until needs a function of the cluster, e.g. "
                                 f"lambda c: c.leader() is not None, got {value!r}")
    return value


def partition_groups(groups, ids):
    """The groups of a partition: each an id or an iterable of ids, no id twice, every server
    in some group. Returns a tuple of sorted tuples."""
    seen = set()
    clean = []
    for g in groups:
        members = [g] if isinstance(g, int) else g
        try:
            members = list(members)
        except TypeError:
            raise ConfigurationError(f"a partition group is a list of server ids, got "
                                     f"{g!r}") from None
        for i in members:
            server_id(i, ids)
            if i in seen:
                raise ConfigurationError(f"S{i} is in two partition groups")
            seen.add(i)
        clean.append(tuple(sorted(members)))
    if not clean:
        raise ConfigurationError("partition needs at least one group")
    left_out = [i for i in ids if i not in seen]
    if left_out:
        names = ", ".join(f"S{i}" for i in left_out)
        written = ", ".join(str(list(g)) for g in clean)
        raise ConfigurationError(
            f"partition({written}) leaves out {names}: put every server in a group "
            f"(a server alone in its group is cut off from all the others), e.g. "
            f"partition({written}, {left_out}); to cut one server off, use disconnect(i)")
    return tuple(clean)


def membership_change(ids, leader):
    """The voters of a membership change (§6) asked of ``leader`` (a Node): positive ids, not
    empty, not its configuration now, and no change already under way. Returns them sorted."""
    ids = list(ids)
    for i in ids:
        server_id(i)
    asked = _voters(ids)
    if leader.config_change_in_progress():
        change = leader.pending_change
        if change is not None:
            underway = (f"the change to {_voters(change.voters)} is catching up "
                        f"{', '.join(f'S{i}' for i in sorted(change.learners))}")
        else:
            underway = f"the configuration {leader.config} is not committed yet"
        raise MembershipChangeInProgress(
            f"cannot start the change to {asked}: a membership change is already in progress "
            f"({underway}); only one change at a time is allowed (§6)")
    if not ids:
        raise ConfigurationError("a configuration needs at least one server")
    if leader.config.non_voters:
        raise ConfigurationError(f"cannot start the change to {asked}: the configuration "
                                 f"{leader.config} has non-voting servers, which joint "
                                 "consensus does not know; promote or remove them first")
    if frozenset(ids) == leader.config.voters:
        raise ConfigurationError(f"the configuration is already {leader.config}")
    return tuple(sorted(set(ids)))


def _voters(ids):
    return "{" + ",".join(str(i) for i in sorted(set(ids))) + "}"
