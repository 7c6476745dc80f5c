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
    from ..api import report_contents
    from ..output.report import default_output_dir, summary_lines, write_report
    from ..render.raster import DOT_HINT, dot_available

    if output is not None and not output.strip():
        raise InvalidOption("invalid --output '' (must name a folder; leave -o out for the default)")
    trace = traced(model)
    files, notes = report_contents(trace, compare=compare)
    for note in notes:
        click.echo(f"resnet-viz: note: {note}", err=True)
    out = output if output is not None else default_output_dir(trace)
    write_report(files, out, force=force)
    for line in summary_lines(files, out):
        click.echo(line)
    if not dot_available():
        click.echo(f"resnet-viz: note: {DOT_HINT}; graphs were written as .dot sources only", err=True)
