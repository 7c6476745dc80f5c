"""Layout maths for the volume drawings as plain numbers, so placement can be tested without any SVG.

A drawing is one row of 3-D boxes (oblique projection: the front face is H×W, the depth going up and to the
right is C) joined by arrows, with residual shortcuts drawn as arcs in a lane above the row. Every size comes
from the trace; text widths are estimated conservatively so that labels can be kept apart by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .. import fmt
from ..palette import INPUT, Colour, section_colour, stage_colour
from ..schema import Block, Op, OpKind, Path, Section, ShortcutKind, Stage, Trace
from ..views import stage_by_id

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
    c, h, w = chw(trace.input_shape)
    return min(ZOOM_MAX, max(1.0, ZOOM_TARGET / side(max(h, w))))


def chw(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(N, C, H, W) → (C, H, W); a vector (N, F) is drawn as a 1×1×F volume."""
    dims = shape[1:]
    if len(dims) == 3:
        return dims[0], dims[1], dims[2]
    return (math.prod(dims) if dims else 1), 1, 1


def box_size(shape: tuple[int, ...], zoom: float = 1.0) -> tuple[float, float, float, float]:
    """(w, h, dx, dy) of the drawn box for an activation shape (`zoom` enlarges a whole drawing evenly)."""
    c, h, w = chw(shape)
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


def _union(rects) -> Rect:
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


def _label_size(lines, size=TEXT_SIZE) -> tuple[float, float]:
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
    shape: tuple[int, ...]
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
    title: Label
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
        return (self.title, *self.labels)

    def box(self, key: str) -> Cuboid:
        for c in self.cuboids:
            if c.key == key:
                return c
        raise KeyError(key)


# --- what each op says ----------------------------------------------------------------------------
def integer(n: int) -> str:
    """A count as the paper writes it (no separators): the way fmt writes a one-dimensional volume."""
    return fmt.volume((n,), batch=False)


def _stride(op: Op) -> int:
    return max(op.stride) if op.stride else 1


def op_phrase(op: Op) -> str:
    """The paper's Figure 3 wording: '3×3 conv, 128, /2', '3×3 max pool, /2', 'fc 1000'."""
    down = f", /{fmt.scalar_pair(op.stride)}" if _stride(op) > 1 else ""
    if op.kind is OpKind.CONV:
        return f"{fmt.pair(op.kernel_size)} conv, {integer(fmt.channels(op.output_shape))}{down}"
    if op.kind is OpKind.MAXPOOL:
        return f"{fmt.pair(op.kernel_size)} max pool{down}" if op.kernel_size else f"max pool{down}"
    if op.kind is OpKind.AVGPOOL:
        return "global avg pool" if chw(op.output_shape)[1:] == (1, 1) else f"avg pool{down}"
    if op.kind is OpKind.LINEAR:
        return f"fc {integer(fmt.channels(op.output_shape))}"
    if op.kind is OpKind.ZEROPAD:
        return f"zero-pad{down}"
    return {
        OpKind.BATCHNORM: "BN", OpKind.RELU: "ReLU", OpKind.ADD: "add", OpKind.FLATTEN: "flatten",
    }.get(op.kind, op.type_name or op.kind.value)


def op_lines(op: Op) -> tuple[str, ...]:
    """What an arrow between two volumes says: the op, then its stride and padding spelt out."""
    if op.kind is OpKind.CONV:
        first = f"{fmt.pair(op.kernel_size)} conv, {integer(fmt.channels(op.output_shape))}"
    elif op.kind is OpKind.MAXPOOL:
        first = f"{fmt.pair(op.kernel_size)} max pool" if op.kernel_size else "max pool"
    elif op.kind is OpKind.ZEROPAD:
        c_in, c_out = fmt.channels(op.input_shape), fmt.channels(op.output_shape)
        return (
            f"subsample, stride {fmt.scalar_pair(op.stride)}" if _stride(op) > 1 else "every pixel kept",
            f"pad channels {integer(c_in)} → {integer(c_out)}",
        )
    else:
        return (op_phrase(op),)
    second = []
    if op.stride is not None:
        second.append(f"stride {fmt.scalar_pair(op.stride)}")
    if op.padding is not None:
        second.append(f"padding {fmt.scalar_pair(op.padding)}")
    return (first, ", ".join(second)) if second else (first,)


