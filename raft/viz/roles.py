"""Figure 4, the role diagram, drawn from ``raft.node.TRANSITIONS`` (the same table that
``Node._become`` enforces), so the picture cannot disagree with the code.

networkx holds the graph and places it (imported when the diagram is drawn, at build time) (a layered layout: follower, then candidate, then
leader, by distance from follower); :func:`role_scene` computes the picture as data and
:func:`render_role_svg` draws it.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

from ..node import TRANSITIONS
from . import palette as P
from .scene import SceneError
from .svg import num, open_svg, text

WIDTH, HEIGHT = 520, 236
R = 38


def role_graph():
    """The role transitions as a networkx DiGraph; each edge's ``label`` is its condition."""
    import networkx as nx   # at build time only: the page's Python (Pyodide) has no networkx

    g = nx.DiGraph()
    for (a, b), label in TRANSITIONS.items():
        g.add_edge(a, b, label=label)
    return g


@dataclass(frozen=True)
class RoleEdge:
    src: str
    dst: str
    label: str
    highlighted: bool
    path: str             # SVG path data
    label_x: float
    label_y: float


@dataclass(frozen=True)
class RoleScene:
    nodes: dict           # role -> (x, y)
    edges: tuple          # of RoleEdge
    highlight: tuple | None


def _layers(g, start="follower"):
    import networkx as nx

    for layer, nodes in enumerate(nx.bfs_layers(g, [start])):
        for n in nodes:
            g.nodes[n]["layer"] = layer


def role_scene(highlight=None):
    """The diagram as data. ``highlight`` is an (old_role, new_role) pair, or None."""
    import networkx as nx

    g = role_graph()
    _layers(g)
    pos = nx.multipartite_layout(g, subset_key="layer", align="vertical")
    xs = [p[0] for p in pos.values()]
    lo, hi = min(xs), max(xs)
    nodes = {n: (118 + (p[0] - lo) / ((hi - lo) or 1) * (WIDTH - 170), 104)
             for n, p in pos.items()}
    if highlight is not None and tuple(highlight) not in TRANSITIONS:
        raise SceneError(f"{highlight!r} is not a transition of Figure 4; the transitions are "
                         f"{sorted(TRANSITIONS)}")
    edges = []
    for a, b, data in g.edges(data=True):
        (x1, y1), (x2, y2) = nodes[a], nodes[b]
        if a == b:
            path = (f"M{num(x1 - 16)} {num(y1 - R + 4)}C{num(x1 - 40)} {num(y1 - R - 60)} "
                    f"{num(x1 + 40)} {num(y1 - R - 60)} {num(x1 + 16)} {num(y1 - R + 4)}")
            lx, ly = x1, y1 - R - 52
        else:
            d = math.hypot(x2 - x1, y2 - y1)
            # Rightward edges bow up, leftward ones down; long ones (skipping a role) more.
            bend = (-1 if x2 > x1 else 1) * (120 if d > 250 else 26)
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2 + bend
            # Start and end on the circles, aimed at the control point.
            def edge_point(x, y, tx, ty):
                k = math.hypot(tx - x, ty - y)
                return x + (tx - x) / k * R, y + (ty - y) / k * R
            sx, sy = edge_point(x1, y1, mx, my)
            ex, ey = edge_point(x2, y2, mx, my)
            path = f"M{num(sx)} {num(sy)}Q{num(mx)} {num(my)} {num(ex)} {num(ey)}"
            lx, ly = (sx + 2 * mx + ex) / 4, (sy + 2 * my + ey) / 4
            ly += -8 if bend < 0 else 14
            lx += 0 if bend < 0 or d > 250 else 10
        edges.append(RoleEdge(a, b, data["label"], highlight is not None and (a, b) ==
                              tuple(highlight), path, lx, ly))
    return RoleScene(nodes, tuple(edges), tuple(highlight) if highlight else None)


def render_role_svg(scene):
    out = [open_svg(WIDTH, HEIGHT, "Figure 4: server roles and transitions", "raft-roles"),
           '<defs><marker id="raft-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" '
           'markerHeight="10" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" '
           f'fill="{P.INK}"/></marker><marker id="raft-arrow-hi" viewBox="0 0 10 10" refX="9" '
           'refY="5" markerWidth="12" markerHeight="12" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
           f'<path d="M0 0L10 5L0 10z" fill="{P.VERMILLION}"/></marker></defs>']
    # Starting arrow into follower.
    fx, fy = scene.nodes["follower"]
    out.append(f'<path d="M{num(fx - R - 34)} {num(fy)}L{num(fx - R - 2)} {num(fy)}" '
               f'stroke="{P.INK}" stroke-width="1.5" marker-end="url(#raft-arrow)"/>')
    out.append(text(fx - R - 18, fy - 8, "start", 10, P.MUTED))
    for e in scene.edges:
        colour = P.VERMILLION if e.highlighted else P.INK
        width = 3.5 if e.highlighted else 1.5
        marker = "raft-arrow-hi" if e.highlighted else "raft-arrow"
        cls = ' class="raft-role-edge raft-highlight"' if e.highlighted else ' class="raft-role-edge"'
        out.append(f'<path{cls} d="{e.path}" fill="none" stroke="{colour}" '
                   f'stroke-width="{width}" marker-end="url(#{marker})"/>')
        lines = textwrap.wrap(e.label, 24)
        y0 = e.label_y - (len(lines) - 1) * 11 if e.label_y < fy else e.label_y
        for k, line in enumerate(lines):
            out.append(text(e.label_x, y0 + k * 11, line, 10, colour,
                            weight="bold" if e.highlighted else None))
    hi_new = scene.highlight[1] if scene.highlight else None
    for role, (x, y) in scene.nodes.items():
        out.append(f'<circle cx="{num(x)}" cy="{num(y)}" r="{R}" fill="{P.ROLE_FILL[role]}" '
                   f'stroke="{P.INK}" '
                   f'stroke-width="{4 if role == hi_new else 1.5}"/>')
        out.append(text(x, y + 4, role.capitalize(), 12, P.ROLE_TEXT[role], weight="bold"))
    out.append("</svg>")
    return "".join(out)


def transition_of(records):
    """The (old, new) role transition in a step's trace records, or None."""
    for r in records:
        if r.kind == "role":
            return r.data["old"], r.data["new"]
    return None
