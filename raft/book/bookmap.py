"""The map of the book on its landing page: a core path, the rest, reading times, labs.

Theory of operation
-------------------
The map is built from the table of contents (``_toc.yml``) when the book is built, so it can only
list pages that exist and cannot forget one: every page of the table of contents is on the map
exactly once, in one of these groups.

* **Core path** (:data:`CORE`): what a first course on Raft needs.
* **Background** (:data:`BACKGROUND`): why consensus, and what Raft aims for; read any time.
* **Going further**: every other page of the numbered Raft part, and of any part this module
  does not know (chapters still to come land here by themselves).
* **Labs**: the pages of the "Labs" part, each with the chapter it goes with (:data:`LAB_CHAPTER`)
  and the time the teacher's guide suggests for it (read from that guide's table).
* **Reference and teaching**: the pages of the "Classroom" part.

The reading time of a page is an estimate from its source: the words of its prose (code cells,
labels and the notebook header left out) at :data:`WORDS_PER_MINUTE`, plus
:data:`MINUTES_PER_ANIMATION` for each animation (a ``play(`` call in a code cell), rounded up to
five minutes. :func:`markdown` writes the map as MyST Markdown with ``{doc}`` links, so the book's
build (warnings as errors) fails if a link goes nowhere.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import NamedTuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORDS_PER_MINUTE = 200
MINUTES_PER_ANIMATION = 1

#: What a first course needs, in reading order.
CORE = ("book/01_introduction", "book/04_parts", "book/05_leader_election",
        "book/06_log_replication", "book/07_safety")
#: Context: read before, after, or not at all on a first pass.
BACKGROUND = ("book/02_consensus", "book/03_goals")
#: Which chapter each lab goes with (do the lab after reading it).
LAB_CHAPTER = {
    "book/labs/lab1_election": "book/05_leader_election",
    "book/labs/lab2_replication": "book/06_log_replication",
    "book/labs/lab3_commitment": "book/07_safety",
    "book/labs/lab4_persistence": "book/05_leader_election",
    "book/labs/lab5_membership": "book/08_membership",
    "book/labs/lab6_reads": "book/12_clients",
}
#: Why each part of the book that is not the core path is worth reading.
NOTES = {
    "book/02_consensus": "what agreement buys a system; availability in numbers",
    "book/03_goals": "understandability, speed and fault tolerance, measured",
    "book/08_membership": "adding and removing servers safely (joint consensus)",
    "book/09_real_world": "hashicorp/raft, Consul, RabbitMQ, orchestrator; the book's limits",
    "book/12_clients": "clients, linearizability, and four ways to read (one of them wrong)",
    "book/appendix/figure2": "every rule of the paper's Figure 2, linked to code and tests",
    "book/appendix/bug_zoo": "classic Raft bugs, each caught by the checks of this book",
    "book/appendix/teachers": "running the labs, grading, discussion questions",
    "book/05_leader_election": "its Figure 16 reproduction is optional on a first pass",
}
TEACHERS_GUIDE = "book/appendix/teachers"
LABS_PART, CLASSROOM_PART = "Labs", "Classroom"


class Page(NamedTuple):
    doc: str          # the page as _toc.yml names it, e.g. "book/05_leader_election"
    title: str
    words: int        # words of prose
    animations: int   # play( calls
    minutes: int      # estimated reading time, a multiple of 5


def toc(root=ROOT):
    """``[(part caption, [doc, ...]), ...]`` in reading order (the landing page not included)."""
    data = yaml.safe_load((root / "_toc.yml").read_text())
    out = []

    def walk(entries, found):
        for entry in entries or []:
            if "file" in entry:
                found.append(entry["file"])
            walk(entry.get("sections"), found)
        return found

    if data.get("chapters"):
        out.append(("", walk(data["chapters"], [])))
    for part in data.get("parts") or []:
        out.append((part.get("caption", ""), walk(part.get("chapters"), [])))
    return out


def _prose(text):
    """The prose of a MyST notebook: no header, code cells, labels or directive options."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"^```\{code-cell\}.*?^```\s*$", "", text, flags=re.S | re.M)
    text = re.sub(r"^```\{literalinclude\}.*?^```\s*$", "", text, flags=re.S | re.M)
    text = re.sub(r"^\([\w-]+\)=\s*$", "", text, flags=re.M)
    text = re.sub(r"^:[\w-]+:.*$", "", text, flags=re.M)
    return text


