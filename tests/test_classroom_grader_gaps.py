"""Wrong lab solutions that once passed every story and 200 random seeds (or, for the forgotten
election timer, hung the grader), each now failed by the grader with a report that names what
broke, and a replay call that rebuilds it.

Every class below is a realistic mistake a student makes in one lab's methods (everything else
is the reference). For each, the test grades it with the lab's default settings and checks:
the report FAILS; the named story (or the random schedules) fails with the named property or
rule; the message carries the story's seed or the schedule's seed, key events, and a replay
call; and the replay call rebuilds a cluster stopped at the failure. The reference passes
every lab (and every new story) and the empty skeletons still fail cleanly
(tests/test_classroom_labs.py). Some of these are now also caught by the random schedules
alone (tests/test_classroom_random_search.py names which, and the seed).
"""

from __future__ import annotations

import re

import pytest

from raft import grade
from raft.classroom.grader import _run_story
from raft.errors import MembershipChangeInProgress, NotLeader
from raft.labs.skeleton import Lab1Node, Lab2Node, Lab3Node, Lab4Node, Lab5Node
from raft.node import CANDIDATE, FOLLOWER, LEADER, Configuration, Entry, Node, RequestVote
from raft.sim.actions import Members


# -- Lab 1 --------------------------------------------------------------------------------------

class CountsStaleVotes(Lab1Node):
    """Counts a granted vote whatever term it was granted in (only the role is checked): a
    slow reply from an earlier election elects a second leader."""

    start_election = Node.start_election
    handle_request_vote = Node.handle_request_vote

    def handle_request_vote_reply(self, msg, now):
        if self.role != CANDIDATE:  # wrong: forgot `or msg.term != self.current_term`
            return
        if msg.vote_granted:
            self.votes.add(msg.src)
            self._count_votes(now)


class GrantsStaleCandidate(Lab1Node):
    """Grants a vote to a candidate of an older term (no `msg.term < current_term` check)."""

    start_election = Node.start_election
    handle_request_vote_reply = Node.handle_request_vote_reply

    def handle_request_vote(self, msg, now):
        # wrong: the stale-term check of RequestVote receiver rule 1 is missing
        if self.voted_for in (None, msg.candidate_id) and \
                self.candidate_log_is_up_to_date(msg.last_log_index, msg.last_log_term):
            self._record_vote(msg.candidate_id)
            self._reset_election_timer(now)
            self._reply_vote(msg, True, "rv-grant", "")
        else:
            self._reply_vote(msg, False, "rv-grant", "already voted or log behind")


class ForgetsTimerRestart(Lab1Node):
    """Starts an election without restarting the election timer: the timer stays due at the
    instant it fired, and (before the simulator caught it) time stood still forever."""

    handle_request_vote = Node.handle_request_vote
    handle_request_vote_reply = Node.handle_request_vote_reply

    def start_election(self, now, rule, leadership_transfer=False):
        self._set_term(self.current_term + 1)
        self._become(CANDIDATE, now, rule)
        self._record_vote(self.id)
        self.votes = {self.id}
        # wrong: no self._reset_election_timer(now)
        for peer in sorted(self.config.members - {self.id}):
            self._send(RequestVote(src=self.id, dst=peer, term=self.current_term,
                                   candidate_id=self.id, last_log_index=self.log.last_index,
                                   last_log_term=self.log.last_term,
                                   leadership_transfer=leadership_transfer))
        self._count_votes(now)


# -- Lab 2 --------------------------------------------------------------------------------------

class HeartbeatKeepsTimer(Lab2Node):
    """Receiving AppendEntries does not restart the follower's election timer."""

    handle_append_entries_reply = Node.handle_append_entries_reply

    def handle_append_entries(self, msg, now):
        if msg.term < self.current_term:
            self._reply_append(msg, False, "ae-stale")
            return
        if self.role == CANDIDATE:
            self._become(FOLLOWER, now, "candidate-leader-found")
        self.leader_id = msg.leader_id
        self.last_heard = now
        # wrong: no self._reset_election_timer(now)
        if not self.log_matches(msg.prev_log_index, msg.prev_log_term):
            self._reply_append(msg, False, "ae-mismatch")
            return
        new = self.find_new_entries(msg.prev_log_index, msg.entries)
        if new:
            self._append_entries_to_log(new, "ae-append")
        last_new = msg.prev_log_index + len(msg.entries)
        if msg.leader_commit > self.commit_index:
            self._set_commit_index(min(msg.leader_commit, last_new), "ae-commit", now)
        self._reply_append(msg, True, "ae-append", match_index=last_new)


