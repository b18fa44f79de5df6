"""The bug zoo: classic Raft mistakes, each one switchable on the reference node.

Theory of operation
-------------------
Every bug is a subclass of :class:`raft.node.Node` that overrides *one* method: the method is
copied from ``raft/node.py`` and exactly one line is changed, marked with a ``# BUG:`` comment.
Switch a bug on by giving its class to a cluster::

    from raft import Cluster, bugs
    cluster = Cluster(node_class=bugs.BUGS["naive-commit"], check_invariants=True)

Each class carries its own explanation as data (``title``, ``section``, ``explanation``,
``finds``) so the book's bug-zoo page renders the same words the code holds, and a *profile*:
how the random schedule generator of :mod:`raft.fuzz.generate` should bias its choices to provoke this
bug (a persistence bug needs crashes right after votes; a stale-reply bug needs slow, reordered
messages). The checker that judges a run is the same for every bug: the five safety properties
of Figure 3 after every step (``raft.check``), plus a liveness check after the faults end
(see :func:`raft.fuzz.run.run_schedule`).

``hunt(name)`` runs seeded schedules against one bug until the checker flags one, then shrinks
that schedule to a short counterexample (see :mod:`raft.fuzz`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import (ConfigurationError, LeadershipTransferInProgress, MembershipChangeInProgress,
                      NotLeader)
from ..fuzz.counterexample import find_counterexample
from ..node import CANDIDATE, FOLLOWER, LEADER, AppendEntries, Entry, Node, Ready


class Bug(Node):
    """Base of the zoo's bugs: the data the book shows next to each one."""

    name = ""          # the key in BUGS
    title = ""         # one line
    section = ""       # where the paper states the rule this bug breaks
    method = ""        # the one method the bug overrides
    explanation = ""   # one paragraph, in our words
    finds = ""         # what the checker reports: a property of Figure 3, or "stall"
    profile = {}       # generator bias, see raft.fuzz.generate
    bound = 100        # seeds tried, 0..bound-1: the test proves a seed below it is flagged


# -- 1. Figure 8: committing an earlier term's entry by counting replicas ------------------------

class NaiveCommit(Bug):
    name = "naive-commit"
    title = "Committing an earlier term's entry by counting replicas"
    section = "§5.4.2, Figure 8"
    method = "advance_commit_index"
    explanation = (
        "A leader may mark an entry committed once a majority stores it, but only for an entry "
        "of its own term. This leader also counts replicas of entries left over from earlier "
        "terms. Figure 8 shows how that goes wrong: an old entry can sit on a majority and still "
        "be overwritten by a server whose last entry has a newer term, because that server can "
        "still win an election. Here the old entry is applied first and replaced afterwards. "
        "Our reference leader appends a no-op at the start of its term (§8), which hides this "
        "mistake, so this class also leaves the no-op out, as the paper's Figure 8 does.")
    finds = "Leader Completeness or State Machine Safety"
    profile = dict(size=3, length=16, weights={"isolate leader": 3, "submit": 3, "heal": 1},
                   run_ms=(150, 500), pause=0.5)
    bound = 150

    def advance_commit_index(self, now):
        match = {**self.match_index, self.id: self.log.last_index}
        n = self.config.quorum_index(match)
        if n > self.commit_index:  # BUG: log[n] may be of any term
            self.set_commit_index(n, "leader-commit", now)

    # Not the bug: the setting of Figure 8, a leader that does not append a no-op (§8).
    noop_on_election = False


# -- 2. Granting a vote without the up-to-date check ----------------------------------------------

