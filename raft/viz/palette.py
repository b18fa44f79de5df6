"""Colours for every picture of the book: the Okabe-Ito palette, safe for colour-blind readers.

Colour is never the only cue: roles also carry a letter and a shape (a crown and a thick ring
for the leader, a dashed ring for a candidate), terms carry their number, committed entries are
solid while uncommitted ones are outlined, cut links are dashed as well as red.
"""

# Okabe & Ito (2008), "Color Universal Design".
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#999999"

INK = "#1f2328"          # text and outlines
MUTED = "#6e7781"        # secondary text
FAINT = "#d0d7de"        # healthy links, grid
CRASHED = "#c8c8c8"      # a crashed server's fill
CUT = VERMILLION         # a cut link (also dashed)

ROLE_FILL = {"follower": SKY, "candidate": YELLOW, "leader": VERMILLION}
ROLE_TEXT = {"follower": INK, "candidate": INK, "leader": "#ffffff"}
ROLE_LETTER = {"follower": "F", "candidate": "C", "leader": "L"}

# Term colours for log entries, cycling. Light enough that the term number stays readable.
TERM_COLOURS = ("#F5C767", "#9FD3F3", "#66C5AB", "#F6EF8E", "#6FA6D6", "#EE9E66", "#E1AECB",
                "#BDBDBD")

PASS = GREEN
FAIL = VERMILLION


def term_colour(term):
    """The fill colour of a log entry of ``term`` (term 1 is the first colour)."""
    if term <= 0:
        return "#ffffff"
    return TERM_COLOURS[(term - 1) % len(TERM_COLOURS)]


def text_on(fill):
    """Black or white, whichever reads better on ``fill`` (a #rrggbb colour)."""
    r, g, b = (int(fill[k:k + 2], 16) for k in (1, 3, 5))
    return INK if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"
