"""Predict, then see: questions that stop an animation at a moment and ask what happens next.

Theory of operation
-------------------
A question belongs to a player made by :func:`raft.viz.play`, and so to the run that player
replays. It names two moments of that run: the step at which the reader is asked (``at_step``)
and the later step that shows the answer (``reveal_step``). The answer is never typed in: it is
``answer(snapshot)``, evaluated when the question is made, on the snapshot of the run at the
reveal step, the very state the player draws in that frame. So the question and the picture
cannot disagree, and :func:`audit` checks it again by rebuilding the run from scratch
(``cluster.replay``).

In the page a question is plain data (a JSON script) read by ``questions.js``, which finds the
player above it (the nearest one before it that shows exactly the same steps), pauses that
player at the question's moment when the reader plays it, gives instant feedback with the
explanation, then plays the animation from the question's moment to the answer. No kernel, no
network: everything was computed when the page was built. Where no script runs, the question
reads as text with its answer folded in a ``<details>``. The reader's answers are kept in the
browser (``localStorage``), one record per page.

Three kinds of question:

* ``choices=[...]``: pick one; ``answer`` returns one of the choices;
* ``choices=[...], many=True``: tick every one that applies; ``answer`` returns a collection of
  choices (possibly empty);
* no ``choices``: a whole number typed in; ``answer`` returns an int.

Standard library only (the live page runs it in Pyodide too).
"""

from __future__ import annotations

import hashlib
import html as _html
import json
import pkgutil
import re
from functools import lru_cache
from pathlib import Path

from ..errors import RaftError
from .player import Player

__all__ = ["question", "quiz", "Question", "Quiz", "QuestionError", "audit", "registry"]

QUESTIONS_JS = Path(__file__).with_name("questions.js")
#: Marks the inlined script, so the book build can swap it for the shared file.
INLINE_MARK = "raft-questions-inline"
FORMAT = "raft-questions"
VERSION = 1

#: Every question made in this process, in order (what :func:`audit` checks).
_REGISTRY: list = []


class QuestionError(RaftError, ValueError):
    """A question that cannot be asked as written: the message names the bad value."""


@lru_cache(maxsize=1)
def questions_source():
    """The questions' JavaScript (``raft/viz/questions.js``; read through the package's loader,
    so it is found in a zipped package too, as the live page imports it)."""
    return pkgutil.get_data(__package__, QUESTIONS_JS.name).decode("utf-8")


def registry():
    """The questions made in this process so far (a copy of the list)."""
    return list(_REGISTRY)


# -- the run behind a player ---------------------------------------------------------------------

def _frames_of(player):
    """The snapshots of the player's frames, in order (computed once per player)."""
    cached = getattr(player, "_question_frames", None)
    if cached is None:
        snaps = list(player.cluster.history(player.start, player.end))
        by_step = {s.step: s for s in snaps}
        cached = [by_step[step] for step in player.steps]
        player._question_frames = cached
    return cached


def _frame_for(player, frames, step, what):
    """The index of the frame that shows ``step``: the frame of that step, or of the last
    frame before it (steps left out of an animation change nothing visible)."""
    if isinstance(step, bool) or not isinstance(step, int):
        raise QuestionError(f"{what} must be a step number or a function of a snapshot, "
                            f"got {step!r}")
    first, last = player.steps[0], player.steps[-1]
    if step in player.cut_steps or (step > last and player.cut_steps):
        raise QuestionError(f"{what} {step} is after the player's last frame (step {last}): "
                            f"the animation stops before it (raise max_frames)")
    if not first <= step <= max(last, player.end):
        raise QuestionError(f"{what} {step} is outside the player's run "
                            f"(steps {first} to {max(last, player.end)})")
    index = 0
    for k, s in enumerate(frames):
        if s.step <= step:
            index = k
    return index


def _find_frame(frames, predicate, after, what):
    """The first frame after index ``after`` whose snapshot satisfies ``predicate``."""
    for k in range(after + 1, len(frames)):
        if predicate(frames[k]):
            return k
    raise QuestionError(f"{what}: no frame of the player after frame {after + 1} satisfies "
                        f"{getattr(predicate, '__name__', 'the predicate')}")


