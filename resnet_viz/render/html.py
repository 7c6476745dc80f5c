"""The HTML report as one self-contained page: plain data from the trace, laid out by jinja2 templates only."""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath

import jinja2
from markupsafe import Markup, escape

from .. import explain, fmt, journey, palette, paper
from ..schema import Op, OpKind, Path, Section, Trace
from ..views import downsampling_op, groups, paper_name, shrinks

TEMPLATE_PACKAGE = "resnet_viz.templates"
TEMPLATE = "report.html.j2"


@dataclass(frozen=True)
class InlineFigure:
    """An SVG drawn into the page, with the words around it."""

    anchor: str
    title: str
    caption: str
    svg: str
    level: str  # "network" | "stage" | "block" | "op"
    group: str = ""  # figures with the same group are shown together, in the order given
    stage_index: int | None = None


@dataclass(frozen=True)
class Link:
    """A file of the report folder the page points to (graphs whose bytes depend on the installed dot)."""

    href: str
    label: str
    note: str = ""


def template_root():
    """The installed templates (resnet_viz.templates), or the checkout's templates/ folder when not installed."""
    try:
        root = importlib.resources.files(TEMPLATE_PACKAGE)
        if root.joinpath(TEMPLATE).is_file():
            return root
    except ModuleNotFoundError:
        pass
    return FsPath(__file__).resolve().parents[2] / "templates"


class _Loader(jinja2.BaseLoader):
    """Reads templates through importlib.resources, so they load from a wheel, a zip or a source tree alike."""

    def get_source(self, environment, name):
        path = template_root().joinpath(name)
        if not path.is_file():
            raise jinja2.TemplateNotFound(name)
        return path.read_text(encoding="utf-8"), None, lambda: True


_TICKS = re.compile(r"`([^`]+)`")


