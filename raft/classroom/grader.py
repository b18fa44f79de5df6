"""The grader: the labs' stories, seeded random schedules and a bounded model check, and a
report a student can act on.

``check(StudentNode, lab=1)`` runs the lab's stories (:mod:`raft.classroom.stories`: scenario
text with ``expect`` lines, or functions that deliver messages by hand while time stands still),
then seeded random fault schedules (40 by default, :mod:`raft.fuzz`), then the lab's bounded
model check (:mod:`raft.classroom.grade_mc`: every run of a small cluster within small bounds,
breadth first, up to 20,000 states per search), and prints a report: for a failed story the
servers' starting state and the story's lines up to the one that failed, beside the expectation
that failed; for a failed schedule the shrunk counterexample as a scenario and its key events;
for the model check the shortest run that breaks a property or rule, as a scenario with its key
events, or "explored N distinct states ..., no violation". ``replay_story(StudentNode, lab,
name)``, ``raft.grade.replay(...)`` and ``raft.grade.replay_model_check(StudentNode, lab)``
rebuild a failed run for the players. From a shell: ``python -m raft.grade``
(:mod:`raft.classroom.cli`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..check.rules import GradeChecker
from ..errors import ExpectationFailed, InvariantViolation, RaftError, StuckTimer
from ..fuzz.counterexample import Counterexample, find_counterexample, key_events, key_lines
from ..fuzz.run import _node_frame, _not_written
from ..node import Node
from ..script import scenario as scenario_mod
from ..sim.cluster import Cluster
from .grade_mc import ModelCheck
from .grade_mc import model_check as run_model_check
from .grade_mc import searches as mc_searches
from .labs import Lab, _lab
from .mistakes import Mistake, first_mistake


def _graded_cluster(node_class, **kwargs):
    """A cluster for a story: full trace, the grading checker attached by hand (so that
    ``cluster.replay`` rebuilds the run without raising again)."""
    kwargs.update(node_class=node_class, check_invariants=False, trace=True)
    cluster = Cluster(**kwargs)
    cluster.checker = GradeChecker(cluster)
    return cluster


def _story_cluster(text, node_class):
    return _graded_cluster(node_class, **scenario_mod.load(text).setup.kwargs())


def _dedent(text):
    return "\n".join(line.strip() for line in text.strip().splitlines()) + "\n"


@dataclass
class Result:
    """One check of the report. ``mistake``: for a failed story or random schedule, the first
    step of its run where the node broke a rule of Figure 2 (:mod:`raft.classroom.mistakes`),
    if that came before the failure; else None."""

    name: str
    passed: bool
    message: str = ""
    mistake: Mistake | None = None


@dataclass
class Report:
    """The grader's verdict. ``results``: one :class:`Result` per story, then the random
    schedules, then the model check; ``counterexample``: the random schedules' shrunk
    counterexample (or None); ``model_check``: the model check's
    :class:`~raft.classroom.grade_mc.ModelCheck` (None if it was not run)."""

    lab: Lab
    node_class: type
    results: list
    counterexample: Counterexample | None = None
    model_check: ModelCheck | None = None

    @property
    def passed(self):
        return all(r.passed for r in self.results)

    def text(self):
        lab, who = self.lab, self.node_class.__name__
        ok = sum(r.passed for r in self.results)
        verdict = "PASSED" if self.passed else "FAILED"
        out = [f"Lab {lab.number} ({lab.title}) for {who}: {verdict} "
               f"({ok} of {len(self.results)} checks passed)"]
        for r in self.results:
            out.append(f"  {'ok  ' if r.passed else 'FAIL'} {r.name}")
            if r.message:
                out += ["         " + line for line in r.message.splitlines()]
        first = self._watched()
        if first is not None and first.mistake is not None:
            out.append("")
            out.append(f"Watch the run that failed in a notebook, with a button to the mistake "
                       f"(step {first.mistake.step}) and one to where it failed:")
            out.append(f"  from raft.book.live import watch; watch({who}, lab={lab.number})")
        cx = self.counterexample
        if cx is not None and cx.finding.prop != "NotImplementedError":
            out.append("")
            out.append("Replay the shortened counterexample (then raft.viz.play(cluster) to "
                       "watch it, or raft.viz.explore(cluster) to poke at it):")
            text = cx.schedule.text().strip().replace("\n", "\\n")
            out.append(f"  cluster = raft.grade.replay({who}, \"{text}\")")
        return "\n".join(out)

    def _watched(self):
        """The failed result whose run the lab's page (and ``raft.book.live.watch``) shows
        first: the random schedules' counterexample, else the first failed story."""
        for r in self.results:
            if not r.passed and r.name.startswith("random fault schedules") and \
                    self.counterexample is not None:
                return r
        return next((r for r in self.results if not r.passed and r.name.startswith("story: ")),
                    None)

    def __str__(self):
        return self.text()

    def _repr_pretty_(self, p, cycle):
        p.text(self.text())


