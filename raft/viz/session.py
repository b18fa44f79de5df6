"""A live session on a cluster: the one Python object behind every explorer.

A :class:`Session` owns a cluster and the timeline of its scenes (one per step, from step 0).
It steps the cluster, performs the reader's actions (crash, restart, partition, submit, deliver
or drop a message, ...) and answers with the new scenes. Looking at an earlier step and then
acting forks a new future, as in RaftScope: the cluster is replaced by ``cluster.replay(step)``
and the old future is forgotten.

Every action reaches the session as one action of the action language
(:mod:`raft.sim.actions`), that is one scenario line (``crash 3``, ``crash leader``,
``partition 1 2 | 3 4 5``, ``submit x=1``, ``deliver #17``, ``step``): :meth:`Session.perform`
parses it and the cluster does it (``cluster.do``). The notebook explorer (:mod:`raft.viz.widgets`) sends these lines from its buttons, and the live
page sends the very same lines from a web worker (:mod:`raft.viz.live`, running this module in
Pyodide), so the two explorers cannot drift. It imports no widget library.
"""

from __future__ import annotations

from ..errors import NotLeader, RaftError, ScenarioError
from ..script import scenario as _scenario
from ..sim.actions import VERBS as ACTION_VERBS
from ..sim.actions import Action, ClientOp, Step
from ..sim.clients import ClientReply, client_name
from ..sim.trace import describe_message
from .checks import InvariantMonitor, judge_history
from .scene import scene_of
from .view import status_of


class NothingToDo(RaftError):
    """Step was asked for, but no message or timer is pending."""


def _parse_groups(text):
    try:
        groups = [[int(w.strip().lstrip("Ss")) for w in g.split()] for g in str(text).split("|")]
    except ValueError:
        groups = []
    groups = [g for g in groups if g]
    if not groups:
        raise RaftError(f"could not read groups {text!r}; write them like 1 2 | 3 4 5")
    return groups


#: The actions a reader can take, by name: (method of Cluster, what its argument is).
ACTIONS = {
    "crash": "server", "restart": "server", "disconnect": "server", "connect": "server",
    "timeout": "server", "partition": "groups", "heal": None, "submit": "command",
    "deliver": "message", "drop": "message",
}


#: The verbs of the explorer's buttons (one line each, see :meth:`Session.perform`, which also
#: performs any other action of the scenario language typed in the explorer's box).
VERBS = ("step",) + tuple(ACTIONS)


def action_line(name, arg=None):
    """The scenario line for an explorer action: ``action_line("crash", 3)`` -> ``"crash 3"``,
    ``action_line("deliver", 17)`` -> ``"deliver #17"``."""
    if name not in ACTIONS and name != "step":
        raise RaftError(f"unknown action {name!r}; the actions are {', '.join(VERBS)}")
    if name in ("heal", "step"):
        return name
    if name == "partition":
        groups = _parse_groups(arg)
        return "partition " + " | ".join(" ".join(str(i) for i in g) for g in groups)
    if name == "submit":
        text = " ".join(str(arg if arg is not None else "").split())
        if not text:
            raise RaftError("submit needs a command, e.g. x=1 (key=value) or del x")
        return f"submit {text}"
    if name in ("deliver", "drop"):
        return f"{name} #{_whole(arg, 'message id')}"
    return f"{name} {_whole(arg, 'server id')}"


def command_line(text):
    """The scenario line the explorers' command box stands for: a line that starts with a verb
    of the scenario language (``raft.sim.actions.VERBS``: ``client 1 get x``, ``run 100ms``,
    ``elect 2``) as it is, anything else (``x=1``, ``del x``) as a command submitted to the
    leader (``submit x=1``). The page's box (``_assets/raft-explorer.js``) does the same with the
    verbs Python sends it."""
    text = " ".join(str(text).split())
    if not text:
        raise RaftError("type a command (x=1, del x) or an action line (client 1 get x)")
    return text if text.split()[0] in ACTION_VERBS else f"submit {text}"


def _whole(value, what):
    text = str(value).strip().lstrip("#Ss")
    if not text.isdigit():
        raise RaftError(f"a {what} is a whole number, got {value!r}")
    return int(text)


