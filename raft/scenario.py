"""A small text format for scenarios, in the style of etcd's ``testdata/*.txt`` files.

One command per line; ``#`` starts a comment. A scenario first describes the cluster, then
what happens to it, with ``expect`` lines that must hold::

    cluster size=5 seed=7 election_timeout=150..300 heartbeat=50 latency=10..15
                          # also: drop= duplicate= reorder= fast_backoff=yes
                          # disruption_guard=no max_entries=64 pre_vote=yes check_quorum=yes
    log 1: 1 1 2          # optional starting state: terms of S1's log, index 1 first
    term 1: 3             # S1's current_term (default: its last log term)
    vote 1: 1             # S1's voted_for
    elect 1               # S1 takes over now (as "takeover 1"); run until it leads
    submit x=1            # a client command to the leader ("submit x=1 to 2" for S2;
                          # "... as alice:3" gives the client id and sequence number)
    run 300ms             # let 300 simulated milliseconds pass
    run until leader      # ... or until there is a leader (within 10 s, or "within 2000ms")
    step 12               # process exactly 12 events
    crash 2 / restart 2 / disconnect 3 / connect 3
    timeout 4             # S4's election timer fires now: an ordinary election
    takeover 4            # S4 campaigns as a transfer's target does (passes the §6 guard)
    transfer 4            # the leader hands over to S4 (dissertation §3.10)
    partition 1 2 | 3 4 5 / heal
    cut 1 2               # cut only the link between S1 and S2 (a partial partition)
    network drop=0.2 duplicate=0.1 reorder=0.1 latency=10..20
    members 1 2 3 4 5     # membership change by joint consensus ("... unsafe": direct switch)
    add 6 / add 6 nonvoter / promote 6 / remove 2   # single-server changes (§4.1)
    deliver #17 / drop #17  # a message on the network, by its id
    clock 1500            # time passes to 1500 ms (nothing may be due before then)
    expect leader 1       # or: expect leader none
    expect term 3 = 2 / expect role 3 = follower / expect commit 1 = 4
    expect log 1 = 1 1 2  # terms of S1's log
    expect applied 2 = x=1 y=2
    expect error NotLeader: submit x=1 to 2

Errors in the text raise :class:`~raft.errors.ScenarioError` with the line number; an
``expect`` that does not hold raises :class:`~raft.errors.ExpectationFailed`, also with it.
"""

from __future__ import annotations

import re

from . import errors
from .cluster import Cluster
from .errors import ExpectationFailed, ScenarioError
from .node import MAX_ENTRIES_PER_MESSAGE

_OPTIONS = {
    "size": int, "seed": int, "heartbeat": float, "election_timeout": "range",
    "latency": "range", "drop": float, "duplicate": float, "reorder": float,
    "fast_backoff": "bool", "disruption_guard": "bool", "max_entries": int,
    "pre_vote": "bool", "check_quorum": "bool",
}
_OPTION_NAMES = {"heartbeat": "heartbeat_interval", "max_entries": "max_entries_per_message"}
_BOOL = {"yes": True, "on": True, "true": True, "no": False, "off": False, "false": False}
_COMMENT = re.compile(r"(?:^|\s)#(?=\s|$)")  # "# note" is a comment; "#17" is a message id
_TIME = re.compile(r"^(\d+(?:\.\d+)?)(ms)?$")


def run(text, check_invariants=True, cluster=None):
    """Run a scenario; returns the cluster at its end. Every ``expect`` is checked as it comes."""
    lines = _lines(text)
    if cluster is None:
        cluster = _build(lines, check_invariants)
    for number, words, raw in lines:
        if words[0] in ("cluster", "log", "term", "vote"):
            continue
        try:
            _do(cluster, words, number, raw)
        except (ScenarioError, ExpectationFailed):
            raise
        except errors.RaftError as e:
            if isinstance(e, errors.InvariantViolation):
                raise
            raise ScenarioError(f"{type(e).__name__}: {e}", number, raw) from e
    return cluster


