"""The test-model zoo and the receptive-field oracle check themselves (pure torch; no resnet_viz import).

The zoo's EXPECTED values are hand-written; here they are checked against the running models (shapes,
parameter counts, residual adds, gates), and the renamed ResNet-18 copies are shown to be the same
network as the torchvision-layout one.  The oracle is checked on cases small enough to do by hand.
"""

from __future__ import annotations

import math

import pytest
import torch
from oracles import prepare_probe_model, rf_size_stride, rf_window
from torch import nn
from torch.overrides import TorchFunctionMode
from zoo import EXPECTED, INPUT, ZOO, TvBasicBlock, hooked_model, torchvision_resnet18

SHORTCUT_KINDS = {"identity", "projection", "pooled", "zeropad"}
RENAMED_R18 = ["timm_style_resnet18", "wrapped_resnet18", "flat_resnet18", "hooked_model"]


# ---------------------------------------------------------------------------------------------------------
# the zoo
# ---------------------------------------------------------------------------------------------------------


def test_registries_agree():
    assert set(ZOO) == set(INPUT) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(ZOO))
def test_parameter_count_matches_expected(name):
    model = ZOO[name]()
    assert sum(p.numel() for p in model.parameters()) == EXPECTED[name]["params"]


@pytest.mark.parametrize("name", sorted(ZOO))
def test_expected_is_self_consistent(name):
    """Catches typing slips in the hand-written tables: counts agree, every non-identity shortcut sits where
    the stride or the width changes (and only there), strides agree with the stage sizes."""
    exp = EXPECTED[name]
    stages = exp["stages"]
    assert exp["num_stages"] == len(stages) == len(exp["stage_modules"])
    assert exp["blocks_per_stage"] == tuple(len(s["blocks"]) for s in stages)
    prev = exp["stem_out"]
    for stage in stages:
        c, h, w = stage["out"]
        stride = math.prod(b["stride"] for b in stage["blocks"])
        assert (h, w) == (math.ceil(prev[1] / stride), math.ceil(prev[2] / stride))
        for j, b in enumerate(stage["blocks"]):
            assert b["shortcut"] in SHORTCUT_KINDS
            changes = b["stride"] != 1 or (j == 0 and prev[0] != c)
            assert (b["shortcut"] != "identity") == changes
        prev = stage["out"]


class _CountOps(TorchFunctionMode):
    """Counts residual adds (two 4-D tensors of one shape) and SE-style gating (a 4-D map times a per-channel
    N,C,1,1 tensor) at the torch-function level."""

    ADDS = {torch.add, torch.Tensor.add, torch.Tensor.add_, torch.Tensor.__add__, torch.Tensor.__iadd__}
    MULS = {torch.mul, torch.Tensor.mul, torch.Tensor.mul_, torch.Tensor.__mul__, torch.Tensor.__imul__}

    def __init__(self):
        super().__init__()
        self.adds = 0
        self.gates = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if len(args) >= 2 and all(isinstance(a, torch.Tensor) and a.dim() == 4 for a in args[:2]):
            a, b = args[0], args[1]
            if func in self.ADDS and a.shape == b.shape:
                self.adds += 1
            if func in self.MULS and a.shape[2:] != (1, 1) and b.shape[2:] == (1, 1):
                self.gates += 1
        return func(*args, **(kwargs or {}))


def _run(name: str) -> tuple[object, dict[str, tuple[int, ...]], _CountOps]:
    """Run ``name`` (eval mode) once at its natural input, recording each stage's output shape, the shape
    entering the first stage (``"<stem>"``), and the residual adds and gates."""
    torch.manual_seed(0)
    model = ZOO[name]().eval()
    modules = dict(model.named_modules())
    seen: dict[str, tuple[int, ...]] = {}

    def record(key: str, t: torch.Tensor) -> None:  # hooks must return None, or they replace args/outputs
        seen.setdefault(key, tuple(t.shape))

    handles = []
    for i, stage in enumerate(EXPECTED[name]["stage_modules"]):
        handles.append(modules[stage].register_forward_hook(lambda m, a, o, k=stage: record(k, o)))
        if i == 0:
            handles.append(modules[stage].register_forward_pre_hook(lambda m, a: record("<stem>", a[0])))
    counter = _CountOps()
    with torch.no_grad(), counter:
        out = model(torch.randn(1, 3, *INPUT[name]))
    for h in handles:
        h.remove()
    return out, seen, counter


