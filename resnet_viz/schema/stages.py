"""The residual structure as plain data: blocks read from the graph, grouped into stages."""

from __future__ import annotations

from dataclasses import dataclass

from .enums import BlockKind, ShortcutKind
from .ops import Volume


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
