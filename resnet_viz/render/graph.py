"""DOT source of a trace as a graph (the paper's Figure 3 column, stages, blocks, ops), deterministic byte for byte.

Built with the `graphviz` package; names are op ids, every node and edge gets an id derived from the figure
name, and nothing depends on object identity or set order. Only `run_dot` needs the `dot` binary.
"""

from __future__ import annotations

import re

import graphviz

from .. import fmt
from ..palette import HEAD, INPUT, STEM, Colour, stage_colour
from ..schema import Block, Op, Section, ShortcutKind, Stage, Trace
from ..views import block_by_id, stage_by_id
from .steps import Unit, block_paths, block_runs, op_phrase, units

FONT = "Helvetica,Arial,sans-serif"
EDGE = "#52606d"
MAX_RUN = 5  # runs of identical blocks longer than this are drawn first, "⋮ n more", last


def run_dot(source: str, format: str) -> bytes:
    """Lay out and draw DOT source with Graphviz's `dot` (svg, png or pdf)."""
    return graphviz.pipe("dot", format, source.encode("utf-8"))


def _prefix(name: str) -> str:
    return "rv-" + re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")


class _Graph:
    """A Digraph whose nodes and edges get stable, prefixed ids in the order they are added."""

    def __init__(self, name: str, title: str):
        self.prefix = _prefix(name)
        self.edges = 0
        self.dot = graphviz.Digraph(
            self.prefix,
            graph_attr={
                "id": self.prefix, "label": title, "labelloc": "t", "labeljust": "l", "fontname": FONT,
                "fontsize": "14", "bgcolor": "white", "rankdir": "TB", "nodesep": "0.3", "ranksep": "0.25",
                "newrank": "true",
            },
            node_attr={
                "shape": "box", "style": "rounded,filled", "fontname": FONT, "fontsize": "11", "height": "0.3",
                "margin": "0.14,0.05", "penwidth": "1.2", "fontcolor": "#1f2933",
            },
            edge_attr={"color": EDGE, "arrowsize": "0.6", "fontname": FONT, "fontsize": "9",
                       "fontcolor": "#3e4c59", "penwidth": "1.2"},
        )

    def node(self, target, name: str, label: str, colour: Colour, main: bool = True, **attrs) -> str:
        """A node; main-path nodes share a group so that dot keeps the main path in one straight column."""
        if main:
            attrs["group"] = "main"
        attrs = {"fillcolor": colour.fill, "color": colour.stroke} | attrs
        target.node(name, label, id=f"{self.prefix}-{_prefix(name)[3:]}", **attrs)
        return name

    def join(self, target, name: str) -> str:
        target.node(name, "+", id=f"{self.prefix}-{_prefix(name)[3:]}", group="main", shape="circle",
                    fixedsize="true", width="0.26", fillcolor="white", color=EDGE, fontsize="14")
        return name

    def edge(self, a: str, b: str, label: str = "", **attrs) -> None:
        self.edges += 1
        if label:
            attrs["label"] = f" {label}"
        self.dot.edge(a, b, id=f"{self.prefix}-e{self.edges}", **attrs)


def _colour(trace: Trace, op: Op) -> Colour:
    if op.section is Section.STAGE and op.stage is not None:
        return stage_colour(stage_by_id(trace, op.stage).index)
    return STEM if op.section is Section.STEM else HEAD


def _shortcut_style(kind: ShortcutKind) -> dict:
    if kind is ShortcutKind.IDENTITY:
        return {"penwidth": "1.6"}
    return {"style": "dotted", "penwidth": "2"}


def _unit_label(u: Unit, detail: str) -> str:
    label = op_phrase(u.lead)
    if detail == "stage" and u.notes():
        label += f"\\n{u.notes()}"
    return label


def _block(g: _Graph, target, trace: Trace, block: Block, prev: str, detail: str) -> str:
    """Nodes and edges of one block after the node `prev` (its input); returns the node of its output."""
    shapes = detail != "network"
    colour = stage_colour(stage_by_id(trace, block.stage).index)
    main, join, shortcut = block_paths(trace, block)
    if detail == "block":
        main_nodes = [(o, o.id[len(block.id) + 1:]) for u in main for o in u.ops]
        tail = prev
        for op, short in main_nodes:
            g.node(target, op.id, f"{short}\\n{op_phrase(op)}", colour)
            g.edge(tail, op.id, fmt.volume(op.input_shape))
            tail = op.id
    else:
        tail = prev
        for u in main:
            g.node(target, u.lead.id, _unit_label(u, detail), colour)
            g.edge(tail, u.lead.id, fmt.volume(u.input_shape) if shapes else "")
            tail = u.lead.id
    if join is None:
        return tail
    add = g.join(target, join.lead.id)
    g.edge(tail, add, fmt.volume(join.lead.input_shape) if shapes else "")
    style = _shortcut_style(block.shortcut)
    src = prev
    if detail == "block":
        sc_nodes = [(o, f"{o.id[len(block.id) + 1:]}\\n{op_phrase(o)}") for u in shortcut for o in u.ops]
    else:
        sc_nodes = [(u.lead, _unit_label(u, detail)) for u in shortcut]
    for op, label in sc_nodes:
        g.node(target, op.id, label, colour, main=False, style="rounded,filled,dashed")
        g.edge(src, op.id, fmt.volume(op.input_shape) if shapes else "", **style)
        src = op.id
    g.edge(src, add, fmt.volume(join.lead.input_shape) if shapes and sc_nodes else "", **style)
    tail = add
    if detail == "block":
        for op in join.after:
            g.node(target, op.id, f"{op.id[len(block.id) + 1:]}\\n{op_phrase(op)}", colour)
            g.edge(tail, op.id, fmt.volume(op.input_shape))
            tail = op.id
    return tail


