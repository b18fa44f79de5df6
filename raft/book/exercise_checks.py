"""The exercises' checks: what each solution claims, as functions the chapter and the page share.

Every exercise of the book with a solution that can be checked calls one of these functions at
the end of its solution's code (``from raft.book import exercise_checks as check``, then
``check.consensus_partition(split, other)``). The same call runs when the book is built (a wrong
claim fails the build, as an ``assert`` would) and when a reader runs, or changes and runs, the
solution's code in the page (``raft.book.live.run_cell`` shows the verdict under the output).
Being one function, the notebook's check and the page's check cannot drift.

A check takes the values the solution computed, judges each claim of the solution's text, and
records a :class:`Feedback` in words: what holds (``✓``), or which claims do not and what was
expected instead (``✗``, and :class:`CheckFailed` is raised so that the rest of the cell does
not run on a wrong premise). In a notebook the verdict is also printed. ``CHECKS`` maps each
exercise's label to its check functions; :func:`take_feedback` returns (and forgets) what the
checks said since it was last called.

A solution's setup steps (run until the cluster reaches some state, then act) use
:func:`reaches` instead of ``assert cluster.run_until(...)``: if the state never comes, the
reader is told in words what did not happen and what the servers were doing, not shown a bare
``AssertionError``.

Standard library only (the page runs it in Pyodide).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from itertools import combinations

from ..errors import ConfigurationError, RaftError

#: exercise label -> its check functions, in the order the solution calls them
CHECKS: dict[str, list] = {}
#: print each verdict (a notebook's output); the page's runner turns it off and shows them itself
ECHO = True
_SAID: list = []


class CheckFailed(RaftError, AssertionError):
    """An exercise's claim that does not hold; the message says what was expected, in words."""


@dataclass(frozen=True)
class Feedback:
    label: str        # the exercise's label, e.g. "ex-consensus-partition"
    check: str        # the check function's name
    ok: bool
    text: str

    def __str__(self):
        return ("✓ " if self.ok else "✗ ") + self.text

    def as_dict(self):
        return {"label": self.label, "check": self.check, "ok": self.ok, "text": self.text}


def take_feedback():
    """What the checks said since the last call (a list of :class:`Feedback`), then forget it."""
    said = list(_SAID)
    _SAID.clear()
    return said


def exercise(label):
    """Register the decorated function as (one of) the check(s) of exercise ``label``."""
    def register(fn):
        fn.label = label
        CHECKS.setdefault(label, []).append(fn)
        return fn
    return register


def _judge(fn, claims, right):
    """Record the verdict of ``fn`` on ``claims`` ((holds, what is wrong if not) pairs): ``right``
    when they all hold, else the wrong ones (and raise CheckFailed)."""
    wrong = [why for holds, why in claims if not holds]
    fb = Feedback(fn.label, fn.__name__, not wrong, right if not wrong else " ".join(wrong))
    _SAID.append(fb)
    if wrong:
        raise CheckFailed(f"{fb.label}: {fb.text}")
    if ECHO:
        print(fb)


def _s(ids):
    return ", ".join(f"S{i}" for i in sorted(ids)) or "none"


def _servers(cluster):
    """The servers in a few words: ``S1 leader of term 2, S2 follower of term 2, S3 crashed``."""
    return ", ".join(f"S{i} crashed" if i in cluster.crashed else
                     f"S{i} {cluster.nodes[i].role} of term {cluster.nodes[i].current_term}"
                     for i in cluster.ids)


# -- a setup step -------------------------------------------------------------------------------

def reaches(cluster, predicate, within, what):
    """Run ``cluster`` until ``predicate(cluster)`` holds, for at most ``within`` simulated ms
    (``cluster.run_until``): a setup step of a solution, ``check.reaches(c, lambda c:
    c.nodes[1].config.is_joint, 3000, "S1 in the joint configuration")``. Returns True. If the
    state never comes, records a failed :class:`Feedback` that says, with ``what`` (a few words
    naming the state), what did not happen and what the servers were doing, and raises
    :class:`CheckFailed` (so the steps that build on it do not run)."""
    if not isinstance(what, str) or not what.strip():
        raise ConfigurationError(f"reaches: say in words what the run should reach (e.g. "
                                 f"'a leader'); got {what!r}")
    start = cluster.now
    if cluster.run_until(predicate, within):
        return True
    fb = Feedback("", "reaches", False,
                  f"The run never reached {what} within {within:g} ms of simulated time (from "
                  f"{start:.0f} to {cluster.now:.0f} ms); the servers then: {_servers(cluster)}.")
    _SAID.append(fb)
    raise CheckFailed(fb.text)


# -- 1. Introduction ----------------------------------------------------------------------------