class VoteWithoutLogCheck(Bug):
    name = "vote-without-log-check"
    title = "Granting a vote without the length tie-break of the up-to-date check"
    section = "§5.4.1"
    method = "candidate_log_is_up_to_date"
    explanation = (
        "The election restriction says a server grants its vote only to a candidate whose log is "
        "at least as up-to-date as its own: a later last term, or the same last term and a log at "
        "least as long. It is what guarantees that every new leader already holds every committed "
        "entry, since a candidate must collect votes from a majority and every committed entry "
        "is on a majority. This server compares the last terms but forgets the tie-break on "
        "length: with equal last terms, any candidate gets its vote. A server that missed "
        "committed entries of the latest term can then win an election and overwrite them on "
        "the others.")
    finds = "Leader Completeness"
    profile = dict(size=3, length=14, weights={"run": 4, "submit": 4, "isolate": 3, "heal": 2,
                                               "crash leader": 2, "restart any": 2, "timeout": 3},
                   run_ms=(20, 300))

    def candidate_log_is_up_to_date(self, last_log_index, last_log_term):
        if last_log_term != self.log.last_term:
            return last_log_term > self.log.last_term
        return True  # BUG: any candidate is up-to-date enough (should compare the lengths)


# -- 3. Two votes in one term ----------------------------------------------------------------------

class ForgetVoteInSameTerm(Bug):
    name = "forget-vote-same-term"
    title = "Treating a message of the same term as a new term (voted_for reset, step down)"
    section = "§5.1, §5.2"
    method = "adopt_newer_term"
    explanation = (
        "A server may vote at most once per term, so voted_for may be cleared only when the term "
        "goes up, and a server steps down only when it sees a *higher* term. This server "
        "compares with >= instead of >: every message of its own term makes it \"adopt\" the "
        "term again, which clears voted_for (a second vote in the same term becomes possible) "
        "and makes a leader step down on the first reply from its followers. The checker finds "
        "the loud symptom first: leaders never last, and no client command is ever committed.")
    finds = "stall"
    profile = dict(size=3, length=6, weights={"run": 3, "timeout": 2, "submit": 1})
    bound = 10

    def adopt_newer_term(self, msg, now):
        if msg.term >= self.current_term:  # BUG: should be >; the same term is not new
            self.note("term", "all-term", term=msg.term, src=msg.src)
            self.set_term(msg.term)
            if self.role != FOLLOWER:
                self.become(FOLLOWER, now, "all-term")


# -- 4. Counting stale vote replies ----------------------------------------------------------------

class StaleVoteReplies(Bug):
    name = "stale-vote-replies"
    title = "Counting vote replies from an earlier term"
    section = "§5.1, §5.2"
    method = "handle_request_vote_reply"
    explanation = (
        "A vote is granted for one term only. A candidate that timed out and started a new "
        "election may still receive replies to the RequestVotes of its previous campaign, which "
        "a slow network delivered late. Counting them adds votes that were never given for the "
        "current term: the candidate can become leader without a real majority, while another "
        "server wins the same term honestly.")
    finds = "Election Safety"
    profile = dict(size=5, length=10, weights={"run": 4, "timeout": 5, "network": 1},
                   run_ms=(5, 120), network=dict(reorder=(0.3, 0.6), latency=((20, 60),)))

    def handle_request_vote_reply(self, msg, now):
        if self.role != CANDIDATE:  # BUG: forgot `or msg.term != self.current_term`
            self.note("ignore", "reply-stale", msg=msg)
            return
        if msg.vote_granted:
            self.votes.add(msg.src)
            self.note("votes", "candidate-count", src=msg.src, votes=sorted(self.votes))
            self.count_votes(now)


# -- 5. Not persisting current_term and voted_for -------------------------------------------------

class HardStateNotPersisted(Bug):
    name = "vote-not-persisted"
    title = "Not persisting current_term and voted_for before answering"
    section = "Figure 2 (persistent state), §5.2"
    method = "ready"
    explanation = (
        "current_term and voted_for are persistent state: Figure 2 asks a server to write them "
        "to stable storage before it answers any RPC. This server never asks for them to be "
        "written (its log is still saved). After a crash it restarts in an old term with no "
        "memory of its vote, so it can vote a second time in a term in which it already voted, "
        "and two leaders can be elected in one term.")
    finds = "Election Safety"
    profile = dict(size=3, length=20, weights={"run": 2, "timeout": 2, "crash": 5,
                                               "restart any": 5},
                   run_ms=(1, 300), pause=0.6)

    def ready(self):
        out, self.out = self.out, Ready()
        return replace(out, persist_hard_state=False)  # BUG: should be `return out`


