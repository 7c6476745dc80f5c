"""Option resolution without torch: what is valid, and the one-line errors for what is not."""

import pytest

from resnet_viz.errors import InvalidOption
from resnet_viz.parsing import parse_input_size
from resnet_viz.spec import resnet_spec


@pytest.mark.parametrize(
    ("depth", "block", "layers"),
    [(18, "basic", (2, 2, 2, 2)), (34, "basic", (3, 4, 6, 3)), (50, "bottleneck", (3, 4, 6, 3)),
     (101, "bottleneck", (3, 4, 23, 3)), (152, "bottleneck", (3, 8, 36, 3))],
)
def test_imagenet_depths_follow_table_1(depth, block, layers):
    spec = resnet_spec(depth)
    assert (spec.block, spec.layers, spec.widths) == (block, layers, (64, 128, 256, 512))
    assert (spec.stem, spec.shortcut, spec.num_classes, spec.variant) == ("imagenet", "B", 1000, "v1.5")
    assert spec.layer_count == depth


@pytest.mark.parametrize("depth", [20, 32, 44, 56, 110, 1202])
def test_cifar_family_is_6n_plus_2(depth):
    spec = resnet_spec(depth)
    n = (depth - 2) // 6
    assert spec.layers == (n, n, n) and spec.widths == (16, 32, 64)
    assert (spec.stem, spec.shortcut, spec.num_classes, spec.default_input) == ("cifar", "A", 10, 32)
    assert spec.layer_count == depth


def test_custom_layers():
    spec = resnet_spec(layers="1,2", block="bottleneck", num_classes=7)
    assert spec.layers == (1, 2) and spec.block == "bottleneck" and spec.num_classes == 7
    assert spec.name == "resnet-bottleneck-1-2"


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        (dict(depth=35), "unknown depth 35 (must be one of 18, 34, 50, 101, 152"),
        (dict(layers="0,1"), "each stage needs 1 to"),
        (dict(layers="3,x"), "comma-separated block counts"),
        (dict(layers=""), "comma-separated"),
        (dict(num_classes=0), "invalid number of classes 0"),
        (dict(variant="v2"), "unknown variant 'v2' (must be one of: v1.5, v1)"),
        (dict(shortcut="D"), "unknown shortcut 'D' (must be one of: A, B, C)"),
        (dict(stem="mnist"), "unknown stem 'mnist'"),
        (dict(depth=50, block="basic"), "depth 50 uses bottleneck blocks"),
        (dict(depth=18, layers="2,2"), "either a depth or --layers"),
    ],
)
def test_invalid_options_name_what_is_valid(kwargs, needle):
    with pytest.raises(InvalidOption) as err:
        resnet_spec(**kwargs)
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("224", (224, 224)), ("197x311", (197, 311)), ("800×1333", (800, 1333)), (" 32 ", (32, 32)), (64, (64, 64)),
     ((3, 5), (3, 5))],
)
def test_input_sizes(text, expected):
    assert parse_input_size(text) == expected


@pytest.mark.parametrize("text", ["0", "abc", "10x", "x10", "-3", "224x0", "1.5", "99999", True])
def test_bad_input_sizes(text):
    with pytest.raises(InvalidOption, match="must be"):
        parse_input_size(text)
