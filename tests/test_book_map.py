"""The map on the landing page (raft/book/bookmap.py) lists exactly the pages of the table of
contents, every core chapter, and reading times computed the way the page says."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from raft.book import bookmap

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("RAFT_BOOK_SITE", ROOT / "_build" / "html"))


def toc_pages():
    data = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = []

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                found.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(data.get("chapters"))
    for part in data.get("parts") or []:
        walk(part.get("chapters"))
    return found


def test_every_toc_page_is_on_the_map_exactly_once():
    on_map = [p.doc for g in bookmap.groups() for p in g.pages]
    assert sorted(on_map) == sorted(toc_pages())
    assert len(on_map) == len(set(on_map))


def test_the_core_path_is_every_core_chapter_in_order():
    core = next(g for g in bookmap.groups() if g.name == "Core path")
    assert [p.doc for p in core.pages] == list(bookmap.CORE)
    assert set(bookmap.CORE) <= set(toc_pages()), "a core chapter is missing from _toc.yml"


def test_the_map_links_only_to_pages_of_the_toc():
    linked = re.findall(r"\{doc\}`[^`<]*</([^>]+)>`", bookmap.markdown())
    assert linked and set(linked) <= set(toc_pages())
    assert set(toc_pages()) <= set(linked)


def test_a_page_missing_from_the_toc_leaves_the_map(tmp_path):
    """A page named by the module's tables but absent from the toc is not listed; a page of the
    toc that the tables do not know lands under 'Going further'."""
    book = tmp_path / "book"
    (book / "appendix").mkdir(parents=True)
    for doc in ("book/01_introduction", "book/07_safety", "book/10_production",
                "book/appendix/teachers"):
        (tmp_path / f"{doc}.md").write_text(f"# {doc.rsplit('/', 1)[-1]}\n\nSome words here.\n")
    (tmp_path / "_toc.yml").write_text(yaml.safe_dump({
        "format": "jb-book", "root": "book/index",
        "parts": [{"caption": "Raft", "chapters": [{"file": "book/01_introduction"},
                                                   {"file": "book/07_safety"},
                                                   {"file": "book/10_production"}]},
                  {"caption": "Classroom", "chapters": [{"file": "book/appendix/teachers"}]}]}))
    groups = {g.name: [p.doc for p in g.pages] for g in bookmap.groups(tmp_path)}
    assert groups["Core path"] == ["book/01_introduction", "book/07_safety"]
    assert groups["Going further"] == ["book/10_production"]
    assert groups["Labs"] == [] and groups["Background"] == []
    assert "04_parts" not in bookmap.markdown(tmp_path)


def test_reading_time_counts_prose_and_animations_only(tmp_path):
    (tmp_path / "book").mkdir()
    prose = " ".join(["word"] * 410)
    code = "\n".join(["x = 1"] * 300)
    (tmp_path / "book" / "page.md").write_text(
        "---\nkernelspec:\n  name: python3\n---\n\n(ch-page)=\n# A page\n\n"
        f"{prose}\n\n```{{code-cell}} ipython3\n{code}\nplay(c)\n```\n")
    page = bookmap.page("book/page", tmp_path)
    assert page.title == "A page"
    assert page.words == 410 + 2           # the title's words count too
    assert page.animations == 1
    assert page.minutes == 5               # 412 / 200 + 1 = 3.06 minutes, rounded up to 5


def test_lab_times_come_from_the_teachers_guide():
    times = bookmap.lab_times()
    assert set(times) == {doc for doc in toc_pages() if doc.startswith("book/labs/")}
    guide = (ROOT / "book" / "appendix" / "teachers.md").read_text()
    for doc, time in times.items():
        label = re.search(r"^\((lab-[\w-]+)\)=", (ROOT / f"{doc}.md").read_text(), re.M).group(1)
        row = next(r for r in guide.splitlines() if f"<{label}>" in r)
        assert row.rstrip(" |").endswith(time)


def test_every_lab_goes_with_a_chapter_of_the_toc():
    for lab, chapter in bookmap.LAB_CHAPTER.items():
        assert lab in toc_pages() and chapter in toc_pages(), (lab, chapter)


INDEX = SITE / "index.html"


@pytest.mark.skipif(not (SITE / "book" / "index.html").is_file(),
                    reason="the book is not built (scripts/build_book.sh)")
def test_the_built_landing_page_shows_the_map():
    html = (SITE / "book" / "index.html").read_text()
    for doc in toc_pages():
        href = os.path.relpath(SITE / f"{doc}.html", SITE / "book")
        assert f'href="{href}' in html, f"the map does not link {doc}"
    assert "Core path" in html and "min" in html
