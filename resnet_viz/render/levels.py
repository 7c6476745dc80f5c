"""The four volume drawings (network, stage, block, op): which volumes, steps and arcs each puts in its row."""

from __future__ import annotations

from dataclasses import replace

from .. import fmt
from ..palette import INPUT, Colour, section_colour, stage_colour
from ..schema import Block, Op, OpKind, Section, Stage, Trace
from ..views.layers import rf_text
from ..views.receptive import centre_window, stage_fields
from ..views.steps import Unit, block_paths, block_runs, units
from ..views.words import block_name, op_lines, op_phrase, plural
from .canvas import Shortcut, finish
from .geometry import Cuboid, Kernel, Layout
from .labels import NOTE_SIZE, Label, label_size
from .row import MIN_GAP, NETWORK_GAP, BoxSpec, GapSpec, JoinSpec, place_row
from .scales import box_size, chw, trace_zoom
from .wrap import finish_rows, split


# --- colours --------------------------------------------------------------------------------------
def op_colour(trace: Trace, op: Op) -> Colour:
    """Colour of the volume an op makes: its stage's, or the stem's / head's."""
    if op.section is Section.STAGE and op.stage is not None:
        return stage_colour(trace.stage(op.stage).index)
    return section_colour(op.section.value)


def producer_colour(trace: Trace, op: Op) -> Colour:
    """Colour of the volume that flows into `op`: that of the op that made it (the graph's edge says which)."""
    src = op.inputs[0].op
    return INPUT if src is None else op_colour(trace, trace.op(src))


# --- the four levels ------------------------------------------------------------------------------
KERNEL_MIN = 11.0  # a kernel is drawn at least this big (a 7×7 window on 224×224 would be a speck)


def _kernel(src: Cuboid, dst: Cuboid, op: Op) -> Kernel | None:
    """The kernel window at the input's top-left corner and the output pixel it produces."""
    if op.kernel_size is None or not op.input.is_map:
        return None
    _, h_in, w_in = chw(op.input)
    _, h_out, w_out = chw(op.output)
    kw = min(src.w / 2, max(KERNEL_MIN, src.w * op.kernel_size[1] / w_in))
    kh = min(src.h / 2, max(KERNEL_MIN, src.h * op.kernel_size[0] / h_in))
    px, py = max(2.0, dst.w / w_out / 2), max(2.0, dst.h / h_out / 2)
    through = op.kind is OpKind.CONV and (op.groups or 1) == 1  # a conv kernel spans every input channel
    return Kernel(src.x, src.y, kw, kh, src.dx if through else 0.0, src.dy if through else 0.0,
                  dst.x + min(px + 1, dst.w / 2), dst.y + min(py + 1, dst.h / 2))


OP_ZOOM, OP_FACE = 1.8, 170.0


def layout_op(trace: Trace, op: Op, *, title: str) -> Layout:
    """input volume → the op (kernel drawn on the input's face) → output volume."""
    colour = op_colour(trace, op)
    extra = []
    if op.params:
        extra.append(plural(op.params, "param"))
    if op.macs:
        extra.append(f"{fmt.compact(op.macs // trace.batch)} multiply-adds")
    items = [
        BoxSpec("in", op.input, producer_colour(trace, op), (fmt.volume(op.input), "input")),
        GapSpec(above=(), below=op_lines(op) + tuple(extra), min_width=120.0, below_is_op=True),
        BoxSpec("out", op.output, colour, (fmt.volume(op.output), f"output of {op.id}")),
    ]
    # one op alone is drawn larger (the same zoom for both volumes keeps them comparable)
    biggest = max(max(box_size(op.input)[:2]), max(box_size(op.output)[:2]))
    placed = place_row(items, zoom=min(OP_ZOOM, max(trace_zoom(trace), OP_FACE / biggest)))
    src, dst = placed.cuboids
    kernel = _kernel(src, dst, op)
    if kernel is None:
        return finish(title, placed)
    if op.kind is OpKind.CONV:
        c_in = op.input.channels // (op.groups or 1)
        text = (f"{fmt.pair(op.kernel_size)}{fmt.TIMES}{fmt.integer(c_in)} kernel",)
    else:
        text = (f"{fmt.pair(op.kernel_size)} window, each channel",)
    placed.labels.append(Label(text, src.x, src.bbox.y - 8 - label_size(text, NOTE_SIZE)[1], NOTE_SIZE,
                               anchor="start", role="note"))
    return finish(title, placed, kernels=(kernel,))


