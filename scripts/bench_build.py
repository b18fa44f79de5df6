"""Build-time and size figures for the README (a benchmark, not a test).

Builds the book twice into a temporary folder (your _build/ is left alone):
  1. clean: empty output folder and execution cache, so every notebook is executed;
  2. cached rebuild: every page written again (--all), notebooks taken from the cache.
Then reports the heaviest page (its HTML, which holds the players' scenes and inline images, plus
the local images it loads from _images/) and the size of the whole site. Everything a page loads
in the browser (scripts, styles, fonts included) is measured by scripts/bench_painter.py --weights.

Run it in the project's environment, after `bash scripts/build_book.sh` has set that up:
    .venv/bin/python scripts/bench_build.py
Targets (issue 3): clean build < 5 min on 2 cores, heaviest page < 5 MB, site < 40 MB.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


def build(output: Path, *extra: str) -> float:
    command = [str(JUPYTER_BOOK), "build", str(ROOT), "--path-output", str(output),
               "-W", "-n", "--keep-going", "-q", *extra]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.stdout.write(result.stdout[-4000:])
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"build failed: {' '.join(command)}")
    return elapsed


def page_weight(site: Path, page: Path) -> int:
    """Bytes a reader downloads for this page's content: the HTML plus local images it shows."""
    html = page.read_text(errors="replace")
    total = page.stat().st_size
    for src in set(re.findall(r'<img[^>]+src="([^"]+)"', html)):
        if urlparse(src).scheme:
            continue  # data: URIs are already inside the HTML
        target = (page.parent / unquote(src.split("#")[0].split("?")[0])).resolve()
        if target.is_file() and site in target.parents:
            total += target.stat().st_size
    return total


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mb(size: int) -> str:
    return f"{size / 1e6:.2f} MB"


def main() -> None:
    if not (ROOT / "_vendor").is_dir():
        raise SystemExit("_vendor/ is missing: run `bash scripts/build_book.sh` once first")
    tmp = Path(tempfile.mkdtemp(prefix="raft-book-bench-"))
    try:
        clean = build(tmp)
        cached = build(tmp, "--all")
        site = tmp / "_build" / "html"
        pages = [p for p in site.rglob("*.html") if "_static" not in p.parts]
        weights = sorted(((page_weight(site, p), p) for p in pages), reverse=True)
        heaviest_size, heaviest = weights[0]
        print(f"machine:                {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        print(f"clean build (all notebooks executed): {clean:6.1f} s")
        print(f"cached rebuild (--all, notebooks from cache): {cached:6.1f} s")
        print(f"heaviest page:          {mb(heaviest_size)}  ({heaviest.relative_to(site)})")
        for size, page in weights[1:4]:
            print(f"  next:                 {mb(size)}  ({page.relative_to(site)})")
        print(f"whole site:             {mb(folder_size(site))}  ({len(pages)} pages)")
        print(f"  of which MathJax's fonts (_static/mathjax) and the painter: "
              f"{mb(folder_size(site / '_static' / 'mathjax') + (site / '_static' / 'raft-painter.js').stat().st_size)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
