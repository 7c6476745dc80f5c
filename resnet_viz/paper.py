"""The paper's Table 1 and its side-by-side form, rebuilt from traces, so a reader can check our numbers against it.

Everything here is derived from the traced ops (kernel sizes, strides, out channels, shapes, counts); nothing is
typed in from the paper. Text comes out plain (with `backticks` around PyTorch names); renderers style it.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import fmt
from .schema import Op, OpKind, Path, Section, Trace
from .shapes import conv_output_size, output_size_formula
from .spec import CIFAR_DEPTHS, IMAGENET_DEPTHS
from .views import downsampling_op, volume_journey


@dataclass(frozen=True)
class Stack:
    """One bracket of the paper's table: the main-path convs of a block ('3×3, 64'), repeated `repeat` times."""

    lines: tuple[str, ...]
    repeat: int

    @property
    def times(self) -> str:
        return f"×{self.repeat}"

    def text(self) -> str:
        return f"[{'; '.join(self.lines)}] {self.times}"


@dataclass(frozen=True)
class Cell:
    """What one network puts in one row: plain lines, then bracketed stacks, then small notes."""

    lines: tuple[str, ...] = ()
    stacks: tuple[Stack, ...] = ()
    notes: tuple[str, ...] = ()

    def text(self) -> str:
        """One line for Markdown and CSV: '3×3 max pool, stride 2; [3×3, 64; 3×3, 64] ×2'."""
        return "; ".join([*self.lines, *(s.text() for s in self.stacks)])


@dataclass(frozen=True)
class Row:
    key: str  # "conv1", "conv2_x", …, "head", "macs", "params": the same key across depths
    name: str  # the layer-name column
    pytorch: str  # the PyTorch modules the row covers
    output_size: str
    cell: Cell
    stage_index: int | None = None  # for the stage colour band
    kind: str = "layer"  # "layer" | "count"


@dataclass(frozen=True)
class Comparison:
    """The paper's side-by-side table: one column per traced network, rows aligned by key."""

    columns: tuple[str, ...]  # "18-layer", "34-layer", …
    models: tuple[str, ...]  # "resnet18", …
    current: int | None  # index of the column of the report's own network
    keys: tuple[str, ...]
    names: tuple[str, ...]
    output_sizes: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]  # cells[row][column]
    kinds: tuple[str, ...]
    stage_indices: tuple[int | None, ...]


def _per_image(trace: Trace, n: int) -> int:
    return n // max(1, trace.input_shape[0])


def _conv_line(op: Op) -> str:
    """'3×3, 64' the way the paper writes a conv (kernel, out channels); groups or dilation only when used."""
    text = f"{fmt.pair(op.kernel_size)}, {fmt.channels(op.output_shape)}"
    if op.groups and op.groups > 1:
        text += f", groups {op.groups}"
    if op.dilation and op.dilation != (1, 1):
        text += f", dilation {fmt.scalar_pair(op.dilation)}"
    return text


def _stride_text(op: Op) -> str:
    return f"stride {fmt.scalar_pair(op.stride)}"


def _pool_line(op: Op) -> str:
    return f"{fmt.pair(op.kernel_size)} max pool, {_stride_text(op)}"


def _stem_parts(trace: Trace) -> tuple[list[Op], list[Op]]:
    """Stem ops before the first max-pool (the paper's conv1) and the max-pool(s) (listed under conv2_x)."""
    ops = trace.ops_of(trace.stem)
    pools = [o for o in ops if o.kind is OpKind.MAXPOOL]
    first_pool = ops.index(pools[0]) if pools else len(ops)
    return list(ops[:first_pool]), pools


def _stacks(trace: Trace, stage) -> tuple[Stack, ...]:
    """Consecutive blocks whose main-path convs match (kernel, out channels) fold into one bracket ×n."""
    out: list[list] = []
    for block in stage.blocks:
        convs = [o for o in trace.ops_of(block.op_ids) if o.kind is OpKind.CONV and o.path is Path.MAIN]
        lines = tuple(_conv_line(o) for o in convs)
        if out and out[-1][0] == lines:
            out[-1][1] += 1
        else:
            out.append([lines, 1])
    return tuple(Stack(lines, n) for lines, n in out)


