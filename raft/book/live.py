"""What the book's pages run in the reader's browser, besides the explorer: exercises, labs, the zoo.

The pages run this module in Pyodide, in the web worker of ``_assets/raft-live-worker.js``, and
``_assets/raft-workbench.js`` calls its three functions by name. Each returns JSON text:

* :func:`run_cell` runs an exercise's code (the solution's code cells of the chapter, which the
  reader may have changed) after its *prelude* (the statements of the chapter's earlier cells it
  needs, found when the book is built: ``_ext/raft_live_cells.py``), in a fresh namespace, as
  Jupyter would: the last expression's value is shown, a player (``raft.viz.play``) or a
  picture as the painter draws it. The exercise's check (:mod:`raft.book.exercise_checks`, the
  very function the chapter's solution calls) gives its verdict in words. A Python exception
  comes back as its traceback, with the lines of the reader's code.
* :func:`grade_lab` grades a lab's file as ``python -m raft.grade labN file.py:StudentNode``
  does: the file is loaded as a module the way the shell grader loads it and graded by
  :func:`raft.grade.check`, so the verdict is the shell grader's word for word. A failed grade
  comes with the animation of the run that failed (the shrunk counterexample, replayed by
  :func:`raft.grade.replay`, else the failed story, by :func:`raft.grade.story_run`, else the
  model check's shortest run), pointing at the frame where it failed (a story's expectation
  and the value found, a stale read, a rule broken); the page offers the other failed runs.
* :func:`hunt_bug` switches a bug of the zoo on: :func:`raft.bugs.hunt` searches seeded fault
  schedules for a run the checker flags, shrinks it, and the player shows that run with its
  safety lights, red from the violating step on.

Progress (the stories, the schedules, the seeds tried) goes to the page's progress bar through
``raft_live_page.progress(fraction, text)``, a module the worker provides; elsewhere (tests, a
notebook) a ``progress`` callable can be passed, or nothing happens. Time limits are the page's
business: a grade that runs too long (a student's infinite loop) is stopped by terminating the
worker, the only way to stop Python that is busy.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import linecache
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .. import grade
from ..classroom import bugs
from ..classroom.reads import story_window
from ..check.properties import PROPERTIES
from ..classroom.grade_mc import headline as mc_headline
from ..classroom.mistakes import first_mistake
from ..errors import ConfigurationError
from ..viz.checks import InvariantMonitor
from ..viz.player import Player, select_frames
from ..viz.scene import scenes_of
from . import exercise_checks

#: The steps of a failed run the player shows (its last ones), and its frame cap.
LAST_STEPS = 80
MAX_FRAMES = 150
_HERE = str(Path(__file__).resolve())


def _dumps(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _progress_sink(progress):
    """The page's progress bar (``raft_live_page.progress``), the given callable, or None."""
    if progress is not None:
        return progress
    try:
        import raft_live_page   # provided by the page's worker only
    except ImportError:
        return None
    return raft_live_page.progress


# -- errors and displays ------------------------------------------------------------------------

def _error(exc):
    """An exception as data, its traceback without this module's own frames; ``line`` is the
    line of the reader's code (``<your code...>``) where it was raised, or None."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == _HERE:
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if frame.f_code.co_filename.startswith("<your code"):
            line = lineno
    return {"type": type(exc).__name__, "message": str(exc), "traceback": text, "line": line}


def _remember(filename, source):
    """Let tracebacks quote ``source`` (code compiled from a string, not from a file)."""
    lines = [line + "\n" for line in source.splitlines()]
    linecache.cache[filename] = (len(source), None, lines, filename)


def display_item(value):
    """How the page shows a value: a player or picture as the painter draws it (HTML), other
    HTML, or its repr."""
    if isinstance(value, Player):
        return {"kind": "player", "html": value.html(inline_js=False),
                "title": value.options.get("title", "")}
    html = getattr(value, "_repr_html_", None)
    if callable(html):
        text = html()
        if isinstance(text, str):
            return {"kind": "html", "html": text}
    return {"kind": "text", "text": repr(value)}


# -- exercises ----------------------------------------------------------------------------------

def run_cell(code, prelude="", label=""):
    """Run an exercise's code after its prelude, in a fresh namespace; returns JSON text:
    ``{"ok", "displays": [...], "feedback": [{"ok", "text", ...}], "error": null or {type,
    message, traceback, where}, "ms"}``. Print output goes to the worker's stdout (the page
    shows it as it comes). ``where`` is "prelude" for an error in the chapter's earlier code."""
    t0 = time.perf_counter()
    shown = []
    namespace = {"__name__": "__main__", "__builtins__": __builtins__,
                 "display": lambda *values: shown.extend(display_item(v) for v in values)}
    exercise_checks.take_feedback()
    echo, exercise_checks.ECHO = exercise_checks.ECHO, False
    error = None
    where = "prelude"
    try:
        if prelude.strip():
            _remember("<the chapter's earlier code>", prelude)
            exec(compile(prelude, "<the chapter's earlier code>", "exec"), namespace)
        where = "code"
        name = f"<your code{': ' + label if label else ''}>"
        _remember(name, code)
        tree = ast.parse(code, name)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, name, "exec"), namespace)
        if last is not None:   # shown as Jupyter shows a cell's last expression
            value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)
            if value is not None:
                shown.append(display_item(value))
    except (Exception, SystemExit) as exc:   # noqa: BLE001 - the reader's code: all is shown
        error = dict(_error(exc), where=where)
    finally:
        exercise_checks.ECHO = echo
    feedback = [f.as_dict() for f in exercise_checks.take_feedback()]
    return _dumps({"ok": error is None, "displays": shown, "feedback": feedback, "error": error,
                   "ms": round((time.perf_counter() - t0) * 1000, 1)})


