"""`resnet-viz render`: trace (or load) a network and write the self-contained report folder."""

from __future__ import annotations

import click

from ..errors import InvalidOption
from .options import model_options, trace_from_options


def _parse_compare(value: str):
    """'auto' | 'none' | '18,34,50' → the string, or a tuple of depths."""
    value = value.strip().lower()
    if value in ("auto", "none"):
        return value
    try:
        depths = tuple(int(p) for p in value.split(",") if p.strip())
    except ValueError:
        depths = ()
    if not depths:
        raise InvalidOption(f"invalid --compare {value!r} (must be auto, none, or depths such as 18,34,50)")
    return depths


def comparison_traces(trace, compare: str, *, required: bool = True):
    """Trace the depths to put beside `trace` (meta device: shapes and counts only); None when there are none.

    When not `required` (a saved trace rendered without torch), a missing torch skips the comparison.
    """
    from .. import paper

    choice = _parse_compare(compare)
    if choice == "none":
        return None
    depths = paper.comparison_depths(trace) if choice == "auto" else choice
    if not depths or trace.model is None:
        return None
    from ..api import trace_network

    options = paper.comparison_options(trace)
    try:
        # the rendered network is one of the depths: reuse its trace (equal to a meta trace) rather than trace it again
        same = trace.model.depth if trace.input_shape[0] == 1 else None
        return [trace if d == same else trace_network(d, device="meta", **options) for d in depths]
    except ModuleNotFoundError as e:
        if required or (e.name or "").split(".")[0] != "torch":
            raise
        click.echo("resnet-viz: note: torch is not installed, so the depths are not compared", err=True)
        return None


@click.command()
@model_options(from_trace="renders")
@click.option("--output", "-o", default=None, metavar="DIR",
              help="Output folder. Default ./<model>-<H> or ./<model>-<H>x<W>, e.g. ./resnet34-224.")
@click.option("--force", is_flag=True, help="Write into a non-empty folder that resnet-viz did not create.")
@click.option("--compare", default="auto", show_default=True, metavar="auto|none|D,D,…",
              help="Depths for the side-by-side table: auto = 18–152, or 20–110 for the CIFAR family.")
def render(model, output, force, compare):
    """Write a report folder: index.html (one self-contained page), trace.json, tables/ and diagrams/."""
    from ..report import default_output_dir, report_files, summary_lines, write_report

    trace = trace_from_options(model)
    others = comparison_traces(trace, compare, required=model["from_path"] is None)
    files = report_files(trace, comparison=others)
    out = output or default_output_dir(trace)
    write_report(files, out, force=force)
    for line in summary_lines(files, out):
        click.echo(line)
    from ..diagrams import DOT_HINT, dot_available

    if not dot_available():
        click.echo(f"resnet-viz: note: {DOT_HINT}; graphs were written as .dot sources only", err=True)
