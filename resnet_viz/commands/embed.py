"""`resnet-viz embed`: print a snippet to paste into docs, writing the SVG it refers to next to them."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..embed import FORMATS
from .options import model_options, trace_from_options


def _link_dir(out_dir: Path, relative_to: Path) -> str:
    """The folder of the SVG as the page sees it: relative, with forward slashes."""
    return Path(os.path.relpath(out_dir.resolve(), relative_to.resolve())).as_posix()


@click.command("embed")
@model_options(from_trace="embeds")
@click.option("--view", default="volumes", show_default=True, help="volumes or graph (graph needs Graphviz dot).")
@click.option("--level", default="network", show_default=True, help="network, stage, block or op.")
@click.option("--select", default=None, metavar="ID", help="The stage, block or op to draw, e.g. layer2 or layer2.0.")
@click.option("--format", "-f", "fmt_name", type=click.Choice(FORMATS), default="md", show_default=True,
              help="md or rst: an image reference plus the SVG file; html: the SVG inline in a <figure>.")
@click.option("--caption", default=None, help="Figure caption (default: what the drawing shows).")
@click.option("--alt", default=None, help="Alt text (default: what the drawing shows).")
@click.option("--output", "-o", "out_dir", default=".", show_default=True, metavar="DIR",
              type=click.Path(file_okay=False), help="Folder for the SVG (md, rst).")
@click.option("--relative-to", default=".", show_default=True, metavar="DIR", type=click.Path(file_okay=False),
              help="Folder of the page the snippet goes into; the image path is written relative to it.")
def embed(model, view, level, select, fmt_name, caption, alt, out_dir, relative_to):
    """A ready-to-paste Markdown, reStructuredText or HTML snippet of one diagram (snippet on stdout)."""
    from ..diagrams import LEVELS, VIEWS
    from ..embed import embed as make_snippet
    from ..errors import choice
    from ..files import write_atomic

    if view not in VIEWS:
        raise choice("view", view, VIEWS)
    if level not in LEVELS:
        raise choice("level", level, LEVELS)
    trace = trace_from_options(model)
    out = Path(out_dir)
    result = make_snippet(trace, format=fmt_name, view=view, level=level, select=select, caption=caption, alt=alt,
                          image_dir=_link_dir(out, Path(relative_to)))
    for name, svg in result.files.items():
        path = write_atomic(out / name, svg)
        click.echo(f"wrote {path} ({len(svg.encode('utf-8')):,} bytes)", err=True)
    click.echo(result.snippet, nl=False)
