"""The volume's journey from the input to the class scores, leg by leg, so a reader sees where and why it changes.

Each leg says what the volume becomes, which op or block changes it and why, with PyTorch's size arithmetic
wherever a stride does not divide a side (odd inputs such as 197×311). Derived from the trace only; text comes
out plain (with `backticks` around PyTorch names) and renderers style it.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import fmt
from .schema import Op, OpKind, Path, Section, Trace
from .shapes import conv_output_size, output_size_formula
from .views import volume_journey


@dataclass(frozen=True)
class Leg:
    """One visible change of the volume: where it happens, what it becomes, why, and any rounding arithmetic."""

    before: str
    after: str
    where: str  # op or block id
    paper: str  # conv1, conv3_x, head
    change: str  # short label: "stride 2 · channels ×2"
    why: str
    arithmetic: tuple[str, ...] = ()  # floor-rounding formulas where a side does not divide by the stride
    stage_index: int | None = None
    section: str = "stage"


def _uneven(op: Op) -> list[tuple[str, int, int, int, int, int]]:
    """(side name, size, kernel, stride, padding, dilation) for each side the op's stride does not divide."""
    if op.kernel_size is None or op.stride is None or op.padding is None or len(op.input_shape) != 4:
        return []
    dil = op.dilation or (1, 1)
    return [(name, op.input_shape[2 + a], op.kernel_size[a], op.stride[a], op.padding[a], dil[a])
            for a, name in ((0, "height"), (1, "width")) if op.stride[a] > 1 and op.input_shape[2 + a] % op.stride[a]]


def _arithmetic(op: Op) -> tuple[str, ...]:
    """The output-size formula for each side the stride does not divide exactly (odd inputs such as 197×311)."""
    return tuple(f"{name} {size} at `{op.id}`: {output_size_formula(size, k, s, p, d)}"
                 for name, size, k, s, p, d in _uneven(op))


def _ratio(a: int, b: int) -> str:
    """Channel change as a factor where it is whole ('×2'), else the two counts."""
    if a and b % a == 0:
        return f"×{b // a}"
    return f"{a} → {b}"


def _stem_leg(trace: Trace, op: Op) -> Leg:
    c_in, c_out = fmt.channels(op.input_shape), fmt.channels(op.output_shape)
    k, s, p = fmt.pair(op.kernel_size), fmt.scalar_pair(op.stride), fmt.scalar_pair(op.padding)
    size = f"{fmt.spatial(op.input_shape)} → {fmt.spatial(op.output_shape)}"
    if op.kind is OpKind.MAXPOOL:
        change = f"{k} max pool, stride {s}"
        why = (f"`{op.id}` keeps the largest value of each {k} window, stepping {s} pixels (padding {p}): "
               f"{size}; the {c_out} channels pass through unchanged.")
    elif op.kind is OpKind.CONV:
        change = f"{k} conv, stride {s}, {c_out} filters"
        keep = "the size is kept" if op.input_shape[2:] == op.output_shape[2:] else size
        why = (f"`{op.id}` slides {c_out} filters of {k} over the input with stride {s} and padding {p} ({keep}); "
               f"each filter gives one channel, so {c_in} channels become {c_out}.")
    else:
        change, why = op.kind.value, f"`{op.id}`: {size}."
    return Leg("", fmt.volume(op.output_shape), op.id, "conv1", change, why, _arithmetic(op), None, "stem")


def _block_leg(trace: Trace, stage, block) -> Leg:
    ops = trace.ops_of(block.op_ids)
    shrink = next((o for o in ops if o.path is Path.MAIN and o.kind is OpKind.CONV and
                   o.input_shape[2:] != o.output_shape[2:]), None)
    c_in, c_out = fmt.channels(block.input_shape), fmt.channels(block.output_shape)
    parts, why = [], []
    if shrink is not None:
        parts.append(f"stride {fmt.scalar_pair(shrink.stride)}")
        why.append(f"`{shrink.id}`, a {fmt.pair(shrink.kernel_size)} conv with stride {fmt.scalar_pair(shrink.stride)}, "
                   f"takes {fmt.spatial(block.input_shape)} to {fmt.spatial(block.output_shape)}.")
    if c_in != c_out:
        parts.append(f"channels {_ratio(c_in, c_out)}")
        last = [o for o in ops if o.path is Path.MAIN and o.kind is OpKind.CONV][-1]
        if block.kind == "bottleneck":
            inner = fmt.channels(last.input_shape)
            why.append(f"The block ends with `{last.id}`, a 1×1 conv that widens its inner {inner} channels to "
                       f"{c_out}, so {c_in} channels come in and {c_out} go out.")
        else:
            how = "double" if c_out == 2 * c_in else "change"
            why.append(f"The block's convs have {c_out} filters where the previous stage's had {c_in}, "
                       f"so the channels {how} ({c_in} → {c_out}).")
    short = [o for o in ops if o.path is Path.SHORTCUT]
    if short:
        sc = short[0]
        if sc.kind is OpKind.ZEROPAD:
            why.append(f"The shortcut `{sc.id}` subsamples the input and appends {c_out - c_in} zero channels, "
                       f"so it matches {fmt.volume(block.output_shape)} and can be added.")
        else:
            why.append(f"The shortcut `{sc.id}` ({fmt.pair(sc.kernel_size)} conv, stride {fmt.scalar_pair(sc.stride)}) "
                       f"projects the input to {fmt.volume(block.output_shape)} so the two paths can be added.")
    arith = _arithmetic(shrink) if shrink is not None else ()
    return Leg("", fmt.volume(block.output_shape), block.id, stage.paper_name, " · ".join(parts), " ".join(why),
               arith, stage.index, "stage")


