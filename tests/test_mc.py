"""raft.mc, the explicit-state model checker (issue 18): it finds known-wrong nodes with their
shortest runs, the runs replay in the simulator and the scenario language, states are hashed
canonically, the search is deterministic, the reference node passes, and bad arguments get a
one-line error. Runs here are bounded by depth (not time), so they do not depend on the
machine's load. The larger runs (deeper mistakes, the reference within wider bounds) are behind
RAFT_MC_FULL=1.
"""

from __future__ import annotations

import os
import random
from collections import Counter
import re
import subprocess
import sys

import pytest

from raft import scenario
from raft.bugs import BUGS, CLIENT_BUGS
from raft.errors import ConfigurationError, InvariantViolation, RaftError, ScenarioError
from raft.check.properties import PROPERTIES
from raft.labs.skeleton import Lab1Node
from raft.mc import (APPLY_RULE, CONFIG_RULE, EXACTLY_ONCE, EXCEPTION, LEADER_COMMIT_RULE,
                     MATCH_RULE, ONE_VOTE_RULE, OWN_TERM_CHANGE_RULE, PERSIST_RULE, PREV_RULE,
                     STALE_REPLY_RULE, STALE_REQUEST_RULE, TIMER_RULE, TRUNCATE_RULE,
                     VOTE_LOG_RULE, Checker,
                     action_text, check, make_bounds, replay)
from raft.mc.__main__ import main
from raft.mc.state import LONG_AGO, NOW
from raft.node import Configuration, Entry, Node

from raft.classroom.grade_mistakes import (MISTAKES, CommitToLogEnd, CountsEarlierTerms,
                                           CountsStaleVotes, DirectSwitch, EagerNewConfig,
                                           ForgetsTimerRestart, GrantsStaleCandidate,
                                           HalfIsEnough, HeartbeatKeepsTimer,
                                           JointAndNewTogether, LongerLogWins, MatchMovesBack,
                                           NoTermCheckReply, StaleRepliesAndMatchBack,
                                           TermNotMarked, VoteNotMarked)

FULL = os.environ.get("RAFT_MC_FULL") == "1"

SUMMARY = re.compile(r"explored \d+ distinct states \(\d+ transitions\), depth \d+, in \d+\.\d s: "
                     r"(no violation( so far \((depth bound|time budget|state budget) reached; "
                     r"not every state explored\))?"
                     r"|violation of .+ in \d+ actions?|exception \(\w+\) in \d+ actions?)")

# (node class, bounds, what breaks, the length of the shortest run within those bounds). With the
# rules (the default), the zoo's bugs and the lab mistakes that random schedules miss, each found
# by the rule of Figure 2 it breaks first; from an empty cluster unless a starting state is given.
STORY_8 = dict(logs={1: [1, 2], 2: [1], 3: [1, 3]}, terms={1: 3, 2: 3, 3: 3}, votes={2: 3, 3: 3})
STORY_2015 = dict(logs={1: [Entry(1, Configuration(frozenset({1, 2, 3})))]},
                  terms=dict.fromkeys(range(1, 5), 1), votes=dict.fromkeys(range(1, 5), 1))
STORY_RULE_5 = dict(logs={1: [1, 2, 3, 3], 2: [1, 2, 3, 3], 3: [1, 2, 2]}, fast_backoff=True,
                    max_entries=1)
