"""The per-layer table in any TableFormat: the one dispatch the CLI's `summary -f` and the API share."""

from __future__ import annotations

from ..options import TableFormat, parse_choice
from ..schema import Trace
from .latex import document, layers_latex
from .table import render_csv, render_json, render_markdown, render_text


def render_table(trace: Trace, format: TableFormat | str = TableFormat.TEXT, *, color: bool = False,
                 width: int = 100) -> str:
    """The per-layer table as text, md, csv, json or a standalone LaTeX document."""
    chosen = parse_choice(TableFormat, format, "table format")
    if chosen is TableFormat.TEXT:
        return render_text(trace, color=color, width=width)
    if chosen is TableFormat.MD:
        return render_markdown(trace)
    if chosen is TableFormat.CSV:
        return render_csv(trace)
    if chosen is TableFormat.LATEX:
        return document(layers_latex(trace))
    return render_json(trace)
