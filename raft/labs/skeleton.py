"""The lab skeletons' public name (lab pages and saved notebooks import ``Lab1Node`` ... from
here); the classes live in :mod:`raft.classroom.skeleton`."""

from ..classroom.skeleton import (LAB_NODES, Lab1Node, Lab2Node, Lab3Node, Lab4Node, Lab5Node,
                                  Lab6Node)

__all__ = ["LAB_NODES", "Lab1Node", "Lab2Node", "Lab3Node", "Lab4Node", "Lab5Node", "Lab6Node"]
