"""Receptive fields on the traced data-flow graph: which input pixels each output position of each op can see.

A field is, per axis, a window `size` pixels wide whose first output position starts at input coordinate `start`
and moves by `stride` pixels per output position. Why each rule holds:

- A window op (conv, max/avg pool; kernel k, stride s, padding p, dilation d) reads k input positions spread over
  d(k-1)+1, each seeing `size` pixels and neighbours `stride` apart: size + d(k-1)*stride; stepping s positions moves
  s*stride pixels; its first window starts p positions before the map, p*stride pixels before its first field.
  ceil_mode only adds a last, partial window: the arithmetic of the others is unchanged.
- A strided slice (`x[:, :, ::2, ::2]`) or the option-A shortcut is that rule with k=1, p=0; a pad adds its leading
  zeros before the map (start - p*stride); slicing or padding channels only, or any elementwise op (norms,
  activations, dropout, reshapes that keep the map) reads the same position, so the field is kept.
  Per-sample norms (GroupNorm, LayerNorm) are counted as elementwise, the usual convention: their statistics
  are treated as constants.
- A join (add, mul, cat) reads every operand at the same position: the hull of their windows. An operand of one
  position broadcast over the map (an SE gate) sees the same window at every position, a jump of 0. Operands of
  different jumps get the larger jump with a window wide enough to hold every operand's window at every output
  position (exact when the jumps agree, as in every ResNet; a superset otherwise, e.g. beside a broadcast gate).
- A global pool (its kernel spans the map) or an op whose output is a vector reads every position of its input
  map: the hull of all their windows.
- Anything else whose geometry is not recorded (kind OTHER, adaptive pools with varying windows, upsampling, an
  asymmetric 'same' padding) is unknown: None, and so is everything that reads it.

Windows are unclipped: they may reach into the padding around the image; `Field.clipped` intersects them with it.
Limits of the arithmetic, met by none of the ResNets we probed at every output position: it gives padded positions
windows too, which adds nothing inside the image before a map's first position, but can after its last when a valid
strided op dropped the image's last pixels, or for a position that reads only padding: the clipped window then
over-estimates. A dilated window whose taps lie further apart than the windows they read has holes; its field is the
span.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from ..schema import Op, OpKind, Pair, Trace, Volume
from .memo import per_trace

Window = tuple[Pair, Pair]

JOINS = frozenset({OpKind.ADD, OpKind.MUL, OpKind.CAT})
KEEP = frozenset({OpKind.BATCHNORM, OpKind.NORM, OpKind.RELU, OpKind.ACTIVATION, OpKind.DROPOUT, OpKind.RESHAPE,
                  OpKind.FLATTEN, OpKind.SLICE, OpKind.PAD})


@dataclass(frozen=True)
class Field:
    """(h, w) size, effective stride (jump) and start of the window, in input pixels."""

    size: Pair
    stride: Pair
    start: Pair

    def window(self, position: Pair) -> Window:
        """((row_first, row_last), (col_first, col_last)) of output `position`, inclusive and unclipped."""
        lo = [self.start[a] + position[a] * self.stride[a] for a in (0, 1)]
        return (lo[0], lo[0] + self.size[0] - 1), (lo[1], lo[1] + self.size[1] - 1)

    def clipped(self, position: Pair, image_hw: Pair) -> Window:
        """The window of `position` intersected with the image (empty ranges have last < first)."""
        rows, cols = self.window(position)
        return ((max(rows[0], 0), min(rows[1], image_hw[0] - 1)),
                (max(cols[0], 0), min(cols[1], image_hw[1] - 1)))

    def covers(self, image_hw: Pair) -> bool:
        """At least as large as the image on both axes: a centred position sees all of it."""
        return self.size[0] >= image_hw[0] and self.size[1] >= image_hw[1]


def input_field() -> Field:
    """The model input: each position sees itself."""
    return Field((1, 1), (1, 1), (0, 0))


Axis = tuple[int, int, int]  # size, stride, start along one axis


def _axis(f: Field, a: int) -> Axis:
    return f.size[a], f.stride[a], f.start[a]


def _of(h: Axis, w: Axis) -> Field:
    return Field((h[0], w[0]), (h[1], w[1]), (h[2], w[2]))


def _hull(fields: Sequence[Field], volumes: Sequence[Volume], hw: Pair) -> Field | None:
    """The smallest field of the largest jump holding every operand's window at each of `hw` positions."""
    if any(v.spatial[a] not in (1, hw[a]) for v in volumes for a in (0, 1)):
        return None

    def axis(a: int) -> Axis:
        n = hw[a]
        jumps = [0 if v.spatial[a] == 1 < n else f.stride[a] for f, v in zip(fields, volumes, strict=True)]
        jump = max(jumps)
        start = min(f.start[a] + (n - 1) * (j - jump) for f, j in zip(fields, jumps, strict=True))
        return max(f.start[a] + f.size[a] for f in fields) - start, jump, start

    return _of(axis(0), axis(1))


