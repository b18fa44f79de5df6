"""``explore()``: a live explorer that drives a Cluster from a notebook (needs a kernel).

Controls: play/pause (a Play widget whose ticks step the cluster from Python, so no thread),
step one event, speed; per-server crash / restart / disconnect / reconnect / force a timeout;
partition into groups ("1 2 | 3 4 5") and heal; a client request; the messages in flight, to
deliver now or drop; a time slider over every step so far; and saving or loading the session
as a scenario text.

Going back in time shows the stored picture of that step. Acting while looking at a past step
forks a new future (RaftScope's model): the explorer replaces its cluster with
``cluster.replay(step)`` and acts on that, forgetting the old future. ``explorer.cluster`` is
always the cluster being driven.
"""

from __future__ import annotations

import html as _html

import ipywidgets as widgets

from .. import scenario as _scenario
from ..errors import RaftError
from ..player import needs_kernel
from ..sim.trace import describe_message
from .checks import InvariantMonitor
from .view import VIEW_CSS, caption_html, frame_parts

_NOTICE = ("In the web book the buttons do nothing; the picture shows the cluster as it was "
           "when the page was built.")


class Explorer(widgets.VBox):
    """The live explorer widget. See the module docstring; build it with :func:`explore`."""

    def __init__(self, cluster, *, table=True, interval=400):
        self.cluster = cluster
        self.table = table
        self.forks = 0
        self._snaps = {}          # step -> snapshot, for the current timeline
        self._statuses = {}       # step -> invariant status
        self._monitor = InvariantMonitor()
        self._busy = False
        self.view_step = cluster.steps
        ids = cluster.ids

        lay = widgets.Layout
        self.notice = widgets.HTML(needs_kernel(_NOTICE).data, layout=lay(width="100%"))
        self.picture = widgets.HTML(layout=lay(width="100%"))
        self.caption = widgets.HTML(layout=lay(width="100%"))
        self.status = widgets.HTML(layout=lay(width="100%"))

        small = lay(width="auto")
        self.play = widgets.Play(value=0, min=0, max=10**9, step=1, interval=interval,
                                 show_repeat=False, description="Play",
                                 tooltip="Play / pause: one event per tick", layout=small)
        self.step_button = widgets.Button(description="Step", tooltip="Process the next event",
                                          layout=small)
        self.speed = widgets.IntSlider(value=interval, min=50, max=2000, step=50,
                                       description="ms/step", readout=True,
                                       style={"description_width": "auto"},
                                       layout=lay(width="16em"))
        self._speed_link = widgets.jslink((self.speed, "value"), (self.play, "interval"))

        self.server = widgets.Dropdown(options=[(f"S{i}", i) for i in ids], value=ids[0],
                                       description="Server", style={"description_width": "auto"},
                                       layout=lay(width="8em"))
        self.crash_button = widgets.Button(description="Crash", layout=small)
        self.restart_button = widgets.Button(description="Restart", layout=small)
        self.disconnect_button = widgets.Button(description="Disconnect", layout=small)
        self.connect_button = widgets.Button(description="Reconnect", layout=small)
        self.timeout_button = widgets.Button(description="Time out",
                                             tooltip="Make it start an election now",
                                             layout=small)

        self.groups = widgets.Text(value="", placeholder="1 2 | 3 4 5", description="Groups",
                                   style={"description_width": "auto"}, layout=lay(width="14em"))
        self.partition_button = widgets.Button(description="Partition", layout=small)
        self.heal_button = widgets.Button(description="Heal", layout=small)

        self.request = widgets.Text(value="x=1", placeholder="key=value or del key",
                                    description="Client", style={"description_width": "auto"},
                                    layout=lay(width="14em"))
        self.submit_button = widgets.Button(description="Submit", tooltip="Send to the leader",
                                            layout=small)

        self.messages = widgets.Select(options=[], rows=5, description="In flight",
                                       style={"description_width": "auto"},
                                       layout=lay(width="100%"))
        self.deliver_button = widgets.Button(description="Deliver now", layout=small)
        self.drop_button = widgets.Button(description="Drop", layout=small)

        self.time = widgets.IntSlider(value=cluster.steps, min=0, max=cluster.steps,
                                      description="Step", continuous_update=False,
                                      style={"description_width": "auto"},
                                      layout=lay(width="100%"))
        self.time_note = widgets.HTML(layout=lay(width="100%"))

        self.scenario = widgets.Textarea(value="", placeholder="scenario text",
                                         layout=lay(width="100%", height="7em"))
        self.save_button = widgets.Button(description="Save scenario",
                                          tooltip="Write this session as a scenario",
                                          layout=small)
        self.load_button = widgets.Button(description="Load scenario",
                                          tooltip="Run the scenario text as a new session",
                                          layout=small)

        # Wiring (Python callbacks: these need a kernel).
        self.play.observe(self._on_tick, "value")
        self.step_button.on_click(lambda _: self.step())
        self.crash_button.on_click(lambda _: self.act(lambda c: c.crash(self.server.value)))
        self.restart_button.on_click(lambda _: self.act(lambda c: c.restart(self.server.value)))
        self.disconnect_button.on_click(
            lambda _: self.act(lambda c: c.disconnect(self.server.value)))
        self.connect_button.on_click(lambda _: self.act(lambda c: c.connect(self.server.value)))
        self.timeout_button.on_click(lambda _: self.act(lambda c: c.timeout(self.server.value)))
        self.partition_button.on_click(lambda _: self.partition(self.groups.value))
        self.heal_button.on_click(lambda _: self.act(lambda c: c.heal()))
        self.submit_button.on_click(lambda _: self.act(lambda c: c.submit(self.request.value)))
        self.deliver_button.on_click(lambda _: self._on_message("deliver"))
        self.drop_button.on_click(lambda _: self._on_message("drop"))
        self.time.observe(self._on_time, "value")
        self.save_button.on_click(lambda _: self.save())
        self.load_button.on_click(lambda _: self.load(self.scenario.value))

        wrap = lay(width="100%", flex_flow="row wrap", align_items="center", grid_gap="4px")
        box = widgets.HBox
        super().__init__([
            self.notice, self.picture, self.caption,
            box([self.play, self.step_button, self.speed], layout=wrap),
            box([self.time], layout=wrap), self.time_note,
            box([self.server, self.crash_button, self.restart_button, self.disconnect_button,
                 self.connect_button, self.timeout_button], layout=wrap),
            box([self.groups, self.partition_button, self.heal_button], layout=wrap),
            box([self.request, self.submit_button], layout=wrap),
            self.messages, box([self.deliver_button, self.drop_button], layout=wrap),
            self.status,
            box([self.save_button, self.load_button], layout=wrap), self.scenario,
        ], layout=lay(width="100%", max_width="780px", border="1px solid #d0d7de",
                      padding="0.5em"))
        self.add_class("raft-explorer")
        self._remember()
        self._redraw()

    # -- the timeline --------------------------------------------------------------------------

    def snapshot(self, step):
        """The snapshot after ``step`` of the current timeline (replayed if not stored)."""
        if step not in self._snaps:
            self._snaps[step] = self.cluster.replay(step).snapshot()
        return self._snaps[step]

    def _remember(self):
        snap = self.cluster.snapshot()
        self._snaps[snap.step] = snap
        self._statuses[snap.step] = dict(self._monitor.observe(snap))

    def _status(self, step):
        if step not in self._statuses:
            monitor = InvariantMonitor()
            for k in sorted(s for s in self._snaps if s <= step):
                status = monitor.observe(self._snaps[k])
            self._statuses[step] = dict(status)
        return self._statuses[step]

    @property
    def at_past(self):
        return self.view_step < self.cluster.steps

    def fork(self, step):
        """Make ``step`` the present: replay the cluster to it, forgetting the later steps."""
        self.cluster = self.cluster.replay(step)
        self.forks += 1
        self._snaps = {k: s for k, s in self._snaps.items() if k <= step}
        self._statuses = {k: s for k, s in self._statuses.items() if k <= step}
        self._monitor = InvariantMonitor()
        for k in sorted(self._snaps):
            self._monitor.observe(self._snaps[k])
        self.view_step = step

    # -- acting -------------------------------------------------------------------------------

    def act(self, action):
        """Run ``action(cluster)`` on the present (forking first if a past step is shown).
        Errors from the cluster (a crashed server, no leader, ...) are shown, not raised."""
        note = ""
        if self.at_past:
            note = f"Forked a new future from step {self.view_step}. "
            self.fork(self.view_step)
        try:
            result = action(self.cluster)
        except RaftError as e:
            self._message(note + f"{type(e).__name__}: {e}", error=True)
            self.view_step = self.cluster.steps
            self._redraw()
            return None
        self._remember()
        self.view_step = self.cluster.steps
        self._message(note)
        self._redraw()
        return result

    def step(self):
        """Process one event (a message arriving or a timer firing)."""
        def one(c):
            if c.step() is None:
                raise RaftError("nothing is scheduled: no message or timer is pending")
        self.act(one)

    def partition(self, text):
        """Partition by a text like "1 2 | 3 4 5"."""
        try:
            groups = [[int(w.strip().lstrip("Ss")) for w in g.split()] for g in text.split("|")]
            groups = [g for g in groups if g]
            if not groups:
                raise ValueError
        except ValueError:
            self._message(f"Could not read groups {text!r}; write them like 1 2 | 3 4 5",
                          error=True)
            return
        self.act(lambda c: c.partition(*groups))

    def _on_message(self, what):
        fid = self.messages.value
        if fid is None:
            self._message("Pick a message in flight first.", error=True)
            return
        self.act(lambda c: getattr(c, what)(fid))

    def save(self):
        """Put this session's scenario text in the text box (and return it)."""
        text = self.cluster.scenario_text()
        self.scenario.value = text
        self._message("The scenario text below replays this session (up to the present).")
        return text

    def load(self, text):
        """Start over from a scenario text (``raft.scenario.run``)."""
        try:
            cluster = _scenario.run(text)
        except RaftError as e:
            self._message(f"{type(e).__name__}: {e}", error=True)
            return
        self.cluster = cluster
        self._snaps, self._statuses, self._monitor = {}, {}, InvariantMonitor()
        self.server.options = [(f"S{i}", i) for i in cluster.ids]
        self._remember()
        self.view_step = cluster.steps
        self._message(f"Loaded a scenario: {cluster.steps} steps.")
        self._redraw()

    # -- callbacks ------------------------------------------------------------------------------

    def _on_tick(self, change):
        if not self._busy and change["new"] != change["old"]:
            self.step()

    def _on_time(self, change):
        if self._busy:
            return
        self.view_step = change["new"]
        self._redraw()

    def _message(self, text, error=False):
        colour = "#a34700" if error else "#57606a"
        self.status.value = (f'<span style="color:{colour}">{_html.escape(text)}</span>'
                             if text else "")

    # -- drawing ------------------------------------------------------------------------------

    def _redraw(self):
        self._busy = True
        try:
            k = self.view_step
            snap = self.snapshot(k)
            nxt = self._snaps.get(k + 1)
            picture, self.scene, self.logs = frame_parts(snap, nxt, self._status(k),
                                                         table=self.table)
            self.picture.value = VIEW_CSS + picture
            self.shown = snap
            self.caption.value = f'<div class="raft-caption">{caption_html(snap)}</div>'
            self.time.max = self.cluster.steps
            self.time.value = k
            if self.at_past:
                self.time_note.value = (
                    f'<span style="color:#0072B2">Showing step {k} of {self.cluster.steps}. '
                    "Acting now forks a new future from here.</span>")
            else:
                self.time_note.value = ""
            self.messages.options = [
                (f"#{f.id} S{f.msg.src}→S{f.msg.dst} {describe_message(f.msg)} "
                 f"(due {f.deliver_at:.0f} ms)", f.id) for f in snap.flights]
        finally:
            self._busy = False

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        # Outside a widget-aware frontend, show the notice and the picture.
        bundle["text/html"] = (needs_kernel(_NOTICE).data + self.picture.value +
                               self.caption.value)
        return bundle


def explore(cluster, *, table=True, interval=400):
    """A live explorer for ``cluster`` (needs a running kernel; in the built book it shows a
    notice and the picture of the cluster as it was)."""
    return Explorer(cluster, table=table, interval=interval)
