"""The whole ResNet family: torchvision's archs (ResNet, ResNeXt, Wide ResNet), grouped custom nets, and the
pre-activation ResNets of He et al. 2016 — specs, parameter counts, torchvision's state_dict layout, the
pre-activation ordering, and the one-line errors for every conflict and wrong type."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
import torch
from torch import nn

from resnet_viz.core.blocks import Bottleneck, ZeroPadShortcut
from resnet_viz.core.model import ResNet, build_model, build_resnet
from resnet_viz.core.preact_blocks import PreActBasicBlock, PreActBottleneck
from resnet_viz.errors import InvalidOption, InvalidType
from resnet_viz.family import ARCHS, CIFAR_DEPTHS, IMAGENET_DEPTHS, PREACT_CIFAR_DEPTHS
from resnet_viz.network_spec import NetworkSpec
from resnet_viz.parsing import parse_layers
from resnet_viz.spec import resnet_spec

# torchvision.models at 1000 classes (the numbers its model cards list).
TORCHVISION_PARAMS = {
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
    "resnext50_32x4d": 25_028_904,
    "resnext101_32x8d": 88_791_336,
    "resnext101_64x4d": 83_455_272,
    "wide_resnet50_2": 68_883_240,
    "wide_resnet101_2": 126_886_696,
}
# "Identity Mappings in Deep Residual Networks", Table 3/4: ResNet-164 1.7M, ResNet-1001 10.2M (an exact count of
# the net as described gives 10.33M; the projections are bare 1×1 convs as in the paper's code).
PREACT_CIFAR_PARAMS = {164: 1_703_258, 1001: 10_327_706}
PREACT_CIFAR_ROUNDED = {164: 1.7, 1001: 10.3}
# Pre-activation ImageNet nets: the post-activation count minus the stem-side BN moved to the blocks' inputs and the
# projection BNs (bare convs), plus bn_final.
PREACT_IMAGENET_PARAMS = {18: 11_687_848, 34: 21_796_008, 50: 25_549_480, 101: 44_541_608, 152: 60_185_256}
# Pre-activation CIFAR basic nets (option A): the same counts as the post-activation ones.
PREACT_CIFAR_BASIC_PARAMS = {20: 269_722, 32: 464_154, 44: 658_586, 56: 853_018, 110: 1_727_962, 1202: 19_421_274}


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def assert_one_line(err: pytest.ExceptionInfo, *needles: str) -> None:
    text = str(err.value)
    assert "\n" not in text, text
    for needle in needles:
        assert needle in text, (needle, text)


# --- what torchvision builds, written down from torchvision/models/resnet.py (no torchvision needed) -----------


def _bn(prefix: str, c: int) -> list[tuple[str, tuple[int, ...]]]:
    return [(f"{prefix}.weight", (c,)), (f"{prefix}.bias", (c,)), (f"{prefix}.running_mean", (c,)),
            (f"{prefix}.running_var", (c,)), (f"{prefix}.num_batches_tracked", ())]


def torchvision_state_dict_layout(
    block: str, layers: tuple[int, ...], groups: int = 1, width_per_group: int = 64, num_classes: int = 1000
) -> list[tuple[str, tuple[int, ...]]]:
    """Keys and shapes, in order, of torchvision's ResNet(block, layers, groups=…, width_per_group=…).

    Stem conv1/bn1; per stage `layerN`, blocks with conv1/bn1, conv2/bn2 (+ conv3/bn3 for bottlenecks, inner width
    int(planes × width_per_group / 64) × groups, 3×3 conv grouped), the first block's downsample.0 (1×1 conv) and
    downsample.1 (BN) where the stride or the channels change; fc.
    """
    expansion = 4 if block == "bottleneck" else 1
    out: list[tuple[str, tuple[int, ...]]] = [("conv1.weight", (64, 3, 7, 7)), *_bn("bn1", 64)]
    inplanes = 64
    for i, (count, planes) in enumerate(zip(layers, (64, 128, 256, 512), strict=True)):
        for j in range(count):
            p = f"layer{i + 1}.{j}"
            stride = 2 if i > 0 and j == 0 else 1
            if block == "bottleneck":
                width = int(planes * (width_per_group / 64.0)) * groups
                out += [(f"{p}.conv1.weight", (width, inplanes, 1, 1)), *_bn(f"{p}.bn1", width),
                        (f"{p}.conv2.weight", (width, width // groups, 3, 3)), *_bn(f"{p}.bn2", width),
                        (f"{p}.conv3.weight", (planes * 4, width, 1, 1)), *_bn(f"{p}.bn3", planes * 4)]
            else:
                out += [(f"{p}.conv1.weight", (planes, inplanes, 3, 3)), *_bn(f"{p}.bn1", planes),
                        (f"{p}.conv2.weight", (planes, planes, 3, 3)), *_bn(f"{p}.bn2", planes)]
            if j == 0 and (stride != 1 or inplanes != planes * expansion):
                out += [(f"{p}.downsample.0.weight", (planes * expansion, inplanes, 1, 1)),
                        *_bn(f"{p}.downsample.1", planes * expansion)]
            inplanes = planes * expansion
    return out + [("fc.weight", (num_classes, 512 * expansion)), ("fc.bias", (num_classes,))]


def layout(model: nn.Module) -> list[tuple[str, tuple[int, ...]]]:
    return [(k, tuple(v.shape)) for k, v in model.state_dict().items()]


# --- parameter counts -------------------------------------------------------------------------------------------


def test_archs_are_torchvisions_names():
    assert tuple(ARCHS) == tuple(TORCHVISION_PARAMS)


@pytest.mark.parametrize("arch", list(TORCHVISION_PARAMS))
def test_arch_parameter_counts_equal_torchvision(arch):
    model = build_resnet(arch=arch, device="meta")
    assert n_params(model) == TORCHVISION_PARAMS[arch]
    assert model.spec.arch == arch and model.spec.name == arch


@pytest.mark.parametrize("depth", PREACT_CIFAR_DEPTHS)
def test_preact_cifar_bottleneck_nets_match_the_paper(depth):
    model = build_resnet(depth, preact=True, device="meta")
    assert n_params(model) == PREACT_CIFAR_PARAMS[depth]
    assert round(n_params(model) / 1e6, 1) == PREACT_CIFAR_ROUNDED[depth]
    spec = model.spec
    n = (depth - 2) // 9
    assert (spec.block, spec.layers, spec.widths, spec.family, spec.stem) == (
        "bottleneck", (n, n, n), (16, 32, 64), "cifar", "cifar")
    assert (spec.shortcut, spec.num_classes, spec.default_input, spec.layer_count) == ("B", 10, 32, depth)
    assert spec.name == f"preact_resnet{depth}"
    assert model.fc.in_features == 256  # 64 × expansion 4


@pytest.mark.parametrize("depth", sorted(PREACT_IMAGENET_PARAMS))
def test_preact_imagenet_parameter_counts(depth):
    model = build_resnet(depth, preact=True, device="meta")
    assert n_params(model) == PREACT_IMAGENET_PARAMS[depth]
    assert model.spec.name == f"preact_resnet{depth}" and model.spec.layer_count == depth


@pytest.mark.parametrize("depth", CIFAR_DEPTHS)
def test_preact_cifar_basic_parameter_counts(depth):
    assert n_params(build_resnet(depth, preact=True, device="meta")) == PREACT_CIFAR_BASIC_PARAMS[depth]


def test_custom_grouped_net_is_resnext50():
    custom = build_resnet(layers="3,4,6,3", block="bottleneck", groups=32, width_per_group=4, device="meta")
    assert custom.spec.name == "resnet-bottleneck-3-4-6-3-32x4d"
    assert (custom.spec.groups, custom.spec.width_per_group, custom.spec.arch, custom.spec.depth) == (32, 4, None, None)
    assert layout(custom) == layout(build_resnet(arch="resnext50_32x4d", device="meta"))
    wide = build_resnet(layers=(3, 4, 6, 3), block="bottleneck", width_per_group=128, device="meta")
    assert wide.spec.name == "resnet-bottleneck-3-4-6-3-1x128d"
    assert n_params(wide) == TORCHVISION_PARAMS["wide_resnet50_2"]


# --- torchvision's state_dict layout ----------------------------------------------------------------------------


@pytest.mark.parametrize("arch", list(ARCHS))
def test_state_dict_layout_equals_torchvision(arch):
    cfg = ARCHS[arch]
    expected = torchvision_state_dict_layout(cfg.block, cfg.layers, cfg.groups, cfg.width_per_group)
    assert layout(build_resnet(arch=arch, device="meta")) == expected
    assert sum(_numel(s) for k, s in expected if not k.endswith(("running_mean", "running_var", "tracked"))) == (
        TORCHVISION_PARAMS[arch])


def _numel(shape: tuple[int, ...]) -> int:
    out = 1
    for s in shape:
        out *= s
    return out


def test_grouped_conv_is_torchvisions():
    block = build_resnet(arch="resnext101_32x8d", device="meta").layer3[0]
    assert isinstance(block, Bottleneck)
    # planes 256 × 8 / 64 × 32 groups = 1024 channels in 32 groups; v1.5 strides on the 3×3
    assert (block.conv2.in_channels, block.conv2.out_channels, block.conv2.groups) == (1024, 1024, 32)
    assert (block.conv1.stride, block.conv2.stride) == ((1, 1), (2, 2))
    v1 = build_resnet(arch="resnext101_32x8d", variant="v1", device="meta").layer3[0]
    assert (v1.conv1.stride, v1.conv2.stride) == ((2, 2), (1, 1))


def _torchvision_models():
    try:
        return pytest.importorskip("torchvision.models", exc_type=ImportError)
    except (RuntimeError, OSError) as e:  # installed but built against another torch
        pytest.skip(f"torchvision is installed but unusable here: {type(e).__name__}: {e}")


@pytest.mark.parametrize("arch", list(ARCHS))
def test_against_real_torchvision(arch):
    models = _torchvision_models()
    if not hasattr(models, arch):
        pytest.skip(f"this torchvision has no {arch}")
    theirs = getattr(models, arch)().eval()
    ours = build_resnet(arch=arch)
    assert layout(ours) == layout(theirs)
    assert n_params(theirs) == TORCHVISION_PARAMS[arch]
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(ours(x), theirs(x), atol=1e-5)


# --- forward shapes ---------------------------------------------------------------------------------------------

FAMILY: list[dict] = (
    [dict(arch=a) for a in ARCHS]
    + [dict(depth=d) for d in IMAGENET_DEPTHS]
    + [dict(depth=d, preact=True) for d in IMAGENET_DEPTHS]
    + [dict(depth=d) for d in CIFAR_DEPTHS]
    + [dict(depth=d, preact=True) for d in CIFAR_DEPTHS + PREACT_CIFAR_DEPTHS]
    + [dict(layers="3,4,6,3", block="bottleneck", groups=32, width_per_group=4),
       dict(layers="1,1,1", block="bottleneck", preact=True, groups=8, width_per_group=16, shortcut="C"),
       dict(layers="2,2", preact=True, shortcut="A")]
)


@pytest.mark.parametrize("options", FAMILY, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_forward_shapes_on_meta(options):
    model = build_resnet(**options, device="meta")
    side = model.spec.default_input
    assert side == (32 if model.spec.family == "cifar" else 224)
    y = model(torch.empty(2, 3, side, side, device="meta"))
    assert y.shape == (2, model.spec.num_classes) and y.device.type == "meta"


def test_arch_keeps_variant_shortcut_stem_and_classes():
    model = build_resnet(arch="wide_resnet50_2", shortcut="C", stem="cifar", num_classes=10, variant="v1",
                         device="meta")
    spec = model.spec
    assert (spec.shortcut, spec.stem, spec.num_classes, spec.variant, spec.width_per_group) == (
        "C", "cifar", 10, "v1", 128)
    assert model.maxpool is None and model.conv1.kernel_size == (3, 3)
    assert all(b.downsample is not None for s in model.stages for b in s)
    assert model(torch.empty(1, 3, 32, 32, device="meta")).shape == (1, 10)


def test_construction_stays_fast():
    spec = resnet_spec(arch="resnext101_32x8d")
    build_model(spec, device="meta")  # warm-up: imports, first-call caches
    best = min(_timed(lambda: build_model(spec, device="meta")) for _ in range(5))
    assert best < 0.1, best


def _timed(f: Callable[[], object]) -> float:
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


# --- the pre-activation ordering --------------------------------------------------------------------------------


def _visit_order(block: nn.Module, x: torch.Tensor) -> tuple[list[str], dict[str, torch.Tensor], torch.Tensor]:
    """The children a forward pass of `block` visits, in order, with a copy of each one's input and output."""
    order: list[str] = []
    seen: dict[str, torch.Tensor] = {}
    handles = []
    for name, child in block.named_children():
        def pre(_m, args, name=name):
            seen[f"{name}:in"] = args[0].detach().clone()

        def post(_m, _args, out, name=name):
            order.append(name)
            seen[f"{name}:out#{order.count(name)}"] = out.detach().clone()

        handles += [child.register_forward_pre_hook(pre), child.register_forward_hook(post)]
    try:
        with torch.no_grad():
            y = block(x)
    finally:
        for h in handles:
            h.remove()
    return order, seen, y