# -- runs as players ----------------------------------------------------------------------------

def run_player(cluster, title, last=LAST_STEPS, *, start=None, end=None, moment=None,
               mistake=None):
    """The last ``last`` steps of a run (or its steps ``start`` to ``end``) as a player whose
    safety lights judge the whole run (a property broken before the first frame shows red from
    it on). ``moment``, (step, words), is a step to point to: its frame's caption ends with
    ``words`` and the note under the title says where it is. ``mistake``, a
    :class:`~raft.classroom.mistakes.Mistake` made before that moment, is pointed to likewise
    (the animation then starts a few steps before it); its frame is ``player.mistake_index``.
    Returns (player, index of the first frame with a red light or None, index of the moment's
    frame or None)."""
    snaps = list(cluster.history(0))
    monitor = InvariantMonitor()
    statuses = {s.step: dict(monitor.observe(s)) for s in snaps}
    first = max(0, cluster.steps - last) if start is None else start
    for point in (moment[0] if moment is not None else None,
                  mistake.step if mistake is not None else None):
        if point is not None and point < first:
            first = max(0, point - 20)      # the moment and a few steps that led there
    window = [s for s in snaps if s.step >= first and (end is None or s.step <= end)]
    kept, _skipped, _cut = select_frames(window, MAX_FRAMES)
    by_step = {s["step"]: s for s in scenes_of(window, statuses)}
    scenes = [by_step[s.step] for s in kept]
    red = next((k for k, s in enumerate(scenes) if any(not p["ok"] for p in s["safety"])), None)
    options = {"title": title}
    notes = []

    def point_at(step, words):
        # The frame that shows the state after that step (a step that changed nothing visible
        # has no frame of its own: the one before it looks the same).
        k = max((k for k, s in enumerate(kept) if s.step <= step), default=0)
        scene = scenes[k] = dict(scenes[k])
        scene["caption"] = f"{scene['caption'].rstrip('.')}. ✗ {words}"
        notes.append(f"✗ At frame {k + 1} of {len(scenes)} (step {step}): {words}")
        return k

    mistake_at = at = None
    if mistake is not None:
        mistake_at = point_at(mistake.step, f"the mistake: {mistake.text()}")
    if moment is not None:
        at = point_at(*moment)
    if notes:
        options["note"] = "\n".join(notes)
    if len(scenes) == 1:
        options["controls"] = False
    player = Player(scenes, options, tuple(s.step for s in kept))
    player.mistake_index = mistake_at
    return player, red, at


def _marks(player, red, at, moment=None, mistake=None, label=None):
    """The buttons that show one frame of a run's player ({action, index, label, title}), in
    the order of the run: the mistake, the first red safety light, the moment it failed."""
    marks = []
    if mistake is not None and player.mistake_index is not None:
        marks.append({"action": "mistake", "index": player.mistake_index,
                      "label": f"Go to the mistake (step {mistake.step})",
                      "title": f"The step where the node first broke a rule: {mistake.text()}"})
    if red is not None and red != at:   # (where it failed says more, if it is that frame)
        marks.append({"action": "violation", "index": red, "label": "Go to the violation",
                      "title": "Show the step where a safety property broke (its light turns "
                               "red)"})
    if at is not None:
        marks.append({"action": "mark", "index": at, "label": label or "Go to where it failed",
                      "title": moment[1]})
    return marks


def _player_reply(cluster, title, *, label=None, **where):
    """A run's player for the page: its HTML and title, the index of its first red safety
    light, and ``marks``: buttons that show one frame ({action, index, label, title}; the page
    adds the red light's own button from ``violation_index``)."""
    player, red, at = run_player(cluster, title, **where)
    marks = [m for m in _marks(player, red, at, where.get("moment"), where.get("mistake"), label)
             if m["action"] != "violation"]
    return {"html": player.html(inline_js=False), "title": title, "frames": player.frame_count,
            "violation_index": red, "marks": marks}


