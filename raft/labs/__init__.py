"""Graded labs: skeleton nodes in which the handlers of one lab are left for the student.

``raft.labs.skeleton.Lab1Node`` ... ``Lab5Node`` are subclasses of the reference
:class:`raft.node.Node`; in each, the methods of that lab raise NotImplementedError with a
pointer to what to read, and everything else is the reference. Write a subclass that fills them
in, then grade it with ``raft.grade.check(MyNode, lab=1)`` or
``python -m raft.grade lab1 my_node.py:MyNode``.
"""

from .skeleton import LAB_NODES, Lab1Node, Lab2Node, Lab3Node, Lab4Node, Lab5Node

__all__ = ["LAB_NODES", "Lab1Node", "Lab2Node", "Lab3Node", "Lab4Node", "Lab5Node"]
