"""Scenes: what the cluster looks like at one step, as plain data for the painter.

Theory of operation
-------------------
Python decides everything about Raft that a picture shows (who leads, which timer runs, which
message is in flight and what it says, which entries are committed, whether a safety property
broke); the painter in the browser (``raft/viz/painter.js``) only draws it and moves it in time.
The two meet in a *scene*: a JSON object, one per step of a run. Between two scenes the painter
interpolates time (a message is drawn at ``(now - sent) / (due - sent)`` of its link, a timer
arc at ``(deadline - now) / (deadline - start)``), so it needs no knowledge of the algorithm.

This module imports only the standard library and the algorithm's own modules: it runs in
Pyodide (the live page), in a notebook and at book-build time alike.

Schema, version 1
-----------------
Keys marked ``?`` may be ``null``. Times are simulated milliseconds, rounded to 0.01.

scene::

    version      1 (SCHEMA_VERSION)
    step         int >= 0      the run's step number (one simulator event per step)
    time         number >= 0   the simulated time after the step
    caption      str           what happened in this step, one sentence for readers
    rule         str           the rule of the paper behind it ("" if none)
    description  str           the picture in words, for screen readers: who leads, roles,
                               crashed servers, the network, the messages in flight
    leader       int?          the leader with the highest term, if any
    servers      [server]      by id
    messages     [message]     every message on the network, soonest delivery first
    network      {"partition": [[int]]? (groups), "disconnected": [int],
                  "cut"? [[int, int]] (single links cut, only when there are any)}
    logs         {"first": int >= 1 (first index drawn), "last": int >= 0 (last index drawn),
                  "hidden": int >= 0 (indexes before "first" left out)}
    safety       [{"property": str, "ok": bool, "step": int?, "details": str?}]: the five
                 properties of Figure 3 in order; a broken one names the first step and what
                 broke
    flagged      [[server, index]]   log entries named by a broken property

server::

    id, term                int
    role                    "follower" | "candidate" | "leader"
    crashed                 bool (a crashed server keeps the role it had; draw it as crashed)
    voter                   bool: it votes in its own configuration (false for a server being
                            added or removed)
    voted_for               int?
    timer                   {"start": number, "deadline": number}? the election timer
                            (null for a leader and a crashed server)
    votes                   {"have": [int], "coming": [int], "needed": int, "voters": [int]}?
                            a candidate's votes (null otherwise): granted and counted, granted
                            but not yet arrived, how many make a majority, who votes
    commit_index, last_applied, log_length, last_log_term     int (Figure 2's state)
    next_index, match_index int?  the leader's view of this server (null: no leader, or it is
                            the leader)
    log                     {"terms": [int] (from logs.first on), "configs": [int] (indexes of
                            configuration entries), "truncate_from": int? (the next step
                            deletes entries from here on), "snapshot"?: {"index": int >= 1,
                            "term": int}? (beyond Figure 2, §7: the entries up to "index" are
                            compacted into a snapshot whose last entry had "term"; "terms" holds
                            0 for them), "commands"?: [str?] (what each entry of "terms"
                            carries, in words: "x=1", "no-op", "configuration {1,2,3}"; null
                            for an entry in a snapshot)}
    state_machine?          {str: str}  its copy of the key-value store: what the commands it
                            applied (up to last_applied) amount to (§2)

message::

    id                      int, stable while it travels
    from, to                int
    sent, due               number: it leaves ``from`` at ``sent`` and arrives at ``due``
    kind                    "RequestVote" | "RequestVoteReply" | "AppendEntries" |
                            "AppendEntriesReply" (the class name of any other message:
                            "InstallSnapshot", "InstallSnapshotReply" (§7), "PreVote",
                            "PreVoteReply", "TimeoutNow" beyond Figure 2)
    label                   str, the short mark drawn on it: "RV", "vote ✓", "vote ✗", "AE 2",
                            "hb", "ok", "fail"; "snap", "snap ok", "snap ✗" (§7); "PV", "pre ✓",
                            "pre ✗" (pre-vote), "TN"
    reply                   bool
    ok                      bool?  a reply's verdict (granted / success); null for requests
    term                    int
    entries                 int?   how many entries an AppendEntries carries (0: heartbeat)
    summary                 str    the message in words ("AppendEntries(term 2, 1 entry, ...)")

Optional keys, present only for a run with clients, a read mode beyond the log or drifting
clocks (dissertation chapter 6, :mod:`raft.sim.clients`)::

    clients          [client]   the simulated clients, by name
    client_messages  [cmessage] their requests and the servers' replies on the network
    reads            {"mode": str (raft.node.READ_MODES), "lease_ms": number (how long a lease
                      lasts on the leader's clock: minimum election timeout / drift bound),
                      "servers": [{"id": int, "lease_until": number? (true time), "waiting":
                      int (reads waiting for a round or to be applied), "clock_rate": number}]}
    linearizable     {"property": "Linearizable", "ok": bool?, "step": int?, "details": str?}:
                     only with clients, the sixth light beside Figure 3's five (not one of
                     them): whether the clients' history so far is linearizable, judged by
                     raft.linearizability (raft.viz.checks.judge_history); false names the
                     step it stopped being so and why (a stale read, §6.4); null: too long to
                     check here (details say so)

client::

    name                    str, "c1"...
    guess                   int: the server it believes leads
    waiting                 {"op": str, "seq": int, "attempt": int, "server": int, "since":
                            number}? the operation it waits for, the server of this attempt
    queued                  int: operations called, not started yet
    last                    {"op": str, "output": str?, "ret": number?}? its last finished
                            operation (ret null: it gave up)

cmessage::

    id, sent, due, kind ("ClientRequest" | "ClientReply"), label, reply, ok, summary as for a
    message; from, to: a client's name or a server's id

Heartbeat rounds and follower reads' messages (``Heartbeat``, ``HeartbeatReply``,
``ReadIndexRequest``, ``ReadIndexReply``) are ordinary messages (labels "HB r3", "HB ✓",
"RI?", "RI 7"); a Heartbeat has ``entries`` 0, as it is drawn like a heartbeat.

Growing the schema: new optional keys (snapshots, pre-vote are expected) keep the
version; readers ignore keys they do not know. Removing a key or changing what one means bumps
``SCHEMA_VERSION``. :func:`validate_scene` checks a scene against this description.
"""

