"""A readable Raft, a deterministic cluster simulator, and the checks around them.

The layers, each importing only the ones before it (see ARCHITECTURE.md):

* ``raft.node``: the algorithm, one server at a time (read it beside Figure 2 of the paper);
* ``raft.check``: the five safety properties of Figure 3 and the grader's rules;
* ``raft.sim``: the simulator (``Cluster``), the action language (``raft.sim.actions``), the
  trace, snapshots and the key-value store;
* ``raft.script``: scenario files (public name ``raft.scenario``);
* ``raft.fuzz``: random fault schedules, run, judged and shrunk;
* ``raft.classroom``: the bug zoo (``raft.bugs``), the labs (``raft.labs``) and the grader
  (``raft.grade``, also ``python -m raft.grade``);
* ``raft.viz`` (pictures and players) and ``raft.book`` (the chapters' experiments).
"""

from .errors import (CommandError, ConfigurationError, ExpectationFailed, InvariantViolation,
                     LeadershipTransferInProgress, MembershipChangeInProgress, NodeCrashed,
                     NotLeader, RaftError, ScenarioError, StuckTimer, UnknownNode)
from .node import (AppendEntries, AppendEntriesReply, Configuration, Entry, Node, RequestVote,
                   RequestVoteReply)
from .sim.actions import Action
from .sim.cluster import Cluster, Flight

__all__ = [
    "Cluster", "Flight", "Node", "Entry", "Configuration", "RequestVote", "RequestVoteReply",
    "AppendEntries", "AppendEntriesReply", "RaftError", "NotLeader", "NodeCrashed",
    "UnknownNode", "ConfigurationError", "MembershipChangeInProgress", "ScenarioError",
    "ExpectationFailed", "InvariantViolation", "CommandError", "StuckTimer", "Action",
    "LeadershipTransferInProgress",
]
