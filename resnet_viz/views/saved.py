"""What autograd keeps for backward, computed from the graph: the per-kind rule, read off torch 2.13 on the CPU
(eval mode, the recorder's saved_tensors_hooks), counted like the recorder counts: one buffer once, the model's
weights and buffers never. An op saves only when its output needs a gradient (some input does, or it has trainable
parameters). Where torch's choice cannot be read from the trace, the row says so (`exact` False) instead of
guessing silently. Tests check these figures equal the measurement on ResNets, ResNeXt, pre-activation, SE nets.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import Op, OpKind, Trace
from .memory import VIEWS, Buffer, buffer_sizes, output_bytes, owners

SAVE_NOTHING = frozenset({OpKind.ADD, OpKind.CAT, OpKind.ZEROPAD, *VIEWS})
INDEX_BYTES = 8  # max-pool indices are int64
# activations whose backward reads their result; in place, these and the `_RESULT_IN_PLACE` ones save their buffer
_RESULT = frozenset({"sigmoid", "tanh", "softmax"})
_RESULT_IN_PLACE = frozenset({"leakyrelu", "elu", "celu", "selu"})
# in place, these save a copy of their input taken before they overwrite it: new memory of the output's size
_COPY_IN_PLACE = frozenset({"relu6", "hardtanh", "silu", "hardswish", "hardsigmoid", "mish"})
_INPUT = frozenset({"gelu", "prelu", "softplus", *_RESULT_IN_PLACE, *_COPY_IN_PLACE})
_SAVES_INPUT_PADS = frozenset({"ReflectionPad2d", "ReplicationPad2d"})


@dataclass(frozen=True)
class Rule:
    """What one op keeps for backward: buffers by role ("in0", "in1", "out"), new bytes, and why. `alternative`: what
    it would keep if the trace was read the other possible way; the figure is exact when both count the same."""

    saves: tuple[str, ...]
    text: str
    new_bytes: int = 0
    alternative: tuple[str, ...] | None = None
    exact: bool = True


def _activation(trace: Trace, op: Op) -> Rule:
    name = op.type_name.lower().replace("_", "")
    if op.inplace and name in _COPY_IN_PLACE:
        return Rule((), "a copy of its input, taken before it writes in place", output_bytes(trace, op))
    if name in _RESULT or (op.inplace and name in _RESULT_IN_PLACE):
        return Rule(("out",), "its output")
    return Rule(("in0",), "its input", exact=name in _INPUT)


def _mul(trace: Trace, op: Op, grads: tuple[bool, ...], trainable: bool) -> Rule:
    if len(op.inputs) >= 2:
        keep = tuple(f"in{1 - k}" for k in (0, 1) if grads[k])  # each factor keeps the other one for its gradient
        if op.inplace and grads[1]:  # `x *= g` keeps a copy of x from before it was overwritten
            return Rule(tuple(k for k in keep if k != "in0"), "the other factor and a copy of its input",
                        output_bytes(trace, op))
        return Rule(keep, "both factors")
    if trainable:
        return Rule(("in0",), "its input (the other factor is a parameter)")
    return Rule((), "nothing (the other factor is a number; a constant tensor would be saved)", exact=False)


def _pool(trace: Trace, op: Op) -> Rule:
    if op.kind is OpKind.MAXPOOL:
        return Rule(("in0",), "its input and int64 indices", trace.batch * op.output.numel * INDEX_BYTES)
    to_one = op.output.numel == op.output.channels  # an adaptive pool to 1×1 runs as a mean: sizes only
    if op.type_name == "mean" or (op.type_name.startswith("Adaptive") and to_one):
        return Rule((), "nothing (a mean needs only sizes)")
    if op.type_name == "avg_pool" and to_one:  # F.avg_pool2d or F.adaptive_avg_pool2d: the trace cannot tell
        return Rule(("in0",), "its input (F.avg_pool2d; an adaptive pool to 1×1 saves nothing)", alternative=())
    return Rule(("in0",), "its input")


def rule(trace: Trace, op: Op, grads: tuple[bool, ...], trainable: bool) -> Rule:
    """What torch 2.13 saves for `op` in eval mode, given which inputs need a gradient (measured per kind)."""
    kind = op.kind
    if kind in SAVE_NOTHING or (kind is OpKind.LINEAR and not trainable):
        return Rule((), "nothing")
    if kind in (OpKind.CONV, OpKind.BATCHNORM, OpKind.LINEAR):
        return Rule(("in0",), "its input")
    if kind is OpKind.RELU:
        return Rule(("out",), "its output")
    if kind is OpKind.ACTIVATION:
        return _activation(trace, op)
    if kind in (OpKind.MAXPOOL, OpKind.AVGPOOL):
        return _pool(trace, op)
    if kind is OpKind.MUL:
        return _mul(trace, op, grads, trainable)
    if kind is OpKind.PAD and op.type_name in _SAVES_INPUT_PADS:
        return Rule(("in0",), "its input")
    if kind is OpKind.PAD:
        return Rule((), "nothing (constant padding; reflect and replicate keep their input)",
                    alternative=("in0",) if op.type_name == "pad" else None)
    if kind is OpKind.NORM:  # group norm: 2·N·G floats more; layer norm: 2 per normalised row; not in the trace
        return Rule(("in0",), "its input, plus per-group mean and rstd the trace cannot size", exact=False)
    return Rule((), "unknown op: nothing counted", exact=False)


def computed_saved(trace: Trace) -> tuple[tuple[int, str, bool], ...]:
    """Per op, in execution order: (bytes autograd would save, deduplicated by buffer like the measurement; the
    rule's words; whether that figure is certain)."""
    owner, size = owners(trace), buffer_sizes(trace)
    first_call = {o.module: o.trainable_params > 0 for o in trace.ops if o.id == o.module}
    grad: dict[str | None, bool] = {None: False}  # op id → its output needs a gradient (None: the input)
    seen: set[Buffer] = set()
    out = []
    for op in trace.ops:
        grads = tuple(grad[r.op] for r in op.inputs)
        reused = op.id.partition("#")[0] == op.module and first_call.get(op.module, False)  # a module's 2nd call
        trainable = op.trainable_params > 0 or reused
        grad[op.id] = any(grads) or trainable
        r = rule(trace, op, grads, trainable) if grad[op.id] else Rule((), "nothing (no gradient flows here)")
        refs = {"out": op.id, **{f"in{k}": ref.op for k, ref in enumerate(op.inputs)}}
        mine, other = ({owner[b] if b is not None else None for b in map(refs.get, keys)} - seen
                       for keys in (r.saves, r.alternative or ()))
        exact = r.exact and (r.alternative is None or sum(size[b] for b in other) == sum(size[b] for b in mine))
        seen |= mine
        out.append((sum(size[b] for b in mine) + r.new_bytes, r.text, exact))
    return tuple(out)
