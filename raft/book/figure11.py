"""Figure 11 of the paper drawn from a real joint-consensus run (§6).

Theory of operation
-------------------
The paper's Figure 11 is the time line of one configuration change: C_old is the committed
configuration until C_old,new commits; C_old,new is drawn dashed from the moment the leader
creates it until it commits, then solid; C_new the same, later. Above, two arrows say who may
decide alone: C_old until C_old,new is committed, C_new from the moment its entry is created.
They never overlap, which is the whole point of joint consensus.

Here both halves come from one seeded run of the simulator (the change {1,2,3} to
{1,2,3,4,5} of the chapter, :func:`raft.book.membership.change`):

* :func:`timeline` reads from the trace when the leader created each configuration entry, when
  it committed it, and when every other server stored it (a server uses the latest configuration
  in its log from that moment, committed or not).
* :func:`decides_alone` does not take the paper's word for the arrows: it replays the run step
  by step (``cluster.history()``) and asks of every snapshot whether C_old, or C_new, could make
  a decision *without the other*: either a leader using that configuration alone is in charge,
  or some server using it could win an election with the votes of a majority of that
  configuration alone, each voter judging only by the election restriction (§5.4.1). The
  answer is a list of time intervals for each.
* :func:`draw` draws the paper's three lines from the first and the two arrows from the second.

Nothing here changes the algorithm; the run uses only the simulator's public calls.
"""

from __future__ import annotations

from typing import NamedTuple

from . import membership


class ConfigSpan(NamedTuple):
    """One configuration entry's life at the leader, and when each server stored it."""

    name: str                 # "C_old", "C_old,new" or "C_new"
    config: object            # the raft.node.Configuration
    created: float | None     # when the leader appended it (None for C_old: it was there)
    committed: float | None   # when the leader committed it (None for C_old)
    stored: dict              # server id -> when it stored the entry (the leader included)


class Timeline(NamedTuple):
    leader: int
    request: float            # when the leader was asked to change the configuration
    end: float                # the end of the run
    spans: tuple              # ConfigSpan for C_old, C_old,new, C_new


def run(seed=2, after=40):
    """The chapter's run: {1,2,3} grows to {1,2,3,4,5} with joint consensus, led by S1.
    Returns ``(cluster, marks)`` as :func:`raft.book.membership.change` does."""
    cluster, marks = membership.change((1, 2, 3, 4, 5), seed=seed)
    cluster.run(after)
    return cluster, marks


def timeline(cluster):
    """Read the change of ``cluster`` (one change, by one leader) from its trace."""
    request = next(r for r in cluster.trace if r.kind == "membership")
    leader = request.node
    c_old = cluster.replay(request.step).nodes[leader].config
    stored, created, index = {}, {}, {}
    for r in cluster.trace:
        if r.step < request.step or r.kind != "config":
            continue
        config = r.data["config"]
        stored.setdefault(config, {}).setdefault(r.node, r.time)
        if r.node == leader and config not in created:
            created[config] = r.time
            index[config] = r.data["index"]
    joint = next(c for c in created if c.is_joint)
    new = next(c for c in created if not c.is_joint)
    committed = {}
    for r in cluster.trace:
        if r.kind == "commit" and r.node == leader:
            for config, i in index.items():
                if r.data["commit_index"] >= i and config not in committed:
                    committed[config] = r.time
    spans = (ConfigSpan("C_old", c_old, None, None, {}),
             ConfigSpan("C_old,new", joint, created[joint], committed.get(joint),
                        stored.get(joint, {})),
             ConfigSpan("C_new", new, created[new], committed.get(new), stored.get(new, {})))
    return Timeline(leader, request.time, cluster.now, spans)


def _up_to_date(candidate_log, voter_log):
    """The election restriction (§5.4.1) on two logs (tuples of entries)."""
    c_term = candidate_log[-1].term if candidate_log else 0
    v_term = voter_log[-1].term if voter_log else 0
    if c_term != v_term:
        return c_term > v_term
    return len(candidate_log) >= len(voter_log)


