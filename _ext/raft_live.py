"""The live page: the book's own ``raft`` package, run by Pyodide in the reader's browser.

A page that holds a live explorer (``<div class="raft-live">``, the still picture that
``raft.viz.explore()`` leaves in an executed notebook) gets three files of ``_assets/``:

* ``raft-live.js``: the page's side of the worker protocol (start Pyodide in a web worker, run
  code, call Python, progress, time limits; documented in the file);
* ``raft-explorer.js`` and ``raft-live.css``: the explorer's controls, which appear when the
  reader presses "Run live".

A page with exercises whose solutions hold code, a lab page (its "Your turn" cell, ``class
StudentNode(LabNNode):``) or the bug zoo (``<div class="raft-zoo-live">``) gets ``raft-live.js``,
``raft-live.css`` and ``raft-workbench.js``, and a ``<script type="application/json"
class="raft-workbench-config">`` with the code to offer, read from the page's own source by
``_ext/raft_live_cells.py`` (an exercise's solution cells, the lab's cell, and the statements of
earlier cells they need), so the page's starting code is the notebook's, never pasted twice.

Nothing is loaded from Pyodide until a reader asks for it. At ``build-finished`` this extension
writes, into ``_static/raft-live/``:

* ``raft-<hash>.zip``: every ``.py`` and ``.js`` file of ``raft/`` as it is in this source tree
  when the book is built, so the page runs exactly the code the tests run (the hash in the name
  changes with the code, so a browser never runs a stale copy from its cache);
* ``python-<key>.snap.gz``: a Pyodide memory snapshot, Python started with that zip imported
  (``_ext/pyodide_snapshot.mjs``, run under node with the npm package; about 7 MB gzipped). The
  worker starts Python from it in about a second instead of booting it (about three seconds of
  work), and boots it the long way if it cannot. It is made again only when the zip, Pyodide or
  the script change (kept in ``_build/.raft-live/``).

Pyodide itself (``pyodide.mjs``, its wasm and standard library, from npm) is vendored into
``_static/pyodide/`` by ``scripts/vendor_assets.py``; a build without it fails, so no page ever
offers a "Run live" that cannot start.

What "Run live" downloads the first time (Pyodide's files, the worker, the zip and the
snapshot: :func:`download_bytes`) is summed from the very files shipped and given to the page
as ``data-raft-bytes`` on ``raft-live.js``, so the figure beside the button ("loads about N MB")
follows the files.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

sys.path.insert(0, str(Path(__file__).resolve().parent))
import raft_live_cells  # noqa: E402  (beside this file)

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "raft"
MARK = 'class="raft-live"'
ZOO_MARK = "raft-zoo-live"
PAINTER_MARK = 'class="raft-painter"'
ZIP_DIR = "raft-live"
PYODIDE_DIR = "pyodide"
NPM_PYODIDE = ROOT / "node_modules" / "pyodide"
SNAPSHOT_SCRIPT = Path(__file__).with_name("pyodide_snapshot.mjs")
SNAPSHOT_CACHE = ROOT / "_build" / ".raft-live"
#: What a page loads from the Pyodide package (see scripts/vendor_assets.py).
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json")
SUFFIXES = (".py", ".js")
#: The live page's own files in _assets/ (html_static_path copies them too, but Sphinx skips
#: that when no page is out of date; copying them here keeps a rebuild from serving old ones).
ASSETS = ("raft-live.js", "raft-live-worker.js", "raft-explorer.js", "raft-workbench.js",
          "raft-live.css")
#: What "Run live" fetches besides Pyodide's files, the zip and the snapshot (in _static/).
WORKER = "raft-live-worker.js"
VENDOR_PYODIDE = ROOT / "_vendor" / PYODIDE_DIR


def package_files(root: Path = PACKAGE) -> list[Path]:
    """The files of the raft package that go into the zip, sorted: ``.py`` and ``.js`` files,
    no caches."""
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts)


def build_zip(root: Path = PACKAGE) -> bytes:
    """The raft package as a zip (paths start with ``raft/``). Deterministic: the same sources
    give the same bytes (fixed dates, sorted names)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for path in package_files(root):
            info = zipfile.ZipInfo("raft/" + path.relative_to(root).as_posix(),
                                   date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, path.read_bytes())
    return out.getvalue()