# --- grouping ops into drawn steps ----------------------------------------------------------------
_LEADS = (OpKind.CONV, OpKind.MAXPOOL, OpKind.AVGPOOL, OpKind.LINEAR, OpKind.ADD, OpKind.ZEROPAD)


@dataclass(frozen=True)
class Unit:
    """One drawn step: a lead op (conv, pool, fc, add, …) with the shape-keeping ops around it (BN, ReLU, flatten)."""

    lead: Op
    before: tuple[Op, ...] = ()  # reshapes folded into the next step (flatten before fc)
    after: tuple[Op, ...] = ()  # BN / ReLU after the lead

    @property
    def ops(self) -> tuple[Op, ...]:
        return (*self.before, self.lead, *self.after)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.ops[0].input_shape

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.ops[-1].output_shape

    def notes(self) -> str:
        """'BN, ReLU' for the ops that ride along with the lead."""
        return ", ".join(op_phrase(o) for o in self.after)


def units(ops) -> tuple[Unit, ...]:
    """Group ops in order: each conv/pool/fc/add/zero-pad (or other op that changes the volume) starts a step."""
    out: list[Unit] = []
    pending: list[Op] = []
    for op in ops:
        is_lead = op.kind in _LEADS or (op.kind is not OpKind.FLATTEN and op.input_shape != op.output_shape)
        if op.kind is OpKind.FLATTEN:
            pending.append(op)
        elif is_lead or not out:
            out.append(Unit(op, before=tuple(pending)))
            pending = []
        else:
            out[-1] = replace(out[-1], after=out[-1].after + (op,))
    if pending:  # a trailing reshape becomes a step of its own
        out.append(Unit(pending[-1], before=tuple(pending[:-1])))
    return tuple(out)


def block_paths(trace: Trace, block: Block) -> tuple[tuple[Unit, ...], Unit | None, tuple[Unit, ...]]:
    """(main-path steps, the join step with what follows it, shortcut steps) of a block."""
    ops = trace.ops_of(block.op_ids)
    join_at = next((i for i, o in enumerate(ops) if o.path is Path.JOIN), None)
    shortcut = units(o for o in ops if o.path is Path.SHORTCUT)
    if join_at is None:
        return units(o for o in ops if o.path is not Path.SHORTCUT), None, shortcut
    main = units(o for o in ops[:join_at] if o.path is not Path.SHORTCUT)
    join = Unit(ops[join_at], after=tuple(o for o in ops[join_at + 1:] if o.path is not Path.SHORTCUT))
    return main, join, shortcut


def block_signature(trace: Trace, block: Block) -> tuple:
    """What makes two blocks draw the same: their ops' kinds, shapes and hyper-parameters, and the shortcut."""
    prefix = len(block.id) + 1
    return (block.shortcut, block.kind) + tuple(
        (o.id[prefix:], o.kind, o.input_shape, o.output_shape, o.kernel_size, o.stride, o.padding, o.path)
        for o in trace.ops_of(block.op_ids)
    )


def block_runs(trace: Trace, stage: Stage) -> tuple[tuple[Block, ...], ...]:
    """The stage's blocks in runs to draw once each: the first block alone, then runs of identical blocks."""
    runs: list[list[Block]] = []
    for i, b in enumerate(stage.blocks):
        if i >= 2 and block_signature(trace, b) == block_signature(trace, runs[-1][0]):
            runs[-1].append(b)
        else:
            runs.append([b])
    return tuple(tuple(r) for r in runs)


def op_colour(trace: Trace, op: Op) -> Colour:
    if op.section is Section.STAGE and op.stage is not None:
        return stage_colour(stage_by_id(trace, op.stage).index)
    return section_colour(op.section.value)


def producer_colour(trace: Trace, op: Op) -> Colour:
    """Colour of the volume that flows into `op`: the colour of the op that made it (for a shortcut op, the op
    that made its block's input)."""
    first = op.id
    if op.path is Path.SHORTCUT:
        first = next((b.op_ids[0] for b in trace.blocks if op.id in b.op_ids), op.id)
    for prev, cur in zip(trace.ops, trace.ops[1:], strict=False):
        if cur.id == first:
            return op_colour(trace, prev)
    return INPUT


# --- the row builder ------------------------------------------------------------------------------
MIN_GAP = 34.0
NETWORK_GAP = 24.0  # the network row's arrows carry no text
GAP_MARGIN = 8.0
ARROW_CLEAR = 5.0  # between the arrow line and the labels above / below it
BOX_LABEL_GAP = 10.0
ARC_CLEAR = 16.0
MARGIN = 12.0
JOIN_R = 10.0


