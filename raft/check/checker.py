"""The checker of a live cluster: the five properties of Figure 3 after every simulator step.

:class:`SafetyChecker` applies the pure functions of :mod:`raft.check.properties` to a running
cluster (``Cluster(check_invariants=True)`` wires it in) and raises
:class:`~raft.errors.InvariantViolation` at once, or collects the violations. It is incremental
(it re-examines only the logs that changed since the last step, from where they changed) so that
the randomized tests stay fast. It reads the servers' state (and the entries the simulator saw
them apply); it trusts nothing a server says about itself beyond that, and never changes
anything. A violation carries the property's name, the servers and entries involved, the seed
and the last lines of the trace, so the run can be replayed and read.

It reads the cluster through its attributes only (``nodes``, ``crashed``, ``steps``, ``seed``,
``trace``; ``disks`` and ``state_machines`` once snapshots appear) and imports nothing of the
simulator, which sits above it.

Snapshots (beyond Figure 2, §7). A server that compacted its log no longer holds the entries its
snapshot replaces, but they count: they are committed entries that were applied. The checker
judges each snapshot once, when it first sees it (taken, received, or read from a disk at a
restart): its last included index and term must be those of the entry applied there, its state
must be what applying the entries up to there gives (State Machine Safety, for commands applied
through a snapshot), and its configuration the latest one up to there. A snapshot that passes
stands for those entries: every property is then judged on the log *as if* the snapshot's
prefix were still there (the entries first applied at those indexes, followed by what the log
still holds), so Log Matching and Leader Completeness compare what is left plus the snapshot's
last included index and term. A state machine reset from a snapshot is compared the same way.
"""

from __future__ import annotations

from ..errors import InvariantViolation
from ..node import LEADER
from .properties import (PROPERTIES, Breach, _fmt, committed_entries_agree, common_prefix,
                         election_safety, leader_append_only, leader_completeness, log_matching,
                         state_machine_safety)


