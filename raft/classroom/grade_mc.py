"""The grader's third stage: a bounded model check of the student's node (:mod:`raft.mc`).

After the stories and the random schedules, ``raft.grade.check`` runs each lab's *searches*
(:data:`LAB_SEARCHES`): one to three breadth-first searches of every run of a small cluster
within small bounds, each stopped after :data:`STATES` distinct states (a count, not a time, so
the verdict is the same on every machine). The first violation found is the shortest run that
breaks a property of Figure 3 or a rule of Figure 2 within those bounds; the report shows it in
the grader's words (the property or rule, the run as a scenario, its key events and a replay
call for ``raft.viz.play``). Otherwise it says how many states were explored, with no violation.

Each lab's searches are chosen so that every known-wrong solution of the lab that the model can
express is found within the budget (``raft.classroom.grade_table`` measures which method catches
which; ``tests/test_mc_grader.py`` checks it): a lab's mistakes need different faults,
so a lab has a few narrow searches rather than one wide one. A search may start from the
starting state of one of the lab's stories (its logs, terms and votes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..fuzz.counterexample import key_events
from ..mc import EXCEPTION, check as mc_check
from ..mc.result import Bounds, make_bounds
from ..script import scenario as scenario_mod
from .labs import _lab

#: Distinct states each search may explore: about half a second of CPU here
#: (``scripts/bench_mc.py`` prints the rate), a few times more in a browser. The hardest
#: known-wrong lab solution the searches find needs about 11,000 in its search
#: (``tests/test_mc_grader.py`` holds every one of them to this budget).
STATES = 20_000

# The bounds of the searches, by lab. Every search keeps its term, command and crash counts
# small and leaves the rest at the checker's defaults (one message in flight per link, no
# losses, no copies) unless it names them.
_ELECTION = dict(max_term=3, commands=0, crashes=1, per_link=2)
LAB_SEARCHES = {
    # Lab 1: replies and requests of earlier terms need a second message on a link.
    1: (_ELECTION,),
    # Lab 2: a late or copied acknowledgement; an earlier term's reply arriving after a newer
    # election (one message lost); a stale entry behind what a message vouches for (from the
    # starting state of the story that shows it).
    2: (dict(max_term=1, commands=2, crashes=0, per_link=2, duplicates=1),
        dict(max_term=3, commands=0, crashes=0, drops=1, heartbeats=0, waits=0),
        dict(max_term=4, commands=0, crashes=0, story="vouches for")),
    # Lab 3: Figure 8's leaders in a row, one entry per message; and four servers, where half
    # is not a majority.
    3: (dict(max_term=3, commands=1, crashes=0, drops=1, max_entries=1),
        dict(servers=4, max_term=1, commands=0, crashes=0)),
    # Lab 4: a vote or a term not written before a reply, then a crash.
    4: (dict(max_term=2, commands=1, crashes=1),),
    # Lab 5: a change of one or two servers (two at once needs joint consensus).
    5: (dict(max_term=1, commands=1, crashes=0, per_link=2, changes=1,
             targets=[(1,), (2,), (3,), (1, 2), (1, 3), (2, 3)]),),
    # Lab 6 (reads with ReadIndex): none. Reads are not actions of the model checker, so its
    # searches would never call the lab's methods; the lab's chaos runs with clients judge them.
    6: (),
}
#: The searches of a lab that has none of its own.
DEFAULT_SEARCHES = (dict(max_term=2, commands=1, crashes=1),)


def searches(lab):
    """The searches of ``lab`` (a Lab or its number): (a description, the keyword arguments of
    ``raft.mc.check``), the story's starting state filled in."""
    lab = _lab(lab)
    out = []
    for spec in LAB_SEARCHES.get(lab.number, DEFAULT_SEARCHES):
        kwargs = dict(spec)
        story = kwargs.pop("story", None)
        if story is not None:
            name, setup = _story_setup(lab, story)
            kwargs.update(setup)
        text = make_bounds(**{k: v for k, v in kwargs.items()
                              if k in Bounds.__dataclass_fields__}).text()
        if kwargs.get("max_entries") is not None:
            text += f" max_entries={kwargs['max_entries']}"
        if kwargs.get("fast_backoff"):
            text += " fast_backoff=yes"
        if "targets" in kwargs:
            text += " targets=" + ",".join("{" + ",".join(map(str, t)) + "}"
                                           for t in kwargs["targets"])
        if story is not None:
            text += f', from the starting state of the story "{name}"'
        out.append((text, kwargs))
    return out


def _story_setup(lab, part):
    matches = [(name, body) for name, body in lab.stories if part in name]
    if len(matches) != 1 or callable(matches[0][1]):
        raise ValueError(f"lab {lab.number} has no single scenario story named like {part!r}")
    name, body = matches[0]
    setup = scenario_mod.load(body).setup
    return name, dict(logs=setup.logs, terms=setup.terms, votes=setup.votes, servers=setup.size,
                      fast_backoff=setup.fast_backoff,
                      max_entries=setup.max_entries_per_message)