class CommitToLogEnd(Lab2Node):
    """Receiver rule 5 read as min(leader_commit, len(log)): a stale entry past what the
    message vouches for gets committed and applied."""

    handle_append_entries_reply = Node.handle_append_entries_reply

    def handle_append_entries(self, msg, now):
        if msg.term < self.current_term:
            self._reply_append(msg, False, "ae-stale")
            return
        if self.role == CANDIDATE:
            self._become(FOLLOWER, now, "candidate-leader-found")
        self.leader_id = msg.leader_id
        self.last_heard = now
        self._reset_election_timer(now)
        if not self.log_matches(msg.prev_log_index, msg.prev_log_term):
            self._reply_append(msg, False, "ae-mismatch")
            return
        new = self.find_new_entries(msg.prev_log_index, msg.entries)
        if new:
            self._append_entries_to_log(new, "ae-append")
        last_new = msg.prev_log_index + len(msg.entries)
        if msg.leader_commit > self.commit_index:
            # wrong: the end of our log, not the last entry this message vouches for
            self._set_commit_index(min(msg.leader_commit, self.log.last_index), "ae-commit", now)
        self._reply_append(msg, True, "ae-append", match_index=last_new)


def _backoff(node, msg):
    peer = msg.src
    node.next_index[peer] = max(1, min(node.next_index[peer] - 1, msg.conflict_index))
    node.send_append_entries(peer)


class NoTermCheckReply(Lab2Node):
    """Counts a success reply from an earlier term (only the role is checked)."""

    handle_append_entries = Node.handle_append_entries

    def handle_append_entries_reply(self, msg, now):
        if self.role != LEADER:  # wrong: forgot `or msg.term != self.current_term`
            return
        peer = msg.src
        if msg.success:
            self.match_index[peer] = max(self.match_index[peer], msg.match_index)
            self.next_index[peer] = self.match_index[peer] + 1
            self.advance_commit_index(now)
        else:
            _backoff(self, msg)


class MatchMovesBack(Lab2Node):
    """Sets match_index from each reply, so a late reply moves it backwards."""

    handle_append_entries = Node.handle_append_entries

    def handle_append_entries_reply(self, msg, now):
        if self.role != LEADER or msg.term != self.current_term:
            return
        peer = msg.src
        if msg.success:
            self.match_index[peer] = msg.match_index  # wrong: may go backwards
            self.next_index[peer] = msg.match_index + 1
            self.advance_commit_index(now)
        else:
            _backoff(self, msg)


class StaleRepliesAndMatchBack(Lab2Node):
    """Both mistakes together: the usual first attempt."""

    handle_append_entries = Node.handle_append_entries

    def handle_append_entries_reply(self, msg, now):
        if self.role != LEADER:  # wrong twice: no term check, and match_index may go back
            return
        peer = msg.src
        if msg.success:
            self.match_index[peer] = msg.match_index
            self.next_index[peer] = msg.match_index + 1
            self.advance_commit_index(now)
        else:
            _backoff(self, msg)


# -- Lab 3 --------------------------------------------------------------------------------------

class CountsEarlierTerms(Lab3Node):
    """Commits any entry stored on a majority, whatever its term (Figure 8)."""

    candidate_log_is_up_to_date = Node.candidate_log_is_up_to_date

    def advance_commit_index(self, now):
        for n in range(self.log.last_index, self.commit_index, -1):
            replicated = {self.id} | {p for p, m in self.match_index.items() if m >= n}
            if self.config.has_quorum(replicated):  # wrong: no check of log[n].term
                self._set_commit_index(n, "leader-commit", now)
                return


class HalfIsEnough(Lab3Node):
    """Counts half the servers as a majority (>= instead of >): right for odd sizes, wrong for
    even ones."""

    candidate_log_is_up_to_date = Node.candidate_log_is_up_to_date

    def advance_commit_index(self, now):
        voters = self.config.voters
        for n in range(self.log.last_index, self.commit_index, -1):
            if self.log.term_at(n) != self.current_term:
                break
            replicated = {self.id} | {p for p, m in self.match_index.items() if m >= n}
            if len(replicated & voters) * 2 >= len(voters):  # wrong: half is not a majority
                self._set_commit_index(n, "leader-commit", now)
                return


class LongerLogWins(Lab3Node):
    """The up-to-date check compares only the lengths of the logs."""

    advance_commit_index = Node.advance_commit_index

    def candidate_log_is_up_to_date(self, last_log_index, last_log_term):
        return last_log_index >= self.log.last_index  # wrong: last terms ignored


# -- Lab 4 --------------------------------------------------------------------------------------

class VoteNotMarked(Lab4Node):
    """_set_term marks the hard state for writing; _record_vote forgets to."""

    def _set_term(self, term):
        self.current_term = term
        self.voted_for = None
        self.leader_id = None
        self._out.persist_hard_state = True

    def _record_vote(self, candidate_id):
        self.voted_for = candidate_id  # wrong: not marked for writing


