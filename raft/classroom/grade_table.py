"""Which of the grader's methods catches which known-wrong node: measured, never typed.

Three methods look for mistakes: the labs' *stories* (scenario scripts with expectations,
:mod:`raft.classroom.stories`), seeded *random schedules* of faults (:mod:`raft.fuzz`), and the
bounded *model checker* (:mod:`raft.mc`, as the grader runs it: :mod:`raft.classroom.grade_mc`).
:func:`table` runs each method on each known-wrong node, the lab solutions of
:mod:`raft.classroom.grade_mistakes` and the bugs of the zoo (:mod:`raft.classroom.bugs`):

* a lab solution gets exactly what the grader gives it for its lab: the lab's stories, the lab's
  random schedules (its profile, seeds 0..39, not shrunk) and the lab's searches;
* a bug of the zoo belongs to no lab: the stories are every lab's, the random schedules are the
  bug's own (``python -m raft.grade bug NAME``: its profile, seeds below its bound), and the
  searches are :data:`ZOO_SEARCHES` (single-server changes, which no lab grades) followed by
  every lab's.

The book's model-checking appendix shows the table (computed when the book is built) and
``tests/test_mc_table.py`` checks what it must say.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..fuzz.counterexample import find_counterexample
from ..mc import check as mc_check
from .bugs import BUGS
from .grade_mc import STATES, searches
from .grade_mistakes import MISTAKES
from .grader import _run_story
from .labs import LABS

#: Searches the zoo gets after every lab's: single-server changes on four servers (the 2015 bug).
ZOO_SEARCHES = (
    ("servers=4 max_term=1 commands=0 crashes=0 changes=1 membership=single",
     dict(servers=4, max_term=1, commands=0, crashes=0, changes=1, membership="single")),
)

METHODS = ("stories", "random schedules", "model checker")


@dataclass
class Row:
    """One known-wrong node and what each method found: a short text, or None (missed)."""

    name: str
    kind: str          # "lab 3" or "zoo"
    node_class: type
    stories: str | None
    random: str | None
    model: str | None

    def caught(self):
        return (self.stories is not None, self.random is not None, self.model is not None)


def _stories(node_class, labs):
    for lab in labs:
        for name, story in lab.stories:
            if not _run_story(node_class, story).passed:
                return f"lab {lab.number}: {name}" if len(labs) > 1 else name
    return None


def _random(node_class, profile, seeds, stall_ms=None):
    kwargs = {} if stall_ms is None else dict(stall_ms=stall_ms)
    cx = find_counterexample(node_class, profile, seeds, minimize=False, **kwargs)
    return None if cx is None else f"seed {cx.seed}: {cx.finding.prop}"


def _model(node_class, runs, states):
    for _, kwargs in runs:
        result = mc_check(node_class, max_states=states, time_budget=None, **kwargs)
        v = result.violation
        if v is not None:
            return f"{v.length} action{'s' if v.length != 1 else ''}: {v.prop}"
    return None


def lab_row(node_class, lab, *, states=STATES):
    lab = LABS[lab] if isinstance(lab, int) else lab
    return Row(node_class.__name__, f"lab {lab.number}", node_class,
               _stories(node_class, [lab]),
               _random(node_class, lab.profile, range(lab.seeds), lab.stall_ms),
               _model(node_class, searches(lab), states))


def zoo_row(name, *, states=STATES):
    cls = BUGS[name]
    every = [LABS[n] for n in sorted(LABS)]
    runs = list(ZOO_SEARCHES) + [run for lab in every for run in searches(lab)]
    return Row(name, "zoo", cls, _stories(cls, every),
               _random(cls, cls.profile, range(cls.bound)),
               _model(cls, runs, states))


def table(*, states=STATES):
    """Every known-wrong node's row: the lab solutions (in lab order), then the zoo."""
    rows = [lab_row(cls, lab, states=states) for cls, lab in MISTAKES]
    rows += [zoo_row(name, states=states) for name in BUGS]
    return rows


def totals(rows):
    """For each method: (caught among the lab solutions, caught among the zoo's bugs); how
    many rows each group has ("groups"); how many the model checker catches and the random
    schedules miss; how many no method catches."""
    labs = [r for r in rows if r.kind != "zoo"]
    zoo = [r for r in rows if r.kind == "zoo"]
    out = {}
    for k, method in enumerate(METHODS):
        out[method] = (sum(r.caught()[k] for r in labs), sum(r.caught()[k] for r in zoo))
    out["groups"] = (len(labs), len(zoo))
    out["model checker, not random"] = sum(r.caught()[2] and not r.caught()[1] for r in rows)
    out["none"] = sum(not any(r.caught()) for r in rows)
    return out


def _cells(r):
    """The three method cells of a row: (short text, full text or "") each."""
    out = []
    for text, short in ((r.stories, lambda t: ""), (r.random, lambda t: t.split(":")[0]),
                        (r.model, lambda t: t.split(":")[0])):
        out.append(("–", "") if text is None else (("✔ " + short(text)).strip(), text))
    return out


def html(rows):
    """The table as HTML (for a page whose Markdown outputs render without tables): ✔ where a
    method catches the node, – where it does not; hovering a mark shows what it found."""
    from html import escape

    head = "".join(f"<th>{h}</th>" for h in ("known-wrong node", "where") + METHODS)
    lines = ['<table class="table mc-methods">', f"<thead><tr>{head}</tr></thead>", "<tbody>"]
    for r in rows:
        cells = "".join((f'<td title="{escape(full)}">' if full else "<td>") +
                        f"{escape(short)}</td>" for short, full in _cells(r))
        lines.append(f"<tr><td><code>{escape(r.name)}</code></td><td>{r.kind}</td>{cells}</tr>")
    t = totals(rows)
    n_labs, n_zoo = t["groups"]
    caught = "".join(f"<td><strong>{t[m][0]} of {n_labs}</strong> lab solutions, "
                     f"<strong>{t[m][1]} of {n_zoo}</strong> zoo bugs</td>" for m in METHODS)
    lines += [f"<tr><td><strong>caught</strong></td><td></td>{caught}</tr>", "</tbody>",
              "</table>"]
    return "\n".join(lines)


def markdown(rows):
    """The table in Markdown: ✔ where a method catches the node (with the random schedule's
    seed, the model checker's shortest run in actions), – where it does not."""
    lines = ["| known-wrong node | where | stories | random schedules | model checker |",
             "|---|---|---|---|---|"]
    for r in rows:
        cells = " | ".join(short for short, _ in _cells(r))
        lines.append(f"| `{r.name}` | {r.kind} | {cells} |")
    t = totals(rows)
    n_labs, n_zoo = t["groups"]
    lines.append("| **caught** | | " + " | ".join(
        f"**{t[m][0]} of {n_labs}** lab solutions, **{t[m][1]} of {n_zoo}** zoo bugs"
        for m in METHODS) + " |")
    return "\n".join(lines)