def _gate_note(gate: tuple[Op, ...]) -> str:
    convs = sum(1 for o in gate if o.kind in (OpKind.CONV, OpKind.LINEAR))
    return f"SE gate: pool, {plural(convs, 'conv')}, sigmoid" if convs else "gate"


def _steps(block: Block, steps: tuple[Unit, ...], colour: Colour, gate: tuple[Op, ...], *, last: str | None,
           last_lines: tuple[str, ...] = ()) -> list:
    """Gap + box items for a run of steps. The last step's box is keyed `last` (and says `last_lines`); with
    `last` None it has no box: its arrow leads straight into what follows (the ⊕)."""
    items: list = []
    for i, u in enumerate(steps):
        notes = (u.notes(),) if u.notes() else ()
        above = op_lines(u.lead) if u.lead.kind is not OpKind.MUL else ("× gate", _gate_note(gate))
        items.append(GapSpec(above=above, below=notes))
        if i < len(steps) - 1:
            items.append(BoxSpec(f"{block.id}:{u.lead.id}", u.output, colour, (fmt.volume(u.output),)))
        elif last is not None:
            items.append(BoxSpec(last, u.output, colour, last_lines or (fmt.volume(u.output),)))
    return items


def _block_items(trace: Trace, block: Block, start_key: str, *, out_lines: tuple[str, ...]
                 ) -> tuple[list, Shortcut | None]:
    """Row items for one block after its input box `start_key`, and the shortcut arc that spans them."""
    paths = block_paths(trace, block)
    colour = stage_colour(trace.stage(block.stage).index)
    out_key = f"{block.id}:out"
    fork = f"{block.id}:fork"
    items = _steps(block, paths.pre, colour, paths.gate, last=fork) if paths.pre else []
    if paths.join is None:
        return items + _steps(block, paths.main, colour, paths.gate, last=out_key, last_lines=out_lines), None
    items += _steps(block, paths.main, colour, paths.gate, last=None)
    jkey = f"{block.id}:add"
    items.append(JoinSpec(jkey))
    items.append(GapSpec(above=(paths.join.notes(),) if paths.join.notes() else (), min_width=MIN_GAP))
    items.append(BoxSpec(out_key, paths.join.output, colour, out_lines))
    return items, Shortcut(fork if paths.pre else start_key, jkey, block.shortcut, paths.shortcut, colour)


def layout_block(trace: Trace, block: Block, *, title: str) -> Layout:
    """The block's steps left to right, its shortcut as an arc over them into ⊕."""
    first = trace.op(block.op_ids[0])
    items = [BoxSpec("in", block.input, producer_colour(trace, first), (fmt.volume(block.input), "block input"))]
    rest, sc = _block_items(trace, block, "in", out_lines=(fmt.volume(block.output), "block output"))
    items += rest
    zoom = trace_zoom(trace)
    shortcuts = (sc,) if sc else ()
    return finish(title, place_row(items, zoom), shortcuts,
                  legend_kinds=tuple(dict.fromkeys(s.kind for s in shortcuts)), zoom=zoom)


def layout_stage(trace: Trace, stage: Stage, *, title: str) -> Layout:
    """The stage's blocks in sequence, wrapped into rows between blocks; a run of identical blocks is drawn once
    under a '×n' bracket."""
    first = trace.op(stage.blocks[0].op_ids[0])
    items = [BoxSpec("in", stage.input, producer_colour(trace, first), (fmt.volume(stage.input), "stage input"))]
    shortcuts, spans = [], []
    start = "in"
    runs = block_runs(trace, stage)
    for i, run in enumerate(runs):
        b = run[0]
        name = "stage output" if i == len(runs) - 1 else f"{run[-1].id} output"
        rest, sc = _block_items(trace, b, start, out_lines=(fmt.volume(b.output), name))
        items += rest
        if sc:
            shortcuts.append(sc)
        if len(run) > 1:
            spans.append((start, f"{b.id}:out", (f"{fmt.TIMES}{plural(len(run), 'identical block')}",
                                                  f"{run[0].id} … {run[-1].id}")))
        start = f"{b.id}:out"
    zoom = trace_zoom(trace)
    rows = split(items, zoom, lambda key: key.endswith(":out"))
    kinds = tuple(dict.fromkeys(sc.kind for sc in shortcuts))
    return finish_rows(title, rows, shortcuts, spans, legend_kinds=kinds, zoom=zoom)