class TermNotMarked(Lab4Node):
    """_record_vote marks the hard state for writing; _set_term forgets to."""

    def _set_term(self, term):
        self.current_term = term  # wrong: not marked for writing
        self.voted_for = None
        self.leader_id = None

    def _record_vote(self, candidate_id):
        self.voted_for = candidate_id
        self._out.persist_hard_state = True


# -- Lab 5 --------------------------------------------------------------------------------------

class DirectSwitch(Lab5Node):
    """Switches straight from C_old to C_new (Figure 10)."""

    _after_commit_as_leader = Node._after_commit_as_leader

    def change_membership(self, voters, now, unsafe=False):
        if self.role != LEADER:
            raise NotLeader(self.id, self.leader_id)
        if self.config_change_in_progress():
            raise MembershipChangeInProgress("one change at a time")
        voters = frozenset(voters)
        for peer in voters - self.config.members:
            self.next_index[peer] = self.log.last_index + 1
            self.match_index[peer] = 0
        # wrong: no C_old,new
        self._append_entries_to_log([Entry(self.current_term, Configuration(voters))],
                                    "config-latest")
        self.broadcast_append_entries(now)


class EagerNewConfig(Lab5Node):
    """Appends C_new at the first commit after C_old,new, committed or not."""

    change_membership = Node.change_membership

    def _after_commit_as_leader(self, now):
        if self._config_index == 0:  # wrong: forgot `or self._config_index > commit_index`
            return
        config = self.config
        if config.is_joint:
            self._append_entries_to_log([Entry(self.current_term,
                                               Configuration(config.voters))], "config-joint")
            self.broadcast_append_entries(now)
        elif self.id not in config.voters and self._config_index <= self.commit_index:
            self._become(FOLLOWER, now, "config-removed")


class JointAndNewTogether(Lab5Node):
    """Appends C_old,new and, right behind it, C_new."""

    _after_commit_as_leader = Node._after_commit_as_leader

    def change_membership(self, voters, now, unsafe=False):
        Node.change_membership(self, voters, now)

    def _check_catch_up(self, now):
        change, before = self.pending_change, self.log.last_index
        Node._check_catch_up(self, now)
        if self.log.last_index > before and self.config.is_joint:  # wrong: C_new at once
            self._append_entries_to_log([Entry(self.current_term,
                                               Configuration(change.voters))], "config-joint")
            self.broadcast_append_entries(now)


# -- the cases: (class, lab, part of the failing check's name, what its message must say) --------

CASES = [
    (CountsStaleVotes, 1, "earlier term is not counted", "Election Safety violated"),
    (GrantsStaleCandidate, 1, "stale candidate is refused", "S2 voted_for is 1, expected None"),
    (ForgetsTimerRestart, 1, "a leader is elected",
     "time stands still: S1's election timer fired 1,000 times at 170.2 ms"),
    (HeartbeatKeepsTimer, 2, "heartbeats restart",
     "must restart the election timer (a fresh 150-300 ms; Figure 2, Rules for Servers: "
     "Followers, §5.2)"),
    (CommitToLogEnd, 2, "vouches for", "State Machine Safety violated"),
    (NoTermCheckReply, 2, "earlier term is ignored", "Leader Completeness violated"),
    (MatchMovesBack, 2, "late acknowledgement", "rule of Figure 2 broken"),
    (StaleRepliesAndMatchBack, 2, "earlier term is ignored", "Leader Completeness violated"),
    (CountsEarlierTerms, 3, "one entry per message", "Leader Completeness violated"),
    (LongerLogWins, 3, "not the longer log", "Leader Completeness violated"),
    (HalfIsEnough, 3, "four servers", "commit is 2, expected 1"),
    (VoteNotMarked, 4, "without a term change", "Election Safety violated"),
    (TermNotMarked, 4, "term adopted from a leader", "Leader Completeness violated"),
    (DirectSwitch, 5, "Figure 10", "violated"),
    (DirectSwitch, 5, "grow from 3 to 5", "rule of §6 broken"),
    (EagerNewConfig, 5, "committed (§6)", "rule of §6 broken"),
    (EagerNewConfig, 5, "network splits", "Leader Completeness violated"),
    (JointAndNewTogether, 5, "network splits", "Leader Completeness violated"),
    (JointAndNewTogether, 5, "Figure 10", "violated"),
]

_reports = {}


def _report(cls, lab):
    if cls not in _reports:
        _reports[cls] = grade.check(cls, lab, quiet=True)
    return _reports[cls]


