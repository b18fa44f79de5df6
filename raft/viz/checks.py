"""The invariant light: the five safety properties of Figure 3, green or red.

:class:`InvariantMonitor` watches a sequence of snapshots (it reads them and nothing else) and
remembers what it needs across steps: who led each term, each leader's log while it leads, and
which entry each committed index holds. A property turns red at the first step that breaks it
and stays red, with the servers and log indexes involved. (For runs with
``check_invariants=True`` the simulator's own checker raises at once; the light is for runs
that break safety on purpose, such as the unsafe membership switch of Figure 10.)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..invariants import PROPERTIES
from . import palette as P
from .svg import esc, group, num, t, text

SHORT = {"Election Safety": "Election", "Leader Append-Only": "Append-only",
         "Log Matching": "Log Matching", "Leader Completeness": "Completeness",
         "State Machine Safety": "State machine"}


@dataclass(frozen=True)
class Violation:
    prop: str
    step: int
    details: str
    cells: tuple          # (server, index) pairs involved


def _fmt(e):
    what = {"noop": "no-op", "config": f"config {e.command}"}.get(e.kind, repr(e.command))
    return f"(term {e.term}, {what})"


class InvariantMonitor:
    def __init__(self):
        self.leaders = {}        # term -> leader id
        self.leader_logs = {}    # id -> (term, log tuple)
        self.committed = {}      # index -> (entry, term, server)
        self.violations = {}     # prop -> first Violation

    def _fail(self, prop, step, details, cells):
        self.violations.setdefault(prop, Violation(prop, step, details, tuple(cells)))

    def observe(self, snap):
        """Check one snapshot (call them in step order); returns the status dict."""
        step = snap.step
        live = [n for _, n in sorted(snap.nodes.items()) if not n.crashed]
        # Election Safety
        for n in live:
            if n.role == "leader":
                other = self.leaders.setdefault(n.current_term, n.id)
                if other != n.id:
                    self._fail("Election Safety", step,
                               f"S{other} and S{n.id} both led term {n.current_term}", ())
        # Leader Append-Only
        leading = set()
        for n in live:
            if n.role != "leader":
                continue
            leading.add(n.id)
            seen = self.leader_logs.get(n.id)
            if seen is not None and seen[0] == n.current_term and n.log[:len(seen[1])] != seen[1]:
                k = next((j + 1 for j, (a, b) in enumerate(zip(seen[1], n.log)) if a != b),
                         len(n.log) + 1)
                self._fail("Leader Append-Only", step,
                           f"leader S{n.id} changed or removed its entry {k}", [(n.id, k)])
            self.leader_logs[n.id] = (n.current_term, n.log)
        for i in list(self.leader_logs):
            if i not in leading:
                del self.leader_logs[i]
        # State Machine Safety (committed prefixes agree)
        for n in live:
            for index in range(1, min(n.commit_index, len(n.log)) + 1):
                e = n.log[index - 1]
                known = self.committed.get(index)
                if known is None:
                    self.committed[index] = (e, n.current_term, n.id)
                elif known[0] != e:
                    self._fail("State Machine Safety", step,
                               f"index {index}: S{known[2]} committed {_fmt(known[0])}, "
                               f"S{n.id} committed {_fmt(e)}", [(known[2], index), (n.id, index)])
        # Log Matching
        logs = sorted((i, n.log) for i, n in snap.nodes.items())
        for a in range(len(logs)):
            ia, la = logs[a]
            for b in range(a + 1, len(logs)):
                ib, lb = logs[b]
                k = min(len(la), len(lb))
                while k > 0 and la[k - 1].term != lb[k - 1].term:
                    k -= 1
                if k and la[:k] != lb[:k]:
                    bad = next(j + 1 for j in range(k) if la[j] != lb[j])
                    self._fail("Log Matching", step,
                               f"S{ia} and S{ib} agree on term {la[k - 1].term} at index {k} "
                               f"but differ at index {bad}", [(ia, bad), (ib, bad)])
        # Leader Completeness
        for n in live:
            if n.role != "leader":
                continue
            for index, (e, term, _) in self.committed.items():
                if n.current_term > term and (index > len(n.log) or n.log[index - 1] != e):
                    self._fail("Leader Completeness", step,
                               f"{_fmt(e)} committed at index {index} in term {term} is missing "
                               f"from leader S{n.id} (term {n.current_term})", [(n.id, index)])
        return self.status()

    def status(self):
        """Each property mapped to its first Violation, or None if it holds."""
        return {p: self.violations.get(p) for p in PROPERTIES}


def flagged_cells(status):
    return {c for v in status.values() if v is not None for c in v.cells}


LIGHT_HEIGHT = 48


def render_light(status, y, width=360):
    """The five properties as lights in two rows (SVG fragment), red ones with details."""
    dots, marks, names, bad_names = [], [], [], []
    for k, prop in enumerate(PROPERTIES):
        v = status.get(prop)
        x = 4 + k * 118 if k < 3 else 4 + (k - 3) * 150
        yy = y + (0 if k < 3 else 14)
        tip = f"{prop}: {v.details}" if v else f"{prop} holds"
        dots.append(f'<circle cx="{num(x + 6)}" cy="{num(yy + 6)}" r="6" '
                    f'fill="{P.FAIL if v else P.PASS}"><title>{esc(tip)}</title></circle>')
        marks.append(t(x + 6, yy + 9.5, "✗" if v else "✓"))
        (bad_names if v else names).append(t(x + 15, yy + 10, prop))
    out = [group('class="raft-light"', dots),
           group('text-anchor="middle" font-size="9" font-weight="bold" fill="#fff"', marks),
           group(f'font-size="9.5" fill="{P.MUTED}"', names),
           group(f'font-size="9.5" font-weight="bold" fill="{P.FAIL}"', bad_names)]
    bad = [v for v in status.values() if v is not None]
    if bad:
        v = bad[0]
        out.append(text(4, y + 40, f"✗ step {v.step}: {v.details}"[:78], 9.5, P.FAIL, "start",
                        "bold"))
    else:
        out.append(text(4, y + 40, "✓ the five safety properties of Figure 3 hold", 9.5,
                        P.MUTED, "start"))
    return "".join(out)
