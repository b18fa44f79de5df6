"""Tiny helpers for writing compact SVG by hand (short numbers, escaped text)."""

import html


def num(x):
    """A number for SVG, short: whole units from 20 up (a unit is about a pixel at column
    width), one decimal below that (font sizes, stroke widths): 182, 9.5, 1.2."""
    if abs(x) >= 20:
        return str(round(x))
    s = f"{x:.1f}"
    if s.endswith(".0"):
        s = s[:-2]
    return "0" if s == "-0" else s


def esc(text):
    return html.escape(str(text), quote=True)


def open_svg(width, height, label, cls):
    """An <svg> that scales to its container's width (viewBox, width 100%)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {num(width)} {num(height)}" '
            f'class="{cls}" role="img" aria-label="{esc(label)}" font-family="sans-serif" '
            f'style="width:100%;height:auto;display:block">')


def text(x, y, s, size=11, fill=None, anchor="middle", weight=None, extra=""):
    attrs = f'x="{num(x)}" y="{num(y)}" font-size="{num(size)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if fill:
        attrs += f' fill="{fill}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    return f"<text {attrs}{extra}>{esc(s)}</text>"


def text_width(s, size):
    """A rough width of ``s`` in a sans-serif font at ``size`` (for boxes around labels)."""
    return len(s) * size * 0.58


def t(x, y, s):
    """A bare <text>; its font, size, colour and anchor come from the enclosing group."""
    return f'<text x="{num(x)}" y="{num(y)}">{esc(s)}</text>'


def group(attrs, items):
    """Items sharing attributes (e.g. 'font-size="10" fill="#333"'); nothing if empty."""
    items = [i for i in items if i]
    return f"<g {attrs}>{''.join(items)}</g>" if items else ""
