"""DOT source of a trace as a graph (the paper's Figure 3 column, stages, blocks, ops), deterministic byte for byte.

Built with our own DOT writer (dot.py quotes every id and label, so a hostile saved trace cannot inject attributes);
every node and edge gets an id derived from the figure name. Edges carry the volume that flows along them. A
stage's name is a text node beside its first node (dot routes edges around nodes, never around a cluster label).
"""

from __future__ import annotations

import re

from .. import fmt
from ..options import Level
from ..palette import HEAD, INPUT, STEM, Colour, stage_colour
from ..schema import Block, Op, OpKind, Path, Section, ShortcutKind, Stage, Trace
from ..views.steps import Unit, block_paths, block_runs, units
from ..views.words import op_phrase, plural
from .dot import Graph

FONT = "Helvetica,Arial,sans-serif"
EDGE = "#52606d"
MAX_RUN = 5  # runs of identical blocks longer than this are drawn first, "⋮ n more", last


def _prefix(name: str) -> str:
    return "rv-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


class _Figure:
    """A Graph whose nodes and edges get stable, prefixed ids in the order they are added."""

    def __init__(self, name: str, title: str) -> None:
        self.prefix = _prefix(name)
        self.edges = 0
        self.nodes: dict[str, int] = {}
        self.drawn: dict[str, str] = {}  # op id → the node that stands for it
        self.dot = Graph(
            self.prefix,
            graph={"id": self.prefix, "label": title, "labelloc": "t", "labeljust": "l", "fontname": FONT,
                   "fontsize": "14", "bgcolor": "white", "rankdir": "TB", "nodesep": "0.3", "ranksep": "0.25",
                   "newrank": "true"},
            node={"shape": "box", "style": "rounded,filled", "fontname": FONT, "fontsize": "11", "height": "0.3",
                  "margin": "0.14,0.05", "penwidth": "1.2", "fontcolor": "#1f2933"},
            edge={"color": EDGE, "arrowsize": "0.6", "fontname": FONT, "fontsize": "9", "fontcolor": "#3e4c59",
                  "penwidth": "1.2"},
        )

    def _id(self, name: str) -> str:
        n = self.nodes.setdefault(name, len(self.nodes) + 1)
        return f"{self.prefix}-n{n}"

    def node(self, target: Graph, name: str, lines: tuple[str, ...], colour: Colour, main: bool = True,
             **attrs: str) -> str:
        """A node; main-path nodes share a group so that dot keeps the main path in one straight column."""
        if main:
            attrs["group"] = "main"
        node_id = self._id(name) + ("-io" if attrs.get("shape") == "plaintext" else "")  # text on the background
        target.node(name, lines, id=node_id, **({"fillcolor": colour.fill, "color": colour.stroke} | attrs))
        return name

    def join(self, target: Graph, name: str) -> str:
        target.node(name, "+", id=self._id(name), group="main", shape="circle", fixedsize="true", width="0.26",
                    fillcolor="white", color=EDGE, fontsize="14")
        return name

    def edge(self, a: str, b: str, label: str = "", **attrs: str) -> None:
        self.edges += 1
        if label:
            attrs["label"] = f" {label}"
        self.dot.edge(a, b, id=f"{self.prefix}-e{self.edges}", **attrs)


def _colour(trace: Trace, op: Op) -> Colour:
    if op.section is Section.STAGE and op.stage is not None:
        return stage_colour(trace.stage(op.stage).index)
    return STEM if op.section is Section.STEM else HEAD if op.section is Section.HEAD else INPUT


def _shortcut_style(kind: ShortcutKind) -> dict[str, str]:
    return {"penwidth": "1.6"} if kind is ShortcutKind.IDENTITY else {"style": "dotted", "penwidth": "2"}


def _lines(u: Unit, detail: str) -> tuple[str, ...]:
    return (op_phrase(u.lead), u.notes()) if detail == "stage" and u.notes() else (op_phrase(u.lead),)


def _short(block: Block, op: Op) -> str:
    return op.id[len(block.id) + 1:] if op.id.startswith(block.id + ".") else op.id


