"""The per-layer table (one row per op, grouped by stage and block) as text, Markdown, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from typing import Any

from .. import fmt
from ..schema import Section, Trace
from ..views.groups import Group, groups, stem_paper_name
from ..views.layers import LayerRow, layer_rows, rf_text
from ..views.timing import time_summary
from ..views.words import block_name, plural, shortcut_name

# (key, header, align) of the columns shared by text and Markdown.
COLUMNS = (
    ("op", "Op", "<"),
    ("kind", "Kind", "<"),
    ("in", "In ch", ">"),
    ("output", "Output H×W×C", ">"),
    ("kernel", "Kernel", ">"),
    ("stride", "Stride", ">"),
    ("padding", "Pad", ">"),
    ("params", "Params", ">"),
    ("macs", "MACs", ">"),
    ("rf", "RF", ">"),
)
TIME = ("ms", "ms", ">")  # a column of its own when the ops were timed (--measure)


def columns(trace: Trace) -> tuple[tuple[str, str, str], ...]:
    """The columns of this trace's table: COLUMNS, and the measured milliseconds when there are any."""
    return (*COLUMNS, TIME) if trace.measured.timing is not None else COLUMNS


def cells(row: LayerRow) -> dict[str, str]:
    op = row.op
    kernel = fmt.pair(op.kernel_size)
    if op.groups and op.groups > 1:
        kernel += f" g={op.groups}"
    return {
        "op": op.id,
        "kind": op.kind.value,
        "in": fmt.integer(op.input.channels),
        "output": fmt.volume(op.output),
        "kernel": kernel,
        "stride": fmt.scalar_pair(op.stride),
        "padding": fmt.scalar_pair(op.padding),
        "params": fmt.thousands(op.params) if op.params else "–",
        "macs": fmt.compact(op.macs) if op.macs else "–",
        "rf": rf_text(row.rf),
        "ms": f"{row.ms:.2f}" if row.ms is not None else "",
    }


def group_title(trace: Trace, g: Group) -> str:
    if g.block is not None:
        b = g.block
        return (f"{b.id} · {block_name(b.kind, b.preact)} block, {shortcut_name(b.shortcut)} shortcut · "
                f"{fmt.volume(b.input)} → {fmt.volume(b.output)}")
    paper = stem_paper_name(trace) if g.section is Section.STEM else ""
    return {Section.STEM: "stem", Section.HEAD: "head", Section.PLAIN: "all ops (no residual block found)",
            Section.UNPLACED: "not placed in stem, stages or head"}[g.section] + (f" ({paper})" if paper else "")


def stage_title(g: Group) -> str:
    assert g.stage is not None
    s = g.stage
    paper = f"{s.paper_name} · " if s.paper_name else ""
    return f"{paper}{s.id} · {plural(len(s.blocks), 'block')} · output {fmt.volume(s.output)}"


TEXT_WIDTH = 100  # columns the text table keeps within


def footer(trace: Trace) -> list[str]:
    t, n = trace.totals, trace.batch
    per = "" if n == 1 else f" for the batch of {n} ({fmt.compact(t.macs // n)} per image)"
    lines = [
        f"params {fmt.thousands(t.params)} (trainable {fmt.thousands(t.trainable_params)}, "
        f"non-trainable {fmt.thousands(t.non_trainable_params)})",
        f"multiply-adds (MACs) {fmt.thousands(t.macs)} = {fmt.compact(t.macs)}{per}  ·  FLOPs = 2 × MACs",
        f"elementwise ops (norm, activations, add, pools; not in MACs) {fmt.compact(t.elementwise_ops)}",
        f"activations {fmt.compact(t.activation_elements)} elements = {fmt.bytes_(t.activation_bytes)} ({trace.dtype})"
        f"  ·  weights {fmt.bytes_(t.param_bytes)}",
        f"traced on {trace.provenance.device or 'an unknown device'}"
        + (f" ({trace.provenance.note})" if trace.provenance.note else ""),
        "RF: receptive field of the op's output (pixels of the input each position sees; ? where unknown)",
    ]
    summary = time_summary(trace)
    if summary is not None:
        timing = summary.timing
        lines.append(f"time on {timing.device} ({plural(timing.threads, 'thread')}), medians of {timing.repeats} "
                     f"after {timing.warmup} warm-up: whole pass {fmt.milliseconds(summary.whole_ms)} without hooks, sum of "
                     f"per-op medians {fmt.milliseconds(summary.total_ms)} ({fmt.percent(summary.gap, signed=True)})")
    if trace.uncounted:
        lines.append(f"not counted (unknown op kinds): {', '.join(trace.uncounted)}")
    if trace.unplaced:
        lines.append(f"not placed in stem, stages or head: {', '.join(trace.unplaced)}")
    return lines


def header(trace: Trace) -> str:
    return f"{trace.model_name} · input {fmt.volume(trace.input)} · batch {trace.batch}"


