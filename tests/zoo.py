"""A zoo of small, self-contained test models with different naming schemes.

Every model here is plain ``torch.nn`` (no torchvision, no timm, no resnet_viz): the point is to give a
residual-structure reader networks whose module *names* follow other conventions (torchvision, timm
``resnet.py`` / ``resnetv2.py`` / ``byobnet.py``, detection backbones, akamaster's CIFAR ResNets) or carry no
structure at all, so that a reader which works from the traced data-flow graph can be checked against
:data:`EXPECTED`, a hand-written description of what each network *is*.

:data:`ZOO` maps a name to a zero-argument factory, :data:`INPUT` gives each model's natural input size
``(H, W)`` (3 channels, batch 1), and :data:`EXPECTED` the structure a correct reader must find.  The
numbers in :data:`EXPECTED` are written by hand from the architectures (arithmetic in comments); the tests
in ``tests/test_zoo.py`` check them against the running models, never the other way round.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

# ---------------------------------------------------------------------------------------------------------
# torchvision layout: conv1, bn1, relu, maxpool, layer1..4 of BasicBlocks, avgpool, fc
# ---------------------------------------------------------------------------------------------------------


class TvBasicBlock(nn.Module):
    """torchvision-layout basic block: conv1/bn1/relu/conv2/bn2, optional ``downsample`` (conv, BN), an
    in-place ``out += identity`` and the same ``relu`` module applied a second time after the add."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class TvResNet(nn.Module):
    """A torchvision-layout ResNet of basic blocks (names ``conv1, bn1, relu, maxpool, layer1..N, avgpool,
    fc``; projections at ``layerN.0.downsample.0`` (1x1 conv) / ``.1`` (BN)).  The defaults give ResNet-18;
    ``widths``/``stem_width`` shrink it for the small zoo entries."""

    def __init__(
        self,
        layers: tuple[int, ...] = (2, 2, 2, 2),
        widths: tuple[int, ...] = (64, 128, 256, 512),
        stem_width: int = 64,
        num_classes: int = 1000,
    ):
        super().__init__()
        self.inplanes = stem_width
        self.conv1 = nn.Conv2d(3, stem_width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem_width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for i, (n, w) in enumerate(zip(layers, widths, strict=True)):
            self.add_module(f"layer{i + 1}", self._make_layer(w, n, stride=1 if i == 0 else 2))
        self.num_stages = len(layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[-1], num_classes)

    def _make_layer(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )
        seq = [TvBasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        seq += [TvBasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*seq)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(self.num_stages):
            x = getattr(self, f"layer{i + 1}")(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def torchvision_resnet18() -> nn.Module:
    """ResNet-18 in torchvision's layout and names (the reference the renamed copies are compared with):
    ``conv1`` 7x7/2, ``bn1``, ``relu``, ``maxpool`` 3x3/2, ``layer1..4`` of two BasicBlocks each
    (``conv1/bn1/relu/conv2/bn2``, ``downsample.0/.1`` on the first block of layers 2-4, ``out += identity``),
    ``avgpool``, ``fc``.  11,689,512 parameters."""
    return TvResNet()


# ---------------------------------------------------------------------------------------------------------
# timm byobnet-style names: stem.*, stages.i.blocks.j.*, shortcut.conv/bn, head.*
# ---------------------------------------------------------------------------------------------------------


class ConvBn(nn.Module):
    """A 1x1 projection as ``.conv`` + ``.bn`` (timm's conv-norm naming)."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x))


class TimmStyleBasicBlock(nn.Module):
    """Basic block with separate ``act1``/``act2`` modules and an always-present ``shortcut`` (``nn.Identity``
    or :class:`ConvBn`); the residual is the out-of-place ``act2(x + shortcut(input))``."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.act1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        # registered after bn2 so that parameters come in torchvision's order (copy-by-position tests)
        self.shortcut = ConvBn(cin, cout, stride) if stride != 1 or cin != cout else nn.Identity()
        self.act2 = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.bn2(self.conv2(x))
        x = self.act2(x + self.shortcut(shortcut))
        return x


class TimmStyleStage(nn.Module):
    """A stage holding its blocks in ``.blocks`` (an ``nn.Sequential``)."""

    def __init__(self, cin: int, cout: int, depth: int, stride: int):
        super().__init__()
        self.blocks = nn.Sequential(
            *[TimmStyleBasicBlock(cin if j == 0 else cout, cout, stride if j == 0 else 1) for j in range(depth)]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)


class TimmStyleStem(nn.Module):
    """``stem.conv`` 7x7/2, ``stem.bn``, ``stem.act``, ``stem.pool`` 3x3/2 max-pool."""

    def __init__(self, cout: int = 64):
        super().__init__()
        self.conv = nn.Conv2d(3, cout, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.act = nn.ReLU(inplace=True)
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.act(self.bn(self.conv(x))))


class TimmStyleHead(nn.Module):
    """``head.pool`` (global average), ``head.flatten`` (``nn.Flatten``), ``head.fc``."""

    def __init__(self, cin: int, num_classes: int):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.flatten(self.pool(x)))


class TimmStyleResNet18(nn.Module):
    """ResNet-18 named like timm's byobnet models (``stem``, ``stages.i.blocks.j``, ``shortcut``, ``head``)."""

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self.stem = TimmStyleStem(64)
        widths = (64, 128, 256, 512)
        cin = 64
        stages = []
        for i, w in enumerate(widths):
            stages.append(TimmStyleStage(cin, w, depth=2, stride=1 if i == 0 else 2))
            cin = w
        self.stages = nn.Sequential(*stages)
        self.head = TimmStyleHead(512, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stages(self.stem(x)))


def timm_style_resnet18() -> nn.Module:
    """The same ResNet-18 (same layers, same 11,689,512 parameters, same parameter order) with timm/byobnet
    names: ``stem.conv/bn/act/pool``, ``stages.{i}.blocks.{j}.conv1/bn1/act1/conv2/bn2/act2``, projections at
    ``stages.{i}.blocks.0.shortcut.conv/.bn`` (``nn.Identity`` shortcut otherwise), ``head.pool/flatten/fc``.
    The add is out of place: ``x = self.act2(x + self.shortcut(shortcut))``."""
    return TimmStyleResNet18()


# ---------------------------------------------------------------------------------------------------------
# detection-backbone wrapping (torchvision IntermediateLayerGetter / BackboneWithFPN layout)
# ---------------------------------------------------------------------------------------------------------


class LayerGetter(nn.ModuleDict):
    """Like torchvision's ``IntermediateLayerGetter``: a ``ModuleDict`` holding a model's top-level children
    up to the last requested one, run in order; returns an ``OrderedDict`` of the requested outputs under
    new keys (``return_layers`` maps child name -> output key).  Children after the last requested one
    (``avgpool``, ``fc``) are dropped, and so are their parameters."""

    def __init__(self, model: nn.Module, return_layers: dict[str, str]):
        wanted = dict(return_layers)
        missing = set(wanted) - {name for name, _ in model.named_children()}
        if missing:
            raise ValueError(f"return_layers not among the model's children: {sorted(missing)}")
        kept: OrderedDict[str, nn.Module] = OrderedDict()
        todo = set(wanted)
        for name, child in model.named_children():
            kept[name] = child
            todo.discard(name)
            if not todo:
                break
        super().__init__(kept)
        self.return_layers = wanted

    def forward(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        out: OrderedDict[str, torch.Tensor] = OrderedDict()
        for name, module in self.items():
            x = module(x)
            if name in self.return_layers:
                out[self.return_layers[name]] = x
        return out


class Backbone(nn.Module):
    """A detection-style backbone: ``body`` (a :class:`LayerGetter`); torchvision's ``BackboneWithFPN``
    without the FPN, so it returns the body's dict of feature maps unchanged."""

    def __init__(self, body: nn.Module):
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        return self.body(x)


class AvgPoolFcHead(nn.Module):
    """Classifier head outside the backbone: ``head.avgpool``, flatten (functional), ``head.fc``."""

    def __init__(self, cin: int, num_classes: int):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.avgpool(x), 1))


STAGE_KEYS = {"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"}  # torchvision detection's keys


class WrappedResNet18(nn.Module):
    """torchvision-layout ResNet-18 trunk at ``backbone.body.{conv1,bn1,relu,maxpool,layer1..4}`` returning
    every stage (keys ``"0".."3"``), and a classifier ``head.avgpool``/``head.fc`` on the last one."""

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        # the getter keeps conv1 .. layer4 and drops the trunk's avgpool/fc; the head brings its own
        self.backbone = Backbone(LayerGetter(TvResNet(num_classes=num_classes), STAGE_KEYS))
        self.head = AvgPoolFcHead(512, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = self.backbone(x)
        return self.head(feats["3"])


def wrapped_resnet18() -> nn.Module:
    """ResNet-18 wrapped like a detection backbone (``backbone.body.conv1 ... backbone.body.layer4`` inside an
    IntermediateLayerGetter-style ``ModuleDict`` returning a dict of the four stage outputs) with the
    classifier outside it (``head.avgpool``, ``head.fc``).  Same 11,689,512 parameters, same order."""
    return WrappedResNet18()


# ---------------------------------------------------------------------------------------------------------
# no naming structure at all: one ModuleList, residual adds wired by index
# ---------------------------------------------------------------------------------------------------------


class FlatResNet18(nn.Module):
    """ResNet-18 whose every layer is ``ops.<k>`` in a single ``nn.ModuleList``; ``self.blocks`` records, per
    residual block, the op indices of its main path, of its shortcut (empty for identity) and of the ReLU
    applied after the add.  Op indices (hand-listed; the stage outputs are ops.15, 29, 43, 57)::

        0 conv1  1 bn1  2 relu  3 maxpool
        layer1.0  4-8 main, 9 relu          layer1.1 10-14 main, 15 relu
        layer2.0 16-20 main, 21-22 shortcut, 23 relu    layer2.1 24-28 main, 29 relu
        layer3.0 30-34 main, 35-36 shortcut, 37 relu    layer3.1 38-42 main, 43 relu
        layer4.0 44-48 main, 49-50 shortcut, 51 relu    layer4.1 52-56 main, 57 relu
        58 avgpool  59 flatten  60 fc
    """

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        ops: list[nn.Module] = []

        def add(*modules: nn.Module) -> tuple[int, ...]:
            start = len(ops)
            ops.extend(modules)
            return tuple(range(start, len(ops)))

        self.stem_ops = add(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)
        )
        blocks: list[tuple[tuple[int, ...], tuple[int, ...], int]] = []
        cin = 64
        for i, w in enumerate((64, 128, 256, 512)):
            for j in range(2):
                stride = 2 if i > 0 and j == 0 else 1
                main = add(
                    nn.Conv2d(cin, w, 3, stride, 1, bias=False),
                    nn.BatchNorm2d(w),
                    nn.ReLU(inplace=True),
                    nn.Conv2d(w, w, 3, 1, 1, bias=False),
                    nn.BatchNorm2d(w),
                )
                short: tuple[int, ...] = ()
                if stride != 1 or cin != w:
                    short = add(nn.Conv2d(cin, w, 1, stride, bias=False), nn.BatchNorm2d(w))
                (act,) = add(nn.ReLU(inplace=True))
                blocks.append((main, short, act))
                cin = w
        self.blocks = blocks
        self.head_ops = add(nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(512, num_classes))
        self.ops = nn.ModuleList(ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for k in self.stem_ops:
            x = self.ops[k](x)
        for main, short, act in self.blocks:
            y = x
            for k in main:
                y = self.ops[k](y)
            s = x
            for k in short:
                s = self.ops[k](s)
            x = self.ops[act](y + s)
        for k in self.head_ops:
            x = self.ops[k](x)
        return x


def flat_resnet18() -> nn.Module:
    """ResNet-18 with names that carry no structure: all 61 layers are ``ops.0 .. ops.60`` of one
    ``nn.ModuleList`` and ``forward`` wires the residual adds by index (see :class:`FlatResNet18`).  Same
    11,689,512 parameters in torchvision's order."""
    return FlatResNet18()


# ---------------------------------------------------------------------------------------------------------
# a plain CNN (no residual add anywhere)
# ---------------------------------------------------------------------------------------------------------


class PlainCNN(nn.Module):
    """VGG-style: ``features`` = conv-relu-conv-relu-maxpool twice, then ``classifier`` = linear-relu-linear."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(16, 16, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(32 * 8 * 8, 64),
            nn.ReLU(inplace=True),
            nn.Linear(64, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


def plain_cnn() -> nn.Module:
    """A VGG-style plain CNN with no residual add (torchvision VGG names ``features.N``/``classifier.N``):
    four 3x3 convs with ReLU and two 2x2 max-pools, flatten, two linear layers; 32x32 input."""
    return PlainCNN()


# ---------------------------------------------------------------------------------------------------------
# timm resnet.py names: conv1 (deep stem Sequential), bn1, act1, maxpool, layerN, global_pool, fc
# ---------------------------------------------------------------------------------------------------------


class SelectAdaptivePool2d(nn.Module):
    """timm's pooling wrapper names: ``global_pool.pool`` (global average) and ``global_pool.flatten``."""

    def __init__(self):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.flatten(self.pool(x))


class TimmBasicBlock(nn.Module):
    """timm ``resnet.py`` basic block names: ``conv1, bn1, drop_block, act1, aa, conv2, bn2, se (None), act2,
    downsample``; residual ``x += shortcut`` in place, then ``act2``."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.drop_block = nn.Identity()
        self.act1 = nn.ReLU(inplace=True)
        self.aa = nn.Identity()
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.se = None
        self.act2 = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.drop_path = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.aa(self.act1(self.drop_block(self.bn1(self.conv1(x)))))
        x = self.bn2(self.conv2(x))
        if self.se is not None:
            x = self.se(x)
        if self.downsample is not None:
            shortcut = self.downsample(shortcut)
        x += shortcut
        return self.act2(x)


def _pooled_downsample(cin: int, cout: int) -> nn.Sequential:
    """ResNet-D shortcut: 2x2/2 average pool (ceil mode, padding not counted), then a stride-1 1x1 conv, BN."""
    return nn.Sequential(
        nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False),
        nn.Conv2d(cin, cout, 1, stride=1, padding=0, bias=False),
        nn.BatchNorm2d(cout),
    )


class ResNetDNet(nn.Module):
    """Small ResNet-D: deep stem ``conv1.0..6`` (3x3/2 16, BN, ReLU, 3x3 16, BN, ReLU, 3x3 32) then ``bn1``,
    ``act1``, ``maxpool``; ``layer1`` (1 block, 32 ch), ``layer2`` (2 blocks, 64 ch), ``layer3`` (1 block,
    128 ch) with pooled shortcuts on the stride-2 blocks; ``global_pool``, ``fc`` (10 classes)."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Sequential(
            nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.Conv2d(16, 16, 3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.Conv2d(16, 32, 3, stride=1, padding=1, bias=False),
        )
        self.bn1 = nn.BatchNorm2d(32)
        self.act1 = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = nn.Sequential(TimmBasicBlock(32, 32))
        self.layer2 = nn.Sequential(TimmBasicBlock(32, 64, 2, _pooled_downsample(32, 64)), TimmBasicBlock(64, 64))
        self.layer3 = nn.Sequential(TimmBasicBlock(64, 128, 2, _pooled_downsample(64, 128)))
        self.global_pool = SelectAdaptivePool2d()
        self.fc = nn.Linear(128, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.act1(self.bn1(self.conv1(x))))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(self.global_pool(x))


def resnet_d_block_net() -> nn.Module:
    """A small ResNet-D in timm ``resnet.py`` names (as ``resnet18d``/``resnet50d``): deep 3-conv stem at
    ``conv1.0``/``conv1.3``/``conv1.6``, and on each downsampling block ``downsample.0`` = AvgPool2d(2, 2,
    ceil_mode=True, count_include_pad=False), ``downsample.1`` = 1x1 conv stride 1, ``downsample.2`` = BN.
    Natural input 56x56, chosen so that layer3's input is 7x7 and the pool's ceil mode matters (7 -> 4)."""
    return ResNetDNet()


# ---------------------------------------------------------------------------------------------------------
# squeeze-excitation bottlenecks (timm SEModule names)
# ---------------------------------------------------------------------------------------------------------


class SEModule(nn.Module):
    """Squeeze-excitation with timm's names: ``fc1`` (1x1 conv), ``bn`` (Identity), ``act``, ``fc2`` (1x1
    conv), ``gate`` (Sigmoid); squeeze is ``x.mean((2, 3), keepdim=True)`` and the output ``x * gate(...)``."""

    def __init__(self, channels: int, rd_channels: int):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, rd_channels, kernel_size=1, bias=True)
        self.bn = nn.Identity()
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(rd_channels, channels, kernel_size=1, bias=True)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean((2, 3), keepdim=True)
        s = self.act(self.bn(self.fc1(s)))
        s = self.fc2(s)
        return x * self.gate(s)


class TimmBottleneck(nn.Module):
    """timm ``resnet.py`` bottleneck names: ``conv1 bn1 act1 conv2 bn2 drop_block act2 aa conv3 bn3 se act3
    downsample``; ``groups`` gives the 3x3 conv's cardinality."""

    def __init__(
        self,
        inplanes: int,
        width: int,
        outplanes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        se: nn.Module | None = None,
        groups: int = 1,
    ):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.act1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.drop_block = nn.Identity()
        self.act2 = nn.ReLU(inplace=True)
        self.aa = nn.Identity()
        self.conv3 = nn.Conv2d(width, outplanes, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(outplanes)
        self.se = se
        self.act3 = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.aa(self.act2(self.drop_block(self.bn2(self.conv2(x)))))
        x = self.bn3(self.conv3(x))
        if self.se is not None:
            x = self.se(x)
        if self.downsample is not None:
            shortcut = self.downsample(shortcut)
        x += shortcut
        return self.act3(x)


def _conv_downsample(cin: int, cout: int, stride: int) -> nn.Sequential:
    """Projection shortcut ``downsample.0`` (1x1 conv, stride) + ``downsample.1`` (BN)."""
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))


