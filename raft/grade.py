"""The grader: random fault schedules, a checker, a shrinker, and the labs built on them.

Theory of operation
-------------------
A *schedule* is a short list of actions done to a simulated cluster, one per line of text::

    size=3 seed=7 election_timeout=150..300
    run 120ms
    isolate leader        # cut the current leader off from everyone
    submit x=1            # a client command to the current leader
    crash leader / crash 2 / restart any / restart 2 / heal
    timeout 3             # S3 campaigns at once, its RequestVote marked like a transfer's so
                          # that the §6 guard lets it through (Cluster.take_over)
    reboot leader / reboot 2  # crash and restart at once: only what is on disk survives
    submit y=2 to old-leader  # to the running leader of the lowest term (a deposed one)
    partition 1 2 | 3
    network drop=0.1 duplicate=0.2 reorder=0.3 latency=20..60
    add 6 / add 6 nonvoter / promote 6 / remove 2 / remove leader   # single-server changes

The first line may also set ``max_entries=1`` (entries per AppendEntries) and
``fast_backoff=yes`` (the cluster options of the same names).

An action that makes no sense when its turn comes (crash a server that is down, submit with no
leader) is skipped, so any sub-list of a schedule is still a schedule. :func:`generate` draws a
schedule from a seed and a *profile* (how often each kind of action comes up, how long runs
last); the same seed and profile always give the same schedule.

:func:`run_schedule` plays a schedule on ``Cluster(node_class=...)`` and judges it with one
generic checker:

* **safety**: the five properties of Figure 3 after every step (:mod:`raft.invariants`);
* **liveness**: after the last action the faults end (the network heals, every crashed server
  restarts, no more loss, duplication or reordering; latency stays), and a client command must
  then be committed and applied within :data:`STALL_MS` simulated ms. If it is not, the run
  *stalls*: no leader, or no commit, for that long with every server up;
* **stuck**: a timer that keeps firing at one simulated instant (a node whose deadline does not
  move on when its timer fires), so that time could never advance (:class:`~raft.errors.StuckTimer`);
* **crash**: an exception escaping the node's own code (including NotImplementedError).

:func:`shrink` reduces a failing schedule by delta debugging: it removes chunks of actions, then
single actions, then halves the length of each ``run``, keeping a change only if the same kind of
failure (same property) still happens. Everything is deterministic, so a shrunk schedule replays
exactly: :func:`replay` rebuilds the cluster at the failing step, ready for
``raft.viz.play``/``explore``.

The checker is :class:`GradeChecker`: the five properties, plus a few rules of the paper
(Figure 2: match_index only increases; §6: C_new only after a committed C_old,new) whose
breach is reported only if nothing worse follows, and otherwise named as its first sign.

The labs (:data:`LABS`) use the same machinery: ``check(StudentNode, lab=1)`` runs the lab's
stories (:mod:`raft.scenario` text with ``expect`` lines, or functions that deliver messages
by hand while time stands still) and then seeded random schedules (40 by default), and prints
a report a student can act on; ``replay_story(StudentNode, lab, name)`` rebuilds a failed
story for the players. From a shell::

    python -m raft.grade lab1 path/to/my_node.py:MyNode
    python -m raft.grade bug naive-commit          # hunt and shrink a zoo bug
    python -m raft.grade list                      # the labs and the zoo's bugs

A failed story's report shows the servers' starting state (terms, votes, logs) and the story's
lines up to the one that failed, beside the expectation that failed.
"""

from __future__ import annotations

import importlib.util
import random
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import checks
from . import scenario as scenario_mod
from .cluster import Cluster
from .errors import (ConfigurationError, ExpectationFailed, InvariantViolation,
                     MembershipChangeInProgress, RaftError, ScenarioError, StuckTimer)
from .invariants import SafetyChecker
from .node import (LEADER, MAX_ENTRIES_PER_MESSAGE, AppendEntries, AppendEntriesReply, Node,
                   RequestVote, RequestVoteReply)

#: How long (simulated ms) the healed cluster has to commit a client command.
STALL_MS = 3000

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


# ---------------------------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Schedule:
    """A cluster's settings and the actions done to it."""

    size: int
    seed: int
    actions: tuple
    election_timeout: tuple = (150, 300)
    max_entries: int = MAX_ENTRIES_PER_MESSAGE   # entries per AppendEntries, at most
    fast_backoff: bool = False                   # the leader's back-off uses the reply's hint

    def text(self):
        low, high = self.election_timeout
        head = f"size={self.size} seed={self.seed} election_timeout={low:g}..{high:g}"
        if self.max_entries != MAX_ENTRIES_PER_MESSAGE:
            head += f" max_entries={self.max_entries}"
        if self.fast_backoff:
            head += " fast_backoff=yes"
        lines = [head] + [action_text(a) for a in self.actions]
        return "\n".join(lines) + "\n"

    def replace(self, actions):
        return Schedule(self.size, self.seed, tuple(actions), self.election_timeout,
                        self.max_entries, self.fast_backoff)

    def __len__(self):
        return len(self.actions)


def action_text(action):
    kind = action[0]
    if kind == "run":
        return f"run {action[1]:g}ms"
    if kind in ("crash", "restart", "isolate", "timeout", "reboot"):
        return f"{kind} {action[1]}"
    if kind == "submit":
        return f"submit {action[1]}" + (" to old-leader" if action[2:] == ("old",) else "")
    if kind == "heal":
        return "heal"
    if kind == "members":
        return "members " + " ".join(str(i) for i in action[1])
    if kind == "add":
        return f"add {action[1]}" + ("" if action[2] else " nonvoter")
    if kind in ("promote", "remove"):
        return f"{kind} {action[1]}"
    if kind == "partition":
        return "partition " + " | ".join(" ".join(str(i) for i in g) for g in action[1])
    if kind == "network":
        parts = []
        for name, value in action[1]:
            if name == "latency":
                parts.append(f"latency={value[0]:g}..{value[1]:g}")
            else:
                parts.append(f"{name}={value:g}")
        return "network " + " ".join(parts)
    raise ValueError(f"unknown action {action!r}")


def parse_schedule(text):
    """The inverse of :meth:`Schedule.text`. Text it cannot read raises ScenarioError (a
    ValueError) naming the line."""
    if not isinstance(text, str):
        raise ScenarioError(f"a schedule is text, got {type(text).__name__}")
    lines = [(number, line.split("#", 1)[0].strip())
             for number, line in enumerate(text.strip().splitlines(), 1)]
    lines = [(number, line) for number, line in lines if line]
    if not lines:
        raise ScenarioError("an empty schedule")
    number, line = lines[0]
    try:
        head = dict(word.split("=", 1) for word in line.split())
        low, high = (float(x) for x in head.get("election_timeout", "150..300").split(".."))
        schedule = Schedule(int(head["size"]), int(head["seed"]), (), (low, high),
                            int(head.get("max_entries", MAX_ENTRIES_PER_MESSAGE)),
                            head.get("fast_backoff", "no") == "yes")
    except (ValueError, KeyError) as e:
        raise ScenarioError(f"the first line gives the cluster, e.g. 'size=3 seed=7 "
                            f"election_timeout=150..300' ({type(e).__name__}: {e})",
                            number, line) from None
    actions = []
    for number, line in lines[1:]:
        try:
            actions.append(_parse_action(line))
        except (ValueError, IndexError, RaftError) as e:
            raise ScenarioError(f"cannot read this action ({e})", number, line) from None
    return schedule.replace(actions)


def _parse_action(line):
    words = line.split()
    kind = words[0]
    if kind == "run":
        return ("run", checks.duration("run", float(words[1].removesuffix("ms"))))
    if kind in ("crash", "restart", "isolate", "timeout", "reboot"):
        who = words[1]
        return (kind, who if who in ("leader", "any") else checks.server_id(int(who)))
    if kind == "submit":
        if words[2:] == ["to", "old-leader"]:
            return ("submit", words[1], "old")
        return ("submit", words[1])
    if kind == "heal":
        return ("heal",)
    if kind == "members":
        return ("members", tuple(checks.server_id(int(i)) for i in words[1:]))
    if kind == "add":
        if words[2:] not in ([], ["nonvoter"]):
            raise ValueError("write 'add 6' or 'add 6 nonvoter'")
        return ("add", checks.server_id(int(words[1])), not words[2:])
    if kind in ("promote", "remove"):
        who = words[1]
        return (kind, who if who == "leader" else checks.server_id(int(who)))
    if kind == "partition":
        return ("partition", tuple(tuple(checks.server_id(int(i)) for i in g.split())
                                   for g in " ".join(words[1:]).split("|")))
    if kind == "network":
        settings = []
        for word in words[1:]:
            name, value = word.split("=", 1)
            if name == "latency":
                a, b = value.split("..")
                settings.append((name, (float(a), float(b))))
            else:
                settings.append((name, float(value)))
        return ("network", tuple(settings))
    raise ValueError(f"unknown action {kind!r}")


