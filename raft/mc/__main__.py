"""``python -m raft.mc``: model-check a Node class from a shell.

    python -m raft.mc                                   # the reference node, default bounds
    python -m raft.mc --node raft.bugs:NaiveCommit      # a bug of the zoo (raft.bugs)
    python -m raft.mc --node my_node.py:MyNode --max-term 3 --commands 1 --crashes 1
    python -m raft.mc --node raft.labs.skeleton:Lab1Node

Prints the bounds, then (if a property breaks) the shortest run that breaks it as a scenario
(``raft.scenario.run(text, node_class=...)`` replays it), and ends with one summary line::

    explored 43084 distinct states (285845 transitions), depth 44, in 4.4 s: no violation

Progress lines go to stderr every five seconds. Exit status: 0 no violation, 1 a violation, 2 bad
arguments (with a one-line error).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import re
import sys
from pathlib import Path

from ..errors import RaftError
from ..node import MAX_ENTRIES_PER_MESSAGE, Node
from .result import Bounds, action_text, make_bounds
from .search import check, stderr_progress


def load_class(spec):
    """A Node subclass from ``module.path:Class`` or ``path/to/file.py:Class``."""
    where, _, name = spec.partition(":")
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise RaftError(f"{where}: no such file (give path/to/file.py:ClassName)")
        module_name = "checked_" + re.sub(r"\W", "_", path.stem)
        spec_obj = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec_obj)
        sys.modules[module_name] = module
        spec_obj.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as e:
            raise RaftError(f"cannot import {where!r}: {e}") from None
        module_name = module.__name__
    if name:
        cls = getattr(module, name, None)
        if not (isinstance(cls, type) and issubclass(cls, Node)):
            names = sorted(k for k, v in vars(module).items() if isinstance(v, type)
                           and issubclass(v, Node) and v is not Node)
            raise RaftError(f"{where} has no Node subclass {name!r} (it has: "
                            f"{', '.join(names) or 'none'})")
        return cls
    found = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Node)
             and v.__module__ == module_name]
    if len(found) != 1:
        raise RaftError(f"{where}: say which class to check, e.g. {where}:MyNode (found "
                        f"{', '.join(c.__name__ for c in found) or 'none'})")
    return found[0]


def _count_or_any(text):
    if text in ("any", "none"):
        return None
    return int(text)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """A bad argument: one line on stderr, exit status 2."""
        self.exit(2, f"error: {message} (python -m raft.mc --help lists the options)\n")


def parser():
    d = Bounds()
    p = _Parser(prog="python -m raft.mc", description=(
        "Explore every state a small cluster of a Node class can reach within the bounds, "
        "breadth first; report the shortest run that breaks a safety property."))
    p.add_argument("--node", metavar="SPEC", help="module:Class or file.py:Class, e.g. "
                   "raft.bugs:NaiveCommit (default: the reference raft.node:Node)")
    b = p.add_argument_group("bounds")
    b.add_argument("--servers", type=int, default=d.servers,
                   help="servers at the start (%(default)s)")
    b.add_argument("--max-term", type=int, default=d.max_term,
                   help="highest term explored (%(default)s)")
    b.add_argument("--commands", type=int, default=d.commands,
                   help="client commands (%(default)s)")
    b.add_argument("--crashes", type=int, default=d.crashes, help="crashes (%(default)s)")
    b.add_argument("--per-link", type=int, default=d.per_link,
                   help="messages in flight from one server to another (%(default)s)")
    b.add_argument("--duplicates", type=int, default=d.duplicates,
                   help="messages duplicated (%(default)s)")
    b.add_argument("--drops", type=_count_or_any, default=d.drops,
                   help="messages lost to make room on a full link, or 'any' (%(default)s)")
    b.add_argument("--changes", type=int, default=d.changes,
                   help="membership changes (%(default)s)")
    b.add_argument("--spares", type=int, default=d.spares,
                   help="servers a membership change may add (%(default)s)")
    b.add_argument("--heartbeats", type=_count_or_any, default=None,
                   help="leader timer firings, or 'any' (default: any)")
    b.add_argument("--waits", type=_count_or_any, default=None,
                   help="times time passes with no timer firing, or 'any' (default: any)")
    b.add_argument("--retries", type=int, default=d.retries,
                   help="client commands sent again with the same serial number (%(default)s)")
    b.add_argument("--forget-dead", action="store_true",
                   help="keep no reply its receiver will ignore whatever happens: per-link then "
                        "counts the messages a receiver can still act on")
    b.add_argument("--max-depth", type=int, default=None, help="actions from the start (no limit)")
    b.add_argument("--max-states", type=int, default=None,
                   help="distinct states explored (no limit)")
    b.add_argument("--time-budget", type=_count_or_any, default=d.time_budget,
                   help="seconds, or 'none' (%(default)s)")
    o = p.add_argument_group("nodes")
    o.add_argument("--max-entries", type=int, default=MAX_ENTRIES_PER_MESSAGE,
                   help="entries per AppendEntries (%(default)s)")
    o.add_argument("--fast-backoff", action="store_true", help="the faster back-off of §5.3")
    o.add_argument("--no-guard", action="store_true", help="turn off the §6 disruption guard")
    o.add_argument("--membership", choices=("joint", "single"), default="joint",
                   help="what --changes counts: joint consensus (§6) or single-server changes "
                   "(add, promote, remove; dissertation §4.1) (%(default)s)")
    c = p.add_argument_group("checking")
    c.add_argument("--no-rules", action="store_true",
                   help="only Figure 3's properties, not the grader's rules")
    c.add_argument("--no-symmetry", action="store_true",
                   help="keep states that differ only in the servers' names apart")
    c.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        if args.node:
            node_class = load_class(args.node)
        else:
            node_class = Node
        bounds = dict(max_term=args.max_term, commands=args.commands, crashes=args.crashes,
                      per_link=args.per_link, duplicates=args.duplicates, drops=args.drops,
                      changes=args.changes, spares=args.spares, heartbeats=args.heartbeats,
                      waits=args.waits, retries=args.retries, max_depth=args.max_depth,
                      max_states=args.max_states, time_budget=args.time_budget,
                      forget_dead=args.forget_dead)
        progress = None if args.quiet else stderr_progress
        shown = make_bounds(args.servers, **bounds).text()   # a bad bound fails here
        print(f"checking {node_class.__name__}: {shown}", flush=True)
        result = check(node_class, args.servers, max_entries=args.max_entries,
                       fast_backoff=args.fast_backoff, disruption_guard=not args.no_guard,
                       rules=not args.no_rules, symmetry=not args.no_symmetry,
                       membership=args.membership,
                       progress=progress, **bounds)
    except RaftError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"symmetry {result.symmetry}")
    v = result.violation
    if v is not None:
        print(f"{v.prop}: {v.details}")
        print(f"the shortest run, {v.length} action{'s' if v.length != 1 else ''}:")
        for k, action in enumerate(v.actions, 1):
            print(f"  {k:2}. {action_text(action)}")
        print(f"as a scenario (raft.scenario.run(text, node_class={node_class.__name__})):")
        print(v.scenario(), end="")
    print(result.summary)
    return 0 if v is None else 1


if __name__ == "__main__":
    sys.exit(main())