CASES = [
    (BUGS["naive-commit"], dict(max_term=2, commands=1, crashes=0), LEADER_COMMIT_RULE, 17),
    (BUGS["vote-without-log-check"], dict(max_term=2, commands=1, crashes=0), VOTE_LOG_RULE, 11),
    (BUGS["forget-vote-same-term"], dict(max_term=1, commands=0, crashes=0), ONE_VOTE_RULE, 3),
    (BUGS["stale-vote-replies"], dict(max_term=2, commands=0, crashes=0), STALE_REPLY_RULE, 5),
    (BUGS["vote-not-persisted"], dict(max_term=1, commands=0, crashes=0), PERSIST_RULE, 1),
    (BUGS["truncate-always"], dict(max_term=1, commands=2, crashes=0, per_link=2,
                                   duplicates=1), TRUNCATE_RULE, 7),
    (BUGS["apply-uncommitted"], dict(max_term=2, commands=1, crashes=0), APPLY_RULE, 9),
    (BUGS["leader-keeps-leading"], dict(max_term=2, commands=0, crashes=0), "Election Safety", 9),
    (BUGS["prev-log-off-by-one"], dict(max_term=1, commands=1, crashes=0), PREV_RULE, 7),
    (CountsStaleVotes, dict(max_term=2, commands=0, crashes=0), STALE_REPLY_RULE, 5),
    (GrantsStaleCandidate, dict(max_term=2, commands=0, crashes=0, per_link=2),
     STALE_REQUEST_RULE, 4),
    (CommitToLogEnd, dict(max_term=4, commands=0, crashes=0, **STORY_RULE_5),
     "State Machine Safety", 12),
    (NoTermCheckReply, dict(max_term=3, commands=1, crashes=1), STALE_REPLY_RULE, 18),
    (MatchMovesBack, dict(max_term=1, commands=2, crashes=0, per_link=2, duplicates=1),
     MATCH_RULE, 8),
    (StaleRepliesAndMatchBack, dict(max_term=3, commands=1, crashes=1), STALE_REPLY_RULE, 18),
    (CountsEarlierTerms, dict(max_term=2, commands=1, crashes=0, max_entries=1),
     LEADER_COMMIT_RULE, 14),
    (HalfIsEnough, dict(servers=4, max_term=1, commands=0, crashes=0), LEADER_COMMIT_RULE, 8),
    (LongerLogWins, dict(max_term=3, commands=0, crashes=0, drops=1), VOTE_LOG_RULE, 13),
    (VoteNotMarked, dict(max_term=2, commands=0, crashes=1), PERSIST_RULE, 9),
    (TermNotMarked, dict(max_term=1, commands=1, crashes=1), PERSIST_RULE, 6),
    # (a change of two servers at once: one server is a single-server change, which is allowed)
    (DirectSwitch, dict(max_term=1, commands=0, crashes=0, changes=1, targets=[(1,)]),
     CONFIG_RULE, 5),
    (EagerNewConfig, dict(max_term=1, commands=1, crashes=0, changes=1, per_link=2),
     CONFIG_RULE, 8),
    (JointAndNewTogether, dict(max_term=1, commands=0, crashes=0, changes=1), CONFIG_RULE, 5),
    # The election timer kept (Figure 2, Followers and Candidates): the model keeps no deadline,
    # but the rule sees, within the action, that it was not restarted.
    (ForgetsTimerRestart, dict(max_term=2, commands=0, crashes=0), TIMER_RULE, 1),
    (HeartbeatKeepsTimer, dict(max_term=2, commands=0, crashes=0), TIMER_RULE, 5),
    (BUGS["vote-keeps-timer"], dict(max_term=2, commands=0, crashes=0), TIMER_RULE, 2),
    # A client's command sent again (its answer lost) is applied twice: the entry forgot the
    # client id and serial number the state machine's session needs (dissertation §6.3).
    (CLIENT_BUGS["no-dedup"], dict(max_term=1, commands=1, crashes=0, retries=1),
     EXACTLY_ONCE, 16),
    # The 2015 bug: a single-server change before the leader committed an entry of its term.
    (BUGS["change-before-own-commit"], dict(servers=4, max_term=1, commands=0, crashes=0,
                                            changes=1, membership="single"),
     OWN_TERM_CHANGE_RULE, 7),
]

# The same search with the five properties of Figure 3 alone: the harm the mistakes do.
HARM = [
    (BUGS["naive-commit"], dict(max_term=5, commands=0, crashes=0, **STORY_8),
     "Leader Completeness", 12),
    (BUGS["leader-keeps-leading"], dict(max_term=2, commands=0, crashes=0), "Election Safety", 9),
    (BUGS["vote-without-log-check"], dict(max_term=2, commands=1, crashes=0),
     "Leader Completeness", 15),
    (BUGS["vote-not-persisted"], dict(max_term=1, commands=0, crashes=2), "Election Safety", 10),
    (BUGS["apply-uncommitted"], dict(max_term=2, commands=1, crashes=0),
     "State Machine Safety", 16),
    (BUGS["stale-vote-replies"], dict(max_term=3, commands=0, crashes=1), "Election Safety", 10),
    (LongerLogWins, dict(max_term=3, commands=0, crashes=0, drops=1), "Leader Completeness",
     17),
    # The 2015 bug's harm, from the state it needs: S1, leader of term 1 (all voted for it), has
    # appended the removal of S4, which never left it. Its successor removes S1, and S1 comes
    # back as leader of its own configuration without the committed change.
    (BUGS["change-before-own-commit"], dict(servers=4, max_term=3, commands=0, crashes=0,
                                            changes=1, membership="single", heartbeats=0,
                                            waits=0, **STORY_2015), "Leader Completeness", 15),
]


def _name(cls):
    return getattr(cls, "name", "") or cls.__name__


# Mistakes about when the election timer restarts: liveness bugs. No property of Figure 3 breaks
# (the model lets a timer fire whenever its server's rules allow), only the timer rule.
TIMER_BUGS = {BUGS["vote-keeps-timer"], ForgetsTimerRestart, HeartbeatKeepsTimer}


def test_every_case_is_covered():
    """Every known-wrong lab node of the grader-gaps test and every bug of the zoo."""
    labs = {c[0] for c in MISTAKES}
    covered = {c[0] for c in CASES}
    assert len(labs) == 16 and labs <= covered
    assert set(BUGS.values()) <= covered
    assert {c[0] for c in HARM} >= {BUGS["naive-commit"], BUGS["change-before-own-commit"]}