@pytest.mark.parametrize("name", sorted(ZOO))
def test_forward_matches_expected(name):
    """Output shape(s), every stage's output and the stem's at the natural input; one residual add per
    expected block and one gating multiply per expected gated block."""
    exp = EXPECTED[name]
    out, seen, counter = _run(name)
    if isinstance(exp["output"], dict):
        assert isinstance(out, dict)
        assert list(out) == list(exp["output"])  # stage order
        assert {k: tuple(v.shape) for k, v in out.items()} == exp["output"]
    else:
        assert tuple(out.shape) == exp["output"]
    assert [seen[s][1:] for s in exp["stage_modules"]] == [s["out"] for s in exp["stages"]]
    if exp["stem_out"] is not None:
        assert seen["<stem>"][1:] == exp["stem_out"]
    blocks = [b for s in exp["stages"] for b in s["blocks"]]
    assert counter.adds == len(blocks) == sum(exp["blocks_per_stage"])
    assert counter.gates == sum(b["gate"] for b in blocks)


def _copy_by_position(src: nn.Module, dst: nn.Module) -> None:
    """Copy every parameter and buffer of ``src`` into ``dst`` in registration order, names ignored."""
    a, b = src.state_dict(), dst.state_dict()
    assert len(a) == len(b)
    with torch.no_grad():
        for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=True):
            assert va.shape == vb.shape, (ka, kb)
            vb.copy_(va)


@pytest.mark.parametrize("name", RENAMED_R18)
def test_renamed_resnet18_is_the_same_network(name):
    torch.manual_seed(0)
    ref = torchvision_resnet18()
    with torch.no_grad():  # non-trivial BN statistics and affine terms, so BN order matters too
        for m in ref.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    other = ZOO[name]()
    assert sum(p.numel() for p in other.parameters()) == sum(p.numel() for p in ref.parameters()) == 11_689_512
    _copy_by_position(ref, other)
    ref.eval()
    other.eval()
    x = torch.randn(1, 3, 64, 64)  # any size will do to show the two compute the same function
    with torch.no_grad():
        torch.testing.assert_close(other(x), ref(x))


def test_renamed_copies_really_are_renamed():
    names = {n: {k for k, _ in ZOO[n]().named_modules()} for n in ["torchvision_resnet18", *RENAMED_R18]}
    assert "stages.1.blocks.0.shortcut.conv" in names["timm_style_resnet18"]
    assert "head.flatten" in names["timm_style_resnet18"]
    assert "backbone.body.layer4.1.conv2" in names["wrapped_resnet18"]
    assert "head.fc" in names["wrapped_resnet18"]
    assert {k.split(".")[0] for k in names["flat_resnet18"] if k} == {"ops"}
    assert "ops.60" in names["flat_resnet18"]
    assert not names["flat_resnet18"] & names["torchvision_resnet18"] - {""}


