"""Jupyter display: traces, drawings and reports show themselves in a notebook (no IPython needed to build them).

The Trace stays plain data: `register()` tells IPython how to show one (resnet_viz does it on import inside
IPython), and `show()` returns a drawing that displays itself.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import fmt
from ..errors import ResnetVizError
from ..options import Level, View
from ..output.report import INDEX, report_files, write_report
from ..output.single_file import write_file
from ..schema import Trace
from ..views.groups import has_paper_names, per_image, stage_ops, stem_paper_name
from ..views.words import block_name
from .embed import drawing, inline_svg


def _pick(bundle: dict, include: Any = None, exclude: Any = None) -> dict:
    """Honour IPython's include/exclude arguments of _repr_mimebundle_."""
    return {k: v for k, v in bundle.items() if (not include or k in include) and (not exclude or k not in exclude)}


@dataclass(frozen=True)
class Diagram:
    """One drawing as SVG text; displays itself as an image and saves under its content-hashed name."""

    svg: str = field(repr=False)
    filename: str = "diagram.svg"
    alt: str = ""

    def __str__(self) -> str:
        return self.svg

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        return _pick({"image/svg+xml": self.svg, "text/plain": f"<resnet-viz diagram: {self.alt}>"}, include, exclude)

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the SVG to `path`, or under its hashed name into a folder (default: the current one)."""
        target = Path(path) if path is not None else Path()
        if path is None or target.is_dir() or str(path).endswith(("/", os.sep)):
            target = target / self.filename
        return write_file(target, self.svg)


def show(trace: Trace, view: View | str = View.VOLUMES, level: Level | str = Level.NETWORK,
         select: str | None = None) -> Diagram:
    """A drawing of `trace` that displays itself in a notebook (InvalidOption names the valid view/level/select)."""
    d = drawing(trace, view=view, level=level, select=select)
    return Diagram(d.svg, d.filename, d.alt)


@dataclass(frozen=True)
class Report:
    """The HTML report of a trace; displays itself in an isolated frame, `save(folder)` writes the whole folder."""

    html: str = field(repr=False)
    files: dict = field(default_factory=dict, repr=False)
    title: str = ""
    height: int = 720

    def _repr_html_(self) -> str:
        return (f'<iframe class="resnet-viz-report" title="{html.escape(self.title)}" sandbox="allow-scripts" '
                f'style="width:100%;height:{self.height}px;border:1px solid #d0d7de" '
                f'srcdoc="{html.escape(self.html, quote=True)}"></iframe>')

    def save(self, folder: str | os.PathLike[str], *, force: bool = False) -> list[Path]:
        return write_report(self.files or {INDEX: self.html}, folder, force=force)


def report(trace: Trace, *, figures: bool = True) -> Report:
    """The report of `trace` (graphs as DOT source: the page must not depend on Graphviz being installed)."""
    files = report_files(trace, figures=figures, use_dot=False)
    return Report(files[INDEX], files, title=f"{trace.model_name} report")


def trace_text(trace: Trace) -> str:
    """One line for text/plain (the dataclass repr would list every op)."""
    return (f"<Trace {trace.model_name}: input {fmt.volume(trace.input)}, {fmt.thousands(trace.totals.params)} params, "
            f"{fmt.compact(per_image(trace, trace.totals.macs))} multiply-adds per image, {len(trace.ops)} ops>")


def stage_rows(trace: Trace) -> list[tuple[str, str, str, str, int, int]]:
    """(part, paper name, blocks, output volume, params, multiply-adds) for the stem, each stage and the head."""
    def row(part: str, paper: str, blocks: str, ops: tuple) -> tuple[str, str, str, str, int, int]:
        return (part, paper, blocks, fmt.volume(ops[-1].output) if ops else "", sum(o.params for o in ops),
                sum(o.macs for o in ops))

    rows = []
    if trace.stem:
        stem = trace.ops_of(trace.stem)
        paper = stem_paper_name(trace)
        rows.append(row("stem", paper, "", stem))
    for s in trace.stages:
        kinds = "/".join(sorted({block_name(b.kind, b.preact) for b in s.blocks}))
        rows.append(row(s.id, s.paper_name or "", f"{len(s.blocks)} × {kinds}", stage_ops(trace, s)))
    if trace.plain:
        rows.append(row("all ops", "", "", trace.ops_of(trace.plain)))
    if trace.head:
        rows.append(row("head", "fc" if has_paper_names(trace) else "", "", trace.ops_of(trace.head)))
    return rows


def _network_svg(trace: Trace) -> str:
    try:
        return inline_svg(drawing(trace).svg)
    except ResnetVizError as e:  # a display must not raise; say why the drawing is missing
        return f"<p><em>no drawing: {html.escape(str(e))}</em></p>"


_STYLE = (".resnet-viz-trace th,.resnet-viz-trace td{text-align:left;padding:2px 12px 2px 0}"
          ".resnet-viz-trace .n{text-align:right;font-variant-numeric:tabular-nums}")


def trace_html(trace: Trace) -> str:
    """Model, input, totals, the network's volume drawing and the per-stage table, as one HTML fragment."""
    e = html.escape
    t, spec = trace.totals, trace.model
    about = (f"{spec.block} blocks {'-'.join(map(str, spec.layers))}, variant {spec.variant}, shortcut "
             f"{spec.shortcut}, {spec.stem} stem" if spec else "")
    facts = [("input", fmt.volume(trace.input)), ("batch", str(trace.batch)),
             ("parameters", fmt.thousands(t.params)),
             ("multiply-adds per image", fmt.compact(per_image(trace, t.macs))),
             ("activations", fmt.bytes_(t.activation_bytes)), ("ops", fmt.thousands(len(trace.ops)))]
    if trace.uncounted:
        facts.append(("uncounted ops", ", ".join(trace.uncounted)))
    head = "".join(f"<th>{e(h)}</th>" for h in ("part", "paper", "blocks", "output", "params",
                                                 "multiply-adds per image"))
    body = "".join(
        f"<tr><td>{e(part)}</td><td>{e(paper)}</td><td>{e(blocks)}</td><td>{e(out)}</td>"
        f'<td class="n">{fmt.thousands(p)}</td><td class="n">{fmt.compact(per_image(trace, m))}</td></tr>'
        for part, paper, blocks, out, p, m in stage_rows(trace))
    total = (f'<tr><th>total</th><td></td><td></td><td></td><th class="n">{fmt.thousands(t.params)}</th>'
             f'<th class="n">{fmt.compact(per_image(trace, t.macs))}</th></tr>')
    return (f'<div class="resnet-viz-trace"><style>{_STYLE}</style>'
            f"<p><strong>{e(trace.model_name)}</strong>{' · ' + e(about) if about else ''}</p>"
            "<p>" + " · ".join(f"{e(k)} <strong>{e(v)}</strong>" for k, v in facts) + "</p>"
            f'<div style="overflow-x:auto">{_network_svg(trace)}</div>'
            f'<table class="resnet-viz-stages"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
            f"<tfoot>{total}</tfoot></table></div>")


def register(ipython: Any) -> None:
    """Teach IPython to show a Trace: its HTML summary and a one-line text form."""
    formatters = ipython.display_formatter.formatters
    formatters["text/html"].for_type(Trace, trace_html)
    formatters["text/plain"].for_type(Trace, lambda t, p, cycle: p.text(trace_text(t)))
