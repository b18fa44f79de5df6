"""Membership-change scenarios for the book's chapter on joint consensus (§6 of the paper).

Theory of operation
-------------------
Each function here builds a :class:`~raft.sim.cluster.Cluster`, drives it through one story from
§6 (or from chapter 4 of Ongaro's dissertation) with ordinary cluster calls, checks that the
story really happened (raising :class:`~raft.errors.ScenarioError` if a seed or a change in the
core made it go differently), and returns the cluster together with the step numbers a chapter
needs to animate the interesting part (``raft.viz.play(cluster, start=...)``).

* :func:`figure10`: the unsafe direct switch from C_old = {1,2,3} to C_new = {1,2,3,4,5}, with
  a partition and a crash arranged so that S1 (using C_old) and S4 (using C_new) are both
  elected in the same term. With ``check_invariants=True`` the safety checker raises
  Election Safety at the step the second leader wins.
* :func:`change`: a safe change with joint consensus from a 3-server cluster to any new set of
  voters (growing, replacing servers, removing the leader).
* :func:`catch_up`: a new server with a long log to catch up, showing the rounds of the
  dissertation's §4.2.1 (and, with ``crash_new=True``, a change abandoned because the new server
  never catches up).
* :func:`removed_server`: a server removed by a change that never learns about C_new; it keeps
  campaigning with ever higher terms. With ``disruption_guard=False`` it deposes leader after
  leader; with the guard of §6 the cluster ignores it.
* :func:`leader_timeline`: steps a cluster and records who led when, to measure disruption.

Nothing here changes the algorithm: the scenarios only use the simulator's public calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..sim.cluster import Cluster
from ..errors import ScenarioError
from ..node import LEADER, Configuration, Node

C_OLD = (1, 2, 3)
C_NEW = (1, 2, 3, 4, 5)


@dataclass
class Marks:
    """Step numbers (and a few facts) worth pointing at in a scenario."""

    steps: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.steps[name]


def _require(condition, what):
    if not condition:
        raise ScenarioError(f"the scenario did not go as planned: {what}")


def _config_voters(cluster, i):
    return tuple(sorted(cluster.nodes[i].config.voters))


# -- Figure 10 -----------------------------------------------------------------------------------

def figure10(check_invariants=False, seed=1):
    """Switch directly from {1,2,3} to {1,2,3,4,5} and get two leaders in one term.

    The story, step by step:

    1. S3 leads {1,2,3} in term 1 and a client command is committed.
    2. S3 appends C_new = {1,2,3,4,5} (the *unsafe* switch: no joint configuration) and sends it.
    3. At once the network splits S1 S2 | S3 S4 S5, so S1 and S2 never receive C_new: they still
       use C_old. S4 and S5 (new, empty servers) receive it and from then on use C_new.
    4. S3 crashes before it hears back, so C_new is never committed; it restarts a moment later
       from its disk, which holds C_new.
    5. S1 times out (we force it, to keep the story short): it needs 2 votes of C_old and gets
       them from itself and S2. It leads term 2.
    6. S4 times out: it needs 3 votes of C_new and gets them from itself, S3 and S5. It also
       leads term 2. Two leaders in one term: Election Safety is broken.

    Returns ``(cluster, marks)``; with ``check_invariants=True`` the last step raises
    :class:`~raft.errors.InvariantViolation` instead of returning.
    """
    c = Cluster(size=3, seed=seed, check_invariants=check_invariants)
    m = Marks()
    c.elect(3)
    c.submit("x=1")
    c.run_until(lambda c: all(c.nodes[i].commit_index >= 2 for i in C_OLD), 1000)
    m.steps["start"] = c.steps
    c.change_membership(C_NEW, unsafe=True)
    m.steps["switch"] = c.steps
    c.partition([1, 2], [3, 4, 5])
    m.steps["partition"] = c.steps
    _require(c.run_until(lambda c: all(_config_voters(c, i) == C_NEW for i in (4, 5)), 2000),
             "S4 and S5 never received C_new")
    config_index = c.nodes[3].log.last_index
    _require(c.nodes[3].commit_index < config_index, "S3 committed C_new before crashing")
    c.crash(3)
    m.steps["crash"] = c.steps
    c.restart(3)
    _require(_config_voters(c, 3) == C_NEW, "S3 restarted without C_new")
    _require(all(_config_voters(c, i) == C_OLD for i in (1, 2)), "S1 or S2 learned C_new")
    m.steps["c_old_election"] = c.steps
    c.timeout(1)
    _require(c.run_until(lambda c: c.nodes[1].role == LEADER, 1000), "S1 did not win in C_old")
    term = c.nodes[1].current_term
    m.steps["c_old_leader"] = c.steps
    m.steps["c_new_election"] = c.steps
    c.timeout(4)
    won = c.run_until(lambda c: c.nodes[4].role == LEADER, 1000)
    _require(won, "S4 did not win in C_new")
    m.steps["c_new_leader"] = c.steps
    _require(c.nodes[4].current_term == term and c.nodes[1].role == LEADER,
             "the two leaders are not in the same term")
    m.facts.update(term=term, leaders=(1, 4), config_index=config_index)
    return c, m


# -- joint consensus -----------------------------------------------------------------------------

def change(new_voters, leader=1, seed=2, commands=3, check_invariants=True, timeout=5000):
    """Move a 3-server cluster led by ``leader`` to ``new_voters`` with joint consensus (§6).

    Returns ``(cluster, marks)`` with marks ``start`` (the step before the request), ``joint``
    (the leader appended C_old,new), ``joint_committed``, ``new`` (C_new appended) and ``done``
    (C_new committed, and a leader of C_new is in charge)."""
    new_voters = tuple(sorted(new_voters))
    c = Cluster(size=3, seed=seed, check_invariants=check_invariants)
    m = Marks()
    c.elect(leader)
    for k in range(commands):
        c.submit(f"k{k}={k}")
    c.run_until(lambda c: all(c.nodes[i].commit_index == c.nodes[leader].log.last_index
                              for i in C_OLD), 1000)
    m.steps["start"] = c.steps
    c.change_membership(new_voters)
    m.steps["request"] = c.steps
    lead = c.nodes[leader]

    def leader_config():
        return lead.config

    _require(c.run_until(lambda c: leader_config().is_joint, timeout), "no C_old,new appended")
    m.steps["joint"] = c.steps
    joint_index = max(i for i in range(1, lead.log.last_index + 1)
                      if lead.log[i].kind == "config")
    _require(c.run_until(lambda c: not leader_config().is_joint, timeout),
             "C_old,new was never committed")
    m.steps["joint_committed"] = c.steps
    m.steps["new"] = c.steps
    _require(c.run_until(lambda c: c.leader() is not None
                         and c.leader() in new_voters
                         and not c.nodes[c.leader()].config_change_in_progress(), timeout),
             "C_new was never committed under a leader in C_new")
    m.steps["done"] = c.steps
    m.facts.update(joint_index=joint_index, leader=c.leader(),
                   term=c.nodes[c.leader()].current_term)
    return c, m


def catch_up(entries=40, seed=3, crash_new=False, fast_backoff=False):
    """Add S4 to {1,2,3} when the leader's log already holds ``entries`` commands.

    S4 starts empty, so the leader first replicates to it as a non-voting member. The function
    records, after every step, how many catch-up rounds the leader has begun, and returns
    ``(cluster, marks)`` with ``facts['rounds']`` (rounds used), ``facts['outcome']`` ("joined"
    or "abandoned") and ``facts['round_log']`` (time each round began, and its target index).
    With ``crash_new=True`` S4 crashes as soon as it is created and never catches up."""
    c = Cluster(size=3, seed=seed, check_invariants=True, fast_backoff=fast_backoff)
    m = Marks()
    c.elect(1)
    for k in range(entries):
        c.submit(f"k{k}={k}")
    c.run_until(lambda c: all(c.nodes[i].commit_index == c.nodes[1].log.last_index
                              for i in C_OLD), 2000)
    m.steps["start"] = c.steps
    c.change_membership((1, 2, 3, 4))
    if crash_new:
        c.crash(4)
    lead = c.nodes[1]
    rounds, round_log = 0, []
    end = c.now + 10_000
    while c.now < end:
        change = lead.pending_change
        if change is not None and change.rounds > rounds:
            rounds = change.rounds
            round_log.append((change.round_start, change.round_target))
        if change is None and (lead.config.is_joint or 4 in lead.config.voters
                               or not lead.learners):
            break
        if c.step() is None:
            break
    joined = 4 in lead.config.members
    m.steps["end"] = c.steps
    m.facts.update(rounds=rounds, round_log=round_log,
                   outcome="joined" if joined else "abandoned",
                   log_length=lead.log.last_index)
    return c, m


# -- removed servers -----------------------------------------------------------------------------

def removed_server(disruption_guard, seed=4, watch=2000, node_class=Node):
    """Remove S3 from {1,2,3} (C_new = {1,2,4}) while S3 is cut off, so it never learns.

    S3 holds C_old,new, in which it is still a voter, and it hears no heartbeats: it times out
    again and again with ever higher terms. The partition heals once C_new is committed, and we
    watch the cluster for ``watch`` ms. Returns ``(cluster, marks)`` with ``facts['timeline']``
    from :func:`leader_timeline` and ``steps['heal']``. ``node_class`` lets an exercise run the
    same story with a variant of the guard (a subclass of :class:`~raft.node.Node`)."""
    c = Cluster(size=3, seed=seed, check_invariants=True, disruption_guard=disruption_guard,
                node_class=node_class)
    m = Marks()
    c.elect(1)
    c.submit("x=1")
    c.run_until(lambda c: all(c.nodes[i].commit_index >= 2 for i in C_OLD), 1000)
    m.steps["start"] = c.steps
    c.change_membership((1, 2, 4))
    lead = c.nodes[1]
    _require(c.run_until(lambda c: lead.config == Configuration(frozenset({1, 2, 4})), 5000),
             "the leader never appended C_new")
    c.partition([1, 2, 4], [3])
    m.steps["cut"] = c.steps
    _require(c.nodes[3].config.is_joint, "S3 did not hold C_old,new when it was cut off")
    _require(c.run_until(lambda c: not lead.config_change_in_progress(), 5000),
             "C_new was never committed")
    c.run(400)   # S3 times out a few times while cut off: its term climbs
    m.steps["heal"] = c.steps
    m.facts["s3_term_at_heal"] = c.nodes[3].current_term
    c.heal()
    m.facts["timeline"] = leader_timeline(c, watch)
    m.steps["end"] = c.steps
    return c, m


@dataclass
class Timeline:
    """Who led, when: ``spans`` is a list of (start, end, leader id or None, its term or None)."""

    spans: list
    start: float
    end: float

    @property
    def leaderless_ms(self):
        return sum(e - s for s, e, who, _ in self.spans if who is None)

    @property
    def leaders(self):
        """The distinct (leader, term) pairs seen, in order."""
        seen = []
        for _, _, who, term in self.spans:
            if who is not None and (who, term) not in seen:
                seen.append((who, term))
        return seen

    @property
    def leader_changes(self):
        """How many times leadership passed to a new (leader, term) after the first."""
        return max(0, len(self.leaders) - 1)


def leader_timeline(cluster, ms):
    """Step ``cluster`` for ``ms`` simulated milliseconds and record who led, step by step.

    The leader at each moment is the running leader with the highest term (``cluster.leader``);
    a leader that has been deposed but does not know it yet still counts, as it would for a
    client that reaches it."""
    start = cluster.now
    end = start + ms
    spans = []

    def current():
        who = cluster.leader()
        return who, (cluster.nodes[who].current_term if who is not None else None)

    seen = {"state": current(), "since": cluster.now}

    def record(c):
        now_state = current()
        if now_state != seen["state"]:
            spans.append((seen["since"], c.now, *seen["state"]))
            seen["state"], seen["since"] = now_state, c.now
        return False  # never stop early: run_until then runs the whole ``ms``

    cluster.run_until(record, timeout=ms)
    spans.append((seen["since"], end, *seen["state"]))
    return Timeline(spans, start, end)


# -- small tables for the chapter ----------------------------------------------------------------

def configs_at(cluster, step):
    """The configuration each server uses after ``step``: {id: (Configuration, role, term)}.
    Servers that did not exist yet are left out; a crashed server shows what its disk holds."""
    twin = cluster.replay(step)
    out = {}
    for i, n in sorted(twin.nodes.items()):
        role = "crashed" if i in twin.crashed else n.role
        out[i] = (n.config, role, n.current_term)
    return out


def config_names(configs):
    """Short names for the configurations of one change: {Configuration: name}. C_old is the
    first one with members, C_new the last one that is neither C_old nor joint, and C_old,new
    the joint one between them; any other configuration keeps its set notation."""
    plain = [c for c in configs if c.members and not c.is_joint]
    old = plain[0]
    new = next((c for c in reversed(plain) if c != old), None)
    names = {old: "C_old"}
    if new is not None:
        names[new] = "C_new"
        names[Configuration(new.voters, old.voters)] = "C_old,new"
    return names


def config_table_html(cluster, moments):
    """An HTML table: one row per (label, step) in ``moments``, one column per server, each
    cell the configuration that server uses then, by its short name (C_old, C_old,new, C_new,
    spelled out above the table) so the table fits a phone, with ``L<term>`` marking a leader."""
    import html
    tables = [(label, configs_at(cluster, step)) for label, step in moments]
    names = config_names([c for _, t in tables for c, _, _ in t.values()])
    ids = sorted({i for _, t in tables for i in t})
    head = "".join(f"<th>S{i}</th>" for i in ids)
    rows = []
    for label, t in tables:
        cells = []
        for i in ids:
            if i not in t:
                cells.append("<td>—</td>")
                continue
            config, role, term = t[i]
            text = names.get(config) or (str(config) if config.members else "none")
            mark = {"leader": f" <b>L{term}</b>", "crashed": " (down)"}.get(role, "")
            cells.append(f"<td>{_subscripts(text)}{mark}</td>")
        rows.append(f"<tr><th>{_subscripts(label)}</th>{''.join(cells)}</tr>")
    legend = ", ".join(f"{name} = {config}" for config, name in names.items()
                       if not config.is_joint)
    # If a table is still too wide for a screen, it scrolls inside its box, not the page.
    return (f"<p class='raft-config-legend' style='margin-bottom:0.3em'>{_subscripts(legend)}</p>"
            "<div style='overflow-x:auto;max-width:100%'>"
            "<table class='raft-config-table' style='font-size:0.8em'>"
            "<thead><tr><th>moment</th>" + head + "</tr></thead><tbody>" + "".join(rows)
            + "</tbody></table></div>")


def _subscripts(text):
    """Escape ``text`` for HTML and write C_old, C_new and C_old,new as the paper does."""
    import html
    import re
    return re.sub(r"C_(old,new|old|new)", r"C<sub>\1</sub>", html.escape(text))
