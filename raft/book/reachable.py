"""Could a run of Raft reach this state? Checks for starting states given by hand.

Most starting states in the book are reached by construction: a scenario (elections, crashes,
partitions, commands) runs from empty logs, so every state it passes through is one Raft reaches.
A few figures are replayed from logs typed in from the paper (Figure 7 in
:mod:`raft.book.figure7`, the trials of Figure 16 in :mod:`raft.book.figure16`), and some
exercises give logs to reason about. A hand-typed state can be one that no run reaches (a leader
that could not have been elected, two logs that disagree before a common entry), and a lesson
drawn from it would then be wrong. :func:`problems` lists what is wrong with such a state, and
:func:`check` raises :class:`UnreachableState` naming it.

Theory of operation
-------------------
The checks are *necessary* conditions: every state of a run of Raft as Figure 2 describes it
passes them (extensions such as the no-op of §8, pre-vote or the guard of §6 only remove runs, so
they pass too). A state that fails one cannot be reached; a state that passes them all is not
thereby proved reachable. A state is the servers' persistent state: logs (terms by index), current
terms and votes, in a fixed configuration of all the servers given.

1. **Terms along a log.** Every entry's term is at least 1, and terms never decrease along a
   log: a leader appends entries of its current term after everything it already holds.
2. **Current term.** A server's current term is at least the term of its last entry: it
   accepted that entry from (or created it as) the leader of that term.
3. **One leader per term.** The leader of term T appended its entries of term T after the log it
   had when it was elected, and never changed that log. So every log holding entries of term T
   holds the same entries before its first entry of term T: the leader's log at its election.
4. **Log Matching** (§5.3): two logs that hold an entry with the same index and term hold the
   same entries up to that index.
5. **Someone voted for each leader** (§5.2, §5.4.1). Each term T whose entries appear had a
   leader, elected with votes from a majority. A server that voted in term T now has a current
   term of at least T. When it voted, its log was no more up-to-date than the leader's log at
   its election (item 3). What did the voter's log hold then? Any entry of an earlier term that
   it holds now and that it could *not* have received after the vote: once it voted in term T,
   every entry it received came from the leader of some term U, T <= U <= its current term, and
   that leader's log held only its own log at election plus entries of term U. If that log is
   known (term U appears in some log) and lacks the entry, and likewise for every such U, the
   voter held the entry when it voted, and so could not have voted for a less up-to-date log.
   (A term U that appears in no log may have had a leader whose log we cannot know: we assume
   it could have sent anything, unless fewer than a majority of servers ever reached term U, in
   which case it had no leader at all.) If fewer than a majority of servers could have voted,
   term T could not have had a leader, and the state is unreachable.
6. **Votes.** A server's ``voted_for`` names a server whose current term is at least the
   voter's (the candidate reached that term when it campaigned).

Item 5 is what catches a leader that the election restriction would have refused, as in the
old starting state of the conflict demo in chapter 6 (S3 leading term 3 with log ``[1]`` while
both other servers had stored entries of term 2 before they could vote in term 3).
"""

from __future__ import annotations

from ..errors import ConfigurationError

__all__ = ["UnreachableState", "problems", "check", "leader_log_at_election"]


class UnreachableState(ConfigurationError):
    """A starting state that no run of Raft can reach (the message says why)."""


def _terms(log):
    """A log as a list of terms: accepts terms, (term, command) pairs or Entry objects."""
    out = []
    for x in log:
        if hasattr(x, "term"):
            out.append(x.term)
        elif isinstance(x, tuple):
            out.append(x[0])
        else:
            out.append(x)
    return out


def _normalise(logs, terms, votes, size):
    logs = {i: _terms(log) for i, log in (logs or {}).items()}
    terms = dict(terms or {})
    votes = dict(votes or {})
    if size is None:
        ids = sorted(set(logs) | set(terms) | set(votes))
    else:
        ids = list(range(1, size + 1))
    for i in ids:
        logs.setdefault(i, [])
        terms.setdefault(i, logs[i][-1] if logs[i] else 0)
    return ids, logs, terms, votes


def leader_log_at_election(logs, term):
    """The log the leader of ``term`` had when it was elected, as far as ``logs`` show it:
    what comes before the first entry of ``term`` in any log holding one (None if none does)."""
    for log in logs.values():
        log = _terms(log)
        if term in log:
            return log[:log.index(term)]
    return None


def _up_to_date(last_term, length):
    """The order of §5.4.1: a later last term wins; with equal last terms, the longer log."""
    return (last_term, length)


