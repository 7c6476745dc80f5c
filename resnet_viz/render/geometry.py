"""The pieces of a volume drawing as plain numbers (sizes, text extents, boxes, arcs), testable without any SVG.

A drawing is one row of 3-D boxes (oblique projection: the front face is H×W, the depth going up and to the
right is C) joined by arrows, with residual shortcuts drawn as arcs in a lane above the row. Every size comes
from the trace; text widths are estimated conservatively so that labels can be kept apart by construction.
row.py places these pieces on a canvas; levels.py decides which pieces each drawing has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..palette import Colour
from ..schema import ShortcutKind, Trace, Volume

# --- scales ---------------------------------------------------------------------------------------
# sqrt up to a knee, then logarithmic: strictly increasing, and 7 and 1333 pixels (or 3 and 2048 channels)
# both stay readable in one row.
KNEE = 256.0
SIDE_MIN, SIDE_PER_SQRT = 4.0, 6.0
DEPTH_MIN, DEPTH_PER_SQRT = 2.0, 3.0
OBLIQUE_X, OBLIQUE_Y = 0.7, 0.5  # screen offset of one unit of depth (up and to the right)


def _compress(n: float, per_sqrt: float) -> float:
    n = max(float(n), 1.0)
    if n <= KNEE:
        return per_sqrt * math.sqrt(n)
    return per_sqrt * math.sqrt(KNEE) * (1.0 + 0.5 * math.log(n / KNEE))


def side(n: int) -> float:
    """Screen length of a spatial extent of `n` pixels (height or width)."""
    return SIDE_MIN + _compress(n, SIDE_PER_SQRT)


def depth(c: int) -> float:
    """Screen length (before projection) of `c` channels."""
    return DEPTH_MIN + _compress(c, DEPTH_PER_SQRT)


ZOOM_TARGET, ZOOM_MAX = 90.0, 1.8


def trace_zoom(trace: Trace) -> float:
    """One scale for every drawing of a trace: small inputs (CIFAR's 32×32) are enlarged up to ×1.8 so that their
    input face is as big as a 224×224 one; boxes stay comparable between the drawings of one network."""
    _, h, w = chw(trace.input)
    return min(ZOOM_MAX, max(1.0, ZOOM_TARGET / side(max(h, w))))


def chw(v: Volume) -> tuple[int, int, int]:
    """(C, H, W) of a map; a vector is drawn as a 1×1×F volume."""
    if v.is_map:
        return v.channels, v.height, v.width
    return max(1, v.numel), 1, 1


def box_size(v: Volume, zoom: float = 1.0) -> tuple[float, float, float, float]:
    """(w, h, dx, dy) of the drawn box for a volume (`zoom` enlarges a whole drawing evenly)."""
    c, h, w = chw(v)
    d = depth(c)
    return side(w) * zoom, side(h) * zoom, d * OBLIQUE_X * zoom, d * OBLIQUE_Y * zoom


# --- text -----------------------------------------------------------------------------------------
TITLE_SIZE, TEXT_SIZE, NOTE_SIZE = 15.0, 12.0, 11.0
LINE_HEIGHT = 1.3
PAD_X, PAD_Y = 5.0, 3.0
_NARROW = set("il.,:;'|!()[]ftjI/ ")
_WIDE = set("mwMW%@")


BOLD = 1.1  # bold glyphs are about a tenth wider


def text_width(s: str, size: float, bold: bool = False) -> float:
    """A generous estimate of the rendered width of `s` in a sans-serif font (DejaVu Sans is the widest common one)."""
    em = 0.0
    for ch in s:
        if ch in _NARROW:
            em += 0.36
        elif ch in _WIDE:
            em += 0.92
        elif ch == "×":
            em += 0.78  # DejaVu Sans Bold's × is 0.84 em
        elif ch.isupper() or ch in "⊕→…":
            em += 0.72
        else:
            em += 0.64
    return em * size * (BOLD if bold else 1.0)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, other: Rect, gap: float = 0.0) -> bool:
        return not (
            self.right + gap <= other.x or other.right + gap <= self.x
            or self.bottom + gap <= other.y or other.bottom + gap <= self.y
        )

    def contains(self, other: Rect) -> bool:
        return self.x <= other.x and self.y <= other.y and other.right <= self.right and other.bottom <= self.bottom


def union(rects) -> Rect:
    rects = list(rects)
    x0, y0 = min(r.x for r in rects), min(r.y for r in rects)
    x1, y1 = max(r.right for r in rects), max(r.bottom for r in rects)
    return Rect(x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True)
class Label:
    """Lines of text in a light pill; `top` is the pill's top edge, `x` its centre (or left edge for anchor start)."""

    lines: tuple[str, ...]
    x: float
    top: float
    size: float = TEXT_SIZE
    bold: tuple[bool, ...] = ()  # per line; missing entries are regular
    anchor: str = "middle"  # "middle" | "start"
    role: str = "label"  # "title" | "volume" | "op" | "note" | "bracket" | "legend"

    @property
    def line_height(self) -> float:
        return self.size * LINE_HEIGHT

    @property
    def text_w(self) -> float:
        return max(text_width(s, self.size, self.is_bold(i)) for i, s in enumerate(self.lines))

    @property
    def bbox(self) -> Rect:
        w = self.text_w + 2 * PAD_X
        h = len(self.lines) * self.line_height + 2 * PAD_Y
        x = self.x - w / 2 if self.anchor == "middle" else self.x - PAD_X
        return Rect(x, self.top, w, h)

    def is_bold(self, i: int) -> bool:
        return i < len(self.bold) and self.bold[i]

    def moved(self, dx: float, dy: float) -> Label:
        return replace(self, x=self.x + dx, top=self.top + dy)


def label_size(lines, size=TEXT_SIZE) -> tuple[float, float]:
    """(w, h) of a pill for `lines`, as if the first line were bold (as it is in most labels)."""
    if not lines:
        return 0.0, 0.0
    w = max(text_width(s, size, bold=i == 0) for i, s in enumerate(lines))
    return w + 2 * PAD_X, len(lines) * size * LINE_HEIGHT + 2 * PAD_Y


# --- drawn elements -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cuboid:
    """A volume: front face (x, y, w, h) plus an oblique depth offset (dx, dy) up and to the right."""

    key: str
    shape: Volume
    x: float
    y: float
    w: float
    h: float
    dx: float
    dy: float
    colour: Colour

    @property
    def bbox(self) -> Rect:
        return Rect(self.x, self.y - self.dy, self.w + self.dx, self.h + self.dy)

    @property
    def face(self) -> Rect:
        return Rect(self.x, self.y, self.w, self.h)

    def right_at(self, y: float) -> float:
        """x of the drawn outline's right edge at height `y` (where an outgoing arrow starts)."""
        x1 = self.x + self.w
        if y >= self.y + self.h - self.dy and self.dy > 0:
            # below the back edge: on the bottom edge of the side face
            return x1 + self.dx * max(0.0, (self.y + self.h - y)) / self.dy
        return x1 + self.dx

    def top_mid(self) -> tuple[float, float]:
        """Middle of the top face: where a shortcut arc leaves the box."""
        return self.x + self.w / 2 + self.dx / 2, self.y - self.dy / 2

    def moved(self, dx: float, dy: float) -> Cuboid:
        return replace(self, x=self.x + dx, y=self.y + dy)


@dataclass(frozen=True)
class Join:
    """The residual addition ⊕."""

    key: str
    cx: float
    cy: float
    r: float = 10.0

    @property
    def bbox(self) -> Rect:
        return Rect(self.cx - self.r, self.cy - self.r, 2 * self.r, 2 * self.r)

    def moved(self, dx: float, dy: float) -> Join:
        return replace(self, cx=self.cx + dx, cy=self.cy + dy)


@dataclass(frozen=True)
class Arrow:
    x1: float
    y1: float
    x2: float
    y2: float

    def moved(self, dx: float, dy: float) -> Arrow:
        return Arrow(self.x1 + dx, self.y1 + dy, self.x2 + dx, self.y2 + dy)


@dataclass(frozen=True)
class Arc:
    """A shortcut: up from (x1, y1), across at `top`, down to (x2, y2), with rounded corners."""

    x1: float
    y1: float
    x2: float
    y2: float
    top: float
    kind: ShortcutKind
    radius: float = 10.0

    @property
    def dotted(self) -> bool:
        return self.kind is not ShortcutKind.IDENTITY

    @property
    def bbox(self) -> Rect:
        return Rect(min(self.x1, self.x2), self.top, abs(self.x2 - self.x1), max(self.y1, self.y2) - self.top)

    def moved(self, dx: float, dy: float) -> Arc:
        return replace(self, x1=self.x1 + dx, y1=self.y1 + dy, x2=self.x2 + dx, y2=self.y2 + dy, top=self.top + dy)


@dataclass(frozen=True)
class Kernel:
    """A kernel window on an input face, through all its channels (dx, dy), with the lines of sight to the
    output position it produces (tx, ty)."""

    x: float
    y: float
    w: float
    h: float
    dx: float
    dy: float
    tx: float
    ty: float

    def moved(self, dx: float, dy: float) -> Kernel:
        return replace(self, x=self.x + dx, y=self.y + dy, tx=self.tx + dx, ty=self.ty + dy)


@dataclass(frozen=True)
class Bracket:
    """A bracket under a span of the row, e.g. a block that stands for ×35 identical blocks."""

    x1: float
    x2: float
    y: float
    tick: float = 6.0

    def moved(self, dx: float, dy: float) -> Bracket:
        return replace(self, x1=self.x1 + dx, x2=self.x2 + dx, y=self.y + dy)


@dataclass(frozen=True)
class LegendLine:
    x: float
    y: float
    length: float
    kind: ShortcutKind

    def moved(self, dx: float, dy: float) -> LegendLine:
        return replace(self, x=self.x + dx, y=self.y + dy)


@dataclass(frozen=True)
class Layout:
    """Everything a renderer draws, in canvas coordinates (0, 0) … (width, height)."""

    width: float
    height: float
    title: Label | None  # None for the second and later rows of a wrapped drawing
    cuboids: tuple[Cuboid, ...]
    joins: tuple[Join, ...]
    arrows: tuple[Arrow, ...]
    arcs: tuple[Arc, ...]
    kernels: tuple[Kernel, ...]
    brackets: tuple[Bracket, ...]
    legend: tuple[LegendLine, ...]
    labels: tuple[Label, ...]  # every label except the title

    @property
    def canvas(self) -> Rect:
        return Rect(0.0, 0.0, self.width, self.height)

    def all_labels(self) -> tuple[Label, ...]:
        return (self.title, *self.labels) if self.title is not None else self.labels

    def moved(self, dx: float, dy: float) -> Layout:
        """Everything shifted by (dx, dy) (the canvas size stays)."""
        return replace(self, title=self.title.moved(dx, dy) if self.title else None,
                       cuboids=tuple(c.moved(dx, dy) for c in self.cuboids),
                       joins=tuple(j.moved(dx, dy) for j in self.joins),
                       arrows=tuple(a.moved(dx, dy) for a in self.arrows),
                       arcs=tuple(a.moved(dx, dy) for a in self.arcs),
                       kernels=tuple(k.moved(dx, dy) for k in self.kernels),
                       brackets=tuple(b.moved(dx, dy) for b in self.brackets),
                       legend=tuple(le.moved(dx, dy) for le in self.legend),
                       labels=tuple(lb.moved(dx, dy) for lb in self.labels))

    def box(self, key: str) -> Cuboid:
        for c in self.cuboids:
            if c.key == key:
                return c
        raise KeyError(key)

