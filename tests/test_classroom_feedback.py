"""Feedback a student can use, from the labs' grader, in the shell and in the page.

A user graded labs 1 and 6 with mistakes made on purpose and found: a failed story's animation
that ended in a normal-looking election with every light green (the story had failed on an
``expect`` line, which the animation did not show) and no animation of the model check's
counterexample beside it; a lab 6 animation of 73 events that started at the first, with no way
to the stale read and times written "(143.45, 21)"; the untouched skeleton's model check line
reading "not written yet: " with nothing after it; a story notation the report never explains;
a lab page naming ``my_node.py`` while its download is ``lab1_election.py``; ``python -m
raft.grade ... | head`` ending in a BrokenPipeError traceback; and an exercise check whose
verdict, a fixed sentence, named S5's vote when the run's votes were S4's. Each test below
fails on that behaviour.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from raft import grade
from raft.book import exercise_checks as check
from raft.book import live
from raft.classroom import reads
from raft.classroom.grade_mistakes import MISTAKES
from raft.classroom.labs import LABS
from raft.errors import RaftError
from raft.node import Node

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import raft_live_cells as cells  # noqa: E402

LAB_PAGES = sorted((ROOT / "book" / "labs").glob("lab*.md"))

# Lab 1 without the up-to-date check of §5.4.1 (the other two methods are the reference's).
NO_UP_TO_DATE = '''from raft.labs.skeleton import Lab1Node
from raft.node import Node


class StudentNode(Lab1Node):
    start_election = Node.start_election
    handle_request_vote_reply = Node.handle_request_vote_reply

    def handle_request_vote(self, msg, now):
        if msg.term < self.current_term:
            self.reply_vote(msg, False, "rv-stale", "stale term")
        elif self.voted_for is None or self.voted_for == msg.candidate_id:
            self.record_vote(msg.candidate_id)
            self.reset_election_timer(now)
            self.reply_vote(msg, True, "rv-grant", "")
        else:
            self.reply_vote(msg, False, "rv-refuse", f"already voted for S{self.voted_for}")
'''

# Lab 6 without step 1 of §6.4: the new leader answers from a commit index it has not yet
# brought up to date (no entry of its term committed).
NO_STEP_1 = '''from raft.labs.skeleton import Lab6Node


class StudentNode(Lab6Node):
    def leader_read(self, ctx, origin, now):
        index = self.commit_index
        self.pending_reads.append((self.read_round + 1, index, ctx, origin))
        self.start_read_round(now)

    def confirm_reads(self, now):
        confirmed = self.config.quorum_index({**self.round_acks, self.id: self.read_round})
        if confirmed <= self.confirmed_round:
            return
        self.confirmed_round = confirmed
        ready = [r for r in self.pending_reads if r[0] is not None and r[0] <= confirmed]
        self.pending_reads = [r for r in self.pending_reads if r not in ready]
        for _, index, ctx, origin in ready:
            self.read_ready(ctx, origin, index)
'''


# Lab 3 with the mistake of Figure 8: the leader commits any entry stored on a majority, whatever
# its term (grade_mistakes.CountsEarlierTerms, as a student's file).
FIGURE_8 = '''from raft.labs.skeleton import Lab3Node
from raft.node import Node


class StudentNode(Lab3Node):
    candidate_log_is_up_to_date = Node.candidate_log_is_up_to_date

    def advance_commit_index(self, now):
        for n in range(self.log.last_index, self.commit_index, -1):
            replicated = {self.id} | {p for p, m in self.match_index.items() if m >= n}
            if self.config.has_quorum(replicated):     # wrong: the entry's term is not checked
                self.set_commit_index(n, "leader-commit", now)
                return
'''
FIGURE_8_STORY = "an entry of an earlier term is not committed by counting"


def load(tmp_path, source, name="student.py"):
    path = tmp_path / name
    path.write_text(source)
    return live.load_student_class(str(path), "StudentNode")


def skeleton(page):
    """The lab page's "Your turn" cell as the page's Download writes it."""
    import raft_live
    lab = cells.lab(cells.read_cells(page), page.stem)
    return lab, raft_live.lab_head(lab) + lab["code"]


# -- lab 1: the failed story points at its expectation; the model check's run is offered --------

def test_a_failed_story_s_animation_ends_on_the_expectation_that_failed(tmp_path):
    reply = json.loads(live.grade_lab(1, NO_UP_TO_DATE, "StudentNode", "lab1_election.py"))
    assert reply["ok"] and not reply["passed"]
    player = reply["player"]
    assert player["title"] == "The story that failed: the up-to-date check (§5.4.1)"
    # No safety light turns red in that story: a mark points at the moment instead, its last
    # frame, where S2 has voted for S1 although S1's log is behind S2's; and one at the vote
    # itself, the mistake, a few frames earlier.
    assert player["violation_index"] is None
    mistake, mark = player["marks"]
    assert mark["index"] == player["frames"] - 1 and mark["label"] == "Go to where the story failed"
    assert mistake["action"] == "mistake" and mistake["index"] < mark["index"]
    assert mistake["label"] == "Go to the mistake (step 2)"
    assert "S2 (last entry 2/2) granted its vote to S1, whose log ends at 1/1" in mistake["title"]
    assert mark["title"] == "line 7: expected voted_for of S2 = none, got S1"
    # ... and the player's caption at that frame, and the note under its title, say it.
    cls = load(tmp_path, NO_UP_TO_DATE)
    run = grade.story_run(cls, 1, "up-to-date")
    shown, _red, at = live.run_player(run.cluster.replay(run.step), "t", moment=run.moment)
    assert at == mark["index"]
    assert shown.scenes[at]["caption"].endswith("✗ line 7: expected voted_for of S2 = none, got S1")
    assert "expected voted_for of S2 = none, got S1" in shown.options["note"]
    assert not any("✗" in s["caption"] for s in shown.scenes[:at])
    # The model check found the same mistake: its shortest run is offered too, pointing at the
    # rule it broke.
    [more] = reply["more"]
    assert more["offer"] == "Watch the model check's shortest run"
    assert more["title"].startswith("The model check's shortest run that breaks: vote only for an "
                                    "up-to-date candidate")
    assert more["marks"][0]["index"] == more["frames"] - 1
    assert "S1 (last entry 1/1) granted its vote to S2" in more["marks"][0]["title"]


def test_the_report_says_how_to_read_the_story_notation_where_it_first_shows_it(tmp_path):
    report = grade.check(load(tmp_path, NO_UP_TO_DATE), 1, quiet=True).text()
    lines = report.splitlines()
    first = lines.index("         the story (> the line where it failed, ! where the mistake "
                        "was made):")
    how = lines.index("         how to read the story:")
    assert first < how < first + 12
    assert lines[how + 1].split() == "log 2: 1 2 means S2's log holds entries of terms 1 and 2".split()
    assert lines[how + 2].split() == ("expect voted_for 2 = none means S2 must not have voted in "
                                      "its current term").split()
    assert report.count("how to read the story:") == 1


def test_the_notation_is_read_out_once_when_several_stories_fail():
    report = grade.check(WrongVotes, 1, quiet=True, model_check=False, seeds=[0]).text()
    assert report.count("FAIL story") >= 2 and report.count("how to read the story:") == 1


class WrongVotes(Node):
    """Grants every vote, even a stale candidate's: several stories fail."""

    def handle_request_vote(self, msg, now):
        self.record_vote(msg.candidate_id)
        self.reset_election_timer(now)
        self.reply_vote(msg, True, "rv-grant", "")


