"""Random fault schedules: draw, run and judge, shrink, and tell the story of a failure.

* :mod:`raft.fuzz.schedule`: :class:`Schedule`, a setup and a list of actions done leniently;
  its text is a scenario;
* :mod:`raft.fuzz.generate`: a schedule from a seed and a profile;
* :mod:`raft.fuzz.run`: play a schedule on a node class and judge it (safety, liveness, a stuck
  timer, an exception in the node's code);
* :mod:`raft.fuzz.shrink`: delta debugging on the list of actions;
* :mod:`raft.fuzz.counterexample`: search seeds, shrink, rebuild the failing run.

This layer imports the scenario language, the simulator and the checks; the classroom (the
labs, the bug zoo, the grader's reports) is built on it.
"""