def render_text(trace: Trace, *, color: bool = False, width: int = 100) -> str:
    """A terminal table that fits `width` columns; ANSI styles only when `color`."""
    def style(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    rows = layer_rows(trace)
    values = [cells(r) for r in rows]
    cols = columns(trace)
    widths = {k: max(len(h), *(len(c[k]) for c in values)) for k, h, _ in cols}
    widths["op"] = max(widths["op"] + 4, 20)  # ops sit 4 columns in, under their block
    gap = 1
    total = sum(widths.values()) + gap * (len(cols) - 1)
    if total > width:  # shrink the Op column first; ids are cut with an ellipsis
        widths["op"] = max(12, widths["op"] - (total - width))
        total = sum(widths.values()) + gap * (len(cols) - 1)

    def line(values: dict[str, str], indent: int = 0) -> str:
        parts = []
        for key, _, align in cols:
            text, w = values[key], widths[key]
            if key == "op":
                text = " " * indent + text
                if len(text) > w:
                    text = text[: w - 1] + "…"
            parts.append(f"{text:{align}{w}}")
        return (" " * gap).join(parts).rstrip()

    by_id = {r.op.id: c for r, c in zip(rows, values, strict=True)}
    out = [style(header(trace), "1"), "", style(line({k: h for k, h, _ in cols}), "1"), "─" * total]
    current = None
    for g in groups(trace):
        if g.stage is not None and g.stage is not current:
            current = g.stage
            out.append(style(stage_title(g), "1;36"))
        elif g.stage is None:
            current = None
        out.append(style(f"  {group_title(trace, g)}", "2") if g.block else style(group_title(trace, g), "1;36"))
        for op in g.ops:
            out.append(line(by_id[op.id], indent=4 if g.block else 2))
        out.append(style(f"{'':4}└ params {fmt.thousands(g.params)} · MACs {fmt.compact(g.macs)}", "2"))
    out.append("─" * total)
    for i, s in enumerate(footer(trace)):
        out.extend(style(part, "1") if i == 0 else part for part in wrapped(s))
    return "\n".join(out) + "\n"


def wrapped(line: str) -> list[str]:
    """A footer line folded to the text table's width, continuation lines indented (a terminal never scrolls)."""
    return textwrap.wrap(line, TEXT_WIDTH, subsequent_indent="  ", break_on_hyphens=False) or [line]


def render_markdown(trace: Trace) -> str:
    """A GitHub-flavoured Markdown table with stage/block columns, then the totals."""
    cols = columns(trace)
    head = ["Paper", "Stage", "Block"] + [h for _, h, _ in cols]
    align = ["---", "---", "---"] + ["---:" if a == ">" else "---" for _, _, a in cols]
    lines = [f"**{header(trace)}**", "", "| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    for r in layer_rows(trace):
        c = cells(r)
        pre = [r.paper, r.op.stage or r.group.section.value, r.group.block.id if r.group.block else ""]
        row = pre + [f"`{c['op']}`"] + [c[k] for k, _, _ in cols[1:]]
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in row) + " |")
    lines.append("")
    lines.extend(f"- {s}" for s in footer(trace))
    return "\n".join(lines) + "\n"


def row_dicts(trace: Trace) -> list[dict[str, Any]]:
    """One plain dict per op with exact numbers (CSV and JSON share these)."""
    out = []
    for r in layer_rows(trace):
        op = r.op
        out.append({
            "paper_name": r.paper, "section": op.section.value, "stage": op.stage, "block": op.block,
            "path": op.path.value if op.path else None, "id": op.id, "kind": op.kind.value,
            "inputs": [ref.op or "input" for ref in op.inputs], "in_channels": op.input.channels,
            "input": list(op.input.dims), "output": list(op.output.dims), "kernel_size": op.kernel_size,
            "stride": op.stride, "padding": op.padding, "dilation": op.dilation, "groups": op.groups,
            "params": op.params, "macs": op.macs, "elementwise_ops": op.elementwise_ops,
            "size_formula_h": r.formula[0] if r.formula else None,
            "size_formula_w": r.formula[1] if r.formula else None,
            "rf_size": r.rf.size if r.rf else None, "rf_stride": r.rf.stride if r.rf else None,
            "rf_start": r.rf.start if r.rf else None, "time_ms": r.ms,
        })
    return out


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, (tuple, list)):
        return ("x" if all(isinstance(x, int) for x in v) else ";").join(str(x) for x in v)
    return str(v)


def render_csv(trace: Trace) -> str:
    rows = row_dicts(trace)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(rows[0]))
    for r in rows:
        w.writerow([_csv_value(v) for v in r.values()])
    return buf.getvalue()


def render_json(trace: Trace) -> str:
    t = trace.totals
    doc = {
        "model_name": trace.model_name, "batch": trace.batch, "input": list(trace.input.dims),
        "rows": [{k: list(v) if isinstance(v, tuple) else v for k, v in r.items()} for r in row_dicts(trace)],
        "totals": {"params": t.params, "trainable_params": t.trainable_params, "macs": t.macs,
                   "macs_per_image": t.macs // trace.batch, "elementwise_ops": t.elementwise_ops,
                   "activation_bytes": t.activation_bytes},
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