from __future__ import annotations

from ..check.properties import PROPERTIES
from ..errors import RaftError
from ..node import (AppendEntries, AppendEntriesReply, Configuration, Heartbeat, HeartbeatReply,
                    InstallSnapshot, InstallSnapshotReply, PreVote, PreVoteReply, ReadIndexReply,
                    ReadIndexRequest, RequestVote, RequestVoteReply, TimeoutNow)
from ..sim.clients import ClientReply, ClientRequest
from ..sim.snapshot import ClientSnapshot, log_base
from ..sim.trace import describe_message
from .checks import LINEARIZABLE, InvariantMonitor, Violation, flagged_cells

SCHEMA_VERSION = 1

#: How many log indexes a scene carries at most (the latest ones; the painter may show fewer).
WINDOW = 16

ROLES = ("follower", "candidate", "leader")
MESSAGE_KINDS = ("RequestVote", "RequestVoteReply", "AppendEntries", "AppendEntriesReply")


class SceneError(RaftError, ValueError):
    """A scene that does not follow the schema; the message names the key and the value."""


def _ms(t):
    return round(float(t), 2)


def message_label(msg):
    """The short mark drawn on a message in flight."""
    if isinstance(msg, RequestVote):
        return "RV"
    if isinstance(msg, RequestVoteReply):
        return "vote ✓" if msg.vote_granted else "vote ✗"
    if isinstance(msg, AppendEntries):
        return f"AE {len(msg.entries)}" if msg.entries else "hb"
    if isinstance(msg, AppendEntriesReply):
        return "ok" if msg.success else "fail"
    if isinstance(msg, InstallSnapshot):
        return "snap"
    if isinstance(msg, InstallSnapshotReply):
        return "snap ok" if msg.last_included_index else "snap ✗"
    if isinstance(msg, PreVote):               # beyond Figure 2: pre-vote (§9.6)
        return "PV"
    if isinstance(msg, PreVoteReply):
        return "pre ✓" if msg.vote_granted else "pre ✗"
    if isinstance(msg, TimeoutNow):            # beyond Figure 2: leadership transfer (§3.10)
        return "TN"
    # Beyond Figure 2: reads (dissertation §6.4) and clients (chapter 6)
    if isinstance(msg, Heartbeat):
        return f"HB r{msg.round}"
    if isinstance(msg, HeartbeatReply):
        return "HB ✓" if msg.ok else "HB ✗"
    if isinstance(msg, ReadIndexRequest):
        return "RI?"
    if isinstance(msg, ReadIndexReply):
        return f"RI {msg.index}" if msg.ok else "RI ✗"
    if isinstance(msg, ClientRequest):
        value = "" if msg.value is None else f" {msg.value}"
        return f"{msg.f} {msg.key}{value}"
    if isinstance(msg, ClientReply):
        if msg.ok:
            return "ok" if msg.output is None else f"= {_short(msg.output)}"
        return f"no, S{msg.leader_hint}?" if msg.leader_hint is not None else "no"
    return type(msg).__name__