class SEResNet(nn.Module):
    """Small SE-ResNet (timm ``seresnet*`` names): stem ``conv1`` 7x7/2 (16), ``bn1``, ``act1``, ``maxpool``;
    ``layer1`` = 2 bottlenecks 16 -> (8) -> 32, ``layer2`` = 2 bottlenecks 32 -> (16) -> 64 (stride 2), each
    with ``se`` (reduction channels 8, timm's divisor-8 minimum); ``global_pool``, ``fc`` (10 classes)."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.act1 = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(
            TimmBottleneck(16, 8, 32, 1, _conv_downsample(16, 32, 1), se=SEModule(32, 8)),
            TimmBottleneck(32, 8, 32, se=SEModule(32, 8)),
        )
        self.layer2 = nn.Sequential(
            TimmBottleneck(32, 16, 64, 2, _conv_downsample(32, 64, 2), se=SEModule(64, 8)),
            TimmBottleneck(64, 16, 64, se=SEModule(64, 8)),
        )
        self.global_pool = SelectAdaptivePool2d()
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.act1(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(self.global_pool(x))


def se_resnet() -> nn.Module:
    """A small bottleneck SE-ResNet in timm ``resnet.py`` names, squeeze-excitation in every block at
    ``layerN.M.se.{fc1,bn,act,fc2,gate}`` applied to the main path before the add; 2 stages; 64x64 input."""
    return SEResNet()


# ---------------------------------------------------------------------------------------------------------
# grouped 3x3 convs (ResNeXt), torchvision bottleneck names, CIFAR stem
# ---------------------------------------------------------------------------------------------------------


class TvBottleneck(nn.Module):
    """torchvision bottleneck names: ``conv1 bn1 conv2 bn2 conv3 bn3 relu downsample`` (one shared in-place
    ``relu`` used three times), stride and ``groups`` on the 3x3 ``conv2``, ``out += identity``."""

    def __init__(self, inplanes: int, width: int, outplanes: int, stride: int = 1, groups: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, outplanes, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(outplanes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = (
            _conv_downsample(inplanes, outplanes, stride) if stride != 1 or inplanes != outplanes else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNeXtTiny(nn.Module):
    """Tiny ResNeXt on 32x32: ``conv1`` 3x3/1 (16), ``bn1``, ``relu`` (no max-pool); ``layer1`` = 1 block
    16 -> (16, g4) -> 32; ``layer2`` = 2 blocks -> (32, g4) -> 64, first stride 2; ``layer3`` = 1 block
    -> (64, g4) -> 128, stride 2; ``avgpool``, ``fc`` (10 classes)."""

    def __init__(self, num_classes: int = 10, groups: int = 4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(TvBottleneck(16, 16, 32, 1, groups))
        self.layer2 = nn.Sequential(TvBottleneck(32, 32, 64, 2, groups), TvBottleneck(64, 32, 64, 1, groups))
        self.layer3 = nn.Sequential(TvBottleneck(64, 64, 128, 2, groups))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(128, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnext_tiny() -> nn.Module:
    """A tiny ResNeXt (torchvision bottleneck names, CIFAR-style stem without max-pool) whose every block's
    3x3 conv is grouped (groups=4); 3 stages; 32x32 input."""
    return ResNeXtTiny()


# ---------------------------------------------------------------------------------------------------------
# pre-activation (timm ResNetV2 names)
# ---------------------------------------------------------------------------------------------------------


class BatchNormAct2d(nn.BatchNorm2d):
    """BN with its activation inside (timm's ``BatchNormAct2d``): the BN parameters sit on the module itself,
    its children are ``drop`` (Identity) and ``act`` (ReLU), and its output is already activated."""

    def __init__(self, num_features: int):
        super().__init__(num_features)
        self.drop = nn.Identity()
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.drop(super().forward(x)))


class DownsampleConv(nn.Module):
    """ResNetV2 projection: ``downsample.conv`` (1x1, stride) and ``downsample.norm`` (Identity when
    pre-activated, as the input already went through ``norm1``)."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1, stride=stride, bias=False)
        self.norm = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.conv(x))


