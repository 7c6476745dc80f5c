"""The report's analysis sections as template context: what each stage sees, memory, FLOPs reconciled, time."""

from __future__ import annotations

from dataclasses import replace

from markupsafe import Markup

from .. import fmt
from ..schema import Trace
from ..views.budget import Figure, at_batches, memory_report
from ..views.conventions import FlopsTable, tool_counts
from ..views.receptive import Seen
from ..views.timing import time_summary
from .charts import memory_chart_svg


def seen_row(trace: Trace, s: Seen) -> dict:
    if s.field is None:
        return {"name": s.name, "volume": fmt.volume(s.volume), "size": "unknown", "stride": "", "start": "",
                "centre": "", "note": "an op of unknown geometry comes first"}
    f = s.field
    if not s.volume.is_map:
        return {"name": s.name, "volume": fmt.volume(s.volume), "size": "the whole input", "stride": "", "start": "",
                "centre": fmt.pair(trace.input.spatial), "note": "every output reads every position of the map before it"}
    assert s.centre is not None
    (r0, r1), (c0, c1) = s.centre
    note = "larger than the input: the centre position sees all of it" if s.covers else ""
    return {"name": s.name, "volume": fmt.volume(s.volume), "size": fmt.pair(f.size),
            "stride": fmt.scalar_pair(f.stride), "start": f"({f.start[0]}, {f.start[1]})",
            "centre": f"rows {r0}–{r1}, columns {c0}–{c1} ({r1 - r0 + 1}×{c1 - c0 + 1})", "note": note}


def flops_section(trace: Trace, table: FlopsTable | None) -> dict:
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


def time_section(trace: Trace) -> dict | None:
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


def memory_section(trace: Trace) -> dict:
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