def _downsampling_note(trace: Trace, stage) -> str | None:
    op = downsampling_op(trace, stage)
    if op is None or op.stride is None:
        return None
    where = "the first block's " if op.block == 0 else ""
    return f"{_stride_text(op)} in {where}{fmt.pair(op.kernel_size)} conv `{op.id}`"


def table1(trace: Trace) -> tuple[Row, ...]:
    """The rows of the paper's Table 1 for one network: conv1, each stage, the head, multiply-adds and params."""
    rows: list[Row] = []
    pre_pool, pools = _stem_parts(trace)
    convs = [o for o in pre_pool if o.kind is OpKind.CONV]
    if pre_pool:
        lines = tuple(f"{_conv_line(o)}, {_stride_text(o)}" for o in convs)
        rows.append(Row("conv1", "conv1", " · ".join(f"`{o.id}`" for o in pre_pool),
                        fmt.spatial(pre_pool[-1].output_shape), Cell(lines=lines), kind="layer"))
    for i, stage in enumerate(trace.stages):
        lines = tuple(_pool_line(p) for p in pools) if i == 0 else ()
        notes = tuple(n for n in (_downsampling_note(trace, stage),) if n)
        pytorch = f"`{stage.id}`"
        if i == 0 and pools:
            pytorch = " · ".join(f"`{p.id}`" for p in pools) + " · " + pytorch
        rows.append(Row(stage.paper_name, stage.paper_name, pytorch, fmt.spatial(stage.output_shape),
                        Cell(lines=lines, stacks=_stacks(trace, stage), notes=notes), stage_index=i))
    head = trace.ops_of(trace.head)
    if head:
        parts = []
        for o in head:
            if o.kind is OpKind.AVGPOOL:
                parts.append("average pool")
            elif o.kind is OpKind.LINEAR:
                parts.append(f"{fmt.channels(o.output_shape)}-d fc")
        shown = [o for o in head if o.kind in (OpKind.AVGPOOL, OpKind.LINEAR)] or list(head)
        pool = next((o for o in head if o.kind is OpKind.AVGPOOL), head[0])
        rows.append(Row("head", "head", " · ".join(f"`{o.id}`" for o in shown), fmt.spatial(pool.output_shape),
                        Cell(lines=(", ".join(parts),), notes=("softmax belongs to the loss: the model returns logits",))))
    macs = _per_image(trace, trace.totals.macs)
    rows.append(Row("macs", "multiply-adds (the paper's “FLOPs”)", "", "",
                    Cell(lines=(fmt.paper_power(macs),), notes=(f"{fmt.compact(macs)} per image",)), kind="count"))
    rows.append(Row("params", "parameters", "", "",
                    Cell(lines=(fmt.compact(trace.totals.params),), notes=(fmt.thousands(trace.totals.params),)),
                    kind="count"))
    return tuple(rows)


def column_title(trace: Trace) -> str:
    """'34-layer' (the paper's column heading), or the model name for nets we did not build."""
    if trace.model is None:
        return trace.model_name
    return f"{trace.model.layer_count}-layer"


def comparison(traces, current: Trace | None = None) -> Comparison:
    """Table 1 side by side for several traces (same input), rows aligned by key in first-seen order."""
    traces = tuple(traces)
    tables = [{r.key: r for r in table1(t)} for t in traces]
    keys: list[str] = []
    for table in tables:
        keys.extend(k for k in table if k not in keys)
    counts = [k for k in keys if k in ("macs", "params")]
    keys = [k for k in keys if k not in counts] + counts
    names, sizes, cells, kinds, bands = [], [], [], [], []
    for key in keys:
        present = [t[key] for t in tables if key in t]
        names.append(present[0].name)
        found = [r.output_size for r in present]
        sizes.append(" / ".join(dict.fromkeys(found)))
        cells.append(tuple(t[key].cell if key in t else Cell(lines=("—",)) for t in tables))
        kinds.append(present[0].kind)
        bands.append(present[0].stage_index)
    cur = None
    if current is not None:
        cur = next((i for i, t in enumerate(traces) if t.model_name == current.model_name), None)
    return Comparison(
        columns=tuple(column_title(t) for t in traces),
        models=tuple(t.model_name for t in traces),
        current=cur,
        keys=tuple(keys),
        names=tuple(names),
        output_sizes=tuple(sizes),
        cells=tuple(cells),
        kinds=tuple(kinds),
        stage_indices=tuple(bands),
    )


