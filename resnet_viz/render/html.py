"""The HTML report as one self-contained page: plain data from the trace, laid out by jinja2 templates only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from .. import fmt
from ..schema import Section, Trace
from ..views import explain, journey, paper
from ..views.conventions import FlopsTable
from ..views.groups import has_paper_names
from ..views.receptive import seen
from ..views.words import plural
from .report_analyses import flops_section, memory_section, seen_row, time_section
from .report_layers import band, bands, layer_sections, row_band
from .template import TEMPLATE, environment


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


def _comparison(comp: paper.Comparison) -> list[dict]:
    """Rows of the side-by-side table; identical neighbouring cells merge into one (as the paper prints them), except
    across the report's own column, which keeps a cell of its own in every row so it reads as one whole column."""
    rows = []
    for i, key in enumerate(comp.keys):
        cells: list[dict] = []
        for j, cell in enumerate(comp.cells[i]):
            if (cells and cells[-1]["cell"] == cell and comp.kinds[i] == "layer" and not cells[-1]["current"]
                    and j != comp.current):
                cells[-1]["span"] += 1
            else:
                cells.append({"cell": cell, "span": 1, "current": j == comp.current})
        rows.append({"key": key, "name": comp.names[i], "size": comp.output_sizes[i], "cells": cells,
                     "band": row_band(key, comp.stage_indices[i])})
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
    sections = layer_sections(trace)
    table1 = [{"row": r, "band": row_band(r.key, r.stage_index)} for r in paper.table1(trace)]
    legs = journey.journey(trace)
    seen_rows = [seen_row(trace, s) for s in seen(trace)]
    rf_figure = next((f for f in figures if "-rf-" in f.anchor), None)
    parts = {"table1": bool(table1), "depths": comparison is not None, "journey": bool(legs), "explained": True,
             "receptive": bool(seen_rows), "memory": True, "flops": True, "time": trace.measured.timing is not None,
             "diagrams": bool(figures or links)}
    return {
        "title": f"{trace.model_name} · {fmt.volume(trace.input)}",
        "trace": trace,
        "input": fmt.volume(trace.input),
        "facts": _facts(trace),
        "bands": bands(),
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
        "flops": flops_section(trace, flops),
        "time": time_section(trace),
        "memory": memory_section(trace),
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