def _describe_exception(e):
    if isinstance(e, NotImplementedError):
        return f"not written yet: {_not_written(e)}"
    where = _node_frame(e)
    return f"{type(e).__name__}: {e}" + (f"\n({where})" if where else "")


@dataclass
class StoryRun:
    """The outcome of one story: ``passed``, a ``message`` saying what went wrong, and the
    cluster (``None`` if it could not even be built) with the step to replay up to. For a
    failed story, ``moment`` is where an animation should point: (the step whose picture shows
    the failure, one line saying what to see there), e.g. ``(8, "line 7: expected voted_for
    of S2 = none, got S1")``, or for a stale read the step where that read returned.
    ``mistake``: the first step where the node broke a rule of Figure 2 (a
    :class:`~raft.classroom.mistakes.Mistake`), if it came before the failure (at an earlier
    step, or at its step when the failure is not that rule itself); else None. For a text story,
    ``lines`` maps each line that was done to the step it ended at, and ``failed_line`` is the
    line under way when it failed (None for a story function, or if it passed)."""

    passed: bool
    message: str
    cluster: object = None
    step: int = 0
    moment: tuple | None = None
    mistake: Mistake | None = None
    lines: dict = field(default_factory=dict)
    failed_line: int | None = None

    def line_of(self, step):
        """The number of the text story's line during which ``step`` was taken (None for a
        story function)."""
        for number, end in sorted(self.lines.items()):
            if step <= end:
                return number
        return self.failed_line


def _run_story(node_class, story):
    """Run one story: scenario text (with ``expect`` lines), or a function ``story(make)``
    that builds its cluster with ``make(**cluster_options)``, acts on it and raises
    ExpectationFailed when something it expects does not hold."""
    made = []

    def make(**kwargs):
        made.append(_graded_cluster(node_class, **kwargs))
        return made[-1]

    failure = None
    crashed = False
    stuck = None
    seen = None      # what the failure looks like, if it is more than its message's first line
    ends = {}        # a text story's line number -> the step at which that line was done

    def done(line, cluster):
        ends[line.number] = cluster.steps

    try:
        if callable(story):
            story(make)
        else:
            text = _dedent(story)
            cluster = _story_cluster(text, node_class)
            made.append(cluster)
            scenario_mod.run(text, cluster=cluster, after_line=done)
    except InvariantViolation as e:
        failure = f"{e.prop} violated at step {e.step}: {e.details}"
    except ExpectationFailed as e:
        failure = str(e)
        try:
            seen = _what_failed(story, e, made[-1]) if made else None
        except Exception:  # noqa: BLE001 - a node that misbehaves when read: the message says it
            seen = None
    except RaftError as e:
        cause = e.__cause__
        stuck = e if isinstance(e, StuckTimer) else (
            cause if isinstance(cause, StuckTimer) else None)
        if stuck is not None:
            failure = f"time stands still: {stuck}"
            if getattr(e, "line", None):
                failure += f"\n(during line {e.line_number}: {e.line.strip()})"
        elif cause is not None and not isinstance(cause, RaftError):
            failure, crashed = _describe_exception(cause), True
        else:
            failure = str(e)
    except Exception as e:  # noqa: BLE001 - the node's own code raised
        failure, crashed = _describe_exception(e), True
    cluster = made[-1] if made else None
    broken = cluster.checker.rule_break if cluster is not None else None
    if failure is None and broken is None:
        return StoryRun(True, "", cluster, cluster.steps if cluster else 0)
    lines = {} if callable(story) else ends
    failed_line = None
    if not callable(story):
        failed_line = next((line.number for line in scenario_mod.load(_dedent(story)).lines
                            if line.number not in ends), None)
    if stuck is not None:
        # Stop the replay at the first of the repeated firings: what led there is the story.
        run = StoryRun(False, failure, cluster, stuck.first_step,
                       (stuck.first_step, failure.splitlines()[0]), None, lines, failed_line)
    elif failure is None:
        text = f"{broken.text()} (step {broken.step})"
        run = StoryRun(False, text, cluster, broken.step, (broken.step, text), None, lines)
        run.failed_line = run.line_of(broken.step) if lines else None
    else:
        step = cluster.steps - 1 if crashed and cluster is not None else (
            cluster.steps if cluster is not None else 0)
        step = max(step, 0)
        run = StoryRun(False, failure, cluster, step, seen or (step, failure.splitlines()[0]),
                       None, lines, failed_line)
    mistake = _mistake(run.cluster, run.step, run.message, rule_failed=failure is None)
    if mistake is not None:
        run.mistake = mistake
        run.message += "\n" + _mistake_words(mistake, run.cluster, run.line_of(mistake.step))
    elif failure is not None and broken is not None:
        run.message += f"\n(first sign, at step {broken.step}: {broken.text()})"
    return run


