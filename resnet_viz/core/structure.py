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
Torch-free: it works on plain schema ops.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from ..schema import Block, BlockKind, Op, OpKind, Path, Ref, Section, ShortcutKind, Stage

_ACTIVATIONS = frozenset({OpKind.RELU, OpKind.ACTIVATION})
_NORMS = frozenset({OpKind.BATCHNORM, OpKind.NORM})
_POOLS = frozenset({OpKind.AVGPOOL, OpKind.MAXPOOL})


class _Graph:
    """Node 0 is the model input, node i + 1 is ops[i]; edges run from producers to readers."""

    def __init__(self, ops: Sequence[Op]) -> None:
        self.ops = ops
        node = {o.id: i + 1 for i, o in enumerate(ops)}
        self.node = node
        self.preds: list[tuple[int, ...]] = [()] + [
            tuple(dict.fromkeys(0 if r.op is None else node[r.op] for r in o.inputs)) for o in ops]
        self.idom = [0] * (len(ops) + 1)
        for n in range(1, len(ops) + 1):
            preds = self.preds[n]
            d = preds[0]
            for p in preds[1:]:
                d = self._meet(d, p)
            self.idom[n] = d

    def _meet(self, a: int, b: int) -> int:
        while a != b:
            while a > b:
                a = self.idom[a]
            while b > a:
                b = self.idom[b]
        return a

    def trunk(self, sink: int) -> list[int]:
        chain = [sink]
        while chain[-1] != 0:
            chain.append(self.idom[chain[-1]])
        return chain[::-1]

    def between(self, start: Iterable[int], stop: int) -> set[int]:
        """Nodes reached walking backwards from `start`, never past `stop` (which is not included)."""
        seen: set[int] = set()
        todo = [n for n in start if n != stop]
        while todo:
            n = todo.pop()
            if n in seen or n == 0:
                continue
            seen.add(n)
            todo.extend(p for p in self.preds[n] if p != stop)
        return seen

    def op(self, n: int) -> Op:
        return self.ops[n - 1]


@dataclass
class _Block:
    fork: int
    join: int
    paths: dict[int, Path]  # node → path, for every node of the block


def _weighted(g: _Graph, nodes: set[int]) -> tuple[int, int, int]:
    ops = [g.op(n) for n in nodes]
    return (sum(o.macs for o in ops), sum(1 for o in ops if o.params or o.kind in (OpKind.CONV, OpKind.LINEAR)),
            len(ops))


def _residual(g: _Graph, fork: int, join: int) -> _Block | None:
    """The block a segment forms when it ends in a residual addition; None otherwise."""
    add = g.op(join)
    refs = list(add.inputs)
    if add.kind is not OpKind.ADD or len(refs) != 2 or not refs[0].volume == refs[1].volume == add.output:
        return None
    ends = [0 if r.op is None else g.node[r.op] for r in refs]
    if ends[0] == ends[1]:
        return None
    branches = [g.between([e], fork) for e in ends]
    main, short = sorted(branches, key=lambda b: _weighted(g, b), reverse=True)
    if _weighted(g, main)[1] == 0:
        return None
    paths = dict.fromkeys(main, Path.MAIN) | dict.fromkeys(short, Path.SHORTCUT) | {join: Path.JOIN}
    for n in sorted(main):
        op = g.op(n)
        if op.kind is not OpKind.MUL or len(op.inputs) != 2:
            continue
        for r in op.inputs:
            if r.volume != op.output and r.op is not None:
                gate = g.between([g.node[r.op]], g.idom[n]) & main
                paths.update(dict.fromkeys(gate, Path.GATE))
    return _Block(fork, join, paths)


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
    leading = next((o for o in ops if o.path in (Path.PRE, Path.MAIN) and (o.kind in _NORMS or o.kind is OpKind.CONV)),
                   None)
    post_act = any(o.path is Path.POST and o.kind in _ACTIVATIONS for o in ops)
    preact = leading is not None and leading.kind in _NORMS and not post_act
    gated = any(o.path is Path.GATE for o in ops)
    return kind, shortcut, preact, gated


def _label(members: list[Op], outside: list[str], *, shortest: bool) -> str | None:
    """A module path that holds exactly these ops (the shortest or the longest such path), if there is one."""
    parts = [o.module.split(".") if o.module else [] for o in members]
    common: list[str] = []
    for column in zip(*parts, strict=False):
        if len(set(column)) != 1:
            break
        common.append(column[0])
    found = []
    for n in range(1, len(common) + 1):
        prefix = ".".join(common[:n])
        if not any(m == prefix or m.startswith(prefix + ".") for m in outside):
            found.append(prefix)
    if not found:
        return None
    return found[0] if shortest else found[-1]


def _unique(name: str | None, fallback: str, taken: set[str]) -> str:
    out = name if name is not None and name not in taken else fallback
    while out in taken:
        out += "'"
    taken.add(out)
    return out


def _sink(g: _Graph, outputs: Sequence[Ref]) -> int:
    produced = [g.node[r.op] for r in outputs if r.op is not None]
    return max(produced) if produced else len(g.ops)