# -- lab 6: the story window, the stale read, times in words -------------------------------------

def test_a_stale_read_story_starts_at_its_window_and_jumps_to_the_stale_read(tmp_path):
    reply = json.loads(live.grade_lab(6, NO_STEP_1, "StudentNode", "lab6_reads.py"))
    player = reply["player"]
    assert player["title"].startswith("The story that failed: a new leader's reads wait")
    [mark] = player["marks"]
    assert mark["label"] == "Go to the stale read"
    assert mark["title"] == ('c2\'s get(x)→"" returned here, yet c1\'s put(x,"1") had returned '
                             'before it was called: a stale read (not linearizable)')
    # The animation is the story's window (not its 73 steps from the start), and the mark is
    # the frame of the step where c2's read returned.
    cls = load(tmp_path, NO_STEP_1)
    run = grade.story_run(cls, 6, "reads wait")
    twin = run.cluster.replay(run.step)
    start, end = reads.story_window(twin)
    [read] = [op for op in twin.client_history() if op["f"] == "get"]
    assert run.moment[0] == read["ret"][1] and start <= run.moment[0] <= end
    shown, _red, at = live.run_player(twin, "t", start=start, end=end, moment=run.moment)
    assert shown.steps[0] >= start > 0 and shown.steps[-1] <= end
    assert at == mark["index"] and shown.steps[at] == read["ret"][1]
    assert player["frames"] == shown.frame_count < 40


