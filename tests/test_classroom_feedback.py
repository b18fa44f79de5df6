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
from raft.classroom.labs import LABS
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
    # frame, where S2 has voted for S1 although S1's log is behind S2's.
    assert player["violation_index"] is None
    [mark] = player["marks"]
    assert mark["index"] == player["frames"] - 1 and mark["label"] == "Go to where the story failed"
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
    first = lines.index("         the story up to the line that failed:")
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
