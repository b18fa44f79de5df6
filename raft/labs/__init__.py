"""Graded labs: skeleton nodes in which the handlers of one lab are left for the student.

``raft.labs.skeleton.Lab1Node`` ... ``Lab6Node`` are subclasses of the reference
:class:`raft.node.Node`; in each, the methods of that lab raise NotImplementedError with a
pointer to what to read, and everything else is the reference. Write a subclass that fills them
in, then grade it with ``raft.grade.check(MyNode, lab=1)`` or
``python -m raft.grade lab1 my_node.py:MyNode``.

The lab notebooks (``book/labs/*.md``) are the students' version: they show the skeleton with
:func:`show_source`, so a notebook opened in Jupyter needs nothing from the book's build, and
their "Your turn" cell holds method stubs only. The teacher's version for nbgrader, with the
solution regions, is generated from them by ``python -m raft.labs.course``.

This package is the labs' public name, kept for the lab pages and the notebooks students have
saved; the code lives in :mod:`raft.classroom` (``skeleton``, ``course``).
"""

from ..classroom.skeleton import (LAB_NODES, Lab1Node, Lab2Node, Lab3Node, Lab4Node, Lab5Node,
                                  Lab6Node, Source, show_source)

__all__ = ["LAB_NODES", "Lab1Node", "Lab2Node", "Lab3Node", "Lab4Node", "Lab5Node", "Lab6Node",
           "Source", "show_source"]
