"""The HTML report as one self-contained page: plain data from the trace, laid out by jinja2 templates only."""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib.abc import Traversable
from pathlib import Path as FsPath
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .. import fmt, palette
from ..schema import Section, Trace
from ..views import explain, journey, paper
from ..views.budget import Figure, at_batches, memory_report
from ..views.conventions import FlopsTable, tool_counts
from ..views.groups import has_paper_names
from ..views.layers import LayerRow, layer_rows, rf_text
from ..views.receptive import Seen, seen
from ..views.timing import time_summary
from ..views.words import block_name, plural, shortcut_name
from .charts import memory_chart_svg

TEMPLATE_PACKAGE = "resnet_viz.templates"
TEMPLATE = "report.html.j2"


@dataclass(frozen=True)
class InlineFigure:
    """An SVG drawn into the page, with the words around it."""

    anchor: str
    title: str
    caption: str
    svg: Markup
    level: str  # "network" | "stage" | "block" | "op"
    kind: str = "volumes"  # "volumes" | "graph"
    group: str = ""  # figures with the same group are shown together, in the order given
    stage_index: int | None = None


@dataclass(frozen=True)
class Link:
    """A file of the report folder the page points to (graph sources when Graphviz is not installed)."""

    href: str
    label: str
    note: str = ""


def template_root() -> Traversable:
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

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, None, Any]:
        path = template_root().joinpath(template)
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        return path.read_text(encoding="utf-8"), None, lambda: True


_TICKS = re.compile(r"`([^`]+)`")