def _block_count(stage: Stage) -> str:
    """'6 bottleneck blocks, /2' (the '/2' when the stage shrinks the height, as the paper marks it)."""
    kinds = sorted({block_name(b.kind, b.preact) for b in stage.blocks})
    kind = kinds[0] if len(kinds) == 1 else "residual"
    shrink = -(-stage.input.height // stage.output.height) if stage.output.is_map and stage.input.is_map else 1
    down = f", /{shrink}" if shrink > 1 else ""
    return f"{plural(len(stage.blocks), kind + ' block')}{down}"


def _step_lines(u: Unit) -> tuple[str, ...]:
    """Under a network-level volume: its shape, the op that made it, and what that op is (if it adds anything)."""
    phrase = op_phrase(u.lead)
    lines = (fmt.volume(u.output), u.lead.id)
    return lines if phrase.split(" ")[0] == u.lead.id else (*lines, phrase)


def _rf_label(trace: Trace, stage: Stage) -> tuple[Label, tuple[tuple[int, int], tuple[int, int]]] | None:
    """The words over the input for a stage's receptive field, and the centre position's window in the image."""
    field = stage_fields(trace).get(stage.id)
    if field is None or not trace.input.is_map:
        return None
    window, covers = centre_window(field, stage.output, trace.input.spatial)
    (r0, r1), (c0, c1) = window
    more = f"; its field, {rf_text(field)} px, is larger than the input" if covers else ""
    text = (f"one position of {stage.paper_name or stage.id} sees {r1 - r0 + 1}×{c1 - c0 + 1} of the "
            f"{fmt.pair(trace.input.spatial)} input{more}",)
    return Label(text, 0.0, 0.0, NOTE_SIZE, anchor="start", role="note"), window


def _rf_kernel(trace: Trace, lay: Layout, stage: Stage, window: tuple[tuple[int, int], tuple[int, int]]) -> Kernel:
    """The window as a square on the input's face, with lines of sight to the stage's output box."""
    src, dst = lay.box("input"), lay.box(stage.id)
    h_img, w_img = trace.input.spatial
    (r0, r1), (c0, c1) = window
    x, y = src.x + src.w * c0 / w_img, src.y + src.h * r0 / h_img
    w, h = max(2.0, src.w * (c1 - c0 + 1) / w_img), max(2.0, src.h * (r1 - r0 + 1) / h_img)
    return Kernel(x, y, w, h, 0.0, 0.0, dst.x + dst.w / 2, dst.y + dst.h / 2)


def layout_network(trace: Trace, *, title: str, rf: str | None = None) -> Layout:
    """The whole journey: input, each stem step, one volume per stage, then the head's steps (a plain net: every
    step of it); with `rf`, a stage's receptive field drawn on the input."""
    items: list = [BoxSpec("input", trace.input, INPUT, (fmt.volume(trace.input), "input"))]

    def steps(ids: tuple[str, ...]) -> None:
        for u in units(trace.ops_of(ids)):
            items.append(GapSpec(min_width=NETWORK_GAP))
            items.append(BoxSpec(u.lead.id, u.output, op_colour(trace, u.lead), _step_lines(u)))

    steps(trace.stem)
    steps(trace.plain)
    for s in trace.stages:
        items.append(GapSpec(min_width=NETWORK_GAP))
        paper = f" · {s.paper_name}" if s.paper_name else ""
        items.append(BoxSpec(s.id, s.output, stage_colour(s.index), (fmt.volume(s.output), f"{s.id}{paper}",
                                                                     _block_count(s))))
    steps(trace.head)
    zoom = trace_zoom(trace)
    rows = split(items, zoom, lambda key: key != "input")
    stage = trace.stage(rf) if rf is not None else None
    marked = _rf_label(trace, stage) if stage is not None else None
    if stage is None or marked is None:
        return finish_rows(title, rows, zoom=zoom)
    label, window = marked
    src = place_row(rows[0], zoom).cuboid("input")
    label = label.moved(src.x + 5.0, src.bbox.y - 8 - label.bbox.h)
    lay = finish_rows(title, rows, zoom=zoom, first_labels=(label,))
    return replace(lay, kernels=(*lay.kernels, _rf_kernel(trace, lay, stage, window)))