def _short(text, limit=10):
    text = repr(text)
    return text if len(text) <= limit else text[:limit - 2] + "…'"


_REPLIES = (RequestVoteReply, AppendEntriesReply, InstallSnapshotReply, PreVoteReply,
            HeartbeatReply, ReadIndexReply, ClientReply)


def message_data(flight):
    m = flight.msg
    reply = isinstance(m, _REPLIES)
    ok = None
    if isinstance(m, (RequestVoteReply, PreVoteReply)):
        ok = bool(m.vote_granted)
    elif isinstance(m, AppendEntriesReply):
        ok = bool(m.success)
    elif isinstance(m, InstallSnapshotReply):
        ok = bool(m.last_included_index)
    elif reply:
        ok = bool(m.ok)
    entries = len(m.entries) if isinstance(m, AppendEntries) else (
        0 if isinstance(m, Heartbeat) else None)
    data = {"id": flight.id, "from": m.src, "to": m.dst, "sent": _ms(flight.sent_at),
            "due": _ms(flight.deliver_at), "kind": type(m).__name__, "label": message_label(m),
            "reply": reply, "ok": ok, "summary": describe_message(m)}
    if isinstance(m, (ClientRequest, ClientReply)):
        return data
    data.update(term=m.term, entries=entries)
    return data


def _truncations(records):
    out = {}
    for r in records:
        if r.kind == "truncate":
            out[r.node] = min(out.get(r.node, r.data["first"]), r.data["first"])
    return out


def _log_window(snap, window):
    leader = snap.leader()
    lview = snap.nodes[leader] if leader is not None else None
    longest = max((log_base(n.log) + len(n.log) for n in snap.nodes.values()), default=0)
    last = longest
    if lview is not None and lview.next_index:
        last = max(last, min(max(lview.next_index.values()), longest + 1))
    first = max(1, last - window + 1)
    return first, last


def _server(snap, n, first, doomed, lview):
    timer = None
    if not n.crashed and n.role != "leader":
        timer = {"start": _ms(n.election_timer_start), "deadline": _ms(n.election_deadline)}
    votes = None
    if n.role == "candidate" and not n.crashed:
        voters = sorted(n.config.voters)
        have = sorted(n.votes)
        coming = sorted(i for i in voters if i not in n.votes and i in snap.nodes
                        and snap.nodes[i].voted_for == n.id
                        and snap.nodes[i].current_term == n.current_term)
        votes = {"have": have, "coming": coming, "needed": len(voters) // 2 + 1,
                 "voters": voters}
    nxt = mat = None
    if lview is not None and n.id != lview.id and n.id in lview.next_index:
        nxt, mat = lview.next_index[n.id], lview.match_index.get(n.id, 0)
    log = n.log
    base = log_base(log)           # beyond Figure 2 (§7): indexes up to it are in a snapshot
    length = base + len(log)
    entries = [log[k - base - 1] if k > base else None for k in range(first, length + 1)]
    out = {
        "id": n.id, "role": n.role, "crashed": bool(n.crashed), "term": n.current_term,
        "voter": n.id in n.config.members, "voted_for": n.voted_for, "timer": timer,
        "votes": votes, "commit_index": n.commit_index, "last_applied": n.last_applied,
        "log_length": length,
        "last_log_term": log[-1].term if log else (log.snapshot_term if base else 0),
        "next_index": nxt, "match_index": mat,
        "log": {"terms": [e.term if e is not None else 0 for e in entries],
                "configs": [k for k in range(max(first, base + 1), length + 1)
                            if log[k - base - 1].kind == "config"],
                "truncate_from": doomed.get(n.id),
                "commands": [None if e is None else entry_text(e) for e in entries]},
        "state_machine": {str(k): str(v) for k, v in sorted(n.kv.items())},
    }
    if base:
        out["log"]["snapshot"] = {"index": base, "term": log.snapshot_term}
    return out


