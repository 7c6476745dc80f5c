"""Memory from the graph: activation bytes per op, what is alive when, what autograd keeps for backward, and the
figures of an inference pass and a training step, each labelled "computed" (from the trace) or "measured".

Buffers: an op that writes into its input (ReLU(inplace=True), `out += identity`) or returns a view of it (flatten,
reshape, slicing, eval-mode dropout) allocates nothing; its output lives in its input's buffer. A buffer is freed
once the last op that reads it has run; the model's input and what it returns stay alive for the whole pass.

Saved for backward: the per-kind rule below was read off torch 2.13 on the CPU (eval mode, the recorder's
saved_tensors_hooks) and is counted like the recorder counts: one buffer once, weights and buffers of the model
never. An op saves only when its output needs a gradient (some input does, or it has trainable parameters).
Where torch's choice cannot be read from the trace the row says so (`exact` False) instead of guessing silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from ..schema import Op, OpKind, Trace
from ..schema.counting import ELEMENT_SIZES

VIEWS = frozenset({OpKind.FLATTEN, OpKind.RESHAPE, OpKind.SLICE, OpKind.DROPOUT})
SAVE_NOTHING = frozenset({OpKind.ADD, OpKind.CAT, OpKind.ZEROPAD, *VIEWS})
INDEX_BYTES = 8  # max-pool indices are int64
COMPUTED = "computed"
# activations whose backward reads their result; in place, these and the `_RESULT_IN_PLACE` ones save their buffer
_RESULT = frozenset({"sigmoid", "tanh", "softmax"})
_RESULT_IN_PLACE = frozenset({"leakyrelu", "elu", "celu", "selu"})
# in place, these save a copy of their input taken before they overwrite it: new memory of the output's size
_COPY_IN_PLACE = frozenset({"relu6", "hardtanh", "silu", "hardswish", "hardsigmoid", "mish"})
_INPUT = frozenset({"gelu", "prelu", "softplus", *_RESULT_IN_PLACE, *_COPY_IN_PLACE})
_SAVES_INPUT_PADS = frozenset({"ReflectionPad2d", "ReplicationPad2d"})

Buffer = str | None  # the op whose output owns the memory; None: the model input


def element_size(trace: Trace) -> int:
    return ELEMENT_SIZES.get(trace.dtype, 4)


def output_bytes(trace: Trace, op: Op) -> int:
    """Bytes of the op's outputs for the traced batch (new memory or not)."""
    return sum(prod(v.shape(trace.batch)) for v in op.outputs) * element_size(trace)


def allocates(op: Op) -> bool:
    """Whether the op's output needs new memory (not in place, not a view of its input)."""
    return not op.inplace and op.kind not in VIEWS


def owners(trace: Trace) -> dict[str, Buffer]:
    """Op id → the buffer its output lives in."""
    owner: dict[str, Buffer] = {}
    for op in trace.ops:
        src = op.inputs[0].op if op.inputs else None
        owner[op.id] = op.id if allocates(op) else (owner.get(src) if src is not None else None)
    return owner


def buffer_sizes(trace: Trace) -> dict[Buffer, int]:
    sizes: dict[Buffer, int] = {None: trace.batch * trace.input.numel * element_size(trace)}
    sizes.update((op.id, output_bytes(trace, op)) for op in trace.ops if allocates(op))
    return sizes


@dataclass(frozen=True)
class Liveness:
    """For each op position, the activation bytes alive while it runs (its inputs and its new output)."""

    live: tuple[int, ...]
    input_bytes: int

    @property
    def peak(self) -> int:
        return max(self.live, default=self.input_bytes)

    @property
    def peak_position(self) -> int:
        return max(range(len(self.live)), key=self.live.__getitem__) if self.live else 0


def liveness(trace: Trace) -> Liveness:
    """Activation bytes alive during each op of a no-grad pass, following the graph's edges."""
    ops, owner, size = trace.ops, owners(trace), buffer_sizes(trace)
    end = len(ops)  # "alive until the pass returns"
    last: dict[Buffer, int] = {None: end}
    for i, op in enumerate(ops):
        last.setdefault(owner[op.id], i)
        for r in op.inputs:
            buf = owner[r.op] if r.op is not None else None
            last[buf] = max(last.get(buf, i), i)
    for r in trace.outputs:
        last[owner[r.op] if r.op is not None else None] = end
    freed = [0] * (end + 1)
    for buf, i in last.items():
        freed[i] += size[buf] if buf is not None else 0
    current, live = size[None], []
    for i, op in enumerate(ops):
        current += size[op.id] if owner[op.id] == op.id else 0
        live.append(current)
        current -= freed[i]
    return Liveness(tuple(live), size[None])


