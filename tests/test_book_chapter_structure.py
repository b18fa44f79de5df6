"""Chapters 8 and 9 keep the structure their brief asks for: labelled sections, at least three
exercises each with a dropdown solution, code listings pulled from raft/node.py (never pasted), and
a closing "What to remember"."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = {"08_membership": "ch-membership", "09_real_world": "ch-real-world"}


def text(stem):
    return (ROOT / "book" / f"{stem}.md").read_text()


@pytest.mark.parametrize("stem", sorted(CHAPTERS))
def test_exercises_have_dropdown_solutions(stem):
    s = text(stem)
    labels = re.findall(r"```\{exercise-start\}\n:label: (\S+)", s)
    assert len(labels) >= 3, labels
    for label in labels:
        assert re.search(r"```\{solution-start\} " + re.escape(label) + r"\n:class: dropdown", s), label
    assert s.count("{exercise-start}") == s.count("{exercise-end}")
    assert s.count("{solution-start}") == s.count("{solution-end}")


@pytest.mark.parametrize("stem", sorted(CHAPTERS))
def test_label_title_and_summary(stem):
    s = text(stem)
    assert f"({CHAPTERS[stem]})=\n# " in s
    assert "## What to remember" in s


@pytest.mark.parametrize("stem", sorted(CHAPTERS))
def test_references_point_to_existing_labels(stem):
    defined = set()
    for md in (ROOT / "book").glob("*.md"):
        defined |= set(re.findall(r"^\(([\w-]+)\)=", md.read_text(), re.M))
        defined |= set(re.findall(r"^:label: ([\w-]+)", md.read_text(), re.M))
    used = set(re.findall(r"\{ref\}`([\w-]+)`", text(stem)))
    assert used <= defined, used - defined


def test_membership_listings_name_real_functions():
    """The literalinclude listings of chapter 8 name objects that exist in raft/node.py."""
    tree = ast.parse((ROOT / "raft" / "node.py").read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names |= {f"{node.name}.{f.name}" for f in node.body if isinstance(f, ast.FunctionDef)}
    wanted = re.findall(r":pyobject: (\S+)", text("08_membership"))
    assert {"Node.change_membership", "Node.check_catch_up", "Node.after_commit_as_leader",
            "Configuration.has_quorum"} <= set(wanted)
    assert set(wanted) <= names, set(wanted) - names