# -- 6. Truncating on every AppendEntries ----------------------------------------------------------

class TruncateAlways(Bug):
    name = "truncate-always"
    title = "Truncating the log on every AppendEntries, not only on a conflict"
    section = "§5.3, Figure 2 (AppendEntries receiver rule 3)"
    method = "find_conflict"
    explanation = (
        "A follower may delete entries only when they conflict with the leader's (same index, "
        "different term). This follower deletes everything after prev_log_index whenever an "
        "AppendEntries carries entries. When the network delivers an old, shorter AppendEntries "
        "late, the follower throws away entries it has already acknowledged, which the leader "
        "may have counted to commit them. A committed entry can then vanish from a majority, "
        "and a server that never had it can be elected. Or the cluster stalls: the leader "
        "believes the followers hold entries they have cut off, never sends those again, and "
        "has every later AppendEntries refused.")
    finds = "Leader Completeness, or a stall"
    profile = dict(size=3, length=30, weights={"run": 3, "submit": 6, "crash leader": 2,
                                               "restart any": 2, "network": 1, "heal": 1,
                                               "isolate": 1},
                   run_ms=(5, 150), network=dict(reorder=(0.3, 0.6), duplicate=(0.2, 0.5)))

    def find_conflict(self, prev_log_index, entries):
        first = prev_log_index + 1
        held = self.log[first:first + len(entries)]   # our entries at the same indexes
        for index, (ours, new) in enumerate(zip(held, entries), first):
            if True:  # BUG: should be `if ours.term != new.term:`
                return index
        return None


# -- 7. Applying entries beyond commit_index --------------------------------------------------------

class ApplyUncommitted(Bug):
    name = "apply-uncommitted"
    title = "Applying entries beyond commit_index"
    section = "§5.3, Figure 2 (rules for all servers)"
    method = "apply_committed"
    explanation = (
        "A server may apply an entry to its state machine only once the entry is committed. "
        "This server applies everything in its log whenever its commit index moves. Entries past "
        "the commit index may still be replaced by a new leader, and a state machine cannot take "
        "back a command it has executed: the server ends up having applied a command that the "
        "cluster decided differently.")
    finds = "State Machine Safety"
    profile = dict(size=5, length=16, initial=["network drop=0.3"], run_ms=(1, 60),
                   pause=0.5, weights={"submit": 6, "isolate leader": 2, "heal": 2,
                                       "crash leader": 1, "restart any": 1})
    bound = 300

    def apply_committed(self):
        while self.last_applied < self.log.last_index:  # BUG: should stop at commit_index
            self.last_applied += 1
            self.out.apply.append((self.last_applied, self.log[self.last_applied]))


# -- 8. A leader that does not step down ------------------------------------------------------------

class LeaderIgnoresHigherTerm(Bug):
    name = "leader-keeps-leading"
    title = "A leader not stepping down on a higher term"
    section = "§5.1, Figure 2 (rules for all servers)"
    method = "adopt_newer_term"
    explanation = (
        "Terms act as a logical clock: a server that sees a higher term learns that it is out of "
        "date. A leader that learns of a newer term, for instance from an AppendEntries reply, "
        "must adopt it and become a follower. This leader adopts the new term but keeps leading, "
        "now in a term that another server legitimately won: two leaders in one term.")
    finds = "Election Safety"
    profile = dict(size=3, length=10, weights={"run": 4, "isolate leader": 4, "heal": 3,
                                               "submit": 2},
                   run_ms=(50, 500))

    def adopt_newer_term(self, msg, now):
        if msg.term > self.current_term:
            self.note("term", "all-term", term=msg.term, src=msg.src)
            self.set_term(msg.term)
            if self.role == CANDIDATE:  # BUG: should be `!= FOLLOWER`: a leader keeps leading
                self.become(FOLLOWER, now, "all-term")


