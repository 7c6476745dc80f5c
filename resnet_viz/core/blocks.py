"""torchvision's residual blocks as torch modules (BasicBlock, Bottleneck), built from its convs and the paper's
option-A shortcut.

Module names, shapes and order are torchvision's, so its weights load into a net built of these blocks.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def conv3x3(c_in: int, c_out: int, stride: int = 1, groups: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel_size=3, stride=stride, padding=1, groups=groups, bias=False)


def conv1x1(c_in: int, c_out: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel_size=1, stride=stride, bias=False)


def bottleneck_width(width: int, groups: int = 1, base_width: int = 64) -> int:
    """Channels of a bottleneck's grouped 3×3 conv, as torchvision: int(width × base_width / 64) × groups."""
    return width * base_width // 64 * groups


class ZeroPadShortcut(nn.Module):
    """The paper's option A: identity, subsampled by the stride, with zero channels appended."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride != 1:
            x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.out_channels - self.in_channels))

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"


def check_basic_block_options(groups: int, base_width: int) -> None:
    if groups != 1 or base_width != 64:
        raise ValueError(f"basic blocks support only groups=1 and base_width=64, not {groups} and {base_width}")


class BasicBlock(nn.Module):
    """conv3x3 → BN → ReLU → conv3x3 → BN, plus the shortcut, then ReLU (torchvision's BasicBlock)."""

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
        self.conv1 = conv3x3(c_in, width, stride)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(width, width)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class Bottleneck(nn.Module):
    """1×1 → (grouped) 3×3 → 1×1 with BN and ReLU, plus the shortcut, then ReLU (torchvision's Bottleneck).

    v1.5 (torchvision) strides on the 3×3 conv; v1 (the paper) on the first 1×1 (`stride_on_1x1`).
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
        self.conv1 = conv1x1(c_in, inner, stride if stride_on_1x1 else 1)
        self.bn1 = nn.BatchNorm2d(inner)
        self.conv2 = conv3x3(inner, inner, 1 if stride_on_1x1 else stride, groups)
        self.bn2 = nn.BatchNorm2d(inner)
        self.conv3 = conv1x1(inner, width * self.expansion)
        self.bn3 = nn.BatchNorm2d(width * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)