def entry_text(entry):
    """What a log entry carries, in words: its command (``x=1``), ``no-op`` (the entry a new
    leader appends, §8) or ``configuration {1,2,3}`` (§6)."""
    if entry.command is None:
        return "no-op"
    if isinstance(entry.command, Configuration):
        return f"configuration {entry.command}"
    return str(entry.command)


def _names(ids):
    ids = [f"S{i}" for i in ids]
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]


def _who(end):
    return end if isinstance(end, str) else f"S{end}"


def describe(scene, limit=6):
    """The picture in words (for screen readers): who leads, the other roles, crashed servers,
    the network, the messages in flight (the first ``limit`` of them) and any broken property."""
    servers = scene["servers"]
    up = [s for s in servers if not s["crashed"]]
    parts = []
    leaders = [s for s in up if s["role"] == "leader"]
    for s in leaders:
        parts.append(f"S{s['id']} leads term {s['term']}.")
    if not leaders:
        parts.append("No leader.")
    for s in up:
        if s["role"] == "candidate":
            v = s["votes"]
            parts.append(f"S{s['id']} is a candidate for term {s['term']} with "
                         f"{len(v['have'])} of the {v['needed']} votes it needs.")
    followers = [s["id"] for s in up if s["role"] == "follower"]
    if followers:
        parts.append(f"{_names(followers)} follow{'s' if len(followers) == 1 else ''}.")
    crashed = [s["id"] for s in servers if s["crashed"]]
    if crashed:
        parts.append(f"{_names(crashed)} {'is' if len(crashed) == 1 else 'are'} crashed.")
    net = scene["network"]
    if net["partition"]:
        groups = " | ".join(" ".join(f"S{i}" for i in g) for g in net["partition"])
        parts.append(f"The network is split: {groups}.")
    if net["disconnected"]:
        parts.append(f"{_names(net['disconnected'])} cut off from the network.")
    for a, b in net.get("cut", ()):
        parts.append(f"The link between S{a} and S{b} is cut.")
    msgs = scene["messages"]
    if msgs:
        shown = [f"{m['label']} S{m['from']} to S{m['to']}" for m in msgs[:limit]]
        more = f", and {len(msgs) - limit} more" if len(msgs) > limit else ""
        parts.append(f"In flight: {', '.join(shown)}{more}.")
    else:
        parts.append("No message in flight.")
    broken = [p for p in scene["safety"] if not p["ok"]]
    for p in broken:
        parts.append(f"Safety violated: {p['property']}, {p['details']}.")
    light = scene.get("linearizable")
    if light is not None and light["ok"] is False:
        parts.append(f"Not linearizable since step {light['step']}: {light['details']}")
    cmsgs = scene.get("client_messages", ())
    if cmsgs:
        who = [f"{m['label']} {_who(m['from'])} to {_who(m['to'])}" for m in cmsgs[:limit]]
        parts.append(f"Client messages in flight: {', '.join(who)}.")
    for c in scene.get("clients", ()):
        w = c["waiting"]
        if w is not None:
            parts.append(f"{c['name']} waits for {w['op']} from S{w['server']}"
                         f"{'' if w['attempt'] == 1 else ' (attempt ' + str(w['attempt']) + ')'}.")
    reads = scene.get("reads")
    if reads is not None:
        for r in reads["servers"]:
            if r["lease_until"] is not None and r["lease_until"] > scene["time"]:
                parts.append(f"S{r['id']} holds a lease for {r['lease_until'] - scene['time']:.0f}"
                             " ms more.")
    return " ".join(parts)