def _check_choices(choices, many):
    if choices is None:
        if many:
            raise QuestionError("many=True needs choices to tick")
        return None
    if isinstance(choices, str) or not hasattr(choices, "__iter__"):
        raise QuestionError(f"choices must be a list of strings, got {choices!r}")
    choices = list(choices)
    if len(choices) < 2:
        raise QuestionError(f"a question needs at least two choices, got {choices!r}")
    for c in choices:
        if not isinstance(c, str) or not c.strip():
            raise QuestionError(f"every choice must be a non-empty string, got {c!r}")
    if len(set(choices)) != len(choices):
        dup = next(c for c in choices if choices.count(c) > 1)
        raise QuestionError(f"choice {dup!r} appears twice")
    return choices


def _normalise(value, choices, many):
    """The answer in the form the page compares: a choice, a sorted list of choices, an int."""
    if choices is None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise QuestionError(f"the answer to a question without choices must be a whole "
                                f"number, got {value!r}")
        return value
    if many:
        if isinstance(value, str) or not hasattr(value, "__iter__"):
            raise QuestionError(f"the answer to a many=True question must be a collection of "
                                f"choices, got {value!r}")
        value = set(value)
        unknown = sorted(v for v in value if v not in choices)
        if unknown:
            raise QuestionError(f"answer {unknown[0]!r} is not one of the choices {choices!r}")
        return [c for c in choices if c in value]
    if value not in choices:
        raise QuestionError(f"answer {value!r} is not one of the choices {choices!r}")
    return value


def _text(value, snap, what):
    if callable(value):
        value = value(snap)
    if not isinstance(value, str) or not value.strip():
        raise QuestionError(f"{what} must be a non-empty string (or a function returning one), "
                            f"got {value!r}")
    return value.strip()


# -- questions -------------------------------------------------------------------------------------

class Question:
    """One question about a moment of a player's run. Made by :func:`question`.

    Attributes: ``id`` (stable: from the question's text), ``ask``, ``choices`` (None: a number),
    ``many``, ``answer`` (the value computed from the run), ``explain`` (text), ``wrong`` (a
    sentence for some wrong choices), ``at_step`` / ``reveal_step`` (the steps of the frames that
    ask and reveal), ``at_index`` / ``reveal_index`` (those frames' positions in the player),
    ``player``, and ``answer_of`` (the function that computed ``answer`` from a snapshot)."""

    def __init__(self, player, ask, choices, many, answer, answer_of, explain, wrong,
                 at_index, reveal_index, qid):
        self.player = player
        self.ask = ask
        self.choices = choices
        self.many = many
        self.answer = answer
        self.answer_of = answer_of
        self.explain = explain
        self.wrong = wrong
        self.at_index = at_index
        self.reveal_index = reveal_index
        self.at_step = player.steps[at_index]
        self.reveal_step = player.steps[reveal_index]
        self.id = qid

    @property
    def kind(self):
        return "number" if self.choices is None else ("many" if self.many else "choice")

    def answer_text(self):
        """The answer as a reader would say it."""
        if self.kind == "many":
            return ", ".join(self.answer) if self.answer else "none of them"
        return str(self.answer)

    def data(self):
        """The question as the page reads it (a dict that becomes JSON)."""
        out = {"id": self.id, "ask": self.ask, "kind": self.kind, "answer": self.answer,
               "answer_text": self.answer_text(), "explain": self.explain,
               "at": {"step": self.at_step, "index": self.at_index},
               "reveal": {"step": self.reveal_step, "index": self.reveal_index}}
        if self.choices is not None:
            out["choices"] = self.choices
        if self.wrong:
            out["wrong"] = self.wrong
        return out

    def replay(self):
        """The answer computed again on a run rebuilt from scratch (``cluster.replay``) at the
        reveal step: equal to ``answer`` unless the run cannot be replayed exactly."""
        snap = self.player.cluster.replay(self.reveal_step).snapshot()
        return _normalise(self.answer_of(snap), self.choices, self.many)

    def html(self, inline_js=True):
        return Quiz([self]).html(inline_js=inline_js)

    def _repr_html_(self):
        return self.html()

    def __repr__(self):
        return (f"<Question {self.id} {self.ask!r}: answer {self.answer_text()!r}, asked at step "
                f"{self.at_step}, revealed at step {self.reveal_step}>")


