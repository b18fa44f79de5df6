"""The table of contents, the chapter files in book/ and the book's outline agree.

The outline is the project's seed (shared/seeds/*.txt, beside the repository). A copy is committed
as book/outline.txt so the check also runs where shared/ is absent; when shared/ is present, the
copy must match it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sphinx_external_toc.parsing import parse_toc_yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
OUTLINE_COPY = BOOK / "outline.txt"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"

# Folders of book/ whose .md files may stay out of the toc (e.g. lab notebooks for readers).
ALLOWED_OUTSIDE_TOC = ("book/labs/",)
# Extra toc entries beyond the outline's chapters may only live here (and the chapters on
# mechanisms beyond Figure 2, issue 16).
ALLOWED_EXTRA_CHAPTERS = ("book/appendix/", "book/labs/", "book/11_log_compaction")
LABS = "book/labs/"
# The label each kind of page carries on its title: (ch-...)= for chapters and appendices,
# (lab-...)= for labs.
LABEL_PREFIX = {LABS: "lab"}

STOPWORDS = {"a", "an", "the", "of", "to", "w", "with", "and", "as", "in"}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def parse_outline(text: str) -> dict[int, dict]:
    """Chapter number -> {"title", "sections"} from the seed's 'Proposed Outline' list.

    Chapter 1 is the seed's own introduction (its first heading), which the outline list, starting
    at 2, does not repeat.
    """
    first_heading = re.search(r"^#\s+(.+)$", text, re.M)
    assert first_heading, "the outline has no top heading"
    assert "### Proposed Outline" in text, "the outline has no 'Proposed Outline' section"
    chapters = {1: {"title": first_heading.group(1).strip(), "sections": []}}
    current = None
    for line in text.split("### Proposed Outline", 1)[1].splitlines():
        top = re.match(r"^\*\s+(\d+)\s+(.+?)\s*$", line)
        if top:
            current = int(top.group(1))
            chapters[current] = {"title": top.group(2), "sections": []}
        elif line.strip().startswith("*") and current is not None:
            chapters[current]["sections"].append(line.strip()[1:].strip())
    return chapters


def load_toc() -> dict:
    return yaml.safe_load((ROOT / "_toc.yml").read_text())


def toc_files(toc: dict) -> list[str]:
    """Every file in the toc, in reading order (root first), as repo-relative paths without suffix."""
    found = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                found.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))
            for part in entry.get("parts", []) or []:
                walk(part.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    return found


def chapter_files(toc: dict) -> list[str]:
    chapters = toc.get("chapters")
    if chapters is None:  # a book with parts: chapters in order across parts
        chapters = [c for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [c["file"] for c in chapters]


def source(stem: str) -> Path:
    return ROOT / f"{stem}.md"


def h1(path: Path) -> str:
    match = re.search(r"^#\s+(.+)$", path.read_text(), re.M)
    assert match, f"{path.relative_to(ROOT)} has no '# Title' heading"
    return match.group(1).strip()


OUTLINE = parse_outline(OUTLINE_COPY.read_text())
TOC = load_toc()
CHAPTERS = chapter_files(TOC)
OUTLINE_NUMBERS = sorted(OUTLINE)


def test_outline_copy_matches_shared_seed():
    """book/outline.txt is the shared seed's outline, unchanged."""
    seeds = [p for p in sorted(SHARED_SEEDS.glob("*.txt")) if "Proposed Outline" in p.read_text()]
    if not seeds:
        pytest.skip(f"no shared outline at {SHARED_SEEDS} (only the committed copy is checked)")
    copy = OUTLINE_COPY.read_text()
    assert any(seed.read_text() == copy for seed in seeds), (
        f"book/outline.txt differs from the shared outline {[s.name for s in seeds]}; "
        "copy it again and update the chapters and _toc.yml"
    )


def test_outline_has_chapters_one_to_nine():
    assert OUTLINE_NUMBERS == list(range(1, len(OUTLINE_NUMBERS) + 1))
    assert len(OUTLINE_NUMBERS) == 9


def test_toc_is_numbered_and_rooted_at_book_index():
    """The outline's chapters are numbered, as Sphinx will read the toc (per part, with parts)."""
    assert TOC["root"] == "book/index"
    assert TOC.get("format") == "jb-book"
    site = parse_toc_yaml(str(ROOT / "_toc.yml"))
    root = site[site.root.docname]
    numbered = {doc for tree in root.subtrees if tree.numbered for doc in tree.items}
    unnumbered = [c for c in CHAPTERS[: len(OUTLINE_NUMBERS)] if c not in numbered]
    assert not unnumbered, (
        f"chapters not numbered: {unnumbered} (set numbered: true on their part in _toc.yml)"
    )


def test_every_toc_file_exists():
    missing = [stem for stem in toc_files(TOC) if not source(stem).is_file()]
    assert not missing, f"toc entries without a file: {missing}"


def test_chapter_one_is_the_introduction():
    assert CHAPTERS[0] == "book/01_introduction"
    assert "introduction" in words(h1(source(CHAPTERS[0])))