def inference_peak_bytes(trace: Trace) -> int:
    """Weights plus the most activation memory alive at once in a no-grad pass (kernel workspaces not included)."""
    return trace.totals.param_bytes + liveness(trace).peak


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


@dataclass(frozen=True)
class Figure:
    """Bytes, and where they come from: "computed" from the trace, or "measured on cpu" (or cuda) by the pass."""

    name: str
    bytes: int
    source: str


def _sum(name: str, *parts: Figure) -> Figure:
    sources = sorted({p.source for p in parts})
    return Figure(name, sum(p.bytes for p in parts), sources[0] if len(sources) == 1 else "computed and measured")


@dataclass(frozen=True)
class TrainingEstimate:
    """One training step at the traced batch, figure by figure. Not included: the activations' gradients during
    backward and kernel workspaces (they come on top, and depend on when backward frees what)."""

    weights: Figure
    gradients: Figure  # one per trainable parameter
    sgd_momentum: Figure  # one momentum buffer per trainable parameter
    adam: Figure  # exp_avg and exp_avg_sq
    saved_activations: Figure  # what autograd keeps for backward (eval mode, as traced)
    train_mode_extra: Figure  # train mode also keeps batch-norm batch statistics (2·C floats) and dropout masks

    def total(self, optimizer: str = "adam") -> Figure:
        """The sum of the figures with one optimizer: "sgd" (no state), "sgd_momentum" or "adam"."""
        state = {"sgd": (), "sgd_momentum": (self.sgd_momentum,), "adam": (self.adam,)}[optimizer]
        return _sum(f"training step ({optimizer})", self.weights, self.gradients, *state, self.saved_activations,
                    self.train_mode_extra)


@dataclass(frozen=True)
class OpMemory:
    """One row: an op's outputs, whether they took new memory, what was alive, and what backward keeps."""

    id: str
    kind: OpKind
    output_bytes: int
    allocates: bool
    live_bytes: int  # activations alive while it runs (inference)
    saved_bytes: int  # measured when the trace has it, else computed; `saved_source` says which
    saved_source: str
    saved_computed: int
    rule: str  # what the per-kind rule says it saves
    exact: bool  # False where the computed figure is uncertain (`rule` says why)


@dataclass(frozen=True)
class MemoryReport:
    """What the report and `summary` render: rows per op and the labelled totals (a CUDA pass's measured peak sits
    beside the computed one; it includes workspaces and the allocator's rounding, the computed one does not)."""

    ops: tuple[OpMemory, ...]
    input: Figure
    weights: Figure
    activation_peak: Figure
    peak_op: str  # the op during which the most activation memory is alive
    inference_peak: Figure  # weights + activation peak, no workspaces
    cuda_peak: Figure | None  # torch.cuda.max_memory_allocated of the real pass, when it ran on CUDA
    training: TrainingEstimate

    @property
    def inexact(self) -> tuple[str, ...]:
        """Ops whose computed saved bytes are uncertain."""
        return tuple(o.id for o in self.ops if not o.exact)


def memory_report(trace: Trace) -> MemoryReport:
    """Every memory figure of the trace: measured where the real pass measured it, else computed."""
    live, size, trainable = liveness(trace), element_size(trace), trace.totals.trainable_params
    measured = dict(trace.measured.saved_bytes)
    source = f"measured on {trace.provenance.device or 'cpu'}" if measured else COMPUTED
    rows = tuple(OpMemory(op.id, op.kind, output_bytes(trace, op), allocates(op), live.live[i],
                          measured.get(op.id, c[0]), source, *c)
                 for i, (op, c) in enumerate(zip(trace.ops, computed_saved(trace), strict=True)))
    weights, peak = Figure("weights", trace.totals.param_bytes, COMPUTED), Figure("activations", live.peak, COMPUTED)
    stats = sum(2 * op.output.channels * 4 for op in trace.ops if op.kind is OpKind.BATCHNORM)
    masks = sum(output_bytes(trace, op) for op in trace.ops if op.kind is OpKind.DROPOUT)
    training = TrainingEstimate(
        weights, Figure("gradients", trainable * size, COMPUTED), Figure("SGD momentum", trainable * size, COMPUTED),
        Figure("Adam moments", 2 * trainable * size, COMPUTED),
        Figure("saved for backward", sum(r.saved_bytes for r in rows), source),
        Figure("train-mode statistics and masks", stats + masks, COMPUTED))
    cuda = trace.measured.cuda_peak_bytes
    return MemoryReport(
        rows, Figure("input", live.input_bytes, COMPUTED), weights, peak,
        trace.ops[live.peak_position].id if trace.ops else "", _sum("inference peak", weights, peak),
        Figure("CUDA peak", cuda, "measured on cuda") if cuda is not None else None, training)
