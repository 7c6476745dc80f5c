"""The drawn pieces of a volume drawing as plain numbers (boxes, joins, arrows, arcs, kernels, brackets), and the
Layout that holds them all: testable without any SVG.

A drawing is one row of 3-D boxes (oblique projection: the front face is H×W, the depth going up and to the
right is C) joined by arrows, with residual shortcuts drawn as arcs in a lane above the row. scales.py sizes the
boxes, labels.py the text; row.py and canvas.py place these pieces on a canvas (wrap.py stacks wrapped rows);
levels.py decides which pieces each drawing has.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..palette import Colour
from ..schema import ShortcutKind, Volume
from .labels import Label
from .rect import Rect


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