DEFAULT_PROFILE = dict(size=5, length=14,
                       weights=dict(run=4, submit=3, crash=1, crash_leader=1, restart=2,
                                    isolate=1, isolate_leader=1, heal=2, timeout=1, partition=1,
                                    network=1),
                       run_ms=(10, 300))


def generate(seed, profile=None):
    """A random schedule from ``seed``, biased by ``profile`` (a dict; see DEFAULT_PROFILE).

    Profile keys: ``size``, ``length`` (number of actions), ``weights`` (kind -> weight; kinds:
    run, submit, submit_old, crash, crash_leader, restart, reboot, reboot_leader, isolate,
    isolate_leader, heal, timeout, partition, network, members, and the single-server changes
    add, add_nonvoter, promote, remove, remove_leader), ``run_ms`` (range of a run),
    ``pause`` (probability that a run follows each other action), ``initial`` (actions put
    first), ``warmup`` (ms run next; default 300), ``network`` (name -> (low, high) range for
    drop/duplicate/reorder, or a tuple of latency ranges), ``election_timeout``,
    ``max_entries`` and ``fast_backoff`` (cluster options: a value, or a tuple of values to
    choose from for each seed). Keys and kinds added later draw from the generator only when a
    profile uses them, so the schedules of older profiles stay the same."""
    p = dict(DEFAULT_PROFILE)
    p.update(profile or {})
    rng = random.Random(f"schedule-{seed}")
    size = p["size"]
    kinds = sorted(p["weights"])
    weights = [p["weights"][k] for k in kinds]
    low, high = p["run_ms"]
    actions = []
    values = 0
    pause = p.get("pause", 0.8)
    for action in p.get("initial", ()):
        actions.append(tuple(action))  # fixed opening actions, e.g. a network setting
    if p.get("warmup", 300):
        actions.append(("run", float(p.get("warmup", 300))))  # time to elect a first leader
    for _ in range(p["length"]):
        if actions and actions[-1][0] != "run" and rng.random() < pause:
            actions.append(("run", float(rng.randint(int(low), int(high)))))
            continue
        kind = rng.choices(kinds, weights)[0]
        if kind == "run":
            actions.append(("run", float(rng.randint(int(low), int(high)))))
        elif kind == "submit":
            values += 1
            actions.append(("submit", f"{rng.choice('xyz')}={values}"))
        elif kind == "submit_old":
            values += 1
            actions.append(("submit", f"{rng.choice('xyz')}={values}", "old"))
        elif kind in ("crash", "isolate", "timeout", "reboot"):
            actions.append((kind, rng.randint(1, size)))
        elif kind in ("crash_leader", "isolate_leader", "reboot_leader"):
            actions.append((kind.split("_")[0], "leader"))
        elif kind == "restart":
            actions.append(("restart", "any"))
        elif kind == "heal":
            actions.append(("heal",))
        elif kind == "members":
            # A new set of voters drawn from the servers and two spare ids (new servers):
            # growing, shrinking, or replacing servers, possibly removing the leader.
            pool = list(range(1, size + 3))
            count = rng.randint(max(1, size - 2), min(len(pool), size + 1))
            actions.append(("members", tuple(sorted(rng.sample(pool, count)))))
        elif kind in ("add", "add_nonvoter"):
            # A new server (one of two spare ids), or back one that was removed.
            actions.append(("add", rng.randint(size + 1, size + 2) if rng.random() < 0.7
                            else rng.randint(1, size), kind == "add"))
        elif kind == "promote":
            actions.append(("promote", rng.randint(size + 1, size + 2)))
        elif kind == "remove":
            spare = 2 if {"add", "add_nonvoter"} & set(kinds) else 0   # servers added later
            actions.append(("remove", rng.randint(1, size + spare)))
        elif kind == "remove_leader":
            actions.append(("remove", "leader"))
        elif kind == "partition":
            ids = list(range(1, size + 1))
            rng.shuffle(ids)
            cut = rng.randint(1, size - 1)
            actions.append(("partition", (tuple(sorted(ids[:cut])), tuple(sorted(ids[cut:])))))
        elif kind == "network":
            net = p.get("network") or dict(drop=(0.0, 0.2), duplicate=(0.0, 0.2),
                                           reorder=(0.0, 0.3))
            settings = []
            for name in ("drop", "duplicate", "reorder"):
                if name in net:
                    a, b = net[name]
                    settings.append((name, round(rng.uniform(a, b), 2)))
            if "latency" in net:
                settings.append(("latency", rng.choice(net["latency"])))
            actions.append(("network", tuple(settings)))
        else:
            raise ValueError(f"unknown action kind {kind!r} in profile")
    # Cluster options: a value, or a tuple of values to choose from for each seed (with a
    # generator of their own, so that the actions do not depend on them).
    options = {}
    for name, default in (("max_entries", MAX_ENTRIES_PER_MESSAGE), ("fast_backoff", False)):
        value = p.get(name, default)
        if isinstance(value, tuple):
            value = random.Random(f"{name}-{seed}").choice(value)
        options[name] = value
    return Schedule(size, seed, tuple(actions), tuple(p.get("election_timeout", (150, 300))),
                    **options)


# ---------------------------------------------------------------------------------------------
# Running a schedule and judging it
# ---------------------------------------------------------------------------------------------

@dataclass
class Finding:
    """What the checker found: ``kind`` is "violation", "rule", "stall", "stuck" (a timer that
    keeps firing at one instant, so time cannot move on) or "crash"."""

    kind: str
    prop: str          # the property of Figure 3, "no progress", the rule, or the exception's type
    details: str
    step: int
    where: str = ""    # for a crash: the line of the node's code that raised
    note: str = ""     # a rule broken earlier in the same run, the likely cause

    @property
    def signature(self):
        return (self.kind, self.prop)

    def headline(self):
        if self.kind == "violation":
            text = f"{self.prop} violated: {self.details}"
        elif self.kind == "rule":
            text = f"rule of {self.prop} broken: {self.details}"
        elif self.kind == "stall":
            text = f"liveness: {self.details}"
        elif self.kind == "stuck":
            text = f"time stands still: {self.details}"
        elif self.prop == "NotImplementedError":
            text = f"not written yet: {self.details}"
        else:
            text = f"your node raised {self.prop}: {self.details}" + (
                f" ({self.where})" if self.where else "")
        return text + (f"\n{self.note}" if self.note else "")


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
            while first >= 1 and log.term_at(first) == term and first > upto:
                first -= 1
            for index in range(first + 1, log.last_index + 1):
                entry = log[index]
                if entry.kind == "config" and entry.term == term:
                    self._check_config_entry(n, index, entry)
            self._configs[i] = (n, term, log.last_index)

    def _check_config_entry(self, n, index, entry):
        new = entry.command
        prev_index = next((k for k in range(index - 1, 0, -1) if n.log[k].kind == "config"), 0)
        prev = n.log[prev_index].command if prev_index else n.initial_config
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


class _Stall(Exception):
    pass


def _new_cluster(node_class, schedule, trace):
    cluster = Cluster(size=schedule.size, seed=schedule.seed,
                      election_timeout=schedule.election_timeout, node_class=node_class,
                      check_invariants=False, trace=trace,
                      max_entries_per_message=schedule.max_entries,
                      fast_backoff=schedule.fast_backoff)
    # The checker is attached by hand (not check_invariants=True) so that cluster.replay(),
    # which the players use, rebuilds the run without raising at the violation again.
    cluster.checker = GradeChecker(cluster)
    return cluster