def zip_name(data: bytes) -> str:
    return f"raft-{hashlib.sha256(data).hexdigest()[:12]}.zip"


def pyodide_version() -> str:
    return json.loads((NPM_PYODIDE / "package.json").read_text())["version"]


def snapshot_name(zip_data: bytes) -> str:
    """The snapshot's file name: a hash of what makes it (the zip, Pyodide, the script)."""
    key = hashlib.sha256(zip_data + pyodide_version().encode() + SNAPSHOT_SCRIPT.read_bytes())
    return f"python-{key.hexdigest()[:12]}.snap.gz"


def make_snapshot(zip_data: bytes, name: str) -> Path:
    """The snapshot for this zip, from the cache or made now under node."""
    target = SNAPSHOT_CACHE / name
    if target.is_file():
        return target
    SNAPSHOT_CACHE.mkdir(parents=True, exist_ok=True)
    zip_path = SNAPSHOT_CACHE / "raft.zip"
    zip_path.write_bytes(zip_data)
    partial = target.with_suffix(".part")
    try:
        done = subprocess.run(["node", str(SNAPSHOT_SCRIPT), f"{NPM_PYODIDE}/", str(zip_path),
                               str(partial)], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ExtensionError(f"could not run node to make the Pyodide snapshot: {e}") from e
    if done.returncode != 0 or not partial.is_file():
        raise ExtensionError("making the Pyodide snapshot failed (_ext/pyodide_snapshot.mjs):\n"
                             + (done.stderr or done.stdout)[-3000:])
    partial.replace(target)
    for old in SNAPSHOT_CACHE.glob("python-*.snap.gz"):
        if old.name != name:
            old.unlink()
    return target


def missing_pyodide(folder: Path) -> list[str]:
    return [f for f in PYODIDE_FILES if not (folder / f).is_file()]


def download_bytes(zip_size: int, snapshot: Path, pyodide: Path = VENDOR_PYODIDE) -> int:
    """How many bytes "Run live" fetches the first time: Pyodide's files (PYODIDE_FILES), the
    worker script, the raft zip and the snapshot (the browser's own requests, headers aside)."""
    return (sum((pyodide / f).stat().st_size for f in PYODIDE_FILES)
            + (ROOT / "_assets" / WORKER).stat().st_size + zip_size + snapshot.stat().st_size)


def on_init(app: Sphinx) -> None:
    data = build_zip()
    app.env_raft_live_zip = (zip_name(data), data)   # type: ignore[attr-defined]
    app.env_raft_live_snapshot = snapshot_name(data)   # type: ignore[attr-defined]
    missing = missing_pyodide(VENDOR_PYODIDE)
    if missing:
        raise ExtensionError(f"Pyodide is missing from _vendor/{PYODIDE_DIR}/ "
                             f"({', '.join(missing)}): run `npm ci` and "
                             "`python scripts/vendor_assets.py` (scripts/build_book.sh does)")
    # Made (or found in the cache) now, so that its size is known when the pages are written.
    snapshot = make_snapshot(data, app.env_raft_live_snapshot)   # type: ignore[attr-defined]
    app.env_raft_live_bytes = download_bytes(len(data), snapshot)   # type: ignore[attr-defined]


def lab_head(lab: dict) -> str:
    """What a lab's file holds above the student's cell: how to grade it, and the imports of
    the page's earlier cells that the cell needs."""
    from raft.classroom.labs import LABS

    n, title = lab["lab"], LABS[lab["lab"]].title if lab["lab"] in LABS else ""
    return (f"# Lab {n} ({title}) of the Raft book, written in the book's page.\n"
            f"# Grade it from a shell:  python -m raft.grade lab{n} {lab['file_name']}:"
            f"{lab['class_name']}\n"
            "# With nbgrader: the class below is the lab notebook's \"Your turn\" cell.\n"
            + (lab["prelude"] + "\n" if lab["prelude"] else "") + "\n\n")


def workbench_config(app: Sphinx, pagename: str, body: str) -> dict | None:
    """What the page offers to run (see the module docstring), or None."""
    source = Path(app.env.doc2path(pagename))
    cells = raft_live_cells.read_cells(source) if source.suffix == ".md" else []
    exercises = [{k: ex[k] for k in ("label", "code", "prelude", "missing")}
                 for ex in raft_live_cells.exercises(cells) if f'id="{ex["label"]}"' in body]
    lab = raft_live_cells.lab(cells, source.stem)
    if lab is not None:
        lab = {k: lab[k] for k in ("lab", "class_name", "code", "file_name", "missing")} | {
            "head": lab_head(lab)}
    zoo = None
    if ZOO_MARK in body:
        from raft.classroom.bugs import BUGS

        zoo = [{"name": name, "title": cls.title, "section": cls.section, "finds": cls.finds}
               for name, cls in BUGS.items()]
    if not (exercises or lab or zoo):
        return None
    return {"exercises": exercises, "lab": lab, "zoo": zoo}


def on_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    body = context.get("body") or ""
    explorer = MARK in body
    work = workbench_config(app, pagename, body) if pagename.startswith("book/") else None
    if not (explorer or work):
        return
    name, _ = app.env_raft_live_zip   # type: ignore[attr-defined]
    # After the painter (priority 600): the explorer and the workbench build on it.
    snapshot = app.env_raft_live_snapshot   # type: ignore[attr-defined]
    app.add_js_file("raft-live.js", priority=610, **{
        "data-raft-zip": f"{ZIP_DIR}/{name}", "data-raft-snapshot": f"{ZIP_DIR}/{snapshot}",
        "data-raft-bytes": str(app.env_raft_live_bytes)})   # type: ignore[attr-defined]
    app.add_css_file("raft-live.css")
    if explorer:
        app.add_js_file("raft-explorer.js", priority=620)
    if work:
        if PAINTER_MARK not in body:      # the players an exercise, a lab or the zoo shows
            app.add_js_file("raft-painter.js", priority=600)
        app.add_js_file("raft-workbench.js", priority=630)
        data = json.dumps(work, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
        context["body"] = body + ('<script type="application/json" class="raft-workbench-config">'
                                  f"{data}</script>\n")


def write_zip(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    missing = missing_pyodide(static / PYODIDE_DIR)
    if missing:
        raise ExtensionError(f"Pyodide is missing from _static/{PYODIDE_DIR}/ ({', '.join(missing)}):"
                             " run `npm ci` and `python scripts/vendor_assets.py` "
                             "(scripts/build_book.sh does)")
    name, data = app.env_raft_live_zip   # type: ignore[attr-defined]
    snapshot = app.env_raft_live_snapshot   # type: ignore[attr-defined]
    target = static / ZIP_DIR
    target.mkdir(parents=True, exist_ok=True)
    for old in [*target.glob("raft-*.zip"), *target.glob("python-*.snap.gz")]:
        if old.name not in (name, snapshot):
            old.unlink()
    (target / name).write_bytes(data)
    for asset in ASSETS:
        shutil.copyfile(ROOT / "_assets" / asset, static / asset)
    if not (target / snapshot).is_file():
        shutil.copyfile(make_snapshot(data, snapshot), target / snapshot)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", on_init)
    # After myst-nb's handler (500) and the painter's (900 adds its script there too).
    app.connect("html-page-context", on_page, priority=910)
    app.connect("build-finished", write_zip)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