def test_zoo_mirrors_the_named_schemes():
    mods = {n: dict(ZOO[n]().named_modules()) for n in ZOO}
    d = mods["resnet_d_block_net"]
    assert isinstance(d["conv1.0"], nn.Conv2d) and isinstance(d["conv1.3"], nn.Conv2d)
    assert isinstance(d["conv1.6"], nn.Conv2d)
    pool = d["layer2.0.downsample.0"]
    assert isinstance(pool, nn.AvgPool2d) and pool.ceil_mode and not pool.count_include_pad
    assert d["layer2.0.downsample.1"].stride == (1, 1) and d["layer2.0.downsample.1"].kernel_size == (1, 1)
    assert isinstance(d["layer2.0.downsample.2"], nn.BatchNorm2d)
    se = mods["se_resnet"]
    assert isinstance(se["layer1.0.se.fc1"], nn.Conv2d) and isinstance(se["layer1.0.se.gate"], nn.Sigmoid)
    assert all(isinstance(se[f"layer{i}.{j}.se.act"], nn.ReLU) for i in (1, 2) for j in (0, 1))
    assert {m.groups for k, m in mods["resnext_tiny"].items() if k.endswith("conv2")} == {4}
    p = mods["preact_resnet"]
    for k in ("stem.conv", "stages.1.blocks.0.norm1", "stages.1.blocks.0.downsample.conv", "norm", "head.fc"):
        assert k in p
    assert "stem.norm" not in p and isinstance(p["stages.0.blocks.0.norm1"], nn.BatchNorm2d)
    assert isinstance(mods["cifar_resnet20_option_a"]["layer1.0.shortcut"], nn.Sequential)
    assert {"features.0", "features.4", "features.9", "classifier.0", "classifier.2"} <= set(mods["plain_cnn"])


def test_hooked_model_hooks_frozen_parameter_and_train_mode():
    model = hooked_model()
    assert model.training and all(m.training for m in model.modules())
    assert not model.conv1.weight.requires_grad
    assert sum(not p.requires_grad for p in model.parameters()) == 1
    assert model.hook_calls == []
    with torch.no_grad():
        model.eval()(torch.randn(1, 3, 64, 64))
    assert model.hook_calls == ["layer1", "layer2.0.conv1:pre"]


# ---------------------------------------------------------------------------------------------------------
# the receptive-field oracle
# ---------------------------------------------------------------------------------------------------------


def test_oracle_single_conv_centre_and_corner():
    conv = nn.Conv2d(3, 4, 3, stride=1, padding=1)
    assert rf_window(conv, (9, 9), lambda m, x: m(x)) == ((3, 5), (3, 5))
    assert rf_window(conv, (9, 9), lambda m, x: m(x), (0, 0)) == ((0, 1), (0, 1))  # clipped to 2x2


def test_oracle_resnet_stem():
    stem = nn.Sequential(nn.Conv2d(3, 8, 7, stride=2, padding=3), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
    # 64x64 -> conv 32x32 -> pool 16x16, centre (8, 8).  Pool output 8 reads conv rows 2*8-1 .. 2*8+1 = 15..17;
    # conv row r reads input rows 2r-3 .. 2r+3, so rows 15..17 read 27..37: an 11x11 window centred on 32.
    assert rf_window(stem, (64, 64), "3") == ((27, 37), (27, 37))
    # corner (0, 0): pool reads conv rows -1..1 (row -1 is padding), conv rows 0..1 read input -3..5 -> 0..5.
    assert rf_window(stem, (64, 64), "3", (0, 0)) == ((0, 5), (0, 5))
    # the same stem inside the real torchvision-layout model (BN, in-place ReLU), targeted by name
    assert rf_window(torchvision_resnet18(), (64, 64), "maxpool") == ((27, 37), (27, 37))


def test_oracle_needs_the_maxpool_swap():
    """On the prepared copy the stem's max-pool is an average pool; the caller's model keeps its max-pool."""
    stem = nn.Sequential(nn.Conv2d(3, 8, 7, 2, 3), nn.MaxPool2d(3, 2, 1, ceil_mode=True))
    probe = prepare_probe_model(stem)
    assert isinstance(stem[1], nn.MaxPool2d)
    assert isinstance(probe[1], nn.AvgPool2d) and probe[1].ceil_mode and probe[1].count_include_pad
    assert (probe[1].kernel_size, probe[1].stride, probe[1].padding) == (3, 2, 1)
    assert probe[0].weight.dtype == torch.float64 and torch.all(probe[0].weight == 1 / (3 * 49))


def test_oracle_two_stacked_convs():
    net = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1))
    assert rf_window(net, (11, 11), "2") == ((3, 7), (3, 7))  # 5x5 around (5, 5)
    assert rf_size_stride(net, (11, 11), "2") == ((5, 5), (1, 1))


