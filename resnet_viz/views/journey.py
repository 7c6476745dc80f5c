"""The volume's journey from the input to the output, leg by leg, so a reader sees where and why it changes.

The legs follow the graph's trunk: each stem or head op and each residual block that changes the volume, with the
volume it actually reads and makes (a shortcut's input is the block's input, never the main path's last output).
Every sentence is built from the trace and says only what holds for this network (a stride that meets a 1×1 map
keeps it 1×1; a zero-pad shortcut of stride 1 does not subsample). PyTorch's size arithmetic is shown wherever a
stride does not divide a side. Text comes out plain (with `backticks` around PyTorch names); renderers style it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import fmt
from ..schema import Block, BlockKind, Op, OpKind, Path, Section, ShortcutKind, Trace
from ..shapes import output_size_formula
from .groups import block_ops, paper_name, shrinks, strided
from .words import op_phrase, plural, stride_of, subsample_every, with_stride


@dataclass(frozen=True)
class Leg:
    """One visible change of the volume: where it happens, from what to what, why, and any rounding arithmetic."""

    before: str
    after: str
    where: str  # op or block id
    paper: str  # conv1, conv3_x, fc — or '' for networks without the paper's names
    change: str  # short label: "stride 2 · channels ×2"
    why: str
    arithmetic: tuple[str, ...] = ()  # the size formula for each side a stride does not divide
    stage_index: int | None = None
    section: str = "stage"
    strided: str | None = None  # the op whose arithmetic is shown


def uneven(op: Op) -> list[tuple[int, str, int, str]]:
    """(axis, side, size, formula) for each side of a strided conv or pool that the stride does not divide."""
    if op.kernel_size is None or op.stride is None or op.padding is None or not op.input.is_map:
        return []
    dil = op.dilation or (1, 1)
    out = []
    for axis, side in ((0, "height"), (1, "width")):
        size, s = op.input.spatial[axis], op.stride[axis]
        if s > 1 and size % s:
            out.append((axis, side, size, output_size_formula(size, op.kernel_size[axis], s, op.padding[axis], dil[axis],
                                                        op.ceil_mode)))
    return out


def _arithmetic(op: Op | None) -> tuple[str, ...]:
    return () if op is None else tuple(f"{side} {size} at `{op.id}`: {text}" for _, side, size, text in uneven(op))


def _sizes(op: Op) -> str:
    """'112×112 → 56×56', or what a stride does to a map it cannot shrink."""
    if op.input.spatial == op.output.spatial:
        return (f"the {fmt.spatial(op.input)} map keeps its size" if not strided(op) else
                f"a stride of {fmt.scalar_pair(op.stride)} cannot shrink a {fmt.spatial(op.input)} map")
    return f"{fmt.spatial(op.input)} → {fmt.spatial(op.output)}"


def _op_leg(trace: Trace, op: Op, section: Section) -> Leg:
    c_in, c_out = op.input.channels, op.output.channels
    k, s, p = fmt.pair(op.kernel_size), fmt.scalar_pair(op.stride), fmt.scalar_pair(op.padding)
    if op.kind is OpKind.MAXPOOL and op.kernel_size:
        change = f"{k} max pool, stride {s}"
        why = (f"`{op.id}` keeps the largest value of each {k} window, stepping {s} pixel{'s' if s != '1' else ''} "
               f"(padding {p}): {_sizes(op)}; the {plural(c_out, 'channel')} pass through unchanged.")
    elif op.kind is OpKind.CONV:
        change = f"{k} conv, stride {s}, {plural(c_out, 'filter')}"
        channels = (f"so {plural(c_in, 'channel')} become {fmt.integer(c_out)}" if c_in != c_out else
                    f"so the {plural(c_in, 'channel')} stay {fmt.integer(c_in)}")
        why = (f"`{op.id}` slides {plural(c_out, 'filter')} of {k} over its input with stride {s} and padding {p} "
               f"({_sizes(op)}); each filter gives one channel, {channels}.")
    elif op.kind is OpKind.AVGPOOL and not (op.output.is_map and op.output.spatial != (1, 1)):
        change = "global average pool"
        why = (f"`{op.id}` averages each of the {plural(c_in, 'map')} of {fmt.spatial(op.input)} to a single number."
               if op.input.spatial != (1, 1) else f"`{op.id}` takes each 1×1 map as the number it holds.")
    elif op.kind is OpKind.LINEAR:
        n_in, n_out = op.input.dims[-1], op.output.dims[-1]
        flat = any(o.kind in (OpKind.FLATTEN, OpKind.RESHAPE) and o.id == (op.inputs[0].op or "")
                   for o in trace.ops)
        what = "class score" if trace.model is not None else "output"
        biases = op.params - n_in * n_out
        tail = f"plus {plural(biases, 'bias', 'biases')}" if biases > 0 else "and no biases"
        lead = (f"The {plural(n_in, 'number')} are flattened into a vector, and `{op.id}`" if flat else f"`{op.id}`")
        change = f"{fmt.integer(n_out)}-d fc"
        why = (f"{lead} maps them to {plural(n_out, what)} ({fmt.thousands(op.params)} parameters: "
               f"a {n_in} × {n_out} weight matrix {tail}).")
    else:
        change = op_phrase(op)
        why = f"`{op.id}` ({op_phrase(op)}) takes {fmt.volume(op.input)} to {fmt.volume(op.output)}."
    shown = op if strided(op) and uneven(op) else None
    return Leg(fmt.volume(op.input), fmt.volume(op.output), op.id, paper_name(trace, op), change, why,
               _arithmetic(shown), None, section.value, shown.id if shown else None)


def _ratio(a: int, b: int) -> str:
    """A channel change as a factor where it is whole ('×2'), else the two counts."""
    return f"×{b // a}" if a and b % a == 0 else f"{a} → {b}"


def _channel_reason(trace: Trace, block: Block) -> str:
    c_in, c_out = block.input.channels, block.output.channels
    convs = [o for o in block_ops(trace, block, Path.PRE, Path.MAIN) if o.kind is OpKind.CONV]
    if block.kind is BlockKind.BOTTLENECK and convs:
        last = convs[-1]
        inner = last.input.channels
        how = "widens" if c_out > inner else "narrows" if c_out < inner else "keeps"
        return (f"The block ends with `{last.id}`, a 1×1 conv that {how} its inner {plural(inner, 'channel')} to "
                f"{fmt.integer(c_out)}, so {fmt.integer(c_in)} channels come in and {fmt.integer(c_out)} go out.")
    how = "double" if c_out == 2 * c_in else "change"
    return (f"The block's convs have {plural(c_out, 'filter')} where its input has {plural(c_in, 'channel')}, "
            f"so the channels {how} ({c_in} → {c_out}).")


def _shortcut_reason(trace: Trace, block: Block) -> str:
    ops = block_ops(trace, block, Path.SHORTCUT)
    out = fmt.volume(block.output)
    if block.shortcut is ShortcutKind.ZEROPAD:
        step = max((stride_of(o) for o in ops), default=1)
        extra = block.output.channels - ops[0].input.channels if ops else 0
        keeps = f"keeps {subsample_every(step)}" if step > 1 else "keeps every pixel (stride 1)"
        return (f"The zero-pad shortcut `{ops[0].id}` {keeps} and appends {plural(extra, 'channel')} of zeros, so it "
                f"matches {out} and can be added.")
    convs = [o for o in ops if o.kind is OpKind.CONV]
    if block.shortcut is ShortcutKind.POOLED and convs:
        pool = next(o for o in ops if o.kind in (OpKind.AVGPOOL, OpKind.MAXPOOL))
        return (f"The shortcut average-pools the input with `{pool.id}` ({fmt.pair(pool.kernel_size)}, stride "
                f"{fmt.scalar_pair(pool.stride)}), then `{convs[0].id}` ({fmt.pair(convs[0].kernel_size)} conv) "
                f"projects it to {out} so the two paths can be added.")
    if convs:
        c = convs[0]
        return (f"The shortcut `{c.id}` ({fmt.pair(c.kernel_size)} conv, stride {fmt.scalar_pair(c.stride)}) projects "
                f"the input to {out} so the two paths can be added.")
    if ops:
        return f"The shortcut's ops ({', '.join(f'`{o.id}`' for o in ops)}) bring the input to {out}."
    return ""


def _block_leg(trace: Trace, block: Block) -> Leg:
    stage = trace.stage(block.stage)
    down = next((o for o in block_ops(trace, block, Path.PRE, Path.MAIN) if strided(o)), None)
    parts, why = [], []
    if down is not None:
        parts.append(f"stride {fmt.scalar_pair(down.stride)}")
        verb = f"takes {fmt.spatial(block.input)} to {fmt.spatial(block.output)}" if shrinks(down) else \
            f"meets a {fmt.spatial(down.input)} map and keeps it {fmt.spatial(down.output)}"
        why.append(f"`{down.id}`, {with_stride(down)}, {verb}.")
    if block.input.channels != block.output.channels:
        parts.append(f"channels {_ratio(block.input.channels, block.output.channels)}")
        why.append(_channel_reason(trace, block))
    if block.shortcut is not ShortcutKind.IDENTITY:
        why.append(_shortcut_reason(trace, block))
    shown = down if down is not None and uneven(down) else None
    return Leg(fmt.volume(block.input), fmt.volume(block.output), block.id, stage.paper_name or "",
               " · ".join(parts) or "volume changes", " ".join(w for w in why if w), _arithmetic(shown), stage.index,
               "stage", shown.id if shown else None)


def journey(trace: Trace) -> tuple[Leg, ...]:
    """The volume from the input to the output: one leg per op or block of the trunk that changes it."""
    legs: list[Leg] = []
    for section in (Section.STEM, Section.PLAIN):
        for op in trace.ops_of(trace.stem if section is Section.STEM else trace.plain):
            if op.input != op.output and op.kind not in (OpKind.FLATTEN, OpKind.RESHAPE):
                legs.append(_op_leg(trace, op, section))
    for block in trace.blocks:
        if block.input != block.output:
            legs.append(_block_leg(trace, block))
    for op in trace.ops_of(trace.head):
        if op.input != op.output and op.kind not in (OpKind.FLATTEN, OpKind.RESHAPE):
            legs.append(_op_leg(trace, op, Section.HEAD))
    return tuple(legs)


def journey_chain(trace: Trace) -> tuple[str, ...]:
    """'224×224×3', '112×112×64', … '1000': the volumes the journey passes through."""
    return (fmt.volume(trace.input), *(leg.after for leg in journey(trace)))


def rounding_note(trace: Trace) -> str | None:
    """Why odd sides end up where they do: only when a leg of the journey shows such arithmetic."""
    shown = [trace.op(leg.strided) for leg in journey(trace) if leg.strided]
    cases = [(size, o.stride[axis], o.output.spatial[axis]) for o in shown if o.stride
             for axis, _, size, _ in uneven(o)]
    if not cases:
        return None
    up = all(out == -(-size // s) for size, s, out in cases)
    down = all(out == size // s for size, s, out in cases)
    size, s, out = cases[0]
    how = ("rounds up in every case shown" if up else "rounds down in every case shown" if down
           else "rounds up in some places and down in others")
    return (f"A side that the stride does not divide cannot be divided exactly ({size} / {s} is not whole). "
            f"PyTorch's rule decides, output = ⌊(input + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1, "
            f"which here {how} ({size} → {out}); the arithmetic is shown under those steps.")


def journey_caption(trace: Trace) -> str:
    skipped = "blocks that keep their volume are skipped" if trace.blocks else "ops that keep it are skipped"
    return (f"How the volume (height × width × channels) changes from the input to the output. Only changes are "
            f"listed; {skipped}.")
