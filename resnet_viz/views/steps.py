"""The steps a drawing shows (which ops make one step), shared so volume drawings and graphs agree.

A step is a lead op (conv, pool, fc, add, gate, zero-pad, or anything that changes the volume) with the
shape-keeping ops that ride along with it (BN, ReLU after it; a flatten folded into the fc after it). Blocks are
split by the paths the structure finder gave each op. Nothing here knows where anything is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..schema import Block, Op, OpKind, Path, ShortcutKind, Stage, Trace, Volume
from .words import SHORTCUT_NAME, op_lines, op_phrase

_LEADS = frozenset({OpKind.CONV, OpKind.MAXPOOL, OpKind.AVGPOOL, OpKind.LINEAR, OpKind.ADD, OpKind.ZEROPAD,
                    OpKind.MUL, OpKind.CAT, OpKind.SLICE, OpKind.PAD})
_FOLDED = frozenset({OpKind.FLATTEN, OpKind.RESHAPE})


@dataclass(frozen=True)
class Unit:
    """One drawn step: a lead op with the shape-keeping ops around it."""

    lead: Op
    before: tuple[Op, ...] = ()  # reshapes folded into the next step (flatten before fc)
    after: tuple[Op, ...] = ()  # BN / ReLU after the lead

    @property
    def ops(self) -> tuple[Op, ...]:
        return (*self.before, self.lead, *self.after)

    @property
    def input(self) -> Volume:
        return self.ops[0].input

    @property
    def output(self) -> Volume:
        return self.ops[-1].output

    def notes(self) -> str:
        """'BN, ReLU' for the ops that ride along with the lead."""
        return ", ".join(op_phrase(o) for o in self.after)


def units(ops: Iterable[Op]) -> tuple[Unit, ...]:
    """Group ops in order: each lead (or any other op that changes the volume) starts a step."""
    out: list[Unit] = []
    pending: list[Op] = []
    for op in ops:
        if op.kind in _FOLDED:
            pending.append(op)
        elif op.kind in _LEADS or op.input != op.output or not out:
            out.append(Unit(op, before=tuple(pending)))
            pending = []
        else:
            out[-1] = replace(out[-1], after=out[-1].after + (op,))
    if pending:  # a trailing reshape becomes a step of its own
        out.append(Unit(pending[-1], before=tuple(pending[:-1])))
    return tuple(out)


@dataclass(frozen=True)
class BlockPaths:
    pre: tuple[Unit, ...]  # before the fork (a pre-activation block's shared BN, ReLU)
    main: tuple[Unit, ...]
    join: Unit | None  # the addition, with what follows it (a post-activation ReLU)
    shortcut: tuple[Unit, ...]
    gate: tuple[Op, ...]  # a squeeze-excitation branch beside the main path


def block_paths(trace: Trace, block: Block) -> BlockPaths:
    ops = trace.ops_of(block.op_ids)

    def on(*paths: Path) -> list[Op]:
        return [o for o in ops if o.path in paths]

    join_ops = on(Path.JOIN)
    join = Unit(join_ops[0], after=tuple(on(Path.POST))) if join_ops else None
    return BlockPaths(units(on(Path.PRE)), units(on(Path.MAIN)), join, units(on(Path.SHORTCUT)),
                      tuple(on(Path.GATE)))


def shortcut_lines(kind: ShortcutKind, steps: tuple[Unit, ...]) -> tuple[str, ...]:
    """What a shortcut arc says: its kind, then its ops (e.g. '1×1 conv, 128' / 'stride 2, padding 0, BN')."""
    name = f"{SHORTCUT_NAME[kind]} shortcut" if kind is not ShortcutKind.ZEROPAD else "zero-pad shortcut (option A)"
    lines = [name]
    for step in steps:
        text = op_lines(step.lead)
        if step.notes():
            text = text[:-1] + (f"{text[-1]}, {step.notes()}",)
        lines.extend(text)
    return tuple(lines)


def block_signature(trace: Trace, block: Block) -> tuple:
    """What makes two blocks draw the same: their ops' kinds, volumes, hyper-parameters and paths, and the shortcut."""
    prefix = len(block.id) + 1
    return (block.shortcut, block.kind, block.preact, block.gated) + tuple(
        (o.id[prefix:] if o.id.startswith(block.id + ".") else "", o.kind, o.input, o.output, o.kernel_size,
         o.stride, o.padding, o.groups, o.path)
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