def test_lab_6_s_report_writes_moments_as_milliseconds_and_steps(tmp_path):
    """The simulator's moments print as "143.45 ms (step 21)" (raft.sim.clients.Moment), so the
    checker's own explanation says so: no rewriting of its text afterwards."""
    report = grade.check(load(tmp_path, NO_STEP_1), 6, quiet=True).text()
    assert not re.search(r"\(\d+(\.\d+)?, \d+\)", report), "a raw (ms, step) pair is left"
    assert "called at 143.45 ms (step 21), returned at 143.45 ms (step 25)" in report
    assert "must take effect before it returned, at 143.45 ms (step 35);" in report


# -- the mistake: the step where the node first broke a rule, before a property failed ------------

def test_lab_3_s_figure_8_report_names_the_step_of_the_wrong_commit(tmp_path):
    """The Figure 8 story fails on Leader Completeness at step 39, long after the mistake: at
    step 18, leader S1 of term 4 committed index 2, an entry of term 2, by counting its
    replicas. The report names that step, its time and its line (before: only the violation)."""
    cls = load(tmp_path, FIGURE_8)
    report = grade.check(cls, 3, quiet=True, model_check=False, seeds=[0])
    [result] = [r for r in report.results if FIGURE_8_STORY in r.name]
    assert result.message.startswith("Leader Completeness violated at step 39:")
    assert ("the mistake, at step 18 (75.0 ms, line 18): rule broken, a leader commits only an "
            "entry of its own term that a majority stores (Figure 2, §5.4.2): leader S1 (term 4) "
            "committed index 2, an entry of term 2, by counting replicas") in result.message
    assert result.mistake.step == 18
    # ... and marks it among the key events, where the reader follows the run.
    assert "  [   75.0 ms] S1 advanced its commit index to 2   ← the mistake\n" in result.message
    # That step is the commit, seen in the run's own trace (not in the mistake's words).
    run = grade.story_run(cls, 3, FIGURE_8_STORY)
    assert run.cluster.caption(18).endswith("S1 advanced its commit index to 2")
    assert run.cluster.nodes[1].log.term_at(2) == 2
    # The report says how to watch it from a notebook, with the button.
    assert ("with a button to the mistake (step 18) and one to where it failed:\n"
            "  from raft.book.live import watch; watch(StudentNode, lab=3)") in report.text()


def test_lab_3_s_page_has_a_button_to_the_mistake_frame_whose_caption_names_the_commit(tmp_path):
    reply = json.loads(live.grade_lab(3, FIGURE_8, "StudentNode", "lab3_commitment.py"))
    player = reply["player"]
    assert player["title"].startswith("The story that failed: " + FIGURE_8_STORY)
    mistake, failed = player["marks"]
    assert mistake["action"] == "mistake" and mistake["label"] == "Go to the mistake (step 18)"
    assert failed["label"] == "Go to where the story failed"
    assert mistake["index"] < player["violation_index"] == failed["index"]
    run = grade.story_run(load(tmp_path, FIGURE_8), 3, FIGURE_8_STORY)
    shown, _red, _at = live.run_player(run.cluster.replay(run.step), "t", moment=run.moment,
                                       mistake=run.mistake)
    caption = shown.scenes[mistake["index"]]["caption"]
    assert shown.steps[mistake["index"]] == 18
    assert "S1 advanced its commit index to 2. ✗ the mistake: rule broken, a leader commits " \
        "only an entry of its own term" in caption
    assert not any("the mistake" in s["caption"] for k, s in enumerate(shown.scenes)
                   if k != mistake["index"])


