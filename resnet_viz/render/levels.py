"""The four volume drawings (network, stage, block, op): which volumes, steps and arcs each puts in its row."""

from __future__ import annotations

from .. import fmt
from ..palette import INPUT, Colour, section_colour, stage_colour
from ..schema import Block, Op, OpKind, Path, Section, Stage, Trace
from ..views import stage_by_id
from .geometry import NOTE_SIZE, Cuboid, Kernel, Label, Layout, box_size, chw, label_size, trace_zoom
from .row import MIN_GAP, NETWORK_GAP, BoxSpec, GapSpec, JoinSpec, Shortcut, finish, place_row
from .steps import Unit, block_paths, block_runs, op_lines, op_phrase, units


# --- colours --------------------------------------------------------------------------------------
def op_colour(trace: Trace, op: Op) -> Colour:
    """Colour of the volume an op makes: its stage's, or the stem's / head's."""
    if op.section is Section.STAGE and op.stage is not None:
        return stage_colour(stage_by_id(trace, op.stage).index)
    return section_colour(op.section.value)


def producer_colour(trace: Trace, op: Op) -> Colour:
    """Colour of the volume that flows into `op`: the colour of the op that made it (for a shortcut op, the op
    that made its block's input)."""
    first = op.id
    if op.path is Path.SHORTCUT:
        first = next((b.op_ids[0] for b in trace.blocks if op.id in b.op_ids), op.id)
    for prev, cur in zip(trace.ops, trace.ops[1:], strict=False):
        if cur.id == first:
            return op_colour(trace, prev)
    return INPUT


# --- the four levels ------------------------------------------------------------------------------
KERNEL_MIN = 11.0  # a kernel is drawn at least this big (a 7×7 window on 224×224 would be a speck)


def _kernel(src: Cuboid, dst: Cuboid, op: Op) -> Kernel | None:
    """The kernel window at the input's top-left corner and the output pixel it produces."""
    if op.kernel_size is None or len(op.input_shape) != 4:
        return None
    _, h_in, w_in = chw(op.input_shape)
    _, h_out, w_out = chw(op.output_shape)
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
    lines = op_lines(op)
    extra = []
    if op.params:
        extra.append(f"{fmt.thousands(op.params)} params")
    if op.macs:
        extra.append(f"{fmt.compact(op.macs)} multiply-adds")
    items = [
        BoxSpec("in", op.input_shape, producer_colour(trace, op), (fmt.volume(op.input_shape), "input")),
        GapSpec(above=(), below=lines + tuple(extra), min_width=120.0, below_is_op=True),
        BoxSpec("out", op.output_shape, colour, (fmt.volume(op.output_shape), f"output of {op.id}")),
    ]
    # one op alone is drawn larger (the same zoom for both volumes keeps them comparable)
    biggest = max(max(box_size(op.input_shape)[:2]), max(box_size(op.output_shape)[:2]))
    placed = place_row(items, zoom=min(OP_ZOOM, max(trace_zoom(trace), OP_FACE / biggest)))
    src, dst = placed.cuboids
    kernel = _kernel(src, dst, op)
    if kernel is None:
        return finish(title, placed)
    if op.kind is OpKind.CONV:
        c_in = fmt.channels(op.input_shape) // (op.groups or 1)
        text = (f"{fmt.pair(op.kernel_size)}{fmt.TIMES}{fmt.integer(c_in)} kernel",)
    else:
        text = (f"{fmt.pair(op.kernel_size)} window, each channel",)
    placed.labels.append(Label(text, src.x, src.bbox.y - 8 - label_size(text, NOTE_SIZE)[1], NOTE_SIZE,
                               anchor="start", role="note"))
    return finish(title, placed, kernels=(kernel,))


def _block_items(trace: Trace, block: Block, start_key: str, *, out_lines) -> tuple[list, Shortcut | None]:
    """Row items for one block after its input box `start_key`, and the shortcut arc that spans them."""
    main, join, shortcut = block_paths(trace, block)
    colour = stage_colour(stage_by_id(trace, block.stage).index)
    items: list = []
    for i, u in enumerate(main):
        notes = (u.notes(),) if u.notes() else ()
        items.append(GapSpec(above=op_lines(u.lead), below=notes))
        if i < len(main) - 1 or join is None:
            key = f"{block.id}:{u.lead.id}" if i < len(main) - 1 else f"{block.id}:out"
            lines = (fmt.volume(u.output_shape),) if i < len(main) - 1 else out_lines
            items.append(BoxSpec(key, u.output_shape, colour, lines))
    if join is None:
        return items, None
    jkey = f"{block.id}:add"
    items.append(JoinSpec(jkey))
    items.append(GapSpec(above=(join.notes(),) if join.notes() else (), min_width=MIN_GAP))
    items.append(BoxSpec(f"{block.id}:out", join.output_shape, colour, out_lines))
    return items, Shortcut(start_key, jkey, block.shortcut, shortcut, colour)