def scene_of(snap, status=None, next_snap=None, window=WINDOW):
    """The scene of a :class:`~raft.sim.snapshot.ClusterSnapshot`.

    ``status`` is the :class:`~raft.viz.checks.InvariantMonitor` status at this snapshot
    (judged on this snapshot alone if not given); ``next_snap``, the snapshot after the next
    step, tells which entries that step deletes."""
    if status is None:
        status = InvariantMonitor().observe(snap)
    leader = snap.leader()
    lview = snap.nodes[leader] if leader is not None else None
    first, last = _log_window(snap, window)
    doomed = _truncations(next_snap.records) if next_snap is not None else {}
    caption = snap.caption or ""
    if caption[:1] == "c" and caption[1:2].isdigit():
        caption = "Client " + caption   # a sentence starts with a capital; a client (c1) keeps
    else:                               # its small letter
        caption = caption[:1].upper() + caption[1:]
    scene = {
        "version": SCHEMA_VERSION,
        "step": snap.step,
        "time": _ms(snap.now),
        "caption": caption + ("." if caption and not caption.endswith(".") else ""),
        "rule": snap.rule or "",
        "description": "",
        "leader": leader,
        "servers": [_server(snap, snap.nodes[i], first, doomed, lview) for i in sorted(snap.nodes)],
        "messages": [message_data(f) for f in snap.flights
                     if f.msg.src in snap.nodes and f.msg.dst in snap.nodes],
        "network": {"partition": [list(g) for g in snap.partition] if snap.partition else None,
                    "disconnected": sorted(snap.disconnected),
                    **({"cut": sorted(list(link) for link in snap.cut_links)}
                       if snap.cut_links else {})},
        "logs": {"first": first, "last": last, "hidden": first - 1},
        "safety": [({"property": p, "ok": True, "step": None, "details": None}
                    if status.get(p) is None else
                    {"property": p, "ok": False, "step": status[p].step,
                     "details": status[p].details}) for p in PROPERTIES],
        "flagged": sorted([s, i] for s, i in flagged_cells(status) if i >= first),
    }
    if isinstance(snap, ClientSnapshot):
        _add_clients(scene, snap)
        if snap.clients:
            if LINEARIZABLE not in status:     # a status from elsewhere: judged on this step
                status = InvariantMonitor().observe(snap)
            scene["linearizable"] = _light(status[LINEARIZABLE])
    scene["description"] = describe(scene)
    return scene


def _light(verdict):
    """The sixth light (clients' history) from the monitor's verdict on it."""
    if verdict is None:
        return {"property": LINEARIZABLE, "ok": True, "step": None, "details": None}
    if isinstance(verdict, Violation):
        return {"property": LINEARIZABLE, "ok": False, "step": verdict.step,
                "details": verdict.details}
    return {"property": LINEARIZABLE, "ok": None, "step": None, "details": verdict.details}


def _add_clients(scene, snap):
    """The optional keys of a run with clients, a read mode or drifting clocks."""
    known = set(snap.nodes)
    scene["messages"] = [m for m in scene["messages"]
                         if m["kind"] not in ("ClientRequest", "ClientReply")]
    scene["client_messages"] = [message_data(f) for f in snap.flights
                                if isinstance(f.msg, (ClientRequest, ClientReply))
                                and (f.msg.src in known or f.msg.dst in known)]
    clients = []
    for c in snap.clients:
        waiting = None
        if c.current is not None:
            op, seq, attempt, server, since = c.current
            waiting = {"op": op, "seq": seq, "attempt": attempt, "server": server,
                       "since": _ms(since)}
        last = None
        if c.done:
            op, output, call, ret = c.done[-1]
            last = {"op": op, "output": output, "ret": None if ret is None else _ms(ret)}
        clients.append({"name": c.name, "guess": c.guess, "waiting": waiting, "queued": c.queued,
                        "last": last})
    scene["clients"] = clients
    low = snap.election_timeout[0]
    servers = []
    mode = "log"
    bound = 1.0
    for i, r in sorted(snap.reads.items()):
        mode, bound = r["mode"], r.get("drift_bound", bound)
        lease = r["lease_until"]
        servers.append({"id": i, "lease_until": None if lease is None else _ms(lease),
                        "waiting": r["pending"] + len(r["waiting_apply"]),
                        "clock_rate": r["clock_rate"]})
    scene["reads"] = {"mode": mode, "lease_ms": _ms(low / bound), "servers": servers}