def _chain(g: _Figure, target: Graph, trace: Trace, block: Block, steps: tuple[Unit, ...], prev: str, detail: str,
           colour: Colour, shapes: bool, main: bool = True, entry: str = "", **style: str) -> str:
    """Nodes of one path after `prev` (op by op at block level, step by step otherwise); returns its last node.
    `entry` labels the first edge when the others carry no volume (a stage's entry in the network graph)."""
    for u in steps:
        ops = u.ops if detail == "block" else (u.lead,)
        for op in ops:
            lines = (_short(block, op), op_phrase(op)) if detail == "block" else _lines(u, detail)
            extra = {} if main else {"style": "rounded,filled,dashed"}
            g.node(target, op.id, lines, colour, main=main, **extra)
            g.edge(prev, op.id, fmt.volume(op.input) if shapes else entry, **style)
            prev, entry = op.id, ""
        for op in u.ops:
            g.drawn[op.id] = op.id if detail == "block" else u.lead.id
    return prev


def _gate(g: _Figure, target: Graph, trace: Trace, block: Block, gate: tuple[Op, ...], detail: str,
          colour: Colour) -> None:
    """A squeeze-excitation branch beside the main path: from the op it reads to the `mul` it scales (op by op at
    block level, one node otherwise)."""
    source = gate[0].inputs[0].op
    mul = next((o for o in trace.ops_of(block.op_ids) if o.kind is OpKind.MUL and o.path is Path.MAIN), None)
    if source not in g.drawn or mul is None or mul.id not in g.drawn:
        return
    style = {"style": "rounded,filled,dotted"}
    if detail == "block":
        prev = g.drawn[source]
        for op in gate:
            g.node(target, op.id, (_short(block, op), op_phrase(op)), colour, main=False, **style)
            g.edge(prev, op.id, fmt.volume(op.input), style="dashed")
            prev = op.id
    else:
        convs = sum(1 for o in gate if o.kind in (OpKind.CONV, OpKind.LINEAR))
        prev = g.node(target, gate[0].id, ("SE gate", f"pool, {plural(convs, 'conv')}, sigmoid"), colour,
                      main=False, **style)
        g.edge(g.drawn[source], prev, style="dashed")
    g.edge(prev, g.drawn[mul.id], fmt.volume(gate[-1].output) if detail != "network" else "", style="dashed")


def _block(g: _Figure, target: Graph, trace: Trace, block: Block, prev: str, detail: str) -> str:
    """Nodes and edges of one block after the node `prev` (its input); returns the node of its output."""
    shapes = detail != "network"
    colour = stage_colour(trace.stage(block.stage).index)
    paths = block_paths(trace, block)
    entry = fmt.volume(block.input) if detail == "network" and block.index == 0 else ""
    fork = _chain(g, target, trace, block, paths.pre, prev, detail, colour, shapes, entry=entry)
    tail = _chain(g, target, trace, block, paths.main, fork, detail, colour, shapes,
                  entry="" if paths.pre else entry)
    if paths.gate:
        _gate(g, target, trace, block, paths.gate, detail, colour)
    if paths.join is None:
        return tail
    add = g.join(target, paths.join.lead.id)
    g.edge(tail, add, fmt.volume(paths.join.lead.input) if shapes else "")
    style = _shortcut_style(block.shortcut)
    src = _chain(g, target, trace, block, paths.shortcut, fork, detail, colour, shapes, main=False, **style)
    g.edge(src, add, fmt.volume(paths.join.lead.input) if shapes and paths.shortcut else "", **style)
    tail = add
    after = (Unit(paths.join.after[0], after=paths.join.after[1:]),) if paths.join.after else ()
    if detail == "block":
        tail = _chain(g, target, trace, block, after, tail, detail, colour, shapes)
    return tail


def _stage(g: _Figure, target: Graph, trace: Trace, stage: Stage, prev: str, detail: str) -> str:
    """The stage's blocks; a long run of identical blocks becomes first, '⋮ n more', last."""
    colour = stage_colour(stage.index)
    for run in block_runs(trace, stage):
        if len(run) <= MAX_RUN:
            for b in run:
                prev = _block(g, target, trace, b, prev, detail)
            continue
        prev = _block(g, target, trace, run[0], prev, detail)
        hidden = run[1:-1]
        name = f"{hidden[0].id} … {hidden[-1].id}"
        g.node(target, name, (f"… {plural(len(hidden), 'more identical block')} …", name), colour,
               style="rounded,dashed", fillcolor="none")
        g.edge(prev, name, fmt.volume(run[0].output) if detail != "network" else "", style="dashed")
        prev = _block(g, target, trace, run[-1], name, detail)
    return prev


