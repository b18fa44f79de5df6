"""Every chapter (every notebook page in the toc) runs top to bottom without an error, quickly.

Two ways to know, the same checks either way:

- The build just ran the chapter (scripts/test.sh builds the book first; CI forces every
  notebook to execute): then the test reads what the build recorded, Sphinx's record of each
  notebook's execution (succeeded, its error, its run time) and the executed notebook it wrote
  to _build/jupyter_execute, after checking that this record is of the chapter as it is now
  (the same code cells as the source, and the build's stamp of raft/ and requirements.txt the
  same as theirs now). Executing all of them a second time cost a fifth of the test run.
- Otherwise (no build, or a build of older code), and always with RAFT_SLOW=1, it runs the
  chapter itself, the fast, build-independent twin of the build: jupytext reads the MyST
  notebook and nbclient runs it in a fresh kernel the way a reader's Jupyter would, with the
  notebook's folder as working directory.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import time
from pathlib import Path

import jupytext
import nbclient
import pytest
import yaml
from budget import SLOW

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
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


def code_stamp() -> str:
    """What scripts/build_book.sh writes to _build/.raft-code.sha256 after a build: the hash of
    requirements.txt and every raft/**/*.py, in sorted path order."""
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    for path in sorted(str(p.relative_to(ROOT)) for p in (ROOT / "raft").rglob("*.py")):
        digest.update((ROOT / path).read_bytes())
    return digest.hexdigest()


def built_record(path: Path, docname: str | None = None):
    """(the build's execution record, the executed notebook) for the chapter at ``path`` if the
    last build executed the chapter as it is now; else None. ``docname`` (e.g. "book/03_goals")
    defaults to the path's, under the repository root."""
    docname = docname or path.relative_to(ROOT).with_suffix("").as_posix()
    executed = BUILD / "jupyter_execute" / f"{docname}.ipynb"
    environment = BUILD / ".doctrees" / "environment.pickle"
    stamp = BUILD / ".raft-code.sha256"
    if not (executed.is_file() and environment.is_file() and stamp.is_file()):
        return None
    if stamp.read_text().strip() != code_stamp():
        return None
    built = json.loads(executed.read_text(encoding="utf-8"))
    source = jupytext.read(path)

    def code(cells):
        return [c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                for c in cells if c["cell_type"] == "code"]

    if code(built["cells"]) != code(source.cells):
        return None
    record = _environment(environment).get(docname, {}).get("exec_data")
    return (record, built) if record else None


_ENVIRONMENTS: dict[Path, dict] = {}


def _environment(path: Path) -> dict:
    """Sphinx's pickled environment: myst-nb keeps each notebook's execution record there."""
    if path not in _ENVIRONMENTS:
        with path.open("rb") as f:
            _ENVIRONMENTS[path] = pickle.load(f).nb_metadata
    return _ENVIRONMENTS[path]


def unexpected_errors(notebook) -> list:
    return [
        output
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        and "raises-exception" not in cell["metadata"].get("tags", [])  # an error that is the lesson
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]


@pytest.mark.parametrize("path", toc_notebooks(), ids=lambda p: p.stem)
def test_chapter_executes(path: Path):
    found = None if SLOW else built_record(path)
    if found:
        record, notebook = found
        assert record["succeeded"] and record["error"] is None, \
            f"{path.name} failed when the book was built: {record['error']}\n{record['traceback']}"
        elapsed = record["runtime"]
    else:
        notebook = jupytext.read(path)
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
    assert notebook["metadata"].get("kernelspec", {}).get("name") == "python3"
    errors = unexpected_errors(notebook)
    assert not errors, errors
    assert elapsed < CHAPTER_BUDGET, f"{path.name} took {elapsed:.0f} s to execute"


def test_the_build_s_record_is_used_only_for_the_chapter_as_it_is_now(tmp_path, monkeypatch):
    """A chapter whose code changed since the build, or a raft/ that changed since, is executed
    again, not judged by the build's record of the older code."""
    chapter = next(p for p in toc_notebooks() if p.stem == "01_introduction")
    docname = "book/01_introduction"
    if built_record(chapter, docname) is None:
        pytest.skip("no build of the current code: run `bash scripts/build_book.sh` first")
    changed = tmp_path / chapter.name
    changed.write_text(chapter.read_text().replace("```{code-cell} ipython3\n",
                                                   "```{code-cell} ipython3\nx = 1\n", 1))
    assert built_record(changed, docname) is None
    monkeypatch.setitem(globals(), "code_stamp", lambda: "0" * 64)
    assert built_record(chapter, docname) is None
