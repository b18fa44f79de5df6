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
  :func:`raft.grade.replay`, or the failed story, by :func:`raft.grade.replay_story`).
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

def run_player(cluster, title, last=LAST_STEPS):
    """The last ``last`` steps of a run as a player whose safety lights judge the whole run (a
    property broken before the first frame shows red from it on). Returns (player, index of the
    first frame with a red light, or None)."""
    snaps = list(cluster.history(0))
    monitor = InvariantMonitor()
    statuses = {s.step: dict(monitor.observe(s)) for s in snaps}
    window = [s for s in snaps if s.step >= max(0, cluster.steps - last)]
    kept, _skipped, _cut = select_frames(window, MAX_FRAMES)
    by_step = {s["step"]: s for s in scenes_of(window, statuses)}
    scenes = [by_step[s.step] for s in kept]
    red = next((k for k, s in enumerate(scenes) if any(not p["ok"] for p in s["safety"])), None)
    options = {"title": title}
    if len(scenes) == 1:
        options["controls"] = False
    return Player(scenes, options, tuple(s.step for s in kept)), red


def _player_reply(cluster, title):
    player, red = run_player(cluster, title)
    return {"html": player.html(inline_js=False), "title": title, "frames": player.frame_count,
            "violation_index": red}


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


def _failed_run(report, cls, lab):
    """The run to watch for a failed grade: the shrunk counterexample, else the first failed
    story that built a cluster; (cluster, title) or None."""
    cx = report.counterexample
    if cx is not None and cx.finding.prop != "NotImplementedError":
        cluster = grade.replay(cls, cx.schedule, stall_ms=cx.stall_ms)
        return cluster, f"The shrunk counterexample: {cx.finding.headline()}"
    for result in report.results:
        if result.passed or not result.name.startswith("story: ") or \
                "not written yet" in result.message:
            continue
        story = result.name.removeprefix("story: ")
        try:
            return grade.replay_story(cls, lab, story), f"The story that failed: {story}"
        except Exception:   # noqa: BLE001 - a node that cannot even rebuild it: no animation
            continue
    found = report.model_check
    if found is not None and found.violation is not None:
        # A mistake only the model check caught: its shortest run (the search is deterministic).
        return (found.violation.cluster(check=False),
                f"The shortest run the model check found: {found.violation.prop}")
    return None


def grade_lab(lab, source, class_name="StudentNode", file_name="lab.py", progress=None):
    """Grade the lab file ``source`` (the page's editor, with the imports it needs) on lab
    ``lab``, as the shell grader would; returns JSON text: ``{"ok", "passed", "report" (the
    shell grader's text), "results": [{"name", "passed"}], "player": null or {html, title,
    frames, violation_index}, "error": null or {type, message, traceback}, "ms"}``."""
    t0 = time.perf_counter()
    progress = _progress_sink(progress)
    out = {"ok": False, "passed": False, "report": "", "results": [], "player": None,
           "error": None}
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
            run = _failed_run(report, cls, lab)
            if run is not None:
                out["player"] = _player_reply(*run)


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
        out.update(headline=cx.finding.headline(), prop=cx.finding.prop, seed=cx.seed,
                   tried=cx.tried, original=len(cx.original), actions=len(cx.schedule),
                   scenario=cx.schedule.scenario(),
                   player=_player_reply(cx.cluster(), f"{cls.title}: {cx.finding.headline()}"))
    out["ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return _dumps(out)