def comparison_depths(trace: Trace, *, include_1202: bool = False) -> tuple[int, ...]:
    """The depths to trace beside this one: the paper's five ImageNet nets, or the CIFAR family; () for custom nets."""
    spec = trace.model
    if spec is None or spec.depth is None:
        return ()
    if spec.family == "cifar":
        return CIFAR_DEPTHS if include_1202 or spec.depth == 1202 else tuple(d for d in CIFAR_DEPTHS if d != 1202)
    return tuple(IMAGENET_DEPTHS)


def comparison_options(trace: Trace) -> dict:
    """trace_network keyword arguments that keep everything but the depth (input, stem, variant, shortcut, classes)."""
    spec = trace.model
    return {
        "input_size": tuple(trace.input_shape[2:4]),
        "variant": spec.variant,
        "shortcut": spec.shortcut,
        "stem": spec.stem,
        "num_classes": spec.num_classes,
    }


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def table1_markdown(trace: Trace) -> str:
    """Table 1 for this network as a GitHub Markdown table."""
    head = ["Layer name", "PyTorch", "Output size", column_title(trace)]
    lines = [f"**Table 1 for {trace.model_name} at {fmt.input_size(trace.input_shape)}**", "",
             "| " + " | ".join(head) + " |", "|---|---|---|---|"]
    for r in table1(trace):
        cell = r.cell.text() + "".join(f" ({n})" for n in r.cell.notes)
        lines.append("| " + " | ".join(_md_escape(x) for x in (r.name, r.pytorch, r.output_size, cell)) + " |")
    return "\n".join(lines) + "\n"


