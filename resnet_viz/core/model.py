"""Build the network as real torch.nn modules with torchvision's architecture and module names.

The state_dict of the default model (v1.5, shortcut B, ImageNet stem) has exactly torchvision's
keys and shapes, so torchvision weights load into it.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..spec import NetworkSpec, resnet_spec


def conv3x3(c_in: int, c_out: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel_size=3, stride=stride, padding=1, bias=False)


def conv1x1(c_in: int, c_out: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel_size=1, stride=stride, bias=False)


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


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, c_in: int, width: int, stride: int = 1, downsample: nn.Module | None = None, **_) -> None:
        super().__init__()
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
    expansion = 4

    def __init__(
        self, c_in: int, width: int, stride: int = 1, downsample: nn.Module | None = None, *, stride_on_1x1: bool = False
    ) -> None:
        super().__init__()
        self.conv1 = conv1x1(c_in, width, stride if stride_on_1x1 else 1)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = conv3x3(width, width, 1 if stride_on_1x1 else stride)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, width * self.expansion)
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


def _shortcut(spec: NetworkSpec, c_in: int, c_out: int, stride: int) -> nn.Module | None:
    changes_shape = stride != 1 or c_in != c_out
    if spec.shortcut == "A":
        return ZeroPadShortcut(c_in, c_out, stride) if changes_shape else None
    if spec.shortcut == "B" and not changes_shape:
        return None
    return nn.Sequential(conv1x1(c_in, c_out, stride), nn.BatchNorm2d(c_out))


class ResNet(nn.Module):
    """torchvision's ResNet layout, generalised to any number of stages, both stems and options A/B/C."""

    def __init__(self, spec: NetworkSpec) -> None:
        super().__init__()
        self.spec = spec
        block_cls = Bottleneck if spec.block == "bottleneck" else BasicBlock
        if spec.stem == "imagenet":
            self.conv1 = nn.Conv2d(spec.in_channels, spec.stem_width, kernel_size=7, stride=2, padding=3, bias=False)
        else:
            self.conv1 = conv3x3(spec.in_channels, spec.stem_width)
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
                        c_in, width, stride, _shortcut(spec, c_in, c_out, stride), stride_on_1x1=spec.variant == "v1"
                    )
                )
                c_in = c_out
            self.add_module(f"layer{i + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(c_in, spec.num_classes)

    @property
    def stages(self) -> list[nn.Sequential]:
        return [getattr(self, f"layer{i + 1}") for i in range(len(self.spec.layers))]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        if self.maxpool is not None:
            x = self.maxpool(x)
        for stage in self.stages:
            x = stage(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def init_weights(model: nn.Module) -> None:
    """torchvision's initialisation: He-normal convs (fan_out), BN weight 1 and bias 0."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def build_model(spec: NetworkSpec, *, device: str | torch.device = "cpu", initialize: bool = True) -> ResNet:
    """The network on `device`. Without `initialize` the weights are left uninitialised (or absent on meta):
    the trace reads shapes, not values, so it skips the cost of initialising them."""
    with torch.device("meta"):
        model = ResNet(spec)
    if str(device) != "meta":
        model = model.to_empty(device=device)
        if initialize:
            init_weights(model)
            for m in model.modules():
                if isinstance(m, nn.Linear):
                    m.reset_parameters()
                elif isinstance(m, nn.BatchNorm2d):
                    m.reset_running_stats()
        else:
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.reset_running_stats()
    return model.eval()


def build_resnet(
    depth: int | None = 18,
    *,
    layers=None,
    block: str | None = None,
    variant: str = "v1.5",
    shortcut: str | None = None,
    stem: str | None = None,
    num_classes: int | None = None,
    device: str | torch.device = "cpu",
) -> ResNet:
    """A ready ResNet (initialised like torchvision's) from the same options as the CLI."""
    spec = resnet_spec(
        None if layers is not None else depth,
        layers=layers,
        block=block,
        variant=variant,
        shortcut=shortcut,
        stem=stem,
        num_classes=num_classes,
    )
    return build_model(spec, device=device)
