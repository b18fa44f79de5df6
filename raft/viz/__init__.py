"""Pictures of a Raft cluster: scenes computed in Python, drawn by one painter in the browser.

* :func:`play` — replay a run's steps as an animation that needs no kernel;
* :func:`show` — a still picture of a cluster or snapshot;
* :func:`explore` — drive a live cluster from a notebook (needs a kernel and ipywidgets);
* :func:`draw_role_diagram` — Figure 4, drawn from ``raft.node.TRANSITIONS``;
* :func:`gallery` — precomputed pictures to pick from, with no kernel;
* :func:`question` and :func:`quiz` — predict, then see: questions that stop a player at a
  moment, answered from the run itself (:mod:`raft.viz.questions`).

Every picture of a cluster is a *scene* (:mod:`raft.viz.scene`: plain data, with a documented,
versioned schema) drawn by ``painter.js`` (:mod:`raft.viz.embed` puts both in a page). The
scene, picture and player modules use only the standard library, so ``import raft.viz`` works
without ipywidgets, IPython, numpy or networkx (the live page runs it in Pyodide); the widgets
(:mod:`raft.viz.widgets`) are imported only when :func:`explore` is used, and networkx only when
the role diagram is drawn.
"""

from .checks import InvariantMonitor
from .embed import PainterError, painter_html
from .gallery import gallery
from .player import Player, play, select_frames
from .questions import Question, QuestionError, Quiz, question, quiz
from .roles import render_role_svg, role_graph, role_scene, transition_of
from .scene import SCHEMA_VERSION, SceneError, describe, scene_of, scenes_of, validate_scene
from .session import Session
from .view import Picture, show

_WIDGETS = ("explore", "Explorer", "PainterWidget", "needs_kernel")


def __getattr__(name):
    # The widgets need ipywidgets, anywidget and IPython: import them on first use only.
    if name in _WIDGETS:
        from . import widgets
        return getattr(widgets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def draw_role_diagram(highlight=None):
    """Figure 4 (follower, candidate, leader and the transitions between them), drawn from
    ``raft.node.TRANSITIONS``. ``highlight`` is an (old_role, new_role) pair, or a Cluster or
    snapshot whose latest step changed a role, or None."""
    if highlight is not None and not isinstance(highlight, tuple):
        snap = highlight.snapshot() if hasattr(highlight, "snapshot") else highlight
        highlight = transition_of(snap.records)
    return Picture('<div class="raft-roles" style="max-width:560px">'
                   f"{render_role_svg(role_scene(highlight))}</div>")


__all__ = ["show", "play", "explore", "draw_role_diagram", "gallery", "Explorer", "PainterWidget",
           "needs_kernel", "Picture", "Player", "Session", "InvariantMonitor", "scene_of",
           "scenes_of", "validate_scene", "describe", "SCHEMA_VERSION", "SceneError",
           "PainterError", "painter_html", "role_graph", "role_scene", "render_role_svg",
           "select_frames", "transition_of", "question", "quiz", "Question", "Quiz",
           "QuestionError"]
