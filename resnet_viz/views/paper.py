"""The paper's Table 1 and its side-by-side form, rebuilt from traces, so a reader can check our numbers against it.

Everything is derived from the traced ops (kernels, strides, channels, volumes, counts); nothing is typed in from
the paper. Only networks in which the graph showed a stem and residual stages get these tables. Text comes out
plain (with `backticks` around PyTorch names); renderers style it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import fmt
from ..family import CIFAR_DEPTHS, IMAGENET_DEPTHS
from ..schema import Op, OpKind, Path, Stage, Trace
from .conventions import paper_gap
from .groups import downsampling_op, has_paper_names, per_image, stem_parts
from .words import kernel


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
    see: str | None = None  # the report section that explains the row's figure (the paper's FLOPs gap)


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


def _stride(op: Op) -> str:
    return f"stride {fmt.scalar_pair(op.stride)}"


def _pool_line(op: Op) -> str:
    return f"{fmt.pair(op.kernel_size)} max pool, {_stride(op)}" if op.kind is OpKind.MAXPOOL else \
        f"{fmt.pair(op.kernel_size)} {op.kind.value}, {_stride(op)}"


def _stacks(trace: Trace, stage: Stage) -> tuple[Stack, ...]:
    """Consecutive blocks whose main-path convs match (kernel, channels, groups) fold into one bracket ×n."""
    out: list[list] = []
    for block in stage.blocks:
        lines = tuple(kernel(o) for o in trace.ops_of(block.op_ids)
                      if o.kind is OpKind.CONV and o.path in (Path.PRE, Path.MAIN))
        if out and out[-1][0] == lines:
            out[-1][1] += 1
        else:
            out.append([lines, 1])
    return tuple(Stack(lines, n) for lines, n in out)


def _downsampling_note(trace: Trace, stage: Stage) -> str | None:
    op = downsampling_op(trace, stage)
    if op is None:
        return None
    where = "the first block's " if op.block == stage.blocks[0].id else ""
    return f"{_stride(op)} in {where}{fmt.pair(op.kernel_size)} conv `{op.id}`" if op.kind is OpKind.CONV else \
        f"{_stride(op)} at `{op.id}`"


def is_paper_net(trace: Trace) -> bool:
    """One of the paper's ImageNet networks (18 … 152, plain or with its variants), whose FLOPs it publishes."""
    spec = trace.model
    return (spec is not None and spec.family == "imagenet" and spec.depth in IMAGENET_DEPTHS and not spec.preact
            and spec.arch in (None, f"resnet{spec.depth}") and spec.groups == 1 and spec.width_per_group == 64
            and spec.stem == "imagenet")


def is_cifar_net(trace: Trace) -> bool:
    """One of the paper's CIFAR-10 networks (section 4.2, Table 6: no FLOPs column)."""
    spec = trace.model
    return spec is not None and spec.family == "cifar" and spec.depth in CIFAR_DEPTHS and spec.block == "basic"


def macs_row_name(trace: Trace) -> str:
    return "multiply-adds (the paper's “FLOPs”)" if is_paper_net(trace) else "multiply-adds"