class PreActBasic(nn.Module):
    """Pre-activation basic block: ``norm1`` (BN+ReLU) -> ``conv1`` -> ``norm2`` (BN+ReLU) -> ``conv2``, plus
    the shortcut: the raw input when identity, ``downsample(norm1(x))`` when projecting; no ReLU after the
    add.  ``downsample`` is registered first, as in timm."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.downsample = DownsampleConv(cin, cout, stride) if stride != 1 or cin != cout else None
        self.norm1 = BatchNormAct2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.norm2 = BatchNormAct2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.drop_path = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_preact = self.norm1(x)
        shortcut = x
        if self.downsample is not None:
            shortcut = self.downsample(x_preact)
        x = self.conv1(x_preact)
        x = self.conv2(self.norm2(x))
        return self.drop_path(x) + shortcut


class ResNetStage(nn.Module):
    """``stages.N`` holding ``blocks`` (an ``nn.Sequential`` of pre-activation blocks)."""

    def __init__(self, cin: int, cout: int, depth: int, stride: int):
        super().__init__()
        self.blocks = nn.Sequential(
            *[PreActBasic(cin if j == 0 else cout, cout, stride if j == 0 else 1) for j in range(depth)]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)


class ClassifierHead(nn.Module):
    """timm ``ClassifierHead(use_conv=True)`` names: ``global_pool`` (keeps 1x1 spatial), ``fc`` as a 1x1 conv
    with bias, then ``flatten``."""

    def __init__(self, cin: int, num_classes: int):
        super().__init__()
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Conv2d(cin, num_classes, kernel_size=1, bias=True)
        self.flatten = nn.Flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.flatten(self.fc(self.global_pool(x)))


class PreActResNet(nn.Module):
    """Small ResNetV2 (pre-activation, basic blocks): ``stem.conv`` 7x7/2 (16), ``stem.pool`` 3x3/2 max (no
    norm in a pre-activation stem); ``stages.0`` = 1 block 16 ch, ``stages.1`` = 2 blocks 32 ch (stride 2),
    ``stages.2`` = 1 block 64 ch (stride 2); final ``norm`` (BN+ReLU); ``head`` (10 classes)."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(
            OrderedDict(
                conv=nn.Conv2d(3, 16, 7, stride=2, padding=3, bias=False),
                pool=nn.MaxPool2d(3, 2, 1),
            )
        )
        self.stages = nn.Sequential(
            ResNetStage(16, 16, depth=1, stride=1),
            ResNetStage(16, 32, depth=2, stride=2),
            ResNetStage(32, 64, depth=1, stride=2),
        )
        self.norm = BatchNormAct2d(64)
        self.head = ClassifierHead(64, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.norm(self.stages(self.stem(x))))


