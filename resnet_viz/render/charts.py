"""Inline SVG charts of a trace's memory: the activations alive while each op runs, and what backward keeps.

The SVG is meant to sit inside an HTML page on a light or a dark background: bars are mid-tone colours readable on
both, axis text uses `currentColor` (the page's text colour), and labels over the bars sit in light pills with dark
text. It is self-contained (no script, no external reference, presentation attributes only, every id prefixed) and
deterministic (the same trace gives the same bytes). With more ops than the plot has room for, consecutive ops are
binned: a bar then shows the largest value of its ops (so the peak survives) and says how many ops it holds.
Imports only the standard library, the schema and the views.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..schema import Trace
from ..views.budget import MemoryReport, memory_report

LIVE_FILL = "#4f86c6"  # mid-tone blue: readable on white and on near-black
SAVED_FILL = "#e07b39"  # mid-tone orange
PEAK_STROKE = "#d64550"
PILL_FILL = "#f4f4f4"
PILL_TEXT = "#1a1a1a"
MAX_WIDTH = 1200
_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def human_bytes(n: float, scale: float | None = None) -> str:
    """Binary units with three significant digits: 50485152 → '48.1 MiB'; an axis passes its top as `scale` so that
    every tick is written in one unit (0.5 MiB, not 512 KiB)."""
    k, ref = 0, abs(scale if scale is not None else n)
    while ref >= 1024 and k < len(_UNITS) - 1:
        n, ref, k = n / 1024, ref / 1024, k + 1
    return f"{n:.0f} {_UNITS[k]}" if k == 0 or abs(n) >= 100 else f"{n:.3g} {_UNITS[k]}"


def _nice_step(top: float, ticks: int = 4) -> float:
    """A round tick step (1, 2 or 5 times a power of 1024 or 10) so that about `ticks` ticks cover `top`."""
    unit = 1.0
    while top / unit >= 1024:
        unit *= 1024
    raw = top / unit / ticks
    magnitude = 1.0
    while magnitude * 10 <= raw:
        magnitude *= 10
    while magnitude > raw and magnitude > 1e-9:
        magnitude /= 10
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return step * unit


@dataclass(frozen=True)
class _Bin:
    first: int  # op positions [first, last]
    last: int
    live: int  # largest live bytes among its ops
    kept: int  # bytes kept for backward by the end of its last op (running total)
    label: str


def _bin_size(n: int, slots: int) -> int:
    """Consecutive ops per bar so that `n` ops fit in `slots` bars (the last bar may hold fewer)."""
    return max(1, -(-n // max(1, slots)))


def _bins(report: MemoryReport, size: int) -> list[_Bin]:
    ops = report.ops
    out, kept = [], 0
    for start in range(0, len(ops), size):
        group = ops[start:start + size]
        top = max(group, key=lambda o: o.live_bytes)
        kept += sum(o.saved_bytes for o in group)
        label = top.id if len(group) == 1 else f"{len(group)} ops {group[0].id} … {group[-1].id}, most at {top.id}"
        out.append(_Bin(start, start + len(group) - 1, top.live_bytes, kept, label))
    return out


def _f(x: float) -> str:
    """Coordinates with one decimal at most, always written the same way."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _pill(x: float, y: float, text: str, anchor: str = "middle") -> str:
    width = 6.4 * len(text) + 10
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return (f'<rect x="{_f(left)}" y="{_f(y - 12)}" width="{_f(width)}" height="17" rx="8.5" fill="{PILL_FILL}" '
            f'stroke="{PEAK_STROKE}" stroke-width="1"/><text x="{_f(left + width / 2)}" y="{_f(y)}" '
            f'text-anchor="middle" fill="{PILL_TEXT}" font-size="11">{escape(text)}</text>')