# -- the checker of a live cluster --------------------------------------------------------------

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
        self._rewritten = set()    # ids whose log changed since last check other than by growing
        self._pairs = {}           # (a, b) -> (view of a, view of b, common prefix, Breach/None)
        self._bad_pairs = set()    # the pairs (a, b) that break Log Matching now
        self._pairs_checked = -1   # the last check whose pairs were all brought up to date
        self.committed = {}        # index -> (entry, term of the committing server)
        self._commit_order = []    # the indexes of `committed`, in the order first seen
        self._complete_upto = {}   # leader id -> (node, term, how much of _commit_order checked)
        self._commit_seen = {}     # id -> (node object, highest index of its log examined)
        self.applied = {}          # index -> (server id, entry) first applied there
        # Beyond Figure 2 (§7), used only once some server holds a snapshot:
        self._reference = []       # the entries first applied at indexes 1, 2, ... in order
        self._reference_store = None   # a key-value store that applied _reference[:n], and n
        self._reference_states = {}    # index -> the store's state after applying up to it
        self._snapshots_seen = {}  # id -> the snapshot last judged for that server

    # -- called by the simulator ---------------------------------------------------------------

    def on_apply(self, node_id, index, entry):
        first = self.applied.get(index)
        if first is None:
            self.applied[index] = (node_id, entry)
        else:
            breach = state_machine_safety(first, node_id, index, entry)
            if breach is not None:
                self._fail(breach)

    def check(self):
        self.checks += 1
        crashed = self.cluster.crashed
        live = [n for i, n in sorted(self.cluster.nodes.items()) if i not in crashed]
        previous = self._track_logs()
        self._election_safety(live)
        self._leader_append_only(live, previous)
        self._note_commits(live)
        self._log_matching(previous)
        self._leader_completeness(live)

    # -- what changed since the last check -----------------------------------------------------

    def _logs(self):
        """Each server's log as a read-only list (its disk if it is down), by id; a compacted
        log is given whole, its snapshot's prefix filled in (see the module's docstring)."""
        cluster = self.cluster
        crashed = cluster.crashed
        logs = {}
        for i, n in sorted(cluster.nodes.items()):
            if i in crashed:
                disk = cluster.disks[i]
                logs[i] = disk.log if disk.snapshot is None else \
                    self._whole_log(i, disk.snapshot, disk.log)
            else:
                log = n.log
                logs[i] = log.entries if not log.snapshot_index else \
                    self._whole_log(i, n.snapshot, log.entries)
        return logs

    def _track_logs(self):
        """Compare every log with its view from the last check; returns those old views.

        This reads every entry once per check (a C-level list comparison), so any change is
        seen, however it was made; the checks below then only look at what changed.
        """
        previous = dict(self._views)
        views, kept = self._views, self._kept
        self._current = logs = self._logs()
        self._changed = changed = set()
        self._rewritten = rewritten = set()
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
            kept[i] = common_prefix(copy, entries, 0, min(length, n))   # < length
            views[i] = (list(entries), n)
            changed.add(i)
            rewritten.add(i)
        return previous

    # -- the properties, each judged by its function above, on what changed --------------------

    def _election_safety(self, live):
        leaders = self.leaders
        for n in live:
            if n.role == LEADER and leaders.get(n.current_term) != n.id:  # not judged yet
                breach = election_safety(leaders, n.id, n.current_term)
                if breach is None:
                    self.leaders.setdefault(n.current_term, n.id)
                else:
                    self._fail(breach)

    def _leader_append_only(self, live, previous):
        current = set()
        for n in live:
            if n.role != LEADER:
                continue
            current.add(n.id)
            seen = self._leader_logs.get(n.id)
            # A restarted server is a new node object: what its earlier self led is no concern.
            if seen is not None and seen[0] == n.current_term and seen[1] is n:
                # The usual case: seen at the last check, and its log only grew since (or did
                # not change): nothing to judge. If it changed otherwise, how much of it is
                # unchanged is known (kept); if not seen at the last check, compare it all.
                last = _same_view(seen[2], previous.get(n.id))
                if not last or n.id in self._rewritten:
                    before, length = seen[2]
                    agree = self._kept[n.id] if last else 0
                    breach = leader_append_only(n.id, n.current_term, _Prefix(before, length),
                                                self._current[n.id], agree)
                    if breach is not None:
                        self._fail(breach)
            self._leader_logs[n.id] = (n.current_term, n, self._views[n.id])
        for i in list(self._leader_logs):
            if i not in current:
                del self._leader_logs[i]

    def _note_commits(self, live):
        # Each index is judged when a server comes to hold it as committed (see
        # committed_entries_agree): each server's committed prefix is examined as it grows,
        # and from the start after a restart.
        logs, committed, commit_seen = self._current, self.committed, self._commit_seen
        for n in live:
            i = n.id
            node, seen = commit_seen.get(i, _NEVER)
            if node is not n:
                seen = 0  # a new or restarted server
            elif n.commit_index <= seen:
                continue  # the usual case: nothing newly committed on this server
            entries = logs[i]
            upto = min(n.commit_index, len(entries))   # what it holds as committed
            for index in range(seen + 1, upto + 1):
                entry = entries[index - 1]
                known = committed.get(index)
                if known is None:
                    committed[index] = (entry, n.current_term)
                    self._commit_order.append(index)
                else:
                    breach = committed_entries_agree(known, i, index, entry)
                    if breach is not None:
                        self._fail(breach)
            commit_seen[i] = (n, max(seen, upto))

    def _log_matching(self, previous):
        # For each pair of logs, only the common prefix (how far they agree) decides the
        # property; it is kept from the last check with the verdict and re-examined only for
        # pairs where a log changed, from where it changed.
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
                common = cached[2] if cached[2] < same else common_prefix(la, lb, same, m)
            else:
                common = common_prefix(la, lb, 0, m)
            # The usual case: one log is a prefix of the other, and the property holds.
            breach = log_matching(ia, la, ib, lb, common) if common < m else None
            pairs[(ia, ib)] = (views[ia], views[ib], common, breach)
            if breach is None:
                self._bad_pairs.discard((ia, ib))
            else:
                self._bad_pairs.add((ia, ib))
        self._pairs_checked = self.checks
        for pair in sorted(self._bad_pairs):   # a broken pair is reported at every check
            self._fail(pairs[pair][3])

    def _leader_completeness(self, live):
        # A leader's log only grows while it leads (Leader Append-Only), so each committed
        # entry needs checking once per leader and term: resume where we stopped, unless its
        # log changed other than by growing.
        order, committed = self._commit_order, self.committed
        for n in live:
            if n.role != LEADER:
                continue
            i, term = n.id, n.current_term
            node, term_checked, start = self._complete_upto.get(i, _NEVER_LED)
            if node is not n or term_checked != term or i in self._rewritten:
                start = 0
            elif start == len(order):
                continue  # the usual case: nothing newly committed since the last check
            self._complete_upto[i] = (n, term, len(order))
            log = self._current[i]
            for index in order[start:]:
                breach = leader_completeness(i, term, log, index, committed[index])
                if breach is not None:
                    self._fail(breach)

    # -- snapshots (§7) ----------------------------------------------------------------------------

    def on_restore(self, node_id, snapshot):
        """Server ``node_id``'s state machine was just reset from ``snapshot`` (Figure 13, rule
        8, or a restart): it must now hold what applying the entries up to the snapshot's last
        included index gives (State Machine Safety, for commands applied through a snapshot)."""
        index = snapshot.last_included_index
        expected = self._reference_state(index)
        got = self.cluster.state_machines[node_id].snapshot()
        if expected is not None and got != expected:
            self._fail(Breach("State Machine Safety", f"S{node_id} loaded a snapshot through "
                              f"index {index} into its state machine, but applying the entries "
                              f"up to index {index} gives a different state", (node_id,),
                              (index,)))

    def _whole_log(self, i, snapshot, entries):
        """The log of server ``i`` with its snapshot's prefix filled in from the entries applied
        at those indexes, after judging the snapshot once."""
        if self._snapshots_seen.get(i) is not snapshot:
            self._snapshots_seen[i] = snapshot
            breach = self._judge_snapshot(i, snapshot)
            if breach is not None:
                self._fail(breach)
        index = snapshot.last_included_index
        reference = self._reference_through(index)
        return reference[:index] + list(entries)

    def _judge_snapshot(self, i, snapshot):
        index, term = snapshot.last_included_index, snapshot.last_included_term
        reference = self._reference_through(index)
        if len(reference) < index:
            return Breach("State Machine Safety", f"S{i} holds a snapshot through index {index}, "
                          f"but no server applied index {len(reference) + 1}", (i,), (index,))
        entry = reference[index - 1]
        if entry.term != term:
            return Breach("State Machine Safety", f"S{i}'s snapshot ends with index {index} in "
                          f"term {term}, but {_fmt(entry)} was applied there", (i,), (index,))
        if snapshot.data != self._reference_state(index):
            return Breach("State Machine Safety", f"S{i}'s snapshot through index {index} holds "
                          f"a different state than applying the entries up to index {index} "
                          "gives", (i,), (index,))
        # The latest configuration entry up to the snapshot's index, and what it holds. With no
        # such entry (index 0) a snapshot carries the configuration its server was started
        # with, which no entry records: only the index can be judged then.
        config_index = next((k for k in range(index, 0, -1)
                             if reference[k - 1].kind == "config"), 0)
        if snapshot.config_index != config_index or (
                config_index and snapshot.config != reference[config_index - 1].command):
            latest = (f"{reference[config_index - 1].command} (index {config_index})"
                      if config_index else "the one it started with (no entry)")
            return Breach("State Machine Safety", f"S{i}'s snapshot through index {index} holds "
                          f"configuration {snapshot.config} (index {snapshot.config_index}), "
                          f"but the latest one up to there is {latest}", (i,), (index,))
        return None

    def _reference_through(self, index):
        """The entries first applied at indexes 1, 2, ..., as far as ``index`` if known."""
        reference, applied = self._reference, self.applied
        while len(reference) < index and len(reference) + 1 in applied:
            reference.append(applied[len(reference) + 1][1])
        return reference

    def _reference_state(self, index):
        """The key-value store's state after applying the reference entries up to ``index``
        (None if they are not all known)."""
        states = self._reference_states
        if index in states:
            return states[index]
        reference = self._reference_through(index)
        if len(reference) < index:
            return None
        if self._reference_store is None or self._reference_store[1] > index:
            # Start over (a snapshot older than the last), with a fresh store of the kind the
            # cluster's servers use.
            store, done = type(next(iter(self.cluster.state_machines.values())))(), 0
        else:
            store, done = self._reference_store
        for entry in reference[done:index]:
            store.apply(entry)
        self._reference_store = (store, index)
        states[index] = state = store.snapshot()
        return state

    def _fail(self, breach):
        recent = [r.sentence for r in self.cluster.trace[-self.recent:]]
        error = InvariantViolation(breach.prop, breach.details, seed=self.cluster.seed,
                                   recent=recent, step=self.cluster.steps)
        error.indexes = breach.indexes
        self.violations.append(error)
        if self.raise_on_violation:
            raise error

    def status(self):
        """Each property's name mapped to the list of its violations so far."""
        return {p: [v for v in self.violations if v.prop == p] for p in PROPERTIES}


_NEVER = (None, 0)
_NEVER_LED = (None, None, 0)


class _Prefix:
    """The first ``length`` items of ``items``, read-only: a log as an earlier check saw it
    (``items`` may have grown since; see ``SafetyChecker._track_logs``)."""

    __slots__ = ("items", "length")

    def __init__(self, items, length):
        self.items, self.length = items, length

    def __len__(self):
        return self.length

    def __getitem__(self, k):
        if isinstance(k, slice):
            stop = self.length if k.stop is None else min(self.length, k.stop)
            return self.items[k.start:stop]
        if not 0 <= k < self.length:
            raise IndexError(k)
        return self.items[k]


def _same_view(x, y):
    return y is not None and x[0] is y[0] and x[1] == y[1]
