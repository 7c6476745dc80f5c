"""The report's per-layer tables as template context: one collapsible section per stem, stage and head, blocks as
row groups with subtotals, and the colour band each section (and each Table 1 row) shares with the drawings."""

from __future__ import annotations

from .. import fmt, palette
from ..schema import Section, Trace
from ..views.figures import safe_name
from ..views.groups import has_paper_names, stem_paper_name
from ..views.layers import LayerRow, layer_rows, rf_text
from ..views.words import block_name, plural, shortcut_name


def band(section: Section | str, stage_index: int | None = None) -> str:
    if stage_index is not None:
        return f"band-{stage_index % len(palette.STAGES)}"
    value = section.value if isinstance(section, Section) else section
    return f"band-{value}" if value in ("stem", "head") else ""


def bands() -> list[dict]:
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
        "ms": f"{r.ms:.2f}" if r.ms is not None else "",
        "rf_detail": "" if r.rf is None else (f"receptive field {fmt.pair(r.rf.size)}, stride "
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
    title = {Section.STEM: f"{stem_paper_name(trace)} · stem" if has_paper_names(trace) else "stem", Section.HEAD: f"head · {names}",
             Section.PLAIN: "every op", Section.UNPLACED: "not placed"}[g.section]
    return (g.section.value, title, f"{fmt.volume(g.ops[0].input)} → {fmt.volume(g.ops[-1].output)}",
            band(g.section))


def layer_sections(trace: Trace) -> list[dict]:
    """Stem, each stage, head: one collapsible table each, blocks as row groups with subtotals."""
    sections: list[dict] = []
    current: dict | None = None
    block_seen: dict | None = None
    anchors: set[str] = set()
    for r in layer_rows(trace):
        key, title, detail, colour = _section_head(trace, r)
        if current is None or current["key"] != key:
            anchor = f"layers-{safe_name(key)}"
            while anchor in anchors:  # two ids that differ only in characters an anchor cannot hold
                anchor += "-"
            anchors.add(anchor)
            current = {"key": key, "anchor": anchor, "title": title, "detail": detail, "band": colour,
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


def row_band(key: str, stage_index: int | None) -> str:
    """Table 1 rows share the per-layer table's colours: stem, each stage, head; count rows stay plain."""
    if stage_index is not None:
        return band(Section.STAGE, stage_index)
    return {"conv1": "band-stem", "head": "band-head"}.get(key, "")
