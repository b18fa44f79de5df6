"""Every chapter (every notebook page in the toc) runs top to bottom without an error, quickly.

This is the fast, build-independent twin of the book build (which executes the notebooks too,
with warnings as errors): jupytext reads each MyST notebook listed in _toc.yml and nbclient runs it
in a fresh kernel the way a reader's Jupyter would, with the notebook's folder as working
directory.
"""

from __future__ import annotations

import time
from pathlib import Path

import jupytext
import nbclient
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CELL_TIMEOUT = 120  # seconds, the same as execute.timeout in _config.yml
CHAPTER_BUDGET = 180  # seconds for a whole chapter: the book must stay quick to build


def toc_notebooks() -> list[Path]:
    """Every page in _toc.yml (chapters, parts, sections) that is a notebook (has a kernelspec)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    stems: list[str] = []

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                stems.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts") or []:
        walk(part.get("chapters"))
    paths = [ROOT / f"{stem}.md" for stem in stems]
    return [p for p in paths if p.is_file() and "\nkernelspec:" in p.read_text().split("\n---", 1)[0]]


@pytest.mark.parametrize("path", toc_notebooks(), ids=lambda p: p.stem)
def test_chapter_executes(path: Path):
    notebook = jupytext.read(path)
    assert notebook.metadata.get("kernelspec", {}).get("name") == "python3"
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.monotonic()
    client.execute()  # raises CellExecutionError, with the traceback, on the first failing cell
    elapsed = time.monotonic() - start
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        and "raises-exception" not in cell.metadata.get("tags", [])  # an error that is the lesson
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, errors
    assert elapsed < CHAPTER_BUDGET, f"{path.name} took {elapsed:.0f} s to execute"
