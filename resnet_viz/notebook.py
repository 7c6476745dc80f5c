"""Jupyter display: traces, diagrams and reports show themselves in a notebook (no IPython needed to build them).

Trace._repr_html_ and Trace._repr_mimebundle_ delegate here, so schema.py stays plain data.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import fmt
from .errors import ResnetVizError
from .schema import Trace


def _pick(bundle: dict, include=None, exclude=None) -> dict:
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

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return _pick({"image/svg+xml": self.svg, "text/plain": f"<resnet-viz diagram: {self.alt}>"}, include, exclude)

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write the SVG to `path`, or under its hashed name into a folder (default: the current one)."""
        from .files import write_atomic

        target = Path(path) if path is not None else Path(".")
        if path is None or target.is_dir() or str(path).endswith(("/", os.sep)):
            target = target / self.filename
        return write_atomic(target, self.svg)


def show(trace: Trace, view: str = "volumes", level: str = "network", select: str | None = None) -> Diagram:
    """A diagram of `trace` that displays itself in a notebook (InvalidOption names the valid view/level/select)."""
    from .embed import render_figure

    fig = render_figure(trace, view=view, level=level, select=select)
    return Diagram(fig.svg, fig.filename, fig.alt)


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

    def save(self, folder: str | os.PathLike, *, force: bool = False) -> list[Path]:
        from .report import write_report

        return write_report(self.files or {"index.html": self.html}, folder, force=force)


def report(trace: Trace, *, figures: bool = True) -> Report:
    """The report of `trace` (graphs as DOT source: the page must not depend on Graphviz being installed)."""
    from .report import INDEX, report_files

    files = report_files(trace, figures=figures, use_dot=False)
    return Report(files[INDEX], files, title=f"{trace.model_name} report")


# --- Trace -----------------------------------------------------------------------------------------
def _input(trace: Trace) -> str:
    return fmt.input_size(trace.input_shape)


def trace_text(trace: Trace) -> str:
    """One line for text/plain (the dataclass repr would list every op)."""
    return (f"<Trace {trace.model_name}: input {_input(trace)}, {fmt.thousands(trace.totals.params)} params, "
            f"{fmt.compact(trace.totals.macs)} multiply-adds, {len(trace.ops)} ops>")


def stage_rows(trace: Trace) -> list[tuple[str, str, str, str, int, int]]:
    """(part, paper name, blocks, output volume, params, multiply-adds) for the stem, each stage and the head."""
    from .views import stage_ops

    def row(part, paper, blocks, ops):
        return (part, paper, blocks, fmt.volume(ops[-1].output_shape) if ops else "",
                sum(o.params for o in ops), sum(o.macs for o in ops))

    rows = []
    if trace.stem:
        rows.append(row("stem", "conv1", "", trace.ops_of(trace.stem)))
    for s in trace.stages:
        kinds = sorted({b.kind for b in s.blocks})
        rows.append(row(s.id, s.paper_name, f"{len(s.blocks)} × {'/'.join(kinds)}", stage_ops(trace, s)))
    if trace.head:
        rows.append(row("head", "fc", "", trace.ops_of(trace.head)))
    return rows


def _network_svg(trace: Trace) -> str:
    from .embed import inline_svg, render_figure

    try:
        return inline_svg(render_figure(trace, view="volumes", level="network").svg)
    except ResnetVizError as e:  # a display must not raise; say why the drawing is missing
        return f"<p><em>no drawing: {html.escape(str(e))}</em></p>"


_STYLE = (".resnet-viz-trace th,.resnet-viz-trace td{text-align:left;padding:2px 12px 2px 0}"
          ".resnet-viz-trace .n{text-align:right;font-variant-numeric:tabular-nums}")


def trace_html(trace: Trace) -> str:
    """Model, input, totals, the network's volume drawing and the per-stage table, as one HTML fragment."""
    e = html.escape
    t = trace.totals
    spec = trace.model
    about = (f"{spec.block} blocks {'-'.join(map(str, spec.layers))}, variant {spec.variant}, shortcut {spec.shortcut}, "
             f"{spec.stem} stem" if spec else "")
    facts = [("input", _input(trace)), ("parameters", fmt.thousands(t.params)),
             ("multiply-adds", f"{fmt.compact(t.macs)} ({fmt.thousands(t.macs)})"),
             ("activations", fmt.bytes_(t.activation_bytes)), ("ops", fmt.thousands(len(trace.ops)))]
    if trace.uncounted:
        facts.append(("uncounted ops", ", ".join(trace.uncounted)))
    head = "".join(f"<th>{e(h)}</th>" for h in ("part", "paper", "blocks", "output", "params", "multiply-adds"))
    body = "".join(
        f"<tr><td>{e(part)}</td><td>{e(paper)}</td><td>{e(blocks)}</td><td>{e(out)}</td>"
        f'<td class="n">{fmt.thousands(p)}</td><td class="n">{fmt.compact(m)}</td></tr>'
        for part, paper, blocks, out, p, m in stage_rows(trace)
    )
    total = (f'<tr><th>total</th><td></td><td></td><td></td><th class="n">{fmt.thousands(t.params)}</th>'
             f'<th class="n">{fmt.compact(t.macs)}</th></tr>')
    return (
        f'<div class="resnet-viz-trace"><style>{_STYLE}</style>'
        f"<p><strong>{e(trace.model_name)}</strong>{' · ' + e(about) if about else ''}</p>"
        "<p>" + " · ".join(f"{e(k)} <strong>{e(v)}</strong>" for k, v in facts) + "</p>"
        f'<div style="overflow-x:auto">{_network_svg(trace)}</div>'
        f'<table class="resnet-viz-stages"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
        f"<tfoot>{total}</tfoot></table></div>"
    )


def trace_bundle(trace: Trace, include=None, exclude=None) -> dict:
    """The mime bundle of a trace: the HTML summary plus a one-line text form."""
    return _pick({"text/html": trace_html(trace), "text/plain": trace_text(trace)}, include, exclude)
