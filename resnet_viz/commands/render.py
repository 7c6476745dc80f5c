"""`resnet-viz render`: trace (or load) a network and write the self-contained report folder."""

from __future__ import annotations

import click

from ..cli import model_options, trace_from_options
from ..errors import InvalidOption

_MODEL_DEFAULTS = {"variant": "v1.5", "batch": 1, "device": "auto"}


def _check_no_model_options(model: dict) -> None:
    """--from renders a saved trace: options that pick or trace a network would silently do nothing."""
    given = [k for k, v in model.items() if v is not None and _MODEL_DEFAULTS.get(k) != v]
    if given:
        names = ", ".join("--" + k.replace("_", "-").replace("input-size", "input") for k in given)
        raise InvalidOption(f"--from renders a saved trace; {names} cannot change it (drop them, or drop --from)")


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
        return [trace_network(d, device="meta", **options) for d in depths]
    except ModuleNotFoundError as e:
        if required or (e.name or "").split(".")[0] != "torch":
            raise
        click.echo("resnet-viz: note: torch is not installed, so the depths are not compared", err=True)
        return None


@click.command()
@model_options
@click.option("--output", "-o", default=None, metavar="DIR",
              help="Output folder. Default ./<model>-<H> or ./<model>-<H>x<W>, e.g. ./resnet34-224.")
@click.option("--force", is_flag=True, help="Write into a non-empty folder that resnet-viz did not create.")
@click.option("--from", "from_path", default=None, metavar="TRACE.json",
              help="Render a trace saved by `resnet-viz trace` (no torch needed) instead of tracing.")
@click.option("--compare", default="auto", show_default=True, metavar="auto|none|D,D,…",
              help="Depths for the side-by-side table: auto = 18–152, or 20–110 for the CIFAR family.")
def render(model, output, force, from_path, compare):
    """Write a report folder: index.html (one self-contained page), trace.json, tables/ and diagrams/."""
    from ..report import default_output_dir, report_files, summary_lines, write_report

    if from_path is not None:
        _check_no_model_options(model)
        from ..api import load_trace

        trace = load_trace(from_path)
    else:
        trace = trace_from_options(model)
    others = comparison_traces(trace, compare, required=from_path is None)
    files = report_files(trace, comparison=others)
    out = output or default_output_dir(trace)
    write_report(files, out, force=force)
    for line in summary_lines(files, out):
        click.echo(line)
