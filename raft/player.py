"""Kernel-free animation player for the book, and a notice for controls that need a kernel.

Theory of operation
-------------------
A :class:`FramePlayer` is an ordinary ipywidgets container whose parts are linked *in the
browser* (``jslink``), not through Python callbacks::

    Play ──jslink── IntSlider ──jslink── Stack.selected_index   (Stack of HTML: frame + caption)
                        │
                        └─jslink── BoundedIntText (the frame number, with ▲/▼ steppers)

Every frame is precomputed HTML (usually an SVG string) and lives in the page's embedded widget
state (one HTML widget per frame, holding the frame and its caption), so the built HTML book can play, pause, scrub and step through an animation with no Python
kernel at all. In Jupyter the same widget works the same way.

Frames and captions are HTML snippets. Escape plain text yourself (``html.escape``). Give SVG
frames a ``viewBox``: the player scales every SVG to the width of the text column
(``width: 100%; height: auto``), which keeps the page free of horizontal scrolling on a phone.

Numbering is 1-based for readers ("frame 1 of 12"). Internally the Stack holds an empty child at
index 0 that is never selected, so slider value *k* shows frame *k* without any transform (jslink
cannot transform values).

:func:`needs_kernel` renders a plain, visible notice for widgets that only work with a running
kernel (``interact`` and anything else with a Python callback), which would otherwise show only
their first output in the HTML book.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import ipywidgets as widgets
from IPython.display import HTML
from ipywidgets.widgets.widget_string import HTMLStyle

__all__ = ["FramePlayer", "needs_kernel", "NEEDS_KERNEL_TEXT"]

#: CSS class on the player's outer box (the browser tests look for it).
PLAYER_CLASS = "raft-frameplayer"

# Scale any SVG frame to the column width, let wider HTML in a frame (a table) scroll inside the
# frame instead of being cut off, and let captions wrap (ipywidgets' HTML widget uses a
# single-line box by default).
_PLAYER_STYLE = f"""<style>
.{PLAYER_CLASS} .raft-frame {{ max-width: 100%; overflow-x: auto; }}
.{PLAYER_CLASS} .raft-frame svg {{ display: block; width: 100%; height: auto; max-width: 100%; }}
.{PLAYER_CLASS} .raft-frame img {{ display: block; max-width: 100%; height: auto; }}
.{PLAYER_CLASS} .widget-html-content {{ line-height: 1.4; white-space: normal; width: 100%; }}
.{PLAYER_CLASS} .raft-caption {{ padding: 0.25em 0.1em; min-height: 2.8em; }}
</style>"""


class FramePlayer(widgets.VBox):
    """Step through precomputed HTML/SVG frames, each with a caption, with no kernel needed.

    Parameters
    ----------
    frames:
        One HTML string per frame (an ``<svg viewBox=...>`` is typical).
    captions:
        One HTML string per frame, shown under it. Same length as ``frames``.
    title:
        Optional heading shown above the frames (HTML).
    interval:
        Milliseconds between frames while playing.
    max_width:
        CSS max-width of the whole player (it is always ``width: 100%`` of its column).

    Attributes
    ----------
    frame_count: number of frames.
    frames, captions: the frames and captions as given (tuples).
    play, slider, stepper, stack: the linked widgets (``play``, ``slider`` and ``stepper`` all
        hold the current frame number, 1-based; ``stack.selected_index`` equals it).
    """

    def __init__(
        self,
        frames: Iterable[str],
        captions: Iterable[str],
        *,
        title: str | None = None,
        interval: int = 800,
        max_width: str = "760px",
    ) -> None:
        frames = tuple(frames)
        captions = tuple(captions)
        if not frames:
            raise ValueError("FramePlayer needs at least one frame")
        if len(captions) != len(frames):
            raise ValueError(
                f"got {len(frames)} frames but {len(captions)} captions; give one caption per frame"
            )
        if not all(isinstance(x, str) for x in frames + captions):
            raise TypeError("frames and captions must be HTML strings")
        if interval <= 0:
            raise ValueError("interval must be a positive number of milliseconds")

        self.frames = frames
        self.captions = captions
        self.frame_count = n = len(frames)

        self.play = widgets.Play(
            value=1,
            min=1,
            max=n,
            step=1,
            interval=int(interval),
            show_repeat=False,
            description="Play",
            tooltip="Play / pause / back to the first frame",
            layout=widgets.Layout(flex="0 0 auto", width="auto"),
        )
        self.slider = widgets.IntSlider(
            value=1,
            min=1,
            max=n,
            step=1,
            readout=False,
            continuous_update=True,
            description="",
            layout=widgets.Layout(flex="1 1 8em", width="auto", min_width="6em"),
        )
        self.stepper = widgets.BoundedIntText(
            value=1,
            min=1,
            max=n,
            step=1,
            description="Frame",
            tooltip="Frame number: type it, or use the arrows / arrow keys to step",
            style={"description_width": "auto"},
            layout=widgets.Layout(flex="0 0 auto", width="9em"),
        )
        of_n = widgets.HTML(
            f"<span>of {n}</span>", layout=widgets.Layout(flex="0 0 auto", width="auto")
        )
        # One HTML widget per frame (frame + caption), all sharing one Layout and one style
        # model: the page embeds every widget's state, and per-widget layout/style models
        # would otherwise cost more than a small SVG frame.
        frame_layout = widgets.Layout(width="100%")
        frame_style = HTMLStyle()
        pages = [widgets.Box(layout=widgets.Layout(display="none"))]  # index 0: never shown
        for frame, caption in zip(frames, captions):
            pages.append(
                widgets.HTML(
                    f'<div class="raft-frame">{frame}</div><div class="raft-caption">{caption}</div>',
                    layout=frame_layout,
                    style=frame_style,
                )
            )
        self.stack = widgets.Stack(pages, selected_index=1, layout=widgets.Layout(width="100%"))

        # Links live in the browser: no kernel needed to play, scrub or step.
        self._links = (
            widgets.jslink((self.play, "value"), (self.slider, "value")),
            widgets.jslink((self.slider, "value"), (self.stepper, "value")),
            widgets.jslink((self.slider, "value"), (self.stack, "selected_index")),
        )

        header = _PLAYER_STYLE + (
            f'<div class="raft-player-title" style="font-weight:600">{title}</div>' if title else ""
        )
        controls = widgets.HBox(
            [self.play, self.slider, self.stepper, of_n],
            layout=widgets.Layout(
                width="100%", flex_flow="row wrap", align_items="center", grid_gap="0.25em 0.5em"
            ),
        )
        super().__init__(
            [widgets.HTML(header, layout=widgets.Layout(width="100%")), self.stack, controls],
            layout=widgets.Layout(
                width="100%",
                max_width=max_width,
                border="1px solid #d0d7de",
                padding="0.5em",
                overflow="hidden",
            ),
        )
        self.add_class(PLAYER_CLASS)

    @property
    def value(self) -> int:
        """The current frame number (1-based), as shown by the slider."""
        return self.slider.value

    @value.setter
    def value(self, number: int) -> None:
        if not 1 <= number <= self.frame_count:
            raise ValueError(f"frame number must be in 1..{self.frame_count}")
        # Set every linked widget so the state is consistent even before a browser links them.
        self.play.value = self.slider.value = self.stepper.value = number
        self.stack.selected_index = number

    def frame(self, number: int) -> tuple[str, str]:
        """The (frame, caption) HTML shown as frame ``number`` (1-based)."""
        if not 1 <= number <= self.frame_count:
            raise ValueError(f"frame number must be in 1..{self.frame_count}")
        return self.frames[number - 1], self.captions[number - 1]


NEEDS_KERNEL_TEXT = (
    "This control needs a running Python kernel (open the notebook in Jupyter and run it)."
)


def needs_kernel(message: str | None = None) -> HTML:
    """A visible notice to put before a widget that only works with a live kernel.

    In the HTML book such widgets (``interact``, buttons with Python callbacks) show their first
    output only; the notice tells readers why and what to do. ``message`` (plain text, escaped)
    adds a sentence about what the control does.
    """
    extra = f" {html.escape(message)}" if message else ""
    return HTML(
        '<div class="raft-needs-kernel" role="note" style="border:1px solid #d4a72c;'
        "border-left:0.4em solid #d4a72c;background:#fff8c5;color:#3b2300;"
        'padding:0.5em 0.75em;margin:0.5em 0;border-radius:4px;max-width:100%">'
        f"<strong>Live control.</strong> {html.escape(NEEDS_KERNEL_TEXT)}{extra}</div>"
    )