@dataclass(frozen=True)
class _BoxSpec:
    key: str
    shape: tuple[int, ...]
    colour: Colour
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _JoinSpec:
    key: str


@dataclass(frozen=True)
class _GapSpec:
    above: tuple[str, ...] = ()
    below: tuple[str, ...] = ()
    min_width: float = MIN_GAP
    below_is_op: bool = False  # the text under the arrow is the op itself (op view), not a note

    @property
    def below_size(self) -> float:
        return TEXT_SIZE if self.below_is_op else NOTE_SIZE


def _gap_width(g: _GapSpec) -> float:
    w = max(_label_size(g.above)[0], _label_size(g.below, g.below_size)[0])
    return max(g.min_width, w + 2 * GAP_MARGIN)


@dataclass
class _Placed:
    cuboids: list
    joins: list
    arrows: list
    labels: list
    slots: dict  # key → (x_left, x_right) of the slot


def _place_row(items, zoom: float = 1.0) -> _Placed:
    """Lay the row out left to right on the centre line y = 0; box labels share one line below the tallest box."""
    x = 0.0
    cuboids, joins, arrows, labels, slots = [], [], [], [], {}
    gaps = []  # (index in items, x_left, width)
    for it in items:
        if isinstance(it, _BoxSpec):
            w, h, dx, dy = box_size(it.shape, zoom)
            slot = max(w + dx, _label_size(it.lines)[0])
            cuboids.append(Cuboid(it.key, it.shape, x + (slot - w - dx) / 2, -h / 2, w, h, dx, dy, it.colour))
            slots[it.key] = (x, x + slot)
            x += slot
        elif isinstance(it, _JoinSpec):
            joins.append(Join(it.key, x + JOIN_R, 0.0, JOIN_R))
            slots[it.key] = (x, x + 2 * JOIN_R)
            x += 2 * JOIN_R
        else:
            gw = _gap_width(it)
            gaps.append((it, x, gw))
            x += gw
    by_key = {c.key: c for c in cuboids} | {j.key: j for j in joins}
    order = [it.key for it in items if not isinstance(it, _GapSpec)]
    for (g, gx, gw), (left, right) in zip(gaps, zip(order, order[1:], strict=False), strict=False):
        a, b = by_key[left], by_key[right]
        x1 = a.right_at(0.0) if isinstance(a, Cuboid) else a.cx + a.r
        x2 = b.x if isinstance(b, Cuboid) else b.cx - b.r
        arrows.append(Arrow(x1, 0.0, x2, 0.0))
        cx = gx + gw / 2
        if g.above:
            h = _label_size(g.above)[1]
            labels.append(Label(g.above, cx, -ARROW_CLEAR - h, TEXT_SIZE, (True,), role="op"))
        if g.below:
            labels.append(Label(g.below, cx, ARROW_CLEAR, g.below_size, (g.below_is_op,),
                                role="op" if g.below_is_op else "note"))
    row_bottom = max([c.y + c.h for c in cuboids] + [j.cy + j.r for j in joins])
    for it in items:
        if isinstance(it, _BoxSpec) and it.lines:
            left, right = slots[it.key]
            labels.append(Label(it.lines, (left + right) / 2, row_bottom + BOX_LABEL_GAP, TEXT_SIZE, (True,),
                                role="volume"))
    return _Placed(cuboids, joins, arrows, labels, slots)


@dataclass(frozen=True)
class _Shortcut:
    """An arc to draw: from the box `start` to the join `end`, through the shortcut steps (if any)."""

    start: str
    end: str
    kind: ShortcutKind
    steps: tuple[Unit, ...]
    colour: Colour


def _shortcut_caption(sc: _Shortcut) -> tuple[str, ...]:
    """What the arc says: its kind, then the op on it (e.g. '1×1 conv, 128' / 'stride 2, padding 0, BN')."""
    name = {
        ShortcutKind.IDENTITY: "identity shortcut",
        ShortcutKind.PROJECTION: "projection shortcut",
        ShortcutKind.ZEROPAD: "zero-pad shortcut (option A)",
    }[sc.kind]
    if not sc.steps:
        return (name,)
    step = sc.steps[0]
    lines = op_lines(step.lead)
    if step.notes():
        lines = lines[:-1] + (f"{lines[-1]}, {step.notes()}",)
    return (name, *lines)