def _place(g: _Graph, outputs: Sequence[Ref]) -> tuple[dict[int, tuple[Section, int | None, Path | None]],
                                                        list[_Block]]:
    """node → (section, block number, path) for every op the output depends on; and the blocks found."""
    trunk = g.trunk(_sink(g, outputs))
    segments = [(a, b, g.between([b], a)) for a, b in zip(trunk, trunk[1:], strict=False)]
    found = [_residual(g, a, b) for a, b, _ in segments]
    blocks = [b for b in found if b is not None]
    where: dict[int, tuple[Section, int | None, Path | None]] = {}
    if not blocks:
        return {n: (Section.PLAIN, None, None) for _, _, nodes in segments for n in nodes}, []
    k = -1  # the block the walk is in or has just left
    after_join = False  # only activations since the last join: they are that block's post-activation
    for (_, end, nodes), block in zip(segments, found, strict=True):
        if block is not None:
            k += 1
            where.update({n: (Section.STAGE, k, p) for n, p in block.paths.items()})
            after_join = True
            continue
        lone_activation = len(nodes) == 1 and g.op(end).kind in _ACTIVATIONS
        if k >= 0 and after_join and lone_activation:
            where[end] = (Section.STAGE, k, Path.POST)
            continue
        after_join = False
        section: tuple[Section, int | None, Path | None]
        if k < 0:
            section = (Section.STEM, None, None)
        elif k + 1 < len(blocks):
            section = (Section.STAGE, k + 1, Path.PRE)
        else:
            section = (Section.HEAD, None, None)
        where.update(dict.fromkeys(nodes, section))
    _first_preactivation(g, segments, found, where)
    return where, blocks


def _first_preactivation(g: _Graph, segments: list, found: list, where: dict) -> None:
    """In a pre-activation network the first block's norm and ReLU come before its fork (its projection reads the
    pre-activated tensor), so the walk above left them in the stem. When every later block is pre-activation
    (its main path opens with a norm, nothing follows its join), they are the first block's PRE ops."""
    starts = [i for i, b in enumerate(found) if b is not None]
    if len(starts) < 2:
        return
    for k in range(1, len(starts)):
        ops = sorted(n for n, (_, b, _) in where.items() if b == k)
        first = next((g.op(n) for n in ops if where[n][2] in (Path.PRE, Path.MAIN)
                      and (g.op(n).kind in _NORMS or g.op(n).kind is OpKind.CONV)), None)
        if first is None or first.kind not in _NORMS or any(where[n][2] is Path.POST for n in ops):
            return
    i = starts[0] - 1
    moved = []
    while i >= 0 and len(segments[i][2]) == 1 and g.op(segments[i][1]).kind in _NORMS | _ACTIVATIONS:
        moved.append(segments[i][1])
        i -= 1
    stem_left = any(where.get(n, (None,))[0] is Section.STEM and n not in moved for _, _, nodes in segments[:i + 1]
                    for n in nodes)
    if moved and stem_left:
        where.update(dict.fromkeys(moved, (Section.STAGE, 0, Path.PRE)))


def find_structure(ops: Sequence[Op], outputs: Sequence[Ref]) -> tuple[tuple[Op, ...], tuple[Stage, ...]]:
    """The ops with section, stage, block and path filled in, and the stages of residual blocks."""
    g = _Graph(ops)
    where, blocks = _place(g, outputs)
    members: list[list[int]] = [[] for _ in blocks]
    for n, (_, k, _) in where.items():
        if k is not None:
            members[k].append(n)
    placed = [replace(op, section=where.get(i + 1, (Section.UNPLACED,))[0],
                      path=where.get(i + 1, (None, None, None))[2]) for i, op in enumerate(ops)]
    block_ops = [[placed[n - 1] for n in sorted(m)] for m in members]
    starts = [i for i, b in enumerate(block_ops) if i == 0 or b[0].input != b[-1].output]
    stage_of = [max(s for s, first in enumerate(starts) if first <= i) for i in range(len(block_ops))]
    stage_ids: list[str] = []
    taken: set[str] = set()
    for s in range(len(starts)):
        mine = [o for i, b in enumerate(block_ops) if stage_of[i] == s for o in b]
        ids = {o.id for o in mine}
        outside = [o.module for o in placed if o.id not in ids]
        stage_ids.append(_unique(_label(mine, outside, shortest=True), f"stage{s + 1}", taken))
    block_ids = []
    for i, b in enumerate(block_ops):
        ids = {o.id for o in b}
        outside = [o.module for o in placed if o.id not in ids]
        index = i - starts[stage_of[i]]
        block_ids.append(_unique(_label(b, outside, shortest=False), f"{stage_ids[stage_of[i]]}.{index}", taken))
    node_block = {n: i for i, m in enumerate(members) for n in m}
    placed = [replace(o, stage=stage_ids[stage_of[node_block[i + 1]]], block=block_ids[node_block[i + 1]])
              if i + 1 in node_block else o for i, o in enumerate(placed)]
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
