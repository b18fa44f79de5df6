"""``gallery()``: a few precomputed pictures and buttons to pick one, with no kernel and no
script (radio buttons and CSS only), for results computed when the book is built."""

from __future__ import annotations

import base64
import hashlib
import html as _html

from .embed import PainterError
from .view import Picture


def _image(data, alt):
    if isinstance(data, bytes):
        if not data.startswith(b"\x89PNG"):
            raise PainterError("gallery() takes PNG bytes or HTML/SVG text for each picture")
        src = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        return (f'<img src="{src}" alt="{_html.escape(alt)}" '
                'style="display:block;max-width:100%;height:auto">')
    if isinstance(data, str):
        return data
    raise PainterError(f"gallery() takes PNG bytes or HTML/SVG text, got {type(data).__name__}")


def gallery(pictures, *, label="Show"):
    """Pictures to choose from: ``pictures`` maps a button's text to a PNG (bytes) or to HTML
    or SVG (text); the first is shown at first. Works in the HTML book and in a notebook alike
    (the choice is made by the browser, not by Python)."""
    items = list(dict(pictures).items())
    if not items:
        raise PainterError("gallery() needs at least one picture")
    key = hashlib.sha1("".join(k for k, _ in items).encode()).hexdigest()[:8]
    gid = f"raft-gallery-{key}"
    css = [f"#{gid} .raft-gallery-item{{display:none}}",
           f"#{gid} input{{position:absolute;opacity:0;width:1px;height:1px}}",
           f"#{gid} label{{display:inline-block;border:1px solid #8c959f;border-radius:6px;"
           "padding:6px 10px;margin:0 4px 4px 0;cursor:pointer;font-size:14px;min-height:40px}"]
    inputs, labels, shown = [], [], []
    for k, (name, data) in enumerate(items):
        iid = f"{gid}-{k}"
        inputs.append(f'<input type="radio" name="{gid}" id="{iid}"{" checked" if k == 0 else ""}>')
        labels.append(f'<label for="{iid}">{_html.escape(str(name))}</label>')
        shown.append(f'<div class="raft-gallery-item raft-gallery-{k}">{_image(data, str(name))}</div>')
        css.append(f"#{iid}:checked~.raft-gallery-items .raft-gallery-{k}{{display:block}}")
        css.append(f"#{iid}:checked~.raft-gallery-labels label[for={iid}]{{background:#0072B2;"
                   "color:#fff;border-color:#0072B2}")
        css.append(f"#{iid}:focus-visible~.raft-gallery-labels label[for={iid}]"
                   "{outline:3px solid #0072B2;outline-offset:1px}")
    return Picture(
        f'<div class="raft-gallery" id="{gid}" role="group" aria-label="{_html.escape(label)}">'
        f'<style>{"".join(css)}</style>{"".join(inputs)}'
        f'<div class="raft-gallery-labels"><span style="margin-right:6px">{_html.escape(label)}:</span>'
        f'{"".join(labels)}</div><div class="raft-gallery-items">{"".join(shown)}</div></div>')
