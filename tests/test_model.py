"""The networks we build: torchvision's names and parameter counts, the paper's variants and options."""

import re

import pytest
import torch

from resnet_viz.core.blocks import BasicBlock, Bottleneck, ZeroPadShortcut
from resnet_viz.core.model import build_resnet

TORCHVISION_PARAMS = {18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160, 152: 60_192_808}
# The paper's section 4.2 / Table 6 (rounded there to 0.27M, 0.46M, 0.66M, 0.85M, 1.7M, 19.4M).
CIFAR_PARAMS = {20: 269_722, 32: 464_154, 44: 658_586, 56: 853_018, 110: 1_727_962, 1202: 19_421_274}


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("depth", sorted(TORCHVISION_PARAMS))
def test_parameter_counts_equal_torchvision(depth):
    assert n_params(build_resnet(depth, device="meta")) == TORCHVISION_PARAMS[depth]


@pytest.mark.parametrize("depth", sorted(CIFAR_PARAMS))
def test_cifar_family_parameter_counts(depth):
    model = build_resnet(depth, device="meta")
    assert n_params(model) == CIFAR_PARAMS[depth]
    assert round(n_params(model) / 1e6, 2 if depth < 110 else 1) == {
        20: 0.27, 32: 0.46, 44: 0.66, 56: 0.85, 110: 1.7, 1202: 19.4}[depth]


_TV_KEY = re.compile(
    r"^(conv1|bn1|fc|layer[1-4]\.\d+\.(conv[1-3]|bn[1-3]|downsample\.[01]))\."
    r"(weight|bias|running_mean|running_var|num_batches_tracked)$"
)


@pytest.mark.parametrize("depth", [18, 50])
def test_state_dict_uses_torchvision_keys(depth):
    sd = build_resnet(depth, device="meta").state_dict()
    assert all(_TV_KEY.match(k) for k in sd), [k for k in sd if not _TV_KEY.match(k)]
    assert sd["conv1.weight"].shape == (64, 3, 7, 7)
    assert sd["fc.weight"].shape == (1000, 512 * (4 if depth == 50 else 1))
    ds = sd["layer2.0.downsample.0.weight"].shape
    assert ds == ((512, 256, 1, 1) if depth == 50 else (128, 64, 1, 1))


def test_state_dict_matches_torchvision_exactly():
    models = pytest.importorskip("torchvision.models")
    for depth in (18, 34, 50, 101, 152):
        ours = build_resnet(depth, device="meta").state_dict()
        theirs = getattr(models, f"resnet{depth}")().state_dict()
        assert list(ours) == list(theirs)
        assert {k: tuple(v.shape) for k, v in ours.items()} == {k: tuple(v.shape) for k, v in theirs.items()}
    tv18 = models.resnet18()
    ours18 = build_resnet(18)
    ours18.load_state_dict(tv18.state_dict(), strict=True)
    x = torch.randn(1, 3, 64, 64)
    assert torch.allclose(ours18(x), tv18.eval()(x), atol=1e-5)


def test_default_model_is_initialised_and_runs_on_cpu():
    model = build_resnet(18)
    assert not model.training
    w = model.conv1.weight
    assert w.device.type == "cpu" and torch.isfinite(w).all() and w.std() > 0
    assert torch.equal(model.bn1.weight, torch.ones(64)) and torch.equal(model.bn1.running_var, torch.ones(64))
    assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 1000)


def test_variant_moves_the_bottleneck_stride():
    v15 = build_resnet(50, device="meta").layer2[0]
    v1 = build_resnet(50, variant="v1", device="meta").layer2[0]
    assert isinstance(v15, Bottleneck)
    assert (v15.conv1.stride, v15.conv2.stride) == ((1, 1), (2, 2))
    assert (v1.conv1.stride, v1.conv2.stride) == ((2, 2), (1, 1))
    assert n_params(build_resnet(50, variant="v1", device="meta")) == TORCHVISION_PARAMS[50]


def test_basic_blocks_are_the_same_in_both_variants():
    a = build_resnet(34, device="meta").state_dict()
    b = build_resnet(34, variant="v1", device="meta").state_dict()
    assert {k: v.shape for k, v in a.items()} == {k: v.shape for k, v in b.items()}
    assert build_resnet(34, variant="v1", device="meta").layer2[0].conv1.stride == (2, 2)


def test_shortcut_options():
    a = build_resnet(34, shortcut="A", device="meta")
    assert isinstance(a.layer2[0].downsample, ZeroPadShortcut) and a.layer1[0].downsample is None
    assert n_params(a) < TORCHVISION_PARAMS[34]
    c = build_resnet(34, shortcut="C", device="meta")
    assert all(isinstance(b.downsample, torch.nn.Sequential) for s in c.stages for b in s)
    assert n_params(c) > TORCHVISION_PARAMS[34]


def test_zero_pad_shortcut_subsamples_and_appends_zero_channels():
    x = torch.arange(2 * 5 * 5, dtype=torch.float32).reshape(1, 2, 5, 5)
    y = ZeroPadShortcut(2, 4, 2)(x)
    assert y.shape == (1, 4, 3, 3)
    assert torch.equal(y[:, :2], x[:, :, ::2, ::2]) and not y[:, 2:].any()


def test_cifar_stem_and_custom_layers():
    m = build_resnet(34, stem="cifar", num_classes=10, device="meta")
    assert m.maxpool is None and m.conv1.kernel_size == (3, 3) and m.conv1.stride == (1, 1)
    assert m.fc.out_features == 10
    custom = build_resnet(layers=(1, 1, 1), block="basic", device="meta")
    assert len(custom.stages) == 3 and isinstance(custom.layer3[0], BasicBlock)
    assert custom.fc.in_features == 256
