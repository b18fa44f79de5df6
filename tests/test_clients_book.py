"""The chapter "Talking to a Raft cluster" and lab 6 keep their structure: a labelled title, at
least three exercises with dropdown solutions, listings pulled from the code (never pasted),
references that exist, a closing "What to remember"; chapter 4 points to it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = (ROOT / "book" / "12_clients.md").read_text()


def test_title_label_and_summary():
    assert "(ch-clients)=\n# Talking to a Raft Cluster" in CHAPTER
    assert "## What to remember" in CHAPTER


def test_at_least_three_exercises_with_dropdown_solutions():
    labels = re.findall(r"```\{exercise-start\}\n:label: (\S+)", CHAPTER)
    assert len(labels) >= 3, labels
    for label in labels:
        assert re.search(r"```\{solution-start\} " + re.escape(label) + r"\n:class: dropdown",
                         CHAPTER), label
    assert CHAPTER.count("{exercise-start}") == CHAPTER.count("{exercise-end}")
    assert CHAPTER.count("{solution-start}") == CHAPTER.count("{solution-end}")


def test_listings_name_real_code():
    """Every literalinclude names a file of raft/ and an object defined in it."""
    for path, obj in re.findall(r"\{literalinclude\} \.\./(\S+)\n:pyobject: (\S+)", CHAPTER):
        tree = ast.parse((ROOT / path).read_text())
        names = set()
        for node in tree.body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                names.add(node.name)
            if isinstance(node, ast.ClassDef):
                names |= {f"{node.name}.{f.name}" for f in node.body
                          if isinstance(f, ast.FunctionDef)}
        assert obj in names, (path, obj)
    assert "Node.leader_read" in CHAPTER and "KeyValueStore.apply" in CHAPTER


def test_references_exist_and_dissertation_sections_are_cited():
    defined = set()
    for md in (ROOT / "book").rglob("*.md"):
        defined |= set(re.findall(r"^\(([\w-]+)\)=", md.read_text(), re.M))
        defined |= set(re.findall(r"^:label: ([\w-]+)", md.read_text(), re.M))
    used = set(re.findall(r"\{ref\}`([\w-]+)`", CHAPTER))
    assert used and used <= defined, used - defined
    for section in ("§6.2", "§6.3", "§6.4", "§6.4.1"):
        assert section in CHAPTER, section


def test_chapter_four_demonstrates_answering_a_client_and_points_here():
    four = (ROOT / "book" / "04_parts.md").read_text()
    assert "{ref}`ch-clients`" in four and "client_op(" in four


def test_the_lab_page_grades_lab_six():
    lab = (ROOT / "book" / "labs" / "lab6_reads.md").read_text()
    assert "(lab-reads)=\n# Lab 6" in lab
    assert "class StudentNode(Lab6Node):" in lab
    assert "assert raft.grade.check(StudentNode, lab=6).passed" in lab


def test_the_built_chapter_writes_moments_as_milliseconds_and_steps():
    """The stale-read verdicts under the chapter's players read "returned at 1038.74 ms (step
    154)", the checker's own words for the simulator's moments (they read "(1038.74, 154)")."""
    import html

    import pytest

    from raft.classroom import reads
    from raft.linearizability import check

    page = ROOT / "_build" / "html" / "book" / "12_clients.html"
    if not page.is_file():
        pytest.skip("no built book: run `bash scripts/build_book.sh` first (scripts/test.sh does)")
    text = html.unescape(page.read_text())
    verdict = check(reads.stale_read(seed=0, reads="stale").client_history(), "kv")
    b = verdict.blocked
    assert f"must take effect before it returned, at {b.ret.ms:g} ms (step {b.ret.step});" in text
    assert f"called at {b.call.ms:g} ms (step {b.call.step}), returned at" in text
    assert not re.search(r"(called|returned|at) \(\d+(\.\d+)?, \d+\)", text)