def comparison_markdown(comp: Comparison) -> str:
    """The side-by-side table as a GitHub Markdown table (notes left out, as in the paper)."""
    head = ["Layer name", "Output size", *comp.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, size, cells in zip(comp.names, comp.output_sizes, comp.cells, strict=True):
        lines.append("| " + " | ".join(_md_escape(x) for x in (name, size, *(c.text() for c in cells))) + " |")
    return "\n".join(lines) + "\n"


def _csv(rows) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows(rows)
    return buf.getvalue()


def table1_csv(trace: Trace) -> str:
    rows = [("key", "layer_name", "pytorch", "output_size", "spec", "notes")]
    for r in table1(trace):
        rows.append((r.key, r.name, r.pytorch.replace("`", ""), r.output_size, r.cell.text(),
                     "; ".join(n.replace("`", "") for n in r.cell.notes)))
    return _csv(rows)


def comparison_csv(comp: Comparison) -> str:
    rows = [("key", "layer_name", "output_size", *comp.models)]
    for key, name, size, cells in zip(comp.keys, comp.names, comp.output_sizes, comp.cells, strict=True):
        rows.append((key, name, size, *(c.text() for c in cells)))
    return _csv(rows)


# --- the volume journey -------------------------------------------------------------------------


@dataclass(frozen=True)
class Leg:
    """One visible change of the volume: where it happens, what it becomes, why, and any rounding arithmetic."""

    before: str
    after: str
    where: str  # op or block id
    paper: str  # conv1, conv3_x, head
    change: str  # short label: "stride 2 · channels ×2"
    why: str
    arithmetic: tuple[str, ...] = ()  # floor-rounding formulas where a side does not divide by the stride
    stage_index: int | None = None
    section: str = "stage"


def _sides(shape) -> str:
    return fmt.spatial(shape)


def _uneven(op: Op) -> list[tuple[str, int, int, int, int, int]]:
    """(side name, size, kernel, stride, padding, dilation) for each side the op's stride does not divide."""
    if op.kernel_size is None or op.stride is None or op.padding is None or len(op.input_shape) != 4:
        return []
    dil = op.dilation or (1, 1)
    return [(name, op.input_shape[2 + a], op.kernel_size[a], op.stride[a], op.padding[a], dil[a])
            for a, name in ((0, "height"), (1, "width")) if op.stride[a] > 1 and op.input_shape[2 + a] % op.stride[a]]


def _arithmetic(op: Op) -> tuple[str, ...]:
    """The output-size formula for each side the stride does not divide exactly (odd inputs such as 197×311)."""
    return tuple(f"{name} {size} at `{op.id}`: {output_size_formula(size, k, s, p, d)}"
                 for name, size, k, s, p, d in _uneven(op))


def _ratio(a: int, b: int) -> str:
    """Channel change as a factor where it is whole ('×2'), else the two counts."""
    if a and b % a == 0:
        return f"×{b // a}"
    return f"{a} → {b}"


def _stem_leg(trace: Trace, op: Op) -> Leg:
    c_in, c_out = fmt.channels(op.input_shape), fmt.channels(op.output_shape)
    k, s, p = fmt.pair(op.kernel_size), fmt.scalar_pair(op.stride), fmt.scalar_pair(op.padding)
    size = f"{_sides(op.input_shape)} → {_sides(op.output_shape)}"
    if op.kind is OpKind.MAXPOOL:
        change = f"{k} max pool, stride {s}"
        why = (f"`{op.id}` keeps the largest value of each {k} window, stepping {s} pixels (padding {p}): "
               f"{size}; the {c_out} channels pass through unchanged.")
    elif op.kind is OpKind.CONV:
        change = f"{k} conv, stride {s}, {c_out} filters"
        keep = "the size is kept" if op.input_shape[2:] == op.output_shape[2:] else size
        why = (f"`{op.id}` slides {c_out} filters of {k} over the input with stride {s} and padding {p} ({keep}); "
               f"each filter gives one channel, so {c_in} channels become {c_out}.")
    else:
        change, why = op.kind.value, f"`{op.id}`: {size}."
    return Leg("", fmt.volume(op.output_shape), op.id, "conv1", change, why, _arithmetic(op), None, "stem")


def _block_leg(trace: Trace, stage, block) -> Leg:
    ops = trace.ops_of(block.op_ids)
    shrink = next((o for o in ops if o.path is Path.MAIN and o.kind is OpKind.CONV and
                   o.input_shape[2:] != o.output_shape[2:]), None)
    c_in, c_out = fmt.channels(block.input_shape), fmt.channels(block.output_shape)
    parts, why = [], []
    if shrink is not None:
        parts.append(f"stride {fmt.scalar_pair(shrink.stride)}")
        why.append(f"`{shrink.id}`, a {fmt.pair(shrink.kernel_size)} conv with stride {fmt.scalar_pair(shrink.stride)}, "
                   f"takes {_sides(block.input_shape)} to {_sides(block.output_shape)}.")
    if c_in != c_out:
        parts.append(f"channels {_ratio(c_in, c_out)}")
        last = [o for o in ops if o.path is Path.MAIN and o.kind is OpKind.CONV][-1]
        if block.kind == "bottleneck":
            inner = fmt.channels(last.input_shape)
            why.append(f"The block ends with `{last.id}`, a 1×1 conv that widens its inner {inner} channels to "
                       f"{c_out}, so {c_in} channels come in and {c_out} go out.")
        else:
            how = "double" if c_out == 2 * c_in else "change"
            why.append(f"The block's convs have {c_out} filters where the previous stage's had {c_in}, "
                       f"so the channels {how} ({c_in} → {c_out}).")
    short = [o for o in ops if o.path is Path.SHORTCUT]
    if short:
        sc = short[0]
        if sc.kind is OpKind.ZEROPAD:
            why.append(f"The shortcut `{sc.id}` subsamples the input and appends {c_out - c_in} zero channels, "
                       f"so it matches {fmt.volume(block.output_shape)} and can be added.")
        else:
            why.append(f"The shortcut `{sc.id}` ({fmt.pair(sc.kernel_size)} conv, stride {fmt.scalar_pair(sc.stride)}) "
                       f"projects the input to {fmt.volume(block.output_shape)} so the two paths can be added.")
    arith = _arithmetic(shrink) if shrink is not None else ()
    return Leg("", fmt.volume(block.output_shape), block.id, stage.paper_name, " · ".join(parts), " ".join(why),
               arith, stage.index, "stage")


def _head_leg(trace: Trace, op: Op, flat: bool) -> Leg:
    if op.kind is OpKind.AVGPOOL:
        c = fmt.channels(op.output_shape)
        return Leg("", fmt.volume(op.output_shape), op.id, "head", "global average pool",
                   f"`{op.id}` averages each of the {c} maps of {_sides(op.input_shape)} to a single number.",
                   (), None, "head")
    if op.kind is OpKind.LINEAR:
        n_in, n_out = op.input_shape[-1], fmt.channels(op.output_shape)
        lead = f"The {n_in} numbers are flattened into a vector, and `{op.id}`" if flat else f"`{op.id}`"
        text = (f"{lead} maps them to {n_out} class scores ({fmt.thousands(op.params)} parameters: "
                f"a {n_in} × {n_out} weight matrix plus {n_out} biases).")
        return Leg("", fmt.volume(op.output_shape), op.id, "fc", f"{n_out}-d fc", text, (), None, "head")
    return Leg("", fmt.volume(op.output_shape), op.id, "head", op.kind.value, f"`{op.id}`.", (), None, "head")


def journey(trace: Trace) -> tuple[Leg, ...]:
    """The volume from the input to the class scores, one leg per stem op, per block that changes it, per head op."""
    steps = volume_journey(trace)
    changed = {(s.op.stage, s.op.block) for s in steps if s.op.section is Section.STAGE}
    legs: list[Leg] = []
    for op in trace.ops_of(trace.stem):
        if any(s.op is op for s in steps):
            legs.append(_stem_leg(trace, op))
    for stage in trace.stages:
        for block in stage.blocks:
            if (stage.id, block.index) in changed and block.input_shape != block.output_shape:
                legs.append(_block_leg(trace, stage, block))
    head_steps = [s.op for s in steps if s.op.section is Section.HEAD]
    flat = any(o.kind is OpKind.FLATTEN for o in head_steps)
    legs.extend(_head_leg(trace, o, flat) for o in head_steps if o.kind is not OpKind.FLATTEN)
    out, before = [], fmt.input_size(trace.input_shape)
    for leg in legs:
        out.append(Leg(before, leg.after, leg.where, leg.paper, leg.change, leg.why, leg.arithmetic,
                       leg.stage_index, leg.section))
        before = leg.after
    return tuple(out)


def journey_chain(trace: Trace) -> tuple[str, ...]:
    """'224×224×3', '112×112×64', … '1000': the volumes the journey passes through."""
    legs = journey(trace)
    return (fmt.input_size(trace.input_shape), *(leg.after for leg in legs))


# --- explanations and captions ------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """A short explanation in plain words, generated from the trace (`backticks` mark PyTorch names)."""

    key: str
    title: str
    text: str


def _stem_note(trace: Trace) -> Note:
    pre, pools = _stem_parts(trace)
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
            f"{factor}-fold ({_sides(trace.input_shape)} → {_sides(first)}) before the first residual block, so the many "
            f"convs that follow work on small maps. The paper lists this max-pool in the conv2_x row; PyTorch keeps "
            f"it in the stem, and so do the per-layer rows below."))
    same = conv.input_shape[2:] == conv.output_shape[2:]
    size = "keeps the full resolution" if same else f"goes {_sides(conv.input_shape)} → {_sides(conv.output_shape)}"
    return Note("stem", "The stem", (
        f"This stem is a single {conv_txt} with no max-pool: it {size}, so the first stage works on "
        f"{fmt.volume(first)}. Small inputs such as {_sides(trace.input_shape)} have little resolution to spare; "
        f"the only reductions in size are the stride-2 convs that open the later stages."))