def scenes_of(snaps, statuses=None):
    """Scenes for consecutive snapshots (each scene knows what the next step deletes).
    ``statuses`` maps a step to its invariant status; by default one monitor watches the
    whole sequence, so a property stays broken from the step that broke it."""
    snaps = list(snaps)
    if statuses is None:
        monitor = InvariantMonitor()
        statuses = {s.step: dict(monitor.observe(s)) for s in snaps}
    after = {a.step: b for a, b in zip(snaps, snaps[1:])}
    return [scene_of(s, statuses[s.step], after.get(s.step)) for s in snaps]


# -- validation ---------------------------------------------------------------------------------


def _fail(where, message):
    raise SceneError(f"{where}: {message}")


def _int(where, value, low=None, null=False):
    if value is None and null:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(where, f"expected an integer, got {value!r}")
    if low is not None and value < low:
        _fail(where, f"expected at least {low}, got {value!r}")


def _num(where, value, null=False):
    if value is None and null:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        _fail(where, f"expected a number, got {value!r}")


def _bool(where, value, null=False):
    if value is None and null:
        return
    if not isinstance(value, bool):
        _fail(where, f"expected true or false, got {value!r}")


def _str(where, value, null=False):
    if value is None and null:
        return
    if not isinstance(value, str):
        _fail(where, f"expected a string, got {value!r}")


def _keys(where, obj, keys):
    if not isinstance(obj, dict):
        _fail(where, f"expected an object, got {obj!r}")
    missing = [k for k in keys if k not in obj]
    if missing:
        _fail(where, f"missing {', '.join(repr(k) for k in missing)}")


def _ints(where, value, ids=None):
    if not isinstance(value, list):
        _fail(where, f"expected a list, got {value!r}")
    for k, v in enumerate(value):
        _int(f"{where}[{k}]", v)
        if ids is not None and v not in ids:
            _fail(f"{where}[{k}]", f"no server S{v} in the scene")


