"""The pre-activation residual blocks of He et al. 2016 ("Identity Mappings in Deep Residual Networks").

Module names (`PreActBasicBlock`, `PreActBottleneck`): `bnK` normalises the input of `convK` (`bn1` the block input,
`bn2` conv1's output, …), `relu` is the block's (shared) ReLU, and `downsample` is the projection shortcut, a single
1×1 conv with no BN (as in the paper's code), applied to the pre-activated input relu(bn1(x)); an identity or
zero-padded (option A) shortcut takes x itself. No ReLU follows the addition.
"""

from __future__ import annotations

import torch
from torch import nn

from .blocks import ZeroPadShortcut, bottleneck_width, check_basic_block_options, conv1x1, conv3x3


def _shortcut_input(block: nn.Module, x: torch.Tensor, pre: torch.Tensor) -> torch.Tensor:
    """What a pre-activation block adds to its residual: x itself, zero-padded x, or the projection of relu(bn1(x))."""
    shortcut = block.downsample
    if shortcut is None:
        return x
    assert isinstance(shortcut, nn.Module)
    return shortcut(x) if isinstance(shortcut, ZeroPadShortcut) else shortcut(pre)


class PreActBasicBlock(nn.Module):
    """BN → ReLU → conv3x3 → BN → ReLU → conv3x3, plus the shortcut; nothing after the addition."""

    expansion = 1

    def __init__(
        self,
        c_in: int,
        width: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        *,
        groups: int = 1,
        base_width: int = 64,
        stride_on_1x1: bool = False,
    ) -> None:
        super().__init__()
        check_basic_block_options(groups, base_width)
        self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = conv3x3(c_in, width, stride)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv2 = conv3x3(width, width)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.relu(self.bn1(x))
        out = self.conv1(pre)
        out = self.conv2(self.relu(self.bn2(out)))
        out += _shortcut_input(self, x, pre)
        return out


class PreActBottleneck(nn.Module):
    """BN → ReLU → 1×1 → BN → ReLU → (grouped) 3×3 → BN → ReLU → 1×1, plus the shortcut; nothing after the addition.

    Widths, groups and the stride placement (`stride_on_1x1`, variant v1) as in Bottleneck.
    """

    expansion = 4

    def __init__(
        self,
        c_in: int,
        width: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        *,
        groups: int = 1,
        base_width: int = 64,
        stride_on_1x1: bool = False,
    ) -> None:
        super().__init__()
        inner = bottleneck_width(width, groups, base_width)
        self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = conv1x1(c_in, inner, stride if stride_on_1x1 else 1)
        self.bn2 = nn.BatchNorm2d(inner)
        self.conv2 = conv3x3(inner, inner, 1 if stride_on_1x1 else stride, groups)
        self.bn3 = nn.BatchNorm2d(inner)
        self.conv3 = conv1x1(inner, width * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.relu(self.bn1(x))
        out = self.conv1(pre)
        out = self.conv2(self.relu(self.bn2(out)))
        out = self.conv3(self.relu(self.bn3(out)))
        out += _shortcut_input(self, x, pre)
        return out
