"""The steps a drawing shows (which ops make one step, what it says), shared so volume drawings and graphs agree.

A step is a lead op (conv, pool, fc, add, zero-pad) with the shape-keeping ops that ride along with it (BN, ReLU,
a flatten before the fc). The wording is the paper's Figure 3 ('3×3 conv, 128, /2'). Nothing here knows where
anything is drawn: levels.py, row.py and geometry.py do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .. import fmt
from ..schema import Block, Op, OpKind, Path, ShortcutKind, Stage, Trace


# --- what each op says ----------------------------------------------------------------------------
def _stride(op: Op) -> int:
    return max(op.stride) if op.stride else 1


def _is_1x1(shape: tuple[int, ...]) -> bool:
    """Whether a volume is one pixel across (a vector (N, F) counts as 1×1×F)."""
    return len(shape) != 4 or tuple(shape[2:]) == (1, 1)


def op_phrase(op: Op) -> str:
    """The paper's Figure 3 wording: '3×3 conv, 128, /2', '3×3 max pool, /2', 'fc 1000'."""
    down = f", /{fmt.scalar_pair(op.stride)}" if _stride(op) > 1 else ""
    if op.kind is OpKind.CONV:
        return f"{fmt.pair(op.kernel_size)} conv, {fmt.integer(fmt.channels(op.output_shape))}{down}"
    if op.kind is OpKind.MAXPOOL:
        return f"{fmt.pair(op.kernel_size)} max pool{down}" if op.kernel_size else f"max pool{down}"
    if op.kind is OpKind.AVGPOOL:
        return "global avg pool" if _is_1x1(op.output_shape) else f"avg pool{down}"
    if op.kind is OpKind.LINEAR:
        return f"fc {fmt.integer(fmt.channels(op.output_shape))}"
    if op.kind is OpKind.ZEROPAD:
        return f"zero-pad{down}"
    return {
        OpKind.BATCHNORM: "BN", OpKind.RELU: "ReLU", OpKind.ADD: "add", OpKind.FLATTEN: "flatten",
    }.get(op.kind, op.type_name or op.kind.value)


def op_lines(op: Op) -> tuple[str, ...]:
    """What an arrow between two volumes says: the op, then its stride and padding spelt out."""
    if op.kind is OpKind.CONV:
        first = f"{fmt.pair(op.kernel_size)} conv, {fmt.integer(fmt.channels(op.output_shape))}"
    elif op.kind is OpKind.MAXPOOL:
        first = f"{fmt.pair(op.kernel_size)} max pool" if op.kernel_size else "max pool"
    elif op.kind is OpKind.ZEROPAD:
        c_in, c_out = fmt.channels(op.input_shape), fmt.channels(op.output_shape)
        return (
            f"subsample, stride {fmt.scalar_pair(op.stride)}" if _stride(op) > 1 else "every pixel kept",
            f"pad channels {fmt.integer(c_in)} → {fmt.integer(c_out)}",
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


def shortcut_lines(kind: ShortcutKind, steps: tuple[Unit, ...]) -> tuple[str, ...]:
    """What a shortcut arc says: its kind, then the op on it (e.g. '1×1 conv, 128' / 'stride 2, padding 0, BN')."""
    name = {
        ShortcutKind.IDENTITY: "identity shortcut",
        ShortcutKind.PROJECTION: "projection shortcut",
        ShortcutKind.ZEROPAD: "zero-pad shortcut (option A)",
    }[kind]
    if not steps:
        return (name,)
    step = steps[0]
    lines = op_lines(step.lead)
    if step.notes():
        lines = lines[:-1] + (f"{lines[-1]}, {step.notes()}",)
    return (name, *lines)


# --- runs of identical blocks ---------------------------------------------------------------------
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