def preact_resnet() -> nn.Module:
    """A small pre-activation ResNet in timm ``resnetv2.py`` names (``stem.conv``, ``stages.N.blocks.M.norm1/
    conv1/norm2/conv2``, ``downsample.conv``, final ``norm``, ``head.fc``): BN->ReLU->conv in the blocks, the
    projection applied to the pre-activated tensor, nothing after the add; 64x64 input."""
    return PreActResNet()


# ---------------------------------------------------------------------------------------------------------
# multi-output backbone
# ---------------------------------------------------------------------------------------------------------


def multi_output_backbone() -> nn.Module:
    """A narrow torchvision-layout ResNet trunk (stem 16, ``layer1..4`` of one basic block each, widths
    16/32/64/128) as an IntermediateLayerGetter-style ``ModuleDict`` (``conv1 .. layer4`` at top level) that
    returns an ``OrderedDict`` of every stage output under keys ``"0".."3"``; no classifier; 64x64 input."""
    trunk = TvResNet(layers=(1, 1, 1, 1), widths=(16, 32, 64, 128), stem_width=16, num_classes=10)
    return LayerGetter(trunk, STAGE_KEYS)


# ---------------------------------------------------------------------------------------------------------
# user hooks, a frozen parameter, train mode
# ---------------------------------------------------------------------------------------------------------