def _head_leg(trace: Trace, op: Op, flat: bool) -> Leg:
    if op.kind is OpKind.AVGPOOL:
        c = fmt.channels(op.output_shape)
        return Leg("", fmt.volume(op.output_shape), op.id, "head", "global average pool",
                   f"`{op.id}` averages each of the {c} maps of {fmt.spatial(op.input_shape)} to a single number.",
                   (), None, "head")
    if op.kind is OpKind.LINEAR:
        n_in, n_out = op.input_shape[-1], fmt.channels(op.output_shape)
        lead = f"The {n_in} numbers are flattened into a vector, and `{op.id}`" if flat else f"`{op.id}`"
        text = (f"{lead} maps them to {n_out} class scores ({fmt.thousands(op.params)} parameters: "
                f"a {n_in} × {n_out} weight matrix plus {n_out} biases).")
        return Leg("", fmt.volume(op.output_shape), op.id, "fc", f"{n_out}-d fc", text, (), None, "head")
    return Leg("", fmt.volume(op.output_shape), op.id, "head", op.kind.value, f"`{op.id}`.", (), None, "head")


def journey(trace: Trace) -> tuple[Leg, ...]:
    """The volume from the input to the class scores, one leg per stem op, per block that changes it, per head op."""
    steps = volume_journey(trace)
    changed = {(s.op.stage, s.op.block) for s in steps if s.op.section is Section.STAGE}
    legs: list[Leg] = []
    for op in trace.ops_of(trace.stem):
        if any(s.op is op for s in steps):
            legs.append(_stem_leg(trace, op))
    for stage in trace.stages:
        for block in stage.blocks:
            if (stage.id, block.index) in changed and block.input_shape != block.output_shape:
                legs.append(_block_leg(trace, stage, block))
    head_steps = [s.op for s in steps if s.op.section is Section.HEAD]
    flat = any(o.kind is OpKind.FLATTEN for o in head_steps)
    legs.extend(_head_leg(trace, o, flat) for o in head_steps if o.kind is not OpKind.FLATTEN)
    out, before = [], fmt.input_size(trace.input_shape)
    for leg in legs:
        out.append(Leg(before, leg.after, leg.where, leg.paper, leg.change, leg.why, leg.arithmetic,
                       leg.stage_index, leg.section))
        before = leg.after
    return tuple(out)


def journey_chain(trace: Trace) -> tuple[str, ...]:
    """'224×224×3', '112×112×64', … '1000': the volumes the journey passes through."""
    legs = journey(trace)
    return (fmt.input_size(trace.input_shape), *(leg.after for leg in legs))


def rounding_note(trace: Trace) -> str | None:
    """Why odd sides end up where they do, only when some stride does not divide a side (e.g. 197×311)."""
    cases = [(size, s, conv_output_size(size, k, s, p, d)) for o in trace.ops if o.path is not Path.SHORTCUT
             for _, size, k, s, p, d in _uneven(o)]
    if not cases:
        return None
    up = all(out == -(-size // s) for size, s, out in cases)
    down = all(out == size // s for size, s, out in cases)
    size, s, out = cases[0]
    how = ("which here always rounds the halving up" if up else "which here always rounds the halving down"
           if down else "which rounds the halving up in some places and down in others")
    return (f"A side that the stride does not divide cannot be halved exactly ({size} / {s} is not whole). "
            f"PyTorch's rule decides: output = ⌊(input + 2·padding − kernel) / stride⌋ + 1, {how} "
            f"({size} → {out}). The arithmetic is shown under each step where it applies.")


def journey_caption(trace: Trace) -> str:
    return ("How the volume (height × width × channels) changes from the input image to the class scores. "
            "Only changes are listed; blocks that keep their volume are skipped.")