def _mistake(cluster, step, message, rule_failed=False):
    """The first rule of Figure 2 that a failed run (``cluster``, failed at ``step``) broke, if
    it came before its failure: at an earlier step, or at the failure's step when the failure
    is something else (a property, an expectation). None for a node not written yet or a run
    that built no cluster."""
    if cluster is None or "not written yet" in message:
        return None
    found = first_mistake(cluster, step)
    if found is None or found.step > step or (rule_failed and found.step == step):
        return None
    return found


def _mark_mistake(events, cluster, mistake):
    """Key events (``key_events``' lines) with the mistake's marked "← the mistake": the last
    key event of its step (what the step came to: "S2 granted its vote to S1" after "S2 saw
    term 3 from S1 and adopted it")."""
    if mistake is None:
        return events
    said = key_lines(cluster.step_records(mistake.step))
    if not said or said[-1] not in events:
        return events
    at = len(events) - 1 - events[::-1].index(said[-1])
    return events[:at] + [f"{said[-1]}   ← the mistake"] + events[at + 1:]


def _mistake_words(mistake, cluster, line=None):
    """``the mistake, at step 18 (75.0 ms, line 18): rule broken, ...``: the time lets the
    reader find it among the key events, the line in the story."""
    records = cluster.step_records(mistake.step) if cluster.tracing else []
    where = [f"{records[0].time:.1f} ms"] if records else []
    if line:
        where.append(f"line {line}")
    said = f" ({', '.join(where)})" if where else ""
    return f"the mistake, at step {mistake.step}{said}: {mistake.text()}"


def _values(value, what=None):
    """A value as a story writes it: none, 1 2 3, S2 (a server, for a vote or a leader)."""
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value) or "empty"
    return f"S{value}" if what in ("voted_for", "leader") and isinstance(value, int) else str(value)


def _what_failed(story, error, cluster):
    """(step, words) for an expectation that failed: for a text story, the expectation and the
    value the cluster holds ("line 7: expected voted_for of S2 = none, got S1"); for a story
    function whose clients' history is not linearizable, the stale read: the step where it
    returned and what it returned; else None (the message's first line says it)."""
    verdict = getattr(error, "verdict", None)
    if verdict is not None and verdict.blocked is not None and not verdict.blocked.pending:
        return (verdict.blocked.ret[1], _stale_read_words(verdict))
    match = re.match(r"line (\d+):", str(error))
    if callable(story) or match is None:
        return None
    lines = {line.number: line for line in scenario_mod.load(_dedent(story)).lines}
    expect = getattr(lines.get(int(match.group(1))), "item", None)
    if not isinstance(expect, scenario_mod.Expect):
        return None
    if expect.what == "leader":
        want, got = f"leader {_values(expect.value, 'leader')}", _values(cluster.leader(), "leader")
    else:
        n = cluster.nodes[expect.node]
        got = {"term": lambda: n.current_term, "role": lambda: n.role,
               "commit": lambda: n.commit_index, "log": lambda: n.log.terms(),
               "applied": lambda: cluster.applied(expect.node),
               "voted_for": lambda: n.voted_for}[expect.what]()
        want = f"{expect.what} of S{expect.node} = {_values(expect.value, expect.what)}"
        got = _values(got, expect.what)
    return (cluster.steps, f"line {match.group(1)}: expected {want}, got {got}")


