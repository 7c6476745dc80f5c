"""Memory from the graph: activation bytes per op, what is alive when, and the peak of an inference pass.

A tensor is allocated when its op runs and freed once the last op that reads it has run; an op that writes into its
input (ReLU(inplace=True), `out += identity`) or returns a view of it (flatten, reshape, slicing) allocates nothing.
The input and what the model returns stay alive for the whole pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import Op, OpKind, Trace
from ..schema.counting import ELEMENT_SIZES

VIEWS = frozenset({OpKind.FLATTEN, OpKind.RESHAPE, OpKind.SLICE, OpKind.DROPOUT})


def element_size(trace: Trace) -> int:
    return ELEMENT_SIZES.get(trace.dtype, 4)


def output_bytes(trace: Trace, op: Op) -> int:
    """Bytes of the op's outputs for the traced batch (new memory or not)."""
    return trace.batch * sum(v.numel for v in op.outputs) * element_size(trace)


def allocates(op: Op) -> bool:
    """Whether the op's output needs new memory (not in place, not a view of its input)."""
    return not op.inplace and op.kind not in VIEWS


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
    ops = trace.ops
    owner: dict[str, str | None] = {}  # op id → the op whose buffer its output lives in (None: the input)
    size: dict[str | None, int] = {None: trace.batch * trace.input.numel * element_size(trace)}
    last: dict[str | None, int] = {None: len(ops)}
    for i, op in enumerate(ops):
        src = op.inputs[0].op
        if allocates(op):
            owner[op.id] = op.id
            size[op.id] = output_bytes(trace, op)
            last[op.id] = i
        else:
            owner[op.id] = owner.get(src) if src is not None else None
        for r in op.inputs:
            buf = owner.get(r.op) if r.op is not None else None
            last[buf] = max(last.get(buf, i), i)
    for r in trace.outputs:
        last[owner.get(r.op) if r.op is not None else None] = len(ops)
    starts: dict[int, list[str | None]] = {}
    ends: dict[int, list[str | None]] = {}
    for i, op in enumerate(ops):
        if owner.get(op.id) == op.id:
            starts.setdefault(i, []).append(op.id)
            ends.setdefault(last[op.id], []).append(op.id)
    current, live = size[None], []
    for i in range(len(ops)):
        current += sum(size[b] for b in starts.get(i, ()))
        live.append(current)
        current -= sum(size[b] for b in ends.get(i, ()))
    return Liveness(tuple(live), size[None])


def inference_peak_bytes(trace: Trace) -> int:
    """Weights plus the most activation memory alive at once in a no-grad pass (kernel workspaces not included)."""
    return trace.totals.param_bytes + liveness(trace).peak
