"""Skeletons for the six labs. Copy one class's methods into your own subclass and fill them in.

Each skeleton is the reference node with the lab's methods removed. The docstrings say what the
paper asks; the reference answers live in ``raft/node.py`` (read them only after trying).

The helpers named here are the node's public hooks (listed in ``Node``'s docstring). Their older
names, the same with a leading underscore (``self._set_term``, ``self._reply_vote``...), still
work, to call and to override: a class written for an earlier edition of the labs is graded the
same.
"""

from __future__ import annotations

import inspect
import textwrap

from ..node import Node


def _todo(lab, method, where):
    raise NotImplementedError(f"Lab {lab}: write {method} (see {where})")


class Lab1Node(Node):
    """Lab 1, leader election (§5.2, Figure 2: RequestVote RPC, rules for candidates)."""

    def start_election(self, now, rule, leadership_transfer=False):
        """Become candidate: increment current_term, vote for yourself, reset the election
        timer, send RequestVote to every other voter (use self.set_term, self.become,
        self.record_vote, self.reset_election_timer, self.send, self.count_votes)."""
        _todo(1, "start_election", "§5.2 and Figure 2, 'Rules for Servers: Candidates'")

    def handle_request_vote(self, msg, now):
        """RequestVote receiver: refuse a stale term; grant at most one vote per term, only to a
        candidate whose log is at least as up-to-date; reset the election timer when granting
        (reply with self.reply_vote: rule "rv-stale" for a stale term, "rv-grant" for a granted
        vote, "rv-refuse" for any other refusal)."""
        _todo(1, "handle_request_vote", "§5.2, §5.4.1 and Figure 2, 'RequestVote RPC'")

    def handle_request_vote_reply(self, msg, now):
        """Count a granted vote only if you are still a candidate in the term it was given for;
        with a majority (self.count_votes) become leader."""
        _todo(1, "handle_request_vote_reply", "§5.2 and Figure 2, 'Rules for Servers: Candidates'")


class Lab2Node(Node):
    """Lab 2, log replication (§5.3, Figure 2: AppendEntries RPC, rules for leaders)."""

    def handle_append_entries(self, msg, now):
        """AppendEntries receiver rules 1-5: 2 self.log_matches, 3 self.find_conflict and
        self.truncate_log, 4 self.append_entries_to_log, 5 self.set_commit_index (reply with
        self.reply_append)."""
        _todo(2, "handle_append_entries", "§5.3 and Figure 2, 'AppendEntries RPC'")

    def handle_append_entries_reply(self, msg, now):
        """Leader: on success update match_index/next_index and try to commit; on failure back
        next_index off and retry."""
        _todo(2, "handle_append_entries_reply", "§5.3 and Figure 2, 'Rules for Servers: Leaders'")


class Lab3Node(Node):
    """Lab 3, commitment and safety (§5.4)."""

    def advance_commit_index(self, now):
        """Commit the highest N replicated on a majority whose entry has the current term
        (self.set_commit_index)."""
        _todo(3, "advance_commit_index", "§5.3, §5.4.2 and Figure 8")

    def candidate_log_is_up_to_date(self, last_log_index, last_log_term):
        """The election restriction: is the candidate's log at least as up-to-date as ours?"""
        _todo(3, "candidate_log_is_up_to_date", "§5.4.1")


class Lab4Node(Node):
    """Lab 4, persistence (Figure 2: persistent state, 'updated on stable storage before
    responding to RPCs'). The simulator writes current_term and voted_for to the server's disk
    before sending its messages, but only when the node sets ``self.out.persist_hard_state``."""

    def set_term(self, term):
        """Adopt a newer term: no vote yet in it, no known leader; and it must be persisted."""
        _todo(4, "set_term", "Figure 2, 'Persistent state on all servers'")

    def record_vote(self, candidate_id):
        """Remember the vote; it must be persisted before the reply is sent."""
        _todo(4, "record_vote", "Figure 2, 'Persistent state on all servers'")


class Lab5Node(Node):
    """Lab 5, membership change by joint consensus (§6)."""

    def change_membership(self, voters, now, unsafe=False):
        """Start a change to ``voters``: catch new servers up (self.check_catch_up appends
        C_old,new once they have, rule "config-begin")."""
        _todo(5, "change_membership", "§6 and Figure 11")

    def after_commit_as_leader(self, now):
        """Once C_old,new is committed append C_new; once C_new is committed, a leader not in
        it steps down (self.config_index is where the latest configuration entry is)."""
        _todo(5, "after_commit_as_leader", "§6 and Figure 11")


class Lab6Node(Node):
    """Lab 6, ReadIndex: reads without the log (dissertation §6.4). The cluster is built with
    ``reads="read_index"`` (or ``"follower"``); the front end calls ``read_index``, which at the
    leader calls ``leader_read``, and ``start_read_round`` calls ``confirm_reads``."""

    def leader_read(self, ctx, origin, now):
        """Steps 1-3 at the leader for the read ``ctx`` of server ``origin``: (1) until an entry
        of the current term is committed, keep the read in ``self.pending_reads`` as
        ``(None, None, ctx, origin)`` (``start_waiting_reads`` calls this method again once it
        is); (2) save ``self.commit_index`` as its readIndex; (3) record
        ``(self.read_round + 1, index, ctx, origin)`` in ``self.pending_reads`` and send a round
        of heartbeats with ``self.start_read_round(now)``. (With ``reads="lease"``, answer at
        once while ``self.lease_holds(now)``; the lab does not test it.)"""
        _todo(6, "leader_read", "dissertation §6.4, steps 1-3")

    def confirm_reads(self, now):
        """A round was acknowledged (``self.round_acks``: server -> highest round it
        acknowledged; the leader itself has acknowledged ``self.read_round``): find the highest
        round a majority has acknowledged (``self.config.quorum_index``); if it is above
        ``self.confirmed_round``, record it and let every pending read of that round or an
        earlier one go on with ``self.read_ready(ctx, origin, index)`` (and, with
        ``reads="lease"``, ``self.extend_lease(round, now)``)."""
        _todo(6, "confirm_reads", "dissertation §6.4, step 3")


LAB_NODES = {1: Lab1Node, 2: Lab2Node, 3: Lab3Node, 4: Lab4Node, 5: Lab5Node, 6: Lab6Node}


class Source:
    """Source code that displays as a highlighted Python block in Jupyter and in the book."""

    def __init__(self, text):
        self.text = text

    def _repr_markdown_(self):
        return f"```python\n{self.text}\n```"

    def __repr__(self):
        return self.text


def show_source(*objects):
    """The source of classes or functions of the ``raft`` package (read from its files, so it
    is always the code that runs), one after the other."""
    return Source("\n\n\n".join(textwrap.dedent(inspect.getsource(o)).rstrip()
                                for o in objects))
