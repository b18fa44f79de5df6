"""The cluster picture: servers on a circle, their roles, terms and timers, the links between
them, and the messages on the network.

Drawing happens in two stages. :func:`cluster_scene` turns a
:class:`~raft.snapshot.ClusterSnapshot` into plain data (where each server is, its colour and
label, which links are cut, where each message is and what it says); :func:`render_cluster_svg`
turns that data into a small SVG string. Tests check the data; the renderer only draws it.
The layout comes from networkx (a circular layout, S1 at the top, clockwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx

from ..node import AppendEntries, AppendEntriesReply, RequestVote, RequestVoteReply
from . import palette as P
from .svg import esc, group, num, open_svg, t, text, text_width

WIDTH = 360
HEIGHT = 330
CENTRE = (180, 168)


@dataclass(frozen=True)
class ServerMark:
    id: int
    x: float
    y: float
    r: float
    role: str             # follower / candidate / leader
    letter: str           # F / C / L
    fill: str
    text_colour: str
    term: int
    crashed: bool
    timer: float | None   # election-timer progress 0..1 (None: leader or crashed)
    votes: tuple          # ids that voted for a candidate (empty otherwise)
    votes_needed: int     # majority of the candidate's configuration (0 otherwise)
    member: bool          # a voter in its own configuration


@dataclass(frozen=True)
class LinkMark:
    a: int
    b: int
    cut: bool


@dataclass(frozen=True)
class MessageMark:
    id: int
    src: int
    dst: int
    kind: str             # RequestVote, RequestVoteReply, AppendEntries, AppendEntriesReply
    label: str            # RV, vote ✓, vote ✗, AE 2, hb, ok, fail
    progress: float       # 0 at the sender, 1 at the receiver
    x: float
    y: float
    fill: str
    stroke: str
    text_colour: str


@dataclass(frozen=True)
class ClusterScene:
    step: int
    now: float
    servers: tuple        # of ServerMark, by id
    links: tuple          # of LinkMark
    messages: tuple       # of MessageMark
    leader: int | None
    partition: str        # "1 2 | 3 4 5", "" if none
    disconnected: tuple

    def server(self, i):
        return next(s for s in self.servers if s.id == i)

    def link(self, a, b):
        a, b = min(a, b), max(a, b)
        return next(k for k in self.links if (k.a, k.b) == (a, b))


@lru_cache(maxsize=32)
def layout(ids):
    """Positions of the servers: networkx's circular layout, rotated so the first server is
    at the top and the rest follow clockwise, scaled into the picture."""
    ids = tuple(ids)
    pos = nx.circular_layout(nx.complete_graph(ids))
    n = len(ids)
    radius = 108 if n <= 5 else 118
    cx, cy = CENTRE
    out = {}
    for i in ids:
        x, y = pos[i]
        # circular_layout puts the first node at angle 0 (east) and goes counter-clockwise;
        # read that angle as clockwise from north instead (screen y grows downwards).
        angle = math.atan2(y, x)
        out[i] = (cx + radius * math.sin(angle), cy - radius * math.cos(angle)) if n > 1 \
            else (cx, cy)
    return out


def server_radius(n):
    return 27 if n <= 5 else 23 if n <= 7 else 19


def message_label(msg):
    """The short label drawn on a message in flight, and its colours (fill, stroke, text)."""
    if isinstance(msg, RequestVote):
        return "RV", P.YELLOW, P.INK, P.INK
    if isinstance(msg, RequestVoteReply):
        if msg.vote_granted:
            return "vote ✓", "#ffffff", P.GREEN, "#00664a"
        return "vote ✗", "#ffffff", P.VERMILLION, "#a34700"
    if isinstance(msg, AppendEntries):
        n = len(msg.entries)
        if n:
            return f"AE {n}", "#F8C9A6", P.VERMILLION, P.INK
        return "hb", "#FCE6D6", "#e6a37a", P.INK
    if isinstance(msg, AppendEntriesReply):
        if msg.success:
            return "ok", "#ffffff", P.GREEN, "#00664a"
        return "fail", "#ffffff", P.VERMILLION, "#a34700"
    return type(msg).__name__, "#ffffff", P.INK, P.INK


def _can_reach(a, b, groups, disconnected):
    if a in disconnected or b in disconnected:
        return False
    if groups is None:
        return True
    return groups.get(a, -a) == groups.get(b, -b)


def cluster_scene(snap):
    """The cluster picture of a snapshot, as plain data."""
    ids = tuple(sorted(snap.nodes))
    pos = layout(ids)
    r = server_radius(len(ids))
    groups = None
    if snap.partition is not None:
        groups = {i: g for g, members in enumerate(snap.partition) for i in members}
    disconnected = frozenset(snap.disconnected)

    servers = []
    for i in ids:
        n = snap.nodes[i]
        x, y = pos[i]
        member = i in n.config.members
        if n.crashed:
            fill, ink, timer = P.CRASHED, P.MUTED, None
        else:
            fill, ink = P.ROLE_FILL[n.role], P.ROLE_TEXT[n.role]
            timer = None
            if n.role != "leader":
                span = n.election_deadline - n.election_timer_start
                timer = 0.0 if span <= 0 else min(1.0, max(0.0, (snap.now - n.election_timer_start) / span))
        votes, needed = (), 0
        if n.role == "candidate" and not n.crashed:
            votes = tuple(sorted(n.votes))
            needed = len(n.config.voters) // 2 + 1
        servers.append(ServerMark(i, x, y, r, n.role, P.ROLE_LETTER[n.role], fill, ink,
                                  n.current_term, n.crashed, timer, votes, needed, member))

    links = []
    for k, a in enumerate(ids):
        for b in ids[k + 1:]:
            links.append(LinkMark(a, b, not _can_reach(a, b, groups, disconnected)))

    messages = []
    for f in snap.flights:
        m = f.msg
        if m.src not in pos or m.dst not in pos:
            continue
        span = f.deliver_at - f.sent_at
        p = 1.0 if span <= 0 else min(1.0, max(0.0, (snap.now - f.sent_at) / span))
        (x1, y1), (x2, y2) = pos[m.src], pos[m.dst]
        d = math.hypot(x2 - x1, y2 - y1) or 1.0
        ux, uy = (x2 - x1) / d, (y2 - y1) / d
        label, fill, stroke, ink = message_label(m)
        # Keep the tag clear of both discs (and their badges) at either end of its trip.
        gap = r + 8 + (text_width(label, 10) / 2 + 4) * abs(ux) + 7 * abs(uy)
        sx, sy = x1 + ux * gap, y1 + uy * gap
        ex, ey = x2 - ux * gap, y2 - uy * gap
        # Requests and replies on one link travel on either side of it.
        side = 7 if m.src < m.dst else -7
        x = sx + (ex - sx) * p - uy * side
        y = sy + (ey - sy) * p + ux * side
        messages.append(MessageMark(f.id, m.src, m.dst, type(m).__name__, label, p, x, y,
                                    fill, stroke, ink))

    partition = ""
    if snap.partition is not None:
        partition = " | ".join(" ".join(str(i) for i in g) for g in snap.partition)
    return ClusterScene(snap.step, snap.now, tuple(servers), tuple(links), tuple(messages),
                        snap.leader(), partition, tuple(sorted(disconnected)))


def _arc(x, y, r, fraction):
    """An SVG path for a clockwise arc from 12 o'clock covering ``fraction`` of a circle."""
    if fraction >= 0.999:
        return f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}"/>'
    a = 2 * math.pi * fraction
    ex, ey = x + r * math.sin(a), y - r * math.cos(a)
    large = 1 if fraction > 0.5 else 0
    return (f'<path d="M{num(x)} {num(y - r)}A{num(r)} {num(r)} 0 {large} 1 '
            f'{num(ex)} {num(ey)}"/>')