@pytest.mark.parametrize("cls", sorted(TIMER_BUGS, key=lambda c: c.__name__))
def test_timer_mistakes_break_the_timer_rule_and_no_property(cls):
    """With Figure 3's properties alone the same bounds are exhausted: only the rule sees a
    timer that was not restarted."""
    result = check(cls, max_term=2, commands=0, crashes=0, time_budget=None, rules=False)
    assert result.ok and result.complete, result.summary
    found = check(cls, max_term=2, commands=0, crashes=0, time_budget=None)
    assert found.violation.prop == TIMER_RULE and "without restarting its election timer" in \
        found.violation.details


def test_the_timer_rule_holds_for_the_reference_node_with_crashes_and_changes():
    """Restarts (the timer of a new node), a server outside its configuration (which restarts
    its timer instead of campaigning) and elections in a row never trip the rule."""
    for bounds in (dict(max_term=3, commands=0, crashes=1, max_depth=14),
                   dict(max_term=1, commands=0, crashes=0, changes=1, max_depth=12)):
        result = check(Node, time_budget=None, **bounds)
        assert result.violation is None, result.summary


@pytest.mark.parametrize("cls, bounds, prop, length", CASES + [c[:2] + c[2:] for c in HARM],
                         ids=[_name(c[0]) for c in CASES] + [f"{_name(c[0])}-harm" for c in HARM])
def test_finds_the_mistake_with_its_shortest_run(cls, bounds, prop, length):
    """Breadth first, so the run is the shortest within the bounds: one action fewer finds
    nothing. The run replays on a ManualCluster step for step (every step is compared with the
    search's state), and its scenario text replays in the scenario language with the same
    verdict from the simulator's own checker."""
    rules = prop not in PROPERTIES or (cls, bounds, prop, length) not in HARM
    bounds = dict(bounds, rules=rules)
    result = check(cls, time_budget=None, **bounds)
    v = result.violation
    assert v is not None, result.summary
    assert (v.prop, v.length) == (prop, length), (result.summary, v.details)
    assert SUMMARY.fullmatch(result.summary) and result.summary.endswith(
        f"violation of {prop} in {length} action{'s' if length != 1 else ''}")
    shorter = check(cls, time_budget=None, max_depth=length - 1, **bounds)
    assert shorter.violation is None and shorter.stopped == "depth bound"

    cluster = v.cluster(check=True)   # raises ReplayDiverged if the simulator disagrees
    assert cluster.trace
    text = v.scenario()
    assert "manual=yes" in [line for line in text.splitlines() if line[:1] != "#"][0]
    if prop in PROPERTIES:   # (a starting log's commands and configurations are in the header)
        with pytest.raises(InvariantViolation) as caught:
            scenario.run(text, node_class=cls)
        assert caught.value.prop == prop
    else:   # the grader's rules are not in the simulator's checker: the run replays cleanly
        again = scenario.run(text, node_class=cls, check_invariants=False)
        assert again.scenario_text() == text


def _run_keeping(checker):
    """Run ``checker`` and keep what its search saw: (result, {state key: state number},
    [the depth of each state number])."""
    kept = {}
    keep = checker._result

    def grab(start, seen, *args):
        kept["seen"], kept["parents"] = seen, args[-3]
        return keep(start, seen, *args)
    checker._result = grab
    result = checker.run()
    parents = kept["parents"]
    depth = [0] * len(parents)
    for k in range(1, len(parents)):
        depth[k] = depth[parents[k]] + 1
    return result, kept["seen"], depth


def _projections(cls, guard_only, **bounds):
    """Every state the search keeps, with the servers' clock readings left out, and the
    smallest depth it is reached at: (result, {projection: depth})."""
    checker = Checker(cls, make_bounds(3, time_budget=None, **bounds), symmetry=False)
    for codec in checker.codecs.values():
        codec.guard_only = guard_only
    result, seen, depth = _run_keeping(checker)
    U = checker.U
    out = {}
    for key, k in seen.items():
        servers = tuple((s.kind, s.term, s.vote, s.role, s.log, s.commit_index, s.disk,
                         s.match and tuple(sorted(s.match.items())))
                        for s in (checker.servers[x] for x in key[:U]))
        p = (servers, key[U], checker.counters[key[U + 1]],
             tuple(sorted(repr(checker.msgs[m]) for m in key[U + 2:])))
        out[p] = min(out.get(p, depth[k]), depth[k])
    return result, out


def test_forgetting_the_guards_readings_keeps_every_state_at_its_depth():
    """The §6 guard's readings of this instant are forgotten where no RequestVote of a higher
    term is in flight to the server (Checker.quiet), and long ago is kept as never: the states
    the search reaches, their clock readings aside, and the depth of each are the same as when
    every reading is kept, with far fewer states (docs/model-checking.md)."""
    bounds = dict(max_term=1, commands=1, crashes=1)
    fewer, quiet = _projections(Node, True, **bounds)
    more, kept = _projections(Node, False, **bounds)
    assert fewer.ok and more.ok and fewer.complete and more.complete
    assert quiet == kept
    assert fewer.states * 2 < more.states