def can_decide_alone(snapshot, voters):
    """True if, in ``snapshot``, the configuration whose voters are ``voters`` could make a
    decision without any other configuration: a leader using it (and only it) is in charge, or
    a server using it could be elected by a majority of ``voters`` (§5.4.1 decides each vote)."""
    voters = frozenset(voters)
    nodes = snapshot.nodes
    for s in nodes.values():
        config = s.config
        if config.is_joint or config.voters != voters:
            continue
        if s.role == "leader" and not s.crashed:
            return True
        grant = [v for v in voters if v in nodes and _up_to_date(s.log, nodes[v].log)]
        if 2 * len(grant) > len(voters):
            return True
    return False


def decides_alone(cluster, start_step=0):
    """``{"C_old": [(start, end), ...], "C_new": [...]}``: the times at which each of the two
    configurations of the change could decide alone, found by replaying the run step by step."""
    line = timeline(cluster)
    wanted = {"C_old": line.spans[0].config.voters, "C_new": line.spans[2].config.voters}
    out = {name: [] for name in wanted}
    open_at = {name: None for name in wanted}
    last = 0.0
    for snap in cluster.history(start_step):
        last = snap.now
        for name, voters in wanted.items():
            alone = can_decide_alone(snap, voters)
            if alone and open_at[name] is None:
                open_at[name] = snap.now
            elif not alone and open_at[name] is not None:
                out[name].append((open_at[name], snap.now))
                open_at[name] = None
    for name in wanted:
        if open_at[name] is not None:
            out[name].append((open_at[name], max(last, cluster.now)))
    return out


def overlap(alone):
    """The total time during which C_old and C_new could both decide alone (ms): zero in any
    run of joint consensus."""
    total = 0.0
    for a0, a1 in alone["C_old"]:
        for b0, b1 in alone["C_new"]:
            total += max(0.0, min(a1, b1) - max(a0, b0))
    return total


def server_configs(cluster, line=None):
    """``{id: [(start, end, name), ...]}``: which configuration each server used over time, by
    name ("C_old", "C_old,new", "C_new", or None before a new server has any), from the trace."""
    line = timeline(cluster) if line is None else line
    names = {span.config: span.name for span in line.spans}
    first = cluster.replay(0)
    using = {i: names.get(first.nodes[i].config) for i in first.ids}
    since = {i: 0.0 for i in using}
    out = {i: [] for i in using}
    for r in cluster.trace:
        if r.kind == "membership":
            for i in r.data["voters"]:
                if i not in using:
                    using[i], since[i], out[i] = None, r.time, []
        if r.kind != "config":
            continue
        name = names.get(r.data["config"])
        if name != using[r.node]:
            out[r.node].append((since[r.node], r.time, using[r.node]))
            using[r.node], since[r.node] = name, r.time
    for i in using:
        out[i].append((since[i], cluster.now, using[i]))
    return out


# -- the picture ----------------------------------------------------------------------------------

OLD = "#E69F00"     # Okabe-Ito orange
NEW = "#0072B2"     # Okabe-Ito blue
JOINT = "#CC79A7"   # Okabe-Ito reddish purple
FILL = {"C_old": OLD, "C_old,new": JOINT, "C_new": NEW}


def _label(name):
    return {"C_old": "$C_{old}$", "C_old,new": "$C_{old,new}$", "C_new": "$C_{new}$"}[name]


