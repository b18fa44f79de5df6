"""The safety verdicts the pictures show: the five properties of Figure 3, judged over snapshots.

:class:`InvariantMonitor` watches a sequence of snapshots (it reads them and nothing else) and
judges each property with the same function the simulator's checker uses
(:mod:`raft.check.properties`), so the light and the checker cannot disagree on what a property
means. It remembers what it needs across steps: who led each term, each leader's log while it
leads, which entry each index holds as committed and as applied. A property turns red at the
first step that breaks it and stays red, with the servers and log indexes involved. (For runs
with ``check_invariants=True`` the simulator's own checker raises at once; the light is for
runs that break safety on purpose, such as the unsafe membership switch of Figure 10.)

Beyond Figure 3: in a run with clients (dissertation chapter 6) the monitor also judges the
clients' history with the project's linearizability checker (:mod:`raft.linearizability`), the
sixth light ``"Linearizable"``. It is not a property of Figure 3: a stale read (§6.4) leaves all
five green and still gives the clients an answer no order of their operations explains.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..check.properties import (PROPERTIES, committed_entries_agree, election_safety,
                                leader_append_only, leader_completeness, log_matching,
                                state_machine_safety)
from ..errors import HistoryError
from ..linearizability import check as check_history
from ..sim.clients import Operation as ClientOperation
from ..sim.snapshot import ClientSnapshot, log_base

#: The light beside Figure 3's five in pictures with clients: the clients' history, judged by
#: the linearizability checker (not a property of Figure 3).
LINEARIZABLE = "Linearizable"

#: How many configurations a check of a clients' history may try (a picture's or a reader's
#: session is short; a longer history is said to be too long to check here).
CHECK_LIMIT = 50_000

@dataclass(frozen=True)
class Violation:
    prop: str
    step: int
    details: str
    cells: tuple          # (server, index) pairs involved


@dataclass(frozen=True)
class Unjudged:
    """The clients' history could not be judged (too long to check here): neither light."""
    prop: str
    details: str
    step: None = None
    cells: tuple = ()


def judge_history(history, max_states=CHECK_LIMIT):
    """The checker's word on a clients' history (``pool.history()``, model "kv"), as
    ``(ok, words, step)``: ok is True, False, or None when it is too long to check here; words
    say why it is not linearizable (a stale read: which write had returned before the read was
    called), or that it is too long; step is the step by which it stopped being linearizable,
    the last return among the fewest operations that cannot be ordered (exact for a history
    watched step by step, as the monitor does: one step earlier they had not all returned)."""
    try:
        verdict = check_history(history, "kv", max_states=max_states)
    except HistoryError:
        return None, "(The clients' history is too long to check here.)", None
    if verdict.ok:
        return True, "", None
    b, w = verdict.blocked, verdict.in_the_way

    def named(x):   # as the simulator's clients name their operations: c1's put(x, '2')
        return f"{x.client}'s {ClientOperation(x.client, 0, x.f, x.key, x.value).label()}"
    if b is not None and b.f == "get" and w is not None:
        words = (f"Stale read: {named(w)} had returned before {named(b)} was called, yet "
                 f"the read returned {b.output!r}. The clients' history is not linearizable.")
    elif b is not None:
        words = ("The clients' history is not linearizable: no order of the operations "
                 f"explains {named(b)}.")
    else:
        words = "The clients' history is not linearizable."
    rets = [op.ret[-1] for op in verdict.minimal if op.ret is not None]
    return False, words, (max(rets) if rets else None)