def parse(text):
    """Check a scenario's syntax without running it; returns the cluster it would start."""
    lines = _lines(text)
    cluster = _build(lines, check_invariants=False)
    for number, words, raw in lines:
        if words[0] not in _COMMANDS and words[0] not in ("cluster", "log", "term", "vote"):
            raise ScenarioError(f"unknown command {words[0]!r} (known: "
                                f"{', '.join(sorted(_COMMANDS))})", number, raw)
    return cluster


def _lines(text):
    if not isinstance(text, str):
        raise ScenarioError(f"a scenario is text, got {type(text).__name__}")
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = _COMMENT.split(raw, 1)[0].strip()
        if line:
            out.append((number, line.split(), raw))
    return out


def _build(lines, check_invariants):
    kwargs = {}
    logs, terms, votes = {}, {}, {}
    seen_action = False
    for number, words, raw in lines:
        head = words[0]
        if head == "cluster":
            if seen_action or kwargs:
                raise ScenarioError("'cluster' must come once, before anything happens",
                                    number, raw)
            for word in words[1:]:
                if "=" not in word:
                    raise ScenarioError(f"expected name=value, got {word!r}", number, raw)
                name, value = word.split("=", 1)
                if name not in _OPTIONS:
                    raise ScenarioError(f"unknown cluster option {name!r} (known: "
                                        f"{', '.join(sorted(_OPTIONS))})", number, raw)
                kwargs[_OPTION_NAMES.get(name, name)] = _value(_OPTIONS[name], value, number, raw)
        elif head in ("log", "term", "vote"):
            if seen_action:
                raise ScenarioError(f"'{head}' sets the starting state; put it before the "
                                    "first action", number, raw)
            node, rest = _node_colon(words, number, raw)
            if head == "log":
                logs[node] = [_int(w, number, raw) for w in rest]
            elif len(rest) != 1:
                raise ScenarioError(f"'{head} N: value' takes one value", number, raw)
            elif head == "term":
                terms[node] = _int(rest[0], number, raw)
            else:
                votes[node] = None if rest[0] == "none" else _int(rest[0], number, raw)
        else:
            seen_action = True
    try:
        return Cluster(logs=logs or None, terms=terms or None, votes=votes or None,
                       check_invariants=check_invariants, **kwargs)
    except errors.RaftError as e:
        number, _, raw = lines[0] if lines else (None, None, None)
        raise ScenarioError(f"cannot build the cluster: {e}", number, raw) from e


def _node_colon(words, number, raw):
    if len(words) < 2 or not words[1].endswith(":"):
        raise ScenarioError(f"write '{words[0]} N: ...' (a server id and a colon)", number, raw)
    return _int(words[1][:-1], number, raw), words[2:]


def _value(kind, value, number, raw):
    if kind == "range":
        parts = value.split("..")
        if len(parts) != 2:
            raise ScenarioError(f"a range is written low..high, got {value!r}", number, raw)
        return tuple(_float(p, number, raw) for p in parts)
    if kind == "bool":
        if value.lower() not in _BOOL:
            raise ScenarioError(f"expected yes or no, got {value!r}", number, raw)
        return _BOOL[value.lower()]
    try:
        return kind(value)
    except ValueError:
        raise ScenarioError(f"expected a number, got {value!r}", number, raw) from None


def _int(word, number, raw):
    try:
        return int(word)
    except ValueError:
        raise ScenarioError(f"expected a whole number, got {word!r}", number, raw) from None


def _float(word, number, raw):
    try:
        return float(word)
    except ValueError:
        raise ScenarioError(f"expected a number, got {word!r}", number, raw) from None


def _ms(word, number, raw):
    match = _TIME.match(word)
    if not match:
        raise ScenarioError(f"expected a time such as 300ms, got {word!r}", number, raw)
    return float(match.group(1))


def _ids(words, number, raw):
    if not words:
        raise ScenarioError("expected server ids", number, raw)
    return [_int(w, number, raw) for w in words]


# -- commands -------------------------------------------------------------------------------

def _cmd_elect(c, args, n, raw):
    c.elect(_one_id(args, n, raw))


