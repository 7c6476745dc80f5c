"""The titles and captions of drawings, in our own words, from the trace (the wording of figures lives here)."""

from __future__ import annotations

from .. import fmt
from ..options import Level
from ..schema import Op, OpKind, Path, ShortcutKind, Trace
from ..shapes import output_size_formula
from .receptive import centre_window, stage_fields
from .steps import block_paths, units
from .words import block_name, op_lines, op_phrase, plural, verb


def shortcut_words(kind: ShortcutKind, ops: tuple[Op, ...]) -> str:
    """How a caption says what the block's shortcut does (and how it is drawn)."""
    if kind is ShortcutKind.IDENTITY:
        return "an identity shortcut (solid arc) adds the block's input unchanged"
    if kind is ShortcutKind.ZEROPAD:
        step = max((max(o.stride) for o in ops if o.stride), default=1)
        how = "subsamples the input and pads" if step > 1 else "keeps every pixel and pads"
        return f"a zero-pad shortcut (option A, dotted arc) {how} the new channels with zeros, at no parameter cost"
    conv = next((o for o in ops if o.kind is OpKind.CONV), None)
    what = f" ({op_phrase(conv)})" if conv else ""
    name = "a pooled projection shortcut" if kind is ShortcutKind.POOLED else "a projection shortcut"
    if kind is ShortcutKind.OTHER:
        name = "a shortcut"
    return f"{name}{what}, drawn dotted, reshapes the input so that it can be added"


def arithmetic(op: Op) -> str:
    """' (output height: ⌊(224 + 2·3 − 1·(7−1) − 1) / 2⌋ + 1 = 112)' for a conv or pool, both sides when they differ."""
    if op.kernel_size is None or op.stride is None or op.padding is None or not op.input.is_map:
        return ""
    dil = op.dilation or (1, 1)
    sides = [output_size_formula(op.input.spatial[a], op.kernel_size[a], op.stride[a], op.padding[a], dil[a],
                                 op.ceil_mode) for a in (0, 1)]
    if sides[0] == sides[1]:
        return f" (each side: {sides[0]})"
    return f" (height: {sides[0]}; width: {sides[1]})"


def _network(trace: Trace) -> tuple[str, str]:
    v = fmt.volume
    blocks = trace.blocks
    kinds = sorted({block_name(b.kind, b.preact) for b in blocks})
    kind = kinds[0] if len(kinds) == 1 else "residual"
    if trace.stages:
        title = (f"{trace.model_name}: {v(trace.input)} → {v(trace.output)}, {plural(len(blocks), kind + ' block')} "
                 f"in {plural(len(trace.stages), 'stage')}")
    else:
        title = f"{trace.model_name}: {v(trace.input)} → {v(trace.output)}, {plural(len(trace.ops), 'op')}"
    parts = []
    stem = units(trace.ops_of(trace.stem))
    if stem:
        steps = " and ".join(f"{u.lead.id} ({op_phrase(u.lead)})" for u in stem)
        parts.append(f"The stem, {steps}, takes the {v(trace.input)} input to {v(stem[-1].output)}.")
    if trace.stages:
        shrinking = [s.id for s in trace.stages
                     if s.output.spatial < s.input.spatial and s.output.channels > s.input.channels]
        how = f" ({', '.join(shrinking)} each shrinking the height and width while widening the channels)" \
            if shrinking else ""
        head = units(trace.ops_of(trace.head))
        ending = (f"; {' and '.join(op_phrase(u.lead) for u in head)} give the {v(trace.output)} output"
                  if head else "")
        parts.append(f"Then {plural(len(trace.stages), 'stage')} of {kind} blocks reach "
                     f"{v(trace.stages[-1].output)}{how}{ending}.")
    else:
        parts.append("No residual block was found: each step is one op of the network, in order.")
    return title, " ".join(parts)


def _stage(trace: Trace, sel: str) -> tuple[str, str]:
    v = fmt.volume
    s = trace.stage(sel)
    paper = f" ({s.paper_name})" if s.paper_name else ""
    title = f"{s.id}{paper}: {plural(len(s.blocks), 'block')}, {v(s.input)} → {v(s.output)}"
    first = s.blocks[0]
    paths = block_paths(trace, first)
    change = f"keeps {v(first.input)}" if first.input == first.output else \
        f"takes {v(first.input)} to {v(first.output)}"
    caption = (f"{first.id} {change}, and "
               f"{shortcut_words(first.shortcut, tuple(o for u in paths.shortcut for o in u.ops))}.")
    rest = s.blocks[1:]
    if rest:
        kinds = {b.shortcut for b in rest}
        how = ("each adds its input unchanged (solid arcs)" if kinds == {ShortcutKind.IDENTITY}
               else "each with its own shortcut")
        caption += f" The other {plural(len(rest), 'block')} {verb(len(rest), 'keeps', 'keep')} {v(s.output)}; {how}."
    return title, caption