class InvariantMonitor:
    """The checker's judgements over snapshots instead of a live cluster.

    At each snapshot it re-examines every pair of logs and every committed entry instead of
    tracking what changed, as the checker does (a player shows a few hundred steps). Where a
    snapshot shows less than the live cluster, the difference is kept small and explicit:

    * applied entries: the checker is told of each entry as it is applied; here, the entries
      a server applied since the last snapshot are those its ``last_applied`` moved over, read
      from its log (exact for consecutive steps, as ``cluster.history()`` gives);
    * a crashed server's log, for Log Matching: the checker reads its disk, a snapshot shows
      the log it held when it crashed (the same, for a server that persists before it sends);
    * a restart: the checker sees a new node object; here a server is forgotten while it shows
      as crashed (or when its ``last_applied`` goes back), and what it commits and applies
      after it restarts is examined afresh;
    * snapshots (§7): the checker judges each snapshot against the entries applied up to its
      index and then counts the compacted entries through it; here only what the logs still
      hold is compared (two logs from the index both still hold, a leader's log from its
      snapshot on), and entries applied through a snapshot are not seen one by one.
    """

    def __init__(self):
        self.leaders = {}         # term -> the first server seen leading it
        self.leader_logs = {}     # id -> (term, log) of a server while it leads
        self.committed = {}       # index -> (entry, term of the server first seen committing it)
        self.applied = {}         # index -> (server, entry) first seen applied there
        self.committed_upto = {}  # id -> how far its committed prefix was examined (servers up)
        self.applied_upto = {}    # id -> its last_applied at the last snapshot (servers up)
        self.violations = {}      # prop -> first Violation
        self.clients = False      # whether a snapshot with clients was seen (the sixth light)
        self.judged = None        # how many clients' operations had returned at the last check

    def record(self, prop, step, details, cells=()):
        """Remember a violation of ``prop`` at ``step`` (only the first of each property is
        kept); ``show()`` uses it to add what a live cluster's checker found."""
        self.violations.setdefault(prop, Violation(prop, step, details, tuple(cells)))

    def _note(self, step, breach):
        if breach is not None:
            self.record(breach.prop, step, breach.details, breach.cells)

    def observe(self, snap):
        """Check one snapshot (call them in step order); returns the status dict."""
        step, note = snap.step, self._note
        live = [n for _, n in sorted(snap.nodes.items()) if not n.crashed]
        up = {n.id for n in live}
        for memory in (self.committed_upto, self.applied_upto):
            for i in [i for i in memory if i not in up]:
                del memory[i]
        # State Machine Safety, as Figure 3 states it: the entries applied since the last look
        # (first, as the checker hears of them during the step).
        for n in live:
            before = self.applied_upto.get(n.id, 0)
            if n.last_applied < before:
                before = 0  # it restarted between two snapshots: it applies again from 1
            base = log_base(n.log)    # what a snapshot holds was applied through it (§7)
            for index in range(max(before, base) + 1, min(n.last_applied, base + len(n.log)) + 1):
                entry = n.log[index - base - 1]
                note(step, state_machine_safety(self.applied.get(index), n.id, index, entry))
                self.applied.setdefault(index, (n.id, entry))
            self.applied_upto[n.id] = n.last_applied
        # Election Safety
        for n in live:
            if n.role == "leader":
                breach = election_safety(self.leaders, n.id, n.current_term)
                note(step, breach)
                if breach is None:
                    self.leaders.setdefault(n.current_term, n.id)
        # Leader Append-Only
        leading = set()
        for n in live:
            if n.role != "leader":
                continue
            leading.add(n.id)
            seen = self.leader_logs.get(n.id)
            if seen is not None and seen[0] == n.current_term:
                # Compared from the index both views still hold (a snapshot taken meanwhile
                # removes entries from the front, which is not a change of them, §7).
                before, now = seen[1], n.log
                base = max(log_base(before), log_base(now))
                note(step, leader_append_only(n.id, n.current_term,
                                              before[base - log_base(before):],
                                              now[base - log_base(now):], base=base))
            self.leader_logs[n.id] = (n.current_term, n.log)
        for i in [i for i in self.leader_logs if i not in leading]:
            del self.leader_logs[i]
        # State Machine Safety, one moment earlier: what each server came to hold as committed
        for n in live:
            base = log_base(n.log)
            upto = min(n.commit_index, base + len(n.log))
            for index in range(max(self.committed_upto.get(n.id, 0), base) + 1, upto + 1):
                entry = n.log[index - base - 1]
                known = self.committed.get(index)
                if known is None:
                    self.committed[index] = (entry, n.current_term)
                else:
                    note(step, committed_entries_agree(known, n.id, index, entry))
            self.committed_upto[n.id] = max(upto, self.committed_upto.get(n.id, 0))
        # Log Matching, over every pair of servers (crashed ones too)
        logs = sorted((i, n.log) for i, n in snap.nodes.items())
        for a, (ia, la) in enumerate(logs):
            for ib, lb in logs[a + 1:]:
                base = max(log_base(la), log_base(lb))   # from the index both still hold (§7)
                note(step, log_matching(ia, la[base - log_base(la):], ib,
                                        lb[base - log_base(lb):], base=base))
        # Leader Completeness
        for n in live:
            if n.role != "leader":
                continue
            base = log_base(n.log)
            for index, committed in self.committed.items():
                note(step, leader_completeness(n.id, n.current_term, n.log, index, committed,
                                               base=base))
        if isinstance(snap, ClientSnapshot) and snap.clients:
            self._judge_clients(snap)
        return self.status()

    def _judge_clients(self, snap):
        """Beyond Figure 3: the clients' history so far. Once not linearizable it stays so
        (more operations cannot explain it), and a history changes its verdict only when an
        operation returns, so it is checked again only then."""
        self.clients = True
        if isinstance(self.violations.get(LINEARIZABLE), Violation):
            return
        returned = sum(op["ret"] is not None for op in snap.history)
        if returned == self.judged:
            return
        self.judged = returned
        ok, words, step = judge_history(snap.history)
        if ok is None:
            self.violations[LINEARIZABLE] = Unjudged(LINEARIZABLE, words)
        elif ok:
            self.violations.pop(LINEARIZABLE, None)
        else:
            self.violations[LINEARIZABLE] = Violation(
                LINEARIZABLE, snap.step if step is None else step, words, ())

    def status(self):
        """Each property mapped to its first Violation, or None if it holds; after a snapshot
        with clients, also LINEARIZABLE (a Violation, None, or Unjudged)."""
        status = {p: self.violations.get(p) for p in PROPERTIES}
        if self.clients:
            status[LINEARIZABLE] = self.violations.get(LINEARIZABLE)
        return status


def flagged_cells(status):
    return {c for v in status.values() if v is not None for c in v.cells}