def _do(cluster, action):
    """Carry out one action; returns False if it made no sense now (and was skipped)."""
    kind = action[0]
    up = [i for i in cluster.ids if i not in cluster.crashed]
    if kind == "run":
        cluster.run(action[1])
    elif kind == "submit":
        if action[2:] == ("old",):
            # The running leader with the lowest term: a deposed leader that has not heard
            # of its successor yet still takes commands (its entries are doomed).
            leaders = [i for i in up if cluster.nodes[i].role == LEADER]
            leader = min(leaders, key=lambda i: (cluster.nodes[i].current_term, i),
                         default=None)
        else:
            leader = cluster.leader()
        if leader is None:
            return False
        cluster.submit(action[1], node=leader)
    elif kind in ("crash", "isolate", "reboot"):
        who = cluster.leader() if action[1] == "leader" else action[1]
        if who is None or who not in cluster.nodes:
            return False
        if kind == "reboot":
            # Crash and restart at once: the server keeps only what it wrote to disk.
            if who not in up:
                return False
            cluster.crash(who)
            cluster.restart(who)
        elif kind == "crash":
            if who not in up or len(up) <= 1:
                return False
            cluster.crash(who)
        else:
            cluster.partition([who], [i for i in cluster.ids if i != who])
    elif kind == "restart":
        down = sorted(cluster.crashed)
        who = down[0] if action[1] == "any" and down else action[1]
        if who not in cluster.crashed:
            return False
        cluster.restart(who)
    elif kind == "heal":
        if cluster.partition_groups is None and not cluster.disconnected:
            return False
        cluster.heal()
    elif kind == "partition":
        # Servers a membership change added after the schedule was drawn are in no group:
        # each is cut off on its own.
        listed = {i for g in action[1] for i in g}
        cluster.partition(*action[1], *[[i] for i in cluster.ids if i not in listed])
    elif kind == "timeout":
        who = action[1]
        if who not in up or cluster.nodes[who].role == LEADER \
                or who not in cluster.nodes[who].config.members:
            return False
        # The harshest early election a schedule can pick: one the §6 guard lets through, as it
        # does a leadership transfer's (Cluster.take_over), so schedules can provoke elections
        # at any moment.
        cluster.take_over(who)
    elif kind == "network":
        cluster.set_network(**dict(action[1]))
    elif kind == "members":
        leader = cluster.leader()
        if leader is None:
            return False
        node = cluster.nodes[leader]
        try:   # the cluster's own checks: a change that makes no sense now is skipped
            checks.membership_change(action[1], node)
        except RaftError:
            return False
        try:
            cluster.change_membership(action[1])
        except RaftError as e:
            # The checks above passed, so the refusal came from the node's own code.
            raise NodeRefused(f"{type(e).__name__}: {e}") from e
    elif kind in ("add", "promote", "remove"):
        # Single-server changes (§4.1). Whether one may start now (one at a time; the 2015 fix)
        # is the node's own rule, so a refusal skips the action rather than judging the node.
        who = cluster.leader() if action[1] == "leader" else action[1]
        if who is None or cluster.leader() is None:
            return False
        try:
            if kind == "add":
                cluster.add_server(who, voter=action[2])
            elif kind == "promote":
                cluster.promote(who)
            else:
                cluster.remove_server(who)
        except (ConfigurationError, MembershipChangeInProgress):
            return False
    else:
        raise ValueError(f"unknown action {action!r}")
    return True


class NodeRefused(Exception):
    """The node's own change_membership refused a change the grader had checked was valid."""


PROBE = "probe=1"


def _settle(cluster, stall_ms):
    """End the faults, then require a client command to be committed within stall_ms."""
    if cluster.partition_groups is not None or cluster.disconnected:
        cluster.heal()
    for i in sorted(cluster.crashed):
        cluster.restart(i)
    if cluster.drop_rate or cluster.duplicate_rate or cluster.reorder_rate:
        cluster.set_network(drop=0, duplicate=0, reorder=0)
    start = cluster.now
    tried = set()
    while cluster.now - start < stall_ms:
        leader = cluster.leader()
        if leader is not None and (leader, cluster.nodes[leader].current_term) not in tried:
            tried.add((leader, cluster.nodes[leader].current_term))
            cluster.submit(PROBE, node=leader, client_id="probe", seq=1)
        cluster.run(25)
        if any(PROBE in cluster.state_machines[i].applied for i in cluster.ids):
            return
    leader = cluster.leader()
    raise _Stall(f"with every server up and the network healed, no client command was "
                 f"committed within {stall_ms} ms (leader now: "
                 f"{'none' if leader is None else f'S{leader}'}, "
                 f"{len(tried)} leader term(s) tried)")


def _node_frame(exc):
    """Where in the node's code (not the simulator's) an exception was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    chosen = None
    for frame in frames:
        if not frame.filename.startswith(_PACKAGE_DIR) or frame.filename.endswith("node.py") \
                or frame.filename.endswith("bugs.py") or "/labs/" in frame.filename:
            chosen = frame
    if chosen is None and frames:
        chosen = frames[-1]
    if chosen is None:
        return ""
    return f"in {chosen.name}, {Path(chosen.filename).name} line {chosen.lineno}: " \
           f"{(chosen.line or '').strip()}"


def run_schedule(node_class, schedule, *, trace=False, liveness=True, stall_ms=STALL_MS):
    """Play ``schedule`` on ``node_class``; returns (Finding or None, cluster)."""
    cluster = _new_cluster(node_class, schedule, trace)
    found = None
    try:
        for action in schedule.actions:
            _do(cluster, action)
        if liveness:
            _settle(cluster, stall_ms)
    except InvariantViolation as e:
        found = Finding("violation", e.prop, e.details, cluster.steps)
    except _Stall as e:
        found = Finding("stall", "no progress", str(e), cluster.steps)
    except StuckTimer as e:
        # Replays stop at the first of the repeated firings: what led there is the story.
        found = Finding("stuck", f"{e.timer} timer", str(e), e.first_step)
    except RaftError:
        raise  # a mistake of the harness, not of the node: let it show
    except Exception as e:  # noqa: BLE001 - the node's own code raised
        details = _not_written(e) if isinstance(e, NotImplementedError) else (
            str(e) or type(e).__name__)
        found = Finding("crash", type(e).__name__, details, cluster.steps, _node_frame(e))
    broken = cluster.checker.rule_break
    if broken is not None:
        if found is None:
            found = Finding("rule", broken.rule, broken.details, broken.step)
        else:
            found.note = f"(first sign, at step {broken.step}: {broken.text()})"
    return found, cluster


# ---------------------------------------------------------------------------------------------
# Shrinking
# ---------------------------------------------------------------------------------------------

def shrink(node_class, schedule, finding, *, max_runs=150, stall_ms=STALL_MS):
    """Delta debugging: the shortest schedule we can find that fails the same way.

    Returns (schedule, finding, runs)."""
    runs = 0
    target = finding.signature

    def fails(candidate):
        nonlocal runs
        runs += 1
        found, _ = run_schedule(node_class, candidate, stall_ms=stall_ms)
        if found is not None and found.signature == target:
            return found
        return None

    actions = list(schedule.actions)
    n = 2
    while len(actions) >= 1 and runs < max_runs:
        chunk = max(1, len(actions) // n)
        removed = False
        for start in range(0, len(actions), chunk):
            candidate = actions[:start] + actions[start + chunk:]
            got = fails(schedule.replace(candidate))
            if got is not None:
                actions, finding, removed = candidate, got, True
                n = max(n - 1, 2)
                break
            if runs >= max_runs:
                break
        if not removed:
            if chunk == 1:
                break
            n = min(n * 2, len(actions))
    # Merge neighbouring runs ("run 300ms, run 116ms" -> "run 416ms") when that still fails.
    # Each pair is tried once (at most one run per action), even when the budget above is
    # spent: a schedule of twenty "run" lines in a row is hard to read.
    k = 0
    while k < len(actions) - 1:
        if actions[k][0] == "run" and actions[k + 1][0] == "run":
            merged = actions[:k] + [("run", actions[k][1] + actions[k + 1][1])] + actions[k + 2:]
            got = fails(schedule.replace(merged))
            if got is not None:
                actions, finding = merged, got
                continue
        k += 1
    # Shorten each run, halving while the failure stays.
    for k in range(len(actions)):
        while actions[k][0] == "run" and actions[k][1] >= 2 and runs < max_runs:
            shorter = actions[:k] + [("run", float(int(actions[k][1] // 2)))] + actions[k + 1:]
            got = fails(schedule.replace(shorter))
            if got is None:
                break
            actions, finding = shorter, got
    return schedule.replace(actions), finding, runs


# ---------------------------------------------------------------------------------------------
# Counterexamples
# ---------------------------------------------------------------------------------------------

# (No "force-timeout": the role change that always follows says it, "S1 was told to campaign and
# became candidate for term 2".)
_KEY_KINDS = {"role", "vote", "term", "commit", "truncate", "crash", "restart", "partition",
              "heal", "submit", "network", "apply", "reject", "membership"}


def key_events(cluster, limit=30):
    """A cluster's key events (roles, votes, terms, commits, faults...) in plain English,
    the last ``limit`` of them."""
    lines = [f"[{r.time:7.1f} ms] {r.sentence}" for r in cluster.trace
             if r.kind in _KEY_KINDS and not (r.kind == "apply" and "no-op" in r.sentence)]
    if len(lines) > limit:
        lines = [f"... ({len(lines) - limit} earlier events)"] + lines[-limit:]
    return lines


@dataclass
class Counterexample:
    node_class: type
    seed: int
    original: Schedule
    schedule: Schedule       # shrunk
    finding: Finding
    tried: int               # schedules run before this one failed (seeds tried)
    shrink_runs: int = 0
    _cluster: object = field(default=None, repr=False)

    def cluster(self):
        """The cluster at the failing step (no checker), for raft.viz.play/explore."""
        if self._cluster is None:
            self._cluster = replay(self.node_class, self.schedule)
        return self._cluster

    def sentences(self, limit=30):
        """The shrunk run's key events in plain English, last ``limit`` of them."""
        return key_events(self.cluster(), limit)

    def scenario_text(self):
        return self.cluster().scenario_text()

    def report(self, name=None):
        who = name or self.node_class.__name__
        out = [f"{who}: {self.finding.headline()}",
               f"  found with seed {self.seed} (schedule {self.tried} of the search); "
               f"shrunk from {len(self.original)} to {len(self.schedule)} actions "
               f"in {self.shrink_runs} reruns",
               "  the shrunk schedule:"]
        out += ["    " + line for line in self.schedule.text().splitlines()]
        out.append("  what happened (key events):")
        out += ["    " + line for line in self.sentences()]
        return "\n".join(out)


