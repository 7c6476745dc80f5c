"""One row per op for every per-layer table (text, Markdown, CSV, JSON, HTML, LaTeX): what each column says.

The columns are derived here once, so the terminal table, the report and the files agree: the paper's name,
the input channels, PyTorch's size arithmetic for convs and pools, and the mark for the op that downsamples.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import fmt
from ..schema import Op, OpKind, Path, Section, Trace
from ..shapes import output_size_formula
from .groups import Group, downsampling_op, groups, paper_name, shrinks
from .memo import per_trace
from .receptive import Field, receptive_fields
from .timing import op_ms
from .words import SHORTCUT_NAME


@dataclass(frozen=True)
class LayerRow:
    op: Op
    group: Group
    paper: str  # conv1, conv2_x … ('' without the paper's names)
    formula: tuple[str, str] | None  # PyTorch's size rule with the numbers in, (height, width), for convs and pools
    mark: str  # '↓ stride 2', 'projection', 'zero-pad (option A)', 'residual add', 'gate', ''
    mark_kind: str  # 'down' | 'shortcut' | 'join' | 'gate' | ''
    rf: Field | None  # the receptive field of the op's output (None where the geometry is unknown)
    ms: float | None = None  # median milliseconds, when the ops were timed (--measure)


def size_formula(op: Op) -> tuple[str, str] | None:
    """⌊(H + 2p − d(k−1) − 1) / s⌋ + 1 = out for both sides of a conv or pool, as PyTorch computes them."""
    if op.kind not in (OpKind.CONV, OpKind.MAXPOOL, OpKind.AVGPOOL) or not op.input.is_map or None in (
            op.kernel_size, op.stride, op.padding):
        return None
    assert op.kernel_size and op.stride and op.padding
    dil = op.dilation or (1, 1)
    h, w = (output_size_formula(op.input.spatial[a], op.kernel_size[a], op.stride[a], op.padding[a], dil[a],
                                op.ceil_mode) for a in (0, 1))
    return h, w


def _mark(op: Op, downs: set[str], trace: Trace) -> tuple[str, str]:
    if op.id in downs or (op.section is Section.STEM and shrinks(op)):
        return (f"↓ stride {fmt.scalar_pair(op.stride)}" if op.stride else "↓"), "down"
    if op.path is Path.SHORTCUT and op.block is not None:
        return SHORTCUT_NAME[trace.block(op.block).shortcut], "shortcut"
    if op.path is Path.JOIN:
        return "residual add", "join"
    if op.path is Path.GATE:
        return "gate", "gate"
    return "", ""


@per_trace
def layer_rows(trace: Trace) -> tuple[LayerRow, ...]:
    """Every op once, in the order of groups(): stem, each block, head (or a plain net's ops), unplaced."""
    downs = {o.id for o in (downsampling_op(trace, s) for s in trace.stages) if o is not None}
    fields = receptive_fields(trace)
    times = op_ms(trace)
    rows = []
    for g in groups(trace):
        for op in g.ops:
            mark, kind = _mark(op, downs, trace)
            rows.append(LayerRow(op, g, paper_name(trace, op), size_formula(op), mark, kind, fields.get(op.id),
                                 times.get(op.id)))
    return tuple(rows)


def rf_text(field: Field | None) -> str:
    """'43' for a square field (43×43 pixels), '43×61' otherwise; '?' when unknown."""
    if field is None:
        return "?"
    h, w = field.size
    return str(h) if h == w else f"{h}×{w}"
