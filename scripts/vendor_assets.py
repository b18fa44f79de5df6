"""Copy the front-end files the built pages load from node_modules/ into _vendor/.

Sphinx copies _vendor/ into _build/html/_static/ (html_static_path in _config.yml), so the pages
load MathJax's fonts from local files, never from a CDN. (The players need no vendored library: the
painter, raft/viz/painter.js, is the book's own plain script; _ext/raft_painter.py copies it.)
Pyodide (npm `pyodide`) goes to _vendor/pyodide/: the live explorer's web worker loads it from
_static/pyodide/ when a reader presses "Run live" (_ext/raft_live.py checks it is there). Only the
files that pages actually request are copied (see MANIFEST); the browser tests fail on any 404,
so a missing file here shows up there.

Run `npm ci` first. Usage: python scripts/vendor_assets.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "_vendor"

# (source under node_modules, destination under _vendor, glob or None for a single file)
MANIFEST: list[tuple[str, str, str | None]] = [
    # MathJax's CHTML fonts: the book's math is typeset at build time (_ext/raft_math.py, with
    # the mathjax-full package), and the pages load only the fonts their characters use.
    ("mathjax-full/LICENSE", "mathjax/LICENSE", None),
    ("mathjax-full/es5/output/chtml/fonts/woff-v2", "mathjax/output/chtml/fonts/woff-v2", "*.woff"),
    # Pyodide: the five files loadPyodide() requests when only the standard library is used
    # (no wheels, no CDN: see ../shared/notes/pyodide.md). Pyodide is MPL-2.0 (its package.json).
    ("pyodide/pyodide.mjs", "pyodide/pyodide.mjs", None),
    ("pyodide/pyodide.asm.mjs", "pyodide/pyodide.asm.mjs", None),
    ("pyodide/pyodide.asm.wasm", "pyodide/pyodide.asm.wasm", None),
    ("pyodide/python_stdlib.zip", "pyodide/python_stdlib.zip", None),
    ("pyodide/pyodide-lock.json", "pyodide/pyodide-lock.json", None),
]


def main() -> int:
    if not NODE.is_dir():
        print("node_modules/ is missing: run `npm ci` first", file=sys.stderr)
        return 1
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    count = 0
    for src, dst, pattern in MANIFEST:
        source = NODE / src
        target = VENDOR / dst
        if pattern is None:
            files = [(source, target)]
        else:
            files = [(f, target / f.relative_to(source)) for f in sorted(source.rglob(pattern))]
            if not files:
                print(f"nothing matches {pattern} in {source}", file=sys.stderr)
                return 1
        for f, t in files:
            if not f.is_file():
                print(f"missing {f}: is node_modules up to date (`npm ci`)?", file=sys.stderr)
                return 1
            t.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, t)
            count += 1
    size = sum(p.stat().st_size for p in VENDOR.rglob("*") if p.is_file())
    print(f"vendored {count} files ({size / 1e6:.1f} MB) into {VENDOR.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
