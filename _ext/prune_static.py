"""Leave out of the built site the theme files that no page loads.

pydata-sphinx-theme and sphinx-book-theme copy their source maps (``*.map``, about 3.4 MB, fetched
only by a browser's developer tools) and their message catalogues (``_static/locales``, used when
Sphinx builds, not by pages) into ``_static/``. The book is meant to be copied around and read
offline, so the site ships only what pages use. The browser test fails on any local request that
404s, so a file removed here that a page needed would show up there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx


def prune(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    for source_map in static.rglob("*.map"):
        source_map.unlink()
    shutil.rmtree(static / "locales", ignore_errors=True)


def setup(app: Sphinx) -> dict:
    app.connect("build-finished", prune)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