class HookedResNet18(TvResNet):
    """torchvision-layout ResNet-18 carrying user hooks that record into ``self.hook_calls``."""

    hook_calls: list[str]


def _record_forward(calls: list[str], tag: str, module: nn.Module, args: tuple, output: object) -> None:
    calls.append(tag)


def _record_pre(calls: list[str], tag: str, module: nn.Module, args: tuple) -> None:
    calls.append(tag)


def hooked_model() -> HookedResNet18:
    """torchvision-layout ResNet-18 with user hooks: a forward hook on ``layer1`` appending ``"layer1"`` and a
    forward pre-hook on ``layer2.0.conv1`` appending ``"layer2.0.conv1:pre"`` to ``model.hook_calls`` (a plain
    list attribute; ``model.hook_handles`` keeps the handles).  ``conv1.weight`` has ``requires_grad=False``
    (a frozen stem) and the model is left in ``train()`` mode.  A tracer must leave all three untouched:
    no hook fires, the flag stays, and ``model.training`` stays True (BN running stats unchanged)."""
    model = HookedResNet18()
    calls: list[str] = []
    model.hook_calls = calls
    model.hook_handles = [
        model.layer1.register_forward_hook(functools.partial(_record_forward, calls, "layer1")),
        model.layer2[0].conv1.register_forward_pre_hook(functools.partial(_record_pre, calls, "layer2.0.conv1:pre")),
    ]
    model.conv1.weight.requires_grad_(False)
    model.train()
    return model