def _kept(checker):
    """Run ``checker``: (result, {(servers, history, counters but drops): [(drops, messages in
    flight but dead replies, smallest depth)]})."""
    result, seen, depth = _run_keeping(checker)
    U = checker.U
    out = {}
    for key, k in seen.items():
        counters = checker.counters[key[U + 1]]
        live = Counter(repr(checker.msgs[m]) for m in key[U + 2:]
                       if not checker.dead(m, key[checker.msg_dst[m]]))
        p = (tuple(checker.servers[x].key for x in key[:U]), checker.hists[key[U]],
             counters[:3] + counters[4:])
        out.setdefault(p, []).append((counters[3], live, depth[k]))
    return result, out


def test_forgetting_dead_replies_covers_every_state_at_its_depth_or_earlier():
    """forget_dead (docs/model-checking.md, "Dead replies"): for every state of the search that
    keeps dead replies, the forgetting search reaches, as early or earlier, a state with the
    same servers, history and counters whose messages in flight are the live ones and perhaps
    more, with at least as many losses left as the extra ones need: the properties see the same
    states, with fewer states to search."""
    bounds = dict(max_term=1, commands=1, crashes=1, drops=1, max_depth=14)
    plain, kept = _kept(Checker(Node, make_bounds(3, time_budget=None, **bounds),
                                symmetry=False))
    forget = Checker(Node, make_bounds(3, time_budget=None, forget_dead=True, **bounds),
                     symmetry=False)
    fewer, forgotten = _kept(forget)
    assert plain.ok and fewer.ok
    assert forget.forget and not forget.dead_unsound
    assert fewer.states < plain.states, (fewer.states, plain.states)
    exact = {(p, used, tuple(sorted(net.elements()))): d
             for p, variants in forgotten.items() for used, net, d in variants}
    for p, variants in kept.items():
        for drops, live, depth in variants:
            best = exact.get((p, drops, tuple(sorted(live.elements()))))
            if best is None or best > depth:   # more messages, each lost later
                best = min((d for used, net, d in forgotten.get(p, ())
                            if not live - net and used + sum((net - live).values()) <= drops),
                           default=None)
            assert best is not None and best <= depth, (p, drops, live, depth, best)


class SameTermCandidate(Node):
    """Campaigns again in its own term (no new term): what dead() relies on no longer holds."""

    def tick(self, now):
        if self.role == "follower" and self.current_term >= 1:
            self.become("candidate", now, "follower-timeout")
            self.votes = {self.id}
            return
        super().tick(now)


class OwnReplies(Node):
    def handle_append_entries_reply(self, msg, now):
        super().handle_append_entries_reply(msg, now)


def test_forgetting_is_off_for_a_node_that_breaks_what_it_relies_on():
    """A node that handles replies in code of its own is searched keeping dead replies; one
    that becomes a candidate within its term is searched again keeping them, with the same
    result as without forgetting."""
    bounds = dict(max_term=2, commands=0, crashes=0, max_depth=9)
    own = Checker(OwnReplies, make_bounds(3, time_budget=None, forget_dead=True, **bounds))
    own.run()
    assert not own.forget
    same = Checker(SameTermCandidate, make_bounds(3, time_budget=None, forget_dead=True,
                                                  **bounds))
    result = same.run()
    assert same.dead_unsound and not same.forget
    plain = check(SameTermCandidate, time_budget=None, **bounds)
    assert (result.states, result.summary.split(" in ")[0]) == \
        (plain.states, plain.summary.split(" in ")[0])


class CampaignsOnReply(Node):
    """Starts an election when an AppendEntries reply of a newer term arrives (instead of when
    its timer fires): a RequestVote sent without a pause, so the quieting is unsound."""

    def handle_append_entries_reply(self, msg, now):
        super().handle_append_entries_reply(msg, now)
        if self.role == "follower" and self.may_campaign():
            self.start_election(now, "follower-timeout")


def test_a_node_that_campaigns_without_a_timer_is_searched_without_forgetting_readings():
    bounds = dict(max_term=2, commands=0, crashes=0, max_depth=10)
    checker = Checker(CampaignsOnReply, make_bounds(3, time_budget=None, **bounds))
    result = checker.run()
    assert checker.rv_without_pause
    plain = Checker(CampaignsOnReply, make_bounds(3, time_budget=None, **bounds))
    for codec in plain.codecs.values():
        codec.guard_only = False
    assert plain.run().states == result.states


def test_a_retried_command_is_applied_once_by_the_reference_node():
    """The reference node keeps each command's client id and serial number in its entry, so
    the state machine's session recognises a retry, wherever and whenever it is sent again."""
    result = check(Node, max_term=2, commands=1, crashes=0, retries=2, time_budget=None,
                   max_depth=16)
    assert result.violation is None, result.summary
    assert "retries=2" in result.bounds.text()


def test_the_reference_node_passes_within_the_bounds():
    result = check(Node, max_term=2, commands=1, crashes=0, time_budget=None)
    assert result.ok and result.complete, result.summary
    assert result.summary.endswith(": no violation")
    assert sum(result.levels) == result.states and len(result.levels) == result.depth + 1
    # with a crash and a lost message, to a fixed depth
    deeper = check(Node, max_term=2, commands=1, crashes=1, drops=1, max_depth=12,
                   time_budget=None)
    assert deeper.ok and deeper.stopped == "depth bound", deeper.summary


