"""No built page shows a path of the machine that built it.

A traceback in a cell's output prints the file of every frame (`File /home/.../raft/cluster.py:85`),
and so can a warning or a repr. A reader needs the error message, not the build machine's
folders: this scans every page of _build/html for the repository's absolute path, the user's
home, installed-package folders and traceback frame lines.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("RAFT_BOOK_SITE", ROOT / "_build" / "html"))
SKIP_DIRS = ("_static/", "_sources/", "_images/")

pytestmark = pytest.mark.skipif(
    not (SITE / "index.html").is_file(),
    reason=f"no built book at {SITE}: run `bash scripts/build_book.sh` first (scripts/test.sh does)",
)


def build_path_patterns(root: Path) -> list[tuple[str, re.Pattern]]:
    """(what, pattern) pairs for text that gives away where the book was built."""
    patterns = [
        ("the repository's absolute path", re.compile(re.escape(str(root)))),
        ("an installed-package folder", re.compile(r"(?:site|dist)-packages")),
        ("a virtual environment", re.compile(r"/\.venv/")),
        ("a traceback frame", re.compile(r"File \"?/[^\s\"]+\.py\"?(?::\d+|, line \d+)")),
    ]
    home = str(Path.home())
    if home not in ("/", "") and len(home) > 1:
        patterns.append(("the builder's home folder", re.compile(re.escape(home) + "/")))
    return patterns


def pages() -> list[Path]:
    if not SITE.is_dir():
        return []
    return sorted(p for p in SITE.rglob("*.html")
                  if not p.relative_to(SITE).as_posix().startswith(SKIP_DIRS))


def find_build_paths(text: str, root: Path = ROOT) -> list[str]:
    """Each match as 'what: ...context...', on the page's text with HTML tags removed."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    found = []
    for what, pattern in build_path_patterns(root):
        for m in pattern.finditer(plain):
            context = plain[max(0, m.start() - 40):m.end() + 40].replace("\n", " ")
            found.append(f"{what}: ...{context}...")
    return found


def test_the_scan_finds_what_it_should():
    """The patterns catch an IPython traceback frame and the repository path, and leave ordinary
    text (a path a reader is told to type, a file name) alone."""
    frame = f"File {ROOT}/raft/cluster.py:85, in Cluster.__init__(self, size)"
    assert find_build_paths(frame)
    assert find_build_paths('File "/usr/lib/python3/dist-packages/x.py", line 3, in f')
    assert find_build_paths("<span>/opt/venv/lib/python3.11/site-packages/raft/x.py</span>")
    assert not find_build_paths("jupytext --to ipynb -o /tmp/raft-course/source/labs/lab1.ipynb")
    assert not find_build_paths("The code is in raft/cluster.py, line 85.")


def test_site_has_pages():
    assert any(p.name == "05_leader_election.html" for p in pages()), pages()[:5]


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.relative_to(SITE).as_posix())
def test_page_shows_no_build_path(page):
    found = find_build_paths(page.read_text(errors="replace"))
    assert not found, f"{page.relative_to(SITE)} shows where it was built:\n  " + "\n  ".join(found)
