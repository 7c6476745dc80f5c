"""How ops are grouped for every per-layer view: stem, each block of each stage, head (or all ops of a plain net),
and the few facts about them several views share (paper names, the downsampling op, per-image counts)."""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import Block, Op, OpKind, Path, Section, Stage, Trace


@dataclass(frozen=True)
class Group:
    """A run of ops under one header: the stem, one block of a stage, the head, a plain net, or unplaced ops."""

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


def groups(trace: Trace) -> list[Group]:
    """Stem, every block in order, head — or the plain net's ops — then anything unplaced: each op exactly once."""
    out = [Group(Section.STEM, None, None, trace.ops_of(trace.stem))]
    for stage in trace.stages:
        for block in stage.blocks:
            out.append(Group(Section.STAGE, stage, block, trace.ops_of(block.op_ids)))
    out.append(Group(Section.HEAD, None, None, trace.ops_of(trace.head)))
    out.append(Group(Section.PLAIN, None, None, trace.ops_of(trace.plain)))
    out.append(Group(Section.UNPLACED, None, None, trace.ops_of(trace.unplaced)))
    return [g for g in out if g.ops]


def has_paper_names(trace: Trace) -> bool:
    """The paper's names apply when the graph showed a stem and residual stages."""
    return bool(trace.stages) and trace.stages[0].paper_name is not None


def stem_paper_name(trace: Trace) -> str:
    """What the paper calls the stem: 'conv1', or 'conv1 + conv2_x pool' when it ends in the max-pool Table 1 lists
    under the first stage; '' when the paper's names do not apply."""
    if not has_paper_names(trace) or not trace.stem:
        return ""
    _, pool = stem_parts(trace)
    return f"conv1 + {trace.stages[0].paper_name} pool" if pool else "conv1"


def stem_parts(trace: Trace) -> tuple[tuple[Op, ...], tuple[Op, ...]]:
    """Stem ops before its first max-pool (the paper's conv1) and from that pool on (listed under conv2_x)."""
    ops = trace.ops_of(trace.stem)
    first = next((i for i, o in enumerate(ops) if o.kind is OpKind.MAXPOOL), len(ops))
    return ops[:first], ops[first:]


def paper_name(trace: Trace, op: Op) -> str:
    """The paper's name of the row an op belongs to: conv1, conv2_x (the stem max-pool too, as in Table 1) … fc;
    '' when the network has no paper names."""
    if not has_paper_names(trace):
        return ""
    if op.section is Section.STAGE and op.stage is not None:
        return trace.stage(op.stage).paper_name or ""
    if op.section is Section.STEM:
        return "conv1" if op in stem_parts(trace)[0] else trace.stages[0].paper_name or ""
    if op.section is Section.HEAD:
        return "fc" if op.kind is OpKind.LINEAR else "head"
    return ""


def per_image(trace: Trace, n: int) -> int:
    """A count for the traced batch (MACs, elementwise ops) divided by the batch size."""
    return n // trace.batch


def stage_ops(trace: Trace, stage: Stage) -> tuple[Op, ...]:
    return trace.ops_of(i for b in stage.blocks for i in b.op_ids)


def shrinks(op: Op) -> bool:
    """Whether the op makes a map smaller in height or width."""
    return op.input.is_map and op.output.is_map and (op.output.height < op.input.height
                                                     or op.output.width < op.input.width)


def strided(op: Op) -> bool:
    """Whether the op steps by more than one pixel (it may still keep a 1×1 map at 1×1)."""
    return op.stride is not None and max(op.stride) > 1


def downsampling_op(trace: Trace, stage: Stage) -> Op | None:
    """The first strided op on the main path of a stage (the stride-2 conv), whether or not the size shrinks."""
    return next((o for o in stage_ops(trace, stage) if o.path in (Path.PRE, Path.MAIN) and strided(o)), None)


def block_ops(trace: Trace, block: Block, *paths: Path) -> tuple[Op, ...]:
    """The block's ops on the given paths, in execution order."""
    return tuple(o for o in trace.ops_of(block.op_ids) if o.path in paths)