def test_a_node_that_raises_is_reported_at_once():
    result = check(Lab1Node, time_budget=None)
    assert result.violation.prop == EXCEPTION and result.violation.length == 1
    assert result.summary.endswith("exception (NotImplementedError) in 1 action")
    assert "Lab 1: write start_election" in result.violation.details


# -- states: canonical, and the same as the simulator's ------------------------------------------

def test_two_orders_of_the_same_messages_are_one_state():
    """S1 campaigns; its two RequestVotes are answered in either order: the replies are in
    flight in different orders of sending, and the states are the same tuple."""
    c = Checker(Node, make_bounds(max_term=1, commands=0, crashes=0), symmetry=False)
    start = c.initial_state()
    (fired,) = [s for a, s, *_ in c.successors(start) if a == ("fire", 1)]

    def deliver_to(state, dst):
        (succ,) = [s for a, s, *_ in c.successors(state)
                   if a[0] == "deliver" and c.msgs[a[1]].dst == dst]
        return succ

    a = deliver_to(deliver_to(fired, 2), 3)
    b = deliver_to(deliver_to(fired, 3), 2)
    assert a == b and hash(a) == hash(b)
    net = a[c.U + 2:]
    assert list(net) == sorted(net) and len(net) == 2


def test_a_node_value_does_not_depend_on_insertion_order():
    c = Checker(Node, make_bounds(), symmetry=False)
    codec = c.codecs[1]
    node = c._boot(1, 0, None, ())
    node.next_index, node.match_index = {2: 1, 3: 1}, {3: 0, 2: 0}
    one = codec.freeze(node, 0.0)
    node.next_index, node.match_index = {3: 1, 2: 1}, {2: 0, 3: 0}
    assert codec.freeze(node, 0.0) == one
    again = codec.thaw(one, 0.0)
    assert codec.freeze(again, 0.0) == one and type(again) is Node


class ReadsLastHeard(Node):
    """Reads last_heard outside the §6 guard (a subclass of its own), so it is kept as it is."""

    def tick(self, now):
        if self.last_heard is None:
            pass
        super().tick(now)


def test_clock_readings_are_now_or_long_ago():
    """A reading taken at this instant is NOW; after a pause it is LONG_AGO; a thawed node
    gets times back that behave the same (the §6 guard: heard from a leader recently)."""
    c = Checker(Node, make_bounds(), symmetry=False)
    codec = c.codecs[2]
    node = c._boot(2, 1, None, ())
    node.last_heard = 0.0
    names, values = codec.freeze(node, 0.0)
    assert values[names.index("last_heard")] is NOW
    names, values = codec.freeze(node, c.pause)
    # Node reads last_heard only in the §6 guard, where long ago is as good as never.
    assert values[names.index("last_heard")] is None and codec.guard_only
    own = Checker(ReadsLastHeard, make_bounds(), symmetry=False).codecs[2]
    assert not own.guard_only
    names, values = own.freeze(node, c.pause)
    assert values[names.index("last_heard")] is LONG_AGO
    back = codec.thaw(codec.freeze(node, 0.0), 0.0)
    from raft.node import RequestVote
    rv = RequestVote(src=3, dst=2, term=2, candidate_id=3, last_log_index=0, last_log_term=0)
    assert back._ignores_request_vote(rv, 0.0)
    later = codec.thaw(codec.freeze(node, c.pause), c.pause)
    assert not later._ignores_request_vote(rv, c.pause)


class CountsAnswers(Node):
    """Reads ``heard_from`` itself, so the checker keeps it whole (every reading)."""

    def answered(self):
        return len(self.heard_from)


def test_a_leaders_heard_from_ages_with_a_pause():
    """A leader's ``heard_from`` (who answered it, when) is kept as NOW / LONG_AGO per peer: at
    this instant it reaches its quorum (the §6 guard protects it), after a pause it does not."""
    c = Checker(CountsAnswers, make_bounds(), symmetry=False)
    codec = c.codecs[1]
    assert not codec.heard_from_now_only
    node = c._boot(1, 1, 1, ())
    node.heard_from = {2: 0.0, 3: -c.pause}
    names, values = codec.freeze(node, 0.0)
    assert values[names.index("heard_from")][1] == ((2, NOW), (3, LONG_AGO))
    back = codec.thaw((names, values), 0.0)
    assert back.heard_from == {2: 0.0, 3: -c.pause} and back.reaches_quorum(0.0)
    later = codec.thaw(codec.freeze(node, c.pause), c.pause)
    assert not later.reaches_quorum(c.pause)