def find_counterexample(node_class, profile, seeds, *, minimize=True, stall_ms=STALL_MS):
    """Run the schedules of ``seeds`` until one fails; shrink it. None if none failed."""
    for tried, seed in enumerate(seeds, 1):
        schedule = generate(seed, profile)
        found, _ = run_schedule(node_class, schedule, stall_ms=stall_ms)
        if found is None:
            continue
        small, finding, runs = (shrink(node_class, schedule, found, stall_ms=stall_ms)
                                if minimize else (schedule, found, 0))
        return Counterexample(node_class, seed, schedule, small, finding, tried, runs)
    return None


def replay(node_class, schedule, *, stall_ms=STALL_MS):
    """Rebuild the run of ``schedule`` (a Schedule or its text) with ``node_class``, stopped
    at the step where the checker flagged it (or at its end), with a full trace and no checker:
    hand it to ``raft.viz.play`` or ``raft.viz.explore``."""
    if isinstance(schedule, str):
        schedule = parse_schedule(schedule)
    found, cluster = run_schedule(node_class, schedule, trace=True, stall_ms=stall_ms)
    step = cluster.steps if found is None else found.step
    if found is not None and found.kind == "crash":
        step -= 1  # the step that raised never finished: stop just before it
    twin = cluster.replay(step)
    twin.checker = None
    # The twin keeps the trace up to that step (replay re-ran it).
    return twin


# ---------------------------------------------------------------------------------------------
# Labs
# ---------------------------------------------------------------------------------------------

@dataclass
class Lab:
    number: int
    title: str
    methods: tuple
    stories: tuple           # (name, scenario text) pairs
    profile: dict
    seeds: int = 40          # random schedules tried by default (about 10 ms each)
    stall_ms: int = STALL_MS


# -- helpers for story functions: time stands still while messages are delivered by hand -----

def _expect(ok, message):
    if not ok:
        raise ExpectationFailed(message)


def _deliver_where(cluster, wanted):
    """Deliver now, oldest first, every message on the network for which ``wanted(msg)``
    holds, and the answers they cause (if wanted too), until none is left. Time stands still,
    so no timer fires and every other message stays on the network."""
    while True:
        flights = [f for f in cluster.in_flight() if wanted(f.msg)]
        if not flights:
            return
        for flight in flights:
            if flight.id in {f.id for f in cluster.in_flight()}:
                cluster.deliver(flight)


def _drop_where(cluster, unwanted):
    for flight in cluster.in_flight():
        if unwanted(flight.msg):
            cluster.drop(flight)


def _in_flight(cluster, kind, src, dst, term=None):
    """The one message of class ``kind`` from ``src`` to ``dst`` (of ``term``) on the network."""
    found = [f for f in cluster.in_flight() if isinstance(f.msg, kind) and f.msg.src == src
             and f.msg.dst == dst and (term is None or f.msg.term == term)]
    _expect(len(found) == 1, f"expected one {kind.__name__} from S{src} to S{dst}"
                             f"{'' if term is None else f' of term {term}'} on the network, "
                             f"found {len(found)}")
    return found[0]


def _story_stale_vote(make):
    """S2 grants S1 its vote in term 1, but the reply is slow. Meanwhile S1 and S3 both start
    elections for term 2, and S3 wins it with S2's vote of term 2. Then S2's old reply reaches
    S1: it is a vote for term 1, and counting it in term 2 makes a second leader of term 2.
    Every message is delivered by hand while time stands still."""
    c = make(size=3, seed=32)
    c.timeout(1)                                                  # S1: candidate, term 1
    c.deliver(_in_flight(c, RequestVote, 1, 2))                   # S2 votes for S1 in term 1
    c.deliver(_in_flight(c, RequestVote, 1, 3))                   # S3 too
    old_vote = _in_flight(c, RequestVoteReply, 2, 1, term=1)      # ... but it is slow
    c.drop(_in_flight(c, RequestVoteReply, 3, 1, term=1))         # and S3's is lost
    c.timeout(3)                                                  # S3: candidate, term 2
    c.timeout(1)                                                  # S1: candidate, term 2
    c.deliver(_in_flight(c, RequestVote, 3, 2, term=2))           # S2 votes for S3 in term 2
    c.deliver(_in_flight(c, RequestVoteReply, 2, 3, term=2))
    _expect(c.leader() == 3, f"S3 should lead term 2 with the votes of S2 and S3, but the "
                             f"leader is {c.leader()}")
    c.deliver(old_vote)                                           # S2's vote of term 1 arrives
    _expect(c.nodes[1].role != LEADER,
            "S1 became leader of term 2 by counting S2's vote of term 1; only votes granted "
            "in the candidate's current term count (§5.2)")


_ELECTION_STORIES = (
    ("a leader is elected", """
        cluster size=5 seed=1
        run until leader within 3000ms
        run 500ms
        expect term 1 = 1
    """),
    ("a stale candidate is refused (§5.1)", """
        # S1 was away: it is in term 1 while S2 and S3 are in term 3 and have not voted yet.
        # Its RequestVote of term 2 is stale: both refuse it (and S1 learns term 3).
        cluster size=3 seed=2
        term 1: 1
        term 2: 3
        term 3: 3
        timeout 1
        run 40ms
        expect voted_for 2 = none
        expect voted_for 3 = none
        expect term 1 = 3
        expect role 1 = follower
    """),
    ("a vote in an earlier term does not bind a newer one (§5.1, §5.2)", """
        # S2 and S3 voted for themselves in term 5; S1 campaigns in term 6, which frees them.
        cluster size=3 seed=2
        term 1: 5
        term 2: 5
        term 3: 5
        vote 2: 2
        vote 3: 3
        timeout 1
        run 100ms
        expect term 1 = 6
        expect voted_for 2 = 1
        expect leader 1
    """),
    ("one vote per term (§5.2)", """
        cluster size=3 seed=3
        term 1: 2
        term 2: 2
        term 3: 2
        vote 3: 2
        vote 2: 2
        timeout 1
        run 40ms
        expect voted_for 3 = 1
        expect term 3 = 3
    """),
    ("the up-to-date check (§5.4.1)", """
        cluster size=3 seed=4
        log 1: 1
        log 2: 1 2
        log 3: 1 2
        timeout 1
        run 40ms
        expect voted_for 2 = none
        expect leader none
        run until leader within 3000ms
        expect log 2 = 1 2 3
    """),
    ("a vote granted in an earlier term is not counted (§5.2)", _story_stale_vote),
)

