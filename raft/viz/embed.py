"""The painter's HTML: a player's scenes, packed into a page or a notebook output.

A player is a ``<div class="raft-painter">`` holding a ``<script type="application/json"
class="raft-scenes">`` with the scenes (see :mod:`raft.viz.scene`) and the display options,
followed by the painter's script (``painter.js``, beside this module), which finds the div and
draws into it. In a notebook the script is inlined, so the output works in JupyterLab, the
classic notebook and VS Code alike; when the book is built, ``_ext/raft_painter.py`` replaces
each inlined copy by one ``<script src="_static/raft-painter.js">`` per page. Either way the
same painter draws the same scenes.

The payload (the JSON in the script tag)::

    {"format": "raft-scenes", "version": 1, "options": {...},
     "encoding": "deflate+base64", "data": "<zlib-compressed JSON list of scenes, base64>"}
    or, for "json": {..., "encoding": "json", "scenes": [...]}

Scenes of consecutive steps repeat most of each other, so compressed they take about 100 bytes
each instead of about 3 KB; the painter inflates them with the browser's DecompressionStream.
Options: ``title``, ``note`` (plain text), ``controls`` (false: a still picture), ``table``
(false: no state table), ``legend`` ("closed" to fold it), ``index`` (the scene shown first),
``speed`` (one of :data:`SPEEDS`), ``live`` (the notebook explorer: Step and Play ask Python for
more scenes), ``marks`` (buttons under the title that show one frame: ``[{"index", "label",
"title"}]``, a failed grade's mistake and failure in a notebook).

Standard library only: the live page (Pyodide) builds the same HTML.
"""

from __future__ import annotations

import base64
import html as _html
import json
import pkgutil
import zlib
from functools import lru_cache
from pathlib import Path

from ..errors import RaftError

PAINTER_PATH = Path(__file__).with_name("painter.js")
#: Marks the inlined painter, so the book build can swap it for the shared file.
INLINE_MARK = "raft-painter-inline"
SPEEDS = ("event", "slow", "normal", "fast")
OPTIONS = ("title", "note", "controls", "table", "legend", "index", "speed", "live", "marks")


class PainterError(RaftError, ValueError):
    """Bad input for the painter (an unknown option, an empty list of scenes...)."""


@lru_cache(maxsize=1)
def painter_source():
    """The painter's JavaScript (``raft/viz/painter.js``; read through the package's loader, so
    it is found in a zipped package too, as the live page imports it)."""
    return pkgutil.get_data(__package__, PAINTER_PATH.name).decode("utf-8")


def check_options(options):
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise PainterError(f"unknown painter option {unknown[0]!r}; the options are "
                           f"{', '.join(OPTIONS)}")
    if "speed" in options and options["speed"] not in SPEEDS:
        raise PainterError(f"unknown speed {options['speed']!r}; choose one of {', '.join(SPEEDS)}")
    return options


def pack(scenes):
    """Compress a list of scenes: base64 of zlib-compressed compact JSON."""
    text = json.dumps(scenes, separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def unpack(data):
    """The list of scenes that :func:`pack` packed."""
    return json.loads(zlib.decompress(base64.b64decode(data)).decode("utf-8"))


def payload(scenes, options=None, encoding="deflate+base64"):
    """The JSON object a player carries (a dict)."""
    scenes = list(scenes)
    if not scenes:
        raise PainterError("a player needs at least one scene")
    options = check_options(dict(options or {}))
    out = {"format": "raft-scenes", "version": 1, "options": options, "encoding": encoding}
    if encoding == "json":
        out["scenes"] = scenes
    elif encoding == "deflate+base64":
        out["data"] = pack(scenes)
    else:
        raise PainterError(f"unknown encoding {encoding!r}; use 'json' or 'deflate+base64'")
    return out


def scenes_in(payload_obj):
    """The scenes of a payload (either encoding)."""
    if payload_obj.get("encoding") == "json":
        return payload_obj["scenes"]
    return unpack(payload_obj["data"])


def _script_json(obj):
    # JSON inside <script> must not contain "</" (it would end the script element).
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


def painter_html(scenes, options=None, *, inline_js=True, encoding="deflate+base64"):
    """The HTML of a player: the container with its scenes, a fallback sentence for where no
    script runs, and (``inline_js``) the painter's script after it."""
    scenes = list(scenes)
    data = payload(scenes, options, encoding)
    first = scenes[data["options"].get("index", 0) if scenes else 0]
    fallback = (f'<p class="rp-fallback">{_html.escape(first["description"])} '
                "(The animation appears when this page runs its scripts; in a notebook, run "
                "the cell.)</p>")
    parts = ['<div class="raft-painter">',
             f'<script type="application/json" class="raft-scenes">{_script_json(data)}</script>',
             fallback, "</div>"]
    if inline_js:
        parts.append(f'<script class="{INLINE_MARK}">{painter_source()}</script>')
    return "".join(parts)
