"""The bug zoo's public name: ``raft.bugs.BUGS["naive-commit"]``, ``raft.bugs.hunt(name)``.

The bugs live in :mod:`raft.classroom.bugs`; see its docstring.
"""

from .classroom.bugs import (BUGS, ZOO, ApplyUncommitted, Bug, ForgetVoteInSameTerm,
                             HardStateNotPersisted, LeaderIgnoresHigherTerm, NaiveCommit,
                             PrevLogOffByOne, StaleVoteReplies, TruncateAlways, VoteKeepsTimer,
                             VoteWithoutLogCheck, hunt)

__all__ = ["BUGS", "ZOO", "Bug", "hunt", "ApplyUncommitted", "ForgetVoteInSameTerm",
           "HardStateNotPersisted", "LeaderIgnoresHigherTerm", "NaiveCommit", "PrevLogOffByOne",
           "StaleVoteReplies", "TruncateAlways", "VoteKeepsTimer", "VoteWithoutLogCheck"]