def draw(cluster, alone=None, ax=None, margin=25.0, servers=True):
    """The paper's Figure 11 for ``cluster``'s change (times in simulated ms), with, below it,
    the configuration each server used. ``alone`` is :func:`decides_alone`'s result."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    line = timeline(cluster)
    alone = decides_alone(cluster) if alone is None else alone
    old, joint, new = line.spans
    x0, x1 = joint.created - margin, min(new.committed + margin, cluster.now)
    per_server = server_configs(cluster, line) if servers else {}
    ids = sorted(per_server)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.0, 3.7 + 0.36 * len(ids)))
    else:
        fig = ax.figure
    base = len(ids) + 0.9                      # server rows are 1..len(ids), S1 on top
    y = {"C_old": base, "C_old,new": base + 0.8, "C_new": base + 1.6, "alone": base + 2.65}
    solid = dict(color="black", lw=2.5, solid_capstyle="butt")
    # The paper's three lines: dashed from creation to commit, then solid while it is the
    # latest committed configuration.
    ax.plot([x0, joint.committed], [y["C_old"]] * 2, **solid)
    for span, until in ((joint, new.committed), (new, x1)):
        ax.plot([span.created, span.committed], [y[span.name]] * 2, color="black", lw=2.5,
                linestyle=(0, (2.5, 1.5)))
        ax.plot([span.created], [y[span.name]], "o", color="black", ms=6)
        ax.plot([span.committed, until], [y[span.name]] * 2, **solid)
    for span in (joint, new):
        ax.axvline(span.committed, color="#6e7781", linestyle=":", lw=1.2, zorder=0)
    # Who could decide alone, computed from every step of the run.
    for name, colour in (("C_old", OLD), ("C_new", NEW)):
        for a, b in alone[name]:
            left, right = max(a, x0), min(b, x1)
            if right <= left:
                continue
            ax.plot([left, right], [y["alone"]] * 2, color=colour, lw=2.5,
                    solid_capstyle="butt")
            # A bar at an end that is in the picture, an arrow head where it goes on beyond.
            for x, beyond, head in ((left, a < x0, "<"), (right, b > x1, ">")):
                ax.plot([x], [y["alone"]], marker=head if beyond else "|", color=colour,
                        ms=9 if beyond else 12, mew=2.5)
            ax.text((left + right) / 2, y["alone"] + 0.22, f"{_label(name)} alone",
                    ha="center", va="bottom", fontsize=10.5, color=colour)
    # Between the two, neither configuration can decide without the other.
    ends = [b for a, b in alone["C_old"] if b <= x1] or [x0]
    starts = [a for a, b in alone["C_new"] if a >= x0] or [x1]
    gap = (max(ends), min(starts))
    if gap[1] - gap[0] > 0.08 * (x1 - x0):
        ax.text(sum(gap) / 2, y["alone"], "neither", ha="center", va="center", fontsize=8.5,
                color="#57606a")
    # Which configuration each server used.
    for i, row in zip(ids, range(len(ids), 0, -1)):
        for a, b, name in per_server[i]:
            a, b = max(a, x0), min(b, x1)
            if b <= a:
                continue
            if name is None:
                ax.barh(row, b - a, left=a, height=0.55, color="white", edgecolor="#999999",
                        hatch="....", linewidth=0.6)
            else:
                ax.barh(row, b - a, left=a, height=0.55, color=FILL[name], edgecolor="white",
                        linewidth=0.6)
    ax.set_yticks([y["C_old"], y["C_old,new"], y["C_new"]] + list(range(len(ids), 0, -1)),
                  [_label("C_old"), _label("C_old,new"), _label("C_new")]
                  + [f"S{i}" for i in ids])
    ax.tick_params(axis="y", length=0)
    ax.set_xlim(x0, x1)
    ax.set_ylim(0.5, y["alone"] + 0.8)
    ax.set_xticks([joint.committed, new.committed],
                  [f"{joint.committed:.0f}\n$C_{{old,new}}$\ncommitted",
                   f"{new.committed:.0f}\n$C_{{new}}$\ncommitted"], fontsize=9.5)
    ax.set_xlabel("simulated time (ms)")
    ax.spines[["top", "right", "left"]].set_visible(False)
    if ids:
        handles = [Patch(color=FILL[n], label=f"uses {_label(n)}") for n in FILL]
        handles.append(Patch(facecolor="white", edgecolor="#999999", hatch="....",
                             label="new, no configuration yet"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2,
                  frameon=False, fontsize=9.5)
    fig.tight_layout()
    return fig
