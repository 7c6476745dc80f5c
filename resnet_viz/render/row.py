"""Places one row of volumes, arrows and shortcut arcs on a canvas, so every drawing keeps the same spacing rules.

A drawing is described as items left to right (BoxSpec, GapSpec, JoinSpec); place_row puts them on the centre
line y = 0 with their labels, finish adds the shortcut lane, brackets, legend and title and moves it all onto
the canvas. The spacings below are what keeps labels, boxes and arcs apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import fmt
from ..palette import Colour
from ..schema import ShortcutKind, Volume
from ..views.steps import Unit, shortcut_lines
from ..views.words import SHORTCUT_LEGEND
from .geometry import Arc, Arrow, Bracket, Cuboid, Join, Layout, LegendLine
from .labels import NOTE_SIZE, TEXT_SIZE, TITLE_SIZE, Label, label_size
from .rect import Rect, union
from .scales import box_size

MIN_GAP = 34.0
NETWORK_GAP = 24.0  # the network row's arrows carry no text
GAP_MARGIN = 8.0
ARROW_CLEAR = 5.0  # between the arrow line and the labels above / below it
BOX_LABEL_GAP = 10.0
ARC_CLEAR = 16.0
MARGIN = 12.0
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


@dataclass(frozen=True)
class Shortcut:
    """An arc to draw: from the box `start` to the join `end`, through the shortcut steps (if any)."""

    start: str
    end: str
    kind: ShortcutKind
    steps: tuple[Unit, ...]
    colour: Colour


def finish(title: str | None, placed: Placed, shortcuts=(), brackets=(), legend_kinds=(), kernels=(),
           zoom: float = 1.0) -> Layout:
    """Add the arcs lane, brackets, legend and title (None: no title) around a placed row, then move it all onto
    the canvas."""
    cuboids, joins, arrows, labels = list(placed.cuboids), list(placed.joins), list(placed.arrows), list(placed.labels)
    by_key = {c.key: c for c in cuboids} | {j.key: j for j in joins}
    main_top = min([c.bbox.y for c in cuboids] + [j.bbox.y for j in joins] + [lb.bbox.y for lb in labels])
    arcs: list[Arc] = []
    if shortcuts:
        below = 0.0  # how far the lowest shortcut drawing reaches under the lane line
        for sc in shortcuts:
            if sc.steps:
                w, h, dx, dy = box_size(sc.steps[-1].output, zoom)
                below = max(below, h / 2 + BOX_LABEL_GAP + label_size(("0",))[1])
        lane = main_top - ARC_CLEAR - below
        for sc in shortcuts:
            a, j = by_key[sc.start], by_key[sc.end]
            x1, y1 = a.top_mid()
            arcs.append(Arc(x1, y1, j.cx, j.cy - j.r, lane, sc.kind))
            mid = (x1 + j.cx) / 2
            top = lane - ARROW_CLEAR
            if sc.steps:
                unit = sc.steps[-1]
                w, h, dx, dy = box_size(unit.output, zoom)
                c = Cuboid(f"{sc.end}:shortcut", unit.output, mid - (w + dx) / 2, lane - h / 2, w, h, dx, dy,
                           sc.colour)
                cuboids.append(c)
                labels.append(Label((fmt.volume(unit.output),), mid, c.y + c.h + BOX_LABEL_GAP - 4,
                                    TEXT_SIZE, (True,), role="volume"))
                top = c.bbox.y - ARROW_CLEAR
            caption = shortcut_lines(sc.kind, sc.steps)
            h = label_size(caption, NOTE_SIZE)[1]
            labels.append(Label(caption, mid, top - h, NOTE_SIZE, (True,), role="op"))
    bottom = max([c.bbox.bottom for c in cuboids] + [j.bbox.bottom for j in joins] + [lb.bbox.bottom for lb in labels])
    out_brackets = []
    for x1, x2, text in brackets:
        y = bottom + 10
        out_brackets.append(Bracket(x1, x2, y))
        labels.append(Label(text, (x1 + x2) / 2, y + 8, NOTE_SIZE, (True,), role="bracket"))
    legend = []
    if legend_kinds:
        lb_bottom = max([c.bbox.bottom for c in cuboids] + [lb.bbox.bottom for lb in labels])
        y = lb_bottom + 16
        left = min(c.bbox.x for c in cuboids)
        x = left
        for kind in legend_kinds:
            text = SHORTCUT_LEGEND[kind]
            legend.append(LegendLine(x, y, 34.0, kind))
            lab = Label((text,), x + 42, y - label_size(("0",), NOTE_SIZE)[1] / 2, NOTE_SIZE, anchor="start",
                        role="legend")
            labels.append(lab)
            x = lab.bbox.right + 18
    everything = (
        [c.bbox for c in cuboids] + [j.bbox for j in joins] + [lb.bbox for lb in labels] + [a.bbox for a in arcs]
        + [Rect(min(a.x1, a.x2), min(a.y1, a.y2), abs(a.x2 - a.x1), abs(a.y2 - a.y1)) for a in arrows]
        + [Rect(b.x1, b.y, b.x2 - b.x1, b.tick) for b in out_brackets]
        + [Rect(le.x, le.y - 1, le.length, 2) for le in legend]
    )
    content = union(everything)
    title_label = None if title is None else Label(
        (title,), content.x, content.y - 12 - label_size((title,), TITLE_SIZE)[1], TITLE_SIZE, (True,),
        anchor="start", role="title")
    full = union([content] + ([title_label.bbox] if title_label else []))
    dx, dy = MARGIN - full.x, MARGIN - full.y
    return Layout(
        width=round(full.w + 2 * MARGIN, 1),
        height=round(full.h + 2 * MARGIN, 1),
        title=title_label.moved(dx, dy) if title_label else None,
        cuboids=tuple(c.moved(dx, dy) for c in cuboids),
        joins=tuple(j.moved(dx, dy) for j in joins),
        arrows=tuple(a.moved(dx, dy) for a in arrows),
        arcs=tuple(a.moved(dx, dy) for a in arcs),
        kernels=tuple(k.moved(dx, dy) for k in kernels),
        brackets=tuple(b.moved(dx, dy) for b in out_brackets),
        legend=tuple(le.moved(dx, dy) for le in legend),
        labels=tuple(lb.moved(dx, dy) for lb in labels),
    )



# --- wrapping a long row ----------------------------------------------------------------------------
MAX_WIDTH = 980.0  # a drawing fits the report's column in a 1280 px window
ROW_GAP = 6.0


def split(items: list, zoom: float, can_break, max_width: float = MAX_WIDTH) -> list[list]:
    """Rows no wider than `max_width` where the row can break: after a box whose key `can_break` accepts; the
    next row starts with that same box again (the volume carried over). A row without such a box stays whole."""
    placed = place_row(items, zoom)
    rows: list[list] = []
    start, offset, last = 0, 0.0, None
    for i, it in enumerate(items):
        if not isinstance(it, BoxSpec):
            continue
        if placed.slots[it.key][1] - offset > max_width and last is not None:
            rows.append(items[start:last + 1])
            start, offset, last = last, placed.slots[items[last].key][0], None
        if i != start and can_break(it.key):
            last = i
    rows.append(items[start:])
    return rows


def finish_rows(title: str, rows: list[list], shortcuts=(), spans=(), legend_kinds=(), zoom: float = 1.0,
                first_labels=()) -> Layout:
    """Finish each row (its own arcs and brackets; the title on the first, the legend on the last; `first_labels`
    join the first row's labels) and stack the rows on one canvas."""
    layouts = []
    for k, row in enumerate(rows):
        placed = place_row(row, zoom)
        if k == 0:
            placed.labels.extend(first_labels)
        keys = set(placed.slots)
        mine = [sc for sc in shortcuts if sc.start in keys and sc.end in keys]
        brackets = [(placed.slots[left][1] + 4, placed.slots[right][1], text) for left, right, text in spans
                    if left in keys and right in keys]
        layouts.append(finish(title if k == 0 else None, placed, mine, brackets=brackets,
                              legend_kinds=legend_kinds if k == len(rows) - 1 else (), zoom=zoom))
    return stack(layouts)


def stack(layouts: list[Layout]) -> Layout:
    """Layouts one under the other, left-aligned, on one canvas."""
    out, y = [], 0.0
    for lay in layouts:
        out.append(lay.moved(0.0, y))
        y += lay.height - (MARGIN - ROW_GAP)
    first = out[0]
    return Layout(
        width=max(lay.width for lay in out), height=round(y + MARGIN - ROW_GAP, 1), title=first.title,
        cuboids=tuple(c for lay in out for c in lay.cuboids), joins=tuple(j for lay in out for j in lay.joins),
        arrows=tuple(a for lay in out for a in lay.arrows), arcs=tuple(a for lay in out for a in lay.arcs),
        kernels=tuple(k for lay in out for k in lay.kernels), brackets=tuple(b for lay in out for b in lay.brackets),
        legend=tuple(le for lay in out for le in lay.legend), labels=tuple(lb for lay in out for lb in lay.labels),
    )