def _finish(title: str, placed: _Placed, shortcuts=(), brackets=(), legend_kinds=(), kernels=(),
            zoom: float = 1.0) -> Layout:
    """Add the arcs lane, brackets, legend and title around a placed row, then move it all onto the canvas."""
    cuboids, joins, arrows, labels = list(placed.cuboids), list(placed.joins), list(placed.arrows), list(placed.labels)
    by_key = {c.key: c for c in cuboids} | {j.key: j for j in joins}
    main_top = min([c.bbox.y for c in cuboids] + [j.bbox.y for j in joins] + [lb.bbox.y for lb in labels])
    arcs: list[Arc] = []
    if shortcuts:
        below = 0.0  # how far the lowest shortcut drawing reaches under the lane line
        for sc in shortcuts:
            if sc.steps:
                w, h, dx, dy = box_size(sc.steps[-1].output_shape, zoom)
                below = max(below, h / 2 + BOX_LABEL_GAP + _label_size(("0",))[1])
        lane = main_top - ARC_CLEAR - below
        for sc in shortcuts:
            a, j = by_key[sc.start], by_key[sc.end]
            x1, y1 = a.top_mid()
            arcs.append(Arc(x1, y1, j.cx, j.cy - j.r, lane, sc.kind))
            mid = (x1 + j.cx) / 2
            top = lane - ARROW_CLEAR
            if sc.steps:
                unit = sc.steps[-1]
                w, h, dx, dy = box_size(unit.output_shape, zoom)
                c = Cuboid(f"{sc.end}:shortcut", unit.output_shape, mid - (w + dx) / 2, lane - h / 2, w, h, dx, dy,
                           sc.colour)
                cuboids.append(c)
                labels.append(Label((fmt.volume(unit.output_shape),), mid, c.y + c.h + BOX_LABEL_GAP - 4,
                                    TEXT_SIZE, (True,), role="volume"))
                top = c.bbox.y - ARROW_CLEAR
            caption = _shortcut_caption(sc)
            h = _label_size(caption, NOTE_SIZE)[1]
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
            text = {
                ShortcutKind.IDENTITY: "identity shortcut (adds the input unchanged)",
                ShortcutKind.PROJECTION: "projection shortcut (1×1 conv matches the shape)",
                ShortcutKind.ZEROPAD: "zero-pad shortcut (subsample, pad channels with zeros)",
            }[kind]
            legend.append(LegendLine(x, y, 34.0, kind))
            lab = Label((text,), x + 42, y - _label_size(("0",), NOTE_SIZE)[1] / 2, NOTE_SIZE, anchor="start",
                        role="legend")
            labels.append(lab)
            x = lab.bbox.right + 18
    everything = (
        [c.bbox for c in cuboids] + [j.bbox for j in joins] + [lb.bbox for lb in labels] + [a.bbox for a in arcs]
        + [Rect(min(a.x1, a.x2), min(a.y1, a.y2), abs(a.x2 - a.x1), abs(a.y2 - a.y1)) for a in arrows]
        + [Rect(b.x1, b.y, b.x2 - b.x1, b.tick) for b in out_brackets]
        + [Rect(le.x, le.y - 1, le.length, 2) for le in legend]
    )
    content = _union(everything)
    title_label = Label((title,), content.x, content.y - 12 - _label_size((title,), TITLE_SIZE)[1], TITLE_SIZE,
                        (True,), anchor="start", role="title")
    full = _union([content, title_label.bbox])
    dx, dy = MARGIN - full.x, MARGIN - full.y
    return Layout(
        width=round(full.w + 2 * MARGIN, 1),
        height=round(full.h + 2 * MARGIN, 1),
        title=title_label.moved(dx, dy),
        cuboids=tuple(c.moved(dx, dy) for c in cuboids),
        joins=tuple(j.moved(dx, dy) for j in joins),
        arrows=tuple(a.moved(dx, dy) for a in arrows),
        arcs=tuple(a.moved(dx, dy) for a in arcs),
        kernels=tuple(k.moved(dx, dy) for k in kernels),
        brackets=tuple(b.moved(dx, dy) for b in out_brackets),
        legend=tuple(le.moved(dx, dy) for le in legend),
        labels=tuple(lb.moved(dx, dy) for lb in labels),
    )


