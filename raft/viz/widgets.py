"""The notebook widgets: the painter as an anywidget, the live explorer, and the notice for
controls that need a kernel.

This is the only module of :mod:`raft.viz` that imports ipywidgets, anywidget or IPython;
``import raft.viz`` loads it only when :func:`explore` or :class:`Explorer` is used, so the
pictures also work where there are no widgets (Pyodide, a plain Python).

:class:`PainterWidget` runs the very ``painter.js`` that the book's pages load (anywidget's
``render({model, el})`` is a function of that file), so a notebook and the book cannot draw a
scene differently. Python and the painter talk in custom messages:

* Python → painter: ``{"type": "set", "encoding": ..., "data": ..., "index": k}`` (every
  scene of the timeline, packed as in :mod:`raft.viz.embed`), ``{"type": "push", "scene": s}``
  (one more step), ``{"type": "show", "index": k}``;
* painter → Python: ``{"type": "ready"}`` (a view was drawn: send it the scenes),
  ``{"type": "more", "mode": "step" | "play"}`` (Step or Play at the last scene: take a step),
  ``{"type": "control", "action": ..., "index": k}`` (the reader moved the slider, stepped
  back...), ``{"type": "server", "server": id}`` (a click on a server).
"""

from __future__ import annotations

import html as _html

import anywidget
import ipywidgets as widgets
import traitlets
from IPython.display import HTML

from ..errors import RaftError
from .embed import _script_json, check_options, pack, painter_html, painter_source
from .session import ACTIONS, Session, action_line, command_line, explain

__all__ = ["PainterWidget", "Explorer", "explore", "needs_kernel", "NEEDS_KERNEL_TEXT"]

_ESM = painter_source() + """
export default { render(context) { return globalThis.RaftPainter.render(context); } };
"""


class PainterWidget(anywidget.AnyWidget):
    """The painter in a notebook, fed with scenes from Python (see the module docstring)."""

    _esm = _ESM
    options = traitlets.Dict().tag(sync=True)

    def __init__(self, scenes=(), index=None, **options):
        super().__init__(options=check_options(options))
        self.scenes = list(scenes)
        self.index = len(self.scenes) - 1 if index is None else index
        self.sent = []             # every message sent to the browser (for tests)
        self.loader = None         # a function giving (scenes, index) when a view first asks
        self._listeners = []
        self.on_msg(lambda _widget, content, _buffers: self.receive(content))

    def _post(self, message):
        self.sent.append(message)
        self.send(message)

    def set_scenes(self, scenes, index=None):
        self.scenes = list(scenes)
        self.index = len(self.scenes) - 1 if index is None else index
        self._post({"type": "set", "encoding": "deflate+base64", "data": pack(self.scenes),
                    "index": self.index})

    def push(self, scene):
        self.scenes.append(scene)
        self.index = len(self.scenes) - 1
        self._post({"type": "push", "scene": scene})

    def show(self, index):
        self.index = index
        self._post({"type": "show", "index": index})

    def on_event(self, fn):
        """Call ``fn(message)`` for every message from the painter but "ready"."""
        self._listeners.append(fn)

    def receive(self, content):
        """A message from the painter in the browser."""
        if not isinstance(content, dict):
            return
        if content.get("type") == "ready":
            if not self.scenes and self.loader is not None:
                self.scenes, self.index = self.loader()
            if self.scenes:
                self.set_scenes(self.scenes, self.index)
            return
        if content.get("type") == "control" and isinstance(content.get("index"), int):
            self.index = content["index"]
        for fn in self._listeners:
            fn(content)


NEEDS_KERNEL_TEXT = (
    "This control needs a running Python kernel: open this chapter as a notebook (the download "
    "button at the top of the page) and run it."
)

# Hides the notice inside a live Jupyter output: scripts in an output run only where the output
# was produced in this session (trusted), that is, where a kernel is running.
_HIDE_IN_JUPYTER = (
    "<script>(function(s){var n=s&&s.previousElementSibling;if(n&&n.closest&&n.closest("
    "'.jp-OutputArea-output,.output_area,.jp-OutputArea'))n.hidden=true;})(document.currentScript)"
    "</script>")


def notice_html(message=None, text=NEEDS_KERNEL_TEXT):
    extra = f" {_html.escape(message)}" if message else ""
    return ('<div class="raft-needs-kernel" role="note" style="border:1px solid #d4a72c;'
            "border-left:0.4em solid #d4a72c;background:#fff8c5;color:#3b2300;font-size:15px;"
            'padding:0.5em 0.75em;margin:0.5em 0;border-radius:4px;max-width:100%">'
            f"<strong>Live control.</strong> {_html.escape(text)}{extra}</div>" + _HIDE_IN_JUPYTER)


def needs_kernel(message=None):
    """A visible notice for a control that only works with a live kernel. It shows where no
    kernel runs (the HTML book, a notebook opened without running it) and hides itself in a
    notebook whose cell was run. ``message`` (plain text, escaped) adds a sentence."""
    return HTML(notice_html(message))


