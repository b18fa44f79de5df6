"""Offer every notebook chapter as an executed .ipynb download, without launch buttons.

sphinx-book-theme only copies a MyST Markdown notebook's executed .ipynb into ``_sources/`` (and
adds the ".ipynb" entry to the download menu) when a launch provider such as Binder or Thebe is
configured. This book has none, since they need the network, so this extension does that one step
itself: for each page whose source is a notebook (it has a kernelspec), copy
``_build/jupyter_execute/<page>.ipynb`` next to the page's source and set ``ipynb_source``, which
the theme's download button reads.

The downloadable copy keeps every ordinary output (text, tables, images, the players' scenes) but
not the ipywidgets state nor the painter's script that each player carries inline in a notebook:
Jupyter does not run scripts in a downloaded (untrusted) notebook, so a player shows its picture
in words until the reader runs the cell. Widget outputs keep their plain-text fallback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# The painter's script, inlined after every player in a notebook's output (raft.viz.embed).
# The same for the questions' script after each block of questions (raft.viz.questions).
INLINE_PAINTER = re.compile(r'<script class="raft-(?:painter|questions)-inline">.*?</script>', re.S)


def without_widget_state(notebook: dict) -> dict:
    """The notebook minus its saved widget state and the widget views that need it, and minus
    the painter's script inlined after each player (about 50 KB a player): a downloaded notebook
    is not trusted, so Jupyter would not run it anyway. Each player keeps its scenes and its
    picture in words, and running the cell draws it again."""
    notebook.get("metadata", {}).pop("widgets", None)
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data and WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
                data.setdefault("text/plain", "(a widget: run this cell to show it)")
            html = data.get("text/html") if data else None
            if html:
                text = "".join(html) if isinstance(html, list) else html
                if "raft-painter-inline" in text or "raft-questions-inline" in text:
                    data["text/html"] = INLINE_PAINTER.sub("", text)
    return notebook


def add_ipynb_source(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.format != "html" or doctree is None:
        return
    if "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    if context.get("ipynb_source"):
        return  # the theme already did it
    outdir = Path(app.outdir)
    executed = outdir.parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        logger.warning("no executed notebook for %s at %s", pagename, executed)
        return
    target = outdir / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    notebook = without_widget_state(json.loads(executed.read_text(encoding="utf-8")))
    target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app: Sphinx) -> dict:
    # Before sphinx-book-theme builds its header buttons (priority 501).
    app.connect("html-page-context", add_ipynb_source, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
