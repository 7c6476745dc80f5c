"""Where each op sits: the stem, a block (and its path inside it) or the head, found by walking the trunk's segments.

Torch-free: it works on plain schema ops.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..schema import OpKind, Path, Ref, Section
from .flow_graph import FlowGraph
from .residual import FoundBlock, residual_block

ACTIVATIONS = frozenset({OpKind.RELU, OpKind.ACTIVATION})
NORMS = frozenset({OpKind.BATCHNORM, OpKind.NORM})


def opens_preactivated(ops: Iterable[tuple[OpKind, Path | None]]) -> bool:
    """Whether a block's ops, (kind, path) in order, make a pre-activation block: the first norm or conv before or
    on its main path is a norm, and no activation follows its join."""
    ops = list(ops)
    leading = next((kind for kind, path in ops if path in (Path.PRE, Path.MAIN)
                    and (kind in NORMS or kind is OpKind.CONV)), None)
    post_act = any(path is Path.POST and kind in ACTIVATIONS for kind, path in ops)
    return leading is not None and leading in NORMS and not post_act


def _sink(g: FlowGraph, outputs: Sequence[Ref]) -> int:
    produced = [g.node[r.op] for r in outputs if r.op is not None]
    return max(produced) if produced else len(g.ops)


def place_ops(g: FlowGraph, outputs: Sequence[Ref]) -> tuple[dict[int, tuple[Section, int | None, Path | None]],
                                                             list[FoundBlock]]:
    """node → (section, block number, path) for every op the output depends on; and the blocks found."""
    trunk = g.trunk(_sink(g, outputs))
    segments = [(a, b, g.between([b], a)) for a, b in zip(trunk, trunk[1:], strict=False)]
    found = [residual_block(g, a, b) for a, b, _ in segments]
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
        lone_activation = len(nodes) == 1 and g.op(end).kind in ACTIVATIONS
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


def _first_preactivation(g: FlowGraph, segments: list, found: list, where: dict) -> None:
    """In a pre-activation network the first block's norm and ReLU come before its fork (its projection reads the
    pre-activated tensor), so the walk above left them in the stem. When every later block is pre-activation
    (its main path opens with a norm, nothing follows its join), they are the first block's PRE ops."""
    starts = [i for i, b in enumerate(found) if b is not None]
    if len(starts) < 2:
        return
    members: dict[int, list[int]] = {}
    for n, (_, b, _) in where.items():
        if b is not None:
            members.setdefault(b, []).append(n)
    for k in range(1, len(starts)):
        if not opens_preactivated((g.op(n).kind, where[n][2]) for n in sorted(members.get(k, []))):
            return
    i = starts[0] - 1
    moved = []
    while i >= 0 and len(segments[i][2]) == 1 and g.op(segments[i][1]).kind in NORMS | ACTIVATIONS:
        moved.append(segments[i][1])
        i -= 1
    stem_left = any(where.get(n, (None,))[0] is Section.STEM and n not in moved for _, _, nodes in segments[:i + 1]
                    for n in nodes)
    if moved and stem_left:
        where.update(dict.fromkeys(moved, (Section.STAGE, 0, Path.PRE)))