_EXPLORER_HINT = ("This is a live explorer: in the book's web pages press Run live; in a notebook, "
                  "run the cell, to step or play the cluster, crash and restart servers, split "
                  "the network and send commands. Here, the cluster as it was when the page was "
                  "built:")


class Explorer(widgets.VBox):
    """The live explorer widget: the painter (live: Step and Play take new steps) and the
    reader's actions on a :class:`~raft.viz.session.Session`. Build it with :func:`explore`."""

    def __init__(self, cluster, *, table=True, speed=None):
        self.session = Session(cluster)
        options = {"live": True, "legend": "closed"}
        if not table:
            options["table"] = False
        if speed is not None:
            options["speed"] = speed
        self.table = table
        self.speed = speed
        self.painter = PainterWidget(**options)
        self.painter.on_event(self._on_painter)
        self.painter.loader = self._timeline
        self._loaded = False

        lay, small = widgets.Layout, widgets.Layout(width="auto")
        ids = cluster.ids
        self.server = widgets.Dropdown(options=[(f"S{i}", i) for i in ids], value=ids[0],
                                       description="Server", style={"description_width": "auto"},
                                       layout=lay(width="8em"))
        self.crash_button = widgets.Button(description="Crash", layout=small)
        self.restart_button = widgets.Button(description="Restart", layout=small)
        self.disconnect_button = widgets.Button(description="Disconnect", layout=small)
        self.connect_button = widgets.Button(description="Reconnect", layout=small)
        self.timeout_button = widgets.Button(description="Time out",
                                             tooltip="Make it start an election now", layout=small)
        self.groups = widgets.Text(value="", placeholder="1 2 | 3 4 5", description="Groups",
                                   style={"description_width": "auto"}, layout=lay(width="14em"))
        self.partition_button = widgets.Button(description="Partition", layout=small)
        self.heal_button = widgets.Button(description="Heal", layout=small)
        self.request = widgets.Text(value="x=1", placeholder="x=1, or client 1 get x",
                                    description="Command", style={"description_width": "auto"},
                                    layout=lay(width="16em"))
        self.submit_button = widgets.Button(
            description="Do it", layout=small,
            tooltip="x=1 or del x: submitted to the leader; a line starting with a verb "
                    "(client 1 get x, run 100ms, elect 2): done as written")
        self.messages = widgets.Select(options=[], rows=5, description="In flight",
                                       style={"description_width": "auto"}, layout=lay(width="100%"))
        self.deliver_button = widgets.Button(description="Deliver now", layout=small)
        self.drop_button = widgets.Button(description="Drop", layout=small)
        self.status = widgets.HTML(layout=lay(width="100%"))
        self.scenario = widgets.Textarea(value="", placeholder="scenario text",
                                         layout=lay(width="100%", height="7em"))
        self.save_button = widgets.Button(description="Save scenario",
                                          tooltip="Write this session as a scenario", layout=small)
        self.load_button = widgets.Button(description="Load scenario",
                                          tooltip="Run the scenario text as a new session",
                                          layout=small)

        for name, button in (("crash", self.crash_button), ("restart", self.restart_button),
                             ("disconnect", self.disconnect_button),
                             ("connect", self.connect_button), ("timeout", self.timeout_button)):
            button.on_click(lambda _, name=name: self.do(name, self.server.value))
        self.partition_button.on_click(lambda _: self.do("partition", self.groups.value))
        self.heal_button.on_click(lambda _: self.do("heal"))
        self.submit_button.on_click(lambda _: self.perform_command(self.request.value))
        self.deliver_button.on_click(lambda _: self._on_message("deliver"))
        self.drop_button.on_click(lambda _: self._on_message("drop"))
        self.save_button.on_click(lambda _: self.save())
        self.load_button.on_click(lambda _: self.load(self.scenario.value))

        wrap = lay(width="100%", flex_flow="row wrap", align_items="center", grid_gap="4px")
        box = widgets.HBox
        super().__init__([
            self.painter,
            box([self.server, self.crash_button, self.restart_button, self.disconnect_button,
                 self.connect_button, self.timeout_button], layout=wrap),
            box([self.groups, self.partition_button, self.heal_button], layout=wrap),
            box([self.request, self.submit_button], layout=wrap),
            self.messages, box([self.deliver_button, self.drop_button], layout=wrap),
            self.status,
            box([self.save_button, self.load_button], layout=wrap), self.scenario,
        ], layout=lay(width="100%", max_width="820px"))
        self.add_class("raft-explorer")
        self._refresh_messages()

    # -- what is on show ----------------------------------------------------------------------

    @property
    def cluster(self):
        return self.session.cluster

    @property
    def forks(self):
        return self.session.forks

    @property
    def scene(self):
        """The scene on show."""
        return self.session.scene()

    def _timeline(self):
        self._loaded = True
        return self.session.scenes(), self.session.view

    def _ensure_loaded(self):
        if not self._loaded:
            self.painter.set_scenes(*self._timeline())

    def _refresh_messages(self):
        self.messages.options = [(m["text"], m["id"]) for m in self.session.in_flight()]

    def _message(self, text, error=False):
        colour = "#a34700" if error else "#57606a"
        self.status.value = (f'<span style="color:{colour}">{_html.escape(text)}</span>'
                             if text else "")

    # -- acting -------------------------------------------------------------------------------

    def _apply(self, run, said=None):
        """Run a session call; show its new scenes (and ``said(new)`` in the status line), or
        its error."""
        self._ensure_loaded()
        try:
            result, new, forked = run()
        except RaftError as e:
            self._message(explain(e), error=True)
            return None
        if forked is not None:
            self.painter.set_scenes(self.session.scenes(), self.session.view)
            self._message(f"Forked a new future from step {forked}.")
        else:
            for scene in new:
                self.painter.push(scene)
            self._message(said(new) if said else "")
        self._refresh_messages()
        return result

    def do(self, name, arg=None):
        """Perform a named action on the present (see ``raft.viz.session.ACTIONS``)."""
        if name not in ACTIONS:
            raise RaftError(f"unknown action {name!r}; the actions are {', '.join(ACTIONS)}")
        return self._apply(lambda: self.session.do(name, arg),
                           said=lambda new: self.session.said(action_line(name, arg), new))

    def perform_command(self, text):
        """Do what the command box holds: ``x=1`` is submitted to the leader, a line starting
        with a verb of the scenario language (``client 1 get x``) is done as written; the
        status line says what it did."""
        try:
            line = command_line(text)
        except RaftError as e:
            self._message(explain(e), error=True)
            return None
        return self._apply(lambda: self.session.perform(line), said=lambda new: self.session.said(line, new))

    def act(self, action):
        """Run ``action(cluster)`` on the present (forking first if a past step is shown)."""
        return self._apply(lambda: self.session.act(action))

    def step(self):
        """Process one event (a message arriving or a timer firing)."""
        return self._apply(self.session.step, said=self.session.outcomes)

    def show_step(self, step):
        """Show an earlier step (as the painter's slider does); acting then forks."""
        self._ensure_loaded()
        self.session.view = step
        self.painter.show(step)

    def _on_message(self, what):
        fid = self.messages.value
        if fid is None:
            self._message("Pick a message in flight first.", error=True)
            return
        self.do(what, fid)

    def _on_painter(self, message):
        kind = message.get("type")
        if kind == "more":
            self.step()
        elif kind == "control" and message.get("action") == "show" \
                and isinstance(message.get("index"), int):
            self.session.view = max(0, min(message["index"], self.cluster.steps))
        elif kind == "server" and message.get("server") in self.cluster.ids:
            self.server.value = message["server"]
            self._message(f"S{message['server']} selected: use the buttons below to crash, "
                          "restart, disconnect or time it out.")

    def save(self):
        """Put this session's scenario text in the text box (and return it)."""
        text = self.session.save()
        self.scenario.value = text
        self._message("The scenario text below replays this session (up to the present).")
        return text

    def load(self, text):
        """Start over from a scenario text (``raft.scenario.run``)."""
        try:
            cluster = self.session.load(text)
        except RaftError as e:
            self._message(explain(e), error=True)
            return
        self.server.options = [(f"S{i}", i) for i in cluster.ids]
        self.painter.set_scenes(self.session.scenes(), self.session.view)
        self._loaded = True
        self._refresh_messages()
        self._message(f"Loaded a scenario: {cluster.steps} steps.")

    # -- display ------------------------------------------------------------------------------

    def static_html(self):
        """What a page with no kernel shows: the picture of the cluster now (no controls) and
        a notice on how to drive it. When the cluster can be rebuilt from its scenario text (it
        runs the reference Node), both sit in a ``<div class="raft-live">`` with that text: the
        book's pages then offer "Run live", which rebuilds the same cluster in the browser
        (``_assets/raft-explorer.js``, :mod:`raft.viz.live`) and hides the notice."""
        scene = self.session.current_scene()
        options = {"controls": False, "legend": "closed"}
        if not self.table:
            options["table"] = False
        still = notice_html(text=_EXPLORER_HINT) + painter_html([scene], options)
        text = self.session.save()
        if text.startswith("# note:"):     # another node class: the page could not rebuild it
            return still
        config = {"format": "raft-live", "version": 1, "scenario": text, "table": self.table,
                  "speed": self.speed}
        return ('<div class="raft-live">'
                f'<script type="application/json" class="raft-live-config">{_script_json(config)}'
                f"</script>{still}</div>")

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle or {})
        bundle["text/html"] = self.static_html()
        return bundle


def explore(cluster, *, table=True, speed=None):
    """A live explorer for ``cluster`` (needs a running kernel; a page without one shows the
    picture of the cluster as it is and how to open it in a notebook)."""
    return Explorer(cluster, table=table, speed=speed)