def test_watch_gives_a_notebook_the_player_with_the_page_s_buttons():
    """In Jupyter: ``watch(StudentNode, lab=3)`` is the page's first player, its buttons drawn
    by the painter itself (the ``marks`` option)."""
    from raft.classroom.grade_mistakes import CountsEarlierTerms
    player = live.watch(CountsEarlierTerms, lab=3)
    labels = [m["label"] for m in player.options["marks"]]
    assert labels == ["Go to the mistake (step 18)", "Go to where the story failed"]
    assert player.steps[player.options["marks"][0]["index"]] == 18
    assert '"marks":[{"index":' in unpack_options(player.html())
    with pytest.raises(RaftError, match="lab=3"):
        live.watch(CountsEarlierTerms)
    with pytest.raises(RaftError, match="passed"):
        live.watch(Node, lab=3)


def unpack_options(html):
    return re.search(r'"options":(\{.*?\}),"encoding"', html).group(1)


# The first run the page shows for each known-wrong lab solution, and the rule whose button it
# has: one only where the node broke that rule at an earlier step than the failure shown.
# Elsewhere the rule is broken at the failing step itself (the failure is that rule, or the
# step that breaks it also breaks the property), or it is the timer's (the model checker's
# only): no button.
BUTTONS = {
    "GrantsStaleCandidate": "refuse a request from an earlier term (§5.1)",
    "NoTermCheckReply": "a reply from an earlier term changes nothing (§5.1)",
    "CountsEarlierTerms": "a leader commits only an entry of its own term",
    "HalfIsEnough": "a leader commits only an entry of its own term",
    "LongerLogWins": "vote only for an up-to-date candidate (§5.4.1)",
    "VoteNotMarked": "persist before responding (Figure 2)",
    "TermNotMarked": "persist before responding (Figure 2)",
}


@pytest.mark.parametrize("cls,lab", MISTAKES, ids=[c.__name__ for c, _ in MISTAKES])
def test_each_known_wrong_solution_has_a_mistake_button_exactly_when_a_rule_broke_first(cls, lab):
    report = grade.check(cls, lab, quiet=True, model_check=False)
    run = live._failed_runs(report, cls, lab)[0]
    run.pop("offer")
    reply = live._player_reply(run.pop("cluster"), run.pop("title"), **run)
    buttons = [m for m in reply["marks"] if m["action"] == "mistake"]
    failed = [m["index"] for m in reply["marks"] if m["action"] == "mark"]
    if reply["violation_index"] is not None:
        failed.append(reply["violation_index"])
    if cls.__name__ in BUTTONS:
        [button] = buttons
        assert BUTTONS[cls.__name__] in button["title"]
        assert button["index"] < min(failed)
    else:
        assert buttons == [], buttons
        assert "mistake" not in run, run["mistake"]


@pytest.mark.parametrize("bug,rule", [
    ("naive-commit", "a leader commits only an entry of its own term"),   # long before
    ("stale-vote-replies", None),     # the stale vote elects a second leader at once
    ("leader-keeps-leading", None),   # breaks no rule the simulator's steps are judged by
])
def test_the_zoo_s_hunt_has_a_mistake_button_where_a_rule_broke_first(bug, rule):
    reply = json.loads(live.hunt_bug(bug))
    buttons = [m for m in reply["player"]["marks"] if m["action"] == "mistake"]
    if rule is None:
        assert buttons == []
    else:
        [button] = buttons
        assert rule in button["title"] and button["index"] < reply["player"]["violation_index"]


# -- a failed story's listing: from its first line, the failing line marked in words ------------

