"""Our own SVG of the volume drawings, written from geometry.Layout so the HTML report can inline several per page.

Self-contained: ids prefixed per drawing, presentation attributes only (no <style> that would leak into a page),
no scripts, no external references, a generic font stack. Text sits in light pills and the boxes are mid-tone,
so a drawing reads on a light and on a dark page alike.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from ..options import Level
from ..schema import ShortcutKind, Trace
from . import geometry as g
from . import levels
from .labels import PAD_Y, Label
from .theme import volumes_style

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'DejaVu Sans', sans-serif"
INK = "#1f2933"  # text, inside light pills
INK_SOFT = "#3e4c59"
LINE = "#7b8794"  # arrows and arcs: mid grey, visible on white and on black
PILL_FILL, PILL_STROKE = "#ffffff", "#b8c2cc"


def id_prefix(name: str) -> str:
    """A figure name as an XML id prefix: 'volumes-block-layer2.0' → 'rv-volumes-block-layer2-0'."""
    return "rv-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


def layout(trace: Trace, *, level: Level, select: str | None, title: str, rf: str | None = None) -> g.Layout:
    """The geometry of one drawing; `select` is an already resolved stage, block or op id (`rf` a stage id)."""
    if level is Level.NETWORK or select is None:
        return levels.layout_network(trace, title=title, rf=rf)
    if level is Level.STAGE:
        return levels.layout_stage(trace, trace.stage(select), title=title)
    if level is Level.BLOCK:
        return levels.layout_block(trace, trace.block(select), title=title)
    return levels.layout_op(trace, trace.op(select), title=title)


def render_volumes(trace: Trace, *, level: Level, select: str | None, title: str, desc: str, name: str,
                   rf: str | None = None) -> str:
    """SVG text of one volume drawing."""
    return svg(layout(trace, level=level, select=select, title=title, rf=rf), prefix=id_prefix(name), title=title,
               desc=desc)


# --- SVG writing ----------------------------------------------------------------------------------
def _n(v: float) -> str:
    """A coordinate: one decimal, no trailing '.0' (stable bytes)."""
    s = f"{round(v, 1):.1f}"
    s = s[:-2] if s.endswith(".0") else s
    return "0" if s == "-0" else s


def _pts(points) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _mix(hex_colour: str, other: str, t: float) -> str:
    a = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def _cuboid(c: g.Cuboid) -> str:
    x, y, w, h, dx, dy = c.x, c.y, c.w, c.h, c.dx, c.dy
    top = [(x, y), (x + dx, y - dy), (x + w + dx, y - dy), (x + w, y)]
    side = [(x + w, y), (x + w + dx, y - dy), (x + w + dx, y + h - dy), (x + w, y + h)]
    stroke = quoteattr(c.colour.stroke)
    return (
        f'<g stroke={stroke} stroke-width="1" stroke-linejoin="round">'
        f'<polygon points="{_pts(top)}" fill="{_mix(c.colour.fill, "#ffffff", 0.35)}"/>'
        f'<polygon points="{_pts(side)}" fill="{_mix(c.colour.fill, "#000000", 0.2)}"/>'
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill={quoteattr(c.colour.fill)}/>'
        "</g>"
    )


def _arrowhead(x: float, y: float, ux: float, uy: float, size: float = 7.0) -> str:
    """A filled triangle with its tip at (x, y) pointing along the unit vector (ux, uy)."""
    bx, by = x - ux * size, y - uy * size
    px, py = -uy * size * 0.45, ux * size * 0.45
    return f'<polygon points="{_pts([(x, y), (bx + px, by + py), (bx - px, by - py)])}" fill="{LINE}"/>'


def _arrow(a: g.Arrow) -> str:
    length = max(((a.x2 - a.x1) ** 2 + (a.y2 - a.y1) ** 2) ** 0.5, 1e-9)
    ux, uy = (a.x2 - a.x1) / length, (a.y2 - a.y1) / length
    end_x, end_y = a.x2 - ux * 6, a.y2 - uy * 6
    return (
        f'<line x1="{_n(a.x1)}" y1="{_n(a.y1)}" x2="{_n(end_x)}" y2="{_n(end_y)}" stroke="{LINE}" stroke-width="1.6"/>'
        + _arrowhead(a.x2, a.y2, ux, uy)
    )


_DASH = {kind: "" if kind is ShortcutKind.IDENTITY else ' stroke-dasharray="0.1 5"' for kind in ShortcutKind}


def _arc(a: g.Arc) -> str:
    r = min(a.radius, abs(a.x2 - a.x1) / 2, (min(a.y1, a.y2) - a.top) / 2)
    sx = 1 if a.x2 >= a.x1 else -1
    d = (
        f"M{_n(a.x1)},{_n(a.y1)} V{_n(a.top + r)} Q{_n(a.x1)},{_n(a.top)} {_n(a.x1 + sx * r)},{_n(a.top)} "
        f"H{_n(a.x2 - sx * r)} Q{_n(a.x2)},{_n(a.top)} {_n(a.x2)},{_n(a.top + r)} V{_n(a.y2 - 7)}"
    )
    width = "2.4" if a.dotted else "2"
    return (
        f'<path d="{d}" fill="none" stroke="{LINE}" stroke-width="{width}" stroke-linecap="round"{_DASH[a.kind]}/>'
        + _arrowhead(a.x2, a.y2, 0.0, 1.0)
    )


def _kernel(k: g.Kernel) -> str:
    """The kernel as a small see-through box on the input's corner, with dashed lines of sight to its output."""
    corners = [(k.x, k.y), (k.x + k.w, k.y), (k.x, k.y + k.h), (k.x + k.w, k.y + k.h)]
    rays = "".join(
        f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(k.tx)}" y2="{_n(k.ty)}"/>' for x, y in corners
    )
    x, y, w, h, dx, dy = k.x, k.y, k.w, k.h, k.dx, k.dy
    top = [(x, y), (x + dx, y - dy), (x + w + dx, y - dy), (x + w, y)]
    side = [(x + w, y), (x + w + dx, y - dy), (x + w + dx, y + h - dy), (x + w, y + h)]
    return (
        f'<g stroke="{INK}" stroke-width="1.1" stroke-linejoin="round" fill="#ffffff" fill-opacity="0.6">'
        f'<polygon points="{_pts(top)}"/><polygon points="{_pts(side)}"/>'
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}"/></g>'
        f'<g stroke="{LINE}" stroke-width="1.1" stroke-dasharray="4 2">{rays}</g>'
        f'<circle cx="{_n(k.tx)}" cy="{_n(k.ty)}" r="2.4" fill="#ffffff" stroke="{INK}" stroke-width="1"/>'
    )


