"""The state table: each server's Figure 2 state at one step, as a small HTML table."""

from __future__ import annotations

from .svg import esc

def state_rows(snap):
    """The table as plain data: one dict per server."""
    leader = snap.leader()
    lv = snap.nodes[leader] if leader is not None else None
    rows = []
    for i, n in sorted(snap.nodes.items()):
        rows.append({
            "server": f"S{i}",
            "role": "crashed" if n.crashed else n.role,
            "current_term": n.current_term,
            "voted_for": "–" if n.voted_for is None else f"S{n.voted_for}",
            "log": f"{len(n.log)}" + (f" (t{n.log[-1].term})" if n.log else ""),
            "commit_index": n.commit_index,
            "last_applied": n.last_applied,
            "next_index": lv.next_index.get(i, "") if lv is not None and i != leader else "",
            "match_index": lv.match_index.get(i, "") if lv is not None and i != leader else "",
        })
    return rows


# (key, header, tooltip)
COLUMNS = (("server", "", ""), ("role", "role", ""),
           ("current_term", "term", "current_term"), ("voted_for", "voted", "voted_for"),
           ("log", "log", "log length (term of the last entry)"),
           ("commit_index", "commit", "commit_index"), ("last_applied", "applied", "last_applied"),
           ("next_index", "next", "the leader's next_index for this server"),
           ("match_index", "match", "the leader's match_index for this server"))


#: The table's CSS, given once per page part (player, picture, explorer), not per frame.
TABLE_CSS = (".raft-state{margin:0;border-collapse:collapse;font-size:0.78em;line-height:1.25;"
             "font-variant-numeric:tabular-nums;white-space:nowrap}"
             ".raft-state th,.raft-state td{padding:1px 4px;text-align:left}"
             ".raft-state th{border-bottom:1px solid #d0d7de}"
             ".raft-state abbr{text-decoration:none}"
             ".raft-state .crashed{color:#6e7781}.raft-state .leader{font-weight:600}"
             ".raft-table{overflow-x:auto;max-width:100%}"
             # On a phone: smaller type and tighter cells, so all nine columns fit the column.
             "@media (max-width:480px){.raft-state{font-size:0.7em}"
             ".raft-state th,.raft-state td{padding:1px 2px}}")


def state_table_html(snap):
    rows = state_rows(snap)
    th = "".join(f'<th><abbr title="{esc(tip)}">{esc(head)}</abbr></th>' if tip
                 else f"<th>{esc(head)}</th>" for _, head, tip in COLUMNS)
    body = []
    for r in rows:
        cls = f' class="{r["role"]}"' if r["role"] in ("crashed", "leader") else ""
        tds = "".join(f"<td>{esc(r[k])}</td>" for k, _, _ in COLUMNS)
        body.append(f"<tr{cls}>{tds}</tr>")
    return (f'<div class="raft-table"><table class="raft-state"><thead><tr>{th}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')
