"""Snippets that put a diagram into someone's docs (md, rst, html), shared by the CLI, Sphinx, MkDocs and Jupyter.

Pure except for `trace_for`, which traces on the meta device (shapes only) and caches per process.
The SVG's file name carries a hash of its bytes, so a changed drawing gets a new name and equal drawings share one.
"""

from __future__ import annotations

import functools
import hashlib
import html
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import InvalidOption, choice
from .files import safe_name
from .schema import Trace

FORMATS = ("md", "html", "rst")
MODEL_KEYS = ("depth", "input", "layers", "block", "variant", "shortcut", "stem", "num-classes")
FIGURE_KEYS = ("view", "level", "select", "caption", "alt", "width")
OPTION_KEYS = MODEL_KEYS + FIGURE_KEYS
CSS_CLASS = "resnet-viz"


@dataclass(frozen=True)
class Figure:
    """One rendered diagram: its SVG, its content-hashed file name and the words that describe it."""

    svg: str
    filename: str
    alt: str


@dataclass(frozen=True)
class Embedding:
    """What `embed` produces: the text to paste and the files that text refers to ({name: svg})."""

    snippet: str
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """Options given as strings (directive options, fence lines), checked and typed."""

    model: tuple[tuple[str, object], ...] = ()  # keyword arguments of api.trace_network, hashable
    view: str = "volumes"
    level: str = "network"
    select: str | None = None
    caption: str | None = None
    alt: str | None = None
    width: str | None = None


# --- names and words ------------------------------------------------------------------------------
def input_label(trace: Trace) -> str:
    """'224' for a square input, '197x311' (height x width) otherwise."""
    h, w = _sides(trace)
    return str(h) if h == w else f"{h}x{w}"


def _sides(trace: Trace) -> tuple[int, int]:
    return trace.input_shape[-2], trace.input_shape[-1]


def figure_stem(trace: Trace, *, view: str, level: str, select: str | None) -> str:
    """'resnet34-224-volumes-block-layer2.0': what the drawing shows, as a file name without hash."""
    parts = [trace.model_name, input_label(trace), view, level] + ([select] if select else [])
    return safe_name("-".join(parts))


