"""The report's explanations in plain words, each built from the trace, so the prose always matches the network.

Short notes on the stem, where and why the volume halves, the shortcuts, the blocks, the head and how we count,
and the per-layer table's caption. Text comes out plain (with `backticks` around PyTorch names); renderers style it.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import fmt
from .schema import OpKind, Path, Trace
from .views import downsampling_op, per_image, stem_parts


@dataclass(frozen=True)
class Note:
    """A short explanation in plain words, generated from the trace (`backticks` mark PyTorch names)."""

    key: str
    title: str
    text: str


def _stem_note(trace: Trace) -> Note:
    pre, pools = stem_parts(trace)
    conv = next((o for o in pre if o.kind is OpKind.CONV), None)
    if conv is None:
        return Note("stem", "The stem", "This network has no stem convolution.")
    first = trace.stages[0].input_shape if trace.stages else conv.output_shape
    conv_txt = f"`{conv.id}` ({fmt.pair(conv.kernel_size)}, stride {fmt.scalar_pair(conv.stride)})"
    if pools:
        pool = pools[0]
        factor = conv.stride[0] * pool.stride[0]
        return Note("stem", "The stem", (
            f"The network first shrinks the image quickly: {conv_txt} and `{pool.id}` "
            f"({fmt.pair(pool.kernel_size)}, stride {fmt.scalar_pair(pool.stride)}) together reduce each side about "
            f"{factor}-fold ({fmt.spatial(trace.input_shape)} → {fmt.spatial(first)}) before the first residual block, so the many "
            f"convs that follow work on small maps. The paper lists this max-pool in the conv2_x row; PyTorch keeps "
            f"it in the stem, and so do the per-layer rows below."))
    same = conv.input_shape[2:] == conv.output_shape[2:]
    size = "keeps the full resolution" if same else f"goes {fmt.spatial(conv.input_shape)} → {fmt.spatial(conv.output_shape)}"
    return Note("stem", "The stem", (
        f"This stem is a single {conv_txt} with no max-pool: it {size}, so the first stage works on "
        f"{fmt.volume(first)}. Small inputs such as {fmt.spatial(trace.input_shape)} have little resolution to spare; "
        f"the only reductions in size are the stride-2 convs that open the later stages."))


def _halving_note(trace: Trace) -> Note | None:
    downs = [(s, downsampling_op(trace, s)) for s in trace.stages]
    downs = [(s, o) for s, o in downs if o is not None]
    if not downs:
        return None
    where = "; ".join(f"{s.paper_name} at `{o.id}` ({fmt.spatial(o.input_shape)} → {fmt.spatial(o.output_shape)})"
                      for s, o in downs)
    stride = fmt.scalar_pair(downs[0][1].stride)
    costs = [(s.paper_name, sum(o.macs for o in trace.ops_of(s.blocks[-1].op_ids))) for s in trace.stages]
    if len({c for _, c in costs}) == 1:
        cost = (f"It comes out exactly even here: a block that does not downsample costs {fmt.compact(costs[0][1])} "
                f"multiply-adds in every stage.")
    else:
        listed = ", ".join(f"{name} {fmt.compact(c)}" for name, c in costs)
        cost = f"The last block of each stage costs (multiply-adds): {listed}."
    return Note("halving", "Why the volume halves where it does", (
        f"Each stage after the first opens with a stride-{stride} conv that halves height and width: {where}. "
        f"At the same place the number of filters doubles. Halving both sides leaves a quarter of the positions, "
        f"and doubling the channels makes each conv four times as wide (its weights grow with input × output "
        f"channels), so the work per conv stays about constant while the network trades resolution for features. "
        f"{cost}"))


def _blocks_change(n: int) -> str:
    return "1 block changes" if n == 1 else f"{n} blocks change"


def _every(stride: int) -> str:
    return {1: "the input as it is", 2: "every second row and column"}.get(stride, f"every {stride}th row and column")


def _shortcut_note(trace: Trace) -> Note | None:
    blocks = trace.blocks
    if not blocks:
        return None
    kinds = {k: [b for b in blocks if b.shortcut.value == k] for k in ("identity", "projection", "zeropad")}
    parts = []
    if kinds["identity"]:
        parts.append(f"{len(kinds['identity'])} of {len(blocks)} blocks add their input unchanged (an identity "
                     f"shortcut): the convs only have to learn the difference from the input, the residual.")
    proj = kinds["projection"]
    if proj:
        reshaping = [b for b in proj if b.input_shape != b.output_shape]
        b = next((x for x in reshaping if x.stride > 1), reshaping[0] if reshaping else proj[0])
        sc = next(o for o in trace.ops_of(b.op_ids) if o.path is Path.SHORTCUT and o.kind is OpKind.CONV)
        params = sum(o.params for x in proj for o in trace.ops_of(x.op_ids) if o.path is Path.SHORTCUT)
        if reshaping:
            parts.append(
                f"{_blocks_change(len(reshaping))} the volume, so the input cannot be added to the output as "
                f"it is; a projection shortcut reshapes it. In `{b.id}`, `{sc.id}` is a {fmt.pair(sc.kernel_size)} "
                f"conv with stride {fmt.scalar_pair(sc.stride)} (then batch norm) that maps "
                f"{fmt.volume(b.input_shape)} to {fmt.volume(b.output_shape)}. These are the paper's dashed shortcuts.")
        if len(reshaping) < len(proj):
            parts.append(f"This network uses the paper's option C: the other {len(proj) - len(reshaping)} blocks "
                         f"project too, although their shapes already match.")
        parts.append(f"All projection shortcuts together hold {fmt.thousands(params)} parameters.")
    pad = kinds["zeropad"]
    if pad:
        b = pad[0]
        sc = next(o for o in trace.ops_of(b.op_ids) if o.path is Path.SHORTCUT)
        extra = fmt.channels(b.output_shape) - fmt.channels(b.input_shape)
        stride = sc.stride[0] if sc.stride else 1
        parts.append(
            f"{_blocks_change(len(pad))} the volume and use the paper's option A instead of a projection: "
            f"`{sc.id}` keeps {_every(stride)} and appends {extra} channels of zeros, so {fmt.volume(b.input_shape)} "
            f"becomes {fmt.volume(b.output_shape)} with no parameters at all.")
    return Note("shortcuts", "Shortcuts", " ".join(parts))


def _block_note(trace: Trace) -> Note | None:
    if not trace.stages:
        return None
    stage = trace.stages[min(1, len(trace.stages) - 1)]
    block = stage.blocks[1] if len(stage.blocks) > 1 else stage.blocks[0]
    convs = [o for o in trace.ops_of(block.op_ids) if o.kind is OpKind.CONV and o.path is Path.MAIN]
    if block.kind == "bottleneck" and len(convs) == 3:
        a, b, c = convs
        text = (f"A bottleneck block squeezes, works, and expands. In `{block.id}`, `{a.id}` (1×1) reduces "
                f"{fmt.channels(a.input_shape)} channels to {fmt.channels(a.output_shape)}, `{b.id}` (3×3) works at "
                f"{fmt.channels(b.output_shape)}, and `{c.id}` (1×1) expands back to {fmt.channels(c.output_shape)}: "
                f"the costly 3×3 conv sees a quarter of the channels the block carries.")
        down = next((downsampling_op(trace, s) for s in trace.stages if downsampling_op(trace, s)), None)
        if down is not None:
            which = ("the 3×3, as in torchvision (v1.5); the paper (v1) strides the first 1×1 instead"
                     if down.kernel_size == (3, 3) else
                     "the first 1×1, as in the paper (v1); torchvision (v1.5) strides the 3×3 instead")
            text += f" Where a block downsamples, the strided conv is `{down.id}`, {which}."
        return Note("blocks", "Bottleneck blocks", text)
    body = " and ".join(f"`{o.id}` ({fmt.pair(o.kernel_size)}, {fmt.channels(o.output_shape)})" for o in convs)
    return Note("blocks", "Basic blocks", (
        f"A basic block is two 3×3 convs on one path and the shortcut on the other, e.g. {body} in `{block.id}`. "
        f"Each conv is followed by batch norm; a ReLU follows the first conv and the addition."))


def _head_note(trace: Trace) -> Note | None:
    head = trace.ops_of(trace.head)
    pool = next((o for o in head if o.kind is OpKind.AVGPOOL), None)
    fc = next((o for o in head if o.kind is OpKind.LINEAR), None)
    if pool is None or fc is None:
        return None
    return Note("head", "The head", (
        f"`{pool.id}` averages each of the {fmt.channels(pool.input_shape)} final maps "
        f"({fmt.spatial(pool.input_shape)}) to one number, whatever the input size, and `{fc.id}` turns those numbers "
        f"into {fmt.channels(fc.output_shape)} class scores. The paper's softmax is applied by the loss, not the model."))


def _counting_note(trace: Trace) -> Note:
    t = trace.totals
    macs = per_image(trace, t.macs)
    return Note("counting", "How we count", (
        f"Multiply-adds (MACs) count one multiplication plus one addition as one operation, as the paper's "
        f"“FLOPs” row does: {fmt.compact(macs)} for this network at {fmt.input_size(trace.input_shape)}. "
        f"Counting multiplications and additions separately gives FLOPs = 2 × MACs = {fmt.compact(2 * macs)}. "
        f"Batch norm, ReLU, additions and pooling ({fmt.compact(per_image(trace, t.elementwise_ops))} elementwise "
        f"operations) are kept apart and not included."))


def explanations(trace: Trace) -> tuple[Note, ...]:
    """The report's short explanations, each built from this trace."""
    notes = [_stem_note(trace), _halving_note(trace), _shortcut_note(trace), _block_note(trace),
             _head_note(trace), _counting_note(trace)]
    return tuple(n for n in notes if n is not None)


def layers_caption(trace: Trace) -> str:
    return (f"Every op of {trace.model_name} in execution order, grouped by stage and block. The paper's layer "
            f"names stand beside PyTorch's module names; the stem's `maxpool` is kept with conv1, where PyTorch "
            f"puts it (the paper's Table 1 lists it under conv2_x). MACs are multiply-adds per forward pass of "
            f"the traced batch of {trace.input_shape[0]}.")