# --- the four levels ------------------------------------------------------------------------------
KERNEL_MIN = 11.0  # a kernel is drawn at least this big (a 7×7 window on 224×224 would be a speck)


def _kernel(src: Cuboid, dst: Cuboid, op: Op) -> Kernel | None:
    """The kernel window at the input's top-left corner and the output pixel it produces."""
    if op.kernel_size is None or len(op.input_shape) != 4:
        return None
    _, h_in, w_in = chw(op.input_shape)
    _, h_out, w_out = chw(op.output_shape)
    kw = min(src.w / 2, max(KERNEL_MIN, src.w * op.kernel_size[1] / w_in))
    kh = min(src.h / 2, max(KERNEL_MIN, src.h * op.kernel_size[0] / h_in))
    px, py = max(2.0, dst.w / w_out / 2), max(2.0, dst.h / h_out / 2)
    through = op.kind is OpKind.CONV and (op.groups or 1) == 1  # a conv kernel spans every input channel
    return Kernel(src.x, src.y, kw, kh, src.dx if through else 0.0, src.dy if through else 0.0,
                  dst.x + min(px + 1, dst.w / 2), dst.y + min(py + 1, dst.h / 2))


OP_ZOOM, OP_FACE = 1.8, 170.0


def layout_op(trace: Trace, op: Op, *, title: str) -> Layout:
    """input volume → the op (kernel drawn on the input's face) → output volume."""
    colour = op_colour(trace, op)
    lines = op_lines(op)
    extra = []
    if op.params:
        extra.append(f"{fmt.thousands(op.params)} params")
    if op.macs:
        extra.append(f"{fmt.compact(op.macs)} multiply-adds")
    items = [
        _BoxSpec("in", op.input_shape, producer_colour(trace, op), (fmt.volume(op.input_shape), "input")),
        _GapSpec(above=(), below=lines + tuple(extra), min_width=120.0, below_is_op=True),
        _BoxSpec("out", op.output_shape, colour, (fmt.volume(op.output_shape), f"output of {op.id}")),
    ]
    # one op alone is drawn larger (the same zoom for both volumes keeps them comparable)
    biggest = max(max(box_size(op.input_shape)[:2]), max(box_size(op.output_shape)[:2]))
    placed = _place_row(items, zoom=min(OP_ZOOM, max(trace_zoom(trace), OP_FACE / biggest)))
    src, dst = placed.cuboids
    kernel = _kernel(src, dst, op)
    if kernel is None:
        return _finish(title, placed)
    if op.kind is OpKind.CONV:
        c_in = fmt.channels(op.input_shape) // (op.groups or 1)
        text = (f"{fmt.pair(op.kernel_size)}{fmt.TIMES}{integer(c_in)} kernel",)
    else:
        text = (f"{fmt.pair(op.kernel_size)} window, each channel",)
    placed.labels.append(Label(text, src.x, src.bbox.y - 8 - _label_size(text, NOTE_SIZE)[1], NOTE_SIZE,
                               anchor="start", role="note"))
    return _finish(title, placed, kernels=(kernel,))


def _block_items(trace: Trace, block: Block, start_key: str, *, out_lines) -> tuple[list, _Shortcut | None]:
    """Row items for one block after its input box `start_key`, and the shortcut arc that spans them."""
    main, join, shortcut = block_paths(trace, block)
    colour = stage_colour(stage_by_id(trace, block.stage).index)
    items: list = []
    for i, u in enumerate(main):
        notes = (u.notes(),) if u.notes() else ()
        items.append(_GapSpec(above=op_lines(u.lead), below=notes))
        if i < len(main) - 1 or join is None:
            key = f"{block.id}:{u.lead.id}" if i < len(main) - 1 else f"{block.id}:out"
            lines = (fmt.volume(u.output_shape),) if i < len(main) - 1 else out_lines
            items.append(_BoxSpec(key, u.output_shape, colour, lines))
    if join is None:
        return items, None
    jkey = f"{block.id}:add"
    items.append(_JoinSpec(jkey))
    items.append(_GapSpec(above=(join.notes(),) if join.notes() else (), min_width=MIN_GAP))
    items.append(_BoxSpec(f"{block.id}:out", join.output_shape, colour, out_lines))
    return items, _Shortcut(start_key, jkey, block.shortcut, shortcut, colour)


