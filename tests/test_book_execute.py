"""Every chapter runs top to bottom without an error, quickly, in a fresh kernel.

This is the fast, build-independent twin of the book build (which executes the notebooks too,
with warnings as errors): jupytext reads each MyST chapter listed in _toc.yml and nbclient runs it
the way a reader's Jupyter would, with the book/ folder as working directory.
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


def toc_chapters() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapters = toc.get("chapters")
    if chapters is None:
        chapters = [c for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [ROOT / f"{c['file']}.md" for c in chapters]


@pytest.mark.parametrize("path", toc_chapters(), ids=lambda p: p.stem)
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