def _panel(bins: list[_Bin], values: list[int], *, x0: float, y0: float, w: float, h: float, fill: str,
           label: str) -> list[str]:
    """One bar panel: gridlines and tick labels in currentColor, one bar per bin."""
    step = _nice_step(max(values, default=0) or 1)
    top = step * -(-(max(values, default=0) or 1) // step)  # the axis ends on a tick
    scale = h / top
    parts = [f'<text x="{_f(x0)}" y="{_f(y0 - 8)}" fill="currentColor" font-size="12" font-weight="bold">'
             f'{escape(label)}</text>']
    tick = 0.0
    while tick <= top + step / 2:  # float steps: stop half a step past the last one
        y = y0 + h - tick * scale
        parts.append(f'<line x1="{_f(x0)}" y1="{_f(y)}" x2="{_f(x0 + w)}" y2="{_f(y)}" stroke="currentColor" '
                     f'stroke-opacity="0.2" stroke-width="1"/>')
        parts.append(f'<text x="{_f(x0 - 6)}" y="{_f(y + 4)}" text-anchor="end" fill="currentColor" '
                     f'font-size="10">{human_bytes(tick, top)}</text>')
        tick += step
    slot = w / max(1, len(bins))
    gap = 1.0 if slot >= 4 else 0.0
    parts.append('<g shape-rendering="crispEdges">')  # adjacent thin bars without hairline seams
    for k, (b, v) in enumerate(zip(bins, values, strict=True)):
        bh = v * scale
        parts.append(f'<rect x="{_f(x0 + k * slot)}" y="{_f(y0 + h - bh)}" width="{_f(max(slot - gap, 0.5))}" '
                     f'height="{_f(bh)}" fill="{fill}"><title>{escape(b.label)}: {human_bytes(v)}</title></rect>')
    return [*parts, "</g>"]


def _sections(trace: Trace) -> list[tuple[int, str]]:
    """(first op position, name) of the stem, each stage and the head, for the ticks under the chart."""
    marks = [(trace.position(trace.stem[0]), "stem")] if trace.stem else []
    for stage in trace.stages:
        ids = [i for b in stage.blocks for i in b.op_ids]
        if ids:
            marks.append((min(trace.position(i) for i in ids), stage.paper_name or stage.id))
    if trace.head:
        marks.append((trace.position(trace.head[0]), "head"))
    return sorted(marks)


def _axis(trace: Trace, bins: list[_Bin], size: int, *, x0: float, y: float, w: float) -> list[str]:
    """Section ticks along the bottom (`size` ops per bin), each name centred under its span when it fits there
    (else left out)."""
    parts, slot = [], w / max(1, len(bins))
    marks = _sections(trace)
    if not marks and trace.ops:  # a network without residual stages: name the ends instead
        return [f'<text x="{_f(x0)}" y="{_f(y + 16)}" fill="currentColor" font-size="10">ops in execution order: '
                f'{escape(trace.ops[0].id)} … {escape(trace.ops[-1].id)}</text>']
    edges = [x0 + (position // size) * slot for position, _ in marks] + [x0 + w]
    for k, (_, name) in enumerate(marks):
        x, span = edges[k], edges[k + 1] - edges[k]
        parts.append(f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x)}" y2="{_f(y + 6)}" stroke="currentColor" '
                     f'stroke-width="1"/>')
        if span >= 6.0 * len(name) + 6:
            parts.append(f'<text x="{_f(x + span / 2)}" y="{_f(y + 16)}" text-anchor="middle" fill="currentColor" '
                         f'font-size="10">{escape(name)}</text>')
    return parts


def memory_chart_svg(trace: Trace, report: MemoryReport | None = None, *, id_prefix: str = "rv-mem",
                     width: int = 960) -> str:
    """Two aligned bar charts over the ops in execution order: the activations alive while each op runs
    (inference, computed, peak marked) and the running total of bytes kept for backward (measured or computed,
    as labelled). Section ticks (stem, stages, head) run along the bottom."""
    report = report or memory_report(trace)
    width = max(320, min(width, MAX_WIDTH))
    left, right, panel_h, top1 = 64.0, 16.0, 130.0, 36.0
    plot_w = width - left - right
    per_bar = _bin_size(len(report.ops), int(plot_w // 2))  # at least 2 px per bar
    bins = _bins(report, per_bar)
    top2 = top1 + panel_h + 48
    height = top2 + panel_h + 44
    kept = report.training.saved_activations
    title = f"Memory of {trace.model_name}, batch {trace.batch} ({trace.dtype})"
    desc = (f"Activations alive while each of {len(report.ops)} ops runs (computed): peak "
            f"{human_bytes(report.activation_peak.bytes)} at {report.peak_op}, plus {human_bytes(report.weights.bytes)}"
            f" of weights. Kept for backward: {human_bytes(kept.bytes)} by the end ({kept.source}).")
    if per_bar > 1:
        desc += f" Each bar holds {per_bar} consecutive ops (the last may hold fewer) and shows their largest value."
    p = escape(id_prefix, quote=True)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{_f(height)}" '
             f'viewBox="0 0 {width} {_f(height)}" role="img" aria-labelledby="{p}-title {p}-desc" '
             f'font-family="sans-serif">', f'<title id="{p}-title">{escape(title)}</title>',
             f'<desc id="{p}-desc">{escape(desc)}</desc>', f'<g id="{p}-live">']
    parts += _panel(bins, [b.live for b in bins], x0=left, y0=top1, w=plot_w, h=panel_h, fill=LIVE_FILL,
                    label=f"Activations alive while each op runs (computed; weights {human_bytes(report.weights.bytes)}"
                          " come on top)")
    if bins:
        peak = max(range(len(bins)), key=lambda k: bins[k].live)
        px = left + (peak + 0.5) * plot_w / len(bins)
        parts.append(f'<line x1="{_f(px)}" y1="{_f(top1)}" x2="{_f(px)}" y2="{_f(top1 + panel_h)}" '
                     f'stroke="{PEAK_STROKE}" stroke-width="1.5" stroke-dasharray="3 2"/>')
        anchor = "start" if px < left + plot_w * 0.3 else "end" if px > left + plot_w * 0.7 else "middle"
        parts.append(_pill(px + {"start": 4, "end": -4, "middle": 0}[anchor], top1 + 14,
                           f"peak {human_bytes(report.activation_peak.bytes)} at {report.peak_op}", anchor))
    parts.append(f'</g><g id="{p}-kept">')
    parts += _panel(bins, [b.kept for b in bins], x0=left, y0=top2, w=plot_w, h=panel_h, fill=SAVED_FILL,
                    label=f"Kept for backward so far ({kept.source}; {human_bytes(kept.bytes)} by the end)")
    parts.append(f'</g><g id="{p}-axis">')
    parts += _axis(trace, bins, per_bar, x0=left, y=top2 + panel_h, w=plot_w)
    parts.append("</g></svg>")
    return "\n".join(parts) + "\n"
