"""Figure 5 of the paper drawn from a real run: time divided into terms (§5.1).

Theory of operation
-------------------
The paper's Figure 5 is a sketch: a time line cut into terms 1, 2, 3, 4, each beginning with an
election; terms 1, 2 and 4 then have a leader for the rest of the term, term 3 ends in a split
vote with no leader. Here the same picture is computed from the trace of one seeded run of the
simulator, so every boundary on it is a moment something really happened:

* :func:`run` builds the run: five servers elect a first leader on their own timers; then the
  leader crashes twice (each time the others elect a new one and the crashed server restarts a
  little later). Nothing else is forced: the split vote comes from the election timers alone.
  With :data:`SEED` the terms are those of the paper's figure: 1, 2 and 4 elect a leader, 3 is
  split between two candidates.
* :func:`terms` reads the terms from the trace: a term starts when the first server campaigns
  for it (a candidate increments its term, §5.2), its leader is the server that won it, and it
  ends when the next term starts.
* :func:`server_terms` reads each server's own current term over time, with the gaps when it
  was down: the paper's caption notes that servers see the move to a new term at different
  times, and here one can see by how much.
* :func:`draw` draws both with matplotlib.

Nothing here changes the algorithm; the run uses only the simulator's public calls.
"""

from __future__ import annotations

from typing import NamedTuple

from ..sim.cluster import Cluster

#: The seed of the book's Figure 5: terms 1, 2 and 4 elect a leader, term 3 is a split vote.
SEED = 30


class Term(NamedTuple):
    """One term of a run, as the trace tells it."""

    term: int
    start: float              # when the first server campaigned for this term (ms)
    end: float                # when the next term began, or the run ended
    candidates: tuple         # the servers that campaigned in this term, in order
    votes: dict               # candidate -> the servers whose votes it counted (itself included)
    leader: int | None        # the server that won the term, or None (a split vote)
    elected: float | None     # when it won

    @property
    def split(self):
        """True if the term ended with no leader although two or more servers campaigned."""
        return self.leader is None and len(self.candidates) >= 2


def run(seed=SEED, crashes=2, size=5):
    """The run behind the figure: an election, then ``crashes`` times the leader crashes, a new
    leader is elected, and the crashed server restarts. Returns the cluster."""
    c = Cluster(size=size, seed=seed)
    c.run_until(lambda c: c.leader() is not None)
    c.submit("x=1")
    c.run(200)
    for k in range(crashes):
        old = c.leader()
        c.crash(old)
        c.run_until(lambda c: c.leader() is not None, 5_000)
        c.submit(f"y{k}={k}")
        c.run(200)
        c.restart(old)
        c.run(100)
    return c


def terms(cluster):
    """The terms of ``cluster``'s run, read from its trace, oldest first."""
    start, candidates, votes, leader, elected = {}, {}, {}, {}, {}
    campaign = {}   # server -> the term it last campaigned in
    for r in cluster.trace:
        if r.kind == "election":
            t = campaign[r.node] = r.data["term"]
            start.setdefault(t, r.time)
            candidates.setdefault(t, []).append(r.node)
            votes.setdefault(t, {})[r.node] = (r.node,)
        elif r.kind == "votes":
            # A candidate counts votes only in the term it is campaigning for.
            votes[campaign[r.node]][r.node] = tuple(r.data["votes"])
        elif r.kind == "role" and r.data["new"] == "leader":
            leader[r.data["term"]] = r.node
            elected[r.data["term"]] = r.time
    order = sorted(start)
    out = []
    for k, t in enumerate(order):
        end = start[order[k + 1]] if k + 1 < len(order) else cluster.now
        out.append(Term(t, start[t], end, tuple(candidates[t]), votes.get(t, {}),
                        leader.get(t), elected.get(t)))
    return out


def server_terms(cluster):
    """Each server's current term over time: ``{id: [(start, end, term, up), ...]}``, where
    ``up`` is False while the server was crashed (its term on disk is kept)."""
    now = {i: 0 for i in cluster.ids}
    up = {i: True for i in cluster.ids}
    since = {i: 0.0 for i in cluster.ids}
    spans = {i: [] for i in cluster.ids}

    def change(i, time, term=None, alive=None):
        new_term = now[i] if term is None else term
        new_up = up[i] if alive is None else alive
        if (new_term, new_up) == (now[i], up[i]):
            return
        if time > since[i]:
            spans[i].append((since[i], time, now[i], up[i]))
        now[i], up[i], since[i] = new_term, new_up, time

    for r in cluster.trace:
        if r.node not in now:
            continue
        if r.kind in ("election", "term"):
            change(r.node, r.time, term=r.data["term"])
        elif r.kind == "crash":
            change(r.node, r.time, alive=False)
        elif r.kind == "restart":
            change(r.node, r.time, term=r.data["term"], alive=True)
    for i in cluster.ids:
        if cluster.now > since[i]:
            spans[i].append((since[i], cluster.now, now[i], up[i]))
    return spans