def problems(logs, terms=None, votes=None, size=None):
    """Every reason found why no run of Raft reaches this state (an empty list if none).

    ``logs`` maps server ids to logs (terms by index, index 1 first); ``terms`` to current terms
    (default: the term of the server's last entry); ``votes`` to ``voted_for`` in the current
    term. ``size`` is the number of servers, ids 1..size (default: the ids given)."""
    ids, logs, terms, votes = _normalise(logs, terms, votes, size)
    found = []
    majority = len(ids) // 2 + 1

    # 1 and 2: each log on its own.
    for i in ids:
        log = logs[i]
        if any(not isinstance(t, int) or isinstance(t, bool) or t < 1 for t in log):
            found.append(f"S{i}: log terms must be positive integers, got {log}")
            continue
        drops = [k for k in range(1, len(log)) if log[k] < log[k - 1]]
        if drops:
            k = drops[0]
            found.append(f"S{i}: log {log} goes from term {log[k - 1]} back to term {log[k]} "
                         f"at index {k + 1}; terms never decrease along a log")
        if log and terms[i] < log[-1]:
            found.append(f"S{i}: current term {terms[i]} is below the term of its last entry "
                         f"({log[-1]})")
    if found:
        return found

    # 3: one leader per term, one log at its election.
    entry_terms = sorted({t for log in logs.values() for t in log})
    elected = {}
    for t in entry_terms:
        holders = [i for i in ids if t in logs[i]]
        prefixes = {i: logs[i][:logs[i].index(t)] for i in holders}
        first = holders[0]
        for i in holders[1:]:
            if prefixes[i] != prefixes[first]:
                found.append(f"S{first} and S{i} hold entries of term {t} after different logs "
                             f"({prefixes[first]} and {prefixes[i]}); the one leader of term {t} "
                             "appended them all after the log it had when it was elected")
                break
        elected[t] = prefixes[first]

    # 4: Log Matching between every pair of logs.
    for a in ids:
        for b in ids:
            if b <= a:
                continue
            la, lb = logs[a], logs[b]
            for k in range(min(len(la), len(lb)) - 1, -1, -1):
                if la[k] == lb[k]:
                    if la[:k] != lb[:k]:
                        found.append(f"S{a} and S{b} both hold an entry of term {la[k]} at index "
                                     f"{k + 1} but differ before it ({la[:k + 1]} and "
                                     f"{lb[:k + 1]}): Log Matching (§5.3)")
                    break
    if found:
        return found

    # 5: each term with entries had a leader that a majority could have voted for.
    def reached(u):
        return sum(1 for i in ids if terms[i] >= u)

    def could_send(u, index, term):
        """Could the leader of term u have sent the entry (index, term), term < u?"""
        if u in elected:
            log = elected[u]
            return len(log) >= index and log[index - 1] == term
        return reached(u) >= majority   # a leader we know nothing about, if it could exist

    for t in entry_terms:
        at_election = elected[t]
        candidate = _up_to_date(at_election[-1] if at_election else 0, len(at_election))
        voters, refused = [], {}
        for v in ids:
            if terms[v] < t:
                continue
            bound = (0, 0)
            for index in range(len(logs[v]), 0, -1):
                term = logs[v][index - 1]
                if term >= t:
                    continue
                if not any(could_send(u, index, term) for u in range(t, terms[v] + 1)):
                    bound = _up_to_date(term, index)   # held when it voted
                    break
            if bound <= candidate:
                voters.append(v)
            else:
                refused[v] = bound
        if len(voters) < majority:
            held = [f"S{v} index {b[1]} (term {b[0]})" for v, b in refused.items()]
            if held:
                held[0] = held[0].replace(" index", " already held index", 1)
            why = ", ".join(held[:-1]) + " and " + held[-1] if len(held) > 1 else "".join(held)
            short = [i for i in ids if terms[i] < t]
            parts = [f"no leader of term {t} could have been elected with the log "
                     f"{at_election} (what precedes its entries): at most "
                     f"{len(voters)} server{'s' if len(voters) != 1 else ''} "
                     f"({', '.join(f'S{v}' for v in voters) or 'none'}) could have voted for it, "
                     f"and {majority} of {len(ids)} are needed"]
            if short:
                parts.append(f"{', '.join(f'S{i}' for i in short)} never reached term {t}")
            if why:
                parts.append(f"when it could vote in term {t}, {why}: more up-to-date than "
                             "that log, so it would refuse (§5.4.1)" if len(held) == 1 else
                             f"when they could vote in term {t}, {why}: more up-to-date than "
                             "that log, so they would refuse (§5.4.1)")
            found.append("; ".join(parts))

    # 6: votes.
    for v, c in votes.items():
        if c is None:
            continue
        if c not in terms:
            found.append(f"S{v} voted for S{c}, which is not a server here")
        elif terms[c] < terms[v]:
            found.append(f"S{v} voted for S{c} in term {terms[v]}, but S{c} never reached that "
                         f"term (its current term is {terms[c]})")
    return found


def check(logs, terms=None, votes=None, size=None):
    """Raise :class:`UnreachableState` if :func:`problems` finds anything; return None."""
    found = problems(logs, terms=terms, votes=votes, size=size)
    if found:
        raise UnreachableState("no run of Raft reaches this state: " + " | ".join(found))