def test_a_failed_story_is_listed_from_its_first_line_with_its_failing_line_marked(tmp_path):
    """Before, the Figure 8 story's listing began at line 5 (its four lines of comments left
    out) and marked no line (it fails on a property, not on an ``expect`` line). Now it starts
    at line 1 and marks, in characters and words, the line under way when it failed and the
    one during which the node made its mistake; the shell grader prints the same."""
    path = tmp_path / "lab3_commitment.py"
    path.write_text(FIGURE_8)
    shell = subprocess.run([sys.executable, "-m", "raft.grade", "lab3", f"{path}:StudentNode"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert shell.returncode == 1, shell.stderr
    lines = shell.stdout.splitlines()
    head = lines.index("         the story (> the line where it failed, ! where the mistake was "
                       "made):")
    story = lines[head + 1:head + 23]
    assert story[0] == ("              1  # Figure 8 (c): S1 leads term 4 with (2, term 2) on S1 "
                        "and S2; S5 holds (2, term 3).")
    assert story[4] == "              5  cluster size=5 seed=24 max_entries=1"
    assert story[17] == "           ! 18  run until commit 1 2 within 500ms   ← the mistake (step 18)"
    assert story[21] == "           > 22  run 300ms   ← failed here"
    assert [line[11] for line in story] == [" "] * 17 + ["!"] + [" "] * 3 + [">"]
    # A story that fails on an expectation, with lines left: they are counted, not shown.
    report = grade.check(WrongVotes, 1, quiet=True, model_check=False, seeds=[0])
    [stale] = [r for r in report.results if "stale candidate" in r.name]
    listing = stale.message.splitlines()
    assert "  >  9  expect voted_for 2 = none   ← failed here" in listing
    assert listing[listing.index("  >  9  expect voted_for 2 = none   ← failed here") + 1] == \
        "     (3 more lines not run)"


# -- the untouched skeleton: every line says which method is not written ------------------------

@pytest.mark.parametrize("page", LAB_PAGES, ids=lambda p: p.stem)
def test_the_skeleton_s_report_names_the_method_on_every_line(page, tmp_path):
    lab, source = skeleton(page)
    report = grade.check(load(tmp_path, source, lab["file_name"]), lab["lab"], quiet=True).text()
    reasons = [line.strip() for line in report.splitlines() if "not written yet" in line]
    assert reasons, report
    methods = LABS[lab["lab"]].methods
    for reason in reasons:
        assert re.fullmatch(r"not written yet: (\w+) raises NotImplementedError", reason), reason
        assert reason.split()[3] in methods
    if lab["lab"] != 6:   # lab 6 has no model check
        assert "model check" in report.splitlines()[-2]


def test_the_skeleton_in_the_page_gets_its_report_and_no_animation():
    """Nothing is written yet, so there is no run to watch (before: the model check's "run",
    which stops before its first action, was animated)."""
    lab, source = skeleton(LAB_PAGES[0])
    reply = json.loads(live.grade_lab(1, source, "StudentNode", lab["file_name"]))
    assert reply["ok"] and not reply["passed"] and "not written yet" in reply["report"]
    assert reply["player"] is None and reply["more"] == []


# -- the file's name, the shell --------------------------------------------------------------------

@pytest.mark.parametrize("page", LAB_PAGES, ids=lambda p: p.stem)
def test_a_lab_page_names_the_file_its_download_gives(page):
    lab, _ = skeleton(page)
    prose = " ".join(page.read_text().split())
    commands = re.findall(r"`python -m raft\.grade lab\d+ ([^`:]+):StudentNode`", prose)
    assert commands == [lab["file_name"]], (commands, lab["file_name"])
    assert "my_node.py" not in prose


def test_a_client_bug_s_report_writes_moments_as_milliseconds_and_steps():
    from raft.classroom.cli import _client_bug_report
    text = _client_bug_report("stale-read")
    assert "not linearizable" in text and " ms (step " in text
    assert not re.search(r"\(\d+(\.\d+)?, \d+\)", text), text


@pytest.mark.parametrize("args", [["list"], ["--help"]])
def test_a_reader_that_stops_reading_ends_the_grader_quietly(args):
    done = subprocess.Popen([sys.executable, "-m", "raft.grade", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done.stdout.close()                       # as `| head` does once it has its lines
    err = done.stderr.read().decode()
    assert done.wait(timeout=120) == 1
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


# -- an exercise check's words come from the run --------------------------------------------------

def test_the_split_vote_check_names_the_votes_the_run_had():
    check.take_feedback()
    check.election_split({2: [2, 5], 3: [3], 4: [4]}, None)        # the exercise as written
    check.election_split({2: [2, 4], 3: [3, 5]}, None)             # two candidates instead
    three, two = check.take_feedback()
    assert three.ok and two.ok
    assert "S2 has its own vote and S5's; S3 has only its own vote; S4 has only its own vote" \
        in three.text
    assert "S2 has its own vote and S4's; S3 has its own vote and S5's" in two.text
    assert "(its own and S5's)" not in two.text
    with pytest.raises(check.CheckFailed, match=r"With 2 candidates .* yet S2 leads \(S2 has its "
                                                r"own vote, S4's and S5's; S3 has only its own"):
        check.election_split({2: [2, 4, 5], 3: [3]}, 2)