# -- 9. Off by one in prev_log_term ----------------------------------------------------------------

class PrevLogOffByOne(Bug):
    name = "prev-log-off-by-one"
    title = "Off by one in the consistency check (prev_log_index / prev_log_term)"
    section = "§5.3, Figure 2 (AppendEntries arguments)"
    method = "send_append_entries"
    explanation = (
        "The consistency check works because prev_log_index and prev_log_term describe the "
        "*same* entry: the one just before the new entries. This leader reads prev_log_term one "
        "entry too early. A follower holding a different entry at prev_log_index passes the check "
        "whenever that entry's term happens to equal the term of the entry before it in the "
        "leader's log, and the new entries are appended after an entry the leader never had: "
        "two logs then agree on an index and term but differ before it.")
    finds = "Log Matching"
    profile = dict(size=3, length=18, weights={"run": 3, "submit": 6, "isolate leader": 3,
                                               "heal": 2, "crash leader": 1, "restart any": 1,
                                               "timeout": 1},
                   run_ms=(5, 300))
    bound = 150

    def send_append_entries(self, peer):
        prev_log_index = self.next_index[peer] - 1
        if prev_log_index < self.log.snapshot_index:   # beyond Figure 2 (§7): they are gone
            return self.send_install_snapshot(peer)
        last = min(self.log.last_index, prev_log_index + self.max_entries_per_message)
        self.sent_index[peer] = last
        self.send(AppendEntries(
            src=self.id, dst=peer, term=self.current_term, leader_id=self.id,
            prev_log_index=prev_log_index,
            prev_log_term=self.log.term_at(prev_log_index - 1),  # BUG: should be prev_log_index
            entries=tuple(self.log[prev_log_index + 1:last + 1]), leader_commit=self.commit_index))


# -- 10. Not resetting the election timer when granting a vote (liveness) ---------------------------

class VoteKeepsTimer(Bug):
    name = "vote-keeps-timer"
    title = "Not resetting the election timer when granting a vote"
    section = "§5.2, Figure 2 (rules for followers)"
    method = "handle_request_vote"
    explanation = (
        "A follower restarts its election timer when it grants a vote, giving the candidate it "
        "chose time to win and announce itself. This follower keeps its old deadline, so right "
        "after voting it may time out itself and start a competing election in a higher term, "
        "deposing the leader it just helped elect. No safety property breaks, but when messages "
        "are slow compared with the spread of election timeouts, elections keep interrupting "
        "each other and the cluster stops making progress: a liveness bug.")
    finds = "stall"
    profile = dict(size=5, length=30, weights={"run": 2, "crash leader": 3, "network": 1},
                   run_ms=(100, 400), network=dict(latency=((25, 40),)),
                   election_timeout=(150, 200))
    bound = 60

    def handle_request_vote(self, msg, now):
        if msg.term < self.current_term:
            self.reply_vote(msg, False, "rv-stale", "its term is stale")
            return
        if self.voted_for not in (None, msg.candidate_id):
            self.reply_vote(msg, False, "rv-refuse", f"already voted for S{self.voted_for}")
        elif not self.candidate_log_is_up_to_date(msg.last_log_index, msg.last_log_term):
            self.reply_vote(msg, False, "rv-refuse", "its log is not up-to-date")
        else:
            self.record_vote(msg.candidate_id)
            # BUG: the election timer is not reset here (`self.reset_election_timer(now)`)
            self.reply_vote(msg, True, "rv-grant", "")


# -- 11. The 2015 bug: a single-server change before committing an entry of one's own term -----

