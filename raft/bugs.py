"""The bug zoo's public name: ``raft.bugs.BUGS["naive-commit"]``, ``raft.bugs.hunt(name)``.

The bugs live in :mod:`raft.classroom.bugs`; see its docstring.
"""

from .classroom.bugs import (BUGS, CLIENT_BUGS, CLIENT_ZOO, ZOO, ApplyUncommitted, Bug,
                             ChangeBeforeOwnCommit, ClientBug, ConfirmWithoutMajority,
                             ForgetVoteInSameTerm, HardStateNotPersisted, LeaderIgnoresHigherTerm,
                             LeaseFromReply, LeaseKeptAcrossTransfer, NaiveCommit,
                             NoDeduplication, PrevLogOffByOne, StaleVoteReplies, TruncateAlways,
                             VoteKeepsTimer, VoteWithoutLogCheck, hunt, hunt_client_bug)

__all__ = ["BUGS", "ZOO", "Bug", "hunt", "CLIENT_BUGS", "CLIENT_ZOO", "ClientBug",
           "hunt_client_bug", "ApplyUncommitted", "ChangeBeforeOwnCommit", "ConfirmWithoutMajority",
           "ForgetVoteInSameTerm", "HardStateNotPersisted", "LeaderIgnoresHigherTerm",
           "LeaseFromReply", "LeaseKeptAcrossTransfer", "NaiveCommit", "NoDeduplication",
           "PrevLogOffByOne", "StaleVoteReplies", "TruncateAlways", "VoteKeepsTimer",
           "VoteWithoutLogCheck"]
