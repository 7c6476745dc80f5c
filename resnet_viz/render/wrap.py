"""Wraps a row too wide for the report's column into several rows, each finished on its own, stacked on one
canvas."""

from __future__ import annotations

from .canvas import MARGIN, finish
from .geometry import Layout
from .row import BoxSpec, place_row

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