def _join(j: g.Join) -> str:
    a = j.r * 0.55
    return (
        f'<g stroke="{INK_SOFT}" stroke-width="1.6">'
        f'<circle cx="{_n(j.cx)}" cy="{_n(j.cy)}" r="{_n(j.r)}" fill="#ffffff"/>'
        f'<line x1="{_n(j.cx - a)}" y1="{_n(j.cy)}" x2="{_n(j.cx + a)}" y2="{_n(j.cy)}"/>'
        f'<line x1="{_n(j.cx)}" y1="{_n(j.cy - a)}" x2="{_n(j.cx)}" y2="{_n(j.cy + a)}"/>'
        "</g>"
    )


def _bracket(b: g.Bracket) -> str:
    d = f"M{_n(b.x1)},{_n(b.y)} v{_n(b.tick)} H{_n(b.x2)} v{_n(-b.tick)}"
    return f'<path d="{d}" fill="none" stroke="{LINE}" stroke-width="1.4"/>'


def _legend(le: g.LegendLine) -> str:
    x2 = le.x + le.length
    return (
        f'<path d="M{_n(le.x)},{_n(le.y)} H{_n(x2)}" fill="none" stroke="{LINE}" stroke-width="2.2" '
        f'stroke-linecap="round"{_DASH[le.kind]}/>'
    )


def _label(lb: Label) -> str:
    box = lb.bbox
    colour = INK_SOFT if lb.role in ("note", "legend") else INK
    anchor = "middle" if lb.anchor == "middle" else "start"
    parts = [
        f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.w)}" height="{_n(box.h)}" rx="4" fill="{PILL_FILL}" '
        f'fill-opacity="0.9" stroke="{PILL_STROKE}" stroke-width="0.8"/>'
    ]
    for i, line in enumerate(lb.lines):
        base = box.y + PAD_Y + i * lb.line_height + lb.line_height / 2 + lb.size * 0.35
        weight = ' font-weight="bold"' if lb.is_bold(i) else ""
        parts.append(
            f'<text x="{_n(lb.x)}" y="{_n(base)}" font-size="{_n(lb.size)}" text-anchor="{anchor}" '
            f'fill="{colour}"{weight}>{escape(line)}</text>'
        )
    return "".join(parts)


def svg(lay: g.Layout, *, prefix: str, title: str, desc: str) -> str:
    """The layout as a standalone SVG document (also fit to inline into HTML)."""
    w, h = _n(lay.width), _n(lay.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        f'role="img" aria-labelledby="{prefix}-title {prefix}-desc" id="{prefix}" font-family={quoteattr(FONT)}>',
        f'<title id="{prefix}-title">{escape(title)}</title>',
        f'<desc id="{prefix}-desc">{escape(desc)}</desc>',
        volumes_style(prefix),
    ]

    def group(name: str, parts: list[str]) -> None:
        """One <g> per layer, one element per line (readable golden diffs)."""
        if parts:
            out.extend([f'<g id="{prefix}-{name}">', *parts, "</g>"])

    group("shortcuts", [_arc(a) for a in lay.arcs])
    group("arrows", [_arrow(a) for a in lay.arrows])
    group("volumes", [_cuboid(c) for c in lay.cuboids])
    group("kernels", [_kernel(k) for k in lay.kernels])
    group("adds", [_join(j) for j in lay.joins])
    group("keys", [_bracket(b) for b in lay.brackets] + [_legend(le) for le in lay.legend])
    group("labels", [_label(lb) for lb in lay.labels])
    group("heading", [_label(lay.title)] if lay.title else [])  # its own group: a page with its own heading may hide it
    out.append("</svg>")
    return "\n".join(out) + "\n"