def validate_scene(scene):
    """Check ``scene`` against the schema (see the module docstring); raise
    :class:`SceneError` naming the first bad key and value. Returns the scene."""
    _keys("scene", scene, ("version", "step", "time", "caption", "rule", "description",
                           "leader", "servers", "messages", "network", "logs", "safety",
                           "flagged"))
    if scene["version"] != SCHEMA_VERSION:
        _fail("scene.version", f"expected {SCHEMA_VERSION}, got {scene['version']!r}")
    _int("scene.step", scene["step"], 0)
    _num("scene.time", scene["time"])
    for key in ("caption", "rule", "description"):
        _str(f"scene.{key}", scene[key])
    if not isinstance(scene["servers"], list) or not scene["servers"]:
        _fail("scene.servers", f"expected a non-empty list, got {scene['servers']!r}")
    ids = []
    for k, s in enumerate(scene["servers"]):
        w = f"scene.servers[{k}]"
        _keys(w, s, ("id", "role", "crashed", "term", "voter", "voted_for", "timer", "votes",
                     "commit_index", "last_applied", "log_length", "last_log_term",
                     "next_index", "match_index", "log"))
        _int(f"{w}.id", s["id"], 1)
        ids.append(s["id"])
    if ids != sorted(set(ids)):
        _fail("scene.servers", f"ids must be distinct and in order, got {ids}")
    known = set(ids)
    logs = scene["logs"]
    _keys("scene.logs", logs, ("first", "last", "hidden"))
    _int("scene.logs.first", logs["first"], 1)
    _int("scene.logs.last", logs["last"], 0)
    _int("scene.logs.hidden", logs["hidden"], 0)
    if logs["hidden"] != logs["first"] - 1:
        _fail("scene.logs.hidden", f"expected first - 1 = {logs['first'] - 1}, got {logs['hidden']}")
    for k, s in enumerate(scene["servers"]):
        w = f"scene.servers[{k}]"
        if s["role"] not in ROLES:
            _fail(f"{w}.role", f"expected one of {', '.join(ROLES)}, got {s['role']!r}")
        _bool(f"{w}.crashed", s["crashed"])
        _bool(f"{w}.voter", s["voter"])
        _int(f"{w}.term", s["term"], 0)
        _int(f"{w}.voted_for", s["voted_for"], null=True)
        for key in ("commit_index", "last_applied", "log_length", "last_log_term"):
            _int(f"{w}.{key}", s[key], 0)
        _int(f"{w}.next_index", s["next_index"], 1, null=True)
        _int(f"{w}.match_index", s["match_index"], 0, null=True)
        if s["timer"] is not None:
            _keys(f"{w}.timer", s["timer"], ("start", "deadline"))
            _num(f"{w}.timer.start", s["timer"]["start"])
            _num(f"{w}.timer.deadline", s["timer"]["deadline"])
            if s["crashed"] or s["role"] == "leader":
                _fail(f"{w}.timer", "a leader or a crashed server has no election timer")
        if s["votes"] is not None:
            v = s["votes"]
            _keys(f"{w}.votes", v, ("have", "coming", "needed", "voters"))
            for key in ("have", "coming", "voters"):
                _ints(f"{w}.votes.{key}", v[key], known)
            _int(f"{w}.votes.needed", v["needed"], 1)
        elif s["role"] == "candidate" and not s["crashed"]:
            _fail(f"{w}.votes", "a candidate's votes are missing")
        log = s["log"]
        _keys(f"{w}.log", log, ("terms", "configs", "truncate_from"))
        _ints(f"{w}.log.terms", log["terms"])
        expected = max(0, s["log_length"] - logs["first"] + 1)
        if len(log["terms"]) != expected:
            _fail(f"{w}.log.terms", f"expected the {expected} entries from index "
                  f"{logs['first']} on (log_length {s['log_length']}), got {len(log['terms'])}")
        _ints(f"{w}.log.configs", log["configs"])
        _int(f"{w}.log.truncate_from", log["truncate_from"], 1, null=True)
        commands = log.get("commands")
        if commands is not None:
            if not isinstance(commands, list) or len(commands) != len(log["terms"]):
                _fail(f"{w}.log.commands", f"expected one command (or null) per entry of "
                      f"terms ({len(log['terms'])}), got {commands!r}")
            for j, c in enumerate(commands):
                _str(f"{w}.log.commands[{j}]", c, null=True)
        machine = s.get("state_machine")
        if machine is not None:
            if not isinstance(machine, dict):
                _fail(f"{w}.state_machine", f"expected an object of key: value, got {machine!r}")
            for key, value in machine.items():
                _str(f"{w}.state_machine[{key!r}]", value)
        snap = log.get("snapshot")
        if snap is not None:
            _keys(f"{w}.log.snapshot", snap, ("index", "term"))
            _int(f"{w}.log.snapshot.index", snap["index"], 1)
            _int(f"{w}.log.snapshot.term", snap["term"], 0)
            if snap["index"] > s["log_length"]:
                _fail(f"{w}.log.snapshot.index", f"beyond the log's last index "
                      f"{s['log_length']}: {snap['index']}")
    _int("scene.leader", scene["leader"], null=True)
    if scene["leader"] is not None and scene["leader"] not in known:
        _fail("scene.leader", f"no server S{scene['leader']} in the scene")
    if not isinstance(scene["messages"], list):
        _fail("scene.messages", f"expected a list, got {scene['messages']!r}")
    for k, m in enumerate(scene["messages"]):
        w = f"scene.messages[{k}]"
        _keys(w, m, ("id", "from", "to", "sent", "due", "kind", "label", "reply", "ok", "term",
                     "entries", "summary"))
        _int(f"{w}.id", m["id"])
        for key in ("from", "to"):
            _int(f"{w}.{key}", m[key])
            if m[key] not in known:
                _fail(f"{w}.{key}", f"no server S{m[key]} in the scene")
        _num(f"{w}.sent", m["sent"])
        _num(f"{w}.due", m["due"])
        if m["due"] < m["sent"]:
            _fail(f"{w}.due", f"arrives ({m['due']}) before it is sent ({m['sent']})")
        for key in ("kind", "label", "summary"):
            _str(f"{w}.{key}", m[key])
        _bool(f"{w}.reply", m["reply"])
        _bool(f"{w}.ok", m["ok"], null=True)
        _int(f"{w}.term", m["term"], 0)
        _int(f"{w}.entries", m["entries"], 0, null=True)
    net = scene["network"]
    _keys("scene.network", net, ("partition", "disconnected"))
    if net["partition"] is not None:
        if not isinstance(net["partition"], list):
            _fail("scene.network.partition", f"expected a list of groups, got {net['partition']!r}")
        for k, g in enumerate(net["partition"]):
            _ints(f"scene.network.partition[{k}]", g, known)
    _ints("scene.network.disconnected", net["disconnected"], known)
    for k, link in enumerate(net.get("cut", ())):
        _ints(f"scene.network.cut[{k}]", link, known)
    safety = scene["safety"]
    if not isinstance(safety, list) or [p.get("property") if isinstance(p, dict) else p
                                        for p in safety] != list(PROPERTIES):
        _fail("scene.safety", f"expected the five properties {list(PROPERTIES)} in order")
    for k, p in enumerate(safety):
        w = f"scene.safety[{k}]"
        _keys(w, p, ("property", "ok", "step", "details"))
        _bool(f"{w}.ok", p["ok"])
        if not p["ok"]:
            _int(f"{w}.step", p["step"], 0)
            _str(f"{w}.details", p["details"])
    if not isinstance(scene["flagged"], list):
        _fail("scene.flagged", f"expected a list of [server, index] pairs, got {scene['flagged']!r}")
    for k, pair in enumerate(scene["flagged"]):
        if not (isinstance(pair, list) and len(pair) == 2):
            _fail(f"scene.flagged[{k}]", f"expected a [server, index] pair, got {pair!r}")
        _int(f"scene.flagged[{k}][0]", pair[0])
        _int(f"scene.flagged[{k}][1]", pair[1], 1)
    _validate_clients(scene, known)
    return scene