@pytest.mark.parametrize("number", OUTLINE_NUMBERS[1:])
def test_outline_chapter_has_file_and_toc_entry(number):
    """Chapter N of the outline is the N-th toc chapter, book/0N_*.md, titled with the outline's words."""
    title = OUTLINE[number]["title"]
    files = sorted(BOOK.glob(f"{number:02d}_*.md"))
    assert len(files) == 1, f"expected exactly one book/{number:02d}_*.md for '{title}', got {files}"
    stem = files[0].relative_to(ROOT).with_suffix("").as_posix()
    assert len(CHAPTERS) >= number and CHAPTERS[number - 1] == stem, (
        f"toc chapter {number} should be {stem}, toc has {CHAPTERS}"
    )
    wanted = {w for w in words(title) if w not in STOPWORDS}
    heading = set(words(h1(files[0])))
    assert wanted <= heading, f"title of {stem} lacks the outline's words {sorted(wanted - heading)}"


# Numbered chapters after the outline's nine (issue 16: "Raft in production" and the chapters next
# to it) follow them in the Raft part, numbered from 10 on.
AFTER_OUTLINE = re.compile(r"^book/(\d\d)_[a-z0-9_]+$")


def test_no_chapters_beyond_the_outline_except_appendices():
    extra = CHAPTERS[len(OUTLINE_NUMBERS):]
    stray = [c for c in extra if not c.startswith(ALLOWED_EXTRA_CHAPTERS)
             and not (AFTER_OUTLINE.match(c) and int(AFTER_OUTLINE.match(c).group(1))
                      > len(OUTLINE_NUMBERS))]
    assert not stray, f"toc chapters not in the outline: {stray}"
    numbered = [int(AFTER_OUTLINE.match(c).group(1)) for c in extra if AFTER_OUTLINE.match(c)]
    assert numbered == list(range(len(OUTLINE_NUMBERS) + 1, len(OUTLINE_NUMBERS) + 1
                                  + len(numbered))), f"chapters after the outline: {numbered}"


@pytest.mark.parametrize("stem", CHAPTERS, ids=lambda s: s.rsplit("/", 1)[-1])
def test_chapter_is_a_labelled_myst_notebook(stem):
    """Each chapter is a MyST notebook (jupytext header + kernelspec) with a (ch-...)= label on its title."""
    text = source(stem).read_text()
    header = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert header, f"{stem}.md has no YAML header"
    meta = yaml.safe_load(header.group(1))
    assert meta.get("jupytext", {}).get("text_representation", {}).get("format_name") == "myst"
    assert meta.get("kernelspec", {}).get("name") == "python3"
    prefix = next((p for folder, p in LABEL_PREFIX.items() if stem.startswith(folder)), "ch")
    assert re.search(rf"^\({prefix}-[a-z0-9-]+\)=\n#\s", text, re.M), (
        f"{stem}.md needs a '({prefix}-...)=' label on the line before its '# Title'"
    )
    kernels = set(re.findall(r"^`{3,}\{code-cell\}[ \t]*(\S*)", text, re.M))
    assert kernels <= {"ipython3"}, f"{stem}.md: code cells must be '{{code-cell}} ipython3', got {kernels}"


def test_no_orphan_markdown_in_book():
    listed = {f"{stem}.md" for stem in toc_files(TOC)}
    orphans = [
        p.relative_to(ROOT).as_posix()
        for p in BOOK.rglob("*.md")
        if ".ipynb_checkpoints" not in p.parts
        and p.relative_to(ROOT).as_posix() not in listed
        and not p.relative_to(ROOT).as_posix().startswith(ALLOWED_OUTSIDE_TOC)
    ]
    assert not orphans, f"markdown files in book/ missing from _toc.yml: {orphans}"


def test_chapter_labels_are_unique():
    labels = []
    for stem in CHAPTERS:
        labels += re.findall(r"^\(((?:ch|lab)-[a-z0-9-]+)\)=", source(stem).read_text(), re.M)
    assert len(labels) == len(set(labels)), f"duplicate chapter labels: {labels}"


def lab_files() -> list[str]:
    return sorted(p.relative_to(ROOT).with_suffix("").as_posix()
                  for p in (ROOT / LABS).glob("lab*.md"))


def test_labs_have_their_own_part():
    """The labs are a part of the menu of their own, "Labs", one menu entry per lab in order,
    rather than pages nested under the teacher's guide (where a student would not look)."""
    labs = lab_files()
    assert labs, f"no labs found in {LABS}"
    parts = {part.get("caption"): part for part in TOC.get("parts", [])}
    assert "Labs" in parts, f"_toc.yml has no 'Labs' part (parts: {list(parts)})"
    entries = [c["file"] for c in parts["Labs"]["chapters"]]
    assert entries == labs, f"the Labs part should list {labs} in order, got {entries}"
    assert not any(c.get("sections") for c in parts["Labs"]["chapters"])


def test_labs_are_not_nested_under_another_page():
    """No page of the toc has a lab among its sections: each lab is reached from the menu."""
    nested = []

    def walk(entries, parent=None):
        for entry in entries or []:
            if parent is not None and entry.get("file", "").startswith(LABS):
                nested.append((parent, entry["file"]))
            walk(entry.get("sections"), entry.get("file"))

    for part in TOC.get("parts", []):
        walk(part.get("chapters"))
    assert not nested, f"labs nested under other pages: {nested}"


def test_labs_part_is_unnumbered_and_follows_the_raft_part():
    """Chapter numbers 1-9 stay the Raft part's; the Labs part comes right after it."""
    captions = [part.get("caption") for part in TOC.get("parts", [])]
    assert captions[:2] == ["Raft", "Labs"], captions
    labs_part = TOC["parts"][1]
    assert not labs_part.get("numbered"), "the Labs part should not be numbered"