def crash_times(cluster):
    """``[(time, server, "crash" or "restart"), ...]`` in the order they happened."""
    return [(r.time, r.node, r.kind) for r in cluster.trace if r.kind in ("crash", "restart")]


# -- the picture ----------------------------------------------------------------------------------

ELECTION = "#0072B2"     # Okabe-Ito blue: the paper draws elections in blue...
NORMAL = "#009E73"       # ... and normal operation in green
DOWN = "#BBBBBB"         # the term's leader has crashed; nobody has noticed yet
SPLIT = "#D55E00"        # vermillion: the label of a term without a leader


def leader_down(cluster, term):
    """When the leader of ``term`` crashed while the term lasted, or None."""
    if term.leader is None:
        return None
    for time, i, kind in crash_times(cluster):
        if i == term.leader and kind == "crash" and term.elected <= time < term.end:
            return time
    return None


def draw(cluster, ax=None, per_server=True):
    """Draw the terms of ``cluster`` (the paper's Figure 5) and, below, each server's own term
    over time. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from ..viz.palette import term_colour, text_on

    ts = terms(cluster)
    spans = server_terms(cluster) if per_server else {}
    ids = sorted(spans)
    rows = len(ids)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.0, 2.4 + 0.42 * rows))
    else:
        fig = ax.figure
    end = cluster.now
    top = rows + 1.6        # the y of the Figure 5 bar (server rows are 1..rows, S1 on top)

    def bar(y, start, stop, **style):
        ax.barh(y, stop - start, left=start, **style)

    for t in ts:
        stop = t.elected if t.elected is not None else t.end
        bar(top, t.start, stop, height=0.8, color=ELECTION, edgecolor="white", linewidth=1.5)
        middle = (t.start + t.end) / 2
        narrow = t.end - t.start < 0.12 * end
        ax.text(middle, top + 0.55, f"term {t.term}", ha="center", va="bottom",
                fontsize=10.5 if narrow else 12)
        if t.leader is None:
            ax.text(middle, top - 0.55, "split vote" if t.split else "no leader",
                    ha="center", va="top", fontsize=11.5, color=SPLIT)
            continue
        crashed = leader_down(cluster, t)
        tenure_end = crashed if crashed is not None else t.end
        bar(top, t.elected, tenure_end, height=0.8, color=NORMAL, edgecolor="white",
            linewidth=1.5)
        ax.text((t.elected + tenure_end) / 2, top, f"S{t.leader}", ha="center", va="center",
                fontsize=12, color="white", fontweight="bold")
        if crashed is not None:
            bar(top, crashed, t.end, height=0.8, color=DOWN, edgecolor="white", linewidth=1.5)
    for i, row in zip(ids, range(rows, 0, -1)):
        for start, stop, term, alive in spans[i]:
            if not alive:
                bar(row, start, stop, height=0.62, color="white", edgecolor="#999999",
                    hatch="////", linewidth=0.6)
                continue
            fill = term_colour(term)
            bar(row, start, stop, height=0.62, color=fill, edgecolor="#d0d7de" if term == 0
                else "white", linewidth=0.8)
            if stop - start > 0.05 * end:
                ax.text((start + stop) / 2, row, str(term), ha="center", va="center",
                        fontsize=11, color=text_on(fill) if term else "#6e7781")
    ax.set_yticks([top] + list(range(rows, 0, -1)), ["terms"] + [f"S{i}" for i in ids])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(0.45, top + 1.45)
    ax.set_xlim(0, end)
    ax.set_xlabel("simulated time (ms)")
    ax.spines[["top", "right", "left"]].set_visible(False)
    handles = [Patch(color=ELECTION, label="election"),
               Patch(color=NORMAL, label="leader at work"),
               Patch(color=DOWN, label="leader down"),
               Patch(facecolor="white", edgecolor="#999999", hatch="////", label="crashed")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2,
              frameon=False, fontsize=11)
    fig.tight_layout()
    return fig
