"""One step of a run, composed: the cluster picture, the logs with the invariant light, the
state table and the caption. The kernel-free player and the live explorer both draw with
:func:`frame_html` and :func:`caption_html`, so they look the same."""

from __future__ import annotations

from .checks import LIGHT_HEIGHT, InvariantMonitor, flagged_cells, render_light
from .cluster_view import cluster_scene, render_cluster_svg
from .log_view import log_height, log_scene, render_log_svg
from .svg import esc
from .table import TABLE_CSS, state_table_html

# Side by side on a wide column, stacked on a phone; each SVG scales to its box.
_ROW = ('<div class="raft-view" style="display:flex;flex-wrap:wrap;gap:4px 12px;'
        'align-items:flex-start;width:100%">')
_CELL = '<div style="flex:1 1 300px;min-width:0;max-width:480px">'

#: CSS shared by every picture; included once per player, picture or explorer.
VIEW_CSS = f"<style>{TABLE_CSS}</style>"


def frame_parts(snap, next_snap=None, status=None, table=True, window=None):
    """The picture of one snapshot: (html, cluster scene, log scene)."""
    if status is None:
        status = InvariantMonitor().observe(snap)
    kwargs = {} if window is None else {"window": window}
    cs = cluster_scene(snap)
    ls = log_scene(snap, next_snap, flagged=flagged_cells(status), **kwargs)
    light = render_light(status, log_height(ls) - 4)
    parts = [_ROW, _CELL, render_cluster_svg(cs), "</div>", _CELL,
             render_log_svg(ls, extra_height=LIGHT_HEIGHT, extra=light), "</div></div>"]
    if table:
        parts.append(state_table_html(snap))
    return "".join(parts), cs, ls


def frame_html(snap, next_snap=None, status=None, table=True, window=None):
    """The picture of one snapshot as HTML (two SVGs and, optionally, the state table)."""
    return frame_parts(snap, next_snap, status, table, window)[0]


def caption_html(snap):
    """The step's sentence, and the rule of the paper that fired."""
    text = snap.caption[:1].upper() + snap.caption[1:] if snap.caption else ""
    rule = (f'<br><span class="raft-rule" style="color:#57606a;font-size:0.9em">'
            f'Rule: {esc(snap.rule)}</span>' if snap.rule else "")
    return (f'<span class="raft-step" style="color:#57606a">Step {snap.step} '
            f'({snap.now:.1f} ms).</span> <span class="raft-sentence">{esc(text)}.</span>{rule}')


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


def show(cluster_or_snapshot, *, table=True, caption=True):
    """A static picture of a cluster (now) or of a snapshot: servers, roles, terms, timers,
    messages in flight, logs, the invariant light, the state table and the step's caption."""
    snap = _snapshot_of(cluster_or_snapshot)
    status = None
    checker = getattr(cluster_or_snapshot, "checker", None)
    monitor = InvariantMonitor()
    status = monitor.observe(snap)
    if checker is not None and checker.violations:
        for v in checker.violations:
            monitor.record(v.prop, v.step, v.details)
        status = monitor.status()
    html = ['<div class="raft-show" style="max-width:760px">', VIEW_CSS, frame_html(snap, status=status,
                                                                             table=table)]
    if caption:
        html.append(f'<div class="raft-caption" style="padding:0.25em 0">{caption_html(snap)}</div>')
    html.append("</div>")
    return Picture("".join(html))
