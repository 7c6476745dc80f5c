"""The paper's Table 1 and its side-by-side form, rebuilt from traces, so a reader can check our numbers against it.

Everything here is derived from the traced ops (kernel sizes, strides, out channels, shapes, counts); nothing is
typed in from the paper. Text comes out plain (with `backticks` around PyTorch names); renderers style it.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import fmt
from .schema import Op, OpKind, Path, Trace
from .spec import CIFAR_DEPTHS, IMAGENET_DEPTHS
from .views import downsampling_op, per_image, stem_parts


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
    pre_pool, pools = stem_parts(trace)
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
    macs = per_image(trace, trace.totals.macs)
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


def table1_caption(trace: Trace) -> str:
    return (f"Table 1 of the paper, rebuilt from the trace of {trace.model_name} at "
            f"{fmt.input_size(trace.input_shape)}. Each bracket lists the main-path convs of one block "
            f"(kernel, output channels) and the number of blocks in the stage; output sizes are as traced.")


def comparison_caption(comp: Comparison, trace: Trace) -> str:
    return (f"The same table for {len(comp.columns)} depths traced at {fmt.input_size(trace.input_shape)} "
            f"(on the meta device: shapes only, nothing computed)."
            + (" The highlighted column is this report's network." if comp.current is not None else ""))
