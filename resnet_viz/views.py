"""Pure derivations from a Trace that several renderers share: paper names, grouped rows, the volume journey.

Nothing here formats text (fmt.py does) or knows about HTML/SVG.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from .schema import Block, Op, OpKind, Path, Section, Stage, Trace


def paper_name(trace: Trace, op: Op) -> str:
    """The paper's layer name for an op: conv1 for the stem conv, conv2_x … for stages, fc for the head.

    The paper's Table 1 lists the stem max-pool under conv2_x; we keep it beside conv1 where torchvision
    puts it, and say so in the per-layer views' captions.
    """
    if op.section is Section.STAGE:
        return stage_by_id(trace, op.stage).paper_name
    if op.section is Section.STEM:
        return "conv1"
    return "fc" if op.kind is OpKind.LINEAR else "head"


def stage_by_id(trace: Trace, stage_id: str) -> Stage:
    for s in trace.stages:
        if s.id == stage_id:
            return s
    raise KeyError(stage_id)


def block_by_id(trace: Trace, block_id: str) -> Block:
    for b in trace.blocks:
        if b.id == block_id:
            return b
    raise KeyError(block_id)


@dataclass(frozen=True)
class Group:
    """A run of ops under one header: the stem, one block of a stage, or the head."""

    section: Section
    stage: Stage | None
    block: Block | None
    ops: tuple[Op, ...]

    @property
    def params(self) -> int:
        return sum(o.params for o in self.ops)

    @property
    def macs(self) -> int:
        return sum(o.macs for o in self.ops)

    @property
    def title(self) -> str:
        if self.block is not None:
            return self.block.id
        return self.section.value


def groups(trace: Trace) -> list[Group]:
    """Stem, every block in order, head: the rows of every per-layer table."""
    out = [Group(Section.STEM, None, None, trace.ops_of(trace.stem))]
    for stage in trace.stages:
        for block in stage.blocks:
            out.append(Group(Section.STAGE, stage, block, trace.ops_of(block.op_ids)))
    out.append(Group(Section.HEAD, None, None, trace.ops_of(trace.head)))
    return [g for g in out if g.ops]


def stem_parts(trace: Trace) -> tuple[list[Op], list[Op]]:
    """Stem ops before the first max-pool (the paper's conv1) and the max-pool(s) (listed under conv2_x)."""
    ops = trace.ops_of(trace.stem)
    pools = [o for o in ops if o.kind is OpKind.MAXPOOL]
    first_pool = ops.index(pools[0]) if pools else len(ops)
    return list(ops[:first_pool]), pools


def per_image(trace: Trace, n: int) -> int:
    """A count for the traced batch (MACs, elementwise ops) divided by the batch size."""
    return n // max(1, trace.input_shape[0])


def stage_ops(trace: Trace, stage: Stage) -> tuple[Op, ...]:
    return trace.ops_of(i for b in stage.blocks for i in b.op_ids)


def downsampling_op(trace: Trace, stage: Stage) -> Op | None:
    """The main-path op of a stage that first shrinks the spatial size (the stride-2 conv)."""
    for op in stage_ops(trace, stage):
        if op.path is Path.MAIN and shrinks(op):
            return op
    return None


def shrinks(op: Op) -> bool:
    return len(op.input_shape) == 4 and len(op.output_shape) == 4 and (
        op.output_shape[2] < op.input_shape[2] or op.output_shape[3] < op.input_shape[3]
    )


def changes_volume(op: Op) -> bool:
    return op.input_shape != op.output_shape


@dataclass(frozen=True)
class Step:
    """One change of the volume on the main path: where, from what, to what, and the kind of change."""

    op: Op
    before: tuple[int, ...]
    after: tuple[int, ...]
    reason: str  # "stride" | "pool" | "channels" | "stride+channels" | "global-pool" | "flatten" | "fc"


def _reason(op: Op) -> str:
    if op.kind is OpKind.AVGPOOL:
        return "global-pool"
    if op.kind is OpKind.FLATTEN:
        return "flatten"
    if op.kind is OpKind.LINEAR:
        return "fc"
    if op.kind is OpKind.MAXPOOL:
        return "pool"
    spatial = shrinks(op)
    chans = op.input_shape[1] != op.output_shape[1]
    if spatial and chans:
        return "stride+channels"
    return "stride" if spatial else "channels"


def volume_journey(trace: Trace) -> list[Step]:
    """Every main-path change of volume from the input to the class scores (shortcut ops excluded)."""
    steps = []
    for op in trace.ops:
        if op.path is Path.SHORTCUT or not changes_volume(op):
            continue
        steps.append(Step(op, op.input_shape, op.output_shape, _reason(op)))
    return steps


def output_elements(op: Op) -> int:
    return prod(op.output_shape)