def content_hash(data: str | bytes) -> str:
    """The first 8 hex digits of the SHA-256 of the bytes (UTF-8 for text)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:8]


def alt_text(trace: Trace, *, view: str, level: str, select: str | None) -> str:
    """'resnet34, 224×224 input: volumes of block layer2.0' (for alt attributes and default captions)."""
    h, w = _sides(trace)
    what = f"{level} {select}" if select else "the whole network" if level == "network" else level
    return f"{trace.model_name}, {h}×{w} input: {view} of {what}"


# --- the drawing ----------------------------------------------------------------------------------
def render_figure(trace: Trace, *, view: str = "volumes", level: str = "network", select: str | None = None) -> Figure:
    """Draw one diagram as SVG and name it by content (InvalidOption/MissingTool from diagrams pass through)."""
    from .diagrams import diagram, resolve

    select = resolve(trace, level, select)  # 'conv4_x' → 'layer3'; the first block when none is named
    svg = diagram(trace, view=view, level=level, select=select, format="svg")
    if isinstance(svg, bytes):
        svg = svg.decode("utf-8")
    stem = figure_stem(trace, view=view, level=level, select=select)
    return Figure(svg=svg, filename=f"{stem}-{content_hash(svg)}.svg", alt=alt_text(trace, view=view, level=level, select=select))


def inline_svg(svg: str) -> str:
    """The SVG fit for an HTML page: no XML declaration, DOCTYPE or comments before <svg>; scales to its column."""
    from .diagrams import strip_prolog

    body = strip_prolog(svg).strip()
    head = re.match(r"<svg[^>]*>", body)
    if head and " style=" not in head.group(0):
        body = body[:4] + ' style="max-width:100%;height:auto"' + body[4:]
    return body


def html_figure(fig: Figure, *, caption: str | None = None, width: str | None = None) -> str:
    """<figure> with the inline SVG and a <figcaption> (the alt text when no caption is given)."""
    style = f' style="width:{html.escape(width, quote=True)}"' if width else ""
    cap = html.escape(caption if caption is not None else fig.alt)
    return (f'<figure class="{CSS_CLASS}"{style}>\n{inline_svg(fig.svg)}\n'
            f"<figcaption>{cap}</figcaption>\n</figure>\n")


def embed(trace: Trace, *, format: str = "md", view: str = "volumes", level: str = "network",
          select: str | None = None, caption: str | None = None, alt: str | None = None,
          width: str | None = None, image_dir: str = "") -> Embedding:
    """The snippet for `format`; md and rst refer to an SVG file under `image_dir` (returned in `files`)."""
    if format not in FORMATS:
        raise choice("embed format", format, FORMATS)
    fig = render_figure(trace, view=view, level=level, select=select)
    if alt is not None:
        fig = Figure(fig.svg, fig.filename, alt)
    if format == "html":
        return Embedding(html_figure(fig, caption=caption, width=width))
    ref = posixpath.join(image_dir, fig.filename) if image_dir not in ("", ".") else fig.filename
    if format == "md":
        text = f"![{_md_alt(fig.alt)}]({_md_url(ref)})\n"
        if caption:
            text += f"\n*{caption}*\n"
    else:
        text = f".. figure:: {ref}\n   :alt: {fig.alt}\n"
        if width:
            text += f"   :width: {width}\n"
        text += f"\n   {caption if caption is not None else fig.alt}\n"
    return Embedding(text, {fig.filename: fig.svg})


def _md_alt(text: str) -> str:
    return re.sub(r"([\[\]\\])", r"\\\1", text)


def _md_url(ref: str) -> str:
    return f"<{ref}>" if re.search(r"[\s()<>]", ref) else ref


# --- options given as text (Sphinx directive, MkDocs fence) ---------------------------------------
def _whole(key: str, value: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise InvalidOption(f"invalid {key} {value!r} (must be a whole number)") from None


def parse_request(options: Mapping[str, object]) -> Request:
    """Check option names and types; values themselves are checked by resnet_spec and diagram, naming what is valid."""
    model: dict[str, object] = {}
    fig: dict[str, str] = {}
    for raw_key, value in options.items():
        key = str(raw_key).strip().lower().replace("_", "-")
        if key not in OPTION_KEYS:
            raise choice("option", raw_key, OPTION_KEYS)
        text = "" if value is None else str(value).strip()
        if key in FIGURE_KEYS:
            fig[key] = text
        elif key == "depth":
            model["depth"] = _whole(key, text)
        elif key == "num-classes":
            model["num_classes"] = _whole(key, text)
        elif key == "input":
            model["input_size"] = text
        else:
            model[key] = text
    if "layers" in model:
        model.setdefault("depth", None)
    return Request(model=tuple(sorted(model.items())), view=fig.get("view", "volumes"),
                   level=fig.get("level", "network"), select=fig.get("select") or None,
                   caption=fig.get("caption"), alt=fig.get("alt") or None, width=fig.get("width") or None)


@functools.lru_cache(maxsize=32)
def trace_for(model: tuple[tuple[str, object], ...]) -> Trace:
    """Trace the network a Request names (on the meta device: the same trace as on cpu, without the compute)."""
    from .api import trace_network

    kwargs = dict(model)
    depth = kwargs.pop("depth", 18)
    return trace_network(depth, device="meta", **kwargs)


def figure_for(request: Request) -> Figure:
    """Trace and draw what a Request asks for."""
    fig = render_figure(trace_for(request.model), view=request.view, level=request.level, select=request.select)
    return Figure(fig.svg, fig.filename, request.alt) if request.alt else fig