def test_oracle_identity_block_is_its_main_path():
    block = TvBasicBlock(4, 4)
    # the identity shortcut adds only the centre pixel, inside the main path's two 3x3 convs: 5x5
    assert rf_window(block, (9, 9), lambda m, x: m(x)) == ((2, 6), (2, 6))
    # bn2 is captured before the in-place ``out += identity`` re-roots its tensor: still the main path
    assert rf_window(block, (9, 9), "bn2") == ((2, 6), (2, 6))


def test_oracle_matches_hand_arithmetic_on_resnet18_stages():
    model = torchvision_resnet18()
    rf = EXPECTED["torchvision_resnet18"]["rf"]
    # Every layer pads (k-1)/2, so output j of a stride-s stage is centred on image pixel s*j.  At 128:
    # layer1 (43, stride 4) centre 16 of 32 -> 64 +- 21; layer2 (99, stride 8) centre 8 of 16 -> 64 +- 49,
    # and its neighbour 9 -> 72 +- 49 = 23..121, still clear of the border
    assert rf_size_stride(model, (128, 128), "layer1") == ((rf[0][0],) * 2, (rf[0][1],) * 2)
    assert rf_size_stride(model, (128, 128), "layer2") == ((rf[1][0],) * 2, (rf[1][1],) * 2)
    assert rf_window(model, (128, 128), "layer2") == ((15, 113), (15, 113))


def test_oracle_pooled_and_zeropad_shortcuts_stay_inside_the_main_path():
    d = ZOO["resnet_d_block_net"]()
    # layer2.0: the shortcut's 2x2 pool sees less than the main path's two 3x3 convs
    assert rf_window(d, (56, 56), "layer2.0") == rf_window(d, (56, 56), "layer2.0.bn2")
    c = ZOO["cifar_resnet20_option_a"]()
    assert rf_window(c, (32, 32), "layer2.0") == rf_window(c, (32, 32), "layer2.0.bn2")


def test_oracle_se_gate_sees_the_whole_image():
    se = ZOO["se_resnet"]()
    assert rf_window(se, (64, 64), "layer1.0") == ((0, 63), (0, 63))  # the squeeze is a global mean


def test_oracle_leaves_the_model_alone():
    model = hooked_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rf_window(model, (64, 64), "layer2.0.conv1")
    assert model.hook_calls == []  # the copy's hooks were removed, so the shared list stays empty
    assert model.training and not model.conv1.weight.requires_grad
    assert isinstance(model.maxpool, nn.MaxPool2d)
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_oracle_refuses_ambiguous_and_unknown_targets():
    model = ZOO["multi_output_backbone"]()  # a narrow torchvision-layout trunk: same names, cheaper
    with pytest.raises(ValueError, match="ran 2 times"):
        rf_window(model, (64, 64), "layer1.0.relu")  # the shared relu runs twice per block
    first = rf_window(model, (64, 64), "layer1.0.relu", call=0)
    second = rf_window(model, (64, 64), "layer1.0.relu", call=1)
    assert first[0][1] - first[0][0] < second[0][1] - second[0][0]
    with pytest.raises(ValueError, match="no module named"):
        rf_window(model, (64, 64), "layer9")
    with pytest.raises(ValueError, match="per-sample"):
        rf_window(nn.Sequential(nn.Conv2d(3, 4, 3), nn.GroupNorm(2, 4)), (8, 8), "1")
    with pytest.raises(ValueError, match="image border"):
        rf_size_stride(model, (64, 64), "layer4")