def _stage(g: _Graph, target, trace: Trace, stage: Stage, prev: str, detail: str) -> str:
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
        g.node(target, name, f"… {fmt.thousands(len(hidden))} more identical blocks …\\n{name}", colour,
               style="rounded,dashed", fillcolor="none")
        g.edge(prev, name, fmt.volume(run[0].output_shape) if detail != "network" else "", style="dashed")
        prev = _block(g, target, trace, run[-1], name, detail)
    return prev


def _cluster(g: _Graph, stage: Stage, trace: Trace, prev: str, detail: str) -> str:
    colour = stage_colour(stage.index)
    n = len(stage.blocks)
    with g.dot.subgraph(name=f"cluster_{stage.id}") as c:
        c.attr(id=f"{g.prefix}-{_prefix(stage.id)[3:]}", label=f"{stage.id} ({stage.paper_name}) · "
               f"{fmt.thousands(n)} block{'s' if n != 1 else ''}", style="rounded,filled", fillcolor=colour.light,
               color=colour.stroke, fontname=FONT, fontsize="12", labeljust="l")
        return _stage(g, c, trace, stage, prev, detail)


def _network(g: _Graph, trace: Trace) -> None:
    prev = g.node(g.dot, "[input]", f"input image\\n{fmt.volume(trace.input_shape)}", INPUT)
    for u in units(trace.ops_of(trace.stem)):
        g.node(g.dot, u.lead.id, op_phrase(u.lead), STEM)
        g.edge(prev, u.lead.id)
        prev = u.lead.id
    for s in trace.stages:
        prev = _cluster(g, s, trace, prev, "network")
    for u in units(trace.ops_of(trace.head)):
        g.node(g.dot, u.lead.id, op_phrase(u.lead), HEAD)
        g.edge(prev, u.lead.id)
        prev = u.lead.id
    g.node(g.dot, "[output]", f"output\\n{fmt.volume(trace.ops[-1].output_shape)}", INPUT, shape="plaintext",
           style="")
    g.edge(prev, "[output]")


def _endpoints(g: _Graph, colour_in: Colour, colour_out: Colour, shape_in, shape_out, body) -> None:
    g.node(g.dot, "[input]", f"input\\n{fmt.volume(shape_in)}", colour_in, shape="plaintext", style="")
    tail = body("[input]")
    g.node(g.dot, "[output]", f"output\\n{fmt.volume(shape_out)}", colour_out, shape="plaintext", style="")
    g.edge(tail, "[output]", fmt.volume(shape_out))


def dot_source(trace: Trace, *, level: str, select: str | None, title: str, name: str) -> str:
    """DOT text of one graph; `select` is an already validated stage, block or op id."""
    g = _Graph(name, title)
    if level == "network":
        _network(g, trace)
    elif level == "stage":
        s = stage_by_id(trace, select)
        _endpoints(g, INPUT, stage_colour(s.index), s.input_shape, s.output_shape,
                   lambda prev: _cluster(g, s, trace, prev, "stage"))
    elif level == "block":
        b = block_by_id(trace, select)
        colour = stage_colour(stage_by_id(trace, b.stage).index)
        _endpoints(g, INPUT, colour, b.input_shape, b.output_shape,
                   lambda prev: _block(g, g.dot, trace, b, prev, "block"))
    elif level == "op":
        op = trace.op(select)

        def body(prev: str) -> str:
            g.node(g.dot, op.id, f"{op.id}\\n{op_phrase(op)}", _colour(trace, op))
            g.edge(prev, op.id, fmt.volume(op.input_shape))
            return op.id

        _endpoints(g, INPUT, _colour(trace, op), op.input_shape, op.output_shape, body)
    else:
        raise ValueError(f"unknown level {level!r}")
    return g.dot.source