def _stale_read_words(verdict):
    """The read whose return the linearizability checker could not place, in words."""
    b, w = verdict.blocked, verdict.in_the_way
    read = f"{b.client}'s {verdict.model.describe(b)}"
    if w is None:
        return f"{read} returned here: no order of the operations explains it (not linearizable)"
    return (f"{read} returned here, yet {w.client}'s {verdict.model.describe(w)} had returned "
            f"before it was called: a stale read (not linearizable)")


def run_story(node_class, story):
    """Run one story (scenario text or a story function); returns (passed, message)."""
    run = _run_story(node_class, story)
    return run.passed, run.message


def _find_story(lab, story):
    lab = _lab(lab)
    matches = [(name, body) for name, body in lab.stories if story == name]
    matches = matches or [(name, body) for name, body in lab.stories if story in name]
    if len(matches) != 1:
        raise ValueError(f"no single story of lab {lab.number} matches {story!r}; its stories: "
                         + "; ".join(name for name, _ in lab.stories))
    return matches[0]


def story_run(node_class, lab, story):
    """Run a lab's story (by its name, or a unique part of it) with ``node_class``; returns its
    :class:`StoryRun` (``moment`` says where a failure shows)."""
    _, body = _find_story(lab, story)
    return _run_story(node_class, body)


def replay_story(node_class, lab, story):
    """Rebuild a lab's story (by its name, or a unique part of it) with ``node_class``,
    stopped where it failed (or at its end if it passed), with a full trace and no checker:
    hand it to ``raft.viz.play`` or ``raft.viz.explore``."""
    run = story_run(node_class, lab, story)
    if run.cluster is None:
        raise ValueError(f"the story could not build its cluster: {run.message}")
    twin = run.cluster.replay(run.step)
    twin.checker = None
    return twin


def _starting_state(cluster):
    """The servers' persistent state when a story's cluster was built, one line each."""
    lines = []
    start = cluster.replay(0)
    for i, n in sorted(start.nodes.items()):
        log = " ".join(str(t) for t in n.log.terms()) or "empty"
        vote = "none" if n.voted_for is None else f"S{n.voted_for}"
        lines.append(f"S{i}: term {n.current_term}, voted for {vote}, log {log}")
    if all(line.endswith("term 0, voted for none, log empty") for line in lines):
        return [f"S1..S{len(lines)}: term 0, no vote, empty log (a fresh cluster)"]
    return lines


def _listing(story, run):
    """A text story's lines, numbered, from its first to the one under way when it failed
    (comments kept: they say what the story sets up); that line is marked with ``>`` and the
    words "failed here", and the line during which the node first broke a rule with ``!`` and
    "the mistake" (marks in words, not colour, for plain text and screen readers); a last line
    counts the lines never run. [] for a story function."""
    if callable(story):
        return []
    text = _dedent(story).splitlines()
    last = run.failed_line or len(text)
    mistake = run.mistake
    wrong = run.line_of(mistake.step) if mistake is not None else None
    out = []
    for number, line in enumerate(text[:last], 1):
        mark, said = " ", ""
        if number == wrong:
            mark, said = "!", f"   ← the mistake (step {mistake.step})"
        if number == run.failed_line:
            mark = ">"
            said = (f"   ← the mistake (step {mistake.step}), and it failed here"
                    if number == wrong else "   ← failed here")
        out.append(f"{mark} {number:2d}  {line}{said}".rstrip())
    rest = [line for line in text[last:] if scenario_mod._COMMENT.split(line, 1)[0].strip()]
    if rest:
        out.append(f"   ({len(rest)} more line{'s' if len(rest) != 1 else ''} not run)")
    return out


_SAYS = {"term": "S{n} must be in term {v}", "role": "S{n} must be {v}",
         "commit": "S{n}'s commit index must be {v}", "log": "S{n}'s log must hold terms {v}",
         "applied": "S{n} must have applied {v}", "voted_for": "S{n} must have voted for {v}"}


