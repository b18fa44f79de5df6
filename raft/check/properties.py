"""The five safety properties of Figure 3: one small, pure function each.

Theory of operation
-------------------
Each property is a *pure* function below (``election_safety``, ``leader_append_only``,
``log_matching``, ``leader_completeness``, and two for State Machine Safety). It takes plain
values (server ids, terms, entries, and logs as sequences whose item 0 is index 1), changes
nothing, and returns a :class:`Breach` when the property is broken or None when it holds. What
an observer must remember between two looks (who led each term, what each index holds as
committed) is passed in. Two observers use these functions, so the definitions cannot drift:

* :class:`raft.check.checker.SafetyChecker` watches a live cluster after every simulator step
  and raises :class:`~raft.errors.InvariantViolation` at once. It is incremental (it
  re-examines only the logs that changed since the last step, from where they changed) so that
  the randomized tests stay fast.
* :class:`raft.viz.checks.InvariantMonitor` watches a sequence of snapshots and drives the
  players' safety light. It re-examines every pair of logs and every committed entry at each
  snapshot, which is simpler and fast enough for the few hundred steps a player shows.

The checker reads the servers' state (and the entries the simulator saw them apply); it trusts
nothing a server says about itself beyond that, and never changes anything. A violation carries
the property's name, the servers and entries involved, the seed and the last lines of the trace,
so the run can be replayed and read.

Choices made once, for both observers:

* State Machine Safety is judged in Figure 3's own form (entries as they are applied) *and*
  one moment earlier (entries as servers come to hold them as committed). The first form is
  what catches a server that applies an entry that was never committed
  (``bugs.ApplyUncommitted``); the second sees two different committed entries at one index
  before either is applied.
* The committed form is judged once per server and index, when the server's commit index
  reaches it, just as Figure 3's form is judged when an entry is applied. A committed entry
  that a wrong leader overwrites later is not judged again here: that leader lacks a committed
  entry, which is Leader Completeness's finding.
* The words of a violation name the servers and entries involved, the same for both observers.
"""

from __future__ import annotations

from typing import NamedTuple

PROPERTIES = ("Election Safety", "Leader Append-Only", "Log Matching", "Leader Completeness",
              "State Machine Safety")


class Breach(NamedTuple):
    """One broken property, as the functions below report it."""

    prop: str            # one of PROPERTIES
    details: str         # which servers and entries, in one sentence
    servers: tuple = ()  # the servers the details name
    indexes: tuple = ()  # the log indexes involved

    @property
    def cells(self):
        """The (server, index) log cells involved, for pictures that outline them."""
        return tuple((s, i) for s in self.servers for i in self.indexes)


# -- the five properties, one function each -----------------------------------------------------
#
# A log is a sequence of entries whose item 0 is the entry at index 1 (``node.log.entries``, or
# a snapshot's ``NodeView.log``); indexes in arguments and messages are the paper's, from 1.

def election_safety(leaders, server, term):
    """Election Safety (§5.2, Figure 3): a term has at most one leader.

    ``leaders`` maps each term to the first server seen leading it; ``server`` leads ``term``
    now. Broken if someone else was seen leading the same term."""
    first = leaders.get(term, server)
    if first != server:
        return Breach("Election Safety", f"S{first} and S{server} were both leader in term {term}",
                      (first, server))
    return None


def leader_append_only(server, term, before, now, agree=0, base=0):
    """Leader Append-Only (§5.3, Figure 3): while a server leads a term it only adds entries to
    the end of its log; it never overwrites or deletes one.

    ``before`` is the leader's log as seen earlier in ``term``, ``now`` its log now: ``now``
    must begin with all of ``before``. (``agree``: the two are known to agree on their first
    ``agree`` entries, so the comparison starts there; observers that track changes know it.
    ``base``: both sequences start at index ``base + 1``, the indexes before being compacted
    into snapshots, §7.)"""
    kept = common_prefix(before, now, agree, min(len(before), len(now)))
    if kept < len(before):
        index = base + kept + 1
        return Breach("Leader Append-Only", f"leader S{server} (term {term}) changed or removed "
                      f"its entry at index {index}", (server,), (index,))
    return None