def _randomise_bn(model: nn.Module) -> None:
    """Non-trivial BN statistics, so an eval-mode BN is not the identity and outputs take both signs."""
    g = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=g))
            m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
            m.weight.data.copy_(torch.randn(c, generator=g))
            m.bias.data.copy_(torch.randn(c, generator=g))


def test_preact_bottleneck_is_bn_relu_conv_with_nothing_after_the_add():
    model = build_resnet(164, preact=True)
    _randomise_bn(model)
    block = model.layer2[0]  # 64 → 128 channels, stride 2: a projection shortcut
    assert isinstance(block, PreActBottleneck) and isinstance(block.downsample, nn.Conv2d)
    x = torch.randn(2, 64, 16, 16)
    order, seen, y = _visit_order(block, x)
    assert order == ["bn1", "relu", "conv1", "bn2", "relu", "conv2", "bn3", "relu", "conv3", "downsample"]
    # the projection takes the pre-activated input relu(bn1(x)), not x
    assert torch.equal(seen["downsample:in"], seen["relu:out#1"])
    assert torch.allclose(seen["relu:out#1"], torch.relu(block.bn1(x)))
    # the block returns the sum as it is: no ReLU after the addition
    assert torch.equal(y, seen["conv3:out#1"] + seen["downsample:out#1"])
    assert (y < 0).any()