def _spread(f: Field, hw: Pair) -> Field:
    """The hull over all positions of an hw map: a window spanning it (a global pool's arithmetic)."""
    def axis(a: int) -> Axis:
        r, j, start = _axis(f, a)
        return r + (hw[a] - 1) * j, j * hw[a], start

    return _of(axis(0), axis(1))


def _window_op(f: Field, op: Op) -> Field | None:
    k, s, p, d = op.kernel_size, op.stride, op.padding, op.dilation or (1, 1)
    if k is None or s is None or p is None:
        return None

    def axis(a: int) -> Axis:
        r, j, start = _axis(f, a)
        return r + d[a] * (k[a] - 1) * j, j * s[a], start - p[a] * j

    return _of(axis(0), axis(1))


def _field(op: Op, sources: Sequence[Field | None]) -> Field | None:
    known = [f for f in sources if f is not None]
    if op.kind is OpKind.OTHER or len(known) < len(sources) or not known:
        return None
    join = op.kind in JOINS
    src = _hull(known, [r.volume for r in op.inputs], op.output.spatial if join else op.input.spatial)
    if src is None or join:
        return src
    if not op.output.is_map:
        return _spread(src, op.input.spatial) if op.input.is_map else src
    if op.kernel_size is not None and op.stride is not None:
        return _window_op(src, op)
    if op.kind is OpKind.PAD and op.padding is not None:
        (top, left), (jh, jw) = op.padding, src.stride
        return Field(src.size, src.stride, (src.start[0] - top * jh, src.start[1] - left * jw))
    return src if op.kind in KEEP and op.output.spatial == op.input.spatial else None


@per_trace
def receptive_fields(trace: Trace) -> Mapping[str, Field | None]:
    """Op id → field of its (first) output, in execution order; None where some geometry on the way is unknown."""
    fields: dict[str, Field | None] = {}
    for op in trace.ops:
        fields[op.id] = _field(op, [input_field() if r.op is None else fields.get(r.op) for r in op.inputs])
    return MappingProxyType(fields)


def stage_fields(trace: Trace) -> dict[str, Field | None]:
    """Stage id → field of the stage's output (the last op of its last block)."""
    fields = receptive_fields(trace)
    return {s.id: fields[trace.ops_of(s.blocks[-1].op_ids)[-1].id] for s in trace.stages}


def centre_window(field: Field, out: Volume, image: Pair) -> tuple[Window, bool]:
    """The window of the centre position of the map `out` clipped to the `image` (h, w), and whether the field is
    larger than the image."""
    return field.clipped((out.height // 2, out.width // 2), image), field.covers(image)


@dataclass(frozen=True)
class Seen:
    """What one position of a stage's (or the stem's, the head's) output sees of the input, for the report."""

    name: str  # conv2_x · layer1, stem, head
    volume: Volume
    field: Field | None
    centre: Window | None  # the centre position's window, clipped to the image
    covers: bool  # the field is larger than the input


def seen(trace: Trace) -> tuple[Seen, ...]:
    """The stem's output, each stage's and the head's pooled one: the receptive field as a reader checks it."""
    fields = receptive_fields(trace)
    image = trace.input.spatial
    parts: list[tuple[str, str | None, Volume]] = []
    if trace.stem:
        parts.append(("stem", trace.stem[-1], trace.op(trace.stem[-1]).output))
    for s in trace.stages:
        parts.append((f"{s.paper_name} · {s.id}" if s.paper_name else s.id, s.blocks[-1].op_ids[-1], s.output))
    pooled = next((o for o in trace.ops_of(trace.head) if not o.output.is_map), None)
    if pooled is not None:
        parts.append(("head", pooled.id, pooled.output))
    out = []
    for name, op_id, volume in parts:
        field = fields.get(op_id) if op_id else None
        centre: Window | None
        if field is None:
            centre, covers = None, False
        elif volume.is_map:
            centre, covers = centre_window(field, volume, image)
        else:  # a vector reads every position of the image
            centre, covers = ((0, image[0] - 1), (0, image[1] - 1)), field.covers(image)
        out.append(Seen(name, volume, field, centre, covers))
    return tuple(out)


def illustrative_stage(trace: Trace) -> str | None:
    """The stage whose receptive field a drawing best shows: the last one that does not yet cover the input."""
    fields = stage_fields(trace)
    inside = [s.id for s in trace.stages if (f := fields.get(s.id)) is not None and not f.covers(trace.input.spatial)]
    return inside[-1] if inside else (trace.stages[0].id if trace.stages and fields.get(trace.stages[0].id) else None)
