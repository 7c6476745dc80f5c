"""`resnet-viz diagram`: draw one volume drawing or graph of a traced (or saved) network to stdout or a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import InvalidOption
from ..options import DiagramFormat, Level, View, parse_choice
from .options import emit, model_options, traced

SUFFIXES = {".svg": DiagramFormat.SVG, ".png": DiagramFormat.PNG, ".pdf": DiagramFormat.PDF,
            ".dot": DiagramFormat.DOT, ".gv": DiagramFormat.DOT}


def pick_format(chosen: str | None, view: View, output: str | None) -> tuple[DiagramFormat, bool]:
    """(format, chosen by the user): --format, else the output's suffix, else svg (DOT for a graph without dot).
    A suffix that names no format, or another format than --format, is refused."""
    suffix = Path(output).suffix.lower() if output not in (None, "-") else ""
    known = SUFFIXES.get(suffix)
    if output not in (None, "-") and suffix and known is None and chosen is None:
        raise InvalidOption(f"unknown output suffix {suffix!r} (must be one of: {', '.join(SUFFIXES)}; or give "
                            "--format)")
    if chosen is not None:
        fmt = parse_choice(DiagramFormat, chosen, "format")
        if known is not None and known is not fmt:
            raise InvalidOption(f"--format {fmt.value} does not match the output's suffix {suffix!r} "
                                f"(use a .{fmt.value} file, or drop --format)")
        return fmt, True
    if known is not None:
        return known, True
    if view is View.GRAPH:
        from ..render.raster import dot_available

        if not dot_available():
            return DiagramFormat.DOT, False
    return DiagramFormat.SVG, False


@click.command()
@model_options(from_trace="draws")
@click.option("--view", type=click.Choice([v.value for v in View]), default="volumes", show_default=True,
              help="volumes: 3-D boxes of every H×W×C (our own SVG); graph: the paper's Figure 3 as a Graphviz graph.")
@click.option("--level", type=click.Choice([lv.value for lv in Level]), default="network", show_default=True,
              help="How much to draw: the whole network, one stage, one block, or one op.")
@click.option("--select", default=None, metavar="ID",
              help="Stage (layer2 or conv3_x), block (layer2.0) or op (conv1) to draw; default the first.")
@click.option("--format", "-f", "fmt_name", type=click.Choice([f.value for f in DiagramFormat]), default=None,
              help="svg, png, pdf or dot (graphs only). Default: from -o's suffix, else svg "
                   "(a graph without Graphviz on PATH: dot source).")
@click.option("--rf", default=None, metavar="STAGE",
              help="Mark what one position of STAGE (layer3 or conv4_x) sees on the input of the network drawing.")
@click.option("--output", "-o", default=None, metavar="FILE", help="Write to FILE; '-' or none: stdout (svg/dot only).")
def diagram(model: Any, view: str, level: str, select: str | None, rf: str | None, fmt_name: str | None,
            output: str | None) -> None:
    """Draw the volumes or the graph of a network, a stage, a block or an op."""
    from ..output.paths import shown
    from ..output.single_file import write_file
    from ..render.figures import diagram as draw
    from ..render.raster import DOT_HINT

    if output is not None and not output.strip():
        raise InvalidOption("invalid --output '' (must name a file, or '-' for stdout)")
    chosen_view = parse_choice(View, view, "view")
    fmt, chosen = pick_format(fmt_name, chosen_view, output)
    if chosen_view is View.VOLUMES and fmt is DiagramFormat.DOT:
        raise InvalidOption("--format dot is for graphs (use --view graph, or --format svg, png or pdf)")
    if fmt in (DiagramFormat.PNG, DiagramFormat.PDF) and output in (None, "-"):
        raise InvalidOption(f"--format {fmt.value} is binary; give -o FILE (stdout takes svg or dot)")
    trace = traced(model)
    if chosen_view is View.GRAPH and fmt is DiagramFormat.DOT and not chosen:
        click.echo(f"resnet-viz: note: {DOT_HINT}; this is the DOT source", err=True)
    result = draw(trace, view=chosen_view, level=level, select=select, format=fmt, rf=rf)
    if isinstance(result, str):
        emit(result, output)
        return
    assert output is not None
    path = write_file(output, result)
    click.echo(f"wrote {shown(path)} ({len(result):,} bytes)", err=True)
