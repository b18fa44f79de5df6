"""Graded labs: skeleton nodes in which the handlers of one lab are left for the student.

``raft.labs.skeleton.Lab1Node`` ... ``Lab5Node`` are subclasses of the reference
:class:`raft.node.Node`; in each, the methods of that lab raise NotImplementedError with a
pointer to what to read, and everything else is the reference. Write a subclass that fills them
in, then grade it with ``raft.grade.check(MyNode, lab=1)`` or
``python -m raft.grade lab1 my_node.py:MyNode``.

The lab notebooks (``book/labs/*.md``) are the students' version: they show the skeleton with
:func:`show_source`, so a notebook opened in Jupyter needs nothing from the book's build, and
their "Your turn" cell holds method stubs only. The teacher's version for nbgrader, with the
solution regions, is generated from them by ``python -m raft.labs.course``.
"""

import inspect
import textwrap

from .skeleton import LAB_NODES, Lab1Node, Lab2Node, Lab3Node, Lab4Node, Lab5Node

__all__ = ["LAB_NODES", "Lab1Node", "Lab2Node", "Lab3Node", "Lab4Node", "Lab5Node",
           "show_source"]


class Source:
    """Source code that displays as a highlighted Python block in Jupyter and in the book."""

    def __init__(self, text):
        self.text = text

    def _repr_markdown_(self):
        return f"```python\n{self.text}\n```"

    def __repr__(self):
        return self.text


def show_source(*objects):
    """The source of classes or functions of the ``raft`` package (read from its files, so it
    is always the code that runs), one after the other."""
    return Source("\n\n\n".join(textwrap.dedent(inspect.getsource(o)).rstrip()
                                for o in objects))
