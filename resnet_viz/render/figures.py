"""A Figure drawn in a format: our own SVG for volumes, DOT for graphs (drawn by Graphviz), PNG/PDF by Chromium.

`figure_files` draws a report's whole set: the `dot` processes start first (GraphDrawings) and run while the
volume drawings, and whatever else the caller does in between, are made in this process.
"""

from __future__ import annotations

import os
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


def _dot_workers() -> int:
    """`dot` processes at a time: all cores but one, which stays with this process's own work (more made a
    ResNet-152 report slower on two cores: the drawings took the core the comparison traces ran on), at most 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(4, max(1, cores - 1))


class GraphDrawings:
    """A report's graphs handed to `dot` as soon as the trace exists, so the drawing overlaps whatever the caller
    does next (tracing the other depths, drawing the volumes); `svgs()` waits for them, `close()` stops waiting."""

    def __init__(self, trace: Trace, *, use_dot: bool | None = None) -> None:
        self.trace = trace
        self.sources = {f"{fig.name}.dot": str(draw(trace, fig, DiagramFormat.DOT)) for fig in standard_figures(trace)
                        if fig.view is View.GRAPH}
        drawn = bool(self.sources) and (dot_available() if use_dot is None else use_dot)
        self._pool: ThreadPoolExecutor | None = ThreadPoolExecutor(max_workers=_dot_workers()) if drawn else None
        self._jobs = {rel[: -len(".dot")] + ".svg": self._pool.submit(run_dot, src, "svg")
                      for rel, src in self.sources.items()} if self._pool else {}

    def svgs(self) -> dict[str, str]:
        """File name → themed SVG of every graph (none when dot is not used)."""
        try:
            return {rel: theme_graph_svg(job.result().decode("utf-8")) for rel, job in self._jobs.items()}
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> GraphDrawings:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def figure_files(trace: Trace, *, use_dot: bool | None = None, graphs: GraphDrawings | None = None) -> dict[str, str]:
    """File name → content for every standard figure: volume SVGs, DOT sources, and graph SVGs when dot runs
    (`graphs`, when given, are this trace's, started earlier)."""
    if graphs is not None and graphs.trace is not trace:
        raise ValueError("the graph drawings were started for another trace")
    with graphs if graphs is not None else GraphDrawings(trace, use_dot=use_dot) as started:
        files: dict[str, str] = {f"{fig.name}.svg": str(draw(trace, fig)) for fig in standard_figures(trace)
                                 if fig.view is View.VOLUMES}
        files.update(started.sources)
        files.update(started.svgs())
    return {rel: files[rel] for rel in sorted(files)}
