"""`resnet-viz diagram`: draw one volume drawing or graph of a traced (or saved) network to stdout or a file."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import emit, model_options, trace_from_options
from ..diagrams import FORMATS, LEVELS, VIEWS
from ..errors import InvalidOption

SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
_MODEL_DEFAULTS = {"variant": "v1.5", "batch": 1, "device": "auto"}


def _check_no_model_options(model: dict) -> None:
    """With --from, options that pick or trace a network would silently do nothing: refuse them."""
    given = [k for k, v in model.items() if v is not None and _MODEL_DEFAULTS.get(k) != v]
    if given:
        names = ", ".join("--" + k.replace("_", "-").replace("input-size", "input") for k in given)
        raise InvalidOption(f"--from draws a saved trace; {names} cannot change it (drop them, or drop --from)")


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
@model_options
@click.option("--from", "from_path", default=None, metavar="TRACE.json",
              help="Draw a trace saved by `resnet-viz trace` (no torch needed) instead of tracing.")
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
def diagram(model, from_path, view, level, select, fmt_name, output):
    """Draw the volumes or the graph of a network, a stage, a block or an op."""
    fmt_name, chosen = pick_format(fmt_name, view, output)
    if view == "volumes" and fmt_name == "dot":
        raise InvalidOption("--format dot is for graphs (use --view graph, or --format svg, png or pdf)")
    if fmt_name in ("png", "pdf") and output in (None, "-"):
        raise InvalidOption(f"--format {fmt_name} is binary; give -o FILE (stdout takes svg or dot)")
    if from_path is not None:
        _check_no_model_options(model)
        from ..api import load_trace

        trace = load_trace(from_path)
    else:
        trace = trace_from_options(model)
    from ..diagrams import diagram as draw

    if view == "graph" and fmt_name == "dot" and not chosen:
        click.echo("resnet-viz: note: Graphviz `dot` is not on PATH, so this is the DOT source "
                   "(install graphviz to get svg)", err=True)
    result = draw(trace, view=view, level=level, select=select, format=fmt_name)
    if isinstance(result, str):
        emit(result, output)
        return
    from ..files import write_atomic

    path = write_atomic(output, result)
    click.echo(f"wrote {path} ({len(result):,} bytes)", err=True)
