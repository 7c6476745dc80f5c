"""Places one row of volumes and arrows on the centre line y = 0, so every drawing keeps the same spacing rules.

A drawing is described as items left to right (BoxSpec, GapSpec, JoinSpec); place_row puts them on the centre
line with their labels (canvas.finish then frames the row). The spacings below are what keeps labels, boxes and
arrows apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..palette import Colour
from ..schema import Volume
from .geometry import Arrow, Cuboid, Join
from .labels import NOTE_SIZE, TEXT_SIZE, Label, label_size
from .scales import box_size

MIN_GAP = 34.0
NETWORK_GAP = 24.0  # the network row's arrows carry no text
GAP_MARGIN = 8.0
ARROW_CLEAR = 5.0  # between the arrow line and the labels above / below it
BOX_LABEL_GAP = 10.0
JOIN_R = 10.0


@dataclass(frozen=True)
class BoxSpec:
    key: str
    shape: Volume
    colour: Colour
    lines: tuple[str, ...]


@dataclass(frozen=True)
class JoinSpec:
    key: str


@dataclass(frozen=True)
class GapSpec:
    above: tuple[str, ...] = ()
    below: tuple[str, ...] = ()
    min_width: float = MIN_GAP
    below_is_op: bool = False  # the text under the arrow is the op itself (op view), not a note

    @property
    def below_size(self) -> float:
        return TEXT_SIZE if self.below_is_op else NOTE_SIZE


def _gap_width(g: GapSpec) -> float:
    w = max(label_size(g.above)[0], label_size(g.below, g.below_size)[0])
    return max(g.min_width, w + 2 * GAP_MARGIN)


@dataclass
class Placed:
    cuboids: list
    joins: list
    arrows: list
    labels: list
    slots: dict  # key → (x_left, x_right) of the slot

    def cuboid(self, key: str) -> Cuboid:
        return next(c for c in self.cuboids if c.key == key)


def place_row(items, zoom: float = 1.0) -> Placed:
    """Lay the row out left to right on the centre line y = 0; box labels share one line below the tallest box."""
    x = 0.0
    cuboids, joins, arrows, labels, slots = [], [], [], [], {}
    gaps = []  # (index in items, x_left, width)
    for it in items:
        if isinstance(it, BoxSpec):
            w, h, dx, dy = box_size(it.shape, zoom)
            slot = max(w + dx, label_size(it.lines)[0])
            cuboids.append(Cuboid(it.key, it.shape, x + (slot - w - dx) / 2, -h / 2, w, h, dx, dy, it.colour))
            slots[it.key] = (x, x + slot)
            x += slot
        elif isinstance(it, JoinSpec):
            joins.append(Join(it.key, x + JOIN_R, 0.0, JOIN_R))
            slots[it.key] = (x, x + 2 * JOIN_R)
            x += 2 * JOIN_R
        else:
            gw = _gap_width(it)
            gaps.append((it, x, gw))
            x += gw
    by_key = {c.key: c for c in cuboids} | {j.key: j for j in joins}
    order = [it.key for it in items if not isinstance(it, GapSpec)]
    for (g, gx, gw), (left, right) in zip(gaps, zip(order, order[1:], strict=False), strict=False):
        a, b = by_key[left], by_key[right]
        x1 = a.right_at(0.0) if isinstance(a, Cuboid) else a.cx + a.r
        x2 = b.x if isinstance(b, Cuboid) else b.cx - b.r
        arrows.append(Arrow(x1, 0.0, x2, 0.0))
        cx = gx + gw / 2
        if g.above:
            h = label_size(g.above)[1]
            labels.append(Label(g.above, cx, -ARROW_CLEAR - h, TEXT_SIZE, (True,), role="op"))
        if g.below:
            labels.append(Label(g.below, cx, ARROW_CLEAR, g.below_size, (g.below_is_op,),
                                role="op" if g.below_is_op else "note"))
    row_bottom = max([c.y + c.h for c in cuboids] + [j.cy + j.r for j in joins])
    for it in items:
        if isinstance(it, BoxSpec) and it.lines:
            left, right = slots[it.key]
            labels.append(Label(it.lines, (left + right) / 2, row_bottom + BOX_LABEL_GAP, TEXT_SIZE, (True,),
                                role="volume"))
    return Placed(cuboids, joins, arrows, labels, slots)
