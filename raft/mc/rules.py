"""The rules a node must follow, checked on each of its actions beside Figure 3's properties.

Each rule is one function of the acting server's value before and after the action (see
:class:`raft.mc.state.Server`), the node object after it, its input (a message number, FIRE,
a client command or a membership change), its output (``Ready``: messages sent, entries
applied) and its disk after the action. It returns ``(rule, details)`` if broken, else None.
They are rules of Figure 2 (and §5.1, §5.2, §5.4.1, §6) that a wrong node usually breaks a few
steps before a property of Figure 3 fails: the grader checks the last two (``match_index`` and
the order of configuration entries), the model checker all of them (``rules=True``), and
:func:`step_breach` judges a simulator's step by them (all but the timer's) to point a failed
run's report at the step where the node first broke one.
"""

from __future__ import annotations

from ..check.properties import PROPERTIES
from ..node import LEADER, AppendEntries, AppendEntriesReply, RequestVote, RequestVoteReply
from .state import FIRE, INSTANT

# Rules of Figure 2 (and §5, §6) that a wrong node breaks before a property of Figure 3 fails,
# checked beside the five properties (``rules=True``), each on one server's action: its state
# before and after, the message it handled, and what it sent, wrote to its disk and applied.
PERSIST_RULE = "persist before responding (Figure 2)"
ONE_VOTE_RULE = "one vote per term (§5.2)"
VOTE_LOG_RULE = "vote only for an up-to-date candidate (§5.4.1)"
STALE_REPLY_RULE = "a reply from an earlier term changes nothing (§5.1)"
STALE_REQUEST_RULE = "refuse a request from an earlier term (§5.1)"
PREV_RULE = ("AppendEntries carries the leader's entries after prev_log_index/prev_log_term "
             "(Figure 2)")
TRUNCATE_RULE = "delete entries only from a conflict (AppendEntries rule 3)"
FOLLOWER_COMMIT_RULE = "commit only what the AppendEntries vouches for (AppendEntries rule 5)"
LEADER_COMMIT_RULE = ("a leader commits only an entry of its own term that a majority stores "
                      "(Figure 2, §5.4.2)")
APPLY_RULE = "apply only committed entries (Figure 2)"
MATCH_RULE = "match_index only increases (Figure 2)"
CONFIG_RULE = "one configuration change at a time (§6)"
OWN_TERM_CHANGE_RULE = ("a single-server change only after committing an entry of the "
                        "leader's term (§4.1, the 2015 fix)")
TIMER_RULE = ("restart the election timer on granting a vote, on AppendEntries from the "
              "current leader and on starting an election (Figure 2)")
RULES = (PERSIST_RULE, ONE_VOTE_RULE, VOTE_LOG_RULE, STALE_REQUEST_RULE, STALE_REPLY_RULE,
         TIMER_RULE, PREV_RULE, TRUNCATE_RULE,
         FOLLOWER_COMMIT_RULE, LEADER_COMMIT_RULE, APPLY_RULE, MATCH_RULE, CONFIG_RULE,
         OWN_TERM_CHANGE_RULE)
EXCEPTION = "no exception"
#: Beyond Figure 3 (dissertation §6.3): a client's command, sent again after its answer was lost,
#: is applied once. Judged on the applied entries (the history) by the simulator's own state
#: machine with client sessions; it needs ``retries`` to arise.
EXACTLY_ONCE = "a client command is applied once (dissertation §6.3)"
ALL_PROPERTIES = PROPERTIES + (EXACTLY_ONCE,) + RULES


# -- the rules, one function each: (rule, details) if broken, else None --------------------------

def _persist(c, before, after, node, inp, out, disk, same_leader):
    """Figure 2: persistent state is "updated on stable storage before responding to RPCs"."""
    if not out.messages:
        return None
    term, vote, log = disk
    if (term, vote) != (node.current_term, node.voted_for) or log != after.log:
        what = "current_term" if term != node.current_term else \
            "voted_for" if vote != node.voted_for else "its log"
        return (PERSIST_RULE, f"S{after.slot} sent a message while {what} was not on its disk "
                f"(disk: term {term}, voted_for {vote}, {len(log)} entries; memory: term "
                f"{node.current_term}, voted_for {node.voted_for}, {len(after.log)} entries)")
    return None


