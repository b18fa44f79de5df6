"""An explicit-state model checker for the book's own Raft: every run of a small cluster.

``raft.mc.check(node_class=Node, servers=3, max_term=3, commands=2, crashes=1, ...)`` explores,
breadth first, every state a cluster of ``node_class`` servers (the reference node, a lab
solution, a bug of the zoo) can reach within the bounds, where each step is one atomic action:
deliver, drop or duplicate one message in flight, fire one server's timer, let time pass, crash
or restart a server, a client command, a membership change. It checks the five properties of
Figure 3 (and the grader's rules) in every state and returns a :class:`Result` whose
``summary`` is one fixed line, e.g. ::

    explored 52340 distinct states (301220 transitions), depth 24, in 3.1 s: no violation

and whose ``violation`` (if any) is the shortest run that breaks a property: ``.scenario()``
prints it in the scenario language (``raft.scenario.run(text, node_class=...)`` replays it) and
``.cluster()`` replays it on a :class:`~raft.sim.manual.ManualCluster` for ``raft.viz.play``.
From a shell: ``python -m raft.mc --help``. The model (time, randomness, history, hashing,
bounds) is explained in ``docs/model-checking.md``.
"""

from ..sim.manual import ManualCluster
from .replay import ReplayDiverged, replay
from .rules import (ALL_PROPERTIES, APPLY_RULE, CONFIG_RULE, EXACTLY_ONCE, EXCEPTION,
                    FOLLOWER_COMMIT_RULE,
                    LEADER_COMMIT_RULE, MATCH_RULE, ONE_VOTE_RULE, OWN_TERM_CHANGE_RULE,
                    PERSIST_RULE, PREV_RULE, RULES, STALE_REPLY_RULE, STALE_REQUEST_RULE,
                    TIMER_RULE, TRUNCATE_RULE, VOTE_LOG_RULE)
from .result import Bounds, Result, Violation, action_text, make_bounds
from .search import MEMBERSHIP, Checker, check

__all__ = ["check", "Result", "Violation", "Bounds", "Checker", "ManualCluster", "replay",
           "ReplayDiverged", "action_text", "make_bounds", "ALL_PROPERTIES", "RULES", "EXCEPTION",
           "EXACTLY_ONCE",
           "PERSIST_RULE", "ONE_VOTE_RULE", "VOTE_LOG_RULE", "STALE_REQUEST_RULE",
           "STALE_REPLY_RULE", "TIMER_RULE", "PREV_RULE",
           "TRUNCATE_RULE", "FOLLOWER_COMMIT_RULE", "LEADER_COMMIT_RULE", "APPLY_RULE",
           "MATCH_RULE", "CONFIG_RULE", "OWN_TERM_CHANGE_RULE", "MEMBERSHIP"]
