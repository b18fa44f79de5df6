"""Known-wrong lab solutions: realistic mistakes a student makes in one lab's methods, each a
subclass of that lab's skeleton with everything else taken from the reference node.

They once passed every story and 200 random seeds (or, for the forgotten election timer, hung
the grader); the grader now fails each of them (``tests/test_classroom_grader_gaps.py`` checks
the report for each), and ``raft.classroom.grade_table`` measures which of the grader's three
methods (the stories, the random schedules, the model checker) catches which of them and of the
bug zoo. :data:`MISTAKES` lists them with their lab.
"""

from __future__ import annotations

from ..errors import MembershipChangeInProgress, NotLeader
from ..node import CANDIDATE, FOLLOWER, LEADER, Configuration, Entry, Node, RequestVote
from .skeleton import Lab1Node, Lab2Node, Lab3Node, Lab4Node, Lab5Node


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


#: (class, lab) for every known-wrong lab solution, in lab order.
MISTAKES = (
    (CountsStaleVotes, 1), (GrantsStaleCandidate, 1), (ForgetsTimerRestart, 1),
    (HeartbeatKeepsTimer, 2), (CommitToLogEnd, 2), (NoTermCheckReply, 2), (MatchMovesBack, 2),
    (StaleRepliesAndMatchBack, 2),
    (CountsEarlierTerms, 3), (HalfIsEnough, 3), (LongerLogWins, 3),
    (VoteNotMarked, 4), (TermNotMarked, 4),
    (DirectSwitch, 5), (EagerNewConfig, 5), (JointAndNewTogether, 5),
)
