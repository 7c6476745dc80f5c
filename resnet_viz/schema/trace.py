"""The trace as plain, immutable data: ints, strings, tuples and enums, with the data-flow edges between ops.

No tensors, modules or devices live here, so a trace loaded from JSON drives every view and renderer without
torch. Lookups (`op`, `stage`, `block`) are cached indexes; nothing here formats or displays anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from ..network_spec import NetworkSpec
from .enums import Section
from .ops import Op, Ref, Volume
from .stages import Block, Stage

SCHEMA_VERSION = 2


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
