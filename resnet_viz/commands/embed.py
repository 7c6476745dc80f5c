"""`resnet-viz embed`: print a snippet to paste into docs, writing the SVG it refers to next to them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from ..errors import InvalidOption
from ..options import EmbedFormat, Level, View
from .options import model_options, traced


def _link_dir(out_dir: Path, relative_to: Path) -> str:
    """The folder of the SVG as the page sees it: relative, with forward slashes."""
    return Path(os.path.relpath(out_dir.resolve(), relative_to.resolve())).as_posix()


@click.command("embed")
@model_options(from_trace="embeds")
@click.option("--view", type=click.Choice([v.value for v in View]), default="volumes", show_default=True,
              help="volumes or graph (graph needs Graphviz dot).")
@click.option("--level", type=click.Choice([lv.value for lv in Level]), default="network", show_default=True,
              help="network, stage, block or op.")
@click.option("--select", default=None, metavar="ID", help="The stage, block or op to draw, e.g. layer2 or layer2.0.")
@click.option("--format", "-f", "fmt_name", type=click.Choice([f.value for f in EmbedFormat]), default="md",
              show_default=True, help="md or rst: an image reference plus the SVG file; html: the SVG inline.")
@click.option("--caption", default=None, help="Figure caption (default: what the drawing shows).")
@click.option("--alt", default=None, help="Alt text (default: what the drawing shows).")
@click.option("--output", "-o", "out_dir", default=".", show_default=True, metavar="DIR",
              help="Folder for the SVG (md, rst).")
@click.option("--relative-to", default=".", show_default=True, metavar="DIR",
              help="Folder of the page the snippet goes into; the image path is written relative to it.")
def embed(model: Any, view: str, level: str, select: str | None, fmt_name: str, caption: str | None,
          alt: str | None, out_dir: str, relative_to: str) -> None:
    """A ready-to-paste Markdown, reStructuredText or HTML snippet of one drawing (snippet on stdout)."""
    from ..integrations.embed import embed as make_snippet
    from ..output.paths import shown
    from ..output.single_file import write_file

    if not out_dir.strip() or not relative_to.strip():
        raise InvalidOption("invalid empty folder for --output or --relative-to (must name a folder)")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InvalidOption(f"--output {shown(out)} is a file (must be a folder for the SVG)")
    trace = traced(model)
    result = make_snippet(trace, format=fmt_name, view=view, level=level, select=select, caption=caption, alt=alt,
                          image_dir=_link_dir(out, Path(relative_to)))
    for name, svg in result.files.items():
        path = write_file(out / name, svg)
        click.echo(f"wrote {shown(path)} ({len(svg.encode('utf-8')):,} bytes)", err=True)
    click.echo(result.snippet, nl=False)
