"""Memory from the graph: activation bytes per op, what is alive when, what autograd keeps for backward, and the
figures of an inference pass and a training step, each labelled "computed" (from the trace) or "measured".

Buffers: an op that writes into its input (ReLU(inplace=True), `out += identity`) or returns a view of it (flatten,
reshape, slicing, eval-mode dropout) allocates nothing; its output lives in its input's buffer. A buffer is freed
once the last op that reads it has run; the model's input and what it returns stay alive for the whole pass.

What autograd keeps for backward is computed by saved.py (measured figures come from the trace when it has them).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from ..schema import Op, OpKind, Trace
from ..schema.counting import ELEMENT_SIZES

VIEWS = frozenset({OpKind.FLATTEN, OpKind.RESHAPE, OpKind.SLICE, OpKind.DROPOUT})
COMPUTED = "computed"

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