def test_node_s_heard_from_keeps_only_what_reaches_quorum_reads():
    """For Node itself: a follower's heard_from is dead (become_leader overwrites it); a
    leader's readings of long ago count as none; with a fixed configuration, every set of
    answers that reaches a quorum is one value."""
    from raft.node import LEADER
    checker = Checker(Node, make_bounds(), symmetry=False)
    fixed = checker.codecs[1]
    changing = Checker(Node, make_bounds(changes=1, spares=1), symmetry=False).codecs[1]
    assert fixed.fixed_config and not changing.fixed_config

    def heard(codec, role, readings):
        node = checker._boot(1, 1, 1, ())
        node.role, node.heard_from = role, readings
        names, values = codec.freeze(node, 0.0)
        return values[names.index("heard_from")][1]

    assert heard(fixed, "follower", {2: 0.0}) == ()
    assert heard(fixed, LEADER, {2: -1.0, 3: -1.0}) == ()
    assert heard(fixed, LEADER, {2: 0.0}) == heard(fixed, LEADER, {3: 0.0}) == \
        heard(fixed, LEADER, {2: 0.0, 3: 0.0}) == ((2, NOW), (3, NOW))
    assert heard(changing, LEADER, {2: 0.0}) == ((2, NOW),)
    assert heard(changing, LEADER, {3: 0.0, 2: -5.0}) == ((3, NOW),)


@pytest.mark.parametrize("switch", ["pre_vote", "check_quorum"])
def test_switches_the_model_cannot_follow_are_refused_by_name(switch):
    with pytest.raises(ConfigurationError, match=f"^{switch}=True: the model checker does not "
                       f"explore {switch}") as caught:
        check(Node, **{switch: True})
    assert "\n" not in str(caught.value)
    on = type("SwitchedOn", (Node,), {switch: True})
    with pytest.raises(ConfigurationError, match=f"SwitchedOn.{switch} is True"):
        check(on)


def test_a_node_that_reads_without_the_log_is_refused_by_name():
    reads = type("ReadsByIndex", (Node,), {"reads": "read_index"})
    with pytest.raises(ConfigurationError, match="^ReadsByIndex.reads is 'read_index': the "
                       "model checker does not explore reads"):
        check(reads)


def test_every_message_type_is_renamed_field_by_field():
    """Symmetry renames the server ids in every message of ``raft.node.MESSAGE_TYPES``: each
    field is known to name servers or not (a new message type or field fails here first), and
    renaming by a permutation then by its inverse gives the message back."""
    from raft.mc.symmetry import MESSAGE_ID_FIELDS, PLAIN_MESSAGE_FIELDS, rename_message
    from raft.node import MESSAGE_TYPES, ConfigurationWithNonVoters
    for t in MESSAGE_TYPES:
        unknown = set(t._fields) - set(MESSAGE_ID_FIELDS) - PLAIN_MESSAGE_FIELDS
        assert not unknown, (t.__name__, unknown)
    config = ConfigurationWithNonVoters(frozenset({1, 2}), None, frozenset({3}))
    values = {"src": 1, "dst": 2, "leader_id": 1, "candidate_id": 1, "config": config,
              "entries": (Entry(1, None), Entry(1, Configuration(frozenset({2, 3}))))}
    p, inverse = (0, 2, 3, 1), (0, 3, 1, 2)
    for t in MESSAGE_TYPES:
        m = t(**{f: values.get(f, 0) for f in t._fields})
        renamed = rename_message(m, p)
        assert (renamed.src, renamed.dst) == (2, 3) and type(renamed) is t
        assert rename_message(renamed, inverse) == m
        if "config" in t._fields:
            assert renamed.config == ConfigurationWithNonVoters(frozenset({2, 3}), None,
                                                                frozenset({1}))


def test_the_search_is_deterministic_whatever_the_hash_seed():
    one = check(BUGS["leader-keeps-leading"], max_term=2, commands=0, crashes=0, time_budget=None)
    two = check(BUGS["leader-keeps-leading"], max_term=2, commands=0, crashes=0, time_budget=None)
    assert (one.states, one.transitions, one.levels) == (two.states, two.transitions, two.levels)
    assert one.violation.actions == two.violation.actions
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-m", "raft.mc", "--node",
                              "raft.bugs:LeaderIgnoresHigherTerm",
                              "--max-term", "2", "--commands", "0", "--crashes", "0",
                              "--time-budget", "none", "--quiet"],
                             capture_output=True, text=True, env=env, check=False)
        assert out.returncode == 1, out.stderr
        outputs.append(re.sub(r"in \d+\.\d s", "in _ s", out.stdout))
    assert outputs[0] == outputs[1]
    assert SUMMARY.fullmatch(outputs[0].splitlines()[-1].replace("in _ s", "in 0.0 s"))


def test_symmetry_merges_renamed_states_and_keeps_the_verdict():
    bounds = dict(max_term=2, commands=1, crashes=0, time_budget=None)
    plain = check(BUGS["vote-without-log-check"], symmetry=False, **bounds)
    merged = check(BUGS["vote-without-log-check"], **bounds)
    assert merged.symmetry.startswith("on") and plain.symmetry == "off"
    assert merged.states * 3 < plain.states
    assert (merged.violation.prop, merged.violation.length) == \
        (plain.violation.prop, plain.violation.length)
    merged.violation.cluster(check=True)   # renamed back correctly, step by step