def layout_block(trace: Trace, block: Block, *, title: str) -> Layout:
    """The block's steps left to right, its shortcut as an arc over them into ⊕."""
    first = trace.op(block.op_ids[0])
    items = [_BoxSpec("in", block.input_shape, producer_colour(trace, first), (fmt.volume(block.input_shape),
                                                                                  "block input"))]
    rest, sc = _block_items(trace, block, "in", out_lines=(fmt.volume(block.output_shape), "block output"))
    items += rest
    zoom = trace_zoom(trace)
    shortcuts = (sc,) if sc else ()
    return _finish(title, _place_row(items, zoom), shortcuts,
                   legend_kinds=tuple(dict.fromkeys(s.kind for s in shortcuts)), zoom=zoom)


def layout_stage(trace: Trace, stage: Stage, *, title: str) -> Layout:
    """The stage's blocks in sequence; a run of identical blocks is drawn once under a '×n' bracket."""
    first = trace.op(stage.blocks[0].op_ids[0])
    items = [_BoxSpec("in", stage.input_shape, producer_colour(trace, first),
                      (fmt.volume(stage.input_shape), "stage input"))]
    shortcuts, spans = [], []
    start = "in"
    runs = block_runs(trace, stage)
    for i, run in enumerate(runs):
        b = run[0]
        name = "stage output" if i == len(runs) - 1 else f"{run[-1].id} output"
        rest, sc = _block_items(trace, b, start, out_lines=(fmt.volume(b.output_shape), name))
        items += rest
        if sc:
            shortcuts.append(sc)
        if len(run) > 1:
            spans.append((start, f"{b.id}:out", run))
        start = f"{b.id}:out"
    zoom = trace_zoom(trace)
    placed = _place_row(items, zoom)
    brackets = []
    for left, right, run in spans:
        x1, x2 = placed.slots[left][1] + 4, placed.slots[right][1]
        brackets.append((x1, x2, (f"{fmt.TIMES}{fmt.thousands(len(run))} identical blocks",
                                  f"{run[0].id} … {run[-1].id}")))
    kinds = tuple(dict.fromkeys(sc.kind for sc in shortcuts))
    return _finish(title, placed, shortcuts, brackets=brackets, legend_kinds=kinds, zoom=zoom)


def _block_count(stage: Stage) -> str:
    """'6 bottleneck blocks, /2' (the '/2' when the stage shrinks the height, as the paper marks it)."""
    kinds = sorted({b.kind for b in stage.blocks})
    kind = kinds[0] if len(kinds) == 1 else "residual"
    n = len(stage.blocks)
    shrink = stage.input_shape[2] // stage.output_shape[2] if len(stage.output_shape) == 4 else 1
    down = f", /{fmt.thousands(shrink)}" if shrink > 1 else ""
    return f"{fmt.thousands(n)} {kind} block{'s' if n != 1 else ''}{down}"


def _step_lines(trace: Trace, u: Unit) -> tuple[str, ...]:
    """Under a network-level volume: its shape, the op that made it, and what that op is (if it adds anything)."""
    phrase = op_phrase(u.lead)
    lines = (fmt.volume(u.output_shape), u.lead.id)
    return lines if phrase.split(" ")[0] == u.lead.id else (*lines, phrase)


def layout_network(trace: Trace, *, title: str) -> Layout:
    """The whole journey: input, each stem step, one volume per stage, then the head's steps."""
    items: list = [_BoxSpec("input", trace.input_shape, INPUT, (fmt.volume(trace.input_shape), "input"))]
    for u in units(trace.ops_of(trace.stem)):
        items.append(_GapSpec(min_width=NETWORK_GAP))
        items.append(_BoxSpec(u.lead.id, u.output_shape, op_colour(trace, u.lead), _step_lines(trace, u)))
    for s in trace.stages:
        items.append(_GapSpec(min_width=NETWORK_GAP))
        items.append(_BoxSpec(s.id, s.output_shape, stage_colour(s.index),
                              (fmt.volume(s.output_shape), f"{s.id} · {s.paper_name}", _block_count(s))))
    for u in units(trace.ops_of(trace.head)):
        items.append(_GapSpec(min_width=NETWORK_GAP))
        items.append(_BoxSpec(u.lead.id, u.output_shape, op_colour(trace, u.lead), _step_lines(trace, u)))
    return _finish(title, _place_row(items, trace_zoom(trace)))
