"""The experiments behind the chapter "Talking to a Raft cluster" (dissertation chapter 6).

* :func:`read_costs`: what a read costs under each read mode, measured in the simulator: its
  latency as the client sees it, the messages between servers it adds, the log entries it
  appends (each a disk write on every server in a real system), and what the mode costs when no
  one reads at all (leases renew themselves with every heartbeat);
* :func:`cost_table` and :func:`cost_plot`: the same, as a table and a figure; :func:`cost_text`
  as plain text, which ``python -m raft.book.clients`` prints;
* :func:`beside`: a player and the linearizability checker's timeline side by side.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from html import escape

from ..sim.clients import CLIENT_MESSAGES
from ..sim.cluster import Cluster

#: The read modes measured, in the chapter's order, and how the chapter names them.
MODES = {"log": "through the log", "read_index": "ReadIndex", "lease": "lease",
         "follower": "follower read", "stale": "stale (unsafe)"}


@dataclass
class ReadCost:
    mode: str
    reads: int
    latency_ms: float           # median, call to return, as the client sees it
    messages_per_read: float    # server-to-server messages a read adds (beyond idle traffic)
    entries_per_read: float     # log entries a read appends
    idle_per_second: float      # server messages per second with no client at all
    linearizable: bool          # the mode's history passed the checker in this run

    @property
    def name(self):
        return MODES[self.mode]


def _server_messages(cluster):
    return sum(count for kind, count in cluster.stats.items()
               if kind not in {cls.__name__ for cls in CLIENT_MESSAGES})


def read_costs(modes=tuple(MODES), reads=40, size=5, seed=3, think=30.0, latency=(10, 15)):
    """Measure each read mode on a healthy cluster of ``size`` servers: one client calls
    ``reads`` gets one after the other (``think`` ms apart) on a cluster that is otherwise idle;
    the same cluster left idle for as long gives the traffic to subtract. Follower reads are
    sent to a follower, the others to the leader. Returns a list of :class:`ReadCost`."""
    from ..linearizability import check
    out = []
    for mode in modes:
        cluster = Cluster(size=size, seed=seed, clients=1, reads=mode, latency=latency,
                          trace=False)
        cluster.run_until(lambda c: c.leader() is not None, 5000)
        leader = cluster.leader()
        target = leader if mode != "follower" else next(i for i in cluster.ids if i != leader)
        cluster.client_op(1, "put", "x", "1", to=leader)
        cluster.run_until(lambda c: not c.clients.client(1).busy, 2000)
        cluster.run(500)
        # Idle: no client, same length as the reads will take (about `reads` * round trip).
        before, start = _server_messages(cluster), cluster.now
        entries_before = cluster.nodes[leader].log.last_index
        cluster.run(reads * (think + 50))
        idle = (_server_messages(cluster) - before) / (cluster.now - start)
        before, start = _server_messages(cluster), cluster.now
        for _ in range(reads):
            cluster.client_op(1, "get", "x", to=target)
            cluster.run_until(lambda c: not c.clients.client(1).busy, 2000)
            cluster.run(think)
        spent = _server_messages(cluster) - before - idle * (cluster.now - start)
        ops = [op for op in cluster.clients.operations() if op.f == "get"]
        latency_ms = statistics.median(op.ret[0] - op.call[0] for op in ops)
        entries = cluster.nodes[leader].log.last_index - entries_before
        verdict = check(cluster.client_history(), "kv")
        out.append(ReadCost(mode, len(ops), round(latency_ms, 1), round(spent / len(ops), 1),
                            round(entries / len(ops), 2), round(idle * 1000, 1), verdict.ok))
    return out


def cost_table(costs):
    """The costs as an HTML table (a notebook and the book show it as is)."""
    head = ["read mode", "latency (median, ms)", "messages per read", "log entries per read",
            "server messages per second, idle", "linearizable here"]
    rows = []
    for c in costs:
        cells = [c.name, f"{c.latency_ms:g}", f"{c.messages_per_read:g}",
                 f"{c.entries_per_read:g}", f"{c.idle_per_second:g}",
                 "yes" if c.linearizable else "no"]
        rows.append("<tr>" + "".join(f"<td>{escape(x)}</td>" for x in cells) + "</tr>")
    return _Html('<table class="read-costs"><thead><tr>'
                 + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead><tbody>"
                 + "".join(rows) + "</tbody></table>")


def cost_text(costs):
    """The costs as a plain-text table (``python -m raft.book.clients`` prints it)."""
    head = ["read mode", "latency ms", "msgs/read", "entries/read", "idle msgs/s",
            "linearizable"]
    rows = [[c.name, f"{c.latency_ms:g}", f"{c.messages_per_read:g}", f"{c.entries_per_read:g}",
             f"{c.idle_per_second:g}", "yes" if c.linearizable else "no"] for c in costs]
    widths = [max(len(r[k]) for r in [head] + rows) for k in range(len(head))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in [head] + rows)


def cost_plot(costs):
    """Latency and messages per read, one bar each per mode (a matplotlib figure)."""
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.5, 3.0), constrained_layout=True)
    names = [c.name.replace(" (unsafe)", "\n(unsafe)").replace(" read", "\nread")
             .replace("through the", "through\nthe") for c in costs]
    colours = ["#0072B2", "#009E73", "#E69F00", "#CC79A7", "#999999"][:len(costs)]
    left.bar(names, [c.latency_ms for c in costs], color=colours)
    left.set_ylabel("ms, call to return")
    left.set_title("Latency of a read")
    right.bar(names, [c.messages_per_read for c in costs], color=colours)
    right.set_ylabel("server messages")
    right.set_title("Messages a read adds")
    for ax in (left, right):
        ax.tick_params(axis="x", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    return fig


class _Html:
    def __init__(self, html):
        self.html = html

    def _repr_html_(self):
        return self.html


def beside(player, verdict, caption=""):
    """A player (``raft.viz.play``) and a checker's verdict (its timeline SVG and explanation)
    side by side where there is room for both, else the timeline under the player. The timeline
    keeps at least 340 px, so that its text stays about 12 px high (it shrank to 8 px in a
    column beside the player)."""
    svg = verdict.svg()
    words = escape(verdict.explanation)
    return _Html(
        '<div style="display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start">'
        f'<div style="flex:1 1 460px;min-width:0">{player.html()}</div>'
        '<figure style="flex:1 1 340px;min-width:min(340px,100%);margin:0;max-width:480px">'
        f'<div style="overflow-x:auto">{svg}</div>'
        '<figcaption style="font-size:13px"><details><summary>The checker\'s explanation'
        f'</summary><pre style="white-space:pre-wrap;font-size:12px">{words}</pre></details>'
        f'{escape(caption)}</figcaption></figure></div>')


if __name__ == "__main__":
    print("One client, 40 reads 30 ms apart, on an idle healthy cluster of 5 servers (latency "
          "10-15 ms each way, seed 3); messages are between servers, beyond the idle traffic.")
    print(cost_text(read_costs()))
