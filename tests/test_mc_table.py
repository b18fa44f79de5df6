"""The table of which method catches which known-wrong node (raft.classroom.grade_table): each
row is measured by running the method (the book's model-checking appendix computes the whole
table when it is built; here, rows that are quick to compute)."""

from __future__ import annotations

import re

from raft.classroom import grade_table
from raft.classroom.grade_mistakes import (MISTAKES, CountsStaleVotes, GrantsStaleCandidate,
                                           TermNotMarked, VoteNotMarked)
from raft.classroom.grade_table import (METHODS, Row, client_row, html, lab_row, markdown,
                                        totals, zoo_row)


def test_a_mistake_the_random_schedules_miss_is_caught_by_the_story_and_the_model_checker():
    """Lab 1's and lab 4's mistakes that the random schedules miss: their stories catch them
    (they were written after the mistakes were found) and so does the model checker, which was
    not told about them."""
    for cls, lab in ((CountsStaleVotes, 1), (GrantsStaleCandidate, 1), (VoteNotMarked, 4),
                     (TermNotMarked, 4)):
        row = lab_row(cls, lab)
        assert row.caught() == (True, False, True), row
        assert row.kind == f"lab {lab}" and row.name == cls.__name__
        assert re.fullmatch(r"\d+ actions?: .+", row.model)


def test_a_zoo_bug_is_tried_with_every_labs_stories_and_its_own_schedules():
    row = zoo_row("stale-vote-replies")
    assert row.caught() == (True, True, True) and row.kind == "zoo"
    assert row.stories.startswith("lab 1: ")
    assert row.random.startswith("seed ")


def test_the_2015_bug_is_found_by_the_zoos_single_server_search():
    """No lab grades single-server changes: the zoo's last search does, on four servers."""
    text, kwargs = grade_table.ZOO_SEARCHES[0]
    row_model = grade_table._model(grade_table.BUGS["change-before-own-commit"],
                                   grade_table.ZOO_SEARCHES, grade_table.STATES)
    assert kwargs["membership"] == "single" and "membership=single" in text
    assert row_model.startswith("7 actions: a single-server change only after committing")


def test_totals_and_markdown_count_the_rows():
    rows = [Row("A", "lab 1", object, "s", None, "7 actions: x"),
            Row("B", "lab 2", object, None, None, None),
            Row("c", "zoo", object, "s", "seed 3: y", None),
            Row("d", "client bug", object, None, "seed 0: not linearizable", None,
                "not in the model: reads='lease' refused")]
    t = totals(rows)
    assert t["stories"] == (1, 1, 0) and t["random schedules"] == (0, 1, 1)
    assert t["model checker"] == (1, 0, 0) and t["groups"] == (2, 1, 1)
    assert t["not in the model"] == (0, 0, 1)
    assert t["model checker, not random"] == 1 and t["none"] == 1
    text = markdown(rows)
    lines = text.splitlines()
    assert lines[0].count("|") == 6 and len(lines) == 2 + len(rows) + 1
    assert "| `A` | lab 1 | ✔ | – | ✔ 7 actions |" in lines
    assert "| `c` | zoo | ✔ | ✔ seed 3 | – |" in lines
    assert "| `d` | client bug | – | ✔ seed 0 | not in the model |" in lines
    assert lines[-1].startswith("| **caught** |") and "**1 of 2** lab solutions" in lines[-1]
    assert lines[-1].endswith("**0 of 1** client bugs (1 not in the model) |")
    page = html(rows)
    assert page.count("<tr>") == 1 + len(rows) + 1 and page.count("<th>") == 5
    assert '<td title="seed 3: y">✔ seed 3</td>' in page and "<td>" in page
    assert "<strong>1 of 2</strong> lab solutions" in page
    assert ('<td title="not in the model: reads=&#x27;lease&#x27; refused">not in the model'
            in page)


def test_the_client_bugs_rows():
    """The no-de-duplication bug is explored with a retried command (the model judges the
    applied entries with the simulator's state machine); the three bugs of reads are refused
    by the model checker by name, and the row says so with its reason."""
    row = client_row("no-dedup")
    assert row.kind == "client bug" and row.outside is None
    assert row.model == "16 actions: a client command is applied once (dissertation §6.3)"
    assert row.random.startswith("seed ") and row.random.endswith("not linearizable")
    for name in ("stale-read", "lease-from-reply", "lease-across-transfer"):
        row = client_row(name)
        assert row.model is None and row.caught()[2] is False
        assert row.outside.startswith("not in the model (its story runs it with reads=")
        assert "reads that bypass the log" in row.outside


def test_every_known_wrong_lab_solution_and_method_is_in_the_table():
    assert len(MISTAKES) == 16 and len({c for c, _ in MISTAKES}) == 16
    assert METHODS == ("stories", "random schedules", "model checker")