def _crown(x, y, w=20, h=11):
    """A small crown above the leader, so the leader stands out without colour."""
    l, t = x - w / 2, y - h
    pts = [(l, y), (l, t + 2), (l + w * 0.27, t + h * 0.55), (x, t), (l + w * 0.73, t + h * 0.55),
           (l + w, t + 2), (l + w, y)]
    d = "M" + "L".join(f"{num(a)} {num(b)}" for a, b in pts) + "Z"
    return f'<path d="{d}" fill="{P.ORANGE}" stroke="{P.INK}" stroke-width="1.2"/>'


def render_cluster_svg(scene, title=None):
    """Draw a :class:`ClusterScene` as a compact SVG string."""
    out = [open_svg(WIDTH, HEIGHT, title or f"Cluster at step {scene.step}", "raft-cluster")]
    # Header: time, step, partition.
    out.append(text(6, 14, f"step {scene.step} · {scene.now:.1f} ms", 11, P.MUTED, "start"))
    leader = f"leader S{scene.leader}" if scene.leader else "no leader"
    out.append(text(WIDTH - 6, 14, leader, 11, P.INK, "end", "bold"))
    if scene.partition or scene.disconnected:
        bits = []
        if scene.partition:
            bits.append(f"partition {scene.partition}")
        if scene.disconnected:
            bits.append("cut off: " + " ".join(f"S{i}" for i in scene.disconnected))
        out.append(text(6, 28, "; ".join(bits), 10.5, P.CUT, "start", "bold"))

    pos = {s.id: (s.x, s.y) for s in scene.servers}
    # Links: healthy ones faint, cut ones red and dashed.
    ok, cut = [], []
    for k in scene.links:
        (x1, y1), (x2, y2) = pos[k.a], pos[k.b]
        (cut if k.cut else ok).append(f"M{num(x1)} {num(y1)}L{num(x2)} {num(y2)}")
    if ok:
        out.append(f'<path d="{"".join(ok)}" stroke="{P.FAINT}" stroke-width="1.2" fill="none"/>')
    if cut:
        out.append(f'<path d="{"".join(cut)}" stroke="{P.CUT}" stroke-width="2" '
                   f'stroke-dasharray="5 4" fill="none" class="raft-cut"/>')

    # Election timers: a faint full ring and a dark arc for the time that has passed.
    rings, arcs = [], []
    for s in scene.servers:
        if s.timer is not None:
            rings.append(f'<circle cx="{num(s.x)}" cy="{num(s.y)}" r="{num(s.r + 5)}"/>')
            if s.timer > 0:
                arcs.append(_arc(s.x, s.y, s.r + 5, s.timer))
    out.append(group('fill="none" stroke="#e4e8ec" stroke-width="4"', rings))
    out.append(group(f'fill="none" stroke="{P.MUTED}" stroke-width="4" class="raft-timer"', arcs))

    # Servers: disc, name and term, role badge, crown, votes, crash cross.
    discs, names, terms, badges, letters, notes = [], [], [], [], [], []
    big = scene.servers and scene.servers[0].r > 20
    for s in scene.servers:
        x, y, r = s.x, s.y, s.r
        stroke, width, dash = P.INK, 1.5, ""
        if s.crashed:
            stroke = P.GREY
        elif s.role == "leader":
            width = 4
        elif s.role == "candidate":
            width, dash = 2.5, ' stroke-dasharray="4 3"'
        if not s.member and not s.crashed:
            dash = ' stroke-dasharray="1 3"'
        w = f' stroke-width="{num(width)}"' if width != 1.5 else ""
        discs.append(f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" fill="{s.fill}" '
                     f'stroke="{stroke}"{w}{dash}/>')
        colour = f' fill="{s.text_colour}"' if s.text_colour != P.INK else ""
        names.append(f'<text x="{num(x)}" y="{num(y - 2)}"{colour}>S{s.id}</text>')
        terms.append(f'<text x="{num(x)}" y="{num(y + 12)}"{colour}>term {s.term}</text>')
        if s.crashed:
            d = r * 0.72
            discs.append(f'<path d="M{num(x - d)} {num(y - d)}L{num(x + d)} {num(y + d)}M{num(x + d)} '
                         f'{num(y - d)}L{num(x - d)} {num(y + d)}" stroke="#555" stroke-width="3" '
                         'opacity="0.8"/>')
            notes.append(f'<text x="{num(x)}" y="{num(y + r + 13)}" fill="{P.MUTED}">crashed</text>')
            continue
        # The role letter in a badge, so the role does not depend on colour.
        bx, by = x + r * 0.78, y - r * 0.78
        badges.append(f'<circle cx="{num(bx)}" cy="{num(by)}" r="8"/>')
        letters.append(t(bx, by + 3.5, s.letter))
        if s.role == "leader":
            discs.append(_crown(x, y - r - 3))
        if s.role == "candidate":
            notes.append(t(x, y + r + 14, f"votes {len(s.votes)}/{s.votes_needed}"))
    out.append("".join(discs))
    mid = 'text-anchor="middle"'
    out.append(group(f'{mid} font-size="{14 if big else 12}" font-weight="bold" fill="{P.INK}"',
                     names))
    out.append(group(f'{mid} font-size="{9.5 if big else 8.5}" fill="{P.INK}"', terms))
    out.append(group(f'fill="#fff" stroke="{P.INK}"', badges))
    out.append(group(f'{mid} font-size="10" font-weight="bold" fill="{P.INK}"', letters))
    out.append(group(f'{mid} font-size="10" font-weight="bold" fill="{P.INK}"', notes))

    # Messages in flight, on top: a labelled tag each.
    tags, labels = [], []
    for m in scene.messages:
        w = text_width(m.label, 10) + 8
        tags.append(f'<rect x="{num(m.x - w / 2)}" y="{num(m.y - 7)}" width="{num(w)}" height="14" '
                    f'rx="4" fill="{m.fill}" stroke="{m.stroke}"/>')
        colour = f' fill="{m.text_colour}"' if m.text_colour != P.INK else ""
        labels.append(f'<text x="{num(m.x)}" y="{num(m.y + 3.5)}"{colour}>{esc(m.label)}</text>')
    out.append(group('stroke-width="1.3" class="raft-msgs"', tags))
    out.append(group(f'{mid} font-size="10" fill="{P.INK}"', labels))

    # Legend.
    out.append(text(6, HEIGHT - 6, "F follower · C candidate · L leader · ring: election timer",
                    9.5, P.MUTED, "start"))
    out.append("</svg>")
    return "".join(out)