def _halving_note(trace: Trace) -> Note | None:
    downs = [(s, downsampling_op(trace, s)) for s in trace.stages]
    downs = [(s, o) for s, o in downs if o is not None]
    if not downs:
        return None
    where = "; ".join(f"{s.paper_name} at `{o.id}` ({_sides(o.input_shape)} → {_sides(o.output_shape)})"
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
        f"({_sides(pool.input_shape)}) to one number, whatever the input size, and `{fc.id}` turns those numbers "
        f"into {fmt.channels(fc.output_shape)} class scores. The paper's softmax is applied by the loss, not the model."))


def _counting_note(trace: Trace) -> Note:
    t = trace.totals
    macs = _per_image(trace, t.macs)
    return Note("counting", "How we count", (
        f"Multiply-adds (MACs) count one multiplication plus one addition as one operation, as the paper's "
        f"“FLOPs” row does: {fmt.compact(macs)} for this network at {fmt.input_size(trace.input_shape)}. "
        f"Counting multiplications and additions separately gives FLOPs = 2 × MACs = {fmt.compact(2 * macs)}. "
        f"Batch norm, ReLU, additions and pooling ({fmt.compact(_per_image(trace, t.elementwise_ops))} elementwise "
        f"operations) are kept apart and not included."))


def explanations(trace: Trace) -> tuple[Note, ...]:
    """The report's short explanations, each built from this trace."""
    notes = [_stem_note(trace), _halving_note(trace), _shortcut_note(trace), _block_note(trace),
             _head_note(trace), _counting_note(trace)]
    return tuple(n for n in notes if n is not None)