class ChangeBeforeOwnCommit(Bug):
    name = "change-before-own-commit"
    title = "A single-server membership change before committing an entry of one's own term"
    section = "dissertation §4.1; Ongaro, raft-dev, 2015"
    method = "check_membership_change"
    explanation = (
        "Single-server changes are safe because a majority of the old voters and a majority of "
        "the new ones always share a server, one change at a time. In 2015 Ongaro found the hole "
        "in that argument: a leader elected with the old configuration may not know of a "
        "change its predecessor appended but never committed. If this leader makes a change of "
        "its own and commits it, two configurations now live in different logs, each one server "
        "away from the original but two away from each other, and their majorities need not "
        "overlap: the servers holding the predecessor's configuration can elect a leader that "
        "never saw the committed change, which then overwrites it. The fix: a leader changes "
        "the membership only after it has committed an entry of its own term (its no-op), which "
        "settles which configuration came before. This leader skips that check. It also leaves "
        "out the no-op, as the paper's Figure 2 does; with the no-op the bug needs the network to "
        "split within one round trip of an election, which random schedules rarely hit.")
    finds = "Leader Completeness"
    # Two removals, the first by a leader cut off at once, the second by its successor: the
    # schedule needs two pairs of actions with no time between them, so runs are rarer here.
    profile = dict(size=4, length=24, weights=dict(run=3, remove=6, isolate_leader=3,
                                                   partition=4),
                   run_ms=(150, 400), pause=0.1)
    bound = 300

    def check_membership_change(self):
        if self.role != LEADER:
            raise NotLeader(self.id, self.leader_id)
        if self.config_change_in_progress() or self.transfer_target is not None:
            busy = (f"a transfer of leadership to S{self.transfer_target}"
                    if self.transfer_target is not None else f"configuration {self.config}")
            raise MembershipChangeInProgress(
                f"a change is already in progress ({busy}); one change at a time (§4.1)")
        committed_own_term = True  # BUG: the 2015 fix is `log.term_at(commit_index) == current_term`
        if not committed_own_term:
            raise MembershipChangeInProgress(
                f"S{self.id} has not yet committed an entry of its term {self.current_term} "
                "(its no-op); until it has, a change from an earlier term may still be under "
                "way (the 2015 fix to single-server changes)")

    # Not the bug: a leader without the no-op of §8 (see the explanation).
    noop_on_election = False


ZOO = (NaiveCommit, VoteWithoutLogCheck, ForgetVoteInSameTerm, StaleVoteReplies, HardStateNotPersisted,
       TruncateAlways, ApplyUncommitted, LeaderIgnoresHigherTerm, PrevLogOffByOne, VoteKeepsTimer,
       ChangeBeforeOwnCommit)


# =================================================================================================
# Bugs of client interaction (dissertation chapter 6). No safety property of Figure 3 notices
# them: the servers' logs stay perfect, and it is the *clients* who are told something no single
# correct server could have told them. So each comes with a story with clients (raft.classroom.
# reads), and the judge is the linearizability checker on the clients' history.
# =================================================================================================

class ClientBug(Bug):
    """Base of the client bugs: run ``story(seed, node_class)`` for seeds 0..bound-1 until the
    clients' history is not linearizable."""

    finds = "not linearizable"
    bound = 10
    story = None        # a function (seed, node_class) -> cluster, from raft.classroom.reads
    story_text = ""     # the story in a sentence


# -- 12. The stale read: confirming leadership without a majority ----------------------------------

class ConfirmWithoutMajority(ClientBug):
    name = "stale-read"
    title = "Answering reads without hearing from a majority (the stale read)"
    section = "dissertation §6.4 (ReadIndex, step 3)"
    method = "confirm_reads"
    explanation = (
        "Before a leader answers a read from its own state machine, it must make sure that no "
        "newer leader has replaced it: it sends a round of heartbeats and waits until a majority "
        "has acknowledged it. This leader counts its own acknowledgment only, so every round is "
        "confirmed at once. A leader cut off from the other servers does not know it has been "
        "replaced; its state machine misses every write its successor commits, and it answers "
        "with a value that a write which had already returned overwrote. Jepsen found exactly "
        "this in etcd and Consul in 2014 (the dissertation cites it in §6.4).")
    story_text = ("the leader is cut off from the other servers, its successor commits x = 2, "
                  "then a client asks the old leader for x")

    @staticmethod
    def story(seed, node_class):
        from . import reads
        return reads.stale_read(seed, reads="read_index", node_class=node_class)

    def confirm_reads(self, now):
        confirmed = self.read_round  # BUG: should be the round a majority has acknowledged
        if confirmed <= self.confirmed_round:
            return
        self.confirmed_round = confirmed
        self.note("confirm", "read-confirm", round=confirmed)
        if self.reads == "lease":
            self.extend_lease(confirmed, now)
        for sent in [r for r in self.round_sent if r <= confirmed]:
            del self.round_sent[sent]
        ready = [r for r in self.pending_reads if r[0] is not None and r[0] <= confirmed]
        self.pending_reads = [r for r in self.pending_reads
                              if r[0] is None or r[0] > confirmed]
        for _, index, ctx, origin in ready:
            self.read_ready(ctx, origin, index)