def _cmd_submit(c, args, n, raw):
    if not args:
        raise ScenarioError("submit needs a command, e.g. 'submit x=1'", n, raw)
    node = client_id = seq = None
    if len(args) >= 3 and args[-2] == "as":
        client_id, _, seq = args[-1].rpartition(":")
        if not client_id:
            raise ScenarioError("write 'as CLIENT:SEQ', e.g. 'as alice:3'", n, raw)
        seq, args = _int(seq, n, raw), args[:-2]
    if len(args) >= 3 and args[-2] == "to":
        node, args = _int(args[-1], n, raw), args[:-2]
    try:
        c.submit(" ".join(args), node=node, client_id=client_id, seq=seq)
    except errors.CommandError as e:
        raise ScenarioError(str(e), n, raw) from e


def _cmd_run(c, args, n, raw):
    if not args:
        raise ScenarioError("write 'run 300ms' or 'run until leader'", n, raw)
    if args[0] != "until":
        if len(args) != 1:
            raise ScenarioError("write 'run 300ms'", n, raw)
        c.run(_ms(args[0], n, raw))
        return
    within = 10_000.0
    if len(args) >= 3 and args[-2] == "within":
        within, args = _ms(args[-1], n, raw), args[:-2]
    what = args[1:]
    if what == ["leader"]:
        predicate = lambda cl: cl.leader() is not None  # noqa: E731
    elif len(what) == 3 and what[0] == "commit":
        node, index = _int(what[1], n, raw), _int(what[2], n, raw)
        c.node(node)
        predicate = lambda cl: cl.nodes[node].commit_index >= index  # noqa: E731
    else:
        raise ScenarioError("write 'run until leader' or 'run until commit N INDEX'", n, raw)
    if not c.run_until(predicate, timeout=within):
        raise ExpectationFailed(f"line {n}: '{' '.join(['run'] + args)}' did not happen within "
                                f"{within:.0f} ms\n    {raw.strip()}")


def _cmd_step(c, args, n, raw):
    count = _int(args[0], n, raw) if args else 1
    for _ in range(count):
        if c.step() is None:
            raise ScenarioError("nothing left to step", n, raw)


def _one_id(args, n, raw):
    if len(args) != 1:
        raise ScenarioError("expected one server id", n, raw)
    return _int(args[0], n, raw)


def _two_ids(args, n, raw):
    if len(args) != 2:
        raise ScenarioError("write 'cut 1 2' (the two ends of a link)", n, raw)
    return _int(args[0], n, raw), _int(args[1], n, raw)


def _cmd_partition(c, args, n, raw):
    groups = [g.split() for g in " ".join(args).split("|")]
    if any(not g for g in groups):
        raise ScenarioError("write 'partition 1 2 | 3 4 5' (groups of ids between bars)", n, raw)
    c.partition(*[_ids(g, n, raw) for g in groups])


def _cmd_network(c, args, n, raw):
    kwargs = {}
    for word in args:
        name, _, value = word.partition("=")
        if name not in ("drop", "duplicate", "reorder", "latency") or not value:
            raise ScenarioError(f"expected drop=, duplicate=, reorder= or latency=, got {word!r}",
                                n, raw)
        kwargs[name] = _value("range" if name == "latency" else float, value, n, raw)
    c.set_network(**kwargs)


def _cmd_members(c, args, n, raw):
    unsafe = bool(args) and args[-1] == "unsafe"
    c.change_membership(_ids(args[:-1] if unsafe else args, n, raw), unsafe=unsafe)


def _cmd_add(c, args, n, raw):
    voter = not (len(args) == 2 and args[1] == "nonvoter")
    if len(args) not in (1, 2) or (len(args) == 2 and voter):
        raise ScenarioError("write 'add 6' (a voter) or 'add 6 nonvoter'", n, raw)
    c.add_server(_int(args[0], n, raw), voter=voter)


def _flight_id(args, n, raw):
    if len(args) != 1 or not args[0].startswith("#"):
        raise ScenarioError("write a message id such as #17", n, raw)
    return _int(args[0][1:], n, raw)


def _cmd_clock(c, args, n, raw):
    to = _ms(args[0], n, raw) if len(args) == 1 else None
    if to is None:
        raise ScenarioError("write 'clock 1500'", n, raw)
    if to < c.now:
        raise ScenarioError(f"the clock is already at {c.now:.1f} ms", n, raw)
    c.run_to(to)