def _walk(seed, steps=45, membership="joint", prefer=(), changes=None, forget_dead=False):
    """A seeded random walk through the model with every kind of action enabled: (checker,
    the actions taken). ``prefer``: tiers of action kinds; the walk takes one of the first tier
    that has an enabled action, if any."""
    rng = random.Random(seed)
    c = Checker(Node, make_bounds(max_term=3, commands=2, crashes=1, per_link=2, duplicates=1,
                                  drops=2, spares=1,
                                  changes=changes if changes is not None else
                                  1 if membership == "joint" else 3,
                                  forget_dead=forget_dead),
                symmetry=False, membership=membership)
    c.forget = forget_dead   # as run() would set it for Node
    state = c.initial_state()
    run = []
    for _ in range(steps):
        options = [(a, succ) for a, succ, _, _, inside, _ in c.successors(state) if inside]
        if not options:
            break
        for kinds in prefer:   # tiers of preferred kinds, the first that is enabled
            if any(a[0] in kinds for a, _ in options):
                options = [o for o in options if o[0][0] in kinds]
                break
        action, state = rng.choice(options)
        run.append(c.readable(action))
    return c, run


@pytest.mark.parametrize("seed", range(8))
def test_random_walks_replay_on_the_simulator_step_for_step(seed):
    """Random walks through the model (losses, copies, waits, crashes, restarts, client
    commands, a membership change that adds a server) replay on a ManualCluster whose servers,
    disks and network equal the model's state after every action (replay(check=True) raises
    otherwise)."""
    checker, run = _walk(seed)
    assert len(run) >= 20
    cluster = replay(checker, run, check=True)
    assert cluster.steps >= len(run)


@pytest.mark.parametrize("seed", range(6))
def test_random_walks_forgetting_dead_replies_replay_step_for_step(seed):
    """With forget_dead the search keeps no reply its receiver will ignore whatever happens;
    the simulator keeps them in flight, never delivered, and equals the model's state after
    every action but for them (replay(check=True))."""
    checker, run = _walk(seed, forget_dead=True)
    assert len(run) >= 20
    replay(checker, run, check=True)
    assert checker._dead_memo and any(checker._dead_memo.values()) and not checker.dead_unsound


# (a change needs the leader's own-term entry committed; promote, a caught-up non-voter)
@pytest.mark.parametrize("seed", range(4))
def test_random_walks_with_a_fixed_configuration_replay_step_for_step(seed):
    """Without membership changes the codec merges a leader's sets of answers at this instant
    that already reach a quorum (state.Codec._heard_from): the simulator's servers, frozen the
    same way, still equal the model's state after every action."""
    checker, run = _walk(seed, changes=0)
    assert checker.codecs[1].fixed_config and checker.codecs[1].heard_from_now_only
    replay(checker, run, check=True)


def test_heard_from_is_kept_whole_for_a_class_that_reads_it():
    from raft.mc.state import heard_from_is_nodes

    class Reads(Node):
        def tick(self, now):
            self.heard_from.clear()
            super().tick(now)

    class Quorum(Node):
        def reaches_quorum(self, now):
            return True

    assert heard_from_is_nodes(Node) and heard_from_is_nodes(BUGS["naive-commit"])
    assert not heard_from_is_nodes(Reads) and not heard_from_is_nodes(Quorum)


SINGLE_CHANGES = (("promote",), ("deliver",), ("add", "remove"))


@pytest.mark.parametrize("seed", range(6))
def test_random_walks_with_single_server_changes_replay_step_for_step(seed):
    """The same with single-server changes (add a voter or a non-voter, promote, remove)."""
    checker, run = _walk(seed, steps=60, membership="single", prefer=SINGLE_CHANGES)
    replay(checker, run, check=True)


def test_the_single_server_walks_take_every_kind_of_change():
    kinds = {a[0] for seed in range(6) for a in _walk(seed, 60, "single", SINGLE_CHANGES)[1]}
    assert kinds >= {"add", "promote", "remove", "fire", "deliver"}, kinds


def test_the_random_walks_take_every_kind_of_action():
    kinds = set()
    for seed in range(8):
        for a in _walk(seed)[1]:
            kinds.add(a[0])
            if a[0] == "lose":
                kinds.add(a[2][0])
            if a[-1:] == ("keep",):
                kinds.add("keep")
    assert kinds >= {"deliver", "keep", "lose", "fire", "wait", "crash", "restart", "submit",
                     "members"}, kinds


# -- the scenario language's manual cluster -------------------------------------------------------

def test_a_manual_cluster_does_only_what_it_is_told():
    c = scenario.run("cluster size=3 manual=yes\nrun 5000ms\n")
    assert c.leader() is None and not c.in_flight()
    c = scenario.run("cluster size=3 manual=yes\nfire 1\n")
    assert c.now == c.pause and c.nodes[1].role == "candidate" and len(c.in_flight()) == 2
    text = ("cluster size=3 manual=yes\nfire 1\ndeliver #1\nduplicate #3\ndeliver #3\n"
            "deliver #4\nexpect leader 1\n")
    c = scenario.run(text)
    assert c.leader() == 1
    assert scenario.run(c.scenario_text()).scenario_text() == c.scenario_text()