def watch(report, lab=None, which=0, title=None):
    """A failed grade's run as a player for a notebook: the run the lab's page shows first (the
    random schedules' shrunk counterexample, else the first failed story, else the model
    check's shortest run; ``which=1`` the next one), with the page's buttons under its title:
    "Go to the mistake (step N)" where the node first broke a rule of Figure 2, "Go to the
    violation", "Go to where the story failed". ``report`` is what ``raft.grade.check``
    returned, or a node class graded here on ``lab`` (``watch(StudentNode, lab=3)``); a passed
    grade has nothing to watch (ConfigurationError). ``title`` replaces the player's own."""
    if isinstance(report, type):
        if lab is None:
            raise ConfigurationError("say which lab to grade the node on: "
                                     "watch(StudentNode, lab=3)")
        report = grade.check(report, lab, quiet=True)
    if report.passed:
        raise ConfigurationError("the grade passed: there is no failed run to watch")
    runs = _failed_runs(report, report.node_class, report.lab.number)
    if isinstance(which, bool) or not isinstance(which, int) or not 0 <= which < len(runs):
        raise ConfigurationError(f"which={which!r}: the grade has {len(runs)} failed run"
                                 f"{'s' if len(runs) != 1 else ''} to watch, numbered from 0")
    run = dict(runs[which])
    run.pop("offer")
    cluster, own, label = run.pop("cluster"), run.pop("title"), run.pop("label", None)
    player, red, at = run_player(cluster, own if title is None else str(title), **run)
    player.options["marks"] = [{k: m[k] for k in ("index", "label", "title")}
                               for m in _marks(player, red, at, run.get("moment"),
                                               run.get("mistake"), label)]
    return player


# -- labs ---------------------------------------------------------------------------------------

def load_student_class(path, class_name):
    """The class ``class_name`` of the Python file at ``path``, loaded as the shell grader loads
    it (``python -m raft.grade labN path:ClassName``): a module named ``student_<stem>``."""
    module_name = "student_" + re.sub(r"\W", "_", Path(path).stem)
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        raise LookupError(f"{Path(path).name} has no class {class_name!r}")
    return cls


def _failed_runs(report, cls, lab):
    """The runs to watch for a failed grade, each a dict of ``_player_reply``'s arguments plus
    ``offer`` (the words of the button that shows it): the shrunk counterexample, the first
    failed story that built a cluster (pointing at the moment it failed; a story with clients
    shown from where it begins to matter, :func:`raft.classroom.reads.story_window`) and the
    model check's shortest run, each that there is. The page shows the first and offers the
    others."""
    runs = []
    cx = report.counterexample
    if cx is not None and cx.finding.prop != "NotImplementedError":
        try:
            cluster = grade.replay(cls, cx.schedule, stall_ms=cx.stall_ms)
        except Exception:   # noqa: BLE001 - a node that misbehaves on replay: no animation
            cluster = None
        if cluster is not None:
            run = {"cluster": cluster, "title": f"The shrunk counterexample: {cx.finding.headline()}",
                   "offer": "Watch the random schedule's shrunk counterexample"}
            if cx.finding.kind != "violation":   # (a broken property has its red light)
                run.update(moment=(cx.finding.step, cx.finding.headline().splitlines()[0]))
            mistake = next((r.mistake for r in report.results
                            if r.name.startswith("random fault schedules")), None)
            if mistake is not None and mistake.step < cx.finding.step:
                run.update(mistake=mistake)
            runs.append(run)
    for result in report.results:
        if result.passed or not result.name.startswith("story: ") or \
                "not written yet" in result.message:
            continue
        story = result.name.removeprefix("story: ")
        try:
            runs.append(_story_player(cls, lab, story))
            break
        except Exception:   # noqa: BLE001 - a node that cannot even rebuild it: no animation
            continue
    found = report.model_check
    v = found.violation if found is not None else None
    if v is not None and not mc_headline(v).startswith("not written yet"):
        # Its shortest run (the search is deterministic).
        try:
            cluster = v.cluster(check=False)
        except Exception:   # noqa: BLE001 - a node that misbehaves on replay: no animation
            cluster = None
        if cluster is not None:
            run = {"cluster": cluster,
                   "title": f"The model check's shortest run that breaks: {v.prop}",
                   "offer": "Watch the model check's shortest run"}
            if v.prop not in PROPERTIES:   # a rule or an exception: no safety light turns red
                words = mc_headline(v)
                run.update(moment=(cluster.steps, words), label="Go to where the rule broke"
                           if words.startswith("rule broken") else "Go to where it failed")
            runs.append(run)
    return runs