class Session:
    """A cluster, the scenes of every step it took, and the actions that move it on."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.forks = 0
        self.view = cluster.steps      # the step on show (acting from an earlier one forks)
        self._snaps = None             # step -> snapshot of the current timeline (lazy)
        self._scenes = {}
        self._monitor = None
        self._statuses = None

    # -- the timeline -------------------------------------------------------------------------

    def _load(self):
        if self._snaps is None:
            self._snaps = list(self.cluster.history(0))
            self._monitor = InvariantMonitor()
            self._statuses = [dict(self._monitor.observe(s)) for s in self._snaps]
            self._scenes = {}

    @property
    def steps(self):
        return self.cluster.steps

    @property
    def at_past(self):
        return self.view < self.cluster.steps

    def scene(self, step=None):
        """The scene after ``step`` (default: the step on show) of the current timeline."""
        self._load()
        step = self.view if step is None else step
        if not 0 <= step <= self.cluster.steps:
            raise RaftError(f"step must be between 0 and {self.cluster.steps}, got {step!r}")
        if step not in self._scenes:
            nxt = self._snaps[step + 1] if step + 1 < len(self._snaps) else None
            self._scenes[step] = scene_of(self._snaps[step], self._statuses[step], nxt)
        return self._scenes[step]

    def scenes(self):
        """Every scene of the current timeline, step 0 first."""
        return [self.scene(k) for k in range(self.cluster.steps + 1)]

    def current_scene(self):
        """The scene of the cluster now, judged on the present alone (no history replayed):
        what a still picture of the explorer shows."""
        if self._snaps is not None:
            return self.scene(self.cluster.steps)
        snap = self.cluster.snapshot()
        return scene_of(snap, status_of(self.cluster, snap))

    def snapshot(self, step=None):
        self._load()
        return self._snaps[self.view if step is None else step]

    def _record(self):
        """Take in the steps the cluster made since the last look; returns their scenes."""
        self._load()
        new = []
        missing = len(self._snaps)
        # An action that took several steps ("run 300ms", "elect 2"): the ones in between come
        # from one replay of the run, the last from the cluster itself.
        between = (self.cluster.history(missing, self.cluster.steps - 1)
                   if missing < self.cluster.steps else ())
        for snap in [*between, self.cluster.snapshot()]:
            self._snaps.append(snap)
            self._statuses.append(dict(self._monitor.observe(snap)))
            self._scenes.pop(len(self._snaps) - 2, None)   # it now knows what the next step deletes
            new.append(len(self._snaps) - 1)
        self.view = self.cluster.steps
        return [self.scene(k) for k in new]

    def fork(self, step):
        """Make ``step`` the present: replay the cluster to it, forgetting the later steps."""
        self._load()
        self.cluster = self.cluster.replay(step)
        self.forks += 1
        self._snaps = self._snaps[:step + 1]
        self._statuses = self._statuses[:step + 1]
        self._scenes = {k: s for k, s in self._scenes.items() if k < step}
        self._monitor = InvariantMonitor()
        for s in self._snaps:
            self._monitor.observe(s)
        self.view = step

    # -- acting -------------------------------------------------------------------------------

    def act(self, action):
        """Run ``action(cluster)`` on the present, forking first if an earlier step is on show.
        Returns (result, new scenes, forked_from) where forked_from is the step forked from, or
        None. Errors (a crashed server, no leader, ...) are raised as RaftError."""
        self._load()   # the timeline so far, before the action adds to it
        forked = None
        if self.at_past:
            forked = self.view
            self.fork(self.view)
        result = action(self.cluster)
        return result, self._record(), forked

    def step(self):
        """Process one event (a message arriving or a timer firing)."""
        def one(c):
            if c.step() is None:
                raise NothingToDo("nothing is scheduled: no message or timer is pending")
        return self.act(one)

    def perform(self, line):
        """Perform one action (a scenario line such as ``"crash 3"``, ``"crash leader"``,
        ``"partition 1 2 | 3 4 5"``, ``"submit x=1"``, ``"deliver #17"``, ``"step"``,
        ``"client 1 get x"``, ``"run 100ms"``: any action of :mod:`raft.sim.actions`, whose
        verbs are ``raft.sim.actions.VERBS``; or an :class:`~raft.sim.actions.Action`) on the
        present, forking first if an earlier step is on show. Returns what :meth:`act`
        returns. A line that cannot be read (or is not an action: ``cluster ...``, ``expect
        ...``) raises ScenarioError; an action that cannot be done now raises what the cluster
        raises (NotLeader, NodeCrashed, ConfigurationError...)."""
        if isinstance(line, Action):
            action = line
        else:
            try:
                action = Action.parse(line)
            except ScenarioError as e:
                shown = f" (in {line.strip()!r})" if isinstance(line, str) and line.strip() else ""
                raise ScenarioError(f"{e}{shown}") from e
        if action == Step(1):
            return self.step()
        return self.act(lambda c: c.do(action))

    def do(self, name, arg=None):
        """Perform a named action (see :data:`ACTIONS`): ``do("crash", 3)``,
        ``do("partition", "1 2 | 3 4 5")``, ``do("submit", "x=1")``, ``do("deliver", 17)``;
        the same as ``perform(action_line(name, arg))``."""
        return self.perform(action_line(name, arg))

    def in_flight(self):
        """The messages on the network now, soonest first, as ``{"id", "text"}`` for a menu."""
        return [{"id": f.id, "text": f"#{f.id} S{f.msg.src}→S{f.msg.dst} "
                 f"{describe_message(f.msg)} (due {f.deliver_at:.0f} ms)"}
                for f in self.cluster.in_flight()]

    def said(self, line, new):
        """What an action did, for the status line beside the controls (see :func:`did`), with
        what the clients got in its steps (:meth:`outcomes`)."""
        return did(line, new, self.outcomes(new), caller=_caller(line))

    def outcomes(self, new):
        """What the clients got in the steps of the scenes ``new``, in words: a sentence for
        each operation that returned or was given up (at most the last three), then, if any
        returned, the linearizability checker's word on the clients' history so far (a stale
        read: which write had returned before the read was called). Empty if none finished."""
        cluster = self.cluster
        pool = cluster.clients
        if pool is None or not new:
            return ""
        finished = [r for scene in new for r in cluster.step_records(scene["step"])
                    if r.kind in ("client-return", "client-give-up")]
        if not finished:
            return ""
        ops = {(op.client, op.seq): op for op in pool.operations()}
        words = []
        for r in finished:
            op = ops[(r.node, r.data["seq"])]
            if r.kind == "client-give-up":
                words.append(f"{op.client} gave up on {op.label()} after {op.attempts} "
                             "attempts (it may yet take effect, or never).")
                continue
            answer = "ok" if op.output is None else repr(op.output)
            server = _answered_by(cluster, r.step, op)
            earlier = [f"S{i}" for i in dict.fromkeys(op.servers) if i != server]
            source = "" if server is None else f" from S{server}" + (
                f" (after {', '.join(earlier)})" if earlier else "")
            words.append(f"{op.client}'s {op.label()} returned {answer}{source}.")
        if len(words) > 3:
            words = [f"({len(words) - 3} more operations finished.)"] + words[-3:]
        if any(r.kind == "client-return" for r in finished):
            words.append(_history_words(pool.history(),
                                        any(r.data["op"].startswith("get(") for r in finished)))
        return " ".join(w for w in words if w)

    def save(self):
        """This session as scenario text (up to the present)."""
        return self.cluster.scenario_text()

    def load(self, text):
        """Start over from a scenario text (``raft.scenario.run``)."""
        cluster = _scenario.run(text)
        self.cluster = cluster
        self._snaps, self._scenes, self._monitor, self._statuses = None, {}, None, None
        self.view = cluster.steps
        return cluster


def did(line, new, outcome="", caller=None):
    """What an action did, in one line for the status beside the controls. The caption under
    the picture already says what the event on show did, so the line does not repeat it: the
    line and ``done`` for one event (``"crash 3: done."``), how many events it made for more
    (``"run 300ms: 41 events, the last on show."``), then ``outcome`` (what the clients got,
    :meth:`Session.outcomes`). A client's call (``caller``: the client's name) says that its
    answer will be told here. A plain ``step`` says only ``outcome`` (often nothing)."""
    line = " ".join(str(line).split())
    if line == "step" or not new:
        return outcome
    if len(new) == 1:
        text = f"{line}: done."
    else:
        text = f"{line}: {len(new)} events, the last on show."
    if outcome:
        return f"{text} {outcome}"
    if caller:
        text += f" What {caller} gets will be said here."
    return text


def _caller(line):
    """The client whose call ``line`` is (``"c2"`` for ``client 2 get x``), or None."""
    try:
        action = line if isinstance(line, Action) else Action.parse(str(line))
    except ScenarioError:
        return None
    return client_name(action.client) if isinstance(action, ClientOp) else None


def _answered_by(cluster, step, op):
    """The server whose answer ended ``op``, read from the trace of the step it returned."""
    for r in cluster.step_records(step):
        msg = r.data.get("msg") if isinstance(r.data, dict) else r.data
        if (r.kind == "client-deliver" and isinstance(msg, ClientReply) and msg.ok
                and msg.client_id == op.client and msg.seq == op.seq):
            return msg.src
    return None


def _history_words(history, read):
    """The checker's word on a session's history, in one or two sentences (the sixth light's
    details too: :func:`raft.viz.checks.judge_history`)."""
    ok, words, _ = judge_history(history)
    if ok:
        return "Not stale: the clients' history is linearizable." if read else ""
    return words


def underlying(error):
    """The error an action really hit: a scenario line that failed because of, say, a crashed
    server reads better as the NodeCrashed itself than as "line 1: NodeCrashed: ..."."""
    cause = error.__cause__
    if isinstance(error, ScenarioError) and isinstance(cause, RaftError) \
            and not isinstance(cause, ScenarioError):
        return cause
    return error


def explain(error):
    """A reader's sentence for an error raised by an action (buttons, not code)."""
    error = underlying(error)
    if isinstance(error, NotLeader) and error.node_id is None:
        return ("NotLeader: there is no leader yet. Press Step or Play until one is elected, "
                "then submit again.")
    if isinstance(error, NotLeader):
        return f"NotLeader: {error}. Press Step or Play until the leader is known, then try again."
    return f"{type(error).__name__}: {error}"
