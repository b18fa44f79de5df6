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
  searches are :data:`ZOO_SEARCHES` (single-server changes, and a client's retried command,
  which no lab grades) followed by every lab's;
* a client bug of the zoo (:data:`raft.classroom.bugs.CLIENT_BUGS`) is judged by the
  linearizability checker on its own story with clients: the stories are every lab's, the
  random schedules its story's seeds (``raft.bugs.hunt_client_bug``), and the searches as for
  the zoo, if the model can run the node as its story does. Reads that bypass the log are not
  actions of the model, which refuses a node with ``reads`` other than ``"log"`` by name: the
  table then says "not in the model", with the checker's own reason.

The book's model-checking appendix shows the table (computed when the book is built) and
``tests/test_mc_table.py`` checks what it must say.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigurationError
from ..fuzz.counterexample import find_counterexample
from ..mc import check as mc_check
from .bugs import BUGS, CLIENT_BUGS, hunt_client_bug
from .grade_mc import STATES, searches
from .grade_mistakes import MISTAKES
from .grader import _run_story
from .labs import LABS

#: Searches the zoo gets before every lab's: single-server changes on four servers (the 2015
#: bug), and a client command sent again with its serial number (a lost answer, §6.3).
ZOO_SEARCHES = (
    ("servers=4 max_term=1 commands=0 crashes=0 changes=1 membership=single",
     dict(servers=4, max_term=1, commands=0, crashes=0, changes=1, membership="single")),
    ("servers=3 max_term=1 commands=1 crashes=0 retries=1",
     dict(max_term=1, commands=1, crashes=0, retries=1)),
)
#: The groups of rows, in the order of the totals.
GROUPS = ("lab solutions", "zoo bugs", "client bugs")

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
    outside: str | None = None   # why the model checker cannot run the node ("not in the model")

    @property
    def group(self):
        return 2 if self.kind == "client bug" else 1 if self.kind == "zoo" else 0

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


def client_row(name, *, states=STATES):
    """A client bug: every lab's stories, its own story's seeds judged by the linearizability
    checker, and the zoo's searches if the model can run the node with the reads its story
    uses (else ``outside`` says why not, in the checker's words)."""
    cls = CLIENT_BUGS[name]
    every = [LABS[n] for n in sorted(LABS)]
    found = hunt_client_bug(name)
    cluster = found.cluster if found is not None else cls.story(0, cls)
    modes = sorted({node.reads for node in cluster.nodes.values()})
    as_run = cls
    if modes != [cls.reads]:
        as_run = type(cls.__name__, (cls,), {"reads": modes[0], "__module__": cls.__module__})
    model = outside = None
    try:
        mc_check(as_run, max_states=1, time_budget=None)
    except ConfigurationError as e:
        outside = f"not in the model (its story runs it with reads={modes[0]!r}): {e}"
    else:
        runs = list(ZOO_SEARCHES) + [run for lab in every for run in searches(lab)]
        model = _model(as_run, runs, states)
    return Row(name, "client bug", cls, _stories(cls, every),
               None if found is None else f"seed {found.seed}: not linearizable", model,
               outside)


def table(*, states=STATES):
    """Every known-wrong node's row: the lab solutions (in lab order), the zoo, then the zoo's
    client bugs."""
    rows = [lab_row(cls, lab, states=states) for cls, lab in MISTAKES]
    rows += [zoo_row(name, states=states) for name in BUGS]
    rows += [client_row(name, states=states) for name in CLIENT_BUGS]
    return rows


def totals(rows):
    """For each method: how many it catches in each of :data:`GROUPS` (lab solutions, zoo bugs,
    client bugs); how many rows each group has ("groups"); how many rows the model cannot run
    ("not in the model"); how many the model checker catches and the random schedules miss;
    how many no method catches."""
    groups = [[r for r in rows if r.group == g] for g in range(len(GROUPS))]
    out = {}
    for k, method in enumerate(METHODS):
        out[method] = tuple(sum(r.caught()[k] for r in group) for group in groups)
    out["groups"] = tuple(len(group) for group in groups)
    out["not in the model"] = tuple(sum(r.outside is not None for r in group)
                                    for group in groups)
    out["model checker, not random"] = sum(r.caught()[2] and not r.caught()[1] for r in rows)
    out["none"] = sum(not any(r.caught()) for r in rows)
    return out


def _caught_text(t, method, bold):
    """``16 of 16 lab solutions, 11 of 11 zoo bugs, 1 of 4 client bugs (3 not in the model)``
    (groups without rows left out)."""
    parts = []
    for g, name in enumerate(GROUPS):
        if t["groups"][g]:
            parts.append(bold(f"{t[method][g]} of {t['groups'][g]}") + f" {name}")
    text = ", ".join(parts)
    outside = sum(t["not in the model"])
    if method == "model checker" and outside:
        text += f" ({outside} not in the model)"
    return text


def _cells(r):
    """The three method cells of a row: (short text, full text or "") each."""
    out = []
    for text, short in ((r.stories, lambda t: ""), (r.random, lambda t: t.split(":")[0]),
                        (r.model, lambda t: t.split(":")[0])):
        out.append(("–", "") if text is None else (("✔ " + short(text)).strip(), text))
    if r.outside is not None:
        out[2] = ("not in the model", r.outside)
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
    caught = "".join(f"<td>{_caught_text(t, m, lambda x: f'<strong>{x}</strong>')}</td>"
                     for m in METHODS)
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
    lines.append("| **caught** | | " + " | ".join(
        _caught_text(t, m, lambda x: f"**{x}**") for m in METHODS) + " |")
    return "\n".join(lines)