# -- 13. No de-duplication: the entry forgets who sent it -------------------------------------------

class NoDeduplication(ClientBug):
    name = "no-dedup"
    title = "No de-duplication: a retried append applied twice"
    section = "dissertation §6.3"
    method = "propose"
    explanation = (
        "A client that gets no answer cannot tell whether its command was lost or only the "
        "answer was, so it sends the command again. Each command carries the client's id and a "
        "serial number, and every state machine keeps, per client, the last serial number it "
        "applied: a retry is recognised and answered from the session instead of applied again. "
        "This leader drops the id and serial number when it appends the command to its log, so "
        "the state machines cannot recognise the retry: an append whose answer was lost is "
        "applied twice, and a later read sees the value twice.")
    story_text = ("c1's append(x, a) is applied but its answer is lost; c1 retries, then c2 "
                  "reads x")

    @staticmethod
    def story(seed, node_class):
        from . import reads
        return reads.lost_reply(seed, node_class=node_class)

    def propose(self, command, now, client_id=None, seq=None):
        if self.role != LEADER:
            raise NotLeader(self.id, self.leader_id)
        if self.transfer_target is not None:
            raise LeadershipTransferInProgress(self.id, self.transfer_target)
        self.append_entries_to_log([Entry(self.current_term, command)],  # BUG: no client_id, seq
                                   "leader-client")
        self.broadcast_append_entries(now)
        self.advance_commit_index(now)
        return self.log.last_index


# -- 14. A lease timed from the replies -------------------------------------------------------------

class LeaseFromReply(ClientBug):
    name = "lease-from-reply"
    title = "Timing a lease from the acknowledgments instead of from the heartbeats' send"
    section = "dissertation §6.4.1"
    method = "extend_lease"
    explanation = (
        "A lease rests on a promise the followers made when they *received* a round of "
        "heartbeats: none of them will time out (and so none will start an election) for an "
        "election timeout after that. The leader cannot know when that was, only that it was "
        "after it sent the round; so its lease must start at the send time, and last less than "
        "an election timeout, by the clock drift bound. This leader starts its lease when the "
        "acknowledgments arrive. If they were slow, its lease outlives the followers' promise: "
        "a new leader can be elected and commit writes while the old one still answers reads "
        "from its lease.")
    story_text = ("a round's acknowledgments take 150 ms to come back, then the leader is cut "
                  "off; its successor commits x = 2 and a client asks the old leader for x")

    @staticmethod
    def story(seed, node_class):
        from . import reads
        return reads.slow_round_replies(seed, node_class=node_class)

    def extend_lease(self, confirmed, now):
        if self.transfer_target is not None or self.timeout_now_term == self.current_term:
            return
        start = now  # BUG: should be self.round_sent[confirmed], when the round was sent
        until = start + self.election_timeout[0] / self.drift_bound
        if self.lease_until is None or until > self.lease_until:
            self.lease_until = until
            self.note("lease", "lease-extend", until=until, round=confirmed)


# -- 15. A lease kept across a leadership transfer ---------------------------------------------------