def _story_heartbeat_timer(make):
    """S1 leads term 1 and nothing else happens for a second. Every AppendEntries S1 sends
    (a heartbeat every 50 ms) must restart the election timer of the follower that receives
    it, or that follower times out and starts an election while its leader is healthy."""
    c = make(size=3, seed=31)
    c.elect(1)
    low, high = c.election_timeout
    end = c.now + 1000
    while True:
        seen = len(c.trace)
        if c.step(until=end) is None:
            break
        for r in c.trace[seen:]:
            msg = r.data.get("msg")
            if r.kind != "deliver" or not isinstance(msg, AppendEntries):
                continue
            node = c.nodes[r.node]
            if node.role == LEADER or msg.term < node.current_term:
                continue
            left = node.next_deadline() - c.now
            _expect(left >= low,
                    f"S{r.node} received AppendEntries (term {msg.term}) from its leader "
                    f"S{msg.src} at {c.now:.1f} ms, but its election timer still fires "
                    f"{left:.1f} ms later, at {node.next_deadline():.1f} ms: receiving "
                    f"AppendEntries from the current leader must restart the election timer "
                    f"(a fresh {low:g}-{high:g} ms; Figure 2, Rules for Servers: Followers, "
                    "§5.2), or the follower starts an election while its leader is healthy")
    _expect(c.leader() == 1 and c.nodes[1].current_term == 1,
            f"S1 should still lead term 1 after a quiet second; leader {c.leader()}, "
            f"terms {[n.current_term for _, n in sorted(c.nodes.items())]}")


def _story_late_reply(make):
    """Two AppendEntries reach S2; its two acknowledgements come back in the opposite order."""
    c = make(size=3, seed=22)
    c.timeout(1)
    _deliver_where(c, lambda m: True)
    _expect(c.leader() == 1, f"S1 should lead after its election, but the leader is "
                             f"{c.leader()}")
    c.submit("x=1", node=1)
    c.submit("y=2", node=1)
    _drop_where(c, lambda m: m.dst == 3)
    _deliver_where(c, lambda m: isinstance(m, AppendEntries))
    replies = sorted((f for f in c.in_flight() if isinstance(f.msg, AppendEntriesReply)),
                     key=lambda f: -f.msg.match_index)
    _expect(len(replies) == 2, f"S2 should have answered S1's two AppendEntries (x=1, then "
                               f"x=1 and y=2) with two replies; {len(replies)} on the network")
    for flight in replies:  # the later acknowledgement first, then the earlier one
        c.deliver(flight)
    _deliver_where(c, lambda m: True)
    _expect(c.nodes[1].commit_index == 3, f"S1 should have committed index 3 (x=1, y=2 on S1 "
                                          f"and S2), its commit index is "
                                          f"{c.nodes[1].commit_index}")


def _story_stale_reply(make):
    """An acknowledgement S2 sent in term 1 reaches S1 when S1 leads again, in term 3, with a
    different log: counting it commits an entry that only S1 and S3 hold."""
    c = make(size=5, seed=23)
    c.timeout(1)
    _deliver_where(c, lambda m: True)
    _expect(c.leader() == 1, f"S1 should lead term 1, but the leader is {c.leader()}")
    c.submit("x=1", node=1)
    c.submit("y=2", node=1)
    # Only S2 gets x and y; its last acknowledgement (match_index 3, term 1) stays on the
    # network: a slow message.
    _drop_where(c, lambda m: isinstance(m, AppendEntries) and m.dst != 2)
    _deliver_where(c, lambda m: isinstance(m, AppendEntries))
    replies = [f for f in c.in_flight() if isinstance(f.msg, AppendEntriesReply)]
    _expect(replies, "S2 should have answered S1's AppendEntries carrying x=1 and y=2")
    late = max(replies, key=lambda f: f.msg.match_index)
    _drop_where(c, lambda m: isinstance(m, AppendEntriesReply) and m is not late.msg)
    others = lambda m: m is not late.msg  # noqa: E731
    # S5 wins term 2 (S3, S4) and its no-op replaces x and y everywhere. (Time stands still, so
    # S3 and S4 heard from S1 moments ago: S5 campaigns as a transfer's target would, which the
    # §6 guard lets through; likewise below.)
    c.take_over(5)
    _deliver_where(c, others)
    _expect(c.leader() == 5 and c.nodes[1].log.terms() == [1, 2],
            f"S5 should lead term 2 and S1's log be [1, 2]; leader {c.leader()}, "
            f"S1's log {c.nodes[1].log.terms()}")
    # S1 wins term 3; only S3 receives (and acknowledges) its no-op at index 3.
    c.take_over(1)
    _deliver_where(c, lambda m: others(m) and not isinstance(m, (AppendEntries,
                                                                 AppendEntriesReply)))
    _expect(c.leader() == 1 and c.nodes[1].current_term == 3,
            f"S1 should lead term 3; leader {c.leader()}")
    _drop_where(c, lambda m: isinstance(m, AppendEntries) and m.dst != 3)
    _deliver_where(c, others)
    # Now the acknowledgement from term 1 arrives. It says S2 holds S1's log up to index 3,
    # which was true of S1's log in term 1, not of its log now.
    c.deliver(late)
    # S5 campaigns for term 4 with the votes of S2 and S4, which never saw index 3.
    c.take_over(5)
    _deliver_where(c, lambda m: not isinstance(m, (AppendEntries, AppendEntriesReply)))


def _story_early_new_config(make):
    """C_old = {1..5} shrinks to C_new = {1,2,3} while a client command is still uncommitted;
    only S2 receives C_old,new before the network splits S1 S2 | S3 S4 S5."""
    c = make(size=5, seed=30)
    c.timeout(1)
    _deliver_where(c, lambda m: True)
    _expect(c.leader() == 1, f"S1 should lead term 1, but the leader is {c.leader()}")
    c.submit("x=1", node=1)
    c.change_membership([1, 2, 3])
    _expect(any(e.kind == "config" for e in c.nodes[1].log),
            "removing S4 and S5 needs no catching up: S1 should append C_old,new at once")
    # Everything carrying a configuration entry to S3, S4 or S5 is lost; the rest arrives.
    lost = lambda m: (isinstance(m, AppendEntries) and m.dst in (3, 4, 5)  # noqa: E731
                      and any(e.kind == "config" for e in m.entries))
    for _ in range(3):
        _drop_where(c, lost)
        _deliver_where(c, lambda m: not lost(m))
    # S1 and S2 are cut off from S3, S4 and S5, which still use C_old = {1..5} and elect S3.
    c.partition([1, 2], [3, 4, 5])
    c.take_over(3)   # at once: S4 and S5 heard from S1 moments ago (the §6 guard lets it pass)
    _deliver_where(c, lambda m: True)
    _expect(c.nodes[3].role == LEADER, "S3 should win term 2 with the votes of S4 and S5")


_REPLICATION_STORIES = (
    ("heartbeats restart the followers' election timers (§5.2)", _story_heartbeat_timer),
    ("commands are replicated and applied", """
        cluster size=3 seed=5
        elect 1
        submit x=1
        submit y=2
        run 200ms
        expect applied 2 = x=1 y=2
        expect applied 3 = x=1 y=2
    """),
    ("a follower's conflicting entries are replaced (§5.3, Figure 7)", """
        cluster size=3 seed=6
        log 1: 1 1 4 4
        log 2: 1 1 2 2 2
        log 3: 1 1 4
        term 1: 4
        elect 1
        run 300ms
        expect log 2 = 1 1 4 4 5
        expect log 3 = 1 1 4 4 5
    """),
    ("a follower that missed entries catches up", """
        cluster size=3 seed=7
        elect 1
        disconnect 3
        submit x=1
        submit y=2
        run 100ms
        connect 3
        run 1500ms
        expect applied 3 = x=1 y=2
    """),
    ("a follower commits only what the leader's message vouches for (Figure 2, "
     "AppendEntries rule 5)", """
        # S3 holds a stale entry of term 2 at index 3; the leader's entry there has term 3.
        # With one entry per message and the fast back-off, the leader sends S3 index 2 alone,
        # with a commit index of 5: S3 may commit up to index 2 only, not up to its log's end.
        cluster size=3 seed=21 fast_backoff=yes max_entries=1
        log 1: 1 2 3 3
        log 2: 1 2 3 3
        log 3: 1 2 2
        disconnect 3
        elect 1
        run 200ms
        expect commit 1 = 5
        connect 3
        run 500ms
        expect log 3 = 1 2 3 3 4
        expect commit 3 = 5
    """),
    ("a late acknowledgement does not move match_index back (Figure 2)", _story_late_reply),
    ("an acknowledgement from an earlier term is ignored (§5.1)", _story_stale_reply),
)

