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
* blocks (`PreActBasicBlock`, `PreActBottleneck`, named as preact_blocks.py says) in `layer1` … `layerN`; no ReLU
  follows the addition;
* head: `bn_final`, `relu_final` (the BN → ReLU after the last stage), then `avgpool`, `fc` as in torchvision.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import InvalidType
from ..network_spec import NetworkSpec
from ..spec import resnet_spec
from .blocks import BasicBlock, Bottleneck, ZeroPadShortcut, conv1x1, conv3x3
from .preact_blocks import PreActBasicBlock, PreActBottleneck

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


def empty_twin(t: torch.Tensor, device: str | torch.device) -> torch.Tensor:
    """Uninitialised memory of `t`'s shape, strides and dtype on `device`: a Parameter (same requires_grad) for a
    Parameter, a plain tensor for a buffer."""
    new = torch.empty_strided(t.shape, t.stride(), dtype=t.dtype, device=device)
    return nn.Parameter(new, requires_grad=t.requires_grad) if isinstance(t, nn.Parameter) else new


def empty_on(model: nn.Module, device: str | torch.device) -> nn.Module:
    """Module.to_empty without torch's Python empty_like, whose first call imports sympy (~0.8 s of a run): every
    parameter and buffer replaced by uninitialised memory of its shape, dtype and strides on `device`, shared
    (tied) tensors kept shared."""
    made: dict[int, torch.Tensor] = {}

    def moved(t: torch.Tensor) -> torch.Tensor:
        if id(t) not in made:
            made[id(t)] = empty_twin(t, device)
        return made[id(t)]

    for m in model.modules():
        for table in (m._parameters, m._buffers):
            for name, t in table.items():
                if t is not None:
                    table[name] = moved(t)  # type: ignore[assignment]
    return model


def build_model(spec: NetworkSpec, *, device: str | torch.device = "cpu", initialize: bool = True) -> ResNet:
    """The network on `device`, with `model.spec` set to `spec`.

    It is built on the meta device (no memory, no initialisation cost) and then moved with `empty_on`. With
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
    return place_model(model, device, initialize=initialize)


def place_model(model: ResNet, device: str | torch.device, *, initialize: bool = True) -> ResNet:
    """A network built on the meta device given memory on `device`, in place (see build_model); the trace builds a
    network once for its meta pass and places that same one for the real pass."""
    if torch.device(device).type != "meta":
        empty_on(model, device)
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
