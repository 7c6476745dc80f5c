"""Frames a placed row: the shortcut arcs in a lane above it, brackets and the legend below, the title on top,
then everything moved onto a canvas with a margin all round."""

from __future__ import annotations

from dataclasses import dataclass

from .. import fmt
from ..palette import Colour
from ..schema import ShortcutKind
from ..views.steps import Unit, shortcut_lines
from ..views.words import SHORTCUT_LEGEND
from .geometry import Arc, Bracket, Cuboid, Layout, LegendLine
from .labels import NOTE_SIZE, TEXT_SIZE, TITLE_SIZE, Label, label_size
from .rect import Rect, union
from .row import ARROW_CLEAR, BOX_LABEL_GAP, Placed
from .scales import box_size

ARC_CLEAR = 16.0
MARGIN = 12.0


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
        title=title_label,
        cuboids=tuple(cuboids),
        joins=tuple(joins),
        arrows=tuple(arrows),
        arcs=tuple(arcs),
        kernels=tuple(kernels),
        brackets=tuple(out_brackets),
        legend=tuple(legend),
        labels=tuple(labels),
    ).moved(dx, dy)