_SAFETY_STORIES = (
    ("an earlier term's entry is committed together with one of the leader's term (§5.4.2)", """
        cluster size=3 seed=8
        log 1: 1 2
        log 2: 1
        log 3: 1 3
        term 1: 4
        term 3: 4
        disconnect 3
        elect 1
        run 100ms
        expect commit 1 = 3
        expect log 2 = 1 2 5
    """),
    ("a server with a stale log cannot win (§5.4.1)", """
        cluster size=3 seed=9
        log 1: 1 1
        log 2: 1 1
        log 3: 1
        disconnect 1
        timeout 3
        run 50ms
        expect leader none
        run until leader within 3000ms
        expect role 3 = follower
    """),
    ("an entry of an earlier term is not committed by counting its replicas (Figure 8, with "
     "one entry per message)", """
        # Figure 8 (c): S1 leads term 4 with (2, term 2) on S1 and S2; S5 holds (2, term 3).
        # One entry per message, so S3 and S4 first receive index 2 alone, before the no-op
        # of term 4. Counting those replicas commits index 2 too early: S1 is then cut off,
        # and S5, whose last term 3 beats term 2, wins term 5 and overwrites it (Figure 8 (d)).
        cluster size=5 seed=24 max_entries=1
        log 1: 1 2
        log 2: 1 2
        log 3: 1
        log 4: 1
        log 5: 1 3
        term 1: 3
        term 2: 3
        term 3: 3
        term 4: 3
        term 5: 4
        disconnect 5
        elect 1
        run until commit 1 2 within 500ms
        partition 1 | 2 3 4 5
        connect 5
        timeout 5
        run 300ms
    """),
    ("a majority of four servers is three, not two (§5.3)", """
        # An even-sized cluster: the leader and one follower store x=1, two servers are cut
        # off. Two of four is half, not a majority, so x=1 must not be committed.
        cluster size=4 seed=12
        elect 1
        run until commit 1 1 within 500ms
        disconnect 3
        disconnect 4
        submit x=1
        run 200ms
        expect commit 1 = 1
        heal
        run until commit 1 2 within 1000ms
    """),
    ("the later last term wins, not the longer log (§5.4.1)", """
        # S3 holds five entries of term 1; S1 and S2 hold (2, term 3), committed below. S3's
        # log is longer, but its last term is older: S2 must refuse it.
        cluster size=3 seed=25
        log 1: 1 3
        log 2: 1 3
        log 3: 1 1 1 1 1
        term 3: 4
        disconnect 3
        elect 1
        run 200ms
        expect commit 1 = 3
        expect commit 2 = 3
        disconnect 1
        connect 3
        takeover 3           # at once, passing the §6 guard (S2 heard from S1 moments ago)
        run 100ms
        expect term 2 = 5
        expect voted_for 2 = none
        expect role 3 = candidate
    """),
)

_PERSISTENCE_STORIES = (
    ("a vote survives a crash (Figure 2, persistent state)", """
        cluster size=3 seed=10
        timeout 1
        run 15ms
        crash 2
        restart 2
        expect voted_for 2 = 1
        expect term 2 = 1
    """),
    ("the term survives a crash", """
        cluster size=3 seed=11
        elect 1
        run 100ms
        crash 3
        restart 3
        expect term 3 = 1
    """),
    ("a vote granted without a term change survives a crash (Figure 2)", """
        # S4 and S5 first adopt term 2 from S1's RequestVote, which they refuse (S1's log is
        # behind). Then, still in term 2, they vote for S2, which wins. The vote is the only
        # change of that step, so it must be written by itself. They crash before anything
        # else happens, restart, and S3 asks them for their vote in the same term 2.
        cluster size=5 seed=26
        log 1: 1
        log 2: 1 1
        log 3: 1 1
        log 4: 1 1
        log 5: 1 1
        partition 1 4 5 | 2 | 3
        timeout 1
        run 30ms
        expect term 4 = 2
        expect voted_for 4 = none
        partition 2 4 5 | 1 | 3
        timeout 2
        run 16ms
        crash 4
        crash 5
        run 20ms
        expect leader 2
        restart 4
        restart 5
        partition 3 4 5 | 1 | 2
        timeout 3
        run 40ms
        expect voted_for 4 = 2
        expect role 3 = candidate
    """),
    ("a term adopted from a leader survives a crash (Figure 2, dissertation §3.8)", """
        # S5 learns term 2 only from the new leader S2's AppendEntries (it never votes in
        # term 2), stores S2's entry (2, term 2), and that entry is committed with its help.
        # S5 crashes and restarts. If term 2 was not written, S5 is back in term 1 and accepts
        # the deposed leader S1's AppendEntries of term 1, which replace the committed entry,
        # and S1, S4 and S5 can then elect a leader that lacks it.
        cluster size=5 seed=27
        elect 1
        run 100ms
        disconnect 1
        submit x=1 to 1
        disconnect 5
        elect 2
        disconnect 4
        connect 5
        run 100ms
        expect commit 2 = 2
        crash 5
        restart 5
        heal
        partition 1 4 5 | 2 3
        run 600ms                 # S1, S4 and S5 elect a leader among themselves
        expect leader 5           # only S5, which holds (2, term 2), can win there
    """),
)

_MEMBERSHIP_STORIES = (
    ("grow from 3 to 5 servers (§6)", """
        cluster size=3 seed=12
        elect 1
        submit x=1
        members 1 2 3 4 5
        run 1000ms
        expect applied 5 = x=1
        expect leader 1
    """),
    ("a leader removed from the configuration steps down (§6)", """
        cluster size=3 seed=13
        elect 1
        members 2 3
        run 1500ms
        expect role 1 = follower
        run until leader within 3000ms
        submit y=1
        run 300ms
        expect applied 2 = y=1
    """),
    ("no decision without C_old,new while the network is split (§6, Figure 10)", """
        # S3 leads C_old = {1,2,3} and starts growing it to {1,2,3,4,5} while S1 and S2 are
        # cut off from the rest. Joint consensus needs a majority of C_old too, so S3 commits
        # nothing; switching straight to C_new would let S3, S4 and S5 commit on their own
        # while S1 and S2, still under C_old, elect a leader and commit something else.
        cluster size=3 seed=28
        elect 3
        run 100ms
        members 1 2 3 4 5
        partition 1 2 | 3 4 5
        run 1000ms
        expect commit 3 = 1
    """),
    ("C_new only after C_old,new is committed (§6)", """
        # A client command is still uncommitted when S1 starts removing S4 and S5: its
        # commitment must not be mistaken for the commitment of C_old,new.
        cluster size=5 seed=29
        elect 1
        run 100ms
        submit x=1
        members 1 2 3
        run 500ms
        expect applied 2 = x=1
        expect leader 1
    """),
    ("C_new only after C_old,new is committed, even when the network splits (§6)",
     _story_early_new_config),
)

_LAB_PROFILE = dict(size=5, length=12,
                    weights=dict(run=4, submit=3, crash_leader=1, crash=1, restart=2,
                                 isolate_leader=1, heal=2, timeout=1, network=1),
                    run_ms=(20, 300))

# The random schedules of labs 2-4 are tuned to the faults each lab's mistakes need (measured
# with find_counterexample on the lab's profile alone, stories off, seeds 0..39; "first seed"
# is the first seed whose schedule the checker flags; see tests/test_classroom_random_search.py):
#
#   lab  mutant (tests/test_classroom_grader_gaps.py, raft/bugs.py)  before      after
#   2    CommitToLogEnd                                              not found   0
#   2    NoTermCheckReply                                            not found   not found
#   2    MatchMovesBack                                              1           0
#   2    StaleRepliesAndMatchBack                                    1           0
#   2    truncate-always (find_new_entries)                          not found   20
#   3    CountsEarlierTerms                                          not found   not found
#   3    LongerLogWins                                               not found   2
#   3    naive-commit                                                not found   not found
#   3    vote-without-log-check                                      not found   10
#   4    VoteNotMarked                                               not found   not found
#   4    TermNotMarked                                               not found   not found
#   4    vote-not-persisted (ready)                                  not found   0
#
# Lab 2 (replies and the follower's rules): three servers, one entry per AppendEntries and the
# fast back-off (so a follower is sent a prefix of what the leader holds, and a stale tail can
# survive behind it), duplication and reordering switched on by `network` actions with a wide
# latency, and commands sent to deposed leaders (`submit ... to old-leader`) so that logs
# diverge. Lab 3 (commitment and the election restriction): diverging logs again (commands to
# isolated and deposed leaders, partitions), leaders cut off, one or 64 entries per message.
# Lab 4 (persistence): servers that crash and restart at once (`reboot`), leaders among them,
# short runs, so that a reboot often falls right after a vote or a term change.
# Still found only by the stories: a reply of an earlier term counted (it needs the same server
# to lead again while its old reply is on the way), counting an earlier term's replicas with the
# no-op in place (Figure 8 needs three leaders in a row), and forgetting to write a vote or a term
# alone (both need a vote or term adopted without the other, then a reboot, then a second
# candidate of that term).
_LAB2_PROFILE = dict(size=3, length=30, run_ms=(1, 80), pause=0.3, max_entries=1,
                     fast_backoff=True,
                     weights=dict(run=5, submit=4, submit_old=5, crash=1, crash_leader=3,
                                  restart=1, heal=3, timeout=3, partition=3, network=5,
                                  isolate_leader=3, isolate=2),
                     network=dict(drop=(0, 0), duplicate=(0.2, 0.5), reorder=(0.3, 0.6),
                                  latency=((10, 15), (5, 60))))
