"""Rules of the paper that a wrong node can break well before a property of Figure 3 fails.

:class:`GradeChecker` is the grader's checker: the five properties after every step (raised at
once, as :class:`~raft.check.checker.SafetyChecker` does), plus rules whose breach is recorded
rather than raised, so that the report can lead with a real violation or a stall that follows
and name the rule as its first sign.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..node import LEADER
from .checker import SafetyChecker


@dataclass
class RuleBreak:
    """A rule of the paper that a node broke, and the step at which it was seen."""

    rule: str          # where the paper states it: "Figure 2", "§6"
    details: str
    step: int

    def text(self):
        return f"rule of {self.rule} broken: {self.details}"


class GradeChecker(SafetyChecker):
    """The five properties of Figure 3 after every step (raised at once), plus rules of the
    paper that a wrong node can break well before a property fails:

    * Figure 2: a leader's ``match_index`` for a follower only increases during its term (a
      late, duplicated or earlier-term reply must not move it back);
    * §6: a leader appends C_new only after C_old,new, and only once C_old,new is committed;
      it starts a change (appends C_old,new) only when the previous configuration is
      committed and is not joint.

    A broken rule is *recorded*, not raised: the run goes on, so that if a real safety
    violation or a stall follows, the report leads with it and names the rule as its first
    sign. If nothing worse happens, the broken rule is the finding."""

    def __init__(self, cluster):
        super().__init__(cluster)
        self.rule_break = None
        self._matches = {}     # leader id -> (node, term, match_index copy)
        self._configs = {}     # leader id -> (node, term, highest index examined)

    def check(self):
        super().check()
        if self.rule_break is None:
            self._check_rules()

    def _break(self, rule, details):
        if self.rule_break is None:
            self.rule_break = RuleBreak(rule, details, self.cluster.steps)

    def _check_rules(self):
        cluster = self.cluster
        for i, n in cluster.nodes.items():
            if i in cluster.crashed or n.role != LEADER:
                self._matches.pop(i, None)
                self._configs.pop(i, None)
                continue
            term = n.current_term
            # Only servers the leader replicates to now: one removed by a change and added
            # back later starts again from 0 as a new server (§6).
            targets = (n.config.members | n.learners) - {i}
            current = {p: m for p, m in n.match_index.items() if p in targets}
            seen = self._matches.get(i)
            if seen is not None and seen[0] is n and seen[1] == term:
                for peer, before in seen[2].items():
                    now = current.get(peer)
                    if now is not None and now < before:
                        self._break("Figure 2",
                                    f"leader S{i} (term {term}) lowered match_index[S{peer}] "
                                    f"from {before} to {now}; match_index only increases "
                                    "(Figure 2), so a late, duplicated or earlier-term reply "
                                    "must not move it back")
                        return
            self._matches[i] = (n, term, current)
            seen = self._configs.get(i)
            upto = seen[2] if seen is not None and seen[0] is n and seen[1] == term else 0
            log = n.log
            first = log.last_index
            while first > log.snapshot_index and log.term_at(first) == term and first > upto:
                first -= 1
            for index in range(first + 1, log.last_index + 1):
                entry = log[index]
                if entry.kind == "config" and entry.term == term:
                    self._check_config_entry(n, index, entry)
            self._configs[i] = (n, term, log.last_index)

    def _check_config_entry(self, n, index, entry):
        new = entry.command
        base = n.log.snapshot_index    # (entries up to it are in a snapshot, §7)
        prev_index = next((k for k in range(index - 1, base, -1) if n.log[k].kind == "config"),
                          0)
        if prev_index:
            prev = n.log[prev_index].command
        elif base and n.snapshot.config_index:
            prev_index, prev = n.snapshot.config_index, n.snapshot.config
        else:
            prev = n.initial_config
        who = f"leader S{n.id} (term {n.current_term})"
        if new.is_joint:
            if prev.is_joint:
                self._break("§6", f"{who} appended C_old,new {new} at index {index} while the "
                                  f"change to {prev} at index {prev_index} was still under way; "
                                  "one change at a time")
            elif prev_index > n.commit_index:
                self._break("§6", f"{who} appended C_old,new {new} at index {index} while the "
                                  f"configuration {prev} at index {prev_index} was not "
                                  f"committed (commit index {n.commit_index})")
            return
        if not prev.is_joint and len(prev.voters ^ new.voters) <= 1:
            # A single-server change (dissertation §4.1): allowed directly, one at a time.
            if prev_index > n.commit_index:
                self._break("§4.1", f"{who} appended {new} at index {index} while the "
                                    f"configuration {prev} at index {prev_index} was not "
                                    f"committed (commit index {n.commit_index}); one "
                                    "single-server change at a time")
            return
        if not prev.is_joint or prev.voters != new.voters:
            self._break("§6", f"{who} switched from {prev} to C_new {new} at index {index} "
                              "without the joint configuration C_old,new: a majority of the "
                              "old servers and a majority of the new ones can then decide "
                              "separately (Figure 10)")
        elif prev_index > n.commit_index:
            self._break("§6", f"{who} appended C_new {new} at index {index} while C_old,new at "
                              f"index {prev_index} was not committed (commit index "
                              f"{n.commit_index}); until it is, servers still using C_old "
                              "can decide without the new ones")
