"""The per-layer table (one row per op, grouped by stage and block) as text, Markdown, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

from .. import fmt
from ..schema import Op, Trace
from ..views import Group, groups, paper_name

FORMATS = ("text", "md", "csv", "json")

# (key, header, align) of the columns shared by text and Markdown.
COLUMNS = (
    ("op", "Op", "<"),
    ("kind", "Kind", "<"),
    ("output", "Output H×W×C", ">"),
    ("kernel", "Kernel", ">"),
    ("stride", "Stride", ">"),
    ("padding", "Pad", ">"),
    ("params", "Params", ">"),
    ("macs", "MACs", ">"),
)


def _cells(op: Op) -> dict[str, str]:
    return {
        "op": op.id,
        "kind": op.kind.value,
        "output": fmt.volume(op.output_shape),
        "kernel": fmt.pair(op.kernel_size),
        "stride": fmt.scalar_pair(op.stride),
        "padding": fmt.scalar_pair(op.padding),
        "params": fmt.thousands(op.params) if op.params else "–",
        "macs": fmt.compact(op.macs) if op.macs else "–",
    }


def _group_title(trace: Trace, g: Group) -> str:
    if g.block is not None:
        b = g.block
        return f"{b.id} · {b.kind} block, {b.shortcut.value} shortcut · {fmt.volume(b.input_shape)} → {fmt.volume(b.output_shape)}"
    return "stem (conv1)" if g.section.value == "stem" else "head"


def _stage_title(g: Group) -> str:
    s = g.stage
    return f"{s.paper_name} · {s.id} · {len(s.blocks)} blocks · output {fmt.volume(s.output_shape)}"


def _footer(trace: Trace) -> list[str]:
    t = trace.totals
    lines = [
        f"params {fmt.thousands(t.params)} (trainable {fmt.thousands(t.trainable_params)}, "
        f"non-trainable {fmt.thousands(t.non_trainable_params)})",
        f"multiply-adds (MACs) {fmt.thousands(t.macs)} = {fmt.compact(t.macs)}  ·  FLOPs = 2 × MACs = {fmt.compact(2 * t.macs)}",
        f"elementwise ops (bn, relu, add, pools; not in MACs) {fmt.compact(t.elementwise_ops)}",
        f"activations {fmt.compact(t.activation_elements)} elements = {fmt.bytes_(t.activation_bytes)} ({trace.dtype})"
        f"  ·  weights {fmt.bytes_(t.param_bytes)}",
    ]
    if trace.uncounted:
        lines.append(f"not counted (unknown op kinds): {', '.join(trace.uncounted)}")
    return lines


def _header(trace: Trace) -> str:
    return f"{trace.model_name} · input {fmt.input_size(trace.input_shape)} · batch {trace.input_shape[0]}"


def render_text(trace: Trace, *, color: bool = False, width: int = 100) -> str:
    """A terminal table that fits `width` columns; ANSI styles only when `color`."""
    def style(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    rows = [(g, _cells(o)) for g in groups(trace) for o in g.ops]
    widths = {k: max(len(h), *(len(c[k]) for _, c in rows)) for k, h, _ in COLUMNS}
    widths["op"] = max(widths["op"] + 4, 20)  # ops sit 4 columns in, under their block
    gap = 1
    total = sum(widths.values()) + gap * (len(COLUMNS) - 1)
    if total > width:  # shrink the Op column first; ids are cut with an ellipsis
        widths["op"] = max(12, widths["op"] - (total - width))
        total = sum(widths.values()) + gap * (len(COLUMNS) - 1)

    def line(cells: dict[str, str], indent: int = 0) -> str:
        parts = []
        for key, _, align in COLUMNS:
            text = cells[key]
            w = widths[key]
            if key == "op":
                text = " " * indent + text
                if len(text) > w:
                    text = text[: w - 1] + "…"
            parts.append(f"{text:{align}{w}}")
        return (" " * gap).join(parts).rstrip()

    out = [style(_header(trace), "1"), ""]
    out.append(style(line({k: h for k, h, _ in COLUMNS}), "1"))
    out.append("─" * total)
    current_stage = None
    for g in groups(trace):
        if g.stage is not None and g.stage is not current_stage:
            current_stage = g.stage
            out.append(style(_stage_title(g), "1;36"))
        elif g.stage is None:
            current_stage = None
        subtotal = f"params {fmt.thousands(g.params)} · MACs {fmt.compact(g.macs)}"
        out.append(style(f"  {_group_title(trace, g)}", "2") if g.block else style(_group_title(trace, g), "1;36"))
        for op in g.ops:
            out.append(line(_cells(op), indent=4 if g.block else 2))
        out.append(style(f"{'':4}└ {subtotal}", "2"))
    out.append("─" * total)
    out.extend(style(s, "1") if i == 0 else s for i, s in enumerate(_footer(trace)))
    return "\n".join(out) + "\n"


def render_markdown(trace: Trace) -> str:
    """A GitHub-flavoured Markdown table with stage/block columns, then the totals."""
    head = ["Paper", "Stage", "Block"] + [h for _, h, _ in COLUMNS]
    align = ["---", "---", "---"] + ["---:" if a == ">" else "---" for _, _, a in COLUMNS]
    lines = [f"**{_header(trace)}**", "", "| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    for g in groups(trace):
        for op in g.ops:
            c = _cells(op)
            pre = [paper_name(trace, op), op.stage or g.section.value, g.block.id if g.block else ""]
            cells = pre + [f"`{c['op']}`"] + [c[k] for k, _, _ in COLUMNS[1:]]
            lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.extend(f"- {s}" for s in _footer(trace))
    return "\n".join(lines) + "\n"


CSV_FIELDS = (
    "paper_name", "section", "stage", "block", "path", "id", "kind", "input_shape", "output_shape",
    "kernel_size", "stride", "padding", "dilation", "groups", "params", "macs", "elementwise_ops",
)


def _csv_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, tuple):
        return "x".join(str(x) for x in v)
    return getattr(v, "value", v)


def row_dicts(trace: Trace) -> list[dict]:
    """One plain dict per op with exact numbers (CSV and JSON share these)."""
    rows = []
    for g in groups(trace):
        for op in g.ops:
            rows.append({
                "paper_name": paper_name(trace, op),
                "section": op.section.value,
                "stage": op.stage,
                "block": g.block.id if g.block else None,
                "path": op.path.value if op.path else None,
                "id": op.id,
                "kind": op.kind.value,
                "input_shape": op.input_shape,
                "output_shape": op.output_shape,
                "kernel_size": op.kernel_size,
                "stride": op.stride,
                "padding": op.padding,
                "dilation": op.dilation,
                "groups": op.groups,
                "params": op.params,
                "macs": op.macs,
                "elementwise_ops": op.elementwise_ops,
            })
    return rows


def render_csv(trace: Trace) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for r in row_dicts(trace):
        w.writerow([_csv_value(r[k]) for k in CSV_FIELDS])
    return buf.getvalue()


def render_json(trace: Trace) -> str:
    t = trace.totals
    doc = {
        "model_name": trace.model_name,
        "input_shape": list(trace.input_shape),
        "rows": [{k: list(v) if isinstance(v, tuple) else v for k, v in r.items()} for r in row_dicts(trace)],
        "totals": {"params": t.params, "trainable_params": t.trainable_params, "macs": t.macs,
                   "elementwise_ops": t.elementwise_ops, "activation_bytes": t.activation_bytes},
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def render_table(trace: Trace, fmt_name: str = "text", *, color: bool = False, width: int = 100) -> str:
    """Dispatch on the format name (validated by the caller against FORMATS)."""
    if fmt_name == "text":
        return render_text(trace, color=color, width=width)
    if fmt_name == "md":
        return render_markdown(trace)
    if fmt_name == "csv":
        return render_csv(trace)
    if fmt_name == "json":
        return render_json(trace)
    from ..errors import choice

    raise choice("format", fmt_name, FORMATS)