def log_matching(a, log_a, b, log_b, common=None, base=0):
    """Log Matching (§5.3, Figure 3): if two logs hold an entry with the same index and term,
    they hold the same entries at every index up to and including that one.

    The logs agree on their first ``common`` entries (computed if not given) and differ at
    index ``common + 1``; the property is broken if some later index holds entries of the same
    term in both logs. Only the last such index needs finding, searching back from the end.
    (``base``: both sequences start at index ``base + 1``, the earlier indexes being compacted,
    §7: only what both logs still hold is compared.)"""
    if common is None:
        common = common_prefix(log_a, log_b)
    k = min(len(log_a), len(log_b))
    while k > common and log_a[k - 1].term != log_b[k - 1].term:
        k -= 1
    if k > common:
        bad = common + 1
        return Breach("Log Matching", f"S{a} and S{b} both hold term {log_a[k - 1].term} at index "
                      f"{base + k}, but differ at index {base + bad}: {_fmt(log_a[bad - 1])} vs "
                      f"{_fmt(log_b[bad - 1])}", (a, b), (base + bad,))
    return None


def leader_completeness(leader, term, log, index, committed, base=0):
    """Leader Completeness (§5.4, Figure 3): an entry committed in some term is in the log of
    every leader of a later term.

    ``committed`` is ``(entry, commit_term)``: ``entry`` was first seen committed at ``index``
    by a server whose current term was ``commit_term`` (observers look after every step, so
    that is normally the leader that committed it). ``leader`` leads ``term`` with ``log``.
    (``base``: ``log`` starts at index ``base + 1``; an index up to ``base`` is in the leader's
    snapshot, §7, which holds committed entries only, and counts as held.)"""
    entry, commit_term = committed
    if index <= base:
        return None
    k = index - base
    if term > commit_term and (k > len(log) or log[k - 1] != entry):
        has = _fmt(log[k - 1]) if k <= len(log) else "nothing"
        return Breach("Leader Completeness", f"{_fmt(entry)} was committed at index {index} in "
                      f"term {commit_term}, but leader S{leader} of term {term} has {has} there",
                      (leader,), (index,))
    return None


def state_machine_safety(first, server, index, entry):
    """State Machine Safety (§5.4.3, Figure 3): once a server has applied an entry at an index,
    no server ever applies a different entry at that index.

    ``first`` is ``(server, entry)`` first seen applied at ``index`` (None if none yet);
    ``server`` applies ``entry`` there now."""
    if first is not None and first[1] != entry:
        return Breach("State Machine Safety", f"S{first[0]} applied {_fmt(first[1])} at index "
                      f"{index}, but S{server} applied {_fmt(entry)} there", (first[0], server),
                      (index,))
    return None


def committed_entries_agree(known, server, index, entry):
    """State Machine Safety, judged one moment earlier (§5.4.3): when a server comes to hold an
    index as committed (its commit index reaches it), the entry it holds there is the one
    already known to be committed there.

    A server applies only committed entries (§5.3), so two servers holding different entries
    as committed at one index are on their way to applying them: this sees it before either
    applies, even in runs where they never get that far. Like Figure 3's form, it is judged
    once per server and index, at that moment: a committed entry overwritten later (by a
    leader that lacks it) is Leader Completeness's finding. ``known`` is ``(entry,
    commit_term)`` first seen committed at ``index`` (None if none yet); ``server`` now holds
    ``entry`` there as committed."""
    if known is not None and known[0] != entry:
        return Breach("State Machine Safety", f"index {index} is committed as {_fmt(known[0])}, "
                      f"but S{server} holds {_fmt(entry)} there as committed", (server,),
                      (index,))
    return None


def common_prefix(a, b, start=0, end=None):
    """How many leading items sequences ``a`` and ``b`` share, looking only in [start, end):
    the first index in that range where they differ, or ``end`` (default: the shorter length).
    Items before ``start`` are taken as equal."""
    if end is None:
        end = min(len(a), len(b))
    k = start
    while k < end:
        stop = min(k + 256, end)
        if a[k:stop] == b[k:stop]:   # a C-level comparison of a whole chunk
            k = stop
            continue
        while a[k] is b[k] or a[k] == b[k]:
            k += 1
        return k
    return end


def _fmt(entry):
    what = {"noop": "no-op", "config": f"config {entry.command}"}.get(entry.kind,
                                                                     repr(entry.command))
    return f"(term {entry.term}, {what})"
