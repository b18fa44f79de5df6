"""Pictures of a Raft cluster, a kernel-free player for the built book, and a live explorer.

* :func:`show` — a static picture of a cluster or snapshot (servers, roles, terms, election
  timers, messages in flight, logs, invariant light, state table, caption);
* :func:`play` — replay a run's steps as an animation that needs no kernel;
* :func:`explore` — drive a live cluster from a notebook (needs a kernel);
* :func:`draw_role_diagram` — Figure 4, drawn from ``raft.node.TRANSITIONS``.

Each picture is computed as plain data first (:func:`cluster_scene`, :func:`log_scene`,
:func:`role_scene`, :func:`state_rows`), then drawn as hand-written SVG; networkx places the
servers and the roles. Colours come from the Okabe-Ito palette and are never the only cue.
"""

from .checks import InvariantMonitor
from .cluster_view import cluster_scene, render_cluster_svg
from .explorer import Explorer, explore
from .log_view import log_scene, render_log_svg
from .player import play, select_frames
from .roles import render_role_svg, role_graph, role_scene, transition_of
from .table import state_rows, state_table_html
from .view import Picture, caption_html, frame_html, show


def draw_role_diagram(highlight=None):
    """Figure 4 (follower, candidate, leader and the transitions between them), drawn from
    ``raft.node.TRANSITIONS``. ``highlight`` is an (old_role, new_role) pair, or a Cluster or
    snapshot whose latest step changed a role, or None."""
    if highlight is not None and not isinstance(highlight, tuple):
        snap = highlight.snapshot() if hasattr(highlight, "snapshot") else highlight
        highlight = transition_of(snap.records)
    return Picture('<div class="raft-roles" style="max-width:560px">'
                   f"{render_role_svg(role_scene(highlight))}</div>")


__all__ = ["show", "play", "explore", "draw_role_diagram", "Explorer", "Picture",
           "InvariantMonitor", "cluster_scene", "render_cluster_svg", "log_scene",
           "render_log_svg", "role_graph", "role_scene", "render_role_svg", "state_rows",
           "state_table_html", "frame_html", "caption_html", "select_frames", "transition_of"]
