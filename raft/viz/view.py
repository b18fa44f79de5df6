"""``show()``: a still picture of a cluster or a snapshot, drawn by the same painter as the
animations (one scene, no playback controls), and :class:`Picture`, static HTML that notebooks
and the book display inline."""

from __future__ import annotations

from .checks import InvariantMonitor
from .player import Player
from .scene import scene_of


class Picture:
    """Static HTML/SVG that Jupyter and the built book display inline (``_repr_html_``)."""

    def __init__(self, html):
        self.html = html

    def _repr_html_(self):
        return self.html

    def __str__(self):
        return self.html

    def __repr__(self):
        return f"<Picture: {len(self.html)} characters of HTML>"


def _snapshot_of(x):
    if hasattr(x, "snapshot") and callable(x.snapshot):
        return x.snapshot()
    if hasattr(x, "nodes") and hasattr(x, "flights"):
        return x
    raise TypeError(f"show() needs a Cluster or a ClusterSnapshot, got {type(x).__name__}")


def status_of(cluster_or_snapshot, snap):
    """The invariant status to draw for one snapshot: judged on the snapshot, plus whatever a
    live cluster's checker found earlier."""
    monitor = InvariantMonitor()
    status = monitor.observe(snap)
    checker = getattr(cluster_or_snapshot, "checker", None)
    if checker is not None and checker.violations:
        for v in checker.violations:
            monitor.record(v.prop, v.step, v.details)
        status = monitor.status()
    return status


def show(cluster_or_snapshot, *, table=True, caption=True, title=None):
    """A still picture of a cluster (now) or of a snapshot: servers, roles, terms, timers,
    messages in flight, logs, the safety properties, the state table and the step's caption."""
    snap = _snapshot_of(cluster_or_snapshot)
    scene = scene_of(snap, status_of(cluster_or_snapshot, snap))
    if not caption:
        scene = dict(scene, caption="", rule="")
    options = {"controls": False, "legend": "closed"}
    if title:
        options["title"] = str(title)
    if not table:
        options["table"] = False
    return Player([scene], options)
