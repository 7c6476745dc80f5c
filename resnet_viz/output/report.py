"""The report folder: built as data (relative path → content) from traces, then written in one safe pass.

`report_files` is pure, so the same trace gives the same bytes; `write_report` is the only part that touches disk
(through files.write_folder, which never follows a link inside the folder and removes only files it wrote).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from markupsafe import Markup

from .. import fmt
from ..options import Level, View
from ..render.figures import GraphDrawings, figure_files, strip_prolog
from ..render.html import InlineFigure, Link, render_html
from ..render.latex import comparison_latex, document, layers_latex, table1_latex
from ..render.paper_tables import comparison_csv, comparison_markdown, table1_csv, table1_markdown
from ..render.table import render_csv, render_json, render_markdown
from ..schema import Trace, trace_to_json
from ..views import paper
from ..views.conventions import flops_table
from ..views.figures import Figure, safe_name, standard_figures
from .folder import write_folder
from .paths import shown

INDEX = "index.html"
OWNED = re.compile(r"^(index\.html|trace\.json|tables/[^/]+\.(md|csv|tex|json)|diagrams/[^/]+\.(svg|dot))$")


def default_output_dir(trace: Trace) -> str:
    """'resnet34-224' for a square input, 'resnet34-197x311' otherwise (relative to the working folder)."""
    h, w = trace.input.height, trace.input.width
    return safe_name(f"{trace.model_name}-{h}" if h == w else f"{trace.model_name}-{h}x{w}")


def table_files(trace: Trace, comparison: paper.Comparison | None = None) -> dict[str, str]:
    """Every table of the report as Markdown, CSV, JSON and LaTeX, under tables/."""
    files = {"tables/layers.md": render_markdown(trace), "tables/layers.csv": render_csv(trace),
             "tables/layers.json": render_json(trace), "tables/layers.tex": document(layers_latex(trace))}
    if paper.table1(trace):
        files.update({"tables/table1.md": table1_markdown(trace), "tables/table1.csv": table1_csv(trace),
                      "tables/table1.tex": document(table1_latex(trace))})
    if comparison is not None:
        files.update({"tables/comparison.md": comparison_markdown(comparison),
                      "tables/comparison.csv": comparison_csv(comparison),
                      "tables/comparison.tex": document(comparison_latex(comparison, trace))})
    return files


def _place(trace: Trace, fig: Figure) -> tuple[tuple[int, int, int, int], str, int | None]:
    """Sort key and group of a figure: the network first, then the stem, then each stage in order."""
    kind = 0 if fig.view is View.VOLUMES else 1
    if fig.level is Level.NETWORK or fig.select is None:
        return (0, 0, kind, 0), "The whole network", None
    if fig.level is Level.STAGE:
        stage = trace.stage(fig.select)
    elif fig.level is Level.BLOCK:
        stage = trace.stage(trace.block(fig.select).stage)
    else:
        op = trace.op(fig.select)
        if op.stage is None:
            return (1, 0, kind, 0), "The stem", None
        stage = trace.stage(op.stage)
    rank = {Level.STAGE: 0, Level.BLOCK: 1}.get(fig.level, 2)
    paper_name = f"{stage.paper_name} · " if stage.paper_name else ""
    return (2, stage.index, rank, kind), f"{paper_name}{stage.id}", stage.index


def diagram_parts(trace: Trace, *, use_dot: bool | None = None, graphs: GraphDrawings | None = None
                  ) -> tuple[dict[str, str], tuple[InlineFigure, ...], tuple[Link, ...]]:
    """(files under diagrams/, the drawings to inline in the page, links to graph sources dot could not draw)."""
    files = {f"diagrams/{rel}": data for rel, data in figure_files(trace, use_dot=use_dot, graphs=graphs).items()}
    figures, links = [], []
    for f in sorted(standard_figures(trace), key=lambda f: _place(trace, f)[0]):
        drawn = files.get(f"diagrams/{f.name}.svg")
        _, group, stage_index = _place(trace, f)
        if drawn is None:
            links.append(Link(href=f"diagrams/{f.name}.dot", label=f.title,
                              note="Graphviz source (install dot to draw it)"))
            continue
        figures.append(InlineFigure(anchor=f"figure-{f.name}", title=f.title, caption=f.caption,
                                    svg=Markup(strip_prolog(drawn)), level=f.level.value, kind=f.view.value,
                                    group=group, stage_index=stage_index))
    return files, tuple(figures), tuple(links)


def report_files(trace: Trace, *, comparison: Sequence[Trace] | None = None,
                 variants: Mapping[str, Trace] | None = None, figures: bool = True,
                 use_dot: bool | None = None, graphs: GraphDrawings | None = None) -> dict[str, str]:
    """The whole report folder as relative path → content: index.html, trace.json, tables/, diagrams/.

    `comparison` holds traces of other depths at the same input and `variants` the other configurations the FLOPs
    table compares (output/comparison.py traces both); `figures` adds the diagrams; `use_dot` False keeps the
    output independent of Graphviz (graphs as .dot sources only); `graphs` are this trace's graph drawings,
    started earlier (GraphDrawings), so `dot` runs while the caller traced the comparisons.
    """
    comp = paper.comparison(comparison, current=trace) if comparison else None
    flops = flops_table(trace, variants or {})
    files: dict[str, str] = {"trace.json": trace_to_json(trace)}
    files.update(table_files(trace, comp))
    inline: tuple[InlineFigure, ...] = ()
    links: tuple[Link, ...] = ()
    if figures:
        drawn, inline, links = diagram_parts(trace, use_dot=use_dot, graphs=graphs)
        files.update(drawn)
    files[INDEX] = render_html(trace, comparison=comp, flops=flops, figures=inline, links=links)
    return dict(sorted(files.items()))


def write_report(files: Mapping[str, str | bytes], out_dir: str | os.PathLike[str], *,
                 force: bool = False) -> list[Path]:
    """Write a report folder safely (see files.write_folder): only files a report can contain are ever removed."""
    return write_folder(files, out_dir, force=force, owned=lambda rel: bool(OWNED.match(rel)))


_KINDS = (("report", INDEX), ("trace", "trace.json"), ("tables", "tables/"), ("diagrams", "diagrams/"))


def _size(data: str | bytes) -> int:
    return len(data.encode("utf-8") if isinstance(data, str) else data)


def summary_lines(files: Mapping[str, str | bytes], out_dir: str | os.PathLike[str]) -> list[str]:
    """One line per kind of file: 'report    resnet34-224/index.html (312.4 KiB)' (paths shown escaped)."""
    base = Path(os.path.normpath(os.fspath(out_dir)))
    lines = []
    for kind, key in _KINDS:
        if key.endswith("/"):
            members = [r for r in files if r.startswith(key)]
            if members:
                total = sum(_size(files[r]) for r in members)
                count = f"{len(members)} file" if len(members) == 1 else f"{len(members)} files"
                lines.append(f"{kind:<9} {shown(base / key)}/ ({count}, {fmt.bytes_(total)})")
        elif key in files:
            lines.append(f"{kind:<9} {shown(base / key)} ({fmt.bytes_(_size(files[key]))})")
    return lines