class LeaseKeptAcrossTransfer(ClientBug):
    name = "lease-across-transfer"
    title = "A lease kept across a leadership transfer"
    section = "dissertation §6.4.1 and §3.10"
    method = "transfer_leadership"
    explanation = (
        "A lease rests on the followers' promise: having heard from the leader, none of them "
        "will elect anyone else for an election timeout. A leadership transfer breaks that "
        "promise on purpose: the target, told by TimeoutNow to campaign now, marks its "
        "RequestVote as a transfer's, and the others grant their votes at once. So a leader "
        "must give its lease up when it begins a transfer (\"a leader would need to expire its "
        "lease before transferring leadership\"). This leader keeps it: if it is cut off just "
        "as its successor takes over, it goes on answering reads from its lease while the new "
        "leader commits writes it never sees.")
    story_text = ("just after renewing its lease, the leader hands leadership to another "
                  "server and is cut off as its TimeoutNow arrives; the new leader commits "
                  "x = 2 and a client asks the old leader for x")

    @staticmethod
    def story(seed, node_class):
        from . import reads
        return reads.transfer_lease(seed, node_class=node_class)

    def transfer_leadership(self, target, now):
        if self.role != LEADER:
            raise NotLeader(self.id, self.leader_id)
        if self.transfer_target is not None:
            raise LeadershipTransferInProgress(self.id, self.transfer_target)
        if target == self.id:
            raise ConfigurationError(f"S{target} is already the leader")
        if target not in self.config.members:
            raise ConfigurationError(f"S{target} is not a voter in {self.config}, so it cannot "
                                     "lead")
        self.transfer_target = target
        self.transfer_deadline = now + self.election_timeout[0]
        self.note("transfer", "tr-start", target=target)
        # BUG: the lease is kept (missing: self.end_lease("a leadership transfer began"))
        if self.match_index.get(target, 0) < self.log.last_index:
            if self.next_index[target] <= self.log.last_index:
                self.send_append_entries(target)
        else:
            self.send_timeout_now_if_caught_up(target)


CLIENT_ZOO = (ConfirmWithoutMajority, NoDeduplication, LeaseFromReply, LeaseKeptAcrossTransfer)

#: name -> client bug class (judged by the linearizability checker on a story with clients)
CLIENT_BUGS = {cls.name: cls for cls in CLIENT_ZOO}

#: name -> bug class, e.g. ``Cluster(node_class=BUGS["naive-commit"])``
BUGS = {cls.name: cls for cls in ZOO}


def hunt(name, seeds=None, minimize=True):
    """Search seeded schedules for a counterexample to bug ``name`` and shrink it.

    Returns a :class:`raft.fuzz.counterexample.Counterexample` (or None if no seed below the bound found
    one)."""
    if name not in BUGS:
        raise ConfigurationError(f"no bug named {name!r} in the zoo; its bugs: "
                                 f"{', '.join(BUGS)}")
    cls = BUGS[name]
    seeds = range(cls.bound) if seeds is None else seeds
    return find_counterexample(cls, cls.profile, seeds, minimize=minimize)


@dataclass
class ClientFinding:
    """A client bug caught: the story's seed, its cluster (the run, replayable) and the
    checker's verdict on its clients' history."""

    name: str
    seed: int
    cluster: object
    verdict: object

    @property
    def history(self):
        return self.cluster.client_history()

    def scenario_text(self):
        return self.cluster.scenario_text()


def hunt_client_bug(name, seeds=None):
    """Run client bug ``name``'s story for seeds 0..bound-1 until the linearizability checker
    rejects the clients' history; returns a :class:`ClientFinding`, or None."""
    from ..linearizability import check
    if name not in CLIENT_BUGS:
        raise ConfigurationError(f"no client bug named {name!r} in the zoo; its client bugs: "
                                 f"{', '.join(CLIENT_BUGS)}")
    cls = CLIENT_BUGS[name]
    for seed in (range(cls.bound) if seeds is None else seeds):
        cluster = cls.story(seed, cls)
        verdict = check(cluster.client_history(), "kv")
        if not verdict.ok:
            return ClientFinding(name, seed, cluster, verdict)
    return None
