"""A readable Raft, a deterministic cluster simulator, and the checks around them.

* ``raft.node``: the algorithm, one server at a time (read it beside Figure 2 of the paper);
* ``raft.cluster``: a simulated cluster (clock, network, faults) that runs nodes;
* ``raft.invariants``: the five safety properties of Figure 3, checked after every step;
* ``raft.scenario``: a small text format for scripted runs;
* ``raft.trace`` and ``raft.snapshot``: what happened, and what the cluster looked like.
"""

from .cluster import Cluster, Flight
from .errors import (CommandError, ConfigurationError, ExpectationFailed, InvariantViolation,
                     LeadershipTransferInProgress, MembershipChangeInProgress, NodeCrashed,
                     NotLeader, RaftError, ScenarioError, StuckTimer, UnknownNode)
from .node import (AppendEntries, AppendEntriesReply, Configuration, Entry, Node, RequestVote,
                   RequestVoteReply)

__all__ = [
    "Cluster", "Flight", "Node", "Entry", "Configuration", "RequestVote", "RequestVoteReply",
    "AppendEntries", "AppendEntriesReply", "RaftError", "NotLeader", "NodeCrashed",
    "UnknownNode", "ConfigurationError", "MembershipChangeInProgress", "ScenarioError",
    "ExpectationFailed", "InvariantViolation", "CommandError", "StuckTimer",
    "LeadershipTransferInProgress",
]