def _story_player(cls, lab, story):
    """A failed story's run, stopped where it failed, pointing at the moment it shows."""
    run = grade.story_run(cls, lab, story)
    if run.cluster is None:
        raise ValueError(run.message)
    twin = run.cluster.replay(run.step)
    twin.checker = None
    out = {"cluster": twin, "title": f"The story that failed: {story}",
           "offer": "Watch the story that failed", "moment": run.moment,
           "label": "Go to where the story failed"}
    if run.mistake is not None and (run.moment is None or run.mistake.step < run.moment[0]):
        out["mistake"] = run.mistake    # its own button only if it is an earlier frame
    if run.moment is not None and "stale read" in run.moment[1]:
        out["label"] = "Go to the stale read"
    if any(r.kind == "client-call" for r in twin.trace):
        out["start"], out["end"] = story_window(twin)
        if run.moment is not None:
            out["end"] = max(out["end"], run.moment[0])
    return out


def grade_lab(lab, source, class_name="StudentNode", file_name="lab.py", progress=None):
    """Grade the lab file ``source`` (the page's editor, with the imports it needs) on lab
    ``lab``, as the shell grader would; returns JSON text: ``{"ok", "passed", "report" (the
    shell grader's text), "results": [{"name", "passed"}], "player": null or {html, title,
    frames, violation_index, marks: [{index, label, title}], offer}, "more": [players the page
    offers besides], "error": null or {type, message, traceback}, "ms"}``."""
    t0 = time.perf_counter()
    progress = _progress_sink(progress)
    out = {"ok": False, "passed": False, "report": "", "results": [], "player": None,
           "more": [], "error": None}
    with tempfile.TemporaryDirectory(prefix="raft-lab-") as folder:
        path = Path(folder) / Path(file_name).name      # the file the shell grader would load
        path.write_text(source, encoding="utf-8")
        _grade_file(out, lab, path, class_name, progress)
    out["ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return _dumps(out)


def _grade_file(out, lab, path, class_name, progress):
    """Load and grade the file at ``path``; the outcome goes into ``out``."""
    try:
        if progress is not None:
            progress(0.0, f"loading {path.name}")
        cls = load_student_class(str(path), class_name)
        report = grade.check(cls, lab, quiet=True, progress=progress)
    except Exception as exc:   # noqa: BLE001 - the student's file: show its traceback
        out["error"] = _error(exc)
    else:
        out.update(ok=True, passed=report.passed, report=report.text(),
                   results=[{"name": r.name, "passed": r.passed} for r in report.results])
        if not report.passed:
            if progress is not None:
                progress(1.0, "replaying the run that failed")
            replies = []
            for run in _failed_runs(report, cls, lab):
                offer = run.pop("offer")
                try:
                    reply = _player_reply(run.pop("cluster"), run.pop("title"), **run)
                except Exception:   # noqa: BLE001 - the student's node, replayed: the report stands
                    continue
                replies.append(dict(reply, offer=offer))
            out["player"] = replies[0] if replies else None
            out["more"] = replies[1:]


# -- the bug zoo --------------------------------------------------------------------------------

def hunt_bug(name, progress=None):
    """Switch bug ``name`` of the zoo on and let the checker hunt it; returns JSON text:
    ``{"ok", "name", "title", "finds", "found", "headline", "seed", "tried", "scenario",
    "player": {html, title, frames, violation_index} or null, "ms"}``."""
    t0 = time.perf_counter()
    progress = _progress_sink(progress)
    cls = bugs.BUGS[name] if name in bugs.BUGS else None
    if cls is None:
        return _dumps({"ok": False, "name": name,
                       "message": f"no bug named {name!r}; the zoo's bugs: {', '.join(bugs.BUGS)}"})

    def seeds():
        for seed in range(cls.bound):
            if progress is not None:
                progress(seed / cls.bound, f"schedule {seed + 1} of at most {cls.bound} "
                                           f"(seed {seed})")
            yield seed

    cx = bugs.hunt(name, seeds=seeds())
    out = {"ok": True, "name": name, "title": cls.title, "finds": cls.finds, "found": cx is not None}
    if cx is not None:
        if progress is not None:
            progress(1.0, "shrunk; replaying it")
        # The bug's own mistake, if it shows before the checker's finding (Figure 8's early
        # commit, long before the overwrite): a button to it, as in a lab's report.
        mistake = first_mistake(cx.cluster())
        where = {"mistake": mistake} if mistake is not None and mistake.step < cx.finding.step \
            else {}
        out.update(headline=cx.finding.headline(), prop=cx.finding.prop, seed=cx.seed,
                   tried=cx.tried, original=len(cx.original), actions=len(cx.schedule),
                   scenario=cx.schedule.scenario(),
                   player=_player_reply(cx.cluster(), f"{cls.title}: {cx.finding.headline()}",
                                        **where))
    out["ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return _dumps(out)
