"""Math typeset when the book is built, so that pages load no MathJax.

MathJax in the browser costs every page with math about 0.8 MB of script (its core, TeX input and
CHTML output) and a moment of reflow. The book's math is fixed text, so this extension typesets
it once, at build time, with the same MathJax (``mathjax-full`` from npm, run by ``node``;
``_ext/render_math.js``) and writes the finished CHTML into the pages, with the hidden MathML that
screen readers read. Pages then load one shared stylesheet (``_static/raft-math.css``, written
here) and the few MathJax fonts their characters use.

How: when every document has been read (``env-updated``), the TeX of every math node of every
document goes to one ``node`` process; the HTML math renderer registered here ("raft_math", chosen
by ``html_math_renderer`` in _config.yml) then writes the rendering of each node. A TeX error
fails the build with the formula. The result is kept beside the doctrees (raft-math.json) and
reused while the formulas (and the script) stay the same.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util.math import get_node_equation_number

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).with_name("render_math.js")
CSS_NAME = "raft-math.css"
FONT_URL = "mathjax/output/chtml/fonts/woff-v2"   # relative to _static/raft-math.css


def block_tex(node):
    """The TeX of a display-math node, as sphinx.ext.mathjax would hand it to MathJax."""
    if node.get("nowrap") or "amsmath" in node.get("classes", []):
        return node.astext()
    parts = [p for p in node.astext().split("\n\n") if p.strip()]
    if len(parts) > 1:
        return r"\begin{aligned}" + r"\\".join(parts) + r"\end{aligned}"
    return node.astext()


def typeset(items):
    """[(tex, display)] -> ([html], css), with one node process."""
    node = shutil.which("node")
    if node is None:
        raise ExtensionError("typesetting the book's math needs Node.js (`node`), as `npm ci` does")
    env = dict(os.environ, NODE_PATH=str(ROOT / "node_modules"))
    request = {"items": [{"tex": t, "display": d} for t, d in items], "fontURL": FONT_URL}
    done = subprocess.run([node, str(SCRIPT)], input=json.dumps(request), capture_output=True,
                          text=True, env=env, check=False)
    if done.returncode != 0:
        raise ExtensionError(f"typesetting math failed (is node_modules up to date? `npm ci`):\n"
                             f"{done.stderr[-2000:]}")
    out = json.loads(done.stdout)
    if out["errors"]:
        bad = "; ".join(repr(items[k][0]) for k, _ in out["errors"])
        raise ExtensionError(f"TeX that MathJax cannot typeset: {bad}")
    return out["html"], out["css"]


def collect(app: Sphinx, env) -> None:
    items, where = [], {}
    for docname in sorted(env.found_docs):
        try:
            doctree = env.get_doctree(docname)
        except FileNotFoundError:
            continue
        for node in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))):
            key = (block_tex(node), True) if isinstance(node, nodes.math_block) else (node.astext(), False)
            if key not in where:
                where[key] = docname
                items.append(key)
    if not items:
        app.raft_math = ({}, "")
        return
    # The same formulas as last time (most rebuilds): reuse that typesetting, skip node.
    cache = Path(app.doctreedir) / "raft-math.json"
    key = [list(item) for item in items]
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = None
    if saved and saved.get("items") == key and saved.get("script") == SCRIPT.read_text():
        html, css = saved["html"], saved["css"]
    else:
        html, css = typeset(items)
        cache.write_text(json.dumps({"items": key, "html": html, "css": css,
                                     "script": SCRIPT.read_text()}), encoding="utf-8")
    app.raft_math = (dict(zip(items, html)), css)


def rendering(self, tex, display):
    table = getattr(self.builder.app, "raft_math", ({}, ""))[0]
    if (tex, display) not in table:   # math made after reading (rare): typeset it on its own
        table[(tex, display)] = typeset([(tex, display)])[0][0]
    return table[(tex, display)]


def visit_math(self, node):
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(rendering(self, node.astext(), False))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_math_block(self, node):
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(rendering(self, block_tex(node), True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def add_css(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if "<mjx-container" in (context.get("body") or ""):
        app.add_css_file(CSS_NAME)


def write_css(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    css = getattr(app, "raft_math", ({}, ""))[1]
    target = Path(app.outdir) / "_static" / CSS_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(css, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.add_html_math_renderer("raft_math", (visit_math, None), (visit_math_block, None))
    app.connect("env-updated", collect)
    app.connect("html-page-context", add_css)
    app.connect("build-finished", write_css)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