def code_markup(text: str) -> Markup:
    """Escape `text`, then turn `backticked` PyTorch names into <code> elements."""
    return Markup(_TICKS.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_Loader(), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["code"] = code_markup
    return env


# --- context ------------------------------------------------------------------------------------

_SHORTCUTS = {"A": "A: zero-padded identity", "B": "B: projection where the shape changes",
              "C": "C: projection in every block"}
_STEMS = {"imagenet": "ImageNet: 7×7/2 conv + 3×3/2 max-pool", "cifar": "CIFAR: 3×3/1 conv, no max-pool"}


def _facts(trace: Trace) -> list[tuple[str, str]]:
    t, spec = trace.totals, trace.model
    batch = trace.input_shape[0]
    out = [("Model", trace.model_name)]
    if spec is not None:
        per_stage = ", ".join(str(n) for n in spec.layers)
        out += [
            ("Layers", f"{spec.layer_count} weighted layers; blocks per stage {per_stage}"),
            ("Block", f"{spec.block} (expansion {spec.expansion})"),
            ("Variant", spec.variant),
            ("Shortcut", _SHORTCUTS.get(spec.shortcut, spec.shortcut)),
            ("Stem", _STEMS.get(spec.stem, spec.stem)),
            ("Classes", fmt.thousands(spec.num_classes)),
        ]
    out += [
        ("Input", f"{fmt.input_size(trace.input_shape)} (batch {batch}, {trace.dtype})"),
        ("Parameters", f"{fmt.thousands(t.params)} ({fmt.compact(t.params)}; trainable {fmt.thousands(t.trainable_params)})"),
        ("Multiply-adds", f"{fmt.compact(t.macs)} (FLOPs = 2 × MACs = {fmt.compact(2 * t.macs)})"),
        ("Activation memory", f"{fmt.bytes_(t.activation_bytes)} (every op's output, {trace.dtype}); "
                              f"weights {fmt.bytes_(t.param_bytes)}"),
        ("Traced on", trace.provenance.device or "unknown device"),
        ("Traced with", f"torch {trace.provenance.torch_version or '?'}, "
                        f"resnet-viz {trace.provenance.resnet_viz_version or '?'}"),
    ]
    if trace.uncounted:
        out.append(("Not counted", ", ".join(trace.uncounted)))
    return out


def _band(section: Section, stage_index: int | None) -> str:
    if section is Section.STAGE and stage_index is not None:
        return f"band-{stage_index % len(palette.STAGES)}"
    return f"band-{section.value}"


def _bands() -> list[dict]:
    named = [("band-stem", palette.STEM), ("band-head", palette.HEAD)]
    named += [(f"band-{i}", c) for i, c in enumerate(palette.STAGES)]
    return [{"cls": cls, "fill": c.fill, "stroke": c.stroke, "light": c.light} for cls, c in named]


def _size(shape) -> str:
    return fmt.spatial(shape) if len(shape) == 4 else fmt.volume(shape)


def _note(op: Op, downs: set[str]) -> tuple[str, str]:
    """(text, css class) of the mark column: downsampling ops, shortcuts, the residual add."""
    if op.id in downs or (op.section is Section.STEM and shrinks(op)):
        return f"↓ stride {fmt.scalar_pair(op.stride)}" if op.stride else "↓", "mark-down"
    if op.path is Path.SHORTCUT:
        return ("zero-pad (A)" if op.kind is OpKind.ZEROPAD else "projection"), "mark-short"
    if op.path is Path.JOIN:
        return "residual add", "mark-join"
    return "", ""


def _row(trace: Trace, op: Op, downs: set[str]) -> dict:
    note, note_cls = _note(op, downs)
    return {
        "paper": paper_name(trace, op),
        "id": op.id,
        "kind": op.kind.value,
        "stride": fmt.scalar_pair(op.stride),
        "input": _size(op.input_shape),
        "output": _size(op.output_shape),
        "kernel": fmt.pair(op.kernel_size),
        "padding": fmt.scalar_pair(op.padding),
        "channels": str(fmt.channels(op.output_shape)),
        "params": fmt.thousands(op.params) if op.params else "–",
        "macs": fmt.compact(op.macs) if op.macs else "–",
        "macs_exact": fmt.thousands(op.macs),
        "note": note,
        "cls": " ".join(c for c in (f"path-{op.path.value}" if op.path else "", note_cls) if c),
    }


def _layer_sections(trace: Trace) -> list[dict]:
    """Stem, each stage, head: one collapsible table each, blocks as row groups with subtotals."""
    downs = {op.id for op in (downsampling_op(trace, s) for s in trace.stages) if op is not None}
    sections: list[dict] = []
    current = None
    for g in groups(trace):
        key = g.stage.id if g.stage is not None else g.section.value
        if current is None or current["key"] != key:
            if g.stage is not None:
                s = g.stage
                title = f"{s.paper_name} · {s.id}"
                count = "1 block" if len(s.blocks) == 1 else f"{len(s.blocks)} blocks"
                detail = f"{count} · {fmt.volume(s.input_shape)} → {fmt.volume(s.output_shape)}"
                band = _band(Section.STAGE, s.index)
            else:
                names = ", ".join(o.id for o in g.ops if o.kind is not OpKind.FLATTEN)
                title = "conv1 · stem" if g.section is Section.STEM else f"head · {names}"
                detail = f"{fmt.volume(g.ops[0].input_shape)} → {fmt.volume(g.ops[-1].output_shape)}"
                band = _band(g.section, None)
            current = {"key": key, "anchor": f"layers-{key}", "title": title, "detail": detail, "band": band,
                       "blocks": [], "params_n": 0, "macs_n": 0}
            sections.append(current)
        block = None
        if g.block is not None:
            b = g.block
            shortcut = "zero-pad (option A)" if b.shortcut.value == "zeropad" else b.shortcut.value
            block = {"id": b.id, "title": f"{b.id} · {b.kind} block, {shortcut} shortcut",
                     "shape": f"{fmt.volume(b.input_shape)} → {fmt.volume(b.output_shape)}"}
        current["blocks"].append({
            "block": block, "rows": [_row(trace, o, downs) for o in g.ops],
            "params": fmt.thousands(g.params), "macs": fmt.compact(g.macs), "macs_exact": fmt.thousands(g.macs),
        })
        current["params_n"] += g.params
        current["macs_n"] += g.macs
    for s in sections:
        s["params"] = fmt.thousands(s.pop("params_n"))
        macs = s.pop("macs_n")
        s["macs"], s["macs_exact"] = fmt.compact(macs), fmt.thousands(macs)
    return sections


def _row_band(key: str, stage_index: int | None) -> str:
    """Table 1 rows share the per-layer table's colours: stem, each stage, head; count rows stay plain."""
    if stage_index is not None:
        return _band(Section.STAGE, stage_index)
    return {"conv1": "band-stem", "head": "band-head"}.get(key, "")


def _leg_band(leg: journey.Leg) -> str:
    if leg.stage_index is not None:
        return _band(Section.STAGE, leg.stage_index)
    return f"band-{leg.section}"


def _table1(trace: Trace) -> list[dict]:
    return [{"row": r, "band": _row_band(r.key, r.stage_index)} for r in paper.table1(trace)]


def _comparison(comp: paper.Comparison) -> list[dict]:
    """Rows of the side-by-side table; identical neighbouring cells merge into one (as the paper prints them)."""
    rows = []
    for i, key in enumerate(comp.keys):
        cells: list[dict] = []
        for j, cell in enumerate(comp.cells[i]):
            if cells and cells[-1]["cell"] == cell and comp.kinds[i] == "layer":
                cells[-1]["span"] += 1
                cells[-1]["current"] = False  # a merged cell belongs to no single column
            else:
                cells.append({"cell": cell, "span": 1, "current": j == comp.current})
        band = _row_band(key, comp.stage_indices[i])
        rows.append({"key": key, "name": comp.names[i], "size": comp.output_sizes[i], "cells": cells, "band": band})
    return rows


def _figure_groups(figures: Sequence[InlineFigure]) -> list[dict]:
    """Consecutive figures of one group (network, stem, a stage) under one heading, in the caller's order."""
    out: list[dict] = []
    for f in figures:
        if not out or out[-1]["title"] != f.group:
            band = _band(Section.STAGE, f.stage_index) if f.stage_index is not None else ""
            out.append({"title": f.group, "band": band, "anchor": f"diagrams-{len(out)}", "figures": []})
        out[-1]["figures"].append(f)
    return out


def _toc(sections: list[dict], has_comparison: bool, has_figures: bool) -> list[dict]:
    items = [{"href": "#model", "label": "Model"}, {"href": "#table1", "label": "Table 1"}]
    if has_comparison:
        items.append({"href": "#depths", "label": "Depths side by side"})
    items += [{"href": "#journey", "label": "Volume journey"}, {"href": "#explained", "label": "Explained"}]
    if has_figures:
        items.append({"href": "#diagrams", "label": "Diagrams"})
    items.append({"href": "#layers", "label": "Every layer",
                  "children": [{"href": f"#{s['anchor']}", "label": s["title"].split(" · ")[0], "band": s["band"]}
                               for s in sections]})
    return items


def report_context(trace: Trace, *, comparison: paper.Comparison | None = None,
                   figures: Sequence[InlineFigure] = (), links: Sequence[Link] = ()) -> dict:
    """Everything the template shows, as plain strings and lists (all numbers already formatted by fmt)."""
    sections = _layer_sections(trace)
    return {
        "title": f"{trace.model_name} · {fmt.input_size(trace.input_shape)}",
        "trace": trace,
        "facts": _facts(trace),
        "bands": _bands(),
        "toc": _toc(sections, comparison is not None, bool(figures or links)),
        "table1": _table1(trace),
        "table1_caption": paper.table1_caption(trace),
        "column": paper.column_title(trace),
        "comparison": comparison,
        "comparison_rows": _comparison(comparison) if comparison is not None else [],
        "comparison_caption": paper.comparison_caption(comparison, trace) if comparison is not None else "",
        "chain": journey.journey_chain(trace),
        "legs": [{"leg": leg, "band": _leg_band(leg)} for leg in journey.journey(trace)],
        "journey_caption": journey.journey_caption(trace),
        "rounding": journey.rounding_note(trace),
        "layers_caption": explain.layers_caption(trace),
        "notes": explain.explanations(trace),
        "figures": list(figures),
        "figure_groups": _figure_groups(figures),
        "links": list(links),
        "sections": sections,
        "totals": {"params": fmt.thousands(trace.totals.params), "macs": fmt.compact(trace.totals.macs),
                   "macs_exact": fmt.thousands(trace.totals.macs)},
    }


def render_html(trace: Trace, *, comparison: paper.Comparison | None = None,
                figures: Sequence[InlineFigure] = (), links: Sequence[Link] = ()) -> str:
    """The report page for `trace`; `comparison`, `figures` and `links` are optional parts prepared by the caller."""
    context = report_context(trace, comparison=comparison, figures=figures, links=links)
    return environment().get_template(TEMPLATE).render(context)
