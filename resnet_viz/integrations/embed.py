"""Snippets that put a drawing into someone's docs (md, rst, html), shared by the CLI, Sphinx, MkDocs and Jupyter.

Pure and torch-free: it draws traces it is given (docs.py traces what a directive or a fence names). The SVG's file
name carries a hash of its bytes, so a changed drawing gets a new name and equal drawings share one.
"""

from __future__ import annotations

import hashlib
import html
import posixpath
import re
from dataclasses import dataclass, field, replace

from ..options import DiagramFormat, EmbedFormat, Level, View, parse_choice
from ..render.figures import draw, strip_prolog
from ..schema import Trace
from ..views.figures import figure, safe_name

CSS_CLASS = "resnet-viz"


@dataclass(frozen=True)
class Drawing:
    """One drawing as SVG, with its content-hashed file name and the words that describe it."""

    svg: str
    filename: str
    alt: str


@dataclass(frozen=True)
class Embedding:
    """What `embed` produces: the text to paste and the files that text refers to ({name: svg})."""

    snippet: str
    files: dict[str, str] = field(default_factory=dict)


def input_label(trace: Trace) -> str:
    """'224' for a square input, '197x311' (height x width) otherwise."""
    h, w = trace.input.spatial
    return str(h) if h == w else f"{h}x{w}"


def content_hash(data: str | bytes) -> str:
    """The first 8 hex digits of the SHA-256 of the bytes (UTF-8 for text)."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()[:8]


def drawing(trace: Trace, *, view: View | str = View.VOLUMES, level: Level | str = Level.NETWORK,
            select: str | None = None) -> Drawing:
    """Draw one figure as SVG and name it by content (InvalidOption/MissingTool pass through)."""
    fig = figure(trace, view, level, select)  # 'conv4_x' → 'layer3'; the first block when none is named
    svg = draw(trace, fig, DiagramFormat.SVG)
    assert isinstance(svg, str)
    stem = safe_name(f"{trace.model_name}-{input_label(trace)}-{fig.name}")
    h, w = trace.input.spatial
    what = f"{fig.level.value} {fig.select}" if fig.select else "the whole network"
    return Drawing(svg, f"{stem}-{content_hash(svg)}.svg", f"{trace.model_name}, {h}×{w} input: {fig.view.value} of "
                                                          f"{what}")


def inline_svg(svg: str) -> str:
    """The SVG fit for an HTML page: no XML declaration, DOCTYPE or comments before <svg>; scales to its column
    while keeping its labels legible (a wide drawing scrolls sideways in its own box instead of shrinking)."""
    body = strip_prolog(svg).strip()
    head = re.match(r"<svg[^>]*>", body)
    if head and " style=" not in head.group(0):
        body = body[:4] + ' style="max-width:none;height:auto"' + body[4:]
    return body


FIGURE_STYLE = "overflow-x:auto;max-width:100%"


def html_figure(d: Drawing, *, caption: str | None = None, width: str | None = None) -> str:
    """<figure> with the inline SVG in a sideways-scrolling box and a <figcaption> (the alt text by default)."""
    style = f' style="width:{html.escape(width, quote=True)}"' if width else ""
    cap = html.escape(caption if caption is not None else d.alt)
    return (f'<figure class="{CSS_CLASS}"{style}>\n<div class="{CSS_CLASS}-scroll" style="{FIGURE_STYLE}" '
            f'tabindex="0" role="group" aria-label="{html.escape(d.alt, quote=True)}">{inline_svg(d.svg)}</div>\n'
            f"<figcaption>{cap}</figcaption>\n</figure>\n")


def _md_alt(text: str) -> str:
    return re.sub(r"([\[\]\\])", r"\\\1", text)


def _md_url(ref: str) -> str:
    return f"<{ref}>" if re.search(r"[\s()<>]", ref) else ref


def embed(trace: Trace, *, format: EmbedFormat | str = EmbedFormat.MD, view: View | str = View.VOLUMES,
          level: Level | str = Level.NETWORK, select: str | None = None, caption: str | None = None,
          alt: str | None = None, width: str | None = None, image_dir: str = "") -> Embedding:
    """The snippet for `format`; md and rst refer to an SVG file under `image_dir` (returned in `files`)."""
    chosen = parse_choice(EmbedFormat, format, "embed format")
    d = drawing(trace, view=view, level=level, select=select)
    if alt is not None:
        d = replace(d, alt=alt)
    if chosen is EmbedFormat.HTML:
        return Embedding(html_figure(d, caption=caption, width=width))
    ref = posixpath.join(image_dir, d.filename) if image_dir not in ("", ".") else d.filename
    if chosen is EmbedFormat.MD:
        text = f"![{_md_alt(d.alt)}]({_md_url(ref)})\n" + (f"\n*{caption}*\n" if caption else "")
    else:
        text = f".. figure:: {ref}\n   :alt: {d.alt}\n" + (f"   :width: {width}\n" if width else "")
        text += f"\n   {caption if caption is not None else d.alt}\n"
    return Embedding(text, {d.filename: d.svg})
