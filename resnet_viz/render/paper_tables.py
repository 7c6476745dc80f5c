"""The paper's Table 1 and its side-by-side form as Markdown and CSV (the report's tables/ folder, `summary`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from .. import fmt
from ..schema import Trace
from ..views.paper import Comparison, column_title, table1


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _csv(rows: Iterable[Sequence[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def table1_markdown(trace: Trace) -> str:
    """Table 1 for this network as a GitHub Markdown table ('' when the network has no residual stages)."""
    rows = table1(trace)
    if not rows:
        return ""
    head = ["Layer name", "PyTorch", "Output size", column_title(trace)]
    lines = [f"**Table 1 for {trace.model_name} at {fmt.volume(trace.input)}**", "",
             "| " + " | ".join(head) + " |", "|---|---|---|---|"]
    for r in rows:
        cell = r.cell.text() + "".join(f" ({n})" for n in r.cell.notes)
        lines.append("| " + " | ".join(_md(x) for x in (r.name, r.pytorch, r.output_size, cell)) + " |")
    return "\n".join(lines) + "\n"


def comparison_markdown(comp: Comparison) -> str:
    """The side-by-side table as a GitHub Markdown table (notes left out, as in the paper)."""
    head = ["Layer name", "Output size", *comp.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, size, cells in zip(comp.names, comp.output_sizes, comp.cells, strict=True):
        lines.append("| " + " | ".join(_md(x) for x in (name, size, *(c.text() for c in cells))) + " |")
    return "\n".join(lines) + "\n"


def table1_csv(trace: Trace) -> str:
    rows = [("key", "layer_name", "pytorch", "output_size", "spec", "notes")]
    rows += [(r.key, r.name, r.pytorch.replace("`", ""), r.output_size, r.cell.text(),
              "; ".join(n.replace("`", "") for n in r.cell.notes)) for r in table1(trace)]
    return _csv(rows) if len(rows) > 1 else ""


def comparison_csv(comp: Comparison) -> str:
    rows = [("key", "layer_name", "output_size", *comp.models)]
    rows += [(key, name, size, *(c.text() for c in cells))
             for key, name, size, cells in zip(comp.keys, comp.names, comp.output_sizes, comp.cells, strict=True)]
    return _csv(rows)