def _cmd_expect(c, args, n, raw):
    if not args:
        raise ScenarioError("expect what?", n, raw)
    what, rest = args[0], args[1:]
    if what == "error":
        text = " ".join(rest)
        name, _, command = text.partition(":")
        name = name.strip()
        cls = getattr(errors, name, None)
        if not (isinstance(cls, type) and issubclass(cls, Exception)) or not command.strip():
            raise ScenarioError("write 'expect error ErrorName: command'", n, raw)
        words = command.split()
        try:
            _do(c, words, n, raw)
        except cls:
            return
        except ScenarioError as e:
            if isinstance(e.__cause__, cls):
                return
            raise
        raise ExpectationFailed(f"line {n}: expected {name} from '{command.strip()}'\n"
                                f"    {raw.strip()}")
    if what == "leader":
        want = None if rest == ["none"] else _one_id(rest, n, raw)
        got = c.leader()
        _check(got == want, f"leader is {_fmt_id(got)}, expected {_fmt_id(want)}", n, raw)
        return
    if "=" not in rest or rest.index("=") != 1:
        raise ScenarioError(f"write 'expect {what} N = value'", n, raw)
    node = _int(rest[0], n, raw)
    c.node(node)
    value = rest[2:]
    nd = c.nodes[node]
    if what == "term":
        got, want = nd.current_term, _int(_single(value, n, raw), n, raw)
    elif what == "role":
        got, want = nd.role, _single(value, n, raw)
    elif what == "commit":
        got, want = nd.commit_index, _int(_single(value, n, raw), n, raw)
    elif what == "log":
        got, want = nd.log.terms(), [_int(v, n, raw) for v in value]
    elif what == "applied":
        got, want = c.applied(node), value
    elif what == "voted_for":
        got = nd.voted_for
        want = None if value == ["none"] else _int(_single(value, n, raw), n, raw)
    else:
        raise ScenarioError(f"cannot expect {what!r} (known: leader, term, role, commit, log, "
                            "applied, voted_for, error)", n, raw)
    _check(got == want, f"S{node} {what} is {got!r}, expected {want!r}", n, raw)


def _single(value, n, raw):
    if len(value) != 1:
        raise ScenarioError("expected one value", n, raw)
    return value[0]


def _fmt_id(i):
    return "none" if i is None else f"S{i}"


def _check(ok, message, n, raw):
    if not ok:
        raise ExpectationFailed(f"line {n}: {message}\n    {raw.strip()}")


_COMMANDS = {
    "elect": _cmd_elect,
    "submit": _cmd_submit,
    "run": _cmd_run,
    "step": _cmd_step,
    "crash": lambda c, a, n, r: c.crash(_one_id(a, n, r)),
    "restart": lambda c, a, n, r: c.restart(_one_id(a, n, r)),
    "disconnect": lambda c, a, n, r: c.disconnect(_one_id(a, n, r)),
    "connect": lambda c, a, n, r: c.connect(_one_id(a, n, r)),
    "timeout": lambda c, a, n, r: c.timeout(_one_id(a, n, r)),
    "takeover": lambda c, a, n, r: c.take_over(_one_id(a, n, r)),
    "transfer": lambda c, a, n, r: c.transfer_leadership(_one_id(a, n, r)),
    "partition": _cmd_partition,
    "heal": lambda c, a, n, r: c.heal(),
    "cut": lambda c, a, n, r: c.cut_link(*_two_ids(a, n, r)),
    "network": _cmd_network,
    "members": _cmd_members,
    "add": _cmd_add,
    "promote": lambda c, a, n, r: c.promote(_one_id(a, n, r)),
    "remove": lambda c, a, n, r: c.remove_server(_one_id(a, n, r)),
    "deliver": lambda c, a, n, r: c.deliver(_flight_id(a, n, r)),
    "drop": lambda c, a, n, r: c.drop(_flight_id(a, n, r)),
    "clock": _cmd_clock,
    "expect": _cmd_expect,
}


def _do(cluster, words, number, raw):
    command = _COMMANDS.get(words[0])
    if command is None:
        raise ScenarioError(f"unknown command {words[0]!r} (known: "
                            f"{', '.join(sorted(_COMMANDS))})", number, raw)
    command(cluster, words[1:], number, raw)


# -- writing a cluster's history back out -------------------------------------------------------

