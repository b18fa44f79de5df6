"""Leave out of the built site the theme files that no page needs.

* pydata-sphinx-theme and sphinx-book-theme copy their source maps (``*.map``, about 3.4 MB,
  fetched only by a browser's developer tools) and their message catalogues (``_static/locales``,
  used when Sphinx builds, not by pages) into ``_static/``.
* pydata-sphinx-theme loads Font Awesome's 1.5 MB script on every page "so that users can add
  custom icons": it turns ``<i class="fa ...">`` into inline SVG. The book adds no icons of its
  own, and the theme's icons draw from its Font Awesome web fonts (in its CSS) without the
  script, so the script tag is taken out of every page and the file out of the site.

The book is meant to be copied around and read offline, so the site ships only what pages use.
The browser test fails on any local request that 404s, so a file removed here that a page needed
would show up there.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx

FONTAWESOME_TAG = re.compile(
    r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js(\?[^"]*)?"></script>\n?')


def prune(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    static = out / "_static"
    for source_map in static.rglob("*.map"):
        source_map.unlink()
    shutil.rmtree(static / "locales", ignore_errors=True)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        stripped = FONTAWESOME_TAG.sub("", text)
        if stripped != text:
            page.write_text(stripped, encoding="utf-8")
    for script in (static / "scripts").glob("fontawesome.js*"):
        script.unlink()


def setup(app: Sphinx) -> dict:
    app.connect("build-finished", prune)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
