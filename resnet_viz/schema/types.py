"""The trace as plain, immutable data: ints, strings, tuples and enums, with the data-flow edges between ops.

No tensors, modules or devices live here, so a trace loaded from JSON drives every view and renderer without
torch. Lookups (`op`, `stage`, `block`) are cached indexes; nothing here formats or displays anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from math import prod

from ..network_spec import NetworkSpec

SCHEMA_VERSION = 2

Pair = tuple[int, int]


class OpKind(str, Enum):
    CONV = "conv"
    BATCHNORM = "batchnorm"
    NORM = "norm"  # group, layer, instance norm
    RELU = "relu"
    ACTIVATION = "activation"  # sigmoid, SiLU, GELU, ReLU6, …
    MAXPOOL = "maxpool"
    AVGPOOL = "avgpool"
    ADD = "add"
    MUL = "mul"
    CAT = "cat"
    FLATTEN = "flatten"
    RESHAPE = "reshape"  # view, reshape, permute, squeeze, …
    SLICE = "slice"  # indexing, narrow, chunk, split
    PAD = "pad"
    LINEAR = "linear"
    ZEROPAD = "zeropad"  # the paper's option-A shortcut: subsample, then pad channels with zeros
    DROPOUT = "dropout"
    OTHER = "other"  # anything the counting table does not know; listed in Trace.uncounted


class Section(str, Enum):
    STEM = "stem"
    STAGE = "stage"
    HEAD = "head"
    PLAIN = "plain"  # every op of a network in which no residual block was found
    UNPLACED = "unplaced"  # ops the structure finder could not place (side outputs, unused results)


class Path(str, Enum):
    """Where an op sits inside a residual block."""

    PRE = "pre"  # before the fork, shared by both paths (a pre-activation block's first norm and ReLU)
    MAIN = "main"
    SHORTCUT = "shortcut"
    GATE = "gate"  # a side branch that scales the main path (squeeze-excitation), not a shortcut
    JOIN = "join"  # the residual addition where both paths meet
    POST = "post"  # after the join (the ReLU of a post-activation block)


class BlockKind(str, Enum):
    BASIC = "basic"  # two k×k convs on the main path
    BOTTLENECK = "bottleneck"  # 1×1, k×k, 1×1
    CUSTOM = "custom"


class ShortcutKind(str, Enum):
    IDENTITY = "identity"
    PROJECTION = "projection"  # conv (+ norm)
    POOLED = "pooled"  # average pool, then conv (+ norm): ResNet-D
    ZEROPAD = "zeropad"  # option A: subsample, pad the new channels with zeros
    OTHER = "other"


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


@dataclass(frozen=True)
class Block:
    """A residual block: the region between a fork and the addition that joins it, read from the graph."""

    id: str  # a module path when one module holds exactly this block ("layer2.0"), else a made-up one
    stage: str
    index: int
    kind: BlockKind
    shortcut: ShortcutKind
    preact: bool  # norm → ReLU → conv inside, no ReLU after the addition
    gated: bool  # a squeeze-excitation style gate scales the main path
    input: Volume
    output: Volume
    op_ids: tuple[str, ...]

    @property
    def stride(self) -> int:
        """How much the block shrinks the height (1 or 2 in every ResNet)."""
        if not (self.input.is_map and self.output.is_map):
            return 1
        return max(1, -(-self.input.height // self.output.height))  # 7 → 4 under ceil_mode is a stride of 2


@dataclass(frozen=True)
class Stage:
    """A run of residual blocks between changes of resolution or width."""

    id: str
    index: int  # 0-based
    paper_name: str | None  # "conv2_x" … when a stem and residual stages were found
    input: Volume
    output: Volume
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Totals:
    params: int  # every parameter of the model, also those no recorded op used
    trainable_params: int
    macs: int  # for the traced batch
    elementwise_ops: int
    activation_elements: int  # every op's outputs, for the traced batch
    param_bytes: int
    activation_bytes: int

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params


@dataclass(frozen=True)
class Provenance:
    """Where and how the trace was made. Excluded from equality: a cpu trace equals a meta trace."""

    device: str = ""  # cpu | cuda | meta
    device_name: str = ""  # e.g. "NVIDIA H100 80GB HBM3", or the CPU's model name
    torch_version: str = ""
    resnet_viz_version: str = ""
    note: str = ""  # why `--device auto` chose this device (one sentence), empty when chosen by the user


@dataclass(frozen=True)
class Timing:
    """`--measure`: per-op and whole-pass medians on the device of the pass."""

    device: str
    threads: int
    warmup: int
    repeats: int
    whole_pass_ms: float  # median of `repeats` passes without any hooks
    op_ms: tuple[tuple[str, float], ...]  # op id → median milliseconds, in execution order


@dataclass(frozen=True)
class Measured:
    """What the real pass measured. Excluded from equality, like provenance."""

    saved_bytes: tuple[tuple[str, int], ...] = ()  # op id → bytes autograd saved for backward (deduplicated)
    cuda_peak_bytes: int | None = None  # torch.cuda.max_memory_allocated during the pass
    timing: Timing | None = None


@dataclass(frozen=True)
class Trace:
    model_name: str
    model: NetworkSpec | None  # None when the model was not built by resnet-viz
    source: str  # "built-in", "MODULE:ATTR" of --model, or "python" for an nn.Module passed to trace()
    batch: int
    input: Volume
    dtype: str
    ops: tuple[Op, ...]
    outputs: tuple[Ref, ...]  # what the model returned
    stages: tuple[Stage, ...]
    totals: Totals
    uncounted: tuple[str, ...] = ()  # ids of OTHER ops: their cost is unknown, not zero
    provenance: Provenance = field(default_factory=Provenance, compare=False)
    measured: Measured = field(default_factory=Measured, compare=False)
    schema_version: int = SCHEMA_VERSION

    @cached_property
    def _index(self) -> dict[str, int]:
        """Op id → position; computed once (renderers look ops up thousands of times for ResNet-152)."""
        return {o.id: i for i, o in enumerate(self.ops)}

    @cached_property
    def _blocks(self) -> dict[str, Block]:
        return {b.id: b for s in self.stages for b in s.blocks}

    @cached_property
    def _stages(self) -> dict[str, Stage]:
        return {s.id: s for s in self.stages}

    def _section(self, section: Section) -> tuple[str, ...]:
        return tuple(o.id for o in self.ops if o.section is section)

    @cached_property
    def stem(self) -> tuple[str, ...]:
        """Ops before the first residual block."""
        return self._section(Section.STEM)

    @cached_property
    def head(self) -> tuple[str, ...]:
        """Ops after the last residual block."""
        return self._section(Section.HEAD)

    @cached_property
    def plain(self) -> tuple[str, ...]:
        """Every placed op of a network without residual blocks."""
        return self._section(Section.PLAIN)

    @cached_property
    def unplaced(self) -> tuple[str, ...]:
        """Ops the structure finder could not place: named in the report, never silently dropped."""
        return self._section(Section.UNPLACED)

    def op(self, op_id: str) -> Op:
        return self.ops[self._index[op_id]]

    def position(self, op_id: str) -> int:
        return self._index[op_id]

    def ops_of(self, ids: Iterable[str]) -> tuple[Op, ...]:
        """The ops with these ids, in execution order."""
        return tuple(self.ops[i] for i in sorted(self._index[x] for x in ids))

    def stage(self, stage_id: str) -> Stage:
        return self._stages[stage_id]

    def block(self, block_id: str) -> Block:
        return self._blocks[block_id]

    @property
    def blocks(self) -> tuple[Block, ...]:
        return tuple(self._blocks.values())

    @property
    def output(self) -> Volume:
        """The volume of what the model returns (its last output when it returns several)."""
        return self.outputs[-1].volume if self.outputs else self.ops[-1].output

    @property
    def residual(self) -> bool:
        """Whether residual stages were found (the paper's views apply)."""
        return bool(self.stages)