def page(doc, root=ROOT):
    """The title, size and reading time of one page of the book."""
    text = (root / f"{doc}.md").read_text()
    title = re.search(r"^#\s+(.+)$", text, re.M).group(1).strip()
    words = len(re.findall(r"[A-Za-z0-9][\w'’-]*", _prose(text)))
    cells = re.findall(r"^```\{code-cell\}.*?^```\s*$", text, flags=re.S | re.M)
    animations = sum(cell.count("play(") for cell in cells)
    raw = words / WORDS_PER_MINUTE + animations * MINUTES_PER_ANIMATION
    return Page(doc, title, words, animations, max(5, 5 * math.ceil(raw / 5)))


def lab_times(root=ROOT):
    """``{lab doc: "2 h", ...}`` from the table of the teacher's guide (label -> suggested time)."""
    guide = (root / f"{TEACHERS_GUIDE}.md").read_text()
    labels = {}
    for lab in LAB_CHAPTER:
        path = root / f"{lab}.md"
        if path.is_file():
            found = re.search(r"^\((lab-[\w-]+)\)=", path.read_text(), re.M)
            if found:
                labels[found.group(1)] = lab
    times = {}
    for row in re.findall(r"^\|(.+)\|\s*$", guide, re.M):
        cells = [c.strip() for c in row.split("|")]
        label = re.search(r"<(lab-[\w-]+)>", cells[0])
        if label and label.group(1) in labels:
            times[labels[label.group(1)]] = cells[-1]
    return times


class Group(NamedTuple):
    name: str
    intro: str
    pages: list       # of Page


def groups(root=ROOT):
    """The map: its groups in order, every page of the table of contents in exactly one."""
    parts = toc(root)
    listed = [doc for _, docs in parts for doc in docs]
    in_part = {doc: caption for caption, docs in parts for doc in docs}
    core = [page(d, root) for d in CORE if d in in_part]
    background = [page(d, root) for d in BACKGROUND if d in in_part]
    labs = [page(d, root) for d in listed if in_part[d] == LABS_PART]
    classroom = [page(d, root) for d in listed if in_part[d] == CLASSROOM_PART]
    placed = {p.doc for p in core + background + labs + classroom}
    further = [page(d, root) for d in listed if d not in placed]
    return [
        Group("Core path", "What a first course on Raft needs, in this order.", core),
        Group("Background", "Why consensus, and what Raft was designed to be: read them before "
              "the core path, after it, or when a question comes up.", background),
        Group("Going further", "Once the core path is clear.", further),
        Group("Labs", "Write a part of Raft yourself and grade it, after the chapter each lab "
              "goes with (times from the teacher's guide).", labs),
        Group("Reference and teaching", "Pages to come back to.", classroom),
    ]


def _link(p):
    return f"{{doc}}`{p.title} </{p.doc}>`"


def markdown(root=ROOT):
    """The map as MyST Markdown (a list per group)."""
    times = lab_times(root)
    titles = {doc: page(doc, root).title for _, docs in toc(root) for doc in docs}
    lines = []
    for group in groups(root):
        if not group.pages:
            continue
        total = sum(p.minutes for p in group.pages)
        if group.name == "Labs":
            lines.append(f"**{group.name}.** {group.intro}")
        else:
            lines.append(f"**{group.name}** (about {_hours(total)} of reading). {group.intro}")
        lines.append("")
        for p in group.pages:
            if group.name == "Labs":
                chapter = LAB_CHAPTER.get(p.doc)
                after = (f" (with {{doc}}`{titles[chapter]} </{chapter}>`)"
                         if chapter in titles else "")
                suggested = f", about {times[p.doc]}" if p.doc in times else ""
                lines.append(f"- {_link(p)}{after}{suggested}")
                continue
            note = f": {NOTES[p.doc]}" if p.doc in NOTES else ""
            lines.append(f"- {_link(p)}, {p.minutes} min{note}")
        lines.append("")
    lines.append(f"<small>Reading times are estimates from each page's source: its words of "
                 f"prose at {WORDS_PER_MINUTE} a minute, plus {MINUTES_PER_ANIMATION} minute "
                 f"for each animation, rounded up to 5 minutes. Running the code and doing the "
                 f"exercises takes longer.</small>")
    return lines and "\n".join(lines)


def _hours(minutes):
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


class Map:
    """What the landing page's cell returns: shown as Markdown by MyST-NB and Jupyter."""

    def _repr_markdown_(self):
        return markdown()