def code_markup(text: str) -> Markup:
    """Escape `text`, then turn `backticked` PyTorch names into <code> elements."""
    return Markup(_TICKS.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=_Loader(), autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["code"] = code_markup
    return env


# --- context ------------------------------------------------------------------------------------

_SHORTCUTS = {"A": "A: zero-padded identity", "B": "B: projection where the shape changes",
              "C": "C: projection in every block"}
_STEMS = {"imagenet": "ImageNet: 7×7/2 conv + 3×3/2 max-pool", "cifar": "CIFAR: 3×3/1 conv, no max-pool"}


def _facts(trace: Trace) -> list[tuple[str, str]]:
    t, spec, n = trace.totals, trace.model, trace.batch
    out = [("Model", trace.model_name)]
    if spec is not None:
        per_stage = ", ".join(str(x) for x in spec.layers)
        block = f"{'pre-activation ' if spec.preact else ''}{spec.block} (expansion {spec.expansion})"
        if spec.groups > 1 or spec.width_per_group != 64:
            block += f", {spec.groups} groups × {spec.width_per_group} channels"
        out += [("Layers", f"{spec.layer_count} weighted layers; blocks per stage {per_stage}"), ("Block", block),
                ("Variant", spec.variant), ("Shortcut", _SHORTCUTS.get(spec.shortcut, spec.shortcut)),
                ("Stem", _STEMS.get(spec.stem, spec.stem)), ("Classes", fmt.thousands(spec.num_classes))]
    elif trace.source != "built-in":
        out.append(("Source", "an nn.Module passed to trace()" if trace.source == "python" else f"--model {trace.source}"))
        if trace.stages:
            found = ", ".join(str(len(s.blocks)) for s in trace.stages)
            out.append(("Found", f"{plural(len(trace.blocks), 'residual block')} in "
                                 f"{plural(len(trace.stages), 'stage')} ({found}), read from the graph"))
    per = f" per image; {fmt.compact(t.macs)} for the batch of {n}" if n > 1 else " per image"
    p = trace.provenance
    where = p.device or "an unknown device"
    if p.device_name:
        where += f" ({p.device_name})"
    if p.note:
        where += f": {p.note}"
    out += [
        ("Input", f"{fmt.volume(trace.input)} (batch {n}, {trace.dtype})"),
        ("Parameters", f"{fmt.thousands(t.params)} ({fmt.compact(t.params)}; trainable "
                       f"{fmt.thousands(t.trainable_params)})"),
        ("Multiply-adds", f"{fmt.compact(t.macs // n)}{per} (FLOPs = 2 × MACs)"),
        ("Activation memory", f"{fmt.bytes_(t.activation_bytes)} for the batch (every op's output, {trace.dtype}); "
                              f"weights {fmt.bytes_(t.param_bytes)}"),
        ("Traced on", where),
        ("Traced with", f"torch {p.torch_version or '?'}, resnet-viz {p.resnet_viz_version or '?'}"),
    ]
    if trace.uncounted:
        out.append(("Not counted", ", ".join(trace.uncounted)))
    if trace.unplaced:
        out.append(("Not placed", ", ".join(trace.unplaced)))
    return out


def band(section: Section | str, stage_index: int | None = None) -> str:
    if stage_index is not None:
        return f"band-{stage_index % len(palette.STAGES)}"
    value = section.value if isinstance(section, Section) else section
    return f"band-{value}" if value in ("stem", "head") else ""


def _bands() -> list[dict]:
    named = [("band-stem", palette.STEM), ("band-head", palette.HEAD)]
    named += [(f"band-{i}", c) for i, c in enumerate(palette.STAGES)]
    return [{"cls": cls, "fill": c.fill, "stroke": c.stroke, "light": c.light} for cls, c in named]


def _row(r: LayerRow) -> dict:
    op = r.op
    kernel = fmt.pair(op.kernel_size) + (f" g={op.groups}" if op.groups and op.groups > 1 else "")
    formula = "" if r.formula is None else (
        f"height: {r.formula[0]}" if r.formula[0] == r.formula[1] and op.input.height == op.input.width
        else f"height: {r.formula[0]}; width: {r.formula[1]}")
    return {
        "paper": r.paper, "id": op.id, "kind": op.kind.value, "stride": fmt.scalar_pair(op.stride),
        "in_channels": fmt.integer(op.input.channels), "input": fmt.size(op.input), "output": fmt.size(op.output),
        "kernel": kernel, "padding": fmt.scalar_pair(op.padding), "channels": fmt.integer(op.output.channels),
        "params": fmt.thousands(op.params) if op.params else "–", "macs": fmt.compact(op.macs) if op.macs else "–",
        "macs_exact": fmt.thousands(op.macs), "formula": formula, "note": r.mark, "rf": rf_text(r.rf),
        "ms": f"{r.ms:.2f}" if r.ms is not None else "", "share": "",
        "rf_detail": "" if r.rf is None else (f"receptive field {r.rf.size[0]}×{r.rf.size[1]}, stride "
                                              f"{fmt.scalar_pair(r.rf.stride)}, first window from ({r.rf.start[0]}, "
                                              f"{r.rf.start[1]})"),
        "cls": " ".join(c for c in (f"path-{op.path.value}" if op.path else "",
                                    f"mark-{r.mark_kind}" if r.mark_kind else "") if c),
    }


def _section_head(trace: Trace, r: LayerRow) -> tuple[str, str, str, str]:
    """(key, title, detail, band) of the collapsible section a row's group belongs to."""
    g = r.group
    if g.stage is not None:
        s = g.stage
        title = f"{s.paper_name} · {s.id}" if s.paper_name else s.id
        return (s.id, title, f"{plural(len(s.blocks), 'block')} · {fmt.volume(s.input)} → {fmt.volume(s.output)}",
                band(Section.STAGE, s.index))
    names = ", ".join(o.id for o in g.ops if o.kind.value not in ("flatten", "reshape"))
    title = {Section.STEM: "conv1 · stem" if has_paper_names(trace) else "stem", Section.HEAD: f"head · {names}",
             Section.PLAIN: "every op", Section.UNPLACED: "not placed"}[g.section]
    return (g.section.value, title, f"{fmt.volume(g.ops[0].input)} → {fmt.volume(g.ops[-1].output)}",
            band(g.section))


def _layer_sections(trace: Trace) -> list[dict]:
    """Stem, each stage, head: one collapsible table each, blocks as row groups with subtotals."""
    sections: list[dict] = []
    current: dict | None = None
    block_seen: dict | None = None
    for r in layer_rows(trace):
        key, title, detail, colour = _section_head(trace, r)
        if current is None or current["key"] != key:
            current = {"key": key, "anchor": f"layers-{key}", "title": title, "detail": detail, "band": colour,
                       "blocks": [], "params_n": 0, "macs_n": 0}
            sections.append(current)
            block_seen = None
        b = r.group.block
        if block_seen is None or block_seen["group"] is not r.group:
            header = None
            if b is not None:
                header = {"id": b.id, "title": f"{b.id} · {block_name(b.kind, b.preact)} block, "
                                               f"{shortcut_name(b.shortcut)} shortcut",
                          "shape": f"{fmt.volume(b.input)} → {fmt.volume(b.output)}"}
            block_seen = {"group": r.group, "block": header, "rows": [], "params": fmt.thousands(r.group.params),
                          "macs": fmt.compact(r.group.macs), "macs_exact": fmt.thousands(r.group.macs)}
            current["blocks"].append(block_seen)
            current["params_n"] += r.group.params
            current["macs_n"] += r.group.macs
        block_seen["rows"].append(_row(r))
    for s in sections:
        for b in s["blocks"]:
            b.pop("group")
        s["params"] = fmt.thousands(s.pop("params_n"))
        macs = s.pop("macs_n")
        s["macs"], s["macs_exact"] = fmt.compact(macs), fmt.thousands(macs)
    return sections


def _row_band(key: str, stage_index: int | None) -> str:
    """Table 1 rows share the per-layer table's colours: stem, each stage, head; count rows stay plain."""
    if stage_index is not None:
        return band(Section.STAGE, stage_index)
    return {"conv1": "band-stem", "head": "band-head"}.get(key, "")


def _comparison(comp: paper.Comparison) -> list[dict]:
    """Rows of the side-by-side table; identical neighbouring cells merge into one (as the paper prints them); a
    merged cell that includes the report's own column is marked as part of it."""
    rows = []
    for i, key in enumerate(comp.keys):
        cells: list[dict] = []
        for j, cell in enumerate(comp.cells[i]):
            if cells and cells[-1]["cell"] == cell and comp.kinds[i] == "layer":
                cells[-1]["span"] += 1
                cells[-1]["current"] = cells[-1]["current"] or j == comp.current
            else:
                cells.append({"cell": cell, "span": 1, "current": j == comp.current})
        rows.append({"key": key, "name": comp.names[i], "size": comp.output_sizes[i], "cells": cells,
                     "band": _row_band(key, comp.stage_indices[i])})
    return rows


def _figure_groups(figures: Sequence[InlineFigure]) -> list[dict]:
    """Consecutive figures of one group (network, stem, a stage) under one heading, in the caller's order."""
    out: list[dict] = []
    for f in figures:
        if not out or out[-1]["title"] != f.group:
            colour = band(Section.STAGE, f.stage_index) if f.stage_index is not None else ""
            out.append({"title": f.group, "band": colour, "anchor": f"diagrams-{len(out)}", "figures": []})
        out[-1]["figures"].append(f)
    return out


def _toc(sections: list[dict], parts: dict[str, bool]) -> list[dict]:
    items: list[dict] = [{"href": "#model", "label": "Model"}]
    for key, label in (("table1", "Table 1"), ("depths", "Depths side by side"), ("journey", "Volume journey"),
                       ("receptive", "What each stage sees"), ("memory", "Memory"), ("flops", "FLOPs, reconciled"),
                       ("time", "Where the time goes"),
                       ("explained", "Explained"), ("diagrams", "Diagrams")):
        if parts.get(key):
            items.append({"href": f"#{key}", "label": label})
    items.append({"href": "#layers", "label": "Every layer",
                  "children": [{"href": f"#{s['anchor']}", "label": s["title"].split(" · ")[0], "band": s["band"]}
                               for s in sections]})
    return items


def _seen_row(trace: Trace, s: Seen) -> dict:
    h, w = trace.input.spatial
    if s.field is None:
        return {"name": s.name, "volume": fmt.volume(s.volume), "size": "unknown", "stride": "", "start": "",
                "centre": "", "note": "an op of unknown geometry comes first"}
    f = s.field
    if not s.volume.is_map:
        return {"name": s.name, "volume": fmt.volume(s.volume), "size": "the whole input", "stride": "", "start": "",
                "centre": f"{h}×{w}", "note": "every output reads every position of the map before it"}
    assert s.centre is not None
    (r0, r1), (c0, c1) = s.centre
    note = "larger than the input: the centre position sees all of it" if s.covers else ""
    return {"name": s.name, "volume": fmt.volume(s.volume), "size": f"{f.size[0]}×{f.size[1]}",
            "stride": fmt.scalar_pair(f.stride), "start": f"({f.start[0]}, {f.start[1]})",
            "centre": f"rows {r0}–{r1}, columns {c0}–{c1} ({r1 - r0 + 1}×{c1 - c0 + 1})", "note": note}


def _flops(trace: Trace, table: FlopsTable | None) -> dict:
    tools = table.tools if table is not None else tool_counts(trace)
    ours = [] if table is None else [
        {"configs": " = ".join(g.configs), "macs": fmt.compact(g.macs), "flops": fmt.compact(2 * g.macs),
         "percent": f"{g.percent:+.1f} %", "exact": fmt.thousands(g.macs)} for g in table.ours]
    n = trace.batch
    return {
        "published": fmt.paper_power(table.published) if table else "", "depth": table.depth if table else None,
        "summary": table.summary if table else "", "ours": ours, "batch": n,
        "tools": [{"source": c.source, "name": c.name, "per_image": fmt.compact(c.per_image),
                   "exact": fmt.thousands(c.per_image), "printed": fmt.compact(c.printed), "reason": c.reason}
                  for c in tools],
    }


def _time(trace: Trace) -> dict | None:
    summary = time_summary(trace)
    if summary is None:
        return None
    t = summary.timing
    top = max((o.ms for o in summary.ops), default=1.0) or 1.0
    return {"device": t.device, "name": trace.provenance.device_name, "threads": t.threads, "repeats": t.repeats,
            "warmup": t.warmup, "whole": fmt.milliseconds(summary.whole_ms),
            "total": fmt.milliseconds(summary.total_ms), "gap": fmt.percent(summary.gap, signed=True),
            "slowest": [{"op": o.op, "ms": f"{o.ms:.2f}", "share": fmt.percent(o.share),
                         "width": f"{100 * o.ms / top:.1f}"} for o in summary.slowest(12)]}


def _figure(f: Figure) -> dict:
    return {"name": f.name, "bytes": fmt.bytes_(f.bytes), "exact": fmt.thousands(f.bytes), "source": f.source}


def _memory(trace: Trace) -> dict:
    report = memory_report(trace)
    t = report.training
    peak = replace(report.activation_peak, name=f"activations alive at the peak (during {report.peak_op})")
    inference = [report.weights, report.input, peak, report.inference_peak]
    if report.cuda_peak is not None:
        inference.append(report.cuda_peak)
    training = [t.weights, t.gradients, t.sgd_momentum, t.adam, t.saved_activations, t.train_mode_extra]
    totals = [t.total("sgd_momentum"), t.total("adam")]
    return {"inference": [_figure(f) for f in inference], "training": [_figure(f) for f in training],
            "totals": [_figure(f) for f in totals], "batch": trace.batch,
            "batches": [{"batch": b.batch, "current": b.batch == trace.batch, "inference": fmt.bytes_(b.inference_peak),
                         "sgd": fmt.bytes_(b.training_sgd_momentum), "adam": fmt.bytes_(b.training_adam)}
                        for b in at_batches(trace, report)],
            "inexact": ", ".join(report.inexact), "chart": Markup(memory_chart_svg(trace, report))}


def left_out(trace: Trace) -> str:
    """The one visible line saying why the paper's views are missing, when they are."""
    if has_paper_names(trace):
        return ""
    if not trace.stages:
        return ("Table 1, the depths side by side and the residual explanations are left out: the traced graph "
                "shows no residual block (no addition joins a fork).")
    return ("Table 1 and the depths side by side are left out: the graph shows residual stages but no stem "
            "convolution before them, so the paper's layer names do not apply.")


def report_context(trace: Trace, *, comparison: paper.Comparison | None = None, flops: FlopsTable | None = None,
                   figures: Sequence[InlineFigure] = (), links: Sequence[Link] = ()) -> dict:
    """Everything the template shows, as plain strings and lists (all numbers already formatted by fmt)."""
    sections = _layer_sections(trace)
    table1 = [{"row": r, "band": _row_band(r.key, r.stage_index)} for r in paper.table1(trace)]
    legs = journey.journey(trace)
    seen_rows = [_seen_row(trace, s) for s in seen(trace)]
    rf_figure = next((f for f in figures if "-rf-" in f.anchor), None)
    parts = {"table1": bool(table1), "depths": comparison is not None, "journey": bool(legs), "explained": True,
             "receptive": bool(seen_rows), "memory": True, "flops": True, "time": trace.measured.timing is not None,
             "diagrams": bool(figures or links)}
    return {
        "title": f"{trace.model_name} · {fmt.volume(trace.input)}",
        "trace": trace,
        "input": fmt.volume(trace.input),
        "facts": _facts(trace),
        "bands": _bands(),
        "toc": _toc(sections, parts),
        "left_out": left_out(trace),
        "table1": table1,
        "table1_caption": paper.table1_caption(trace),
        "column": paper.column_title(trace),
        "comparison": comparison,
        "comparison_rows": _comparison(comparison) if comparison is not None else [],
        "comparison_caption": paper.comparison_caption(comparison, trace) if comparison is not None else "",
        "chain": journey.journey_chain(trace),
        "legs": [{"leg": leg, "band": band(leg.section, leg.stage_index)} for leg in legs],
        "journey_caption": journey.journey_caption(trace),
        "rounding": journey.rounding_note(trace),
        "layers_caption": explain.layers_caption(trace),
        "layers_legend": explain.layers_legend(trace),
        "receptive_intro": explain.receptive_intro(trace),
        "notes": explain.explanations(trace),
        "seen": seen_rows,
        "rf_figure": rf_figure,
        "flops": _flops(trace, flops),
        "time": _time(trace),
        "memory": _memory(trace),
        "figures": list(figures),
        "figure_groups": _figure_groups(figures),
        "links": list(links),
        "sections": sections,
        "totals": {"params": fmt.thousands(trace.totals.params), "macs": fmt.compact(trace.totals.macs),
                   "macs_exact": fmt.thousands(trace.totals.macs),
                   "per": "per image" if trace.batch == 1 else f"for the batch of {trace.batch}"},
    }


def render_html(trace: Trace, *, comparison: paper.Comparison | None = None, flops: FlopsTable | None = None,
                figures: Sequence[InlineFigure] = (), links: Sequence[Link] = ()) -> str:
    """The report page for `trace`; `comparison`, `flops`, `figures` and `links` are parts prepared by the caller."""
    context = report_context(trace, comparison=comparison, flops=flops, figures=figures, links=links)
    return environment().get_template(TEMPLATE).render(context)
