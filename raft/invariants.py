"""The five safety properties of Figure 3, checked from the outside after every step.

The checker reads the servers' state (and the entries the simulator saw them apply); it
trusts nothing a server says about itself beyond that, and never changes anything. When a
property breaks it raises :class:`~raft.errors.InvariantViolation` carrying the property's
name, the servers and entries involved, the seed and the last lines of the trace, so the run
can be replayed and read.

* **Election Safety**: at most one leader can be elected in a given term (§5.2).
* **Leader Append-Only**: a leader never overwrites or deletes entries in its log; it only
  appends (§5.3).
* **Log Matching**: if two logs contain an entry with the same index and term, the logs are
  identical in all entries up through that index (§5.3).
* **Leader Completeness**: if an entry is committed in a term, it is in the logs of the
  leaders of all higher terms (§5.4).
* **State Machine Safety**: if a server has applied an entry at an index, no other server
  ever applies a different entry at that index (§5.4.3).
"""

from __future__ import annotations

from .errors import InvariantViolation
from .node import LEADER

PROPERTIES = ("Election Safety", "Leader Append-Only", "Log Matching", "Leader Completeness",
              "State Machine Safety")


class SafetyChecker:
    """Checks a cluster after every step (``Cluster(check_invariants=True)`` wires it in).

    ``raise_on_violation=False`` collects violations in ``violations`` instead of raising,
    for dashboards that want to count them.
    """

    def __init__(self, cluster, raise_on_violation=True, recent=12):
        self.cluster = cluster
        self.raise_on_violation = raise_on_violation
        self.recent = recent
        self.violations = []
        self.checks = 0
        self.leaders = {}          # term -> the id of the server that led it
        self._leader_logs = {}     # id -> (term, node object, view of the log seen as leader)
        # How each server's log looked at the last check, as a *view* (list, length): the
        # first `length` items of `list`. A list is only ever extended in place (when the log
        # grew by appending), so an older view of the same list stays valid; a log that
        # changed in any other way gets a new list.
        self._views = {}           # id -> (list, length)
        self._kept = {}            # id -> length of the log's prefix unchanged since last check
        self._pairs = {}           # (a, b) -> (view of a, view of b, common prefix, k)
        self._bad_pairs = set()    # the pairs (a, b) that break Log Matching now
        self._pairs_checked = -1   # the last check whose pairs were all brought up to date
        self.committed = {}        # index -> (entry, term of the committing server)
        self._commit_order = []    # the indexes of `committed`, in the order first seen
        self._complete_upto = {}   # leader id -> (node, term, how much of _commit_order checked)
        self._commit_seen = {}     # id -> (node object, highest commit_index examined)
        self.applied = {}          # index -> (server id, entry) first applied there

    # -- called by the simulator ---------------------------------------------------------------

    def on_apply(self, node_id, index, entry):
        first = self.applied.get(index)
        if first is None:
            self.applied[index] = (node_id, entry)
        elif first[1] != entry:
            self._fail("State Machine Safety",
                       f"S{first[0]} applied {_fmt(first[1])} at index {index}, but "
                       f"S{node_id} applied {_fmt(entry)} there", (index,))

    def check(self):
        self.checks += 1
        nodes = self.cluster.nodes
        live = [n for i, n in sorted(nodes.items()) if i not in self.cluster.crashed]
        previous = self._track_logs()
        self._election_safety(live)
        self._leader_append_only(live, previous)
        self._note_commits(live)
        self._log_matching(previous)
        self._leader_completeness(live)

    # -- what changed since the last check -----------------------------------------------------

    def _logs(self):
        """Each server's log as a read-only list (its disk if it is down), by id."""
        cluster = self.cluster
        crashed = cluster.crashed
        return {i: cluster.disks[i].log if i in crashed else n.log._entries
                for i, n in sorted(cluster.nodes.items())}

    def _track_logs(self):
        """Compare every log with its view from the last check; returns those old views.

        This reads every entry once per check (a C-level list comparison), so any change is
        seen, however it was made; the pairwise checks below then only look at what changed.
        """
        previous = dict(self._views)
        views, kept = self._views, self._kept
        self._current = logs = self._logs()
        self._changed = changed = set()
        for i, entries in logs.items():
            view = previous.get(i)
            n = len(entries)
            if view is None:
                kept[i] = 0
                views[i] = (list(entries), n)
                changed.add(i)
                continue
            copy, length = view
            if n >= length:
                if n > length:
                    copy.extend(entries[length:])  # copy is the newest view: safe to extend
                    changed.add(i)
                if entries == copy:                # the log only grew (or did not change)
                    kept[i] = length
                    if n > length:
                        views[i] = (copy, n)
                    continue
            kept[i] = _common_prefix(copy, entries, 0, min(length, n))
            views[i] = (list(entries), n)
            changed.add(i)
        return previous

    # -- the properties ------------------------------------------------------------------------

    def _election_safety(self, live):
        for n in live:
            if n.role == LEADER:
                other = self.leaders.setdefault(n.current_term, n.id)
                if other != n.id:
                    self._fail("Election Safety",
                               f"S{other} and S{n.id} were both leader in term {n.current_term}",
                               ())

    def _leader_append_only(self, live, previous):
        current = set()
        for n in live:
            if n.role != LEADER:
                continue
            current.add(n.id)
            seen = self._leader_logs.get(n.id)
            if seen is not None and seen[0] == n.current_term and seen[1] is n:
                before, length = seen[2]
                if _same_view(seen[2], previous.get(n.id)):
                    kept = self._kept[n.id]   # the usual case: seen at the last check
                else:
                    kept = _common_prefix(before, n.log._entries, 0,
                                          min(length, len(n.log)))
                if kept < length:
                    index = kept + 1
                    self._fail("Leader Append-Only",
                               f"leader S{n.id} (term {n.current_term}) changed or removed its "
                               f"entry at index {index}", (index,))
            self._leader_logs[n.id] = (n.current_term, n, self._views[n.id])
        for i in list(self._leader_logs):
            if i not in current:
                del self._leader_logs[i]

    def _note_commits(self, live):
        for n in live:
            node, seen = self._commit_seen.get(n.id, (None, 0))
            if node is n and n.commit_index <= seen:
                continue  # nothing newly committed on this server
            if node is not n:
                seen = 0  # a restarted server re-learns its commit index
            for index in range(seen + 1, min(n.commit_index, len(n.log)) + 1):
                entry = n.log[index]
                known = self.committed.get(index)
                if known is None:
                    self.committed[index] = (entry, n.current_term)
                    self._commit_order.append(index)
                elif known[0] != entry:
                    self._fail("State Machine Safety",
                               f"index {index} is committed as {_fmt(known[0])}, but S{n.id} "
                               f"holds {_fmt(entry)} there as committed", (index,))
            self._commit_seen[n.id] = (n, max(seen, n.commit_index))

    def _log_matching(self, previous):
        # For each pair of logs: k is the last index where both hold an entry of the same
        # term; the property requires them to agree on every entry up to k. Only the common
        # prefix (how far they agree) and k are needed; both are kept from the last check and
        # re-examined only for pairs where a log changed, from where it changed.
        logs = self._current
        views, kept, pairs = self._views, self._kept, self._pairs
        ids = list(logs)   # sorted
        if self._pairs_checked == self.checks - 1:   # the last check got this far: only the
            todo = {(a, b) if a < b else (b, a)      # pairs of a changed log need a look
                    for a in self._changed for b in ids if b != a}
        else:
            todo = {(a, b) for x, a in enumerate(ids) for b in ids[x + 1:]}
        for ia, ib in todo:
            la, lb = logs[ia], logs[ib]
            m = min(len(la), len(lb))
            cached = pairs.get((ia, ib))
            if cached is not None and _same_view(cached[0], previous.get(ia)) \
                    and _same_view(cached[1], previous.get(ib)):
                same = min(kept[ia], kept[ib])   # both logs are unchanged below this
                common = cached[2] if cached[2] < same else \
                    _common_prefix(la, lb, same, m)
            else:
                common = _common_prefix(la, lb, 0, m)
            k = m
            while k > common and la[k - 1].term != lb[k - 1].term:
                k -= 1
            pairs[(ia, ib)] = (views[ia], views[ib], common, k)
            if k > common:
                self._bad_pairs.add((ia, ib))
            else:
                self._bad_pairs.discard((ia, ib))
        self._pairs_checked = self.checks
        for ia, ib in sorted(self._bad_pairs):
            la, lb = logs[ia], logs[ib]
            _, _, common, k = pairs[(ia, ib)]
            bad = common + 1
            self._fail("Log Matching",
                       f"S{ia} and S{ib} both hold term {la[k - 1].term} at index {k}, "
                       f"but differ at index {bad}: {_fmt(la[bad - 1])} vs "
                       f"{_fmt(lb[bad - 1])}", (bad,))

    def _leader_completeness(self, live):
        # A leader's log only grows while it leads (Leader Append-Only is checked too), so each
        # committed entry needs checking once per leader and term: resume where we stopped.
        for n in live:
            if n.role != LEADER:
                continue
            node, term_checked, start = self._complete_upto.get(n.id, (None, None, 0))
            if node is not n or term_checked != n.current_term:
                start = 0
            self._complete_upto[n.id] = (n, n.current_term, len(self._commit_order))
            for index in self._commit_order[start:]:
                entry, term = self.committed[index]
                if n.current_term > term and (index > len(n.log) or n.log[index] != entry):
                    has = _fmt(n.log[index]) if index <= len(n.log) else "nothing"
                    self._fail("Leader Completeness",
                               f"{_fmt(entry)} was committed at index {index} in term {term}, "
                               f"but leader S{n.id} of term {n.current_term} has {has} there",
                               (index,))

    def _fail(self, prop, details, indexes):
        recent = [r.sentence for r in self.cluster.trace[-self.recent:]]
        error = InvariantViolation(prop, details, seed=self.cluster.seed, recent=recent,
                                   step=self.cluster.steps)
        error.indexes = indexes
        self.violations.append(error)
        if self.raise_on_violation:
            raise error

    def status(self):
        """Each property's name mapped to the list of its violations so far."""
        return {p: [v for v in self.violations if v.prop == p] for p in PROPERTIES}


def _same_view(x, y):
    return y is not None and x[0] is y[0] and x[1] == y[1]


def _common_prefix(a, b, start, end):
    """The first index in [start, end) where lists ``a`` and ``b`` differ, or ``end``."""
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