def _one_vote(c, before, after, node, inp, out, disk, same_leader):
    if after.term == before.term and before.vote is not None and after.vote != before.vote:
        then = (f"then for S{after.vote}" if after.vote is not None
                else "then forgot it (voted_for cleared without a new term)")
        return (ONE_VOTE_RULE, f"S{after.slot} voted for S{before.vote} in term {after.term}, "
                f"{then}")
    return None


def _vote_log(c, before, after, node, inp, out, disk, same_leader):
    if type(inp) is not int:
        return None
    msg = c.msgs[inp]
    if type(msg) is not RequestVote:
        return None
    granted = any(type(m) is RequestVoteReply and m.vote_granted for m in out.messages)
    if not granted:
        return None
    last_term = before.log[-1].term if before.log else 0
    if msg.last_log_term < last_term or (msg.last_log_term == last_term
                                         and msg.last_log_index < len(before.log)):
        return (VOTE_LOG_RULE, f"S{after.slot} (last entry {len(before.log)}/{last_term}) "
                f"granted its vote to S{msg.candidate_id}, whose log ends at "
                f"{msg.last_log_index}/{msg.last_log_term}, less up-to-date")
    return None


def _stale_request(c, before, after, node, inp, out, disk, same_leader):
    """RequestVote and AppendEntries receiver rule 1: reply false if term < current_term."""
    if type(inp) is not int:
        return None
    msg = c.msgs[inp]
    if type(msg) not in (RequestVote, AppendEntries) or msg.term >= before.term:
        return None
    for m in out.messages:
        if (type(m) is RequestVoteReply and m.vote_granted) or \
                (type(m) is AppendEntriesReply and m.success):
            return (STALE_REQUEST_RULE, f"S{after.slot} (term {before.term}) accepted the "
                    f"{type(msg).__name__} of term {msg.term} from S{msg.src}")
    return None


def _stale_reply(c, before, after, node, inp, out, disk, same_leader):
    if type(inp) is not int:
        return None
    msg = c.msgs[inp]
    if type(msg) not in (RequestVoteReply, AppendEntriesReply) or msg.term >= before.term:
        return None
    if after.frozen != before.frozen or out.messages:
        return (STALE_REPLY_RULE, f"S{after.slot} (term {before.term}) acted on the "
                f"{type(msg).__name__} of term {msg.term} from S{msg.src}")
    return None


def _timer(c, before, after, node, inp, out, disk, same_leader):
    """Figure 2, Followers: "If election timeout elapses without receiving AppendEntries RPC
    from current leader or granting vote to candidate: convert to candidate"; Candidates: "On
    conversion to candidate, start election: ... Reset election timer".

    The state does not keep the timer (after a pause every timer is due), but within one
    action it can be seen: a node is thawed with its ``election_deadline`` in the past (see
    :mod:`raft.mc.state`), so the timer was restarted by this action exactly when the deadline
    is now in the future. A node that keeps its old deadline would time out at once, start a
    competing election and depose the leader it just heard from or voted for (a liveness bug:
    no property of Figure 3 breaks, so this rule is the only way the model sees it)."""
    if after.role == LEADER or node.election_deadline > INSTANT:
        return None
    if inp is FIRE:
        if after.term > before.term:
            return (TIMER_RULE, f"S{after.slot} started an election for term {after.term} "
                    "without restarting its election timer (still due: it would time out "
                    "again at once)")
        return None
    if type(inp) is not int:
        return None
    msg = c.msgs[inp]
    if type(msg) is RequestVote:
        if any(type(m) is RequestVoteReply and m.vote_granted for m in out.messages):
            return (TIMER_RULE, f"S{after.slot} granted its vote to S{msg.candidate_id} in "
                    f"term {after.term} without restarting its election timer (still due: "
                    "it could time out at once and depose the candidate it chose)")
    elif type(msg) is AppendEntries and msg.term == after.term:
        return (TIMER_RULE, f"S{after.slot} (term {after.term}) received AppendEntries from "
                f"S{msg.src}, the leader of its term, without restarting its election timer "
                "(still due: it could time out at once and depose that leader)")
    return None


