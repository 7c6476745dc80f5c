"""The report's short notes (the stem, where the volume halves, the shortcuts, the blocks, the head, how we count),
one builder per note, each written only when its premise holds.

A builder returns None where its premise does not hold for this network (no stem, no halving, a 1×1 map that
cannot shrink, no residual block at all): the note is left out rather than bent. Text comes out plain (with
`backticks` around PyTorch names); renderers style it. explain.explanations picks the notes a network gets.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import fmt
from ..schema import Block, BlockKind, Op, OpKind, Path, ShortcutKind, Trace
from .groups import block_ops, downsampling_op, per_image, shrinks, stem_parts
from .words import kernel, listing, plural, subsample_every, verb


@dataclass(frozen=True)
class Note:
    """A short explanation in plain words, generated from the trace (`backticks` mark PyTorch names)."""

    key: str
    title: str
    text: str


def _window(op: Op) -> str:
    return f"`{op.id}` ({fmt.pair(op.kernel_size)}, stride {fmt.scalar_pair(op.stride)})"


def _halves(a: int, b: int) -> bool:
    return b in (a // 2, -(-a // 2))


def stem_note(trace: Trace) -> Note | None:
    pre, pools = stem_parts(trace)
    conv = next((o for o in pre if o.kind is OpKind.CONV), None)
    if conv is None or not trace.stages:
        return None
    first = trace.stages[0].input
    size = f"{fmt.spatial(trace.input)} → {fmt.spatial(first)}"
    pool = next((o for o in pools if o.kind is OpKind.MAXPOOL and o.stride), None)
    if pool is not None and pool.stride and conv.stride:
        step = conv.stride[0] * pool.stride[0]
        if first.spatial != trace.input.spatial:
            text = (f"The network first shrinks the image quickly: {_window(conv)} and {_window(pool)} together have "
                    f"a stride of {step} ({size}) before the first residual block, so the many convs that follow "
                    f"work on small maps.")
        else:
            text = (f"The stem, {_window(conv)} and {_window(pool)}, has a stride of {step}, but a "
                    f"{fmt.spatial(trace.input)} input has nothing left to shrink: the first residual block sees "
                    f"{fmt.spatial(first)}.")
        return Note("stem", "The stem", (
            f"{text} The paper "
            f"lists this max-pool in the conv2_x row (so do the Paper columns here); PyTorch keeps it in the stem "
            f"module, so the per-layer table shows it there."))
    later = [(s, downsampling_op(trace, s)) for s in trace.stages[1:]]
    named = [s.paper_name or s.id for s, o in later if o is not None]
    keeps = "keeps the full resolution" if conv.input.spatial == conv.output.spatial else f"goes {size}"
    after = f" After it, the size can only change at the strided convs that open {listing(named)}." if named else ""
    return Note("stem", "The stem", (
        f"This stem is a single {_window(conv)} with no max-pool: it {keeps}, so the first stage works on "
        f"{fmt.volume(first)}.{after}"))


def halving_note(trace: Trace) -> Note | None:
    downs = [(s, o) for s in trace.stages[1:] if (o := downsampling_op(trace, s)) is not None]
    if not downs:
        return None
    where = "; ".join(f"{s.paper_name or s.id} at `{o.id}` ({fmt.spatial(o.input)} → {fmt.spatial(o.output)})"
                      for s, o in downs)
    strides = sorted({fmt.scalar_pair(o.stride) for _, o in downs})
    halving = [o for _, o in downs if shrinks(o) and all(_halves(a, b) for a, b in zip(o.input.spatial,
                                                                                     o.output.spatial, strict=True))]
    stuck = [o for _, o in downs if not shrinks(o)]
    text = f"Each stage after the first opens with a stride-{' or '.join(strides)} conv: {where}."
    if stuck:
        text += (f" At {', '.join(f'`{o.id}`' for o in stuck)} the map is already "
                 f"{fmt.spatial(stuck[0].input)}, so the stride keeps it that size.")
    doubled = all(s.output.channels == 2 * s.input.channels for s, _ in downs)
    if len(halving) == len(downs) and doubled:
        text += (" Each halves height and width, and at the same place the number of filters doubles. Halving both "
                 "sides leaves a quarter of the positions, and doubling the channels makes each conv four times as "
                 "wide (its weights grow with input × output channels), so the work per conv stays about constant "
                 "while the network trades resolution for features.")
        costs = [(s.paper_name or s.id, sum(o.macs for o in trace.ops_of(s.blocks[-1].op_ids)) // trace.batch)
                 for s in trace.stages if len(s.blocks) > 1]
        if len(costs) == len(trace.stages) and len({c for _, c in costs}) == 1:
            text += (f" It comes out exactly even here: the last block of every stage costs "
                     f"{fmt.compact(costs[0][1])} multiply-adds per image.")
        elif len(costs) == len(trace.stages):
            text += (" The last block of each stage costs (multiply-adds per image): "
                     + ", ".join(f"{n} {fmt.compact(c)}" for n, c in costs) + ".")
    title = "Where the volume shrinks" if len(stuck) < len(downs) else "Where the strided convs sit"
    return Note("halving", title, text)


def _reshaping(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b.input != b.output]


def shortcut_note(trace: Trace) -> Note | None:
    blocks = list(trace.blocks)
    if not blocks:
        return None
    by_kind = {k: [b for b in blocks if b.shortcut is k] for k in ShortcutKind}
    n, parts = len(blocks), []
    ident = by_kind[ShortcutKind.IDENTITY]
    if ident:
        parts.append(f"{len(ident)} of {plural(n, 'block')} {verb(len(ident), 'adds its', 'add their')} input "
                     f"unchanged (an identity shortcut): the convs only have to learn the difference from the "
                     f"input, the residual.")
    proj = by_kind[ShortcutKind.PROJECTION] + by_kind[ShortcutKind.POOLED]
    if proj:
        changing = _reshaping(proj)
        b = next((x for x in changing if x.stride > 1), changing[0] if changing else proj[0])
        ops = block_ops(trace, b, Path.SHORTCUT)
        conv = next(o for o in ops if o.kind is OpKind.CONV)
        pooled = next((o for o in ops if o.kind in (OpKind.AVGPOOL, OpKind.MAXPOOL)), None)
        norm = " (then a norm)" if any(o.kind in (OpKind.BATCHNORM, OpKind.NORM) for o in ops) else ""
        how = (f"`{pooled.id}` average-pools the input ({fmt.pair(pooled.kernel_size)}, stride "
               f"{fmt.scalar_pair(pooled.stride)}) and `{conv.id}`, a {fmt.pair(conv.kernel_size)} conv{norm}, maps it"
               if pooled is not None else
               f"`{conv.id}`, a {fmt.pair(conv.kernel_size)} conv with stride {fmt.scalar_pair(conv.stride)}{norm}, "
               f"maps it")
        if changing:
            parts.append(f"{plural(len(changing), 'block')} {verb(len(changing), 'changes', 'change')} the volume, "
                         f"so the input cannot be added to the output as it is; a projection shortcut reshapes it. "
                         f"In `{b.id}`, {how} from {fmt.volume(b.input)} to {fmt.volume(b.output)}.")
        if len(changing) < len(proj):
            rest = len(proj) - len(changing)
            parts.append(f"{plural(rest, 'other block')} {verb(rest, 'projects', 'project')} too, although "
                         f"{verb(rest, 'its shape already matches', 'their shapes already match')} (the paper's "
                         f"option C).")
        params = sum(o.params for x in proj for o in block_ops(trace, x, Path.SHORTCUT))
        parts.append(f"The projection shortcuts hold {plural(params, 'parameter')} together.")
    pad = by_kind[ShortcutKind.ZEROPAD]
    if pad:
        b = pad[0]
        ops = block_ops(trace, b, Path.SHORTCUT)
        step = max((o.stride[0] for o in ops if o.stride), default=1)
        extra = b.output.channels - b.input.channels
        parts.append(
            f"{plural(len(pad), 'block')} {verb(len(pad), 'uses', 'use')} the paper's option A instead of a "
            f"projection: in `{b.id}` the shortcut keeps {subsample_every(step)} and appends "
            f"{plural(extra, 'channel')} of zeros, so {fmt.volume(b.input)} becomes {fmt.volume(b.output)} with no "
            f"parameters at all.")
    return Note("shortcuts", "Shortcuts", " ".join(parts)) if parts else None


def _share(inner: int, carried: int) -> str:
    if carried == 4 * inner:
        return "a quarter of the channels the block carries"
    if carried == 2 * inner:
        return "half of the channels the block carries"
    return f"{inner} of the {carried} channels the block carries"


def block_note(trace: Trace) -> Note | None:
    if not trace.stages:
        return None
    stage = trace.stages[min(1, len(trace.stages) - 1)]
    block = stage.blocks[1] if len(stage.blocks) > 1 else stage.blocks[0]
    convs = [o for o in block_ops(trace, block, Path.PRE, Path.MAIN) if o.kind is OpKind.CONV]
    if block.kind is BlockKind.BOTTLENECK and len(convs) == 3:
        a, b, c = convs
        reduce = "reduces" if a.output.channels < a.input.channels else "maps"
        back = "back to" if c.output.channels == a.input.channels else "to"
        expand = "expands" if c.output.channels > c.input.channels else "maps"
        text = (f"A bottleneck block squeezes, works, and expands. In `{block.id}`, `{a.id}` (1×1) {reduce} "
                f"{a.input.channels} channels to {a.output.channels}, `{b.id}` ({kernel(b)}) works at "
                f"{b.output.channels}, and `{c.id}` (1×1) {expand} {back} {c.output.channels}")
        text += (f": the costly {fmt.pair(b.kernel_size)} conv sees {_share(b.input.channels, c.output.channels)}."
                 if b.input.channels < c.output.channels else ".")
        if b.groups and b.groups > 1:
            text += (f" Its {fmt.pair(b.kernel_size)} conv is grouped ({b.groups} groups): each filter sees "
                     f"{b.input.channels // b.groups} of its {b.input.channels} input channels.")
        down = next((downsampling_op(trace, s) for s in trace.stages if downsampling_op(trace, s)), None)
        if down is not None and down.kind is OpKind.CONV and trace.blocks and \
                trace.block(down.block or "").kind is BlockKind.BOTTLENECK:
            which = ("the 3×3, as in torchvision (v1.5); the paper (v1) strides the first 1×1 instead"
                     if down.kernel_size != (1, 1) else
                     "the first 1×1, as in the paper (v1); torchvision (v1.5) strides the 3×3 instead")
            text += f" Where a block downsamples, the strided conv is `{down.id}`, {which}."
        return Note("blocks", "Bottleneck blocks", text)
    if block.kind is not BlockKind.BASIC:
        return None
    body = " and ".join(f"`{o.id}` ({kernel(o)})" for o in convs)
    if block.preact:
        order = ("Each conv is preceded by a batch norm and a ReLU (pre-activation), and nothing follows the "
                 "addition: the shortcut carries the block's input untouched to the next block.")
    else:
        post_relu = any(o.kind is OpKind.RELU for o in block_ops(trace, block, Path.POST))
        order = "Each conv is followed by batch norm; a ReLU follows the first conv" + (
            " and the addition." if post_relu else ".")
    return Note("blocks", "Basic blocks", (
        f"A basic block is two convs on one path and the shortcut on the other, e.g. {body} in `{block.id}`. "
        f"{order}"))


def head_note(trace: Trace) -> Note | None:
    head = trace.ops_of(trace.head)
    pool = next((o for o in head if o.kind is OpKind.AVGPOOL), None)
    fc = next((o for o in head if o.kind is OpKind.LINEAR), None)
    if pool is None or fc is None:
        return None
    what = "class score" if trace.model is not None else "output"
    maps = (f"`{pool.id}` averages each of the {plural(pool.input.channels, 'final map')} "
            f"({fmt.spatial(pool.input)}) to one number, whatever the input size" if pool.input.spatial != (1, 1)
            else f"`{pool.id}` takes the {plural(pool.input.channels, 'final 1×1 map')} as they are")
    return Note("head", "The head", (
        f"{maps}, and `{fc.id}` turns those numbers into {plural(fc.output.dims[-1], what)}. The paper's softmax is "
        f"applied by the loss, not the model."))


def counting_note(trace: Trace) -> Note:
    t, n = trace.totals, trace.batch
    macs = per_image(trace, t.macs)
    batch = f" ({fmt.compact(t.macs)} for the traced batch of {n})" if n > 1 else ""
    return Note("counting", "How we count", (
        f"Multiply-adds (MACs) count one multiplication plus one addition as one operation, as the paper's "
        f"“FLOPs” row does: {fmt.compact(macs)} per image for this network at {fmt.volume(trace.input)}{batch}. "
        f"Counting multiplications and additions separately gives FLOPs = 2 × MACs = {fmt.compact(2 * macs)} per "
        f"image. Batch norm, ReLU, additions and pooling ({fmt.compact(per_image(trace, t.elementwise_ops))} "
        f"elementwise operations per image) are kept apart and not included."))