def _cluster(g: _Figure, trace: Trace, stage: Stage, prev: str, detail: str) -> str:
    colour = stage_colour(stage.index)
    paper = f" ({stage.paper_name})" if stage.paper_name else ""
    with g.dot.subgraph(f"cluster_{stage.id}", id=f"{g.prefix}-s{stage.index + 1}", label="", style="rounded,filled",
                        fillcolor=colour.light, color=colour.stroke) as c:
        before = len(g.nodes)
        last = _stage(g, c, trace, stage, prev, detail)
        first = list(g.nodes)[before]
        # The stage's name as a text node left of its first node, not a cluster label: dot routes edges around
        # nodes, while edges entering or leaving the cluster would cross a label.
        name = f"[stage {stage.id}]"
        with c.subgraph(f"{stage.id} name", id=f"{g.prefix}-s{stage.index + 1}-name", rank="same") as row:
            g.node(row, name, (f"{stage.id}{paper} · {plural(len(stage.blocks), 'block')}",), colour, main=False,
                   shape="plaintext", style="", fontsize="12")
            row.node(first)
        g.edge(name, first, style="invis")
        return last


def _ops(g: _Figure, trace: Trace, ids: tuple[str, ...], colour: Colour, prev: str) -> str:
    for u in units(trace.ops_of(ids)):
        g.node(g.dot, u.lead.id, (op_phrase(u.lead),), colour)
        g.edge(prev, u.lead.id, fmt.volume(u.input))
        prev = u.lead.id
    return prev


def _network(g: _Figure, trace: Trace) -> None:
    prev = g.node(g.dot, "[input]", ("input", fmt.volume(trace.input)), INPUT)
    prev = _ops(g, trace, trace.stem, STEM, prev)
    prev = _ops(g, trace, trace.plain, INPUT, prev)
    for s in trace.stages:
        prev = _cluster(g, trace, s, prev, "network")
    prev = _ops(g, trace, trace.head, HEAD, prev)
    g.node(g.dot, "[output]", ("output", fmt.volume(trace.output)), INPUT, shape="plaintext", style="")
    g.edge(prev, "[output]", fmt.volume(trace.output))


def _endpoints(g: _Figure, colour_out: Colour, shape_in: str, shape_out: str, body) -> None:
    g.node(g.dot, "[input]", ("input", shape_in), INPUT, shape="plaintext", style="")
    tail = body("[input]")
    g.node(g.dot, "[output]", ("output", shape_out), colour_out, shape="plaintext", style="")
    g.edge(tail, "[output]", shape_out)


def dot_source(trace: Trace, *, level: Level, select: str | None, title: str, name: str) -> str:
    """DOT text of one graph; `select` is an already resolved stage, block or op id."""
    g = _Figure(name, title)
    if level is Level.NETWORK or select is None:
        _network(g, trace)
    elif level is Level.STAGE:
        s = trace.stage(select)
        _endpoints(g, stage_colour(s.index), fmt.volume(s.input), fmt.volume(s.output),
                   lambda prev: _cluster(g, trace, s, prev, "stage"))
    elif level is Level.BLOCK:
        b = trace.block(select)
        _endpoints(g, stage_colour(trace.stage(b.stage).index), fmt.volume(b.input), fmt.volume(b.output),
                   lambda prev: _block(g, g.dot, trace, b, prev, "block"))
    else:
        op = trace.op(select)

        def body(prev: str) -> str:
            g.node(g.dot, op.id, (op.id, op_phrase(op)), _colour(trace, op))
            g.edge(prev, op.id, fmt.volume(op.input))
            return op.id

        _endpoints(g, _colour(trace, op), fmt.volume(op.input), fmt.volume(op.output), body)
    return g.dot.source
