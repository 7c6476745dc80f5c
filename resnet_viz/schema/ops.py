"""One executed op as plain data: the volumes it read (its edges, as Refs to their producers) and the volumes it made.

No tensors live here: a Volume is a shape without its batch dimension.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from .enums import OpKind, Path, Section

Pair = tuple[int, int]


@dataclass(frozen=True)
class Volume:
    """One activation without its batch dimension: (C, H, W) for a feature map, (F,) for a vector.

    `batched` is False for a tensor whose first dimension is not the batch (a reshape merged it away).
    """

    dims: tuple[int, ...]
    batched: bool = True

    @property
    def is_map(self) -> bool:
        return self.batched and len(self.dims) == 3

    @property
    def channels(self) -> int:
        return self.dims[0] if self.dims else 1

    @property
    def height(self) -> int:
        return self.dims[1] if self.is_map else 1

    @property
    def width(self) -> int:
        return self.dims[2] if self.is_map else 1

    @property
    def spatial(self) -> Pair:
        return self.height, self.width

    @property
    def numel(self) -> int:
        """Elements per image."""
        return prod(self.dims)

    def shape(self, batch: int) -> tuple[int, ...]:
        """The tensor's full shape for a batch of `batch`."""
        return (batch, *self.dims) if self.batched else self.dims


@dataclass(frozen=True)
class Ref:
    """A tensor an op reads: output `index` of op `op`, or the model input when `op` is None."""

    op: str | None
    index: int
    volume: Volume


@dataclass(frozen=True)
class Op:
    """One executed operation, in execution order, with the tensors it read (edges) and the volumes it made."""

    id: str  # module path; "#k" for the k-th call of a reused module; functional ops inside their module
    module: str  # module path without the call suffix (functional ops: their enclosing module)
    kind: OpKind
    type_name: str  # the module's class or the function's name
    inputs: tuple[Ref, ...]
    outputs: tuple[Volume, ...]
    section: Section = Section.UNPLACED
    stage: str | None = None
    block: str | None = None
    path: Path | None = None  # inside a block only
    kernel_size: Pair | None = None
    stride: Pair | None = None
    padding: Pair | None = None
    dilation: Pair | None = None
    groups: int | None = None
    ceil_mode: bool = False
    inplace: bool = False  # wrote into its input's memory (ReLU(inplace=True), `out += identity`)
    params: int = 0  # counted on a module's first call only
    trainable_params: int = 0
    macs: int = 0  # multiply-adds of conv and fc, for the whole batch
    elementwise_ops: int = 0  # bn/relu/add/pool work, kept apart from macs

    @property
    def input(self) -> Volume:
        """The first tensor it read (every recorded op read at least one traced tensor)."""
        return self.inputs[0].volume

    @property
    def output(self) -> Volume:
        return self.outputs[0]