_LAB3_PROFILE = dict(size=3, length=24, run_ms=(5, 150), pause=0.5, max_entries=(1, 64),
                     weights=dict(run=2, submit=5, submit_old=3, restart=3, isolate=2,
                                  isolate_leader=3, partition=5, network=3, timeout=2, heal=2,
                                  crash_leader=1),
                     network=dict(drop=(0, 0.2), duplicate=(0, 0), reorder=(0, 0),
                                  latency=((5, 40),)))
_LAB4_PROFILE = dict(size=3, length=30, run_ms=(5, 40), pause=0.8, max_entries=1,
                     weights=dict(run=2, submit=5, timeout=1, crash=5, restart=5,
                                  reboot_leader=5, isolate=5, isolate_leader=3, network=2,
                                  partition=3),
                     network=dict(drop=(0, 0), duplicate=(0.2, 0.5), reorder=(0, 0),
                                  latency=((10, 15), (20, 60))))

LABS = {
    1: Lab(1, "leader election",
           ("handle_request_vote", "handle_request_vote_reply", "start_election"),
           _ELECTION_STORIES, dict(_LAB_PROFILE, weights=dict(run=4, timeout=3, crash_leader=2,
                                                              restart=2, isolate_leader=1,
                                                              heal=2, submit=1))),
    2: Lab(2, "log replication", ("handle_append_entries", "handle_append_entries_reply"),
           _REPLICATION_STORIES, _LAB2_PROFILE),
    3: Lab(3, "commitment and safety", ("advance_commit_index", "candidate_log_is_up_to_date"),
           _SAFETY_STORIES, _LAB3_PROFILE),
    4: Lab(4, "persistence", ("_record_vote", "_set_term"), _PERSISTENCE_STORIES,
           _LAB4_PROFILE),
    5: Lab(5, "membership change", ("change_membership", "_after_commit_as_leader"),
           _MEMBERSHIP_STORIES,
           dict(_LAB_PROFILE, weights=dict(_LAB_PROFILE["weights"], members=2))),
}


def _lab(lab):
    """A Lab, given itself or its number; a clear error for a lab that does not exist."""
    if isinstance(lab, Lab):
        return lab
    if type(lab) is not int or lab not in LABS:
        raise ConfigurationError(f"there is no lab {lab!r}; the labs are "
                                 f"{', '.join(str(n) for n in sorted(LABS))}")
    return LABS[lab]


def _graded_cluster(node_class, **kwargs):
    """A cluster for a story: full trace, the grading checker attached by hand (so that
    ``cluster.replay`` rebuilds the run without raising again)."""
    kwargs.update(node_class=node_class, check_invariants=False, trace=True)
    cluster = Cluster(**kwargs)
    cluster.checker = GradeChecker(cluster)
    return cluster


def _story_cluster(text, node_class):
    base = scenario_mod.parse(text)
    kwargs = dict(base._init)
    for name in ("check_invariants", "trace", "node_class"):
        kwargs.pop(name, None)
    return _graded_cluster(node_class, **kwargs)


def _dedent(text):
    return "\n".join(line.strip() for line in text.strip().splitlines()) + "\n"


@dataclass
class Result:
    name: str
    passed: bool
    message: str = ""


@dataclass
class Report:
    lab: Lab
    node_class: type
    results: list
    counterexample: Counterexample | None = None

    @property
    def passed(self):
        return all(r.passed for r in self.results)

    def text(self):
        lab, who = self.lab, self.node_class.__name__
        ok = sum(r.passed for r in self.results)
        verdict = "PASSED" if self.passed else "FAILED"
        out = [f"Lab {lab.number} ({lab.title}) for {who}: {verdict} "
               f"({ok} of {len(self.results)} checks)"]
        for r in self.results:
            out.append(f"  {'ok  ' if r.passed else 'FAIL'} {r.name}")
            if r.message:
                out += ["         " + line for line in r.message.splitlines()]
        cx = self.counterexample
        if cx is not None and cx.finding.prop != "NotImplementedError":
            out.append("")
            out.append("Replay the shortened counterexample (then raft.viz.play(cluster) to "
                       "watch it, or raft.viz.explore(cluster) to poke at it):")
            text = cx.schedule.text().strip().replace("\n", "\\n")
            out.append(f"  cluster = raft.grade.replay({who}, \"{text}\")")
        return "\n".join(out)

    def __str__(self):
        return self.text()

    def _repr_pretty_(self, p, cycle):
        p.text(self.text())


def _not_written(e):
    """What a NotImplementedError says: its message, or the method that raised it (a stub
    left as ``raise NotImplementedError()`` has no message)."""
    if str(e):
        return str(e)
    frames = traceback.extract_tb(e.__traceback__)
    return f"{frames[-1].name} raises NotImplementedError" if frames else "NotImplementedError"


def _describe_exception(e):
    if isinstance(e, NotImplementedError):
        return f"not written yet: {_not_written(e)}"
    where = _node_frame(e)
    return f"{type(e).__name__}: {e}" + (f"\n({where})" if where else "")


@dataclass
class StoryRun:
    """The outcome of one story: ``passed``, a ``message`` saying what went wrong, and the
    cluster (``None`` if it could not even be built) with the step to replay up to."""

    passed: bool
    message: str
    cluster: object = None
    step: int = 0


def _run_story(node_class, story):
    """Run one story: scenario text (with ``expect`` lines), or a function ``story(make)``
    that builds its cluster with ``make(**cluster_options)``, acts on it and raises
    ExpectationFailed when something it expects does not hold."""
    made = []

    def make(**kwargs):
        made.append(_graded_cluster(node_class, **kwargs))
        return made[-1]

    failure = None
    crashed = False
    stuck = None
    try:
        if callable(story):
            story(make)
        else:
            text = _dedent(story)
            cluster = _story_cluster(text, node_class)
            made.append(cluster)
            scenario_mod.run(text, cluster=cluster)
    except InvariantViolation as e:
        failure = f"{e.prop} violated at step {e.step}: {e.details}"
    except RaftError as e:
        cause = e.__cause__
        stuck = e if isinstance(e, StuckTimer) else (
            cause if isinstance(cause, StuckTimer) else None)
        if stuck is not None:
            failure = f"time stands still: {stuck}"
            if getattr(e, "line", None):
                failure += f"\n(during line {e.line_number}: {e.line.strip()})"
        elif cause is not None and not isinstance(cause, RaftError):
            failure, crashed = _describe_exception(cause), True
        else:
            failure = str(e)
    except Exception as e:  # noqa: BLE001 - the node's own code raised
        failure, crashed = _describe_exception(e), True
    cluster = made[-1] if made else None
    if stuck is not None:
        # Stop the replay at the first of the repeated firings: what led there is the story.
        return StoryRun(False, failure, cluster, stuck.first_step)
    broken = cluster.checker.rule_break if cluster is not None else None
    if failure is None and broken is None:
        return StoryRun(True, "", cluster, cluster.steps if cluster else 0)
    if failure is None:
        return StoryRun(False, f"{broken.text()} (step {broken.step})", cluster, broken.step)
    if broken is not None:
        failure += f"\n(first sign, at step {broken.step}: {broken.text()})"
    step = cluster.steps - 1 if crashed and cluster is not None else (
        cluster.steps if cluster is not None else 0)
    return StoryRun(False, failure, cluster, max(step, 0))


def run_story(node_class, story):
    """Run one story (scenario text or a story function); returns (passed, message)."""
    run = _run_story(node_class, story)
    return run.passed, run.message


def _find_story(lab, story):
    lab = _lab(lab)
    matches = [(name, body) for name, body in lab.stories if story == name]
    matches = matches or [(name, body) for name, body in lab.stories if story in name]
    if len(matches) != 1:
        raise ValueError(f"no single story of lab {lab.number} matches {story!r}; its stories: "
                         + "; ".join(name for name, _ in lab.stories))
    return matches[0]


def replay_story(node_class, lab, story):
    """Rebuild a lab's story (by its name, or a unique part of it) with ``node_class``,
    stopped where it failed (or at its end if it passed), with a full trace and no checker:
    hand it to ``raft.viz.play`` or ``raft.viz.explore``."""
    _, body = _find_story(lab, story)
    run = _run_story(node_class, body)
    if run.cluster is None:
        raise ValueError(f"the story could not build its cluster: {run.message}")
    twin = run.cluster.replay(run.step)
    twin.checker = None
    return twin


