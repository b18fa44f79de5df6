"""The classroom: the bug zoo, the labs and the grader built on the random search.

* :mod:`raft.classroom.bugs`: classic mistakes, one line each, switchable on the reference node
  (public name ``raft.bugs``);
* :mod:`raft.classroom.skeleton`: the lab skeletons (public name ``raft.labs.skeleton``) and
  :mod:`raft.classroom.course`, the nbgrader course built from the lab pages;
* :mod:`raft.classroom.stories` and :mod:`raft.classroom.labs`: each lab's stories, methods and
  random-schedule profile;
* :mod:`raft.classroom.grader`: ``check(StudentNode, lab=1)`` and its report;
* :mod:`raft.classroom.cli`: ``python -m raft.grade``.

The public entry point is ``raft.grade``.
"""