def layout_block(trace: Trace, block: Block, *, title: str) -> Layout:
    """The block's steps left to right, its shortcut as an arc over them into ⊕."""
    first = trace.op(block.op_ids[0])
    items = [BoxSpec("in", block.input_shape, producer_colour(trace, first), (fmt.volume(block.input_shape),
                                                                                  "block input"))]
    rest, sc = _block_items(trace, block, "in", out_lines=(fmt.volume(block.output_shape), "block output"))
    items += rest
    zoom = trace_zoom(trace)
    shortcuts = (sc,) if sc else ()
    return finish(title, place_row(items, zoom), shortcuts,
                   legend_kinds=tuple(dict.fromkeys(s.kind for s in shortcuts)), zoom=zoom)


def layout_stage(trace: Trace, stage: Stage, *, title: str) -> Layout:
    """The stage's blocks in sequence; a run of identical blocks is drawn once under a '×n' bracket."""
    first = trace.op(stage.blocks[0].op_ids[0])
    items = [BoxSpec("in", stage.input_shape, producer_colour(trace, first),
                      (fmt.volume(stage.input_shape), "stage input"))]
    shortcuts, spans = [], []
    start = "in"
    runs = block_runs(trace, stage)
    for i, run in enumerate(runs):
        b = run[0]
        name = "stage output" if i == len(runs) - 1 else f"{run[-1].id} output"
        rest, sc = _block_items(trace, b, start, out_lines=(fmt.volume(b.output_shape), name))
        items += rest
        if sc:
            shortcuts.append(sc)
        if len(run) > 1:
            spans.append((start, f"{b.id}:out", run))
        start = f"{b.id}:out"
    zoom = trace_zoom(trace)
    placed = place_row(items, zoom)
    brackets = []
    for left, right, run in spans:
        x1, x2 = placed.slots[left][1] + 4, placed.slots[right][1]
        brackets.append((x1, x2, (f"{fmt.TIMES}{fmt.thousands(len(run))} identical blocks",
                                  f"{run[0].id} … {run[-1].id}")))
    kinds = tuple(dict.fromkeys(sc.kind for sc in shortcuts))
    return finish(title, placed, shortcuts, brackets=brackets, legend_kinds=kinds, zoom=zoom)


def _block_count(stage: Stage) -> str:
    """'6 bottleneck blocks, /2' (the '/2' when the stage shrinks the height, as the paper marks it)."""
    kinds = sorted({b.kind for b in stage.blocks})
    kind = kinds[0] if len(kinds) == 1 else "residual"
    n = len(stage.blocks)
    shrink = stage.input_shape[2] // stage.output_shape[2] if len(stage.output_shape) == 4 else 1
    down = f", /{fmt.thousands(shrink)}" if shrink > 1 else ""
    return f"{fmt.thousands(n)} {kind} block{'s' if n != 1 else ''}{down}"


def _step_lines(trace: Trace, u: Unit) -> tuple[str, ...]:
    """Under a network-level volume: its shape, the op that made it, and what that op is (if it adds anything)."""
    phrase = op_phrase(u.lead)
    lines = (fmt.volume(u.output_shape), u.lead.id)
    return lines if phrase.split(" ")[0] == u.lead.id else (*lines, phrase)


def layout_network(trace: Trace, *, title: str) -> Layout:
    """The whole journey: input, each stem step, one volume per stage, then the head's steps."""
    items: list = [BoxSpec("input", trace.input_shape, INPUT, (fmt.volume(trace.input_shape), "input"))]
    for u in units(trace.ops_of(trace.stem)):
        items.append(GapSpec(min_width=NETWORK_GAP))
        items.append(BoxSpec(u.lead.id, u.output_shape, op_colour(trace, u.lead), _step_lines(trace, u)))
    for s in trace.stages:
        items.append(GapSpec(min_width=NETWORK_GAP))
        items.append(BoxSpec(s.id, s.output_shape, stage_colour(s.index),
                              (fmt.volume(s.output_shape), f"{s.id} · {s.paper_name}", _block_count(s))))
    for u in units(trace.ops_of(trace.head)):
        items.append(GapSpec(min_width=NETWORK_GAP))
        items.append(BoxSpec(u.lead.id, u.output_shape, op_colour(trace, u.lead), _step_lines(trace, u)))
    return finish(title, place_row(items, trace_zoom(trace)))

