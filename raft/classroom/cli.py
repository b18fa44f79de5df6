"""The grader's command line: ``python -m raft.grade``.

    python -m raft.grade lab1 path/to/my_node.py:MyNode
    python -m raft.grade bug naive-commit          # hunt and shrink a zoo bug
    python -m raft.grade list                      # the labs and the zoo's bugs
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path

from ..fuzz.run import PACKAGE_DIR
from ..node import Node
from . import bugs
from .grader import check
from .labs import LABS


def _load_class(spec):
    path, _, name = spec.partition(":")
    inside = Path(path).resolve()
    if inside.suffix == ".py" and inside.is_relative_to(PACKAGE_DIR):
        # A module of this package (raft/node.py:Node): import it as part of the package, so
        # that its relative imports work and its classes are the package's own.
        parts = inside.relative_to(Path(PACKAGE_DIR).parent).with_suffix("").parts
        module = importlib.import_module(".".join(parts))
        module_name = module.__name__
    else:
        if not inside.is_file():
            raise SystemExit(f"{path}: no such file (give path/to/file.py[:ClassName])")
        module_name = "student_" + re.sub(r"\W", "_", Path(path).stem)
        spec_obj = importlib.util.spec_from_file_location(module_name, path)
        if spec_obj is None:
            raise SystemExit(f"cannot load {path}: is it a Python file?")
        module = importlib.util.module_from_spec(spec_obj)
        sys.modules[module_name] = module
        spec_obj.loader.exec_module(module)
    if name:
        if not isinstance(getattr(module, name, None), type):
            raise SystemExit(f"{path} has no class {name!r}")
        return getattr(module, name)
    found = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Node)
             and v.__module__ == module_name]
    if len(found) != 1:
        raise SystemExit(f"{path}: say which class to grade, e.g. {path}:MyNode "
                         f"(found {[c.__name__ for c in found]})")
    return found[0]


USAGE = """\
usage: python -m raft.grade labN path/to/file.py[:ClassName]   grade your node on lab N (1-6)
       python -m raft.grade bug NAME                           hunt a bug of the zoo and shrink
                                                               its counterexample ('all': each)
       python -m raft.grade list                               the labs and the zoo's bugs
       python -m raft.grade --help                             this text

Exit status: 0 when the node passes (or the command succeeded), 1 when it fails, 2 when the
command line is wrong."""


def _listing():
    lines = ["Labs (python -m raft.grade labN file.py:Class):"]
    for n, lab in sorted(LABS.items()):
        lines.append(f"  lab{n}  {lab.title}: {', '.join(lab.methods)}")
    lines.append("Bugs of the zoo (python -m raft.grade bug NAME):")
    width = max(len(name) for name in {**bugs.BUGS, **bugs.CLIENT_BUGS})
    for name, cls in bugs.BUGS.items():
        lines.append(f"  {name:{width}}  {cls.title} ({cls.section})")
    lines.append("Bugs of client interaction, judged by the linearizability checker:")
    for name, cls in bugs.CLIENT_BUGS.items():
        lines.append(f"  {name:{width}}  {cls.title} ({cls.section})")
    return "\n".join(lines)


def _usage_error(message):
    print(f"{message}\n\n{USAGE}", file=sys.stderr)
    return 2


def _client_bug_report(name):
    found = bugs.hunt_client_bug(name)
    cls = bugs.CLIENT_BUGS[name]
    if found is None:
        return f"{name}: not found within its bound"
    return "\n".join([f"{name}: not linearizable (found with seed {found.seed}; the story: "
                      f"{cls.story_text})", *("  " + line for line in
                                               found.verdict.explanation.splitlines()),
                      "  the run, as a scenario (raft.scenario.run(text, node_class="
                      f"raft.bugs.CLIENT_BUGS[{name!r}]) replays it):",
                      *("    " + line for line in found.scenario_text().splitlines())])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "list":
        print(_listing())
        return 0
    if command == "bug":
        if len(rest) != 1:
            return _usage_error("say which bug: python -m raft.grade bug NAME (or 'all'); "
                                "'python -m raft.grade list' lists them")
        known = {**bugs.BUGS, **bugs.CLIENT_BUGS}
        if rest[0] != "all" and rest[0] not in known:
            return _usage_error(f"no bug named {rest[0]!r} in the zoo; its bugs: "
                                f"{', '.join(known)}")
        names = list(known) if rest[0] == "all" else rest
        for name in names:
            if name in bugs.CLIENT_BUGS:
                print(_client_bug_report(name))
                print()
                continue
            cx = bugs.hunt(name)
            print(cx.report(name) if cx else f"{name}: not found within its bound")
            print()
        return 0
    match = re.fullmatch(r"lab(\d+)", command)
    if match:
        n = int(match.group(1))
        if n not in LABS:
            return _usage_error(f"there is no lab {n}; the labs are "
                                f"{', '.join(f'lab{k}' for k in sorted(LABS))}")
        if len(rest) != 1:
            return _usage_error(f"say which node to grade: python -m raft.grade lab{n} "
                                "path/to/file.py[:ClassName]")
        report = check(_load_class(rest[0]), n)
        return 0 if report.passed else 1
    return _usage_error(f"unknown command {command!r}: use labN (lab1 to lab{max(LABS)}), "
                        "bug or list")


def console(argv=None):
    """``main`` for a shell: a reader that stops reading (``python -m raft.grade lab1 ... |
    head``) ends the command quietly, with status 1, as Python's documentation advises for a
    closed pipe, not with a BrokenPipeError traceback."""
    try:
        status = main(argv)
        sys.stdout.flush()           # a closed pipe shows here, while it can still be caught
    except BrokenPipeError:
        # Python flushes stdout again at exit: point it at nothing, so that flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return status


if __name__ == "__main__":
    sys.exit(console())