@dataclass
class ModelCheck:
    """What the grader's model check found: the results of the searches run (in order, up to
    the first that found a violation) and the violation (``raft.mc.Violation``) or None."""

    node_class: type
    lab: object
    results: list = field(default_factory=list)     # (description, raft.mc.Result)
    states_per_search: int = STATES

    @property
    def violation(self):
        return self.results[-1][1].violation if self.results else None

    @property
    def passed(self):
        return self.violation is None

    @property
    def states(self):
        return sum(r.states for _, r in self.results)

    def name(self):
        n = len(searches(self.lab))
        return (f"model check (every run within small bounds, breadth first: {n} search"
                f"{'es' if n != 1 else ''} of up to {self.states_per_search:,} states)")

    def summary(self):
        """One line: ``explored N states in K searches, no violation`` or what broke."""
        k = len(self.results)
        head = f"explored {self.states:,} distinct states in {k} search{'es' if k != 1 else ''}"
        v = self.violation
        if v is None:
            complete = sum(r.complete for _, r in self.results)
            done = ("explored completely" if complete == k else
                    "stopped at its budget" if k == 1 else
                    f"{complete} explored completely, {k - complete} stopped at the budget")
            return f"{head}, no violation ({done})"
        return f"{head}: {headline(v)} in {v.length} action{'s' if v.length != 1 else ''}"

    def message(self):
        """The report's text for this stage: the summary, and for a violation the shortest run
        as a scenario, its key events and a replay call."""
        v = self.violation
        if v is None:
            return self.summary()
        if v.prop == EXCEPTION and v.details.startswith("NotImplementedError"):
            return headline(v)   # nothing to watch yet
        text = self.results[-1][0]
        lines = [headline(v),
                 f"the shortest run within the bounds ({v.length} action"
                 f"{'s' if v.length != 1 else ''}, not counting lost or copied messages; "
                 f"search {len(self.results)}: {text}):"]
        lines += ["  " + line for line in v.scenario().splitlines()]
        try:
            events = key_events(v.cluster(check=False), limit=20)
        except Exception:  # noqa: BLE001 - a node that misbehaves on replay: skip the trace
            events = []
        if events:
            lines.append("what happened (key events; each 'fire' lets time pass first):")
            lines += ["  " + line for line in events]
        lines.append("replay it (then raft.viz.play(cluster)):")
        lines.append(f"  cluster = raft.grade.replay_model_check({self.node_class.__name__}, "
                     f"lab={self.lab.number})")
        k = len(self.results)
        lines.append(f"(found after exploring {self.states:,} distinct states in {k} "
                     f"search{'es' if k != 1 else ''})")
        return "\n".join(lines)


def headline(v):
    """A violation in the grader's words: ``<property> violated: ...``, ``rule broken: ...``,
    ``not written yet: ...`` or the exception the node raised."""
    from ..mc import ALL_PROPERTIES, RULES
    if v.prop == EXCEPTION:
        kind, _, rest = v.details.partition(": ")
        if kind == "NotImplementedError":
            return f"not written yet: {rest}"
        return f"{v.details} (raised by the node's own code)"
    if v.prop in RULES:
        return f"rule broken, {v.prop}: {v.details}"
    assert v.prop in ALL_PROPERTIES
    return f"{v.prop} violated: {v.details}"


def model_check(node_class, lab, *, states=None, progress=None):
    """Run ``lab``'s searches on ``node_class`` in order, stopping at the first violation;
    each explores at most ``states`` distinct states (default :data:`STATES`). ``progress``, if
    given, is called as ``progress(k, text)`` before search ``k`` (from 0)."""
    lab = _lab(lab)
    states = STATES if states is None else states
    found = ModelCheck(node_class, lab, states_per_search=states)
    for k, (text, kwargs) in enumerate(searches(lab)):
        if progress is not None:
            progress(k, text)
        result = mc_check(node_class, max_states=states, time_budget=None, **kwargs)
        found.results.append((text, result))
        if result.violation is not None:
            break
    return found


def replay_model_check(node_class, lab, *, states=None):
    """The shortest run the grader's model check found for ``node_class`` on ``lab``, rebuilt on
    a :class:`~raft.sim.manual.ManualCluster` stopped at the violation: give it to
    ``raft.viz.play``. (The search is run again: it is deterministic.)"""
    found = model_check(node_class, lab, states=states)
    if found.violation is None:
        raise ValueError(f"the model check of lab {found.lab.number} finds nothing wrong with "
                         f"{node_class.__name__}: {found.summary()}")
    return found.violation.cluster(check=False)
