"""Receptive fields from the traced graph (views/receptive.py): hand-computed values, and exact agreement with the
empirical gradient probe (tests/oracles.py) on every stage output and a few ops of many kinds of ResNet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch
import torch.nn.functional as F
from oracles import rf_window
from torch import nn
from zoo import EXPECTED, ZOO

from resnet_viz.core.model import build_model
from resnet_viz.core.tracing import trace_module, trace_options
from resnet_viz.options import ModelOptions
from resnet_viz.schema import Trace, load_trace_text, trace_to_json
from resnet_viz.views.receptive import Field, input_field, receptive_fields, stage_fields


def _builtin(input_size: int, **kw: object) -> Trace:
    return trace_options(ModelOptions.parse(**kw, input=input_size, device="meta"))


def _module(model: nn.Module, hw: tuple[int, int]) -> Trace:
    return trace_module(model, ModelOptions.parse(input=hw, device="meta"))


@pytest.fixture(scope="module")
def r18() -> Trace:
    return _builtin(224, depth=18)


# --------------------------------------------------------------------------------------------------------------
# hand-computed
# --------------------------------------------------------------------------------------------------------------


def test_field_methods():
    f = Field(size=(11, 7), stride=(4, 2), start=(-5, -3))
    assert f.window((0, 0)) == ((-5, 5), (-3, 3))
    assert f.window((2, 1)) == ((3, 13), (-1, 5))
    assert f.clipped((0, 0), (8, 8)) == ((0, 5), (0, 3))
    assert f.clipped((2, 1), (8, 8)) == ((3, 7), (0, 5))
    assert f.covers((11, 7)) and not f.covers((12, 7))
    assert input_field() == Field((1, 1), (1, 1), (0, 0))
    assert input_field().window((3, 4)) == ((3, 3), (4, 4))


def test_resnet_stem(r18):
    f = receptive_fields(r18)
    # conv1 7x7/2 pad 3 on the input (1, 1, 0): size 1 + (7-1)*1 = 7, jump 1*2 = 2, start 0 - 3*1 = -3
    assert f["conv1"] == Field((7, 7), (2, 2), (-3, -3))
    # bn1, relu keep it; maxpool 3x3/2 pad 1: size 7 + (3-1)*2 = 11, jump 2*2 = 4, start -3 - 1*2 = -5
    assert f["relu"] == f["conv1"]
    assert f["maxpool"] == Field((11, 11), (4, 4), (-5, -5))


def test_resnet18_stages(r18):
    fields = stage_fields(r18)
    assert list(fields) == ["layer1", "layer2", "layer3", "layer4"]
    got = tuple((f.size[0], f.stride[0]) for f in fields.values() if f is not None)
    assert got == EXPECTED["torchvision_resnet18"]["rf"] == ((43, 4), (99, 8), (211, 16), (435, 32))
    # every 3x3 conv (padding 1) moves the start back by one jump: -5 - 4*4 = -21, then -21 - 4 - 3*8 = -49, …
    assert [f.start for f in fields.values() if f is not None] == [(-21, -21), (-49, -49), (-105, -105), (-217, -217)]
    assert all(f is not None and f.size[0] == f.size[1] and f.stride[0] == f.stride[1] for f in fields.values())


def test_resnet18_zoo_layouts_agree():
    for name in ("torchvision_resnet18", "timm_style_resnet18"):
        trace = _module(ZOO[name](), (224, 224))
        got = tuple((f.size[0], f.stride[0]) for f in stage_fields(trace).values() if f is not None)
        assert got == EXPECTED[name]["rf"], name


def test_global_pool_covers_the_image(r18):
    f = receptive_fields(r18)
    # avgpool spans layer4's 7x7 map: 435 + (7-1)*32 = 627 pixels from -217, i.e. -217 … 409 ⊇ 0 … 223
    assert f["avgpool"] == Field((627, 627), (224, 224), (-217, -217))
    assert f["flatten"] == f["fc"] == f["avgpool"]
    assert f["fc"] is not None and f["fc"].covers((224, 224))
    assert f["fc"].clipped((0, 0), (224, 224)) == ((0, 223), (0, 223))
    assert f["layer1.1.relu#2"] is not None and not f["layer1.1.relu#2"].covers((224, 224))


def test_vector_of_a_map_covers_all_its_positions():
    trace = _module(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 4 * 4, 10)), (6, 6))
    f = receptive_fields(trace)
    assert f["0"] == Field((3, 3), (1, 1), (0, 0))
    # flatten reads all 4x4 positions of the conv: 3 + (4-1)*1 = 6 pixels from 0, the whole 6x6 image
    assert f["1"] == f["2"] == Field((6, 6), (4, 4), (0, 0))
    assert f["2"] is not None and f["2"].covers((6, 6))


# --------------------------------------------------------------------------------------------------------------
# exact agreement with the empirical probe
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    module: str  # what the probe hooks
    op: str | None = None  # the op whose field answers; None: the op named like the module
    position: tuple[int, int] | None = None  # None: the centre of the output
    call: int | None = None  # which run of a module that runs more than once


@dataclass(frozen=True)
class Net:
    label: str
    make: Callable[[], tuple[nn.Module, Trace]]
    hw: tuple[int, int]
    targets: tuple[Target, ...]
    stage_modules: tuple[str, ...]  # one per traced stage, in order: the probe's target for the stage output


def _bi(hw: int, **kw: object) -> Callable[[], tuple[nn.Module, Trace]]:
    def make() -> tuple[nn.Module, Trace]:
        trace = _builtin(hw, **kw)
        assert trace.model is not None
        return build_model(trace.model), trace

    return make


def _zoo(name: str, hw: tuple[int, int]) -> Callable[[], tuple[nn.Module, Trace]]:
    def make() -> tuple[nn.Module, Trace]:
        model = ZOO[name]()
        return model, _module(model, hw)

    return make


LAYERS = ("layer1", "layer2", "layer3", "layer4")
CORNER = (0, 0)

NETS = (
    Net("resnet18", _bi(224, depth=18), (224, 224), (
        Target("maxpool"), Target("layer2.0.conv1"), Target("layer3.0.downsample.0"),
        *(Target(s, position=CORNER) for s in LAYERS),
    ), LAYERS),
    Net("resnet50 v1", _bi(128, depth=50, variant="v1"), (128, 128), (
        Target("layer2.0.conv1"), Target("layer2.0.conv2"), Target("layer2", position=CORNER),
    ), LAYERS),
    Net("resnet50 v1.5", _bi(128, depth=50), (128, 128), (
        Target("maxpool"), Target("layer2.0.conv2"), Target("layer3.0.downsample.0"),
    ), LAYERS),
    Net("resnext50_32x4d", _bi(96, arch="resnext50_32x4d"), (96, 96), (Target("layer2.0.conv2"),), LAYERS),
    Net("preact resnet18", _bi(128, depth=18, preact=True), (128, 128), (
        Target("layer2.0.relu", "layer2.0.relu", call=0), Target("layer2.0.downsample"), Target("layer3.0.conv1"),
    ), LAYERS),
    Net("resnet20 cifar (built-in option A)", _bi(32, depth=20), (32, 32), (
        Target("layer2.0.downsample"), Target("layer3.0.downsample", position=CORNER),
        Target("layer1", position=CORNER),
    ), LAYERS[:3]),
    Net("zoo resnext_tiny", _zoo("resnext_tiny", (32, 32)), (32, 32), (
        Target("layer2.0.conv2"), Target("layer2.0.downsample.0"),
    ), EXPECTED["resnext_tiny"]["stage_modules"]),
    Net("zoo preact_resnet", _zoo("preact_resnet", (64, 64)), (64, 64), (
        Target("stem.pool"), Target("stages.1.blocks.0.norm1.act", "stages.1.blocks.0.norm1.act"),
        Target("stages.1.blocks.0.downsample.conv"), Target("stages.2.blocks.0.conv1", position=CORNER),
    ), EXPECTED["preact_resnet"]["stage_modules"]),
    Net("zoo resnet_d_block_net", _zoo("resnet_d_block_net", (56, 56)), (56, 56), (
        Target("conv1.6"), Target("maxpool"), Target("layer2.0.downsample.0"), Target("layer2.0.downsample.1"),
        # ceil mode: layer3's pool maps 7 -> 4 and its last window hangs over the map's edge
        Target("layer3.0.downsample.0"), Target("layer3.0.downsample.0", position=(3, 3)),
        Target("layer3.0.downsample.0", position=CORNER), Target("layer3", position=(3, 0)),
    ), EXPECTED["resnet_d_block_net"]["stage_modules"]),
    Net("zoo cifar_resnet20_option_a", _zoo("cifar_resnet20_option_a", (32, 32)), (32, 32), (
        Target("layer2.0.shortcut", "layer2.0.shortcut.pad"), Target("layer3.0.shortcut", "layer3.0.shortcut.pad"),
        Target("layer2.0.shortcut", "layer2.0.shortcut.pad", position=CORNER), Target("layer1", position=CORNER),
        Target("layer2", position=CORNER),
    ), EXPECTED["cifar_resnet20_option_a"]["stage_modules"]),
    Net("zoo se_resnet", _zoo("se_resnet", (64, 64)), (64, 64), (
        Target("maxpool"), Target("layer1.0.conv2"), Target("layer1.0.se.fc1", "layer1.0.se.fc1"),
        Target("layer1.0.se", "layer1.0.se.mul"), Target("layer2.0.downsample.0"),
        Target("layer1.0.se", "layer1.0.se.mul", position=CORNER),
    ), EXPECTED["se_resnet"]["stage_modules"]),
)


@pytest.mark.parametrize("net", NETS, ids=[n.label for n in NETS])
def test_agrees_exactly_with_probe(net: Net):
    torch.manual_seed(0)
    model, trace = net.make()
    fields, by_stage = receptive_fields(trace), stage_fields(trace)
    assert len(trace.stages) == len(net.stage_modules)
    stage_of = dict(zip(net.stage_modules, (s.id for s in trace.stages), strict=True))
    mismatches, unclipped = [], 0
    for t in [Target(m) for m in net.stage_modules] + list(net.targets):
        if t.op is None and t.module in stage_of:
            field, volume = by_stage[stage_of[t.module]], trace.stage(stage_of[t.module]).output
        else:
            field, volume = fields[t.op or t.module], trace.op(t.op or t.module).output
        assert field is not None, t
        position = t.position or (volume.height // 2, volume.width // 2)
        ours = field.clipped(position, net.hw)
        probed = rf_window(model, net.hw, t.module, t.position, call=t.call)
        if ours != probed:
            mismatches.append((t, ours, probed))
        (r0, r1), (c0, c1) = field.window(position)
        unclipped += r0 >= 0 and c0 >= 0 and r1 < net.hw[0] and c1 < net.hw[1]
    assert mismatches == []
    assert unclipped, "no window inside the image: the sizes were only tested clipped"


def test_se_gate_covers_the_whole_image_and_keeps_the_stride():
    trace = _module(ZOO["se_resnet"](), (64, 64))
    fields = receptive_fields(trace)
    # the squeeze is a global mean: one position that sees the whole image, broadcast back over the map
    assert fields["layer1.0.se.mean"] is not None and fields["layer1.0.se.mean"].covers((64, 64))
    for op_id in ("layer1.0.se.mul", "layer1.0.add", "layer2.1.act3"):
        f, out = fields[op_id], trace.op(op_id).output
        assert f is not None and f.covers((64, 64))
        windows = {f.clipped((r, c), (64, 64)) for r in range(out.height) for c in range(out.width)}
        assert windows == {((0, 63), (0, 63))}
    # the broadcast gate does not change how far neighbouring positions' windows move
    assert [f.stride for f in stage_fields(trace).values() if f is not None] == [(4, 4), (8, 8)]
    assert fields["layer1.0.bn3"] is not None and fields["layer1.0.bn3"].stride == (4, 4)


# --------------------------------------------------------------------------------------------------------------
# dilation, asymmetric padding, joins of different jumps; the documented over-estimate
# --------------------------------------------------------------------------------------------------------------


def _all_positions(trace: Trace, op_id: str) -> list[tuple[int, int]]:
    out = trace.op(op_id).output
    return [(r, c) for r in range(out.height) for c in range(out.width)]


class Dilated(nn.Module):
    """Dilated taps no further apart than the windows they read, so the fields have no holes."""

    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Conv2d(3, 4, 5, padding=2)
        self.conv = nn.Conv2d(4, 4, 3, stride=2, padding=2, dilation=2)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1, dilation=1, ceil_mode=True)
        self.after_pad = nn.Conv2d(4, 4, 3, dilation=(1, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        padded = F.pad(self.pool(self.conv(self.first(x))), (1, 2, 2, 0))  # left 1, right 2, top 2, bottom 0
        return self.after_pad(padded)


def test_dilation_and_asymmetric_pad_agree_at_every_position():
    model, hw = Dilated(), (29, 26)
    trace = _module(model, hw)
    fields = receptive_fields(trace)
    # first: 5, jump 1, start -2; conv: 5 + 2*(3-1)*1 = 9, jump 2, start -2 - 2 = -4;
    # pool (ceil mode): 9 + 2*2 = 13, jump 4, start -4 - 2 = -6;
    # pad: start (-6 - 2*4, -6 - 1*4) = (-14, -10); conv dilated (1, 2): (13 + 2*4, 13 + 4*4) = (21, 29)
    assert fields["first"] == Field((5, 5), (1, 1), (-2, -2))
    assert fields["conv"] == Field((9, 9), (2, 2), (-4, -4))
    assert fields["pool"] == Field((13, 13), (4, 4), (-6, -6))
    assert fields["after_pad"] == Field((21, 29), (4, 4), (-14, -10))
    for op_id in ("conv", "pool", "after_pad"):
        f = fields[op_id]
        assert f is not None
        for position in _all_positions(trace, op_id):
            assert f.clipped(position, hw) == rf_window(model, hw, op_id, position), (op_id, position)


class TwoJumps(nn.Module):
    """A jump-2 and a jump-4 path added on the same 16x16 grid (never in a ResNet)."""

    def __init__(self) -> None:
        super().__init__()
        self.fine = nn.Conv2d(3, 4, 3, stride=2, padding=1)  # 32 -> 16, jump 2
        self.coarse = nn.Conv2d(3, 4, 4, stride=4)  # 32 -> 8, jump 4, padded back to 16
        self.out = nn.Conv2d(4, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.fine(x) + F.pad(self.coarse(x), (4, 4, 4, 4)))


def test_join_of_different_jumps_takes_the_larger_and_holds_every_window():
    model, hw = TwoJumps(), (32, 32)
    trace = _module(model, hw)
    f = receptive_fields(trace)["out"]
    assert f is not None and f.stride == (4, 4)
    for position in _all_positions(trace, "out"):
        (r0, r1), (c0, c1) = rf_window(model, hw, "out", position)
        (R0, R1), (C0, C1) = f.clipped(position, hw)
        assert R0 <= r0 <= r1 <= R1 and C0 <= c0 <= c1 <= C1, position


def test_over_estimate_after_a_rounded_down_map_is_only_at_its_far_edge():
    """A valid stride-2 conv drops the last pixel of 14; a padded conv after it counts a padded position whose
    window would lie inside the image: the documented over-estimate, on the last row and column only (by the one
    dropped pixel)."""
    model, hw = nn.Sequential(nn.Conv2d(3, 4, 3, 2, 0), nn.Conv2d(4, 4, 3, 1, 1)), (14, 14)
    trace = _module(model, hw)
    f = receptive_fields(trace)["1"]
    assert f is not None
    for position in _all_positions(trace, "1"):
        ours, probed = f.clipped(position, hw), rf_window(model, hw, "1", position)
        if 5 in position:
            assert ours != probed, position
            assert all(a[0] == b[0] and b[1] <= a[1] <= b[1] + 1 for a, b in zip(ours, probed, strict=True))
        else:
            assert ours == probed, position


# --------------------------------------------------------------------------------------------------------------
# unknown geometry
# --------------------------------------------------------------------------------------------------------------


class Upsampling(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(3)  # 16 -> 3: windows of varying size
        self.fc = nn.Linear(8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.conv1(x)
        b = self.conv2(F.interpolate(a, scale_factor=2.0))
        c = F.max_pool2d(b, 2) + a  # a known operand does not rescue an unknown one
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.pool(c), 1), 1)) + self.fc(a.mean((2, 3)))


def test_unknown_geometry_is_none_downstream():
    trace = _module(Upsampling(), (8, 8))
    fields = receptive_fields(trace)
    assert fields["conv1"] == Field((3, 3), (1, 1), (-1, -1))
    unknown = [o.id for o in trace.ops if fields[o.id] is None]
    known = [o.id for o in trace.ops if fields[o.id] is not None]
    assert "conv1" in known and "mean" in known and "fc#2" in known
    assert fields["mean"] == fields["fc#2"] == Field((3 + 7, 3 + 7), (8, 8), (-1, -1))  # all 8x8 positions of conv1
    assert unknown[0] == "interpolate" and trace.op("interpolate").kind.value == "other"
    assert {"conv2", "max_pool", "add", "pool", "flatten", "fc"} <= set(unknown)
    assert fields["add#2"] is None  # the model's output: one operand is unknown


def test_adaptive_pool_of_varying_windows_is_unknown():
    trace = _module(nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(4), nn.AdaptiveAvgPool2d(2)), (12, 12))
    fields = receptive_fields(trace)
    assert fields["0"] == Field((3, 3), (1, 1), (0, 0))
    assert fields["1"] is None and fields["2"] is None  # 10 -> 4 does not divide


# --------------------------------------------------------------------------------------------------------------
# the trace, not the device or the file, decides
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda device: trace_options(ModelOptions.parse(depth=18, input=64, device=device)),
    lambda device: trace_module(ZOO["resnet_d_block_net"](), ModelOptions.parse(input=(56, 56), device=device)),
    lambda device: trace_module(ZOO["se_resnet"](), ModelOptions.parse(input=(64, 64), device=device)),
], ids=["resnet18", "resnet_d_block_net", "se_resnet"])
def test_same_fields_from_meta_cpu_and_json(make):
    meta, cpu = make("meta"), make("cpu")
    loaded = load_trace_text(trace_to_json(meta))
    fields = receptive_fields(meta)
    assert all(f is not None for f in fields.values())
    assert receptive_fields(cpu) == fields == receptive_fields(loaded)
    assert stage_fields(cpu) == stage_fields(meta) == stage_fields(loaded)
