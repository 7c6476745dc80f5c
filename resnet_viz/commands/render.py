"""`resnet-viz render`: trace (or load) a network and write the self-contained report folder."""

from __future__ import annotations

from typing import Any

import click

from ..errors import InvalidOption
from .options import model_options, traced


@click.command()
@model_options(from_trace="renders", measure=True)
@click.option("--output", "-o", default=None, metavar="DIR",
              help="Output folder. Default ./<model>-<H> or ./<model>-<H>x<W>, e.g. ./resnet34-224.")
@click.option("--force", is_flag=True, help="Write into a non-empty folder that resnet-viz did not create.")
@click.option("--compare", default="auto", show_default=True, metavar="auto|none|D,D,…",
              help="Depths for the side-by-side table: auto = 18–152, or 20–110 for the CIFAR family.")
def render(model: Any, output: str | None, force: bool, compare: str) -> None:
    """Write a report folder: index.html (one self-contained page), trace.json, tables/ and diagrams/."""
    from ..output.comparison import comparison_traces, parse_compare, variant_traces
    from ..output.report import default_output_dir, report_files, summary_lines, write_report
    from ..render.raster import DOT_HINT, dot_available
    from ..schema import Trace

    if output is not None and not output.strip():
        raise InvalidOption("invalid --output '' (must name a folder; leave -o out for the default)")
    trace = traced(model)
    depths = parse_compare(compare, trace)
    others, variants = None, None
    try:
        cache: dict = {}
        others = comparison_traces(trace, depths, cache) if depths and trace.model is not None else None
        variants = variant_traces(trace, cache)
    except ModuleNotFoundError as e:
        if not isinstance(model, Trace) or (e.name or "").split(".")[0] != "torch":
            raise
        click.echo("resnet-viz: note: torch is not installed, so no other depth or configuration is traced",
                   err=True)
    files = report_files(trace, comparison=others, variants=variants)
    out = output if output is not None else default_output_dir(trace)
    write_report(files, out, force=force)
    for line in summary_lines(files, out):
        click.echo(line)
    if not dot_available():
        click.echo(f"resnet-viz: note: {DOT_HINT}; graphs were written as .dot sources only", err=True)
