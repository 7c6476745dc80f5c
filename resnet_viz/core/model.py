"""Build the network as real torch.nn modules with torchvision's architecture and module names.

Every net a NetworkSpec describes: the paper's ImageNet and CIFAR-10 ResNets, torchvision's ResNeXt and Wide
ResNet archs, custom nets, and the pre-activation ResNets of He et al. 2016 ("Identity Mappings in Deep Residual
Networks").

For the post-activation nets with the default options (v1.5, shortcut B, ImageNet stem) the state_dict has exactly
torchvision's keys, shapes and order — resnet18 … resnet152, resnext50_32x4d, resnext101_32x8d, resnext101_64x4d,
wide_resnet50_2, wide_resnet101_2 — so torchvision weights load into it.

Module names of the pre-activation nets (`spec.preact`):

* stem: `conv1`, then with the ImageNet stem `bn1`, `relu`, `maxpool` as in torchvision; with the CIFAR stem
  `conv1` alone (the first block's pre-activation normalises its output);
* blocks (`PreActBasicBlock`, `PreActBottleneck`) in `layer1` … `layerN`: `bnK` normalises the input of `convK`
  (`bn1` the block input, `bn2` conv1's output, …), `relu` is the block's (shared) ReLU, and `downsample` is the
  projection shortcut, a single 1×1 conv with no BN (as in the paper's code), applied to the pre-activated input
  relu(bn1(x)); an identity or zero-padded (option A) shortcut takes x itself. No ReLU follows the addition;
* head: `bn_final`, `relu_final` (the BN → ReLU after the last stage), then `avgpool`, `fc` as in torchvision.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import InvalidType
from ..network_spec import NetworkSpec
from ..spec import resnet_spec


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


def _basic_only(groups: int, base_width: int) -> None:
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
        _basic_only(groups, base_width)
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
        _basic_only(groups, base_width)
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


_BLOCKS: dict[tuple[bool, str], type[BasicBlock | Bottleneck | PreActBasicBlock | PreActBottleneck]] = {
    (False, "basic"): BasicBlock,
    (False, "bottleneck"): Bottleneck,
    (True, "basic"): PreActBasicBlock,
    (True, "bottleneck"): PreActBottleneck,
}


def _shortcut(spec: NetworkSpec, c_in: int, c_out: int, stride: int) -> nn.Module | None:
    """Option A: zero-padded identity where the shape changes; B: projection there; C: projection everywhere.

    The projection is conv1x1 + BN (torchvision's `downsample.0`/`.1`), or for pre-activation blocks the 1×1 conv
    alone (its input is already normalised; the paper's code).
    """
    changes_shape = stride != 1 or c_in != c_out
    if spec.shortcut == "A":
        return ZeroPadShortcut(c_in, c_out, stride) if changes_shape else None
    if spec.shortcut == "B" and not changes_shape:
        return None
    if spec.preact:
        return conv1x1(c_in, c_out, stride)
    return nn.Sequential(conv1x1(c_in, c_out, stride), nn.BatchNorm2d(c_out))


class ResNet(nn.Module):
    """torchvision's ResNet layout, generalised to any number of stages, both stems, options A/B/C, grouped and wide
    bottlenecks, and pre-activation blocks (see the module docstring for their names)."""

    def __init__(self, spec: NetworkSpec) -> None:
        super().__init__()
        self.spec = spec
        block_cls = _BLOCKS[(spec.preact, spec.block)]
        if spec.stem == "imagenet":
            self.conv1 = nn.Conv2d(spec.in_channels, spec.stem_width, kernel_size=7, stride=2, padding=3, bias=False)
        else:
            self.conv1 = conv3x3(spec.in_channels, spec.stem_width)
        if spec.preact and spec.stem == "cifar":
            self.bn1: nn.Module | None = None
            self.relu: nn.Module | None = None
        else:
            self.bn1 = nn.BatchNorm2d(spec.stem_width)
            self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1) if spec.stem == "imagenet" else None
        c_in = spec.stem_width
        for i, (repeats, width) in enumerate(zip(spec.layers, spec.widths, strict=True)):
            blocks = []
            for j in range(repeats):
                stride = 2 if (i > 0 and j == 0) else 1
                c_out = width * block_cls.expansion
                blocks.append(
                    block_cls(
                        c_in,
                        width,
                        stride,
                        _shortcut(spec, c_in, c_out, stride),
                        groups=spec.groups,
                        base_width=spec.width_per_group,
                        stride_on_1x1=spec.variant == "v1",
                    )
                )
                c_in = c_out
            self.add_module(f"layer{i + 1}", nn.Sequential(*blocks))
        if spec.preact:
            self.bn_final = nn.BatchNorm2d(c_in)
            self.relu_final = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(c_in, spec.num_classes)

    @property
    def stages(self) -> list[nn.Sequential]:
        return [getattr(self, f"layer{i + 1}") for i in range(len(self.spec.layers))]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        if self.bn1 is not None and self.relu is not None:
            x = self.relu(self.bn1(x))
        if self.maxpool is not None:
            x = self.maxpool(x)
        for stage in self.stages:
            x = stage(x)
        if self.spec.preact:
            x = self.relu_final(self.bn_final(x))
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def init_weights(model: nn.Module) -> None:
    """torchvision's initialisation: He-normal convs (fan_out), BN weight 1 and bias 0, fc as nn.Linear's default."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            m.reset_parameters()


def build_model(spec: NetworkSpec, *, device: str | torch.device = "cpu", initialize: bool = True) -> ResNet:
    """The network on `device`, with `model.spec` set to `spec`.

    It is built on the meta device (no memory, no initialisation cost) and then moved with `to_empty`. With
    `initialize` the weights are initialised like torchvision's; without it they are left uninitialised (or absent
    on meta): the trace reads shapes, not values, so it skips that cost. BN running statistics are always reset.
    """
    if not isinstance(spec, NetworkSpec):
        raise InvalidType(
            f"build_model needs a NetworkSpec (from resnet_spec), not {type(spec).__name__}; "
            "or call build_resnet with the options"
        )
    with torch.device("meta"):
        model = ResNet(spec)
    if torch.device(device).type != "meta":
        model = model.to_empty(device=device)
        if initialize:
            init_weights(model)
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.reset_running_stats()
    return model.eval()


def build_resnet(
    depth: int | None = None,
    *,
    arch: str | None = None,
    layers: str | tuple[int, ...] | list[int] | None = None,
    block: str | None = None,
    variant: str | None = None,
    shortcut: str | None = None,
    stem: str | None = None,
    num_classes: int | None = None,
    groups: int | None = None,
    width_per_group: int | None = None,
    preact: bool = False,
    device: str | torch.device = "cpu",
) -> ResNet:
    """A ready ResNet (initialised like torchvision's) from the same options as the CLI (see resnet_spec)."""
    spec = resnet_spec(
        depth,
        arch=arch,
        layers=layers,
        block=block,
        variant=variant,
        shortcut=shortcut,
        stem=stem,
        num_classes=num_classes,
        groups=groups,
        width_per_group=width_per_group,
        preact=preact,
    )
    return build_model(spec, device=device)