def _block(trace: Trace, sel: str) -> tuple[str, str]:
    v = fmt.volume
    b = trace.block(sel)
    s = trace.stage(b.stage)
    paper = f"{s.paper_name}, " if s.paper_name else ""
    title = (f"{b.id} ({paper}block {b.index + 1} of {len(s.blocks)}): {block_name(b.kind, b.preact)} block, "
             f"{v(b.input)} → {v(b.output)}")
    paths = block_paths(trace, b)
    steps = " → ".join(op_phrase(u.lead) for u in (*paths.pre, *paths.main))
    norms = ("each conv preceded by batch norm and ReLU" if b.preact else
             "each conv followed by batch norm, ReLU before the next")
    gate = " A squeeze-excitation gate scales the main path's channels before the addition." if paths.gate else ""
    after = " before the final ReLU." if paths.join and paths.join.after else "."
    caption = (f"The main path runs {steps} ({norms}); "
               f"{shortcut_words(b.shortcut, tuple(o for u in paths.shortcut for o in u.ops))}, and ⊕ sums the two"
               f"{after}{gate}")
    return title, caption


def _op(trace: Trace, sel: str) -> tuple[str, str]:
    v = fmt.volume
    op = trace.op(sel)
    title = f"{op.id}: {op_phrase(op)}, {v(op.input)} → {v(op.output)}"
    cost = []
    if op.params:
        cost.append(plural(op.params, "parameter"))
    if op.macs:
        cost.append(f"{fmt.compact(op.macs // trace.batch)} multiply-adds per image")
    cost_text = f" It costs {' and '.join(cost)}." if cost else ""
    if op.kind is OpKind.CONV and op.kernel_size:
        c_in = op.input.channels // (op.groups or 1)
        k = f"{fmt.pair(op.kernel_size)}{fmt.TIMES}{c_in}"
        caption = (f"{op.id} slides {plural(op.output.channels, 'kernel')} of {k} over the {v(op.input)} input, "
                   f"{', '.join(op_lines(op)[1:])}, giving {v(op.output)}{arithmetic(op)}.{cost_text}")
    elif op.kind in (OpKind.MAXPOOL, OpKind.AVGPOOL) and op.kernel_size:
        what = "the largest value" if op.kind is OpKind.MAXPOOL else "the average"
        caption = (f"{op.id} keeps {what} of each {fmt.pair(op.kernel_size)} window, {', '.join(op_lines(op)[1:])}: "
                   f"{v(op.input)} → {v(op.output)}{arithmetic(op)}, with no parameters.")
    elif op.kind is OpKind.ZEROPAD:
        how = (f"subsamples with stride {fmt.scalar_pair(op.stride)} and pads" if op.stride and max(op.stride) > 1
               else "keeps every pixel and pads")
        caption = (f"The option-A shortcut {op.id} {how} the missing channels with zeros: {v(op.input)} → "
                   f"{v(op.output)}, with no parameters.")
    else:
        phrase = op_phrase(op)
        what = op.id if phrase.split(" ")[0] == op.id else f"{op.id} ({phrase})"
        where = " on the shortcut path" if op.path is Path.SHORTCUT else ""
        caption = f"{what}{where} maps {v(op.input)} to {v(op.output)}.{cost_text}"
    return title, caption


def _receptive(trace: Trace, stage_id: str) -> str:
    """What the square on the input says, in words (clipped to the image, like the square)."""
    stage = trace.stage(stage_id)
    field = stage_fields(trace).get(stage_id)
    name = stage.paper_name or stage.id
    if field is None:
        return f" The receptive field of {name} is unknown (an op of unknown geometry precedes it)."
    ((r0, r1), (c0, c1)), covers = centre_window(field, stage.output, trace.input.spatial)
    text = (f" The square on the input marks what the centre position of {name}'s output sees: "
            f"{r1 - r0 + 1}×{c1 - c0 + 1} of the {fmt.pair(trace.input.spatial)} pixels (its receptive field is "
            f"{fmt.pair(field.size)} with a stride of {fmt.scalar_pair(field.stride)}")
    return text + (", larger than the input)." if covers else ").")


def describe(trace: Trace, level: Level, sel: str | None, rf: str | None = None) -> tuple[str, str]:
    """(title, caption) of a drawing; `sel` is an already resolved id, `rf` a resolved stage id."""
    if level is Level.NETWORK or sel is None:
        title, caption = _network(trace)
        if rf is None:
            return title, caption
        stage = trace.stage(rf)
        return (f"{trace.model_name}: what one position of {stage.paper_name or stage.id} sees of the input",
                caption + _receptive(trace, rf))
    return {Level.STAGE: _stage, Level.BLOCK: _block, Level.OP: _op}[level](trace, sel)
