"""Which drawings exist for a trace: a Figure names a view, a level and a selection, validated, with its words.

`resolve` turns what a user typed (a stage, block or op id, or a paper name such as conv4_x) into the canonical id
once; every route (CLI, report, embeds, notebook) then names, titles and captions the figure the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidOption, choice
from ..options import Level, View, parse_choice
from ..schema import OpKind, Path, Trace
from .captions import describe
from .memo import per_trace
from .receptive import illustrative_stage


@dataclass(frozen=True)
class Figure:
    """One drawing of a trace: what to draw (view, level, select) and how to name, title and caption it."""

    name: str  # 'volumes-block-layer2.0': a file name without suffix
    view: View
    level: Level
    select: str | None
    title: str
    caption: str
    rf: str | None = None  # a stage whose receptive field the network drawing shows on the input


def safe_name(text: str) -> str:
    """An id as a file name: 'layer2.0.downsample.0' stays, 'relu#2' → 'relu-2'."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "unnamed"


def _listed(ids: list[str], limit: int = 16) -> list[str]:
    """The valid choices for an error message, shortened for deep networks."""
    return ids if len(ids) <= limit else [*ids[: limit - 4], "…", *ids[-3:]]


def resolve(trace: Trace, level: Level, select: str | None) -> str | None:
    """The canonical stage/block/op id for `select` at `level` (its default when None); InvalidOption otherwise."""
    if select is not None and not isinstance(select, str):
        raise InvalidOption(f"invalid selection {select!r} (must be a stage, block or op id)")
    if level is Level.NETWORK:
        if select is not None:
            raise InvalidOption("--select picks a stage, block or op; the network level draws everything "
                                "(drop --select, or choose --level stage, block or op)")
        return None
    if level in (Level.STAGE, Level.BLOCK) and not trace.stages:
        raise InvalidOption(f"this network has no residual {level.value}s (the graph shows no residual block); "
                            "choose --level network or op")
    if level is Level.STAGE:
        ids = [s.id for s in trace.stages]
        by_paper = {s.paper_name: s.id for s in trace.stages if s.paper_name}
        if select is None:
            return ids[0]
        if select in ids or select in by_paper:
            return by_paper.get(select, select)
        raise choice("stage", select, ids + list(by_paper))
    if level is Level.BLOCK:
        ids = [b.id for b in trace.blocks]
        if select is None:
            return ids[0]
        if select in ids:
            return select
        raise choice("block", select, _listed(ids))
    ids = [o.id for o in trace.ops]
    if select is None:
        return trace.stem[0] if trace.stem else ids[0]
    if select in ids:
        return select
    raise choice("op", select, _listed(ids))


def figure(trace: Trace, view: View | str = View.VOLUMES, level: Level | str = Level.NETWORK,
           select: str | None = None, rf: str | None = None) -> Figure:
    """The Figure for a view/level/select, validated, with its file name, title and caption; `rf` (a stage id or
    paper name) marks that stage's receptive field on the input of the network's volume drawing."""
    view = parse_choice(View, view, "view")
    level = parse_choice(Level, level, "level")
    sel = resolve(trace, level, select)
    stage = None
    if rf is not None:
        if view is not View.VOLUMES or level is not Level.NETWORK:
            raise InvalidOption("--rf marks a stage's receptive field on the network's volume drawing (use "
                                "--view volumes --level network)")
        stage = resolve(trace, Level.STAGE, rf)
    name = safe_name(f"{view.value}-{level.value}" + (f"-{sel}" if sel else "") + (f"-rf-{stage}" if stage else ""))
    title, caption = describe(trace, level, sel, rf=stage)
    return Figure(name, view, level, sel, title, caption, stage)


@per_trace
def standard_figures(trace: Trace) -> tuple[Figure, ...]:
    """What a report draws: the network (volumes and graph), the stem's strided ops, every stage (volumes and
    graph), its first two blocks, and the first op of each shortcut. Computed once per trace: the graphs, the
    volume drawings and the page's figure list each ask for it."""
    wanted: list[tuple[View, Level, str | None]] = [(View.VOLUMES, Level.NETWORK, None),
                                                    (View.GRAPH, Level.NETWORK, None)]
    stage = illustrative_stage(trace)
    for op in trace.ops_of(trace.stem):
        if op.kind in (OpKind.CONV, OpKind.MAXPOOL):
            wanted.append((View.VOLUMES, Level.OP, op.id))
    for s in trace.stages:
        wanted += [(View.VOLUMES, Level.STAGE, s.id), (View.GRAPH, Level.STAGE, s.id)]
        for b in s.blocks[:2]:
            wanted += [(View.VOLUMES, Level.BLOCK, b.id), (View.GRAPH, Level.BLOCK, b.id)]
    for b in trace.blocks:
        first = next((o for o in trace.ops_of(b.op_ids) if o.path is Path.SHORTCUT), None)
        if first is not None and first.kind in (OpKind.CONV, OpKind.ZEROPAD, OpKind.AVGPOOL, OpKind.SLICE):
            wanted.append((View.VOLUMES, Level.OP, first.id))
    figures = [figure(trace, v, lv, sel) for v, lv, sel in dict.fromkeys(wanted)]
    if stage is not None:
        figures.insert(1, figure(trace, View.VOLUMES, Level.NETWORK, None, rf=stage))
    return tuple(figures)
