"""Residual structure read from the data-flow graph: stem, stages, blocks, and each op's path inside its block.

Names never decide anything here; they only label what the graph shows:
- the trunk is the chain of ops every path from the input to the output passes through (the dominators of the
  output); consecutive trunk ops bound segments, and each op the output depends on lies in exactly one segment;
- a residual block is a segment that ends in an addition of two equal volumes, one of its branches doing weighted
  work: the fork is where the segment starts, the main path the branch with the most multiply-adds, the shortcut
  the other (empty for an identity); a `mul` inside the main path by a broadcast volume is a gate (squeeze-excite);
- a post-activation ReLU after an addition belongs to that block; other ops between two blocks (a pre-activation
  norm and ReLU) open the next one; what comes before the first block is the stem, after the last the head;
- a stage is a run of blocks between changes of resolution or width.

The walk is in flow_graph, residual and placement; this module makes the Stage and Block values (their ids and
kinds) from the ops it placed. Torch-free: it works on plain schema ops.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from ..schema import Block, BlockKind, Op, OpKind, Path, Ref, Section, ShortcutKind, Stage
from .flow_graph import FlowGraph
from .placement import opens_preactivated, place_ops

_POOLS = frozenset({OpKind.AVGPOOL, OpKind.MAXPOOL})


def _kinds(ops: list[Op]) -> tuple[BlockKind, ShortcutKind, bool, bool]:
    main = [o for o in ops if o.path is Path.MAIN and o.kind is OpKind.CONV]
    kernels = [o.kernel_size or (1, 1) for o in main]
    if len(main) == 2:
        kind = BlockKind.BASIC
    elif len(main) == 3 and kernels[0] == kernels[2] == (1, 1) and kernels[1] != (1, 1):
        kind = BlockKind.BOTTLENECK
    else:
        kind = BlockKind.CUSTOM
    short = [o.kind for o in ops if o.path is Path.SHORTCUT]
    if not short:
        shortcut = ShortcutKind.IDENTITY
    elif OpKind.ZEROPAD in short or OpKind.PAD in short:
        shortcut = ShortcutKind.ZEROPAD
    elif OpKind.CONV in short:
        first_conv = short.index(OpKind.CONV)
        shortcut = ShortcutKind.POOLED if any(k in _POOLS for k in short[:first_conv]) else ShortcutKind.PROJECTION
    else:
        shortcut = ShortcutKind.OTHER
    preact = opens_preactivated((o.kind, o.path) for o in ops)
    gated = any(o.path is Path.GATE for o in ops)
    return kind, shortcut, preact, gated


def _label(members: list[Op], under: Counter[str], *, shortest: bool) -> str | None:
    """A module path that holds exactly these ops (the shortest or the longest such path), if there is one.

    `under` counts, for every module path, the ops of the whole trace at or below it: a path common to all members
    holds no other op exactly when its count is the number of members."""
    parts = [o.module.split(".") if o.module else [] for o in members]
    common: list[str] = []
    for column in zip(*parts, strict=False):
        if len(set(column)) != 1:
            break
        common.append(column[0])
    found = [prefix for n in range(1, len(common) + 1)
             if under[prefix := ".".join(common[:n])] == len(members)]
    if not found:
        return None
    return found[0] if shortest else found[-1]


def _paths_under(ops: Sequence[Op]) -> Counter[str]:
    """For each module path, how many ops sit at or below it ('layer1' counts the ops of 'layer1.0.conv1' too)."""
    counts: Counter[str] = Counter()
    for op in ops:
        if op.module:
            parts = op.module.split(".")
            counts.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
    return counts


def _unique(name: str | None, fallback: str, taken: set[str]) -> str:
    out = name if name is not None and name not in taken else fallback
    while out in taken:
        out += "'"
    taken.add(out)
    return out


def find_structure(ops: Sequence[Op], outputs: Sequence[Ref]) -> tuple[tuple[Op, ...], tuple[Stage, ...]]:
    """The ops with section, stage, block and path filled in, and the stages of residual blocks."""
    g = FlowGraph(ops)
    where, blocks = place_ops(g, outputs)
    members: list[list[int]] = [[] for _ in blocks]
    for n, (_, k, _) in where.items():
        if k is not None:
            members[k].append(n)
    block_ops = [[ops[n - 1] for n in sorted(m)] for m in members]
    starts = [i for i, b in enumerate(block_ops) if i == 0 or b[0].input != b[-1].output]
    stage_of = [max(s for s, first in enumerate(starts) if first <= i) for i in range(len(block_ops))]
    under = _paths_under(ops)
    stage_ids: list[str] = []
    taken: set[str] = set()
    for s in range(len(starts)):
        mine = [o for i, b in enumerate(block_ops) if stage_of[i] == s for o in b]
        stage_ids.append(_unique(_label(mine, under, shortest=True), f"stage{s + 1}", taken))
    block_ids = []
    for i, b in enumerate(block_ops):
        index = i - starts[stage_of[i]]
        block_ids.append(_unique(_label(b, under, shortest=False), f"{stage_ids[stage_of[i]]}.{index}", taken))
    node_block = {n: i for i, m in enumerate(members) for n in m}
    placed = []
    for i, op in enumerate(ops):
        section, _, path = where.get(i + 1, (Section.UNPLACED, None, None))
        k = node_block.get(i + 1)
        placed.append(replace(op, section=section, path=path, stage=op.stage if k is None else stage_ids[stage_of[k]],
                              block=op.block if k is None else block_ids[k]))
    has_stem = any(o.section is Section.STEM and o.kind is OpKind.CONV for o in placed)
    stages = []
    for s in range(len(starts)):
        chosen = [i for i in range(len(block_ops)) if stage_of[i] == s]
        built = []
        for j, i in enumerate(chosen):
            b = [placed[n - 1] for n in sorted(members[i])]
            kind, shortcut, preact, gated = _kinds(b)
            built.append(Block(id=block_ids[i], stage=stage_ids[s], index=j, kind=kind, shortcut=shortcut,
                               preact=preact, gated=gated, input=b[0].input, output=b[-1].output,
                               op_ids=tuple(o.id for o in b)))
        stages.append(Stage(id=stage_ids[s], index=s, paper_name=f"conv{s + 2}_x" if has_stem else None,
                            input=built[0].input, output=built[-1].output, blocks=tuple(built)))
    return tuple(placed), tuple(stages)
