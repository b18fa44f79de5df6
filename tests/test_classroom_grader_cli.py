"""The grader's command line, used as a student uses it: a node in a file of its own.

``python -m raft.grade lab1 my_node.py:MyNode`` once ran forever, with no output, on a Lab 1
node that forgets to restart its election timer (its timer stayed due at the instant it fired);
under nbgrader that scored 0 with nothing but a cell timeout. ``bug nosuchbug`` ended in a raw
KeyError, ``--help`` exited 2, and nothing listed the labs or the bugs.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from raft import InvariantViolation, bugs, grade, scenario

ROOT = Path(__file__).resolve().parent.parent

FORGETS_TIMER = textwrap.dedent('''
    from raft.labs.skeleton import Lab1Node
    from raft.node import CANDIDATE, RequestVote


    class MyNode(Lab1Node):
        def start_election(self, now, rule, leadership_transfer=False):
            self._set_term(self.current_term + 1)
            self._become(CANDIDATE, now, rule)
            self._record_vote(self.id)
            self.votes = {self.id}
            for peer in sorted(self.config.members - {self.id}):
                self._send(RequestVote(src=self.id, dst=peer, term=self.current_term,
                                       candidate_id=self.id, last_log_index=self.log.last_index,
                                       last_log_term=self.log.last_term,
                                       leadership_transfer=leadership_transfer))
            self._count_votes(now)

        def handle_request_vote(self, msg, now):
            if msg.term < self.current_term:
                self._reply_vote(msg, False, "rv-stale", "its term is stale")
            elif self.voted_for in (None, msg.candidate_id) and \\
                    self.candidate_log_is_up_to_date(msg.last_log_index, msg.last_log_term):
                self._record_vote(msg.candidate_id)
                self._reset_election_timer(now)
                self._reply_vote(msg, True, "rv-grant", "")
            else:
                self._reply_vote(msg, False, "rv-grant", "no")

        def handle_request_vote_reply(self, msg, now):
            if self.role == CANDIDATE and msg.term == self.current_term and msg.vote_granted:
                self.votes.add(msg.src)
                self._count_votes(now)
''')


def grade_cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "raft.grade", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_a_node_that_forgets_its_timer_gets_a_report_not_a_hang(tmp_path):
    path = tmp_path / "my_node.py"
    path.write_text(FORGETS_TIMER)
    try:
        done = grade_cli("lab1", f"{path}:MyNode")
    except subprocess.TimeoutExpired:
        pytest.fail("grading a node that forgets to restart its election timer hangs")
    out = done.stdout
    assert done.returncode == 1, (done.returncode, out, done.stderr)
    # The count says which way it counts ("FAILED (1 of 3 checks)" read as three failures).
    assert re.search(r"^Lab 1 \(leader election\) for MyNode: FAILED \((\d+) of (\d+) checks "
                     r"passed\)$", out, re.M), out.splitlines()[0]
    assert "S1's election timer fired 1,000 times at 170.2 ms" in out, out
    assert "restart it when you start an election" in out
    assert "Traceback" not in out + done.stderr
    # The random schedules report it too, with a replay call that rebuilds the run.
    assert "time stands still" in out.split("random fault schedules")[1]


def test_help_exits_zero_and_lists_the_commands():
    done = grade_cli("--help")
    assert done.returncode == 0 and "python -m raft.grade list" in done.stdout


def test_list_names_every_lab_and_every_bug():
    done = grade_cli("list")
    assert done.returncode == 0
    for n, lab in grade.LABS.items():
        assert f"lab{n}  {lab.title}" in done.stdout
    for name in bugs.BUGS:
        assert name in done.stdout


@pytest.mark.parametrize("args, words", [
    (["bug", "nosuchbug"], "no bug named 'nosuchbug' in the zoo; its bugs: naive-commit"),
    (["lab9", "x.py"], "there is no lab 9; the labs are lab1, lab2, lab3, lab4, lab5"),
    (["lab0", "x.py"], "there is no lab 0"),
    (["lab1"], "say which node to grade"),
    (["frobnicate"], "unknown command 'frobnicate'"),
    ([], "usage: python -m raft.grade"),
])
def test_a_wrong_command_line_says_what_exists(args, words):
    done = grade_cli(*args)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    said = done.stdout + done.stderr
    assert words in said and "Traceback" not in said, said


def test_a_bug_hunt_prints_a_scenario_that_replays():
    """``python -m raft.grade bug NAME`` prints the shrunk counterexample as a scenario (setup
    line, ``mode lenient``, one action per line), which raft.scenario.run replays."""
    done = grade_cli("bug", "leader-keeps-leading")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = lines.index("  the shrunk schedule:") + 1
    end = lines.index("  what happened (key events):")
    text = "\n".join(line.strip() for line in lines[start:end])
    assert text.startswith("cluster size=") and "\nmode lenient\n" in text
    cx = bugs.hunt("leader-keeps-leading")
    assert grade.parse_schedule(text) == cx.schedule
    with pytest.raises(InvariantViolation) as caught:
        scenario.run(text, node_class=bugs.BUGS["leader-keeps-leading"])
    assert caught.value.prop == cx.finding.prop
