"""The ResNet family's catalogue: every depth, arch, option value and limit that resnet_spec accepts.

The paper's ImageNet nets (Table 1) and CIFAR-10 nets (6n+2, section 4.2); torchvision's ResNet, ResNeXt and Wide
ResNet constructors by name; the pre-activation CIFAR-10 bottleneck nets of He et al. 2016 (9n+2). Plain tables:
nothing here checks or builds anything.
"""

from __future__ import annotations

from typing import NamedTuple

# The paper's Table 1 (ImageNet) and section 4.2 (CIFAR-10: 6n+2 layers, three stages).
IMAGENET_DEPTHS = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
CIFAR_DEPTHS = (20, 32, 44, 56, 110, 1202)
# "Identity Mappings in Deep Residual Networks": CIFAR-10 bottleneck nets of 9n+2 layers (n = 18 and 111),
# pre-activation only.
PREACT_CIFAR_DEPTHS = (164, 1001)
IMAGENET_WIDTHS = (64, 128, 256, 512)
CIFAR_WIDTHS = (16, 32, 64)


class Arch(NamedTuple):
    """One of torchvision's ResNet constructors: its depth, blocks and the grouped 3×3 conv's configuration."""

    depth: int
    block: str
    layers: tuple[int, ...]
    groups: int = 1
    width_per_group: int = 64


# torchvision.models' names and configurations (resnext: groups × width per group; wide: twice the inner width).
ARCHS: dict[str, Arch] = {
    **{f"resnet{d}": Arch(d, kind, layers) for d, (kind, layers) in IMAGENET_DEPTHS.items()},
    "resnext50_32x4d": Arch(50, "bottleneck", (3, 4, 6, 3), 32, 4),
    "resnext101_32x8d": Arch(101, "bottleneck", (3, 4, 23, 3), 32, 8),
    "resnext101_64x4d": Arch(101, "bottleneck", (3, 4, 23, 3), 64, 4),
    "wide_resnet50_2": Arch(50, "bottleneck", (3, 4, 6, 3), 1, 128),
    "wide_resnet101_2": Arch(101, "bottleneck", (3, 4, 23, 3), 1, 128),
}

BLOCKS = ("basic", "bottleneck")
VARIANTS = ("v1.5", "v1")
SHORTCUTS = ("A", "B", "C")
STEMS = ("imagenet", "cifar")
MAX_STAGES = 8
MAX_BLOCKS_PER_STAGE = 1000
MAX_CLASSES = 1_000_000
MAX_GROUPS = 1024
MAX_WIDTH_PER_GROUP = 4096
MAX_WIDTH = 65536