def question(player, *, ask, answer, explain, at_step=None, reveal_step=None, choices=None,
             many=False, wrong=None, premise=None, id=None):
    """A question about the run that ``player`` (made by :func:`raft.viz.play`) replays.

    ``at_step``: the moment the reader is asked, a step number of the run or a function of a
    snapshot (the first frame where it is true); default, the player's first frame.
    ``reveal_step``: the later moment that shows the answer, the same way (the first frame after
    the question's where it is true); default, the player's last frame.
    ``answer``: a function of the snapshot at the reveal step returning the answer (one of
    ``choices``; a collection of them with ``many=True``; a whole number without choices).
    ``ask``: the question, text or a function of the snapshot at the question's moment
    returning text (so that what it says of the run is read from the run).
    ``explain``: why, citing the rule and the paper's section; text, or a function of the
    reveal snapshot returning text (`code` in backquotes is set as code). ``wrong``: optional
    ``{choice: sentence}`` shown to a reader who picks that wrong choice. ``premise``: optional,
    a function of the snapshot at the question's moment that must be true (what the question's
    text says about that moment), checked when the question is made.

    Raises :class:`QuestionError` naming the bad value: a player not made by ``play()``, a step
    outside the player, a reveal not after the question, an answer that is not a choice..."""
    if not isinstance(player, Player) or player.cluster is None:
        raise QuestionError(f"question() needs a player made by raft.viz.play(cluster, ...), "
                            f"got {type(player).__name__}")
    if not callable(ask) and (not isinstance(ask, str) or not ask.strip()):
        raise QuestionError(f"ask must be the question as a non-empty string, got {ask!r}")
    if not callable(answer):
        raise QuestionError(f"answer must be a function of a snapshot (e.g. lambda snap: "
                            f"snap.leader()), got {answer!r}: answers are computed from the run, "
                            f"never typed in")
    choices = _check_choices(choices, many)
    frames = _frames_of(player)
    if at_step is None:
        at_index = 0
    elif callable(at_step):
        at_index = _find_frame(frames, at_step, -1, "at_step")
    else:
        at_index = _frame_for(player, frames, at_step, "at_step")
    if reveal_step is None:
        reveal_index = len(frames) - 1
    elif callable(reveal_step):
        reveal_index = _find_frame(frames, reveal_step, at_index, "reveal_step")
    else:
        reveal_index = _frame_for(player, frames, reveal_step, "reveal_step")
    if reveal_index <= at_index:
        raise QuestionError(f"reveal_step (step {player.steps[reveal_index]}, frame "
                            f"{reveal_index + 1}) must come after at_step (step "
                            f"{player.steps[at_index]}, frame {at_index + 1})")
    ask = _text(ask, frames[at_index], "ask")
    if premise is not None and not premise(frames[at_index]):
        raise QuestionError(f"the premise of {ask!r} does not hold at step "
                            f"{player.steps[at_index]}: the run is not the one the question "
                            f"describes")
    snap = frames[reveal_index]
    value = _normalise(answer(snap), choices, many)
    explain = _text(explain, snap, "explain")
    if wrong is not None:
        if not isinstance(wrong, dict):
            raise QuestionError(f"wrong must map choices to sentences, got {wrong!r}")
        for k, v in wrong.items():
            if choices is None or k not in choices:
                raise QuestionError(f"wrong names {k!r}, which is not one of the choices")
            if not isinstance(v, str) or not v.strip():
                raise QuestionError(f"wrong[{k!r}] must be a sentence, got {v!r}")
        if not many and value in wrong:
            raise QuestionError(f"wrong names the right answer {value!r}")
        wrong = dict(wrong)
    if id is None:
        id = "q-" + hashlib.sha1(ask.strip().encode("utf-8")).hexdigest()[:10]
    elif not isinstance(id, str) or not re.fullmatch(r"[A-Za-z][\w-]*", id):
        raise QuestionError(f"id must be letters, digits, - or _, starting with a letter, "
                            f"got {id!r}")
    q = Question(player, ask, choices, bool(many), value, answer, explain, wrong,
                 at_index, reveal_index, id)
    _REGISTRY.append(q)
    return q


