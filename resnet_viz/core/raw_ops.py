"""What a recording holds before assembly: the raw ops (mutable, alive only while recording) and what the model
returned, as producer indexes; each traced tensor names its producer in the SOURCE attribute."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..schema import OpKind, Volume

SOURCE = "_resnet_viz_source"  # attribute on each traced tensor: (op index or INPUT, output index)
INPUT = -1


@dataclass
class RawOp:
    """One recorded op before assembly (mutable, alive only while recording)."""

    id: str
    module: str
    kind: OpKind
    type_name: str
    inputs: list[tuple[int, int, Volume]]  # (producer op index or INPUT, its output index, volume)
    outputs: list[Volume]
    geometry: dict[str, Any]
    params: int = 0
    trainable_params: int = 0
    inplace: bool = False
    saved_bytes: int = 0
    seconds: float = 0.0  # wall time between the op's start and end (timed passes only)


@dataclass
class Recording:
    ops: list[RawOp]
    outputs: list[tuple[int, int, Volume]]  # what the model returned
    measured_saved: bool  # whether saved_bytes were measured (a pass with gradients)
