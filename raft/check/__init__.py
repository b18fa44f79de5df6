"""Checks of a run: the five safety properties of Figure 3 and the rules the grader adds.

* :mod:`raft.check.properties`: one pure function per property, on plain values;
* :mod:`raft.check.checker`: :class:`SafetyChecker`, the properties after every step of a live
  cluster (``Cluster(check_invariants=True)``);
* :mod:`raft.check.rules`: :class:`GradeChecker`, the grader's checker (the properties, plus
  rules of the paper a wrong node breaks before a property fails).

This layer reads a cluster through its attributes and imports only the algorithm
(:mod:`raft.node`) and the errors, so the simulator can use it. (The players' safety light,
``raft.viz.checks.InvariantMonitor``, applies the same functions to snapshots.)
"""

from .checker import SafetyChecker
from .properties import PROPERTIES, Breach
from .rules import GradeChecker

__all__ = ["PROPERTIES", "Breach", "GradeChecker", "SafetyChecker"]
