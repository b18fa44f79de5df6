"""Command line: ``python -m raft.linearizability history.json [--model kv] [--svg out.svg]``.

Prints the verdict in words. Exit status 0: linearizable; 1: not; 2: bad input.
"""

import argparse
import json
import sys

from ..errors import RaftError
from .search import check


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m raft.linearizability",
                                     description="Check a history for linearizability.")
    parser.add_argument("history", help="a JSON file: a list of operations, each with client, "
                        "f, key, value, output, call, ret (null when it never returned)")
    parser.add_argument("--model", default="kv", choices=("kv", "register"))
    parser.add_argument("--svg", help="also write the timeline picture to this file")
    parser.add_argument("--view", default="minimal", choices=("minimal", "key", "all"),
                        help="what the picture shows (default: the 1-minimal set)")
    args = parser.parse_args(argv)
    try:
        with open(args.history, encoding="utf-8") as file:
            history = json.load(file)
        verdict = check(history, args.model)
    except (OSError, ValueError, RaftError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(verdict.explanation)
    if args.svg:
        with open(args.svg, "w", encoding="utf-8") as file:
            file.write(verdict.svg(args.view))
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