def table1(trace: Trace) -> tuple[Row, ...]:
    """The rows of Table 1 for one network: conv1, each stage, the head, multiply-adds and params; () when the
    graph showed no stem and residual stages (the table would say nothing true)."""
    if not has_paper_names(trace):
        return ()
    rows: list[Row] = []
    pre_pool, pools = stem_parts(trace)
    convs = [o for o in pre_pool if o.kind is OpKind.CONV]
    if pre_pool:
        lines = tuple(f"{kernel(o)}, {_stride(o)}" for o in convs)
        rows.append(Row("conv1", "conv1", " · ".join(f"`{o.id}`" for o in pre_pool),
                        fmt.size(pre_pool[-1].output), Cell(lines=lines)))
    leading = tuple(o for o in pools if o.kind in (OpKind.MAXPOOL, OpKind.AVGPOOL) and o.kernel_size)
    for i, stage in enumerate(trace.stages):
        lines = tuple(_pool_line(p) for p in leading) if i == 0 else ()
        notes = tuple(n for n in (_downsampling_note(trace, stage),) if n)
        pytorch = f"`{stage.id}`"
        if i == 0 and pools:
            pytorch = " · ".join(f"`{p.id}`" for p in pools) + " · " + pytorch
        rows.append(Row(stage.paper_name or stage.id, stage.paper_name or stage.id, pytorch, fmt.size(stage.output),
                        Cell(lines=lines, stacks=_stacks(trace, stage), notes=notes), stage_index=i))
    head = trace.ops_of(trace.head)
    shown = [o for o in head if o.kind in (OpKind.AVGPOOL, OpKind.LINEAR)]
    if shown:
        parts = ["average pool" if o.kind is OpKind.AVGPOOL else f"{fmt.integer(o.output.dims[-1])}-d fc"
                 for o in shown]
        notes = ("softmax belongs to the loss: the model returns logits",) if shown[-1].kind is OpKind.LINEAR else ()
        pool = next((o for o in head if o.kind is OpKind.AVGPOOL), shown[0])
        rows.append(Row("head", "head", " · ".join(f"`{o.id}`" for o in shown), fmt.size(pool.output),
                        Cell(lines=(", ".join(parts),), notes=notes)))
    macs = per_image(trace, trace.totals.macs)
    gap = paper_gap(trace)
    gap_note = (f"paper: {fmt.paper_power(gap.published)}", f"{gap.percent:+.1f} % from it") if gap is not None else ()
    rows.append(Row("macs", macs_row_name(trace), "", "",
                    Cell(lines=(fmt.paper_power(macs),), notes=(f"{fmt.compact(macs)} per image", *gap_note)),
                    kind="count", see="flops" if gap is not None else None))
    rows.append(Row("params", "parameters", "", "",
                    Cell(lines=(fmt.compact(trace.totals.params),), notes=(fmt.thousands(trace.totals.params),)),
                    kind="count"))
    return tuple(rows)


def column_title(trace: Trace) -> str:
    """'34-layer' (the paper's column heading) for its networks, else the model's name."""
    if (is_paper_net(trace) or is_cifar_net(trace)) and trace.model is not None:
        return f"{trace.model.layer_count}-layer"
    return trace.model_name


def comparison(traces: Sequence[Trace], current: Trace | None = None) -> Comparison:
    """Table 1 side by side for several traces (same input), rows aligned by key in first-seen order."""
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
        sizes.append(" / ".join(dict.fromkeys(r.output_size for r in present)))
        cells.append(tuple(t[key].cell if key in t else Cell(lines=("—",)) for t in tables))
        kinds.append(present[0].kind)
        bands.append(present[0].stage_index)
    cur = None
    if current is not None:
        cur = next((i for i, t in enumerate(traces) if t.model_name == current.model_name), None)
    return Comparison(columns=tuple(column_title(t) for t in traces), models=tuple(t.model_name for t in traces),
                      current=cur, keys=tuple(keys), names=tuple(names), output_sizes=tuple(sizes),
                      cells=tuple(cells), kinds=tuple(kinds), stage_indices=tuple(bands))


def comparison_depths(trace: Trace) -> tuple[int, ...]:
    """The depths to put beside this network: the paper's five ImageNet nets, or its CIFAR family (1202 only
    beside itself); () for any other network."""
    spec = trace.model
    if spec is None or not has_paper_names(trace):
        return ()
    if is_cifar_net(trace):
        return CIFAR_DEPTHS if spec.depth == 1202 else tuple(d for d in CIFAR_DEPTHS if d != 1202)
    if is_paper_net(trace) or (spec.preact and spec.family == "imagenet" and spec.depth in IMAGENET_DEPTHS):
        return tuple(IMAGENET_DEPTHS)
    return ()


def table1_caption(trace: Trace) -> str:
    spec = trace.model
    if is_cifar_net(trace):
        source = "The paper's CIFAR-10 network (section 4.2; its Table 6 lists no FLOPs)"
    elif is_paper_net(trace):
        source = "Table 1 of the paper"
    else:
        source = "The layout of the paper's Table 1"
    model = f"{trace.model_name}" + (f" ({spec.variant}, shortcut {spec.shortcut})" if spec else "")
    return (f"{source}, rebuilt from the trace of {model} at {fmt.volume(trace.input)}. Each bracket lists the "
            f"main-path convs of one block (kernel, output channels) and the number of blocks in the stage; output "
            f"sizes are as traced.")


def comparison_caption(comp: Comparison, trace: Trace) -> str:
    here = " The highlighted column is this report's network; the others" if comp.current is not None else " They"
    return (f"The same table for {len(comp.columns)} depths at {fmt.volume(trace.input)}.{here} were traced on the "
            "meta device (shapes and counts, nothing computed).")
