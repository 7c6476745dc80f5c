"""One trunk segment read as a residual block when it ends in an addition: its fork, its join and each op's path.

The main path is the branch with the most multiply-adds, the shortcut the other (empty for an identity); a `mul`
inside the main path by a broadcast volume is a gate (squeeze-excite). Torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import OpKind, Path
from .flow_graph import FlowGraph


@dataclass
class FoundBlock:
    """A residual block as the walk finds it: graph nodes, not yet a schema Block."""

    fork: int
    join: int
    paths: dict[int, Path]  # node → path, for every node of the block


def _weighted(g: FlowGraph, nodes: set[int]) -> tuple[int, int, int]:
    ops = [g.op(n) for n in nodes]
    return (sum(o.macs for o in ops), sum(1 for o in ops if o.params or o.kind in (OpKind.CONV, OpKind.LINEAR)),
            len(ops))


def residual_block(g: FlowGraph, fork: int, join: int) -> FoundBlock | None:
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
    return FoundBlock(fork, join, paths)