def _prev(c, before, after, node, inp, out, disk, same_leader):
    log = after.log
    for m in out.messages:
        if type(m) is not AppendEntries:
            continue
        p = m.prev_log_index
        term = log[p - 1].term if 0 < p <= len(log) else 0
        if p > len(log) or m.prev_log_term != term or m.entries != log[p:p + len(m.entries)]:
            return (PREV_RULE, f"S{after.slot} sent S{m.dst} AppendEntries with prev_log_index "
                    f"{p}, prev_log_term {m.prev_log_term} and {len(m.entries)} entries, but its "
                    f"log has term {term} there" + ("" if m.entries == log[p:p + len(m.entries)]
                                                    else " and other entries after it"))
    return None


def _truncate(c, before, after, node, inp, out, disk, same_leader):
    old, new = before.log, after.log
    k = 0
    n = min(len(old), len(new))
    while k < n and old[k] == new[k]:
        k += 1
    if k >= len(old):
        return None   # nothing deleted or replaced
    index = k + 1     # the first entry deleted or replaced
    msg = c.msgs[inp] if type(inp) is int else None
    if type(msg) is AppendEntries:
        offset = index - msg.prev_log_index - 1
        if 0 <= offset < len(msg.entries) and msg.entries[offset].term != old[k].term:
            return None   # the first conflicting entry, and everything after it (rule 3)
    return (TRUNCATE_RULE, f"S{after.slot} deleted or replaced its entry at index {index} "
            f"(term {old[k].term}) without a conflicting entry there")


def _follower_commit(c, before, after, node, inp, out, disk, same_leader):
    if type(inp) is not int or after.commit_index <= before.commit_index:
        return None
    msg = c.msgs[inp]
    if type(msg) is not AppendEntries:
        return None
    limit = min(msg.leader_commit, msg.prev_log_index + len(msg.entries))
    if after.commit_index > max(limit, before.commit_index):
        return (FOLLOWER_COMMIT_RULE, f"S{after.slot} advanced its commit index to "
                f"{after.commit_index}, but the AppendEntries (leader_commit "
                f"{msg.leader_commit}, entries up to {msg.prev_log_index + len(msg.entries)}) "
                f"vouches for {limit} at most")
    return None


def _leader_commit(c, before, after, node, inp, out, disk, same_leader):
    if after.role != LEADER or after.commit_index <= before.commit_index:
        return None
    n = after.commit_index
    log = after.log
    who = f"leader S{after.slot} (term {after.term})"
    if n > len(log) or log[n - 1].term != after.term:
        term = log[n - 1].term if n <= len(log) else None
        return (LEADER_COMMIT_RULE, f"{who} committed index {n}, an entry of term {term}, by "
                "counting replicas (Figure 8: only an entry of the leader's own term may be)")
    stored = {after.slot} | {p for p, m in (after.match or {}).items() if m >= n}
    if not node.config.has_quorum(stored):
        return (LEADER_COMMIT_RULE, f"{who} committed index {n}, stored on "
                f"{', '.join(f'S{i}' for i in sorted(stored))} only: not a majority of "
                f"{node.config}")
    return None


def _apply_committed(c, before, after, node, inp, out, disk, same_leader):
    for index, entry in out.apply:
        if index > after.commit_index:
            return (APPLY_RULE, f"S{after.slot} applied index {index} with commit index "
                    f"{after.commit_index}")
    return None


def _match(c, before, after, node, inp, out, disk, same_leader):
    if not same_leader:
        return None
    for peer, was in before.match.items():
        now = after.match.get(peer)
        if now is not None and now < was:
            return (MATCH_RULE, f"leader S{after.slot} (term {after.term}) lowered "
                    f"match_index[S{peer}] from {was} to {now}; match_index only increases "
                    "(Figure 2), so a late, duplicated or earlier-term reply must not move it "
                    "back")
    return None


def _config(c, before, after, node, inp, out, disk, same_leader):
    if after.role != LEADER:
        return None
    slot, term = after.slot, after.term
    upto = len(before.log) if same_leader else 0
    log = after.log
    first = len(log)
    while first >= 1 and log[first - 1].term == term and first > upto:
        first -= 1
    for index in range(first + 1, len(log) + 1):
        entry = log[index - 1]
        if entry.kind == "config" and entry.term == term:
            found = _config_rule(node, slot, term, index, entry, log, before, inp)
            if found:
                return found
    return None


RULE_CHECKS = (_persist, _one_vote, _vote_log, _stale_request, _stale_reply, _timer, _prev,
               _truncate,
               _follower_commit, _leader_commit, _apply_committed, _match, _config)


# -- the same rules on a step of the simulator (the grader's "mistake": raft.classroom.mistakes) --

