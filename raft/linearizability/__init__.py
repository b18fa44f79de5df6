"""A linearizability checker for histories of any system, not only ours.

    >>> from raft.linearizability import check
    >>> verdict = check([
    ...     {"client": "c1", "f": "put", "key": "x", "value": "1", "output": None,
    ...      "call": 10, "ret": 20},
    ...     {"client": "c2", "f": "get", "key": "x", "value": None, "output": "",
    ...      "call": 30, "ret": 35},
    ... ], "kv")
    >>> verdict.ok
    False
    >>> print(verdict.explanation)        # doctest: +ELLIPSIS
    Not linearizable on key 'x': no order of these 2 operations ...

Modules, each importing only those above it:

* ``history``: an operation's fields, and the checks that turn bad input into a HistoryError;
* ``models``: the sequential models ('kv', 'register') and the :class:`Model` base class;
* ``picture``: the timeline SVG and its description in words;
* ``search``: Wing & Gong's search with Lowe's cache, delta debugging, :func:`check`, Verdict;
* ``generate``: random linearizable histories (tests, benchmarks, exercises).

Standard library only, so that it also runs in the browser (Pyodide).
``python -m raft.linearizability history.json --model kv`` checks a JSON file.
"""

from .generate import random_history
from .history import Operation, read_history
from .models import KeyValue, Model, Register
from .search import Search, Verdict, check, linearize, shrink

__all__ = ["check", "Verdict", "Model", "KeyValue", "Register", "Operation", "Search",
           "linearize", "shrink", "read_history", "random_history"]
