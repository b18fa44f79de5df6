"""The Python half of the live page: what a page's explorers ask of their Sessions, in JSON.

The book's pages run this module in Pyodide, inside a web worker (``_assets/raft-live-worker.js``
loads Pyodide and the ``raft`` package zipped from this source tree). The page's explorer
(``_assets/raft-explorer.js``) sends one JSON request per reader action to :func:`request` and
gets one JSON reply back. Behind every explorer is one :class:`~raft.viz.session.Session`, the
same class behind the notebook explorer, and every action is a scenario line (an action of
:mod:`raft.sim.actions`) performed by :meth:`Session.perform <raft.viz.session.Session.perform>`,
so the page and the notebook cannot drift.

Requests (``key`` names the explorer on the page; a page may hold several)::

    {"op": "open", "key": k, "scenario": text}          start a session from scenario text
    {"op": "perform", "key": k, "line": "crash 3", "view": 12}
                                                        act on step ``view`` (earlier: fork)
    {"op": "save", "key": k}                            the session as scenario text
    {"op": "load", "key": k, "scenario": text}          start over from scenario text

Every reply carries ``ok``, ``message`` (a sentence for the reader: what happened or what went
wrong; after an action, what it did), ``steps`` (the last step), ``view`` (the step to show),
``forked`` (the step forked from, or null), ``servers`` (ids), ``in_flight`` (``[{"id",
"text"}]``, the messages a reader may deliver or drop), ``scenario`` (the session as scenario
text, up to the present: what ``save`` gives, and what the page keeps so that it can open the
session again in a fresh Python if the worker is restarted) and either ``scenes`` (the whole
timeline, after open, load or a fork) or ``push`` (the new scenes to append); ``open`` and
``load`` also give ``verbs``, the scenario language's verbs (``raft.sim.actions.VERBS``). An
action that cannot be done (a crashed server, no leader, unreadable text) is ``ok: false`` with
the reason; any other exception is a bug and propagates, so the page shows its traceback.

Standard library only.
"""

from __future__ import annotations

import json

from ..script import scenario as _scenario
from ..errors import RaftError
from ..sim.actions import VERBS as ACTION_VERBS
from .session import Session, explain, underlying

#: The sessions of the explorers on this page, by key.
SESSIONS: dict[str, Session] = {}


class LiveError(RaftError, ValueError):
    """A malformed request from the page (unknown op, missing field, unknown explorer)."""


def _field(msg, name, kind):
    value = msg.get(name)
    if not isinstance(value, kind):
        raise LiveError(f"request {msg.get('op')!r} needs {name!r} ({kind.__name__}), "
                        f"got {value!r}")
    return value


def _session(msg):
    key = _field(msg, "key", str)
    if key not in SESSIONS:
        raise LiveError(f"no explorer {key!r} is open on this page (open it first)")
    return SESSIONS[key]


def _state(session, *, full, new=(), forked=None, message=""):
    out = {"ok": True, "message": message, "steps": session.steps, "view": session.view,
           "forked": forked, "servers": list(session.cluster.ids),
           "in_flight": session.in_flight(), "scenario": session.save()}
    if full:
        out["scenes"] = session.scenes()
    else:
        out["push"] = list(new)
    return out


def _open(msg, *, replace):
    key = _field(msg, "key", str)
    text = _field(msg, "scenario", str)
    session = SESSIONS.get(key) if replace else None
    if session is None:
        session = Session(_scenario.run(text))
        SESSIONS[key] = session
        what = (f"Live: the {len(session.cluster.ids)} servers of the picture, running in "
                "your browser.")
    else:
        cluster = session.load(text)
        what = f"Loaded a scenario: {cluster.steps + 1} events, the last one on show."
    # The scenario language's verbs: the explorer's command box does a line that starts with
    # one as it is, and submits anything else.
    return _state(session, full=True, message=what) | {"verbs": sorted(ACTION_VERBS)}


def _perform(msg):
    session = _session(msg)
    line = _field(msg, "line", str)
    view = msg.get("view")
    if view is not None:
        if not isinstance(view, int) or isinstance(view, bool):
            raise LiveError(f"'view' is a step number, got {view!r}")
        session.view = max(0, min(view, session.steps))
    _result, new, forked = session.perform(line)
    said = session.said(line, new)
    if forked is not None:
        return _state(session, full=True, forked=forked,
                      message=f"Forked a new future from event {forked + 1} (Undo fork brings "
                              f"back what came after it). {said}".rstrip())
    return _state(session, full=False, new=new, message=said)


def _save(msg):
    return _state(_session(msg), full=False,
                  message="The scenario text below replays this session (up to the present).")


def handle(msg):
    """Answer one request (a dict); returns the reply (a dict). See the module docstring."""
    if not isinstance(msg, dict):
        raise LiveError(f"a request is a JSON object, got {type(msg).__name__}")
    op = msg.get("op")
    try:
        if op == "open":
            return _open(msg, replace=False)
        if op == "load":
            return _open(msg, replace=True)
        if op == "perform":
            return _perform(msg)
        if op == "save":
            return _save(msg)
    except LiveError:
        raise
    except RaftError as e:
        return {"ok": False, "message": explain(e), "error": type(underlying(e)).__name__}
    raise LiveError(f"unknown request {op!r}; the requests are open, perform, save, load")


def request(text):
    """:func:`handle` for JSON text in and out (what the worker calls)."""
    return json.dumps(handle(json.loads(text)), separators=(",", ":"), ensure_ascii=False)