#: The rules that read only the acting server and its action, so that a simulator's step can be
#: judged by them too: every rule but the election timer's, which reads the model's clock (a
#: thawed node's deadline, see :mod:`raft.mc.state`); the simulator has real timers.
STEP_RULE_CHECKS = tuple(check for check in RULE_CHECKS if check is not _timer)


class _OneMessage:
    """The model checker's numbered messages (``c.msgs``) for one message, numbered 0."""

    __slots__ = ("msgs",)

    def __init__(self, msg):
        self.msgs = (msg,)


def step_breach(before, after, node, inp, out, disk):
    """The first rule of :data:`STEP_RULE_CHECKS` that one action of a server breaks, for a
    caller outside the model checker (a step of the simulator): ``(rule, details)`` or None.

    ``before`` and ``after`` carry the fields of :class:`~raft.mc.state.Server` that the rules
    read: ``slot`` (the server's id), ``term``, ``vote``, ``role``, ``log`` (a tuple of
    entries), ``commit_index``, ``match`` (a leader's match_index, else None) and ``frozen``
    (any value, equal before and after exactly when the action changed nothing). ``inp`` is
    what the server acted on: the message itself (not a number), FIRE, or a command as the
    model checker writes it (``("add", 4, True)``, ``("members", voters)``); ``out`` its
    ``Ready`` (messages sent, entries applied); ``disk`` its (term, vote, log) after it."""
    c = None
    if inp is not FIRE and type(inp) is not tuple:
        c, inp = _OneMessage(inp), 0
    same_leader = (before.role == LEADER and after.role == LEADER and before.term == after.term)
    for check in STEP_RULE_CHECKS:
        found = check(c, before, after, node, inp, out, disk, same_leader)
        if found:
            return found
    return None


def _config_rule(node, slot, term, index, entry, log, before, inp):
    """The grader's rule (raft.check.rules.GradeChecker) for a configuration entry a leader
    appended in its term: joint consensus in order (§6), single-server changes one at a time
    (§4.1); and the 2015 fix: a single-server change (asked for as one: add, promote, remove)
    only once the leader has committed an entry of its own term."""
    new = entry.command
    prev_index = next((k for k in range(index - 1, 0, -1) if log[k - 1].kind == "config"), 0)
    prev = log[prev_index - 1].command if prev_index else node.initial_config
    who = f"leader S{slot} (term {term})"
    if new.is_joint:
        if prev.is_joint:
            return (CONFIG_RULE, f"{who} appended C_old,new {new} at index {index} while the "
                    f"change to {prev} at index {prev_index} was still under way; one change "
                    "at a time")
        if prev_index > node.commit_index:
            return (CONFIG_RULE, f"{who} appended C_old,new {new} at index {index} while the "
                    f"configuration {prev} at index {prev_index} was not committed (commit "
                    f"index {node.commit_index})")
        return None
    if not prev.is_joint and len(prev.voters ^ new.voters) <= 1:
        # A single-server change (dissertation §4.1): allowed directly, one at a time.
        if prev_index > node.commit_index:
            return (CONFIG_RULE, f"{who} appended {new} at index {index} while the "
                    f"configuration {prev} at index {prev_index} was not committed (commit "
                    f"index {node.commit_index}); one single-server change at a time")
        k = min(before.commit_index, len(before.log))
        single = type(inp) is tuple and inp[0] in ("add", "promote", "remove")
        if single and index > len(before.log) and (before.log[k - 1].term if k else 0) != term:
            return (OWN_TERM_CHANGE_RULE, f"{who} appended {new} at index {index} before "
                    f"committing an entry of its term (its commit index {k} holds an entry of "
                    f"term {before.log[k - 1].term if k else 0}): a change an earlier leader "
                    "appended may still be on some servers, and the two changes' majorities "
                    "need not overlap")
        return None
    if not prev.is_joint or prev.voters != new.voters:
        return (CONFIG_RULE, f"{who} switched from {prev} to C_new {new} at index {index} "
                "without the joint configuration C_old,new: a majority of the old servers and "
                "a majority of the new ones can then decide separately (Figure 10)")
    if prev_index > node.commit_index:
        return (CONFIG_RULE, f"{who} appended C_new {new} at index {index} while C_old,new at "
                f"index {prev_index} was not committed (commit index {node.commit_index}); "
                "until it is, servers still using C_old can decide without the new ones")
    return None