def _starting_state(cluster):
    """The servers' persistent state when a story's cluster was built, one line each."""
    lines = []
    start = cluster.replay(0)
    for i, n in sorted(start.nodes.items()):
        log = " ".join(str(t) for t in n.log.terms()) or "empty"
        vote = "none" if n.voted_for is None else f"S{n.voted_for}"
        lines.append(f"S{i}: term {n.current_term}, voted for {vote}, log {log}")
    if all(line.endswith("term 0, voted for none, log empty") for line in lines):
        return [f"S1..S{len(lines)}: term 0, no vote, empty log (a fresh cluster)"]
    return lines


def _script_until(story, message):
    """A text story's lines up to the one named in ``message`` ("line 14: ..."), without
    comments, numbered; the failing line is marked. [] for a story function."""
    if callable(story):
        return []
    match = re.match(r"line (\d+):", message) or re.search(r"\(during line (\d+):", message)
    text = _dedent(story).splitlines()
    last = int(match.group(1)) if match else len(text)
    out = []
    for number, line in enumerate(text[:last], 1):
        code = scenario_mod._COMMENT.split(line, 1)[0].strip()
        if code:
            out.append(f"{'>' if number == last and match else ' '} {number:2d}  {code}")
    return out


def _story_message(node_class, lab, name, run, story=None):
    lines = [run.message]
    if run.cluster is None or "not written yet" in run.message:
        return "\n".join(lines)
    try:
        state = _starting_state(run.cluster)
    except Exception:  # noqa: BLE001 - a node that misbehaves on replay: skip it
        state = []
    if state:
        lines.append("starting state (what the story gives each server before it acts):")
        lines += ["  " + line for line in state]
    script = _script_until(story, run.message) if story is not None else []
    if script:
        lines.append("the story up to the line that failed:")
        lines += ["  " + line for line in script]
    elif callable(story) and story.__doc__:
        lines.append("the story: " + " ".join(story.__doc__.split()))
    try:
        events = key_events(run.cluster.replay(run.step), limit=12)
    except Exception:  # noqa: BLE001 - a node that misbehaves on replay: skip the trace
        events = []
    if events:
        lines.append(f"what happened (key events; the story's cluster has seed "
                     f"{run.cluster.seed}):")
        lines += ["  " + line for line in events]
    short = name if len(name) <= 60 else name[:57].rsplit(" ", 1)[0]
    lines.append("replay it (then raft.viz.play(cluster)):")
    lines.append(f"  cluster = raft.grade.replay_story({node_class.__name__}, lab={lab.number}, "
                 f"story={short!r})")
    return "\n".join(lines)


def check(node_class, lab, *, seeds=None, quiet=False, minimize=True):
    """Grade ``node_class`` on lab ``lab`` (1-5); prints the report and returns it.

    ``report.passed`` is True if every story and every random schedule passed."""
    lab = _lab(lab)
    missing = [m for m in lab.methods if not callable(getattr(node_class, m, None))]
    results = []
    if not (isinstance(node_class, type) and issubclass(node_class, Node)):
        results.append(Result("the node is a subclass of raft.node.Node", False,
                              f"got {node_class!r}"))
    elif missing:
        results.append(Result("the lab's methods exist", False, f"missing: {missing}"))
    cx = None
    if not results:
        for name, story in lab.stories:
            run = _run_story(node_class, story)
            message = "" if run.passed else _story_message(node_class, lab, name, run, story)
            results.append(Result(f"story: {name}", run.passed, message))
        seeds = range(lab.seeds) if seeds is None else seeds
        seeds = list(seeds)
        name = f"random fault schedules (seeds {seeds[0]}..{seeds[-1]}, safety after every " \
               f"step, progress after healing)"
        cx = find_counterexample(node_class, lab.profile, seeds, minimize=minimize,
                                 stall_ms=lab.stall_ms)
        if cx is None:
            results.append(Result(name, True))
        else:
            message = [cx.finding.headline()]
            if cx.finding.prop != "NotImplementedError":   # nothing to watch yet
                message.append(f"seed {cx.seed}; shrunk from {len(cx.original)} to "
                               f"{len(cx.schedule)} actions:")
                message += ["  " + line for line in cx.schedule.text().splitlines()]
                events = cx.sentences(limit=20)
                if events:
                    message.append("what happened (key events, simulated time):")
                    message += ["  " + line for line in events]
            results.append(Result(name, False, "\n".join(message)))
    report = Report(lab, node_class, results, cx)
    if not quiet:
        print(report.text())
    return report


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def _load_class(spec):
    path, _, name = spec.partition(":")
    inside = Path(path).resolve()
    if inside.suffix == ".py" and inside.is_relative_to(_PACKAGE_DIR):
        # A module of this package (raft/node.py:Node): import it as part of the package, so
        # that its relative imports work and its classes are the package's own.
        parts = inside.relative_to(Path(_PACKAGE_DIR).parent).with_suffix("").parts
        module = importlib.import_module(".".join(parts))
        module_name = module.__name__
    else:
        if not inside.is_file():
            raise SystemExit(f"{path}: no such file (give path/to/file.py[:ClassName])")
        module_name = "student_" + re.sub(r"\W", "_", Path(path).stem)
        spec_obj = importlib.util.spec_from_file_location(module_name, path)
        if spec_obj is None:
            raise SystemExit(f"cannot load {path}: is it a Python file?")
        module = importlib.util.module_from_spec(spec_obj)
        sys.modules[module_name] = module
        spec_obj.loader.exec_module(module)
    if name:
        if not isinstance(getattr(module, name, None), type):
            raise SystemExit(f"{path} has no class {name!r}")
        return getattr(module, name)
    found = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Node)
             and v.__module__ == module_name]
    if len(found) != 1:
        raise SystemExit(f"{path}: say which class to grade, e.g. {path}:MyNode "
                         f"(found {[c.__name__ for c in found]})")
    return found[0]


USAGE = """\
usage: python -m raft.grade labN path/to/file.py[:ClassName]   grade your node on lab N (1-5)
       python -m raft.grade bug NAME                           hunt a bug of the zoo and shrink
                                                               its counterexample ('all': each)
       python -m raft.grade list                               the labs and the zoo's bugs
       python -m raft.grade --help                             this text

Exit status: 0 when the node passes (or the command succeeded), 1 when it fails, 2 when the
command line is wrong."""


def _listing():
    from . import bugs
    lines = ["Labs (python -m raft.grade labN file.py:Class):"]
    for n, lab in sorted(LABS.items()):
        lines.append(f"  lab{n}  {lab.title}: {', '.join(lab.methods)}")
    lines.append("Bugs of the zoo (python -m raft.grade bug NAME):")
    width = max(len(name) for name in bugs.BUGS)
    for name, cls in bugs.BUGS.items():
        lines.append(f"  {name:{width}}  {cls.title} ({cls.section})")
    return "\n".join(lines)


def _usage_error(message):
    print(f"{message}\n\n{USAGE}", file=sys.stderr)
    return 2


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "list":
        print(_listing())
        return 0
    if command == "bug":
        from . import bugs
        if len(rest) != 1:
            return _usage_error("say which bug: python -m raft.grade bug NAME (or 'all'); "
                                "'python -m raft.grade list' lists them")
        if rest[0] != "all" and rest[0] not in bugs.BUGS:
            return _usage_error(f"no bug named {rest[0]!r} in the zoo; its bugs: "
                                f"{', '.join(bugs.BUGS)}")
        names = list(bugs.BUGS) if rest[0] == "all" else rest
        for name in names:
            cx = bugs.hunt(name)
            print(cx.report(name) if cx else f"{name}: not found within its bound")
            print()
        return 0
    match = re.fullmatch(r"lab(\d+)", command)
    if match:
        n = int(match.group(1))
        if n not in LABS:
            return _usage_error(f"there is no lab {n}; the labs are "
                                f"{', '.join(f'lab{k}' for k in sorted(LABS))}")
        if len(rest) != 1:
            return _usage_error(f"say which node to grade: python -m raft.grade lab{n} "
                                "path/to/file.py[:ClassName]")
        report = check(_load_class(rest[0]), n)
        return 0 if report.passed else 1
    return _usage_error(f"unknown command {command!r}: use labN (lab1 to lab{max(LABS)}), "
                        "bug or list")


if __name__ == "__main__":
    sys.exit(main())
