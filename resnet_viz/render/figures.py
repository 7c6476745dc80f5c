"""A Figure drawn in a format: our own SVG for volumes, DOT for graphs (drawn by Graphviz), PNG/PDF by Chromium.

`figure_files` draws a report's whole set: the `dot` processes start first and run while the volume drawings are
made in this process.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from ..errors import InvalidOption, MissingTool
from ..options import DiagramFormat, View, parse_choice
from ..schema import Trace
from ..views.figures import Figure, figure, standard_figures
from . import graph
from .raster import DOT_HINT, dot_available, run_dot, svg_to
from .theme import theme_graph_svg
from .volumes import render_volumes

_PROLOG = re.compile(r"\A.*?(?=<svg[\s>])", re.S)


def strip_prolog(svg: str) -> str:
    """The SVG element alone: the XML declaration, DOCTYPE and comments `dot` writes first do not belong in HTML."""
    return _PROLOG.sub("", svg, count=1)


def draw(trace: Trace, fig: Figure, format: DiagramFormat = DiagramFormat.SVG) -> str | bytes:
    """A Figure in `format`: str for SVG and DOT, bytes for PNG and PDF."""
    name = f"{trace.model_name}-{fig.name}"
    if fig.view is View.VOLUMES:
        if format is DiagramFormat.DOT:
            raise InvalidOption("format 'dot' is for graphs (use --view graph, or one of: svg, png, pdf)")
        svg = render_volumes(trace, level=fig.level, select=fig.select, title=fig.title, desc=fig.caption, name=name,
                             rf=fig.rf)
        return svg if format is DiagramFormat.SVG else svg_to(svg, format.value)
    source = graph.dot_source(trace, level=fig.level, select=fig.select, title=fig.title, name=name)
    if format is DiagramFormat.DOT:
        return source
    if not dot_available():
        raise MissingTool(f"--format {format.value} of a graph needs {DOT_HINT}; --format dot writes the source "
                          "without it")
    out = run_dot(source, format.value)
    return theme_graph_svg(out.decode("utf-8")) if format is DiagramFormat.SVG else out


def diagram(trace: Trace, *, view: View | str = View.VOLUMES, level: str = "network", select: str | None = None,
            format: DiagramFormat | str = DiagramFormat.SVG, rf: str | None = None) -> str | bytes:
    """One drawing of a trace (see draw for what needs which external program); `rf` marks a stage's receptive
    field on the network's volume drawing."""
    chosen = parse_choice(DiagramFormat, format, "format")
    return draw(trace, figure(trace, view, level, select, rf=rf), chosen)


def figure_files(trace: Trace, *, use_dot: bool | None = None) -> dict[str, str]:
    """File name → content for every standard figure: volume SVGs, DOT sources, and graph SVGs when dot runs."""
    if use_dot is None:
        use_dot = dot_available()
    figures = standard_figures(trace)
    sources = {f"{fig.name}.dot": str(draw(trace, fig, DiagramFormat.DOT)) for fig in figures
               if fig.view is View.GRAPH}
    with ThreadPoolExecutor(max_workers=4) as pool:
        drawing = {rel[: -len(".dot")] + ".svg": pool.submit(run_dot, src, "svg") for rel, src in sources.items()} \
            if use_dot else {}
        files: dict[str, str] = {f"{fig.name}.svg": str(draw(trace, fig)) for fig in figures
                                 if fig.view is View.VOLUMES}
        files.update(sources)
        files.update({rel: theme_graph_svg(job.result().decode("utf-8")) for rel, job in drawing.items()})
    return {rel: files[rel] for rel in sorted(files)}