def to_text(cluster):
    """The scenario that rebuilds ``cluster`` exactly: its arguments and every call, with the
    number of events processed between calls."""
    init = cluster._init
    if init["node_class"] is not cluster.node_class or init["node_class"].__name__ != "Node":
        note = f"# note: built with node class {init['node_class'].__name__}\n"
    else:
        note = ""
    low, high = init["election_timeout"]
    lat_low, lat_high = init["latency"]
    low, high, lat_low, lat_high = map(_number, (low, high, lat_low, lat_high))
    head = (f"cluster size={init['size']} seed={init['seed']} election_timeout={low}..{high} "
            f"heartbeat={_number(init['heartbeat_interval'])} latency={lat_low}..{lat_high}")
    for name in ("drop", "duplicate", "reorder"):
        if init[name]:
            head += f" {name}={init[name]}"
    head += f" fast_backoff={'yes' if init['fast_backoff'] else 'no'}"
    head += f" disruption_guard={'yes' if init['disruption_guard'] else 'no'}"
    if init.get("max_entries_per_message", MAX_ENTRIES_PER_MESSAGE) != MAX_ENTRIES_PER_MESSAGE:
        head += f" max_entries={init['max_entries_per_message']}"
    for name in ("pre_vote", "check_quorum"):   # (written only when on, as older texts lack them)
        if init.get(name):
            head += f" {name}=yes"
    lines = [note + head]
    for kind, key in (("log", "logs"), ("term", "terms"), ("vote", "votes")):
        for i, value in sorted((init[key] or {}).items()):
            if kind == "log":
                terms = [e.term if hasattr(e, "term") else (e[0] if isinstance(e, tuple) else e)
                         for e in value]
                lines.append(f"log {i}: " + " ".join(str(t) for t in terms))
            else:
                lines.append(f"{kind} {i}: {'none' if value is None else value}")
    done = 0
    for at, name, args in cluster._actions:
        # A timed run prints as "run 300ms": the events it processed, then the clock moved on
        # to its end. Running it again from the same moment gives the same end time exactly.
        start = args[2] if name == "_advance" and len(args) == 3 else at
        if start > done:
            lines.append(f"step {start - done}")
        done = at + 1
        lines.append(_action_text(name, args))
    if cluster.steps > done:
        lines.append(f"step {cluster.steps - done}")
    return "\n".join(lines) + "\n"


def _number(x):
    """150.0 -> 150, so a scenario's text is the same after a round trip through ``run``."""
    return int(x) if isinstance(x, float) and x.is_integer() else x


def _action_text(name, args):
    if name == "_submit":
        command, node, client, seq = args
        return f"submit {command} to {node} as {client}:{seq}"
    if name == "_partition":
        return "partition " + " | ".join(" ".join(str(i) for i in g) for g in args[0])
    if name == "_network":
        drop, duplicate, reorder, latency = args
        parts = [f"{k}={v}" for k, v in (("drop", drop), ("duplicate", duplicate),
                                        ("reorder", reorder)) if v is not None]
        if latency is not None:
            parts.append(f"latency={latency[0]}..{latency[1]}")
        return "network " + " ".join(parts)
    if name == "_change_membership":
        ids, unsafe = args
        return "members " + " ".join(str(i) for i in ids) + (" unsafe" if unsafe else "")
    if name == "_cut_link":
        return f"cut {args[0]} {args[1]}"
    if name == "_transfer":
        return f"transfer {args[1]}"
    if name == "_single_change":
        change, i, voter = args
        return f"{change} {i}" + (" nonvoter" if change == "add" and not voter else "")
    if name == "_advance":
        if len(args) == 3:
            return f"run {_number(args[1])!r}ms"
        return f"clock {_number(args[0])!r}"
    simple = {"_crash": "crash", "_restart": "restart", "_disconnect": "disconnect",
              "_connect": "connect", "_heal": "heal", "_force_timeout": "timeout",
              "_take_over": "takeover"}
    if name in simple:
        return " ".join([simple[name]] + [str(a) for a in args])
    if name in ("_deliver_now", "_drop_now"):
        return f"{'deliver' if name == '_deliver_now' else 'drop'} #{args[0]}"
    raise ValueError(f"no scenario text for action {name}")