def table1_caption(trace: Trace) -> str:
    return (f"Table 1 of the paper, rebuilt from the trace of {trace.model_name} at "
            f"{fmt.input_size(trace.input_shape)}. Each bracket lists the main-path convs of one block "
            f"(kernel, output channels) and the number of blocks in the stage; output sizes are as traced.")


def comparison_caption(comp: Comparison, trace: Trace) -> str:
    return (f"The same table for {len(comp.columns)} depths traced at {fmt.input_size(trace.input_shape)} "
            f"(on the meta device: shapes only, nothing computed)."
            + (" The highlighted column is this report's network." if comp.current is not None else ""))


def rounding_note(trace: Trace) -> str | None:
    """Why odd sides end up where they do, only when some stride does not divide a side (e.g. 197×311)."""
    cases = [(size, s, conv_output_size(size, k, s, p, d)) for o in trace.ops if o.path is not Path.SHORTCUT
             for _, size, k, s, p, d in _uneven(o)]
    if not cases:
        return None
    up = all(out == -(-size // s) for size, s, out in cases)
    down = all(out == size // s for size, s, out in cases)
    size, s, out = cases[0]
    how = ("which here always rounds the halving up" if up else "which here always rounds the halving down"
           if down else "which rounds the halving up in some places and down in others")
    return (f"A side that the stride does not divide cannot be halved exactly ({size} / {s} is not whole). "
            f"PyTorch's rule decides: output = ⌊(input + 2·padding − kernel) / stride⌋ + 1, {how} "
            f"({size} → {out}). The arithmetic is shown under each step where it applies.")


def layers_caption(trace: Trace) -> str:
    return (f"Every op of {trace.model_name} in execution order, grouped by stage and block. The paper's layer "
            f"names stand beside PyTorch's module names; the stem's `maxpool` is kept with conv1, where PyTorch "
            f"puts it (the paper's Table 1 lists it under conv2_x). MACs are multiply-adds per forward pass of "
            f"the traced batch of {trace.input_shape[0]}.")


def journey_caption(trace: Trace) -> str:
    return ("How the volume (height × width × channels) changes from the input image to the class scores. "
            "Only changes are listed; blocks that keep their volume are skipped.")