# ---------------------------------------------------------------------------------------------------------
# CIFAR ResNet-20 with option-A (zero-padding) shortcuts, akamaster names
# ---------------------------------------------------------------------------------------------------------


def _pad_shortcut(x: torch.Tensor, planes: int) -> torch.Tensor:
    """Option A: take every other pixel, zero-pad the channels by ``planes // 4`` on each side."""
    return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4), "constant", 0)


class LambdaLayer(nn.Module):
    """A module wrapping a function (akamaster's ``LambdaLayer``); here a picklable ``functools.partial``."""

    def __init__(self, fn: Callable[[torch.Tensor], torch.Tensor]):
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


class CifarBasicBlock(nn.Module):
    """akamaster CIFAR block: ``conv1 bn1 conv2 bn2 shortcut``, functional ReLUs, ``out += shortcut(x)``; the
    identity shortcut is an empty ``nn.Sequential()``, the option-A one a :class:`LambdaLayer`."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut: nn.Module = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = LambdaLayer(functools.partial(_pad_shortcut, planes=planes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class CifarResNet20(nn.Module):
    """ResNet-20 for CIFAR (He et al. 2016, sec. 4.2): ``conv1`` 3x3 (16), ``bn1``, ``layer1..3`` of three
    blocks at 16/32/64 channels, functional global average pool, ``linear`` (10 classes)."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = nn.Sequential(*[CifarBasicBlock(16, 16) for _ in range(3)])
        self.layer2 = nn.Sequential(CifarBasicBlock(16, 32, 2), CifarBasicBlock(32, 32), CifarBasicBlock(32, 32))
        self.layer3 = nn.Sequential(CifarBasicBlock(32, 64, 2), CifarBasicBlock(64, 64), CifarBasicBlock(64, 64))
        self.linear = nn.Linear(64, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.avg_pool2d(out, out.size()[3])
        out = out.view(out.size(0), -1)
        return self.linear(out)


def cifar_resnet20_option_a() -> nn.Module:
    """CIFAR ResNet-20 in akamaster's ``pytorch_resnet_cifar10`` names with option-A shortcuts: parameter-free
    ``x[:, :, ::2, ::2]`` + channel zero-padding (``F.pad``) on the two downsampling blocks; functional
    ReLUs and pooling; 269,722 parameters; 32x32 input."""
    return CifarResNet20()


# ---------------------------------------------------------------------------------------------------------
# registry and hand-written expectations
# ---------------------------------------------------------------------------------------------------------

ZOO: dict[str, Callable[[], nn.Module]] = {
    "torchvision_resnet18": torchvision_resnet18,
    "timm_style_resnet18": timm_style_resnet18,
    "wrapped_resnet18": wrapped_resnet18,
    "flat_resnet18": flat_resnet18,
    "plain_cnn": plain_cnn,
    "resnet_d_block_net": resnet_d_block_net,
    "se_resnet": se_resnet,
    "resnext_tiny": resnext_tiny,
    "preact_resnet": preact_resnet,
    "multi_output_backbone": multi_output_backbone,
    "hooked_model": hooked_model,
    "cifar_resnet20_option_a": cifar_resnet20_option_a,
}

INPUT: dict[str, tuple[int, int]] = {
    "torchvision_resnet18": (224, 224),
    "timm_style_resnet18": (224, 224),
    "wrapped_resnet18": (224, 224),
    "flat_resnet18": (224, 224),
    "plain_cnn": (32, 32),
    "resnet_d_block_net": (56, 56),
    "se_resnet": (64, 64),
    "resnext_tiny": (32, 32),
    "preact_resnet": (64, 64),
    "multi_output_backbone": (64, 64),
    "hooked_model": (224, 224),
    "cifar_resnet20_option_a": (32, 32),
}


def _b(shortcut: str, stride: int, kind: str = "basic", preact: bool = False, gate: bool = False, groups: int = 1):
    """One block's expected description (a plain dict; only formats the hand-written values)."""
    return {"kind": kind, "stride": stride, "shortcut": shortcut, "preact": preact, "gate": gate, "groups": groups}


def _stage(out: tuple[int, int, int], *blocks: dict) -> dict:
    """One stage: its output (channels, height, width) at the natural input, and its blocks in order."""
    return {"out": out, "blocks": blocks}


_R18_STAGES = (
    # 224 -> conv1/2 112 -> maxpool/2 56; layer2..4 halve: 28, 14, 7
    _stage((64, 56, 56), _b("identity", 1), _b("identity", 1)),
    _stage((128, 28, 28), _b("projection", 2), _b("identity", 1)),
    _stage((256, 14, 14), _b("projection", 2), _b("identity", 1)),
    _stage((512, 7, 7), _b("projection", 2), _b("identity", 1)),
)


def _r18(stage_modules: tuple[str, ...]) -> dict:
    return {
        # conv1 3*64*49 = 9,408 + bn1 128 = 9,536; layer1 4 * 36,864 + 4 * 128 = 147,968;
        # layer2 (73,728+256+147,456+256+8,192+256) + (2 * 147,456 + 512) = 230,144 + 295,424 = 525,568;
        # layer3 919,040 + 1,180,672 = 2,099,712; layer4 3,673,088 + 4,720,640 = 8,393,728;
        # fc 512,000 + 1,000 -> 11,689,512, the published torchvision resnet18 count
        "params": 11_689_512,
        "output": (1, 1000),
        "stem_out": (64, 56, 56),
        "num_stages": 4,
        "blocks_per_stage": (2, 2, 2, 2),
        "stage_modules": stage_modules,
        "stages": _R18_STAGES,
        # receptive field (size, stride) of each stage output: 7x7/2 -> 7; maxpool 3/2 at stride 2 -> 11, stride 4;
        # layer1 four 3x3 at stride 4: 11 + 4*2*4 = 43; layer2: +2*4 (strided conv) +3*2*8 = 99, stride 8;
        # layer3: +2*8 + 3*2*16 = 211, stride 16; layer4: +2*16 + 3*2*32 = 435, stride 32.
        "rf": ((43, 4), (99, 8), (211, 16), (435, 32)),
    }


EXPECTED: dict[str, dict] = {
    "torchvision_resnet18": _r18(("layer1", "layer2", "layer3", "layer4")),
    "timm_style_resnet18": _r18(("stages.0", "stages.1", "stages.2", "stages.3")),
    "wrapped_resnet18": _r18(
        ("backbone.body.layer1", "backbone.body.layer2", "backbone.body.layer3", "backbone.body.layer4")
    ),
    "flat_resnet18": _r18(("ops.15", "ops.29", "ops.43", "ops.57")),
    "hooked_model": _r18(("layer1", "layer2", "layer3", "layer4")),
    "plain_cnn": {
        # convs 448 + 2,320 + 4,640 + 9,248; fc1 2048*64+64 = 131,136; fc2 650 -> 148,442
        "params": 148_442,
        "output": (1, 10),
        "stem_out": None,
        "num_stages": 0,
        "blocks_per_stage": (),
        "stage_modules": (),
        "stages": (),
    },
    "resnet_d_block_net": {
        # stem 432+32+2,304+32+4,608+64 = 7,472; layer1 18,560; layer2 57,728 + 73,984;
        # layer3 73,728+256+147,456+256+8,192+256 = 230,144; fc 1,290 -> 389,178
        "params": 389_178,
        "output": (1, 10),
        # 56 -> 3x3/2 28 -> maxpool 14; layer2 7; layer3 ceil(7/2) = 4 on both paths
        "stem_out": (32, 14, 14),
        "num_stages": 3,
        "blocks_per_stage": (1, 2, 1),
        "stage_modules": ("layer1", "layer2", "layer3"),
        "stages": (
            _stage((32, 14, 14), _b("identity", 1)),
            _stage((64, 7, 7), _b("pooled", 2), _b("identity", 1)),
            _stage((128, 4, 4), _b("pooled", 2)),
        ),
    },
    "se_resnet": {
        # stem 2,352+32; layer1 2,184 + 1,736; layer2 7,304 + 5,640; fc 650 -> 19,898
        # (SE on 32 ch: fc1 32*8+8 = 264, fc2 8*32+32 = 288; on 64 ch: 520, 576)
        "params": 19_898,
        "output": (1, 10),
        # 64 -> 32 -> 16; layer2 8
        "stem_out": (16, 16, 16),
        "num_stages": 2,
        "blocks_per_stage": (2, 2),
        "stage_modules": ("layer1", "layer2"),
        "stages": (
            _stage(
                (32, 16, 16),
                _b("projection", 1, "bottleneck", gate=True),  # 16 -> 32 channels: stride-1 projection
                _b("identity", 1, "bottleneck", gate=True),
            ),
            _stage(
                (64, 8, 8),
                _b("projection", 2, "bottleneck", gate=True),
                _b("identity", 1, "bottleneck", gate=True),
            ),
        ),
    },
    "resnext_tiny": {
        # stem 432+32; layer1 2,048; layer2 7,808 + 6,656; layer3 30,464; fc 1,290 -> 48,730
        # (grouped 3x3: out * (in / 4) * 9, e.g. 16 * 4 * 9 = 576)
        "params": 48_730,
        "output": (1, 10),
        "stem_out": (16, 32, 32),
        "num_stages": 3,
        "blocks_per_stage": (1, 2, 1),
        "stage_modules": ("layer1", "layer2", "layer3"),
        "stages": (
            _stage((32, 32, 32), _b("projection", 1, "bottleneck", groups=4)),
            _stage(
                (64, 16, 16),
                _b("projection", 2, "bottleneck", groups=4),
                _b("identity", 1, "bottleneck", groups=4),
            ),
            _stage((128, 8, 8), _b("projection", 2, "bottleneck", groups=4)),
        ),
    },
    "preact_resnet": {
        # stem.conv 2,352; stages.0 4,672; stages.1 14,432 + 18,560; stages.2 57,536; norm 128;
        # head.fc (1x1 conv) 650 -> 98,330
        "params": 98_330,
        "output": (1, 10),
        "stem_out": (16, 16, 16),
        "num_stages": 3,
        "blocks_per_stage": (1, 2, 1),
        "stage_modules": ("stages.0", "stages.1", "stages.2"),
        "stages": (
            _stage((16, 16, 16), _b("identity", 1, preact=True)),
            _stage((32, 8, 8), _b("projection", 2, preact=True), _b("identity", 1, preact=True)),
            _stage((64, 4, 4), _b("projection", 2, preact=True)),
        ),
    },
    "multi_output_backbone": {
        # conv1 2,352 + bn1 32; layer1 4,672; layer2 14,528; layer3 57,728; layer4 230,144 -> 309,456
        # (avgpool/fc dropped by the layer getter)
        "params": 309_456,
        "output": {"0": (1, 16, 16, 16), "1": (1, 32, 8, 8), "2": (1, 64, 4, 4), "3": (1, 128, 2, 2)},
        "stem_out": (16, 16, 16),
        "num_stages": 4,
        "blocks_per_stage": (1, 1, 1, 1),
        "stage_modules": ("layer1", "layer2", "layer3", "layer4"),
        "stages": (
            _stage((16, 16, 16), _b("identity", 1)),
            _stage((32, 8, 8), _b("projection", 2)),
            _stage((64, 4, 4), _b("projection", 2)),
            _stage((128, 2, 2), _b("projection", 2)),
        ),
    },
    "cifar_resnet20_option_a": {
        # conv1 432 + bn1 32; layer1 3 * 4,672; layer2 13,952 + 2 * 18,560; layer3 55,552 + 2 * 73,984;
        # linear 650 -> 269,722 (the published ResNet-20 count)
        "params": 269_722,
        "output": (1, 10),
        "stem_out": (16, 32, 32),
        "num_stages": 3,
        "blocks_per_stage": (3, 3, 3),
        "stage_modules": ("layer1", "layer2", "layer3"),
        "stages": (
            _stage((16, 32, 32), _b("identity", 1), _b("identity", 1), _b("identity", 1)),
            _stage((32, 16, 16), _b("zeropad", 2), _b("identity", 1), _b("identity", 1)),
            _stage((64, 8, 8), _b("zeropad", 2), _b("identity", 1), _b("identity", 1)),
        ),
    },
}