def _notation(story, number):
    """How to read a text story's notation, from the story itself: its first starting state line
    (a log of two entries or more, if any) and the expectation on line ``number``, as pairs
    ``("log 2: 1 2", "S2's log holds entries of terms 1 and 2")``, ``("expect voted_for 2 =
    none", "S2 must not have voted in its current term")``; [] for a story function."""
    if callable(story):
        return []
    text = _dedent(story)
    said = []
    state = [words for words in (scenario_mod._COMMENT.split(raw, 1)[0].split()
                                 for raw in text.splitlines())
             if len(words) >= 3 and words[0] in ("log", "term", "vote")
             and words[1].endswith(":")]
    # The first log line with two entries or more says the most; else the first state line.
    words = next((w for w in state if w[0] == "log" and len(w) > 3), state[0] if state else None)
    if words is not None:
        n, values = words[1][:-1], words[2:]
        if words[0] == "log":
            terms = [v.split(":", 1)[0] for v in values]
            meaning = (f"S{n}'s log holds entries of terms {', '.join(terms[:-1])} and "
                       f"{terms[-1]}" if len(terms) > 1 else
                       f"S{n}'s log holds one entry, of term {terms[0]}")
        elif words[0] == "term":
            meaning = f"S{n} starts in term {values[0]}"
        else:
            meaning = f"S{n} starts having voted for S{values[0]} in its term"
        said.append((" ".join(words), meaning))
    line = {ln.number: ln for ln in scenario_mod.load(text).lines}.get(number)
    expect = getattr(line, "item", None)
    if isinstance(expect, scenario_mod.Expect):
        if expect.what == "leader":
            meaning = ("there must be no leader" if expect.value is None else
                       f"S{expect.value} must be the leader")
        elif expect.what == "voted_for" and expect.value is None:
            meaning = f"S{expect.node} must not have voted in its current term"
        else:
            value = _values(expect.value, expect.what)
            meaning = _SAYS[expect.what].format(n=expect.node, v=value)
        said.append((str(expect), meaning))
    return said


def _story_message(node_class, lab, name, run, story=None, explain=False):
    lines = [run.message]
    if run.cluster is None or "not written yet" in run.message:
        return "\n".join(lines)
    try:
        state = _starting_state(run.cluster)
    except Exception:  # noqa: BLE001 - a node that misbehaves on replay: skip it
        state = []
    if state:
        lines.append("starting state (what the story gives each server before it acts):")
        lines += ["  " + line for line in state]
    script = _listing(story, run) if story is not None else []
    if script:
        lines.append("the story (> the line where it failed" +
                     (", ! where the mistake was made):" if any(
                         line.startswith("!") for line in script) else "):"))
        lines += ["  " + line for line in script]
        match = re.match(r"line (\d+):", run.message)
        notation = _notation(story, int(match.group(1))) if explain and match else []
        if notation:
            lines.append("how to read the story:")
            lines += [f"  {code}  means  {meaning}" for code, meaning in notation]
    elif callable(story) and story.__doc__:
        lines.append("the story: " + " ".join(story.__doc__.split()))
    try:
        events = _mark_mistake(key_events(run.cluster.replay(run.step), limit=12),
                               run.cluster, run.mistake)
    except Exception:  # noqa: BLE001 - a node that misbehaves on replay: skip the trace
        events = []
    if events:
        lines.append(f"what happened (key events; the story's cluster has seed "
                     f"{run.cluster.seed}):")
        lines += ["  " + line for line in events]
    short = name if len(name) <= 60 else name[:57].rsplit(" ", 1)[0]
    lines.append("replay it (then raft.viz.play(cluster)):")
    lines.append(f"  cluster = raft.grade.replay_story({node_class.__name__}, lab={lab.number}, "
                 f"story={short!r})")
    return "\n".join(lines)


def _reporting(seeds, progress, total, first):
    """The seeds, calling ``progress`` as each one is tried (the search stops at the first
    failing schedule; shrinking it follows): steps ``first`` to ``first + len(seeds)`` of
    ``total``."""
    for k, seed in enumerate(seeds):
        progress((first + k) / total, f"random fault schedule {k + 1} of {len(seeds)} "
                                      f"(seed {seed})")
        yield seed
    progress((first + len(seeds)) / total, "random fault schedules done")