def _validate_clients(scene, known):
    """The optional keys of runs with clients (see the module docstring)."""
    names = set()
    if "clients" in scene:
        if not isinstance(scene["clients"], list):
            _fail("scene.clients", f"expected a list, got {scene['clients']!r}")
        for k, c in enumerate(scene["clients"]):
            w = f"scene.clients[{k}]"
            _keys(w, c, ("name", "guess", "waiting", "queued", "last"))
            _str(f"{w}.name", c["name"])
            names.add(c["name"])
            _int(f"{w}.guess", c["guess"])
            _int(f"{w}.queued", c["queued"], 0)
            if c["waiting"] is not None:
                _keys(f"{w}.waiting", c["waiting"], ("op", "seq", "attempt", "server", "since"))
                _int(f"{w}.waiting.server", c["waiting"]["server"])
                _num(f"{w}.waiting.since", c["waiting"]["since"])
            if c["last"] is not None:
                _keys(f"{w}.last", c["last"], ("op", "output", "ret"))
                _num(f"{w}.last.ret", c["last"]["ret"], null=True)
    for k, m in enumerate(scene.get("client_messages", ())):
        w = f"scene.client_messages[{k}]"
        _keys(w, m, ("id", "from", "to", "sent", "due", "kind", "label", "reply", "ok", "summary"))
        for key in ("from", "to"):
            if m[key] not in known and m[key] not in names:
                _fail(f"{w}.{key}", f"no server or client {m[key]!r} in the scene")
        _num(f"{w}.sent", m["sent"])
        _num(f"{w}.due", m["due"])
        _bool(f"{w}.reply", m["reply"])
    if "reads" in scene:
        reads = scene["reads"]
        _keys("scene.reads", reads, ("mode", "lease_ms", "servers"))
        _str("scene.reads.mode", reads["mode"])
        _num("scene.reads.lease_ms", reads["lease_ms"])
        for k, r in enumerate(reads["servers"]):
            w = f"scene.reads.servers[{k}]"
            _keys(w, r, ("id", "lease_until", "waiting", "clock_rate"))
            if r["id"] not in known:
                _fail(f"{w}.id", f"no server S{r['id']} in the scene")
            _num(f"{w}.lease_until", r["lease_until"], null=True)
            _int(f"{w}.waiting", r["waiting"], 0)
            _num(f"{w}.clock_rate", r["clock_rate"])
    if "linearizable" in scene:
        light, w = scene["linearizable"], "scene.linearizable"
        _keys(w, light, ("property", "ok", "step", "details"))
        if light["property"] != LINEARIZABLE:
            _fail(f"{w}.property", f"expected {LINEARIZABLE!r}, got {light['property']!r}")
        _bool(f"{w}.ok", light["ok"], null=True)
        if light["ok"] is not True:
            _str(f"{w}.details", light["details"])
        if light["ok"] is False:
            _int(f"{w}.step", light["step"], 0)