@pytest.mark.parametrize("cls, lab, check, says", CASES,
                         ids=[f"{c[0].__name__}-{c[2]}" for c in CASES])
def test_wrong_solution_fails_with_a_named_report(cls, lab, check, says):
    report = _report(cls, lab)
    text = report.text()
    assert not report.passed, text
    failed = [r for r in report.results if not r.passed and check in r.name]
    assert len(failed) == 1, f"no failed check named {check!r}:\n{text}"
    message = failed[0].message
    assert says in message, message
    assert "Traceback" not in text
    # Actionable: the seed, the key events and a replay call.
    assert "seed" in message and "what happened" in message, message
    assert f"raft.grade.replay_story({cls.__name__}, lab={lab}, story=" in message, message
    # The replay call works and stops at the failure, with a trace to animate.
    story = message.split("story=")[1].split(")")[0].strip("'\"")
    cluster = grade.replay_story(cls, lab, story)
    assert cluster.steps > 0 and cluster.trace and cluster.checker is None


def test_a_real_consequence_names_the_rule_broken_first():
    """The Figure 10 story lets the direct switch run on to a real violation, and the report
    says which rule of §6 was broken first."""
    report = _report(DirectSwitch, 5)
    [result] = [r for r in report.results if "Figure 10" in r.name]
    assert "violated" in result.message
    assert "first sign" in result.message and "rule of §6 broken" in result.message
    assert "without the joint configuration" in result.message


def test_a_failed_story_shows_its_starting_state_beside_the_expectation():
    """What decides the verdict is on the page: the servers' starting terms, votes and logs,
    and the story's lines up to the one that failed (marked)."""
    report = _report(GrantsStaleCandidate, 1)
    [result] = [r for r in report.results if "stale candidate" in r.name]
    lines = result.message.splitlines()
    assert lines[0] == "line 9: S2 voted_for is 1, expected None"
    assert "starting state (what the story gives each server before it acts):" in lines
    assert "  S1: term 1, voted for none, log empty" in lines
    assert "  S2: term 3, voted for none, log empty" in lines
    assert "  >  9  expect voted_for 2 = none" in lines and "     5  term 2: 3" in lines
    # A story function shows its own description instead of a script.
    [result] = [r for r in _report(CountsStaleVotes, 1).results if "not counted" in r.name]
    assert "S1..S3: term 0, no vote, empty log (a fresh cluster)" in result.message
    assert "the story: S2 grants S1 its vote in term 1, but the reply is slow." in result.message


def test_the_stuck_timer_is_a_finding_of_the_random_schedules_too():
    report = _report(ForgetsTimerRestart, 1)
    cx = report.counterexample
    assert cx is not None and cx.finding.kind == "stuck" and cx.finding.prop == "election timer"
    assert "restart it when you start an election" in cx.finding.headline()
    # The replay stops at the first of the repeated firings, so it can be watched.
    who = int(re.search(r"S(\d+)'s election timer", cx.finding.details).group(1))
    cluster = grade.replay(ForgetsTimerRestart, cx.schedule)
    assert cluster.nodes[who].role == CANDIDATE
    assert cluster.trace[-1].kind in ("role", "election", "send") and cluster.steps > 0


@pytest.mark.parametrize("lab", [1, 2, 3, 4, 5])
def test_reference_passes_every_story(lab):
    for name, story in grade.LABS[lab].stories:
        run = _run_story(Node, story)
        assert run.passed, f"lab {lab}, {name}: {run.message}"
        assert run.cluster.checker.rule_break is None


def test_random_schedules_of_lab_5_change_membership_and_catch_a_direct_switch():
    """Lab 5's random schedules include membership changes (growing, shrinking, replacing,
    removing the leader); the reference passes them and the direct switch is caught there too
    (seeds 0..39, the default)."""
    profile = grade.LABS[5].profile
    schedules = [grade.generate(seed, profile) for seed in range(grade.LABS[5].seeds)]
    changes = [a for s in schedules for a in s.actions if isinstance(a, Members)]
    assert len(changes) >= 20
    assert any(max(a.voters) > profile["size"] for a in changes)  # new servers join
    schedule = next(s for s in schedules if any(isinstance(a, Members) for a in s.actions))
    assert grade.parse_schedule(schedule.text()) == schedule
    cx = grade.find_counterexample(DirectSwitch, profile, range(grade.LABS[5].seeds))
    assert cx is not None and cx.finding.kind == "rule" and cx.finding.prop == "§6"
    assert any(isinstance(a, Members) for a in cx.schedule.actions)
    assert "rule of §6 broken" in cx.finding.headline()


def test_default_seed_count():
    assert all(lab.seeds >= 40 for lab in grade.LABS.values())
