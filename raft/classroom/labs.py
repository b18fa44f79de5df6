"""The six labs: for each, the methods a student writes, the stories that check them and the
profile of the random schedules that follow (see :mod:`raft.classroom.grader`). Lab 6 (reads)
has its own random runs instead: chaos with clients, judged by the linearizability checker."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigurationError
from ..fuzz.schedule import STALL_MS
from .reads import grade_chaos
from .stories import (ELECTION_STORIES, MEMBERSHIP_STORIES, PERSISTENCE_STORIES, READ_STORIES,
                      REPLICATION_STORIES, SAFETY_STORIES)


@dataclass
class Lab:
    number: int
    title: str
    methods: tuple
    stories: tuple           # (name, scenario text) pairs
    profile: dict
    seeds: int = 40          # random schedules tried by default (about 10 ms each)
    stall_ms: int = STALL_MS
    #: Instead of random fault schedules judged by the safety checker: a function
    #: (node_class, seeds) -> (passed, title, message) (lab 6: chaos runs with clients).
    random: object = None


_LAB_PROFILE = dict(size=5, length=12,
                    weights={"run": 4, "submit": 3, "crash leader": 1, "crash": 1,
                             "restart any": 2, "isolate leader": 1, "heal": 2, "timeout": 1,
                             "network": 1},
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
                     weights={"run": 5, "submit": 4, "submit to old-leader": 5, "crash": 1,
                              "crash leader": 3, "restart any": 1, "heal": 3, "timeout": 3,
                              "partition": 3, "network": 5, "isolate leader": 3, "isolate": 2},
                     network=dict(drop=(0, 0), duplicate=(0.2, 0.5), reorder=(0.3, 0.6),
                                  latency=((10, 15), (5, 60))))
_LAB3_PROFILE = dict(size=3, length=24, run_ms=(5, 150), pause=0.5, max_entries=(1, 64),
                     weights={"run": 2, "submit": 5, "submit to old-leader": 3, "restart any": 3,
                              "isolate": 2, "isolate leader": 3, "partition": 5, "network": 3,
                              "timeout": 2, "heal": 2, "crash leader": 1},
                     network=dict(drop=(0, 0.2), duplicate=(0, 0), reorder=(0, 0),
                                  latency=((5, 40),)))
_LAB4_PROFILE = dict(size=3, length=30, run_ms=(5, 40), pause=0.8, max_entries=1,
                     weights={"run": 2, "submit": 5, "timeout": 1, "crash": 5, "restart any": 5,
                              "reboot leader": 5, "isolate": 5, "isolate leader": 3, "network": 2,
                              "partition": 3},
                     network=dict(drop=(0, 0), duplicate=(0.2, 0.5), reorder=(0, 0),
                                  latency=((10, 15), (20, 60))))

LABS = {
    1: Lab(1, "leader election",
           ("handle_request_vote", "handle_request_vote_reply", "start_election"),
           ELECTION_STORIES, dict(_LAB_PROFILE, weights={"run": 4, "timeout": 3,
                                                          "crash leader": 2, "restart any": 2,
                                                          "isolate leader": 1, "heal": 2,
                                                          "submit": 1})),
    2: Lab(2, "log replication", ("handle_append_entries", "handle_append_entries_reply"),
           REPLICATION_STORIES, _LAB2_PROFILE),
    3: Lab(3, "commitment and safety", ("advance_commit_index", "candidate_log_is_up_to_date"),
           SAFETY_STORIES, _LAB3_PROFILE),
    4: Lab(4, "persistence", ("record_vote", "set_term"), PERSISTENCE_STORIES,
           _LAB4_PROFILE),
    5: Lab(5, "membership change", ("change_membership", "after_commit_as_leader"),
           MEMBERSHIP_STORIES,
           dict(_LAB_PROFILE, weights={**_LAB_PROFILE["weights"], "members": 2})),
    6: Lab(6, "reads with ReadIndex", ("leader_read", "confirm_reads"), READ_STORIES,
           _LAB_PROFILE, random=grade_chaos),
}


def _lab(lab):
    """A Lab, given itself or its number; a clear error for a lab that does not exist."""
    if isinstance(lab, Lab):
        return lab
    if type(lab) is not int or lab not in LABS:
        raise ConfigurationError(f"there is no lab {lab!r}; the labs are "
                                 f"{', '.join(str(n) for n in sorted(LABS))}")
    return LABS[lab]
