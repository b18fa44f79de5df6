"""The painter in the built book: one shared script instead of a copy per player, and no widget
runtime on any page.

In a notebook every player (``raft.viz.play``, ``show``, the explorer's still picture) carries the
painter's script inline, so it works anywhere. In the book a page may hold a dozen players; at
``html-page-context`` this extension

* removes the inlined copies (``<script class="raft-painter-inline">``) from the page body and
  adds one ``<script src="_static/raft-painter.js">`` to the pages that hold a player;
* does the same for the questions under a player (``raft.viz.question``): removes their inlined
  script (``<script class="raft-questions-inline">``) and adds ``_static/raft-questions.js``;
* drops the ipywidgets state that executed notebooks carry (the explorer is a widget in a live
  notebook, but a page shows its still picture: see ``nb_mime_priority_overrides`` in
  _config.yml), since no page renders a widget view any more.

At ``build-finished`` it copies ``raft/viz/painter.js`` to ``_static/raft-painter.js`` and
``raft/viz/questions.js`` to ``_static/raft-questions.js``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx

ROOT = Path(__file__).resolve().parent.parent
PAINTER = ROOT / "raft" / "viz" / "painter.js"
STATIC_NAME = "raft-painter.js"
INLINE = re.compile(r'<script class="raft-painter-inline">.*?</script>', re.S)
QUESTIONS = ROOT / "raft" / "viz" / "questions.js"
QUESTIONS_NAME = "raft-questions.js"
QUESTIONS_INLINE = re.compile(r'<script class="raft-questions-inline">.*?</script>', re.S)
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def on_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    body = context.get("body") or ""
    if 'class="raft-painter"' in body:
        context["body"] = INLINE.sub("", body)
        app.add_js_file(STATIC_NAME, priority=600)
    if 'class="raft-questions"' in (context.get("body") or ""):
        context["body"] = QUESTIONS_INLINE.sub("", context["body"])
        app.add_js_file(QUESTIONS_NAME, priority=601)   # after the painter, which it drives
    if WIDGET_VIEW not in context.get("body", ""):
        scripts = context.get("script_files")
        if scripts is not None:
            scripts[:] = [s for s in scripts
                          if getattr(s, "attributes", {}).get("type") != WIDGET_STATE]


def copy_painter(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / STATIC_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PAINTER, target)
    shutil.copyfile(QUESTIONS, target.with_name(QUESTIONS_NAME))


def setup(app: Sphinx) -> dict:
    # After myst-nb's own html-page-context handler (priority 500), which adds the widget state.
    app.connect("html-page-context", on_page, priority=900)
    app.connect("build-finished", copy_painter)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
