"""The simulator: a deterministic cluster of nodes, the actions done to it, and what it records.

* :mod:`raft.sim.actions`: the action language (every action a value that reads as one line of
  a scenario) and :class:`~raft.sim.actions.Setup`, a cluster's settings;
* :mod:`raft.sim.cluster`: the discrete-event simulator (clock, network, faults, disks);
* :mod:`raft.sim.kv`: the replicated state machine, a key-value store;
* :mod:`raft.sim.trace`: the trace records and the table of their kinds;
* :mod:`raft.sim.snapshot`: immutable pictures of a cluster at one step.

This layer imports the algorithm (:mod:`raft.node`) and the checks below it, never the layers
above (scenario files, fuzzing, the classroom, pictures).
"""

from .actions import Action, Setup
from .cluster import Cluster, Done, Flight

__all__ = ["Action", "Cluster", "Done", "Flight", "Setup"]
