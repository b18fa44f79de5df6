"""Predict, then see (raft.viz.questions): questions about a moment of a player's run.

Two layers:

- the API on small runs: the answer is computed from the run at the reveal step (never typed in),
  the two moments map onto the player's frames, bad input raises QuestionError naming the value,
  the HTML carries the data and a readable fallback, and audit() catches an answer that the run,
  rebuilt from scratch, does not give;
- the book: every chapter that asks questions is executed in a fresh kernel up to its last
  question, every question is replayed there from scratch (raft.viz.questions.audit: the run is
  rebuilt with cluster.replay and the answer computed again), and the built page must carry
  exactly those questions, answers and moments, under a player that shows exactly those steps.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from raft import Cluster, RaftError
from raft.viz import QuestionError, play, question, quiz, show
from raft.viz.embed import scenes_in
from raft.viz.questions import INLINE_MARK, audit, registry

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
QUESTIONS_DATA = re.compile(r'<script type="application/json" class="raft-questions-data">(.*?)'
                            r'</script>', re.S)
PLAYER_DATA = re.compile(r'<script type="application/json" class="raft-scenes">(.*?)</script>',
                         re.S)


def election(seed=2):
    """Five servers elect a leader (S3 with seed 2) and commit one command."""
    c = Cluster(size=5, seed=seed)
    c.run_until(lambda c: c.leader() is not None)
    c.run(20)
    c.submit("x=1")
    c.run(80)
    return c


def candidates(snap):
    return [i for i, n in sorted(snap.nodes.items()) if n.role == "candidate"]


def first_candidate_question(player, **kw):
    args = dict(ask="Which server times out first?", choices=["S1", "S2", "S3", "S4", "S5"],
                reveal_step=candidates, answer=lambda snap: f"S{candidates(snap)[0]}",
                explain="The shortest timer (§5.2).")
    args.update(kw)
    return question(player, **args)


# -- the answer comes from the run ------------------------------------------------------------------

def test_the_answer_is_the_run_at_the_reveal_step():
    c = election()
    player = play(c, title="an election")
    q = first_candidate_question(player)
    # Who became candidate first, read from the trace, not from the question's machinery.
    first = next(r.node for r in c.trace if r.kind == "role" and r.data["new"] == "candidate")
    assert q.answer == f"S{first}"
    assert q.at_index == 0 and q.at_step == player.steps[0]
    step = next(r.step for r in c.trace if r.kind == "role" and r.data["new"] == "candidate")
    assert q.reveal_step == step and player.steps[q.reveal_index] == step
    assert player.scenes[q.reveal_index]["step"] == step
    # The snapshot the answer read is the one the player draws in that frame.
    assert any(s["role"] == "candidate" and s["id"] == first
               for s in player.scenes[q.reveal_index]["servers"])
    assert q.replay() == q.answer


def test_a_number_and_a_set_of_choices():
    c = election()
    player = play(c)
    leader = c.leader()
    index = question(player, ask="At which index does x=1 go?",
                     at_step=lambda s: s.leader() is not None,
                     reveal_step=lambda s: any(e.command == "x=1" for e in s.nodes[leader].log),
                     answer=lambda s: next(k for k, e in enumerate(s.nodes[leader].log, 1)
                                           if e.command == "x=1"),
                     explain="After the no-op (§8).")
    assert index.answer == 2 and index.kind == "number"     # index 1 holds the leader's no-op
    others = [f"S{i}" for i in c.ids if i != leader]
    voters = question(player, ask="Who votes for the winner?", many=True, choices=others,
                      at_step=candidates, reveal_step=lambda s: s.leader() is not None,
                      answer=lambda s: [f"S{i}" for i in next(r.data["votes"] for r in s.records
                                                              if r.kind == "votes") if i != leader],
                      explain="A majority (§5.2).")
    assert voters.kind == "many" and len(voters.answer) == 2
    assert voters.answer == [c for c in others if c in voters.answer]   # in the choices' order
    empty = question(player, ask="Which followers had committed x=1 when it was appended?",
                     many=True, choices=others, at_step=0,
                     reveal_step=lambda s: any(e.command == "x=1" for e in s.nodes[leader].log),
                     answer=lambda s: [f"S{i}" for i in c.ids
                                       if i != leader and s.nodes[i].commit_index >= 2],
                     explain="Nobody yet.")
    assert empty.answer == [] and empty.answer_text() == "none of them"


def test_a_step_left_out_of_the_animation_maps_to_the_frame_that_shows_it():
    player = play(election())
    skipped = [s for s in player.skipped_steps if player.steps[0] < s < player.steps[-1]]
    assert skipped, "the run should have a step that changes nothing visible"
    step = skipped[0]
    q = question(player, ask="?", at_step=step, answer=lambda s: 1, explain="x")
    # The frame shown for a left-out step is the last kept one before it: the same picture.
    assert q.at_step == max(s for s in player.steps if s < step)


def test_ask_and_explain_may_read_the_run():
    player = play(election())
    q = first_candidate_question(
        player, ask=lambda snap: f"At {snap.now:.0f} ms, who times out first?",
        explain=lambda snap: f"S{candidates(snap)[0]}, at {snap.now:.0f} ms.")
    assert q.ask == "At 0 ms, who times out first?"
    assert q.explain.startswith(q.answer + ", at ")


def test_same_seed_same_questions():
    a = quiz(first_candidate_question(play(election())))
    b = quiz(first_candidate_question(play(election())))
    assert a.data() == b.data()


# -- bad input --------------------------------------------------------------------------------------

def test_bad_questions_raise_an_error_that_names_the_value():
    c = election()
    player = play(c)
    good = dict(ask="Who?", choices=["S1", "S2", "S3", "S4", "S5"], reveal_step=candidates,
                answer=lambda s: f"S{candidates(s)[0]}", explain="Because.")
    cases = [
        (dict(player=show(c)), "made by raft.viz.play"),
        (dict(player=c), "got Cluster"),
        (dict(answer="S3"), "'S3'"),
        (dict(answer=lambda s: "S9"), "'S9'"),
        (dict(answer=lambda s: ["S3"]), "['S3']"),
        (dict(choices=["S1", "S1", "S3"]), "'S1' appears twice"),
        (dict(choices=["S3"]), "at least two"),
        (dict(choices=["S3", 4]), "4"),
        (dict(choices=None, answer=lambda s: "3"), "'3'"),
        (dict(choices=None, answer=lambda s: True), "True"),
        (dict(many=True, answer=lambda s: "S3"), "'S3'"),
        (dict(many=True, answer=lambda s: ["S3", "S7"]), "'S7'"),
        (dict(at_step=10_000), "10000"),
        (dict(at_step=-1), "-1"),
        (dict(at_step="first"), "'first'"),
        (dict(at_step=lambda s: False), "at_step"),
        (dict(reveal_step=lambda s: s.step > 10_000), "reveal_step"),
        (dict(at_step=5, reveal_step=3), "step 3"),
        (dict(at_step=3, reveal_step=3), "must come after"),
        (dict(ask=""), "''"),
        (dict(explain=lambda s: None), "None"),
        (dict(wrong={"S9": "no"}), "'S9'"),
        (dict(wrong={"S3": "no"}), "right answer 'S3'"),
        (dict(wrong=["S1"]), "['S1']"),
        (dict(premise=lambda s: False), "premise"),
        (dict(id="9 lives"), "'9 lives'"),
        (dict(many=True, choices=None), "many=True"),
    ]
    for change, named in cases:
        args = dict(good, player=player)
        args.update(change)
        with pytest.raises(QuestionError) as info:
            question(args.pop("player"), **args)
        assert named in str(info.value), (change, str(info.value))
        assert isinstance(info.value, RaftError)


def test_a_step_the_animation_cut_off_is_refused():
    c = election()
    player = play(c, max_frames=10)
    assert player.cut_steps
    with pytest.raises(QuestionError, match="raise max_frames"):
        question(player, ask="?", at_step=player.cut_steps[0], answer=lambda s: 1, explain="x")
    with pytest.raises(QuestionError, match="raise max_frames"):
        question(player, ask="?", reveal_step=player.cut_steps[-1], answer=lambda s: 1,
                 explain="x")


def test_a_quiz_is_about_one_player():
    c = election()
    a, b = play(c), play(c, start=5)
    with pytest.raises(QuestionError, match="same player"):
        quiz(first_candidate_question(a), first_candidate_question(b))
    with pytest.raises(QuestionError, match="share the id"):
        quiz(first_candidate_question(a), first_candidate_question(a))
    with pytest.raises(QuestionError, match="got str"):
        quiz("Who?")
    with pytest.raises(QuestionError, match="at least one"):
        quiz()
    two = quiz(first_candidate_question(a), first_candidate_question(a, id="again"))
    assert [q["id"] for q in two.data()["questions"]][1] == "again"


# -- the page's data --------------------------------------------------------------------------------

def test_the_html_carries_the_questions_and_reads_without_a_script():
    player = play(election(), title="an election")
    q = first_candidate_question(player, ask="Who times out first? </script><b>",
                                 explain="Look at `the rings` (§5.2).",
                                 wrong={"S1": "S1's ring is fuller."})
    html = quiz(q).html()
    data = json.loads(QUESTIONS_DATA.search(html).group(1))
    assert data["format"] == "raft-questions" and data["version"] == 1
    assert data["player"] == {"steps": list(player.steps), "title": "an election"}
    (d,) = data["questions"]
    assert d == {"id": q.id, "ask": q.ask, "kind": "choice", "answer": q.answer,
                 "answer_text": q.answer, "explain": q.explain, "choices": q.choices,
                 "wrong": {"S1": "S1's ring is fuller."},
                 "at": {"step": q.at_step, "index": q.at_index},
                 "reveal": {"step": q.reveal_step, "index": q.reveal_index}}
    assert "</script><b>" not in html.split("</script>", 1)[0]     # the JSON cannot end early
    fallback = html.split('class="rq-fallback">', 1)[1]
    assert "&lt;/script&gt;&lt;b&gt;" in fallback and "<code>the rings</code>" in fallback
    assert f"<summary>Answer</summary><p>{q.answer}." in fallback
    assert f'<script class="{INLINE_MARK}">' in html and "RaftQuestions" in html
    assert INLINE_MARK not in quiz(q).html(inline_js=False)


def test_ids_are_stable_and_registered():
    player = play(election())
    before = len(registry())
    q1 = first_candidate_question(player)
    q2 = first_candidate_question(player)
    assert q1.id == q2.id and re.fullmatch(r"q-[0-9a-f]{10}", q1.id)
    assert registry()[before:] == [q1, q2]


# -- audit: the run rebuilt from scratch gives the same answers --------------------------------------

def test_audit_agrees_with_an_honest_question():
    q = first_candidate_question(play(election()))
    (report,) = audit([q])
    assert report["ok"] and report["replayed"] == report["answer"] == q.answer
    assert report["player_steps"] == list(q.player.steps)


def test_audit_catches_an_answer_the_run_does_not_give():
    q = first_candidate_question(play(election()))
    q.answer = "S1" if q.answer != "S1" else "S2"      # as if someone had typed it in
    (report,) = audit([q])
    assert not report["ok"] and report["replayed"] != report["answer"]


def test_audit_catches_an_answer_that_does_not_come_from_the_snapshot():
    calls = []

    def drifting(snap):          # depends on how often it is called, not on the run
        calls.append(1)
        return len(calls)

    q = question(play(election()), ask="?", answer=drifting, explain="x")
    (report,) = audit([q])
    assert not report["ok"] and (report["answer"], report["replayed"]) == (1, 2)


def test_audit_checks_the_frames_the_player_draws():
    q = first_candidate_question(play(election()))
    q.player.scenes[q.reveal_index] = dict(q.player.scenes[q.reveal_index], step=-1)
    assert not audit([q])[0]["ok"]


# -- the book -----------------------------------------------------------------------------------------

def chapters_with_questions():
    import yaml
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    stems = []
    for part in toc.get("parts") or []:
        stems += [c["file"] for c in part.get("chapters") or []]
    paths = [ROOT / f"{stem}.md" for stem in stems]
    return [p for p in paths if p.is_file() and "question(" in p.read_text()]


AUDIT_CELL = ("import json\nfrom raft.viz.questions import audit\n"
              "print('AUDIT' + json.dumps(audit()))")


@pytest.mark.parametrize("path", chapters_with_questions(), ids=lambda p: p.stem)
def test_every_question_in_the_book_is_the_run_replayed(path: Path):
    """Execute the chapter in a fresh kernel up to its last question, rebuild each question's run
    from scratch there (audit), and compare with what the built page says."""
    import jupytext
    import nbclient
    import nbformat

    notebook = jupytext.read(path)
    code = [k for k, c in enumerate(notebook.cells) if c.cell_type == "code"]
    last = max(k for k in code if "question(" in notebook.cells[k].source)
    notebook.cells = notebook.cells[:last + 1] + [nbformat.v4.new_code_cell(AUDIT_CELL)]
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    out = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    reports = json.loads(out.split("AUDIT", 1)[1])
    assert len(reports) >= 3, f"{path.name} asks {len(reports)} questions"
    bad = [r for r in reports if not r["ok"]]
    assert not bad, f"answers that the rebuilt run does not give: {bad}"

    page = SITE / f"{path.relative_to(ROOT).with_suffix('')}.html"
    if not page.is_file():
        pytest.skip(f"no built page at {page}: run `bash scripts/build_book.sh`")
    html = page.read_text(encoding="utf-8")
    built = {}
    for match in QUESTIONS_DATA.finditer(html):
        block = json.loads(match.group(1))
        for q in block["questions"]:
            built[q["id"]] = (q, block["player"]["steps"], match.start())
    assert sorted(built) == sorted(r["id"] for r in reports), \
        "the built page is not the chapter as it is now: rebuild the book"
    players = [(m.start(), [s["step"] for s in scenes_in(json.loads(m.group(1)))])
               for m in PLAYER_DATA.finditer(html)]
    for r in reports:
        q, steps, where = built[r["id"]]
        assert (q["answer"], q["at"], q["reveal"]) == (r["answer"], r["at"], r["reveal"]), r["ask"]
        assert steps == r["player_steps"], r["ask"]
        # The player the page shows above the question draws exactly the run's frames.
        above = [s for at, s in players if at < where]
        assert r["player_steps"] in above, f"no player above {r['ask']!r} shows its run"


# -- a notebook's output: the scripts inline, no book around them -------------------------------------

def test_inline_outputs_work_on_their_own_in_chromium(tmp_path):
    """A player and a quiz as a notebook shows them (each with its script inline), in a bare
    page opened from file:// with every other request aborted: the quiz finds its player, and
    an answer gets its feedback and moves the player to the answer's frame."""
    from playwright.sync_api import sync_playwright

    player = play(election(), title="an election")
    q = first_candidate_question(player)
    page_file = tmp_path / "notebook-output.html"
    page_file.write_text("<!doctype html><meta charset=utf-8><body>" + player.html()
                         + "<p>Some prose between the cells.</p>" + quiz(q).html() + "</body>",
                         encoding="utf-8")
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        context = browser.new_context(reduced_motion="reduce")
        blocked, errors = [], []
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                      else (blocked.append(r.request.url), r.abort()))
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(page_file.as_uri())
        page.wait_for_selector(".raft-questions[data-bound=true]", timeout=20_000)
        wrong = next(c for c in q.choices if c != q.answer)
        page.click(f"button[data-choice='{wrong}']")
        assert page.inner_text(".rq-feedback").startswith("✗ Not quite")
        assert page.evaluate("document.querySelector('.raft-painter').raftPainter.index") \
            == q.reveal_index
        page.click(f"button[data-choice='{q.answer}']")
        assert page.inner_text(".rq-feedback").startswith("✓ Right")
        assert not blocked and not errors, (blocked, errors)
        # A quiz whose player is not above it says so, loudly (and in the console).
        other = play(election(seed=1))
        lonely = tmp_path / "lonely.html"
        lonely.write_text("<!doctype html><meta charset=utf-8><body>" + other.html()
                          + quiz(q).html() + "</body>", encoding="utf-8")
        page.goto(lonely.as_uri())
        page.wait_for_selector(".raft-questions[data-bound=false]", timeout=20_000)
        assert "missing from this page" in page.inner_text(".rq-error")
        assert any("raft questions" in e for e in errors)
        browser.close()