class Quiz:
    """Questions about one player, shown together in one block (``_repr_html_``)."""

    def __init__(self, questions):
        questions = list(questions)
        if not questions:
            raise QuestionError("a quiz needs at least one question")
        for q in questions:
            if not isinstance(q, Question):
                raise QuestionError(f"quiz() takes questions made by question(), got "
                                    f"{type(q).__name__}")
        player = questions[0].player
        if any(q.player is not player for q in questions):
            raise QuestionError("the questions of one quiz must be about the same player")
        ids = [q.id for q in questions]
        if len(set(ids)) != len(ids):
            raise QuestionError(f"two questions of the quiz share the id {ids[0]!r}: give one an "
                                f"id=")
        self.questions = questions
        self.player = player

    def data(self):
        return {"format": FORMAT, "version": VERSION,
                "player": {"steps": list(self.player.steps),
                           "title": self.player.options.get("title", "")},
                "questions": [q.data() for q in self.questions]}

    def html(self, inline_js=True):
        """The block: the questions as data, and as plain text (with the answers folded) for
        wherever no script runs; ``inline_js`` appends ``questions.js``."""
        data = json.dumps(self.data(), separators=(",", ":"), ensure_ascii=False)
        data = data.replace("</", "<\\/")
        parts = ['<div class="raft-questions">',
                 f'<script type="application/json" class="raft-questions-data">{data}</script>',
                 '<div class="rq-fallback">']
        for q in self.questions:
            parts.append(f"<p><strong>Predict:</strong> {_inline(q.ask)}</p>")
            if q.choices:
                parts.append("<ul>" + "".join(f"<li>{_html.escape(c)}</li>" for c in q.choices)
                             + "</ul>")
            parts.append(f"<details><summary>Answer</summary><p>{_html.escape(q.answer_text())}."
                         f" {_inline(q.explain)}</p></details>")
        parts.append("</div></div>")
        if inline_js:
            parts.append(f'<script class="{INLINE_MARK}">{questions_source()}</script>')
        return "".join(parts)

    def _repr_html_(self):
        return self.html()

    def __repr__(self):
        return f"<Quiz: {len(self.questions)} question(s) about {self.player!r}>"


def quiz(*questions):
    """Several questions about one player, in one block."""
    if len(questions) == 1 and isinstance(questions[0], (list, tuple)):
        questions = tuple(questions[0])
    return Quiz(questions)


def _inline(text):
    """Plain text to HTML, with `code` in backquotes set as code."""
    out = _html.escape(text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", out)


# -- checking ----------------------------------------------------------------------------------------

def audit(questions=None):
    """Check every question (default: all made in this process) against its run rebuilt from
    scratch: the answer computed again at the reveal step, and the player's frames at the two
    moments. Returns one dict per question (JSON-ready) with ``ok`` and what was compared."""
    out = []
    for q in (registry() if questions is None else questions):
        replayed = q.replay()
        scenes = q.player.scenes
        out.append({
            "id": q.id, "ask": q.ask, "answer": q.answer, "replayed": replayed,
            "at": {"step": q.at_step, "index": q.at_index},
            "reveal": {"step": q.reveal_step, "index": q.reveal_index},
            "player_steps": list(q.player.steps),
            "ok": (replayed == q.answer and scenes[q.at_index]["step"] == q.at_step
                   and scenes[q.reveal_index]["step"] == q.reveal_step),
        })
    return out