@exercise("ex-intro-even-cluster")
def intro_even_cluster(failures_tolerated):
    """``failures_tolerated(n)``: how many failed servers a cluster of ``n`` survives."""
    got = {n: failures_tolerated(n) for n in range(1, 8)}
    want = {n: n - (n // 2 + 1) for n in range(1, 8)}
    bad = {n: g for n, g in got.items() if g != want[n]}
    _judge(intro_even_cluster, [
        (not bad, "A cluster of n servers needs n // 2 + 1 of them for a majority, so it "
                  "survives n minus that many failures: "
                  + "; ".join(f"{n} servers survive {want[n]}, not {g}" for n, g in bad.items())
                  + "."),
    ], "Four servers survive one failure, exactly like three (a majority of four is three): "
       "the fourth adds a machine that can fail and a vote to wait for, but no tolerance.")


@exercise("ex-intro-leader-crash")
def intro_leader_crash(cluster, new):
    """The opening run with its leader S3 crashed; ``new`` is the new leader."""
    running = [i for i in cluster.ids if i != 3]
    want = ["x=1", "y=2", "x=3", "x=4"]
    lost = {i: cluster.applied(i) for i in running if cluster.applied(i) != want}
    term = cluster.nodes[new].current_term if new in cluster.nodes else None
    _judge(intro_leader_crash, [
        (new != 3, "S3 is down, so it cannot be the new leader."),
        (term == 2, f"Every election starts a new term, so the new leader serves term 2, "
                    f"not {term}."),
        (not lost, "Every running server should have applied x=1, y=2, x=3 and then x=4 "
                   f"(nothing committed is lost); got {lost}."),
    ], f"S{new} leads term 2, and the four running servers applied x=1, y=2, x=3, x=4: "
       "nothing committed was lost.")


@exercise("ex-intro-timeouts")
def intro_timeouts(default, doubled):
    """``default`` and ``doubled``: (winner, time of the first leader) for seeds 0-19, with an
    election timeout of 150-300 ms and 300-600 ms."""
    early = [t for _, t in default if t <= 150] + [t for _, t in doubled if t <= 300]
    winners = {w for w, _ in default}
    ratio = statistics.median(t for _, t in doubled) / statistics.median(t for _, t in default)
    _judge(intro_timeouts, [
        (not early, "Nobody can campaign before its election timer runs out, so no leader "
                    f"should appear before 150 ms (300 ms doubled); some did at {early}."),
        (len(winners) >= 3, f"Different seeds draw different timeouts, so the winner should "
                            f"change from seed to seed; only {_s(winners)} won."),
        (ratio > 1.5, f"Doubling the timeout should roughly double the wait; the median grew "
                      f"only {ratio:.2f} times."),
    ], f"No leader before the shortest timeout; {len(winners)} different winners; doubling the "
       f"timeout made the median wait {ratio:.1f} times longer.")


# -- 2. Consensus -------------------------------------------------------------------------------

@exercise("ex-consensus-partition")
def consensus_partition(cluster, other):
    """After the partition S1 S2 | S3 S4 S5, x=1 sent to S1, x=2 to ``other``, and the heal."""
    stores = {i: cluster.state_machine(i) for i in cluster.ids}
    applied_x1 = [i for i in cluster.ids if "x=1" in cluster.applied(i)]
    term = cluster.nodes[other].current_term
    _judge(consensus_partition, [
        (other in (3, 4, 5) and term > 1, f"A server of the majority side should lead a new "
                                          f"term; S{other} leads term {term}."),
        (not applied_x1, f"S1 and S2 are two of five, not a majority, so x=1 can never be "
                         f"committed; yet {_s(applied_x1)} applied it."),
        (cluster.leader() == other and cluster.nodes[1].role == "follower",
         "After the heal S1 should see the higher term and step down, leaving "
         f"S{other} the only leader."),
        (all(s == {"x": "2"} for s in stores.values()),
         f"Every store should hold x=2 once the network healed; got {stores}."),
    ], f"x=1 never committed; S{other} led term {term} and committed x=2; after the heal S1 "
       "stepped down and every store holds x=2.")


def _availability(n, p):
    """A cluster of n servers is up when a majority is: the binomial tail (computed here afresh,
    so that the check does not lean on the chapter's own function)."""
    need = n // 2 + 1
    return sum(math.comb(n, k) * p**k * (1 - p)**(n - k) for k in range(need, n + 1))


@exercise("ex-consensus-bad-servers")
def consensus_bad_servers(ranking, p=0.4):
    """``ranking``: the sizes 1, 3, 5, 7 by availability at ``p``, best first."""
    want = sorted((1, 3, 5, 7), key=lambda n: _availability(n, p), reverse=True)
    _judge(consensus_bad_servers, [
        (list(ranking) == want, f"At p = {p} the order, best first, is {want}, not "
                                f"{list(ranking)}."
                                + (" Below p = 1/2 a bigger cluster is worse: it needs more "
                                   "servers up at the same time." if p < 0.5 else "")),
    ], f"At p = {p} the order is {want}"
       + (": one server beats seven, since a bigger cluster needs more servers up at once."
          if p < 0.5 else "."))


@exercise("ex-consensus-bad-servers")
def consensus_crossing(availability, p=0.5):
    """``availability(n, p)``: the chapter's function; ``p``: where you found one server and
    three equally available."""
    three, one = availability(3, p), p
    below, above = availability(3, p - 0.01), availability(3, p + 0.01)
    _judge(consensus_crossing, [
        (abs(three - one) < 1e-9, f"At p = {p} three servers are up {three:.4f} of the time and "
                                  f"one {one:.4f}: not equal. Solve 3p² − 2p³ = p."),
        (below < p - 0.01 and above > p + 0.01,
         f"Just below p = {p} one server should be better, just above three should be."),
    ], f"The curves cross at p = {p}: a server as likely up as down makes a majority up half the "
       "time; above it majorities filter out failures, below it they filter out successes.")


@exercise("ex-consensus-shared")
def consensus_shared(results, feed=0.999):
    """``results``: {n: (availability with the shared feed by the formula, simulated)}."""
    over = {n: s for n, (s, _) in results.items() if s >= feed}
    off = {n: (s, sim) for n, (s, sim) in results.items() if abs(sim - s) >= 0.0005}
    _judge(consensus_shared, [
        (not over, f"With every server behind one feed up {feed} of the time, no cluster can "
                   f"be up more often than the feed; got {over}."),
        (not off, f"The simulation should agree with the formula within 0.0005; got {off}."),
    ], f"Every size is capped just below the feed's {feed}, and the simulation agrees: more "
       "servers remove independent failures, not shared ones.")


# -- 3. Goals -----------------------------------------------------------------------------------

@exercise("ex-goals-stale-write")
def goals_stale_write_before_heal(cluster):
    """S1, cut off alone, took x=1 from a client; the network has not healed yet."""
    s1 = cluster.nodes[1]
    last = s1.log[len(s1.log)].command if len(s1.log) else None
    _judge(goals_stale_write_before_heal, [
        (last == "x=1", f"S1 does not know it was deposed, so it should accept x=1 into its "
                        f"log; its last entry is {last!r}."),
        (s1.commit_index < len(s1.log), "Nobody on S1's side can acknowledge x=1, so it must "
                                        "not be committed."),
    ], "Before the heal, x=1 sits at the end of S1's log, uncommitted.")


@exercise("ex-goals-stale-write")
def goals_stale_write(cluster):
    """After the heal."""
    applied_x1 = [i for i in cluster.ids if "x=1" in cluster.applied(i)]
    missing_x2 = [i for i in cluster.ids if "x=2" not in cluster.applied(i)]
    kept = any(e.command == "x=1" for e in cluster.nodes[1].log)
    _judge(goals_stale_write, [
        (not applied_x1, f"x=1 was never committed, so no server may apply it; "
                         f"{_s(applied_x1)} did."),
        (not missing_x2, f"Every server should apply x=2; {_s(missing_x2)} did not."),
        (not kept, "The new leader's consistency check should have replaced S1's stale x=1."),
    ], "After the heal S1 stepped down and deleted x=1; every server applied x=2 and none x=1.")


@exercise("ex-goals-pipelining")
def goals_pipelining(by_interval):
    """``by_interval``: {100: m, 40: m, 15: m}, ``measure_replication`` results."""
    slow = by_interval[100]
    claims = []
    for k in (40, 15):
        m = by_interval[k]
        claims += [
            (m.per_command("replication") == 8, f"Every {k} ms: a new entry still costs "
             f"2(n − 1) = 8 messages, got {m.per_command('replication'):.1f}."),
            (m.per_command("heartbeat") < slow.per_command("heartbeat") / 4,
             f"Every {k} ms: each AppendEntries resets the heartbeat timer, so heartbeats should "
             f"almost vanish; got {m.per_command('heartbeat'):.1f} per command."),
            (40 <= m.median_latency <= 60, f"Every {k} ms: a command still waits one round trip "
             f"(40–60 ms); the median was {m.median_latency:.0f} ms."),
            (m.entries_per_append > slow.entries_per_append, f"Every {k} ms: AppendEntries "
             "should carry more entries than at the slow rate (pipelining)."),
        ]
    claims.append((by_interval[15].entries_per_append > 2, "Every 15 ms an AppendEntries should "
                   "carry more than two entries on average."))
    _judge(goals_pipelining, claims,
           "Faster commands cost the same 8 messages each, heartbeats almost vanish, latency "
           f"stays one round trip, and messages fill up ({by_interval[15].entries_per_append:.1f} "
           "entries per AppendEntries every 15 ms): pipelining.")


@exercise("ex-goals-timing")
def goals_timing(fast_terms, slow_terms, slow):
    """Terms reached in 5 s on a 5-7.5 ms and a 100-150 ms network; ``slow`` is that cluster."""
    violations = list(getattr(slow.checker, "violations", []) or [])
    _judge(goals_timing, [
        (fast_terms <= 2, f"On a fast network one election should settle things; it took "
                          f"{fast_terms} terms."),
        (slow_terms > 5 * fast_terms, f"On a slow network leaders should keep being replaced "
                                      f"(many terms); it reached only {slow_terms}."),
        (not violations, f"Timing can cost availability, never safety; the checker found "
                         f"{violations}."),
    ], f"{fast_terms} term(s) on the fast network, {slow_terms} on the slow one, and the safety "
       "checker never complained: timing costs availability, not correctness.")


@exercise("ex-goals-amnesia")
def goals_amnesia(violation):
    """The InvariantViolation raised once S1-S3 came back with empty disks (or None)."""
    _judge(goals_amnesia, [
        (violation is not None, "With the committed x=1 on no disk any more, a server without "
                                "it can be elected: the checker should report a violation."),
    ], f"The checker caught it: {getattr(violation, 'prop', '')}. A committed entry on no disk "
       "breaks Raft's promise; a server that lost its disk must rejoin as a new member.")


# -- 4. The parts -------------------------------------------------------------------------------

@exercise("ex-parts-no-shortcut")
def parts_no_shortcut(transitions, node, refused):
    """``transitions``: the role table; ``node``: a follower that was asked to become leader
    directly; ``refused``: the error it raised (or None)."""
    _judge(parts_no_shortcut, [
        (("follower", "leader") not in transitions, "The table must have no follower → leader "
                                                    "arrow: a leader needs a majority's votes."),
        (("leader", "candidate") not in transitions, "The table must have no leader → "
                                                     "candidate arrow."),
        (refused is not None and node.role == "follower",
         f"Node.become should refuse the shortcut and leave the node a follower; it is "
         f"{node.role}."),
    ], "No arrow, and Node.become refuses: a server leads only with a majority's votes in its "
       "term, which is what keeps two leaders out of one term.")


@exercise("ex-parts-predict-stepdown")
def parts_stepdown_before_heal(cluster, index):
    """S1 cut off for 600 ms with a command at ``index`` in its log."""
    _judge(parts_stepdown_before_heal, [
        (cluster.nodes[1].commit_index < index, "S1 alone is not a majority: the command must "
                                                "not be committed."),
    ], "(1) The command is not committed: S1 alone is not a majority.")


@exercise("ex-parts-predict-stepdown")
def parts_stepdown(cluster):
    """200 ms after the heal."""
    s1 = cluster.nodes[1]
    kept = any(e.command == "lost=1" for e in s1.log)
    _judge(parts_stepdown, [
        (s1.role == "follower" and s1.current_term > 1, f"S1 should have stepped down to a "
         f"newer term; it is {s1.role} in term {s1.current_term}."),
        (not kept, "The new leader should have replaced S1's uncommitted entry."),
    ], f"(2) S1 is a follower in term {s1.current_term}; (3) its uncommitted entry is gone.")


@exercise("ex-parts-heartbeat-too-slow")
def parts_heartbeat(fast, fast_term, slow, slow_term):
    """RequestVotes sent and the last term in 5 s with 50 ms and 145 ms heartbeats."""
    _judge(parts_heartbeat, [
        (fast == 0 and fast_term == 1, f"With 50 ms heartbeats nobody should campaign; got "
                                       f"{fast} RequestVotes and term {fast_term}."),
        (slow > 0 and slow_term > 11, f"With 145 ms heartbeats, 10–30 ms delays and timeouts "
                                      f"near 150 ms, followers should keep firing (more than ten "
                                      f"terms); got {slow} RequestVotes and term {slow_term}."),
    ], f"50 ms: no election. 145 ms: {slow} RequestVotes up to term {slow_term}, with nothing "
       "failing: heartbeats must arrive well within the election timeout (§5.6).")


# -- 5. Leader election -------------------------------------------------------------------------

@exercise("ex-election-predict-split")
def election_split(votes, leader):
    """``votes``: {candidate: the servers whose votes it has} in term 2; ``leader``: the leader
    then (None). The words come from the run: which candidate got whose vote."""
    most = max((len(v) for v in votes.values()), default=0)
    free = _s(set().union(*map(set, votes.values())) - set(votes)) if votes else "none"
    who = "; ".join(_votes_of(c, v) for c, v in sorted(votes.items()))
    _judge(election_split, [
        (leader is None, f"With {len(votes)} candidates and S1 down nobody should collect three "
                         f"votes in term 2; yet S{leader} leads ({who})."),
        (most == 2, f"Each candidate votes for itself, so only the other servers' votes are "
                    f"free ({free}): at most two votes for one candidate here; the most was "
                    f"{most} ({who})."),
    ], f"Nobody wins term 2: {who}. At most {most} votes each; three of five are needed.")


def _votes_of(candidate, voters):
    """``S2 has its own vote and S4's``, ``S2 has its own vote, S4's and S5's``, ``S2 has only
    its own vote``, ``S2 has the votes of S4 and S5`` or ``S2 has no vote``."""
    def listed(words):
        return ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]
    others = [i for i in sorted(voters) if i != candidate]
    if candidate not in voters:
        return f"S{candidate} has " + (f"the votes of {listed([f'S{i}' for i in others])}"
                                       if others else "no vote")
    if not others:
        return f"S{candidate} has only its own vote"
    theirs = [f"S{i}'s" for i in others]
    return f"S{candidate} has {listed(['its own vote'] + theirs)}"


@exercise("ex-election-predict-split")
def election_split_winner(cluster):
    """Once somebody won."""
    leader = cluster.leader()
    term = cluster.nodes[leader].current_term if leader else None
    _judge(election_split_winner, [
        (leader is not None and term >= 3, f"The winner should lead term 3 or later; "
                                           f"got {term}."),
    ], f"S{leader} won term {term}, once one random timeout fired well ahead of the others.")


@exercise("ex-election-network-latency")
def election_network_latency(results):
    """``results``: {timeout range: (median on the LAN, median with 7-8 ms links)}."""
    lan5, wan5 = results[(150, 155)]
    lan150, wan150 = results[(150, 300)]
    _judge(election_network_latency, [
        (wan5 > 3 * lan5, f"150–155 ms should get several times slower with 7–8 ms links; "
                          f"{lan5:.0f} → {wan5:.0f} ms."),
        (abs(wan150 - lan150) < 40, f"150–300 ms should barely change; {lan150:.0f} → "
                                    f"{wan150:.0f} ms."),
    ], "The 5 ms range slows down a lot, the 150 ms range hardly: a candidate's head start must "
       "exceed one network trip, so the range must be wide compared with the latency.")


def _up_to_date(a, b):
    """Is log ``a`` at least as up-to-date as log ``b`` (terms by index)? §5.4.1."""
    last_a, last_b = (a[-1] if a else 0), (b[-1] if b else 0)
    return last_a > last_b or (last_a == last_b and len(a) >= len(b))


@exercise("ex-election-who-can-win")
def election_who_can_win(cannot_win, logs=None):
    """``cannot_win``: the servers that can never win with the logs of the exercise."""
    logs = logs or {1: [1], 2: [1, 1, 2, 2], 3: [1, 3], 4: [1], 5: [1, 1, 2, 2, 2]}
    majority = len(logs) // 2 + 1
    want = {j for j in logs if sum(_up_to_date(logs[j], logs[k]) for k in logs) < majority}
    _judge(election_who_can_win, [
        (set(cannot_win) == want, f"By §5.4.1 (the later last term wins, then the longer log), "
                                  f"{_s(want)} can never collect {majority} votes; you said "
                                  f"{_s(cannot_win)}."),
    ], f"{_s(want)} can never win: each would get only {majority - 1} votes. S3's short log "
       "wins on its last term, 3.")


# -- 6. Log replication -------------------------------------------------------------------------

@exercise("ex-logrep-predict-e")
def logrep_predict_e(probes, deleted):
    """``probes``: the prev_log_index of each AppendEntries to (e); ``deleted``: its entries
    deleted."""
    _judge(logrep_predict_e, [
        (list(probes) == [10, 7, 3], f"With the fast back-off the leader should probe "
                                     f"prev_log_index 10, 7, 3; got {list(probes)}."),
        (deleted == 2, f"(e) should delete its two conflicting entries of term 4 (6 and 7); "
                       f"got {deleted}."),
    ], "Three round trips (10, 7, 3), and (e) deletes its entries 6 and 7.")


@exercise("ex-logrep-change-b")
def logrep_change_b(trips):
    """``trips(log, fast)``: round trips to follower (b) with that log."""
    simple = (trips([1, 1, 1, 4], False), trips([1, 1, 1, 4, 4], False))
    fast = (trips([1, 1, 1, 4], True), trips([1, 1, 1, 4, 4], True))
    _judge(logrep_change_b, [
        (simple == (7, 6), f"The simple back-off costs one trip per missing entry: 7 for "
                           f"1 1 1 4 and 6 for 1 1 1 4 4; got {simple}."),
        (fast == (2, 2), f"The fast back-off costs one trip per run: 2 for both; got {fast}."),
    ], "Simple back-off: 7 then 6 round trips (one per missing entry); fast: 2 for both.")


@exercise("ex-logrep-reorder")
def logrep_reorder(after_second, after_first):
    """S2's log commands after the second AppendEntries, then after the first."""
    want = [None, "a=1", "b=2"]
    _judge(logrep_reorder, [
        (list(after_second) == want, f"After the second message S2 should hold the no-op, a=1 "
                                     f"and b=2; got {after_second}."),
        (list(after_first) == want, f"The first message agrees with what S2 holds, so nothing "
                                    f"should change (b=2 stays); got {after_first}."),
    ], "S2 keeps a=1 and b=2: the late message matches, and only a conflict deletes entries.")


# -- 7. Safety ----------------------------------------------------------------------------------

@exercise("ex-safety-predict-e")
def safety_predict_e(votes):
    """``votes``: {term: {"S2": "granted" or "refused: ...", ...}} for S5's campaigns."""
    stale = "refused: its log is not up-to-date"
    want4 = {"S2": "refused: already voted for S1", "S3": "refused: its term is stale",
             "S4": "refused: its term is stale"}
    want5 = {"S2": stale, "S3": stale, "S4": "granted"}
    _judge(safety_predict_e, [
        (sorted(votes) == [4, 5, 6], f"S5 should campaign in terms 4, 5 and 6; got "
                                     f"{sorted(votes)}."),
        (votes.get(4) == want4, "In term 4 S5's requests should be refused before any log is "
                                "compared (S2 voted for S1; S3 and S4 are in term 5 already); "
                                f"got {votes.get(4)}."),
        (votes.get(5) == want5 and votes.get(6) == want5,
         "In terms 5 and 6 only S4 (log 1) should grant; S2 and S3 hold an entry of term 4, "
         f"later than S5's term 3, and refuse; got {votes.get(5)} and {votes.get(6)}."),
    ], "Only S4 ever votes for S5; S2 and S3 refuse on §5.4.1, so S5 cannot win.")


@exercise("ex-safety-predict-e")
def safety_predict_e_end(cluster, leader):
    """A second later (``leader``), and after a client's y=6."""
    _judge(safety_predict_e_end, [
        (leader in (2, 3), f"S2 or S3 should eventually lead; got S{leader}."),
        (cluster.nodes[5].log.terms()[:3] == [1, 2, 4], "S5's uncommitted x=3 should be "
                                                        "overwritten by the leader's entries."),
        (cluster.applied(5) == ["x=1", "x=2", "x=4", "y=6"], "S5 should apply x=1, x=2, x=4 "
         f"and y=6 in order; got {cluster.applied(5)}."),
    ], f"S{leader} leads with x=2 and x=4 intact; S5's x=3 is gone and it applies "
       "x=1, x=2, x=4, y=6.")


@exercise("ex-safety-noop")
def safety_noop(run, board):
    """``run``: Figure 8 with NaiveCommitWithNoopNode; ``board``: its random schedules."""
    _judge(safety_noop, [
        (run.s5_won is False and not run.violations, "With the no-op, S5 should not win in the "
                                                     "Figure 8 schedule and nothing should "
                                                     "break."),
        (board.violations == 0, f"The random schedules should find nothing; {board.violations} "
                                "did."),
    ], "The checker finds nothing: the no-op hides the naive rule's flaw while every "
       "AppendEntries fits in one message. Luck, not safety: keep §5.4.2's rule.")


@exercise("ex-safety-restriction")
def safety_restriction(board, first):
    """``board``: the dashboard of a node that votes for any log; ``first``: its first
    violation."""
    prop = getattr(first, "prop", None)
    _judge(safety_restriction, [
        (board.violations > 0, "Without the election restriction the random schedules should "
                               "break a property."),
        (prop == "Leader Completeness", f"The first property to break should be Leader "
                                        f"Completeness; got {prop}."),
    ], "Leader Completeness breaks first: a server that missed committed entries wins, because "
       "nobody checks its log (step 6 of the argument).")


# -- 8. Membership ------------------------------------------------------------------------------

@exercise("ex-membership-predict-crash")
def membership_predict_crash(cluster):
    """After growing {1, 2, 3} to {1, ..., 5} with S4 and S5 crashed."""
    config = cluster.nodes[1].config
    _judge(membership_predict_crash, [
        (not config.is_joint and set(config.members) == {1, 2, 3, 4, 5},
         f"The change should complete (S1, S2, S3 are a majority of both); S1 uses {config}."),
    ], "The change completes with S1, S2 and S3 alone, but the new five-server cluster survives "
       "no further failure until S4 and S5 return.")


@exercise("ex-membership-replace-all")
def membership_replace_all_stalled(cluster, stuck):
    """Replacing {1, 2, 3} by {4, 5, 6} with S5 and S6 down, after 2 s."""
    _judge(membership_replace_all_stalled, [
        (stuck and cluster.nodes[1].config.is_joint, "The change should stall in C_old,new: it "
                                                     "needs two of {4, 5, 6} and only S4 is up."),
    ], "Stalled in C_old,new: the new servers must have their say, or Figure 10 is back.")


@exercise("ex-membership-replace-all")
def membership_replace_all(cluster, done):
    """After S5 restarts."""
    config = cluster.config()
    _judge(membership_replace_all, [
        (done and not config.is_joint and set(config.members) == {4, 5, 6},
         f"With S5 back the change should complete on {{4, 5, 6}}; the cluster uses {config}."),
    ], "With S5 back, two of {4, 5, 6} answer and the change completes; a new server leads.")


@exercise("ex-membership-figure10-joint")
def membership_figure10_joint(cluster, s4_won):
    """Figure 10's story with joint consensus; ``s4_won``: did S4 win?"""
    leaders = [i for i, n in cluster.nodes.items() if n.role == "leader"]
    _judge(membership_figure10_joint, [
        (not s4_won, "S4 uses C_old,new and needs two of {1, 2, 3} too: it must not win."),
        (leaders == [1], f"Exactly one leader, S1 (legitimate under C_old); got {_s(leaders)}."),
    ], "S1 wins under C_old; S4 cannot, since C_old,new needs a majority of C_old as well: "
       "one leader, no violation.")


@exercise("ex-membership-guard-window")
def membership_guard_gaps(gaps, heartbeat=50, minimum_timeout=150):
    """``gaps``: the times between two messages a follower got from a healthy leader."""
    _judge(membership_guard_gaps, [
        (heartbeat < max(gaps) < minimum_timeout, f"The gaps should exceed the heartbeat "
                                                  f"interval ({heartbeat} ms) but stay under the "
                                                  f"minimum election timeout; the longest was "
                                                  f"{max(gaps):.1f} ms."),
    ], f"Gaps reach {max(gaps):.0f} ms: longer than a heartbeat, shorter than the minimum "
       "election timeout.")


@exercise("ex-membership-guard-window")
def membership_guard_window(paper, short):
    """The leader timelines of the removed-server story with the paper's window and a
    heartbeat-length one."""
    _judge(membership_guard_window, [
        (paper.leader_changes == 0, "With the paper's window the removed server should never "
                                    "get through."),
        (short.leader_changes >= 1 and short.leaderless_ms > 100,
         "With a 50 ms window the removed server should depose the leader at least once, and "
         "the cluster spend over 100 ms without one."),
    ], f"Sometimes: the short window let it through {short.leader_changes} time(s) "
       f"({short.leaderless_ms:.0f} ms without a leader); the paper's window never.")


# -- 9. Real world ------------------------------------------------------------------------------

@exercise("ex-real-world-four")
def real_world_four(one_down, two_down):
    """Did a command commit with one, then two, of four servers down?"""
    _judge(real_world_four, [
        (bool(one_down), "With one server down three of four remain, a majority: the command "
                         "should commit."),
        (not two_down, "With two down only two of four remain, not a majority: nothing may "
                       "commit."),
    ], "Four servers tolerate one failure, like three: a majority of four is three.")


@exercise("ex-real-world-rabbit")
def real_world_rabbit(best_and_worst, nodes=range(1, 8)):
    """``best_and_worst(replicas)``: (most failures survived, fewest that can stop it)."""
    nodes = list(nodes)

    def truth(replicas):
        need = len(replicas) // 2 + 1
        best = len(nodes) - need                       # every failure outside, then inside
        worst = len(replicas) - need + 1               # all on the queue's own nodes
        return best, worst

    three, seven = {1, 2, 3}, set(nodes)
    got = (best_and_worst(three), best_and_worst(seven))
    want = (truth(three), truth(seven))
    _judge(real_world_rabbit, [
        (tuple(got[0]) == want[0], f"Three replicas: at best {want[0][0]} failures survived, "
                                   f"{want[0][1]} can stop it; got {tuple(got[0])}."),
        (tuple(got[1]) == want[1], f"Seven replicas: {want[1][0]} survived at best and "
                                   f"{want[1][1]} can stop it; got {tuple(got[1])}."),
    ], f"Three replicas survive up to {want[0][0]} failures but two on their own nodes stop "
       f"them; seven survive any {want[1][0]} and no {want[1][1]}.")


@exercise("ex-real-world-timeouts")
def real_world_timeouts(slow, fast):
    """Times without a leader after a crash, over seeds, with 1-2 s and 150-300 ms timeouts."""
    _judge(real_world_timeouts, [
        (max(fast) < 330, f"With 150–300 ms the gap should stay under a third of a second; the "
                          f"longest was {max(fast):.0f} ms."),
        (1000 < min(slow) and max(slow) < 4000, f"With 1–2 s the gap should be a little over "
                                                f"1 s at best, under 4 s; got {min(slow):.0f} "
                                                f"to {max(slow):.0f} ms."),
    ], f"1–2 s timeouts: {min(slow):.0f}–{max(slow):.0f} ms without a leader; 150–300 ms: at "
       f"most {max(fast):.0f} ms. A long timeout costs availability after a crash.")


@exercise("ex-real-world-isolated")
def real_world_isolated_split(cluster, new, index):
    """A second after S2's data centre was cut off and a client gave S2 a command at ``index``."""
    s2 = cluster.nodes[2]
    _judge(real_world_isolated_split, [
        (s2.role == "leader", "Without check-quorum S2 should still believe it leads."),
        (new in (1, 3) and cluster.nodes[new].current_term > 1,
         "S1 or S3 should win the majority side in a higher term."),
        (s2.commit_index < index, "S2 has one vote of three: its command must not commit."),
    ], f"Two leaders in different terms: S2 (term {s2.current_term}) and "
       f"S{new} (term {cluster.nodes[new].current_term}); S2's command is stuck.")


@exercise("ex-real-world-isolated")
def real_world_isolated(cluster):
    """After the heal."""
    applied = cluster.applied(2)
    _judge(real_world_isolated, [
        (cluster.nodes[2].role != "leader", "After the heal S2 should see the higher term and "
                                            "step down."),
        ("failover=db7" not in applied, "S2's uncommitted command must never be applied."),
        ("x=1" in applied, "S2 should catch up with the majority's x=1."),
    ], "S2 stepped down; its command was overwritten, and it applied the majority's x=1.")


# -- 10. Production -----------------------------------------------------------------------------

@exercise("ex-production-pre-vote-partial")
def production_pre_vote_partial(leaders, refusals):
    """``leaders``: (server, term) pairs since the cut; ``refusals``: reasons S1's polls were
    refused."""
    _judge(production_pre_vote_partial, [
        (list(leaders) == [(2, 2)], f"S2 should depose S1 once and keep leading term 2; leaders "
                                    f"since the cut: {list(leaders)}."),
        (bool(refusals), "S1's polls should be refused (its log is behind S3's)."),
    ], "Once is all: S1's polls are refused, so its term never moves and S2 keeps leading.")


@exercise("ex-production-check-quorum-window")
def production_check_quorum_window(found):
    """``found``: {check_quorum: [(elections, step-downs) per seed]}."""
    elect_off = sum(e for e, _ in found[False])
    elect_on, downs = sum(e for e, _ in found[True]), sum(d for _, d in found[True])
    _judge(production_check_quorum_window, [
        (downs < elect_off, f"Step-downs ({downs}) should be rarer than the elections loss "
                            f"causes anyway ({elect_off})."),
        (elect_on <= elect_off + downs + 2, f"Check-quorum should add about as many elections "
                                            f"as step-downs; {elect_off} → {elect_on}."),
    ], f"{downs} step-down(s) against {elect_off} elections without check-quorum: a step-down "
       "needs three of four followers silenced at once, so it is the rarer event.")


@exercise("ex-production-bug-2015-noop")
def production_bug_2015_noop(safe, violations):
    """The 2015 story with the reference node: ``safe`` its cluster, ``violations`` found."""
    _judge(production_bug_2015_noop, [
        (not violations, f"With the no-op and the fix nothing should break; got {violations}."),
        (2 in safe.nodes[3].log.terms(), "S3 should hold S2's committed no-op of term 2."),
    ], "Safe: S3 holds S2's no-op of term 2, so it refuses S4, whose log ends in term 1.")


# -- 11. Log compaction -------------------------------------------------------------------------

@exercise("ex-compaction-replay")
def compaction_replay(results, committed=730):
    """``results``: {snapshot_threshold: (snapshot index loaded, entries applied, first)}."""
    claims = []
    for threshold, (loaded, count, first) in results.items():
        claims.append((first == loaded + 1 and count == committed - loaded,
                       f"threshold {threshold}: after loading a snapshot through {loaded}, S2 "
                       f"should apply from {loaded + 1}, {committed - loaded} entries; got "
                       f"{count} from {first}."))
    claims.append((results[100][1] < 100, "With snapshot_threshold=100 S2 should apply fewer "
                                          "than 100 entries."))
    claims.append((results[None][1] == committed, f"Without compaction S2 should apply all "
                                                  f"{committed} again."))
    _judge(compaction_replay, claims,
           f"With snapshots S2 applies {results[100][1]} entries after its snapshot; without, "
           f"all {committed}.")


@exercise("ex-compaction-trailing")
def compaction_trailing(counts):
    """``counts``: {snapshot_threshold: InstallSnapshots delivered}."""
    _judge(compaction_trailing, [
        (counts[200] < counts[20] < counts[5], f"The smaller the threshold, the more snapshots "
                                               f"land in front of a slow follower; got "
                                               f"{counts}."),
    ], f"{counts[5]} snapshots at threshold 5, {counts[200]} at 200: a trailing margin of log "
       "keeps snapshots for followers really far behind.")


@exercise("ex-compaction-sessions")
def compaction_sessions(stores, violation):
    """``stores``: {server: x} without the checker; ``violation``: what the checker raised."""
    _judge(compaction_sessions, [
        (stores == {1: "2", 2: "2", 3: "1"}, f"S3 (whose snapshot forgot alice's command) should "
                                             f"apply her retry and hold x=1, the others x=2; "
                                             f"got {stores}."),
        (violation is not None, "With the checker on, the first snapshot should already be "
                                "reported: its state differs from the committed entries'."),
    ], "The servers disagree (S3 says x=1, S1 and S2 x=2), and the checker stops at the first "
       "snapshot: the sessions are part of the state.")


# -- 12. Clients --------------------------------------------------------------------------------

@exercise("ex-clients-by-hand")
def clients_by_hand(second_reads_one, second_reads_empty, late_read_empty):
    """The checker's verdicts (objects with ``.ok``) on the exercise's three histories."""
    _judge(clients_by_hand, [
        (second_reads_one.ok, "With \"1\" for the second read the history is linearizable: the "
                              "put may take effect between the two reads."),
        (second_reads_empty.ok, "With \"\" for the second read it is linearizable too: the put "
                                "may still take effect after it (both overlap until 40 ms)."),
        (not late_read_empty.ok, "A read called after the put returned (60 ms) must see \"1\": "
                                 "a history where it reads \"\" is not linearizable."),
    ], "Both histories are linearizable; only a read called after 40 ms must see \"1\".")


@exercise("ex-clients-sessions-new-leader")
def clients_sessions_new_leader(cluster, old, append):
    """After the old leader ``old`` crashed with c1's ``append`` applied but unanswered."""
    from ..linearizability import check
    output = cluster.client_history()[-1]["output"]
    _judge(clients_sessions_new_leader, [
        (append.ret is not None and len(append.servers) > 1 and append.servers[-1] != old,
         f"c1's append should be answered by another server after a retry; it went to "
         f"{_s(set(append.servers))} and {'returned' if append.ret else 'never returned'}."),
        (output == "a", f"x should read \"a\" (the retry recognised), not {output!r}."),
        (check(cluster.client_history(), "kv").ok, "The clients' history should be "
                                                   "linearizable."),
    ], f"c1's retry reached S{append.servers[-1]}, whose state machine had applied the append "
       "and remembered c1's session: x reads \"a\", applied once.")


@exercise("ex-clients-batching")
def clients_batching(plain, batched):
    """(round messages per read, median latency in ms), one round per read and batched."""
    _judge(clients_batching, [
        (batched[0] < plain[0] / 2, f"Batched rounds should cost well under half the messages "
                                    f"per read: {batched[0]} against {plain[0]}."),
        (batched[1] > plain[1], f"A read that waits for the next heartbeat should take longer: "
                                f"{batched[1]} ms against {plain[1]} ms."),
    ], f"Fewer messages ({plain[0]} → {batched[0]} per read), more latency "
       f"({plain[1]} → {batched[1]} ms): batching trades one for the other.")


@exercise("ex-clients-drift")
def clients_drift(stale_by_rate, seeds=8, bound=1.1):
    """``stale_by_rate``: {clock rate of the old leader: seeds (of ``seeds``) with a stale read}."""
    threshold = 1 / bound
    safe = {r: n for r, n in stale_by_rate.items() if r >= threshold}
    broken = [r for r, n in stale_by_rate.items() if n]
    _judge(clients_drift, [
        (not any(safe.values()), f"Within the drift bound (rate at least {threshold:.2f}) no "
                                 f"stale read may appear; got {safe}."),
        (bool(broken), "At the slowest clocks some seeds should give a stale read."),
        (not broken or max(broken) < threshold * 0.5,
         f"The first stale reads should appear far below {threshold:.2f} (the old leader's "
         f"lease must outlive an election, a write and a read); they appear at "
         f"{max(broken) if broken else None}."),
    ], f"The lease can outlive the promise below a rate of {threshold:.2f}, but the first stale "
       f"read appears only at {max(broken) if broken else '-'}: a new leader must be elected, "
       f"commit a write and answer it before the old lease ends.")
