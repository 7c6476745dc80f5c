"""`resnet-viz diagram`: draw one volume drawing or graph of a traced (or saved) network to stdout or a file."""

from __future__ import annotations

from pathlib import Path

import click

from ..diagrams import FORMATS, LEVELS, VIEWS
from ..errors import InvalidOption
from .options import emit, model_options, trace_from_options

SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


def pick_format(fmt_name: str | None, view: str, output: str | None) -> tuple[str, bool]:
    """(format, chosen by the user): --format, else the output's suffix, else svg (DOT for a graph without dot)."""
    if fmt_name:
        return fmt_name, True
    suffix = Path(output).suffix.lower() if output not in (None, "-") else ""
    if suffix in SUFFIXES:
        return SUFFIXES[suffix], True
    if view == "graph":
        from ..diagrams import dot_available

        if not dot_available():
            return "dot", False
    return "svg", False


@click.command()
@model_options(from_trace="draws")
@click.option("--view", type=click.Choice(VIEWS), default="volumes", show_default=True,
              help="volumes: 3-D boxes of every H×W×C (our own SVG); graph: the paper's Figure 3 as a Graphviz graph.")
@click.option("--level", type=click.Choice(LEVELS), default="network", show_default=True,
              help="How much to draw: the whole network, one stage, one block, or one op.")
@click.option("--select", default=None, metavar="ID",
              help="Stage (layer2), block (layer2.0) or op (conv1, layer2.0.downsample.0) to draw; default the first.")
@click.option("--format", "-f", "fmt_name", type=click.Choice(FORMATS), default=None,
              help="svg, png, pdf or dot (graphs only). Default: from -o's suffix, else svg "
                   "(a graph without Graphviz on PATH: dot source).")
@click.option("--output", "-o", default=None, metavar="FILE", help="Write to FILE; '-' or none: stdout (svg/dot only).")
def diagram(model, view, level, select, fmt_name, output):
    """Draw the volumes or the graph of a network, a stage, a block or an op."""
    fmt_name, chosen = pick_format(fmt_name, view, output)
    if view == "volumes" and fmt_name == "dot":
        raise InvalidOption("--format dot is for graphs (use --view graph, or --format svg, png or pdf)")
    if fmt_name in ("png", "pdf") and output in (None, "-"):
        raise InvalidOption(f"--format {fmt_name} is binary; give -o FILE (stdout takes svg or dot)")
    trace = trace_from_options(model)
    from ..diagrams import diagram as draw

    if view == "graph" and fmt_name == "dot" and not chosen:
        from ..diagrams import DOT_HINT

        click.echo(f"resnet-viz: note: {DOT_HINT}; this is the DOT source", err=True)
    result = draw(trace, view=view, level=level, select=select, format=fmt_name)
    if isinstance(result, str):
        emit(result, output)
        return
    from ..files import write_atomic

    path = write_atomic(output, result)
    click.echo(f"wrote {path} ({len(result):,} bytes)", err=True)