def check(node_class, lab, *, seeds=None, quiet=False, minimize=True, progress=None,
          model_check=True, mc_states=None):
    """Grade ``node_class`` on lab ``lab`` (1-6); prints the report and returns it.

    ``report.passed`` is True if every story, every random schedule and the model check
    passed. ``seeds``: the random schedules' seeds (default ``range(lab.seeds)``);
    ``minimize``: shrink their counterexample. ``progress``, if given, is called as
    ``progress(fraction, text)`` before each story, each random schedule and each search of
    the model check (the book's page draws its progress bar from it); it changes nothing else.
    ``model_check``: run the bounded model check (False leaves it out); ``mc_states``: the
    distinct states each of its searches may explore (default ``grade_mc.STATES``, 20,000)."""
    lab = _lab(lab)
    missing = [m for m in lab.methods if not callable(getattr(node_class, m, None))]
    results = []
    if not (isinstance(node_class, type) and issubclass(node_class, Node)):
        results.append(Result("the node is a subclass of raft.node.Node", False,
                              f"got {node_class!r}"))
    elif missing:
        results.append(Result("the lab's methods exist", False, f"missing: {missing}"))
    cx = mc = None
    if not results:
        seeds = list(range(lab.seeds) if seeds is None else seeds)
        searches = len(mc_searches(lab)) if model_check else 0
        total = len(lab.stories) + len(seeds) + searches
        explained = False    # the story notation is read out once, where the report first shows it
        for done, (name, story) in enumerate(lab.stories):
            if progress is not None:
                progress(done / total, f"story: {name}")
            run = _run_story(node_class, story)
            message = "" if run.passed else _story_message(node_class, lab, name, run, story,
                                                           explain=not explained)
            explained = explained or "\nhow to read the story:" in message
            results.append(Result(f"story: {name}", run.passed, message, run.mistake))
        if lab.random is not None:   # lab 6: chaos with clients, judged by their histories
            if progress is not None:
                progress(len(lab.stories) / total, f"chaos runs with clients ({len(seeds)} seeds)")
            passed, name, message = lab.random(node_class, seeds)
            results.append(Result(name, passed, message))
            if progress is not None:
                progress(1.0, "chaos runs with clients done")
            report = Report(lab, node_class, results, None)
            if not quiet:
                print(report.text())
            return report
        name = f"random fault schedules (seeds {seeds[0]}..{seeds[-1]}, safety after every " \
               f"step, progress after healing)"
        cx = find_counterexample(node_class, lab.profile,
                                 seeds if progress is None else
                                 _reporting(seeds, progress, total, len(lab.stories)),
                                 minimize=minimize, stall_ms=lab.stall_ms)
        if cx is None:
            results.append(Result(name, True))
        else:
            message = [cx.finding.headline()]
            mistake = None
            if cx.finding.prop != "NotImplementedError":   # nothing to watch yet
                try:
                    twin = cx.cluster()
                    mistake = _mistake(twin, twin.steps, "", rule_failed=cx.finding.kind == "rule")
                except Exception:  # noqa: BLE001 - a node that misbehaves on replay: no mistake
                    mistake = None
            if mistake is not None:   # it says more than the checker's first sign
                message = [replace(cx.finding, note="").headline(),
                           _mistake_words(mistake, twin)]
            if cx.finding.prop != "NotImplementedError":   # nothing to watch yet
                message.append(f"seed {cx.seed}; shrunk from {len(cx.original)} to "
                               f"{len(cx.schedule)} actions:")
                message += ["  " + line
                            for line in cx.schedule.scenario(lab.stall_ms).splitlines()]
                events = _mark_mistake(cx.sentences(limit=20), twin, mistake)
                if events:
                    message.append("what happened (key events, simulated time):")
                    message += ["  " + line for line in events]
            results.append(Result(name, False, "\n".join(message), mistake))
        if searches:   # (a lab whose searches the model cannot make has none: lab 6)
            def searching(k, text):
                progress((total - searches + k) / total, f"model check: search {k + 1} of "
                                                         f"{searches} ({text})")

            mc = run_model_check(node_class, lab, states=mc_states,
                                 progress=None if progress is None else searching)
            results.append(Result(mc.name(), mc.passed, mc.message()))
            if progress is not None:
                progress(1.0, "model check done")
    report = Report(lab, node_class, results, cx, mc)
    if not quiet:
        print(report.text())
    return report
