"""The Python half of the live exercises, labs and bug zoo (raft/book/live.py), the exercises'
checks (raft/book/exercise_checks.py), the code the build takes from each page
(_ext/raft_live_cells.py) and the grader's progress hook, in CPython.

The browser half is tests/test_live_workbench_browser.py; these tests pin down what it relies
on: every exercise's code, with the prelude the build computes for it, runs and passes its check
without the chapter around it; a lab file is graded with the shell grader's verdict, word for
word; a bug of the zoo is found and its run shows a red safety light.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from raft import Cluster, RaftError, grade
from raft.book import exercise_checks as check
from raft.book import live

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import raft_live  # noqa: E402  (the Sphinx extension: the lab file's head)
import raft_live_cells as cells  # noqa: E402

CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.md"))
LAB_PAGES = sorted((ROOT / "book" / "labs").glob("lab*.md"))
#: Exercises whose solution computes and shows, with no claim to check.
UNCHECKED = {"ex-production-transfer-window", "ex-compaction-rule6"}


def all_exercises():
    return [(page.stem, ex) for page in CHAPTERS for ex in cells.exercises(cells.read_cells(page))]


EXERCISES = all_exercises()


def run(code, prelude="", label=""):
    return json.loads(live.run_cell(code, prelude, label))


# -- what the build takes from the pages ----------------------------------------------------------

def test_every_chapter_exercise_with_code_is_offered_and_runs_in_the_page_s_python():
    labels = [ex["label"] for _, ex in EXERCISES]
    assert len(labels) >= 35 and len(set(labels)) == len(labels)
    for stem, ex in EXERCISES:
        assert ex["missing"] == [], f"{ex['label']} needs {ex['missing']}: not in Pyodide"
        assert ex["unresolved"] == [], f"{ex['label']}: no earlier cell defines {ex['unresolved']}"


def test_a_prelude_is_the_last_binding_of_each_name_and_what_it_needs():
    earlier = ["import numpy as np\nfrom raft import Cluster\nSIZES = (1, 2)\n",
               "def helper(x):\n    return SCALE * x\n\nSCALE = 3\nSIZES = (1, 3, 5)\nc = Cluster()\n",
               "%matplotlib inline\n"]
    pre = cells.prelude(earlier, "print(helper(2), SIZES, unknown)")
    assert pre.source.splitlines() == ["def helper(x):", "    return SCALE * x", "SCALE = 3",
                                       "SIZES = (1, 3, 5)"]
    assert pre.unresolved == ["unknown"] and pre.missing == []
    assert cells.prelude(earlier, "np.zeros(3)").missing == ["numpy"]
    assert cells.prelude(earlier, "c.run(10)").source == "from raft import Cluster\nc = Cluster()"


def test_an_exercise_s_code_is_its_solution_s_visible_cells():
    page = [cells.Cell("markdown", "```{exercise-start}\n:label: ex-a\n```\nDo it.\n```{exercise-end}\n```"),
            cells.Cell("code", "x = 1"),
            cells.Cell("markdown", "```{solution-start} ex-a\n:class: dropdown\n```\nText."),
            cells.Cell("code", "y = x + 1"),
            cells.Cell("code", "assert y == 2", ("remove-cell",)),
            cells.Cell("markdown", "More."),
            cells.Cell("code", "print(y)"),
            cells.Cell("markdown", "```{solution-end}\n```")]
    [ex] = cells.exercises(page)
    assert ex["label"] == "ex-a" and ex["code"] == "y = x + 1\n\nprint(y)"
    assert ex["prelude"] == "x = 1"


@pytest.mark.parametrize("page", LAB_PAGES, ids=lambda p: p.stem)
def test_each_lab_page_gives_its_your_turn_cell_and_a_file_the_shell_grader_loads(page, tmp_path):
    lab = cells.lab(cells.read_cells(page), page.stem)
    n = int(re.match(r"lab(\d+)_", page.stem).group(1))
    assert lab["lab"] == n and lab["class_name"] == "StudentNode" and lab["missing"] == []
    assert lab["prelude"] == f"from raft.labs.skeleton import Lab{n}Node"
    assert lab["file_name"] == f"{page.stem}.py"
    assert f"class StudentNode(Lab{n}Node):" in lab["code"] and "raise NotImplementedError()" in lab["code"]
    path = tmp_path / lab["file_name"]
    path.write_text(raft_live.lab_head(lab) + lab["code"])
    assert f"python -m raft.grade lab{n} {lab['file_name']}:StudentNode" in path.read_text()
    cls = live.load_student_class(str(path), "StudentNode")
    report = grade.check(cls, n, quiet=True)
    assert not report.passed and "not written yet" in report.text()


# -- exercises ------------------------------------------------------------------------------------

#: Runs every exercise as the page does, in a Python where the modules the page's Python lacks
#: (cells.UNAVAILABLE: numpy, IPython, ipywidgets...) cannot be imported.
AS_IN_THE_PAGE = '''
import importlib.abc, json, sys
BLOCKED = set(json.loads(sys.argv[1]))

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (not in the page's Python)")

sys.meta_path.insert(0, Block())
from raft.book import live
out = {}
for ex in json.load(sys.stdin):
    out[ex["label"]] = json.loads(live.run_cell(ex["code"], ex["prelude"], ex["label"]))
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def page_runs():
    done = subprocess.run([sys.executable, "-c", AS_IN_THE_PAGE, json.dumps(sorted(cells.UNAVAILABLE))],
                          input=json.dumps([ex for _, ex in EXERCISES]), capture_output=True,
                          text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("stem,ex", EXERCISES, ids=[ex["label"] for _, ex in EXERCISES])
def test_each_exercise_runs_alone_with_its_prelude_and_passes_its_check(stem, ex, page_runs):
    reply = page_runs[ex["label"]]
    assert reply["ok"], reply["error"] and reply["error"]["traceback"]
    assert all(f["ok"] for f in reply["feedback"]), reply["feedback"]
    if ex["label"] in UNCHECKED:
        assert reply["feedback"] == []
    else:
        assert reply["feedback"] and {f["label"] for f in reply["feedback"]} == {ex["label"]}
        assert {f["check"] for f in reply["feedback"]} == \
            {fn.__name__ for fn in check.CHECKS[ex["label"]]}, "a check of the exercise not called"


def test_every_check_belongs_to_an_exercise_of_the_book():
    labels = {ex["label"] for _, ex in EXERCISES}
    assert set(check.CHECKS) <= labels
    assert set(check.CHECKS) | UNCHECKED == labels


def test_a_wrong_answer_gets_words_not_a_bare_assertion():
    reply = run("ranking = [7, 5, 3, 1]\ncheck.consensus_bad_servers(ranking, p=0.4)\nprint('after')",
                "from raft.book import exercise_checks as check")
    assert not reply["ok"] and reply["error"]["type"] == "CheckFailed"
    assert reply["error"]["line"] == 2      # the page says where the check stopped the code
    [fb] = reply["feedback"]
    assert not fb["ok"] and "[1, 3, 5, 7]" in fb["text"] and "[7, 5, 3, 1]" in fb["text"]
    with pytest.raises(check.CheckFailed, match="majority"):
        check.intro_even_cluster(lambda n: n // 2)
    assert [f.ok for f in check.take_feedback()] == [False]


def test_a_setup_step_that_never_happens_is_said_in_words():
    """A solution's setup step (run until a state, then act) is check.reaches, not a bare
    ``assert c.run_until(...)``: a reader whose change keeps the state from coming is told what
    did not happen and what the servers were doing."""
    for _stem, ex in EXERCISES:
        assert not re.search(r"^\s*assert\s+\w+\.run_until\(", ex["code"], re.M), ex["label"]
    ex = next(ex for _stem, ex in EXERCISES if ex["label"] == "ex-goals-amnesia")
    assert "check.reaches(c, lambda c: c.nodes[1].commit_index >= index, 500" in ex["code"]
    # The reader cuts off one more server: S1 and S2 are no majority, x=1 is never committed.
    code = ex["code"].replace("c.disconnect(5)\n", "c.disconnect(5)\nc.disconnect(3)\n", 1)
    reply = run(code, ex["prelude"], ex["label"])
    assert not reply["ok"] and reply["error"]["type"] == "CheckFailed"
    [fb] = reply["feedback"]
    assert not fb["ok"] and fb["text"].startswith(
        "The run never reached x=1 committed by S1 within 500 ms of simulated time"), fb["text"]
    assert "S1 leader of term 1, S2 follower of term 1, S3 candidate" in fb["text"], fb["text"]
    with pytest.raises(RaftError, match="say in words what the run should reach"):
        check.reaches(Cluster(size=3, seed=1), lambda c: True, 100, "")
    assert check.reaches(Cluster(size=3, seed=1), lambda c: c.leader() is not None, 2000,
                         "a leader") is True
    assert check.take_feedback() == []           # a setup step that happens says nothing


def test_a_check_that_holds_prints_its_verdict_in_a_notebook(capsys):
    check.intro_even_cluster(lambda n: n - (n // 2 + 1))
    assert capsys.readouterr().out.startswith("✓ Four servers survive one failure")
    assert [f.ok for f in check.take_feedback()] == [True]


def test_run_cell_shows_the_last_value_and_players_and_keeps_runs_apart():
    reply = run("from raft import Cluster\nfrom raft.viz import play\nc = Cluster(size=3, seed=1)\n"
                "c.elect(1)\nprint('leader', c.leader())\nplay(c)")
    assert reply["ok"] and [d["kind"] for d in reply["displays"]] == ["player"]
    assert 'class="raft-painter"' in reply["displays"][0]["html"]
    assert "raft-painter-inline" not in reply["displays"][0]["html"]   # the page has the painter
    assert run("1 + 1")["displays"] == [{"kind": "text", "text": "2"}]
    assert run("x = 5")["displays"] == []
    assert run("x")["error"]["type"] == "NameError", "a fresh namespace for every run"


def test_a_python_error_comes_back_with_the_reader_s_lines():
    reply = run("a = 1\nb = 0\nprint(a / b)", label="ex-demo")
    assert not reply["ok"] and reply["error"]["type"] == "ZeroDivisionError"
    tb = reply["error"]["traceback"]
    assert '<your code: ex-demo>", line 3' in tb and "print(a / b)" in tb
    assert reply["error"]["line"] == 3
    assert "raft/book/live.py" not in tb
    bad = run("print('fine')", prelude="import nonexistent_module_x")
    assert bad["error"]["where"] == "prelude" and bad["error"]["type"] == "ModuleNotFoundError"
    assert run("def f(:\n  pass")["error"]["type"] == "SyntaxError"


# -- labs -----------------------------------------------------------------------------------------

LAB1_HEAD = "from raft.labs.skeleton import Lab1Node\n\n\n"
#: The lab page's wrong attempt: it grants every vote.
GRANTS_EVERY_VOTE = LAB1_HEAD + '''from raft.node import Node


class StudentNode(Lab1Node):
    start_election = Node.start_election
    handle_request_vote_reply = Node.handle_request_vote_reply

    def handle_request_vote(self, msg, now):
        self.record_vote(msg.candidate_id)
        self.reset_election_timer(now)
        self.reply_vote(msg, True, "rv-grant", "")
'''
REFERENCE = LAB1_HEAD + '''from raft.node import Node


class StudentNode(Lab1Node):
    start_election = Node.start_election
    handle_request_vote = Node.handle_request_vote
    handle_request_vote_reply = Node.handle_request_vote_reply
'''


def shell_grade(tmp_path, source, name="lab1_election.py"):
    path = tmp_path / name
    path.write_text(source)
    done = subprocess.run([sys.executable, "-m", "raft.grade", "lab1", f"{path}:StudentNode"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    return done.returncode, done.stdout


def test_a_wrong_lab_gets_the_shell_grader_s_verdict_word_for_word_and_its_failed_run(tmp_path):
    seen = []
    reply = json.loads(live.grade_lab(1, GRANTS_EVERY_VOTE, "StudentNode", "lab1_election.py",
                                      progress=lambda f, t: seen.append((f, t))))
    assert reply["ok"] and not reply["passed"] and reply["error"] is None
    code, out = shell_grade(tmp_path, GRANTS_EVERY_VOTE)
    assert code == 1 and out == reply["report"] + "\n"
    assert "FAILED" in reply["report"] and "Election Safety" in reply["report"]
    player = reply["player"]
    assert "shrunk counterexample" in player["title"] and player["violation_index"] is not None
    assert 'class="raft-scenes"' in player["html"]
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and len(seen) > 5
    assert any("story: " in t for _, t in seen) and any("random fault schedule" in t for _, t in seen)


def test_a_correct_lab_passes_as_in_the_shell(tmp_path):
    reply = json.loads(live.grade_lab(1, REFERENCE, "StudentNode", "lab1_election.py"))
    code, out = shell_grade(tmp_path, REFERENCE)
    assert reply["passed"] and reply["player"] is None and code == 0
    assert out == reply["report"] + "\n"


def test_a_lab_file_that_does_not_load_shows_its_traceback():
    reply = json.loads(live.grade_lab(1, LAB1_HEAD + "class StudentNode(Lab1Node)\n    pass\n",
                                      "StudentNode", "lab1_election.py"))
    assert not reply["ok"] and reply["error"]["type"] == "SyntaxError"
    assert "lab1_election.py" in reply["error"]["traceback"]
    reply = json.loads(live.grade_lab(1, LAB1_HEAD, "StudentNode", "lab1_election.py"))
    assert reply["error"]["type"] == "LookupError" and "no class 'StudentNode'" in reply["error"]["message"]


def test_the_grader_s_progress_changes_nothing_and_ends_at_one():
    from raft.classroom import grade_mc
    from raft.node import Node

    seen = []
    with_progress = grade.check(Node, 3, quiet=True, progress=lambda f, t: seen.append((f, t)))
    assert with_progress.text() == grade.check(Node, 3, quiet=True).text()
    lab = grade.LABS[3]
    searches = len(grade_mc.searches(lab))   # the model check's searches, then its end
    assert len(seen) == len(lab.stories) + lab.seeds + 1 + searches + 1 and seen[-1][0] == 1.0
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)


# -- the zoo --------------------------------------------------------------------------------------

def test_a_bug_switched_on_is_found_and_its_run_turns_a_safety_light_red():
    seen = []
    reply = json.loads(live.hunt_bug("leader-keeps-leading", progress=lambda f, t: seen.append(t)))
    assert reply["ok"] and reply["found"] and reply["prop"] == "Election Safety"
    assert reply["player"]["violation_index"] is not None and seen
    assert reply["scenario"].startswith("cluster ")
    assert not json.loads(live.hunt_bug("no-such-bug"))["ok"]


def test_a_mistake_only_the_model_check_catches_still_gets_its_run_animated():
    """A student's new mistake may pass the stories and the random schedules and fail only the
    model check: the page then shows the model check's shortest run, not nothing."""
    import dataclasses

    from raft.classroom.grade_mistakes import CountsStaleVotes

    report = grade.check(CountsStaleVotes, lab=1)
    assert report.model_check is not None and report.model_check.violation is not None
    only_mc = dataclasses.replace(
        report, counterexample=None,
        results=[r for r in report.results if r.name.startswith("model check")])
    assert not only_mc.passed
    [run] = live._failed_runs(only_mc, CountsStaleVotes, 1)
    assert run["title"].startswith("The model check's shortest run that breaks")
    assert report.model_check.violation.prop in run["title"]
    assert len(list(run["cluster"].history())) > 1