@pytest.mark.parametrize("line", ["fire 1", "duplicate #1"])
def test_fire_and_duplicate_need_a_manual_cluster(line):
    with pytest.raises(ScenarioError, match="manual=yes"):
        scenario.run(f"cluster size=3\ntimeout 1\n{line}\n")


# -- bad arguments ------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, words", [
    (dict(servers=0), "servers"),
    (dict(servers=5, spares=3), "at most 7"),
    (dict(max_term=0), "max_term"),
    (dict(commands=-1), "commands"),
    (dict(per_link=1.5), "per_link"),
    (dict(drops="many"), "drops"),
    (dict(forget_dead="yes"), "forget_dead must be True or False"),
    (dict(heartbeats=-1), "heartbeats"),
    (dict(retries=-1), "retries"),
    (dict(max_depth=-2), "max_depth"),
    (dict(time_budget=0), "time_budget"),
    (dict(depth=3), "unknown bound 'depth'"),
    (dict(node_class=dict), "subclass of raft.node.Node"),
    (dict(changes=1, spares=1, targets=[(1, 9)]), "membership target"),
    (dict(logs={4: [1]}), "server 4"),
    (dict(membership="both"), "membership must be one of joint, single"),
])
def test_bad_arguments_get_a_one_line_error(kwargs, words):
    with pytest.raises(RaftError) as caught:
        check(**kwargs)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_the_command_line(capsys):
    assert main(["--node", "raft.bugs:LeaderIgnoresHigherTerm", "--max-term", "2",
                 "--commands", "0", "--crashes", "0", "--quiet"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("checking LeaderIgnoresHigherTerm: servers=3 max_term=2")
    assert "fire 1" in out and SUMMARY.fullmatch(out[-1])
    assert "   1. fire S1" in out
    assert main(["--max-term", "1", "--commands", "0", "--crashes", "0", "--quiet"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith(": no violation")
    assert main(["--servers", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: servers must be") and err.count("\n") == 1
    assert main(["--node", "raft.bugs:NoSuchBug"]) == 2
    assert "no Node subclass 'NoSuchBug'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["--servers", "three"])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and err.count("\n") == 1 and "'three'" in err


def test_a_long_run_prints_progress_lines(monkeypatch):
    from raft.mc import search
    monkeypatch.setattr(search, "PROGRESS_EVERY", 0.0)
    lines = []
    result = check(Node, max_term=1, commands=1, crashes=0, time_budget=None,
                   progress=lines.append)
    assert result.ok and lines
    assert all(re.fullmatch(r"depth \d+: \d+ states, \d+ new at this depth, \d+\.\d s", line)
               for line in lines), lines


def test_action_text_reads_as_a_sentence():
    result = check(BUGS["leader-keeps-leading"], max_term=2, commands=0, crashes=0,
                   time_budget=None)
    lines = [action_text(a) for a in result.violation.actions]
    assert lines[0] == "fire S1" or lines[0].startswith("fire S")
    assert any(line.startswith("deliver RequestVote(term") for line in lines)


# -- larger runs --------------------------------------------------------------------------------

@pytest.mark.skipif(not FULL, reason="set RAFT_MC_FULL=1 for the larger runs")
def test_figure_8_from_an_empty_cluster_within_the_default_bounds():
    """The default bounds admit Figure 8's scenario: NaiveCommit breaks Leader Completeness from
    an empty cluster in 38 actions, found among the runs without heartbeats and waits (a subset
    of the runs the defaults allow; the full search is much larger)."""
    defaults = make_bounds()
    bounds = dict(max_term=4, commands=2, crashes=0, heartbeats=0, waits=0)
    assert bounds["max_term"] <= defaults.max_term and bounds["commands"] <= defaults.commands
    result = check(BUGS["naive-commit"], rules=False, time_budget=None, **bounds)
    assert (result.violation.prop, result.violation.length) == ("Leader Completeness", 38)
    result.violation.cluster(check=True)


@pytest.mark.skipif(not FULL, reason="set RAFT_MC_FULL=1 for the larger runs")
def test_the_reference_node_passes_two_terms_two_commands_and_a_crash():
    """The issue's figure: 3 servers, two terms, two client commands, one crash (which loses
    the messages in flight to the crashed server): explored completely, no violation."""
    result = check(Node, max_term=2, commands=2, crashes=1, time_budget=None)
    assert result.ok and result.complete, result.summary


def test_the_cli_refuses_a_bad_bound_before_it_announces_a_run(capsys):
    from raft.mc.__main__ import main
    assert main(["--crashes", "-1"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "crashes must be a whole number >= 0, got -1" in err


def test_the_cli_lists_the_classes_of_a_module_it_cannot_find_a_name_in(capsys):
    from raft.mc.__main__ import main
    assert main(["--node", "raft.bugs:NoSuchBug"]) == 2
    err = capsys.readouterr().err
    assert "no Node subclass 'NoSuchBug'" in err and "NaiveCommit" in err