def test_preact_basic_block_identity_and_zero_pad_shortcuts_take_x():
    model = build_resnet(20, preact=True)  # option A, the CIFAR default
    _randomise_bn(model)
    same = model.layer1[1]
    assert isinstance(same, PreActBasicBlock) and same.downsample is None
    x = torch.randn(2, 16, 8, 8)
    order, seen, y = _visit_order(same, x)
    assert order == ["bn1", "relu", "conv1", "bn2", "relu", "conv2"]
    assert torch.equal(y, seen["conv2:out#1"] + x) and (y < 0).any()

    down = model.layer2[0]
    assert isinstance(down.downsample, ZeroPadShortcut)
    order, seen, y = _visit_order(down, x)
    assert order == ["bn1", "relu", "conv1", "bn2", "relu", "conv2", "downsample"]
    assert torch.equal(seen["downsample:in"], x)
    assert torch.equal(y, seen["conv2:out#1"] + seen["downsample:out#1"])


def test_preact_net_module_names_and_order():
    cifar = build_resnet(164, preact=True, device="meta")
    names = [n for n, _ in cifar.named_children()]
    assert names == ["conv1", "layer1", "layer2", "layer3", "bn_final", "relu_final", "avgpool", "fc"]
    assert cifar.bn1 is None and cifar.maxpool is None and cifar.conv1.kernel_size == (3, 3)
    assert list(cifar.layer1[0].state_dict()) == [
        f"{m}.{p}" for m in ("bn1", "conv1", "bn2", "conv2", "bn3", "conv3", "downsample")
        for p in (("weight",) if m.startswith(("conv", "down")) else
                  ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"))]
    imagenet = build_resnet(50, preact=True, device="meta")
    assert [n for n, _ in imagenet.named_children()] == [
        "conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "bn_final", "relu_final",
        "avgpool", "fc"]
    assert imagenet.bn_final.num_features == 2048


def test_preact_net_visits_stem_then_blocks_then_final_bn_relu():
    model = build_resnet(20, preact=True)
    order: list[str] = []
    handles = [m.register_forward_hook(lambda _m, _a, _o, n=n: order.append(n))
               for n, m in model.named_modules() if n and "." not in n]
    with torch.no_grad():
        model(torch.randn(1, 3, 32, 32))
    for h in handles:
        h.remove()
    assert order == ["conv1", "layer1", "layer2", "layer3", "bn_final", "relu_final", "avgpool", "fc"]


def test_post_activation_blocks_unchanged():
    model = build_resnet(arch="resnext50_32x4d")
    order, _seen, y = _visit_order(model.layer1[0], torch.randn(1, 64, 8, 8))
    assert order == ["conv1", "bn1", "relu", "conv2", "bn2", "relu", "conv3", "bn3", "downsample", "relu"]
    assert (y >= 0).all()


# --- initialisation ---------------------------------------------------------------------------------------------


def test_initialisation_like_torchvision():
    torch.manual_seed(0)
    model = build_resnet(layers="1,1", block="bottleneck", groups=4, width_per_group=32, preact=True)
    assert not model.training and isinstance(model, ResNet)
    conv = model.layer2[0].conv2  # grouped 3×3, 256 channels; torch's fan_out is out_channels × 3 × 3
    expected_std = (2.0 / (conv.out_channels * 9)) ** 0.5
    assert abs(conv.weight.std().item() / expected_std - 1) < 0.05
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            assert torch.equal(m.weight, torch.ones_like(m.weight)) and not m.bias.any()
            assert torch.equal(m.running_var, torch.ones_like(m.running_var)) and m.num_batches_tracked == 0
    bound = 1 / model.fc.in_features ** 0.5
    assert model.fc.weight.abs().max() <= bound and model.fc.bias.abs().max() <= bound
    assert model.fc.weight.std() > bound / 4  # uniform(-b, b), not zeros
    y = model(torch.randn(2, 3, 64, 64))
    assert y.shape == (2, 1000) and torch.isfinite(y).all()


def test_build_model_refuses_what_is_not_a_spec():
    with pytest.raises(InvalidType) as err:
        build_model("resnet50", device="meta")  # type: ignore[arg-type]
    assert_one_line(err, "NetworkSpec")


# --- specs: names, round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "name"),
    [
        (dict(depth=50), "resnet50"),
        (dict(arch="resnet50"), "resnet50"),
        (dict(arch="resnext50_32x4d"), "resnext50_32x4d"),
        (dict(arch="wide_resnet50_2"), "wide_resnet50_2"),
        (dict(depth=164, preact=True), "preact_resnet164"),
        (dict(depth=1001, preact=True), "preact_resnet1001"),
        (dict(depth=50, preact=True), "preact_resnet50"),
        (dict(depth=110, preact=True), "preact_resnet110"),
        (dict(layers="3,4,6,3", block="bottleneck"), "resnet-bottleneck-3-4-6-3"),
        (dict(layers="3,4,6,3", block="bottleneck", groups=32, width_per_group=4), "resnet-bottleneck-3-4-6-3-32x4d"),
        (dict(layers=(2, 2), preact=True), "preact-resnet-basic-2-2"),
    ],
)
def test_names_are_stable_and_file_name_safe(options, name):
    spec = resnet_spec(**options)
    assert spec.name == name
    assert re.fullmatch(r"[a-z0-9_.-]+", spec.name)


def test_arch_resnet50_is_depth_50():
    a, d = resnet_spec(arch="resnet50"), resnet_spec(50)
    assert a.arch == "resnet50" and d.arch is None
    assert {**a.to_dict(), "arch": None} == d.to_dict()


@pytest.mark.parametrize("options", FAMILY, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_spec_round_trips_through_dict(options):
    spec = resnet_spec(**options)
    d = spec.to_dict()
    assert {"groups", "width_per_group", "preact", "arch"} <= set(d)
    assert NetworkSpec.from_dict(d) == spec


def test_from_dict_accepts_dicts_written_before_the_new_keys():
    old = {k: v for k, v in resnet_spec(34).to_dict().items()
           if k not in ("groups", "width_per_group", "preact", "arch", "in_channels")}
    spec = NetworkSpec.from_dict(old)
    assert spec == resnet_spec(34)
    assert (spec.groups, spec.width_per_group, spec.preact, spec.arch, spec.in_channels) == (1, 64, False, None, 3)


def test_defaults_and_spec_fields():
    spec = resnet_spec()
    assert (spec.name, spec.groups, spec.width_per_group, spec.preact, spec.arch, spec.variant) == (
        "resnet18", 1, 64, False, None, "v1.5")
    assert resnet_spec(20, preact=True).shortcut == "A"  # the CIFAR family keeps option A
    assert resnet_spec(50, preact=True, shortcut="c").shortcut == "C"
    assert resnet_spec(arch="resnext101_64x4d").inner_widths == (256, 512, 1024, 2048)
    assert resnet_spec(arch="wide_resnet101_2").inner_widths == (128, 256, 512, 1024)
    assert resnet_spec(num_classes=1_000_000).num_classes == 1_000_000
    assert resnet_spec(layers="1", block="bottleneck", groups=1024, width_per_group=4096).groups == 1024


# --- errors: conflicts and bounds (InvalidOption), wrong types (InvalidType) -----------------------------------

ALL_ARCHS = ", ".join(ARCHS)


@pytest.mark.parametrize(
    ("kwargs", "needles"),
    [
        # depth with layers
        (dict(depth=50, layers="3,4,6,3"), ["either a depth or --layers"]),
        # arch fixes depth, layers, block, groups, width per group and preact
        (dict(arch="resnet50", depth=50), ["--arch resnet50 fixes", "drop --depth", "--variant, --shortcut, --stem"]),
        (dict(arch="resnet50", layers="3,4,6,3"), ["drop --layers", "--num-classes apply"]),
        (dict(arch="resnext50_32x4d", block="bottleneck"), ["drop --block"]),
        (dict(arch="resnext50_32x4d", groups=32), ["drop --groups"]),
        (dict(arch="resnext50_32x4d", width_per_group=4), ["drop --width-per-group"]),
        (dict(arch="resnet50", preact=True), ["drop --preact"]),
        (dict(arch="resnet51"), [f"unknown arch 'resnet51' (must be one of: {ALL_ARCHS})"]),
        # groups / width per group only with --layers or --arch
        (dict(depth=50, groups=32), ["--groups can be given only with --layers or --arch", "resnext50_32x4d"]),
        (dict(depth=101, width_per_group=128), ["--width-per-group", "wide_resnet101_2"]),
        (dict(groups=2), ["only with --layers or --arch", "depth 18"]),
        # basic blocks: groups 1 and width 64 only, as torchvision
        (dict(layers="2,2,2,2", groups=32), ["basic blocks support only --groups 1 and --width-per-group 64",
                                             "--block bottleneck"]),
        (dict(layers="2,2", block="basic", width_per_group=128), ["only --groups 1 and --width-per-group 64"]),
        # block contradicting the depth
        (dict(depth=50, block="basic"), ["depth 50 uses bottleneck blocks"]),
        (dict(depth=34, block="bottleneck"), ["depth 34 uses basic blocks"]),
        (dict(depth=56, block="bottleneck"), ["ResNet-56 uses basic blocks"]),
        (dict(depth=164, preact=True, block="basic"), ["ResNet-164 uses bottleneck blocks"]),
        # the paper's pre-activation CIFAR depths need --preact
        (dict(depth=164), ["depth 164 is the pre-activation CIFAR-10 ResNet-164", "add --preact"]),
        (dict(depth=1001), ["add --preact", "20, 32, 44, 56, 110, 1202"]),
        (dict(depth=35), ["unknown depth 35 (must be one of 18, 34, 50, 101, 152",
                          "20, 32, 44, 56, 110, 1202", "164, 1001 with --preact", "--arch"]),
        (dict(depth=200, preact=True), ["unknown depth 200"]),
        # bounds
        (dict(num_classes=0), ["invalid number of classes 0", "1 to 1,000,000"]),
        (dict(num_classes=1_000_001), ["1 to 1,000,000"]),
        (dict(num_classes=4611686018427387904), ["invalid number of classes 4611686018427387904", "1,000,000"]),
        (dict(num_classes=10**5000), ["invalid number of classes <a ", "1,000,000"]),
        (dict(layers="1", block="bottleneck", groups=0), ["invalid groups 0", "1 to 1,024"]),
        (dict(layers="1", block="bottleneck", groups=1025), ["1 to 1,024"]),
        (dict(layers="1", block="bottleneck", width_per_group=0), ["invalid width per group 0", "1 to 4,096"]),
        (dict(layers="1", block="bottleneck", width_per_group=4097), ["1 to 4,096"]),
        (dict(layers="1,1,1,1,1,1,1,1,1"), ["1 to 8 stages"]),
        (dict(layers="1001"), ["1 to 1000 blocks"]),
        (dict(layers="1" * 5000), ["1 to 1000 blocks"]),
        (dict(layers=()), ["1 to 8 stages"]),
        (dict(layers=[2, 0]), ["1 to 1000 blocks"]),
        # layers strings: ASCII digits only
        (dict(layers="３,4,6,3"), ["comma-separated block counts"]),
        (dict(layers="3;4"), ["comma-separated block counts, e.g. 3,4,6,3"]),
        (dict(layers="-1,2"), ["comma-separated"]),
        # choices
        (dict(block="wide"), ["unknown block 'wide' (must be one of: basic, bottleneck)"]),
        (dict(variant="v2"), ["must be one of: v1.5, v1"]),
        (dict(shortcut="D"), ["must be one of: A, B, C"]),
        (dict(stem="mnist"), ["must be one of: imagenet, cifar"]),
    ],
)
def test_invalid_options_are_one_line_and_name_what_is_valid(kwargs, needles):
    with pytest.raises(InvalidOption) as err:
        resnet_spec(**kwargs)
    assert_one_line(err, *needles)


@pytest.mark.parametrize(
    ("kwargs", "needles"),
    [
        (dict(depth=34.0), ["invalid depth 34.0 of type float", "an int such as 50"]),
        (dict(depth=True), ["invalid depth True of type bool", "int"]),
        (dict(depth="34"), ["invalid depth '34' of type str", "int"]),
        (dict(num_classes=True), ["invalid number of classes True of type bool", "int"]),
        (dict(num_classes=10.0), ["of type float"]),
        (dict(layers="3,4,6,3", block="bottleneck", groups="32"), ["invalid groups '32' of type str", "int"]),
        (dict(layers="3,4,6,3", block="bottleneck", width_per_group=4.0), ["invalid width per group 4.0", "int"]),
        (dict(layers=3), ["invalid layers 3 of type int", "(3, 4, 6, 3)", "'3,4,6,3'"]),
        (dict(layers=[3, 4.0]), ["4.0 is a float", "(3, 4, 6, 3)"]),
        (dict(layers=[True, 2]), ["True is a bool"]),
        (dict(layers=b"3,4"), ["of type bytes"]),
        (dict(arch=50), ["invalid arch 50 of type int", ALL_ARCHS]),
        (dict(block=1), ["must be a str, one of: basic, bottleneck"]),
        (dict(variant=1.5), ["must be a str, one of: v1.5, v1"]),
        (dict(shortcut=1), ["one of: A, B, C"]),
        (dict(stem=None, depth=20, preact=1), ["invalid preact 1 of type int", "True or False"]),
        (dict(preact="yes"), ["True or False"]),
        (dict(depth="x" * 1000), ["…"]),
    ],
)
def test_wrong_types_raise_invalid_type(kwargs, needles):
    with pytest.raises(InvalidType) as err:
        resnet_spec(**kwargs)
    assert isinstance(err.value, TypeError)
    assert_one_line(err, *needles)
    assert len(str(err.value)) < 300


def test_build_resnet_checks_types_too():
    with pytest.raises(InvalidType):
        build_resnet(34.0, device="meta")  # type: ignore[arg-type]
    with pytest.raises(InvalidOption):
        build_resnet(arch="resnext50_32x4d", groups=32, device="meta")


def test_parse_layers_strict():
    assert parse_layers(" 3, 4 ,6,3") == (3, 4, 6, 3)
    assert parse_layers([1, 2]) == (1, 2)
    with pytest.raises(InvalidOption):
        parse_layers("٣,4")  # Arabic-Indic digit three
    with pytest.raises(InvalidType):
        parse_layers(3)  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        parse_layers(["3", "4"])  # type: ignore[list-item]
