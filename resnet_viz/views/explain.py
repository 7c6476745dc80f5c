"""Every paragraph of explanation the report page shows, each built from one trace: which notes it gets (notes.py
writes them), the per-layer table's caption, its legend, the receptive-field introduction.

Each text names only what this network has. Text comes out plain (with `backticks` around PyTorch names);
renderers style it.
"""

from __future__ import annotations

from .. import fmt
from ..schema import OpKind, Path, Trace
from .groups import downsampling_op, has_paper_names, stem_parts
from .notes import Note, block_note, counting_note, halving_note, head_note, shortcut_note, stem_note
from .receptive import seen


def explanations(trace: Trace) -> tuple[Note, ...]:
    """The report's short explanations, each built from this trace; residual ones only for residual networks."""
    notes: list[Note | None] = [counting_note(trace)]
    if has_paper_names(trace):
        notes = [stem_note(trace), halving_note(trace), shortcut_note(trace), block_note(trace),
                 head_note(trace), counting_note(trace)]
    elif trace.stages:
        notes = [shortcut_note(trace), block_note(trace), head_note(trace), counting_note(trace)]
    return tuple(n for n in notes if n is not None)


def layers_caption(trace: Trace) -> str:
    grouped = "grouped by stage and block" if trace.stages else "in one group (no residual block was found)"
    pool = next((o for o in stem_parts(trace)[1] if o.kind is OpKind.MAXPOOL), None)
    paper = ""
    if has_paper_names(trace):
        paper = " The paper's layer names stand beside PyTorch's names"
        paper += (f"; the stem's `{pool.id}` stays in the stem, where PyTorch puts it, and is named conv2_x as in "
                  f"the paper's Table 1." if pool is not None else ".")
    n = trace.batch
    per = ("MACs are multiply-adds for one image." if n == 1 else
           f"MACs are multiply-adds for the traced batch of {n} images (divide by {n} for one image).")
    return f"Every op of {trace.model_name} in execution order, {grouped}.{paper} {per}"



def layers_legend(trace: Trace) -> str:
    """How to read the per-layer table, naming only the marks this network's table has."""
    parts = []
    if any(downsampling_op(trace, s) for s in trace.stages) or any(o.stride and max(o.stride) > 1
                                                                   for o in trace.ops_of(trace.stem)):
        parts.append("↓ marks an op that downsamples (strides)")
    if any(o.path is Path.SHORTCUT for o in trace.ops):
        parts.append("italic rows run on the shortcut path")
    if trace.blocks:
        parts.append("subtotals per block, totals per stage")
    if any(o.kind in (OpKind.CONV, OpKind.MAXPOOL, OpKind.AVGPOOL) and o.kernel_size for o in trace.ops):
        parts.append("hover an underlined output size for PyTorch's size arithmetic")
    parts.append("hover a MACs figure for the exact count")
    return " · ".join(parts) + "."


def receptive_intro(trace: Trace) -> str:
    """What a receptive field is, and the first part of this network whose field is larger than its input."""
    text = ("The receptive field of an output position is the part of the input that can change it. Each conv or "
            "pool widens it by (kernel − 1) × the stride accumulated so far, and each stride multiplies the step "
            "between neighbouring positions' windows.")
    if trace.blocks:
        text += " Where two paths join, their windows combine: the output sees what either path sees."
    first = next((s for s in seen(trace) if s.covers and s.volume.is_map), None)
    if first is not None and first.field is not None:
        text += (f" From {first.name} on, the field ({fmt.pair(first.field.size)}) is larger than "
                 f"the {fmt.pair(trace.input.spatial)} input: a position near the centre sees the whole image.")
    return text
