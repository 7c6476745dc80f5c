"""What network to build, validated without torch: depth or arch → blocks, widths, stem and shortcut options.

The family covered: the paper's ImageNet nets (Table 1) and CIFAR-10 nets (6n+2, section 4.2); torchvision's
ResNeXt and Wide ResNet configurations (by their torchvision names, `arch`); custom nets (`layers`, with optional
groups and width per group as in torchvision); and the pre-activation ResNets of He et al. 2016, "Identity Mappings
in Deep Residual Networks" (`preact`), including its CIFAR-10 bottleneck nets ResNet-164 and ResNet-1001 (9n+2).

`resnet_spec` is the Python API's entry point: it takes values as they are (no string parsing except `layers`),
raising InvalidType for a value of the wrong type and InvalidOption for a value or combination that is not valid,
each with a one-line message naming what is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from numbers import Integral
from typing import NamedTuple

from .errors import InvalidOption, InvalidType, choice

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


@dataclass(frozen=True)
class NetworkSpec:
    """A fully resolved description of one ResNet; every field has a concrete value.

    `groups` and `width_per_group` configure bottleneck blocks as torchvision does (inner width
    int(width × width_per_group / 64) × groups, grouped 3×3 conv); basic blocks always have 1 and 64.
    `preact` selects the pre-activation ordering (BN → ReLU → conv in every block, no ReLU after the addition,
    a final BN → ReLU before pooling). `arch` is the torchvision name when the net was chosen by arch.
    """

    name: str
    family: str  # "imagenet" (Table 1 layout) or "cifar" (section 4.2 layout)
    block: str
    layers: tuple[int, ...]
    widths: tuple[int, ...]
    stem: str
    stem_width: int
    variant: str
    shortcut: str
    num_classes: int
    depth: int | None = None
    in_channels: int = 3
    groups: int = 1
    width_per_group: int = 64
    preact: bool = False
    arch: str | None = None
    expansion: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "expansion", 4 if self.block == "bottleneck" else 1)

    @property
    def default_input(self) -> int:
        """The image side this network was designed for."""
        return 32 if self.stem == "cifar" else 224

    @property
    def layer_count(self) -> int:
        """Weighted layers the way the paper counts them (convs on the main path + fc)."""
        per_block = 3 if self.block == "bottleneck" else 2
        return 1 + per_block * sum(self.layers) + 1

    @property
    def inner_widths(self) -> tuple[int, ...]:
        """Per stage, the channels inside a block: the bottleneck's grouped 3×3 conv, or the basic block's width."""
        if self.block != "bottleneck":
            return self.widths
        return tuple(w * self.width_per_group // 64 * self.groups for w in self.widths)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "family": self.family,
            "depth": self.depth,
            "layers": list(self.layers),
            "block": self.block,
            "widths": list(self.widths),
            "stem": self.stem,
            "stem_width": self.stem_width,
            "variant": self.variant,
            "shortcut": self.shortcut,
            "num_classes": self.num_classes,
            "in_channels": self.in_channels,
            "groups": self.groups,
            "width_per_group": self.width_per_group,
            "preact": self.preact,
            "arch": self.arch,
        }

    @classmethod
    def from_dict(cls, d: dict) -> NetworkSpec:
        """The inverse of to_dict; keys added after a trace was written take their defaults."""
        return cls(
            name=d["name"],
            family=d["family"],
            depth=d["depth"],
            layers=tuple(d["layers"]),
            block=d["block"],
            widths=tuple(d["widths"]),
            stem=d["stem"],
            stem_width=d["stem_width"],
            variant=d["variant"],
            shortcut=d["shortcut"],
            num_classes=d["num_classes"],
            in_channels=d.get("in_channels", 3),
            groups=d.get("groups", 1),
            width_per_group=d.get("width_per_group", 64),
            preact=d.get("preact", False),
            arch=d.get("arch"),
        )


# --- strict types: the Python API passes values straight in ------------------------------------------------


def _type_name(value: object) -> str:
    return type(value).__name__


_SHOWN = 60


def _brief(value: object) -> str:
    """repr() for a message: long values shortened, huge ints described (str() refuses ints of over 4300 digits)."""
    if isinstance(value, Integral) and not isinstance(value, bool) and abs(int(value)) >= 10**30:
        return f"<a {int(value).bit_length()}-bit integer>"
    try:
        text = repr(value)
    except ValueError:  # a container holding a huge int
        return f"<a {_type_name(value)} holding a very large integer>"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _short(value: str) -> str:
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def _whole(what: str, value: object, example: str) -> int | None:
    """None, or the int value; a bool, float, str … raises InvalidType (strings are parsed by the CLI, not here)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InvalidType(
            f"invalid {what} {_brief(value)} of type {_type_name(value)} "
            f"(must be a whole number, an int such as {example})"
        )
    return int(value)


def _text(what: str, value: object, valid: Sequence[object]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        listed = ", ".join(str(v) for v in valid)
        raise InvalidType(
            f"invalid {what} {_brief(value)} of type {_type_name(value)} (must be a str, one of: {listed})"
        )
    return value


def _check(what: str, value: object, valid) -> None:
    if value not in valid:
        raise choice(what, _short(value) if isinstance(value, str) else value, valid)


def _in_range(what: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise InvalidOption(f"invalid {what} {_brief(value)} (must be a whole number from {low:,} to {high:,})")


_ASCII_COUNT = re.compile(r"[0-9]+")  # not \d: that also matches full-width and other non-ASCII digits


def parse_layers(text: str | Sequence[int]) -> tuple[int, ...]:
    """'3,4,6,3' or (3, 4, 6, 3) → (3, 4, 6, 3); 1 to MAX_STAGES stages of 1 to MAX_BLOCKS_PER_STAGE blocks."""
    if isinstance(text, str):
        parts = [p.strip() for p in text.split(",")]
        if not all(_ASCII_COUNT.fullmatch(p) for p in parts):
            raise InvalidOption(
                f"invalid --layers {_brief(text)} (must be comma-separated block counts, e.g. 3,4,6,3)"
            )
        shown = _short(",".join(p.lstrip("0") or "0" for p in parts))
        # a count too long to be valid becomes one over the limit (int() refuses very long digit strings)
        layers = tuple(int(p) if len(p) <= 9 else MAX_BLOCKS_PER_STAGE + 1 for p in parts)
    elif isinstance(text, Sequence) and not isinstance(text, (bytes, bytearray)):
        for v in text:
            if isinstance(v, bool) or not isinstance(v, Integral):
                raise InvalidType(
                    f"invalid layers {_brief(text)}: {_brief(v)} is a {_type_name(v)} "
                    "(must be whole numbers, e.g. (3, 4, 6, 3), or a string like '3,4,6,3')"
                )
        shown = _short(",".join(_brief(int(v)) for v in text))
        layers = tuple(int(v) if abs(int(v)) <= 10**9 else MAX_BLOCKS_PER_STAGE + 1 for v in text)
    else:
        raise InvalidType(
            f"invalid layers {_brief(text)} of type {_type_name(text)} "
            "(must be a sequence of block counts such as (3, 4, 6, 3), or a string like '3,4,6,3')"
        )
    if not 1 <= len(layers) <= MAX_STAGES:
        raise InvalidOption(f"invalid layers {shown or '()'} (must name 1 to {MAX_STAGES} stages, e.g. 3,4,6,3)")
    if any(not 1 <= n <= MAX_BLOCKS_PER_STAGE for n in layers):
        raise InvalidOption(
            f"invalid layers {shown} (each stage needs 1 to {MAX_BLOCKS_PER_STAGE} blocks, e.g. 3,4,6,3)"
        )
    return layers


def _parse_widths(widths: object, stages: int) -> tuple[int, ...]:
    if not isinstance(widths, Sequence) or isinstance(widths, (str, bytes, bytearray)):
        raise InvalidType(
            f"invalid widths {_brief(widths)} of type {_type_name(widths)} (must be a sequence of ints, one per stage)"
        )
    for w in widths:
        if isinstance(w, bool) or not isinstance(w, Integral):
            raise InvalidType(
                f"invalid widths {_brief(widths)}: {_brief(w)} is a {_type_name(w)} "
                "(must be whole numbers, one per stage)"
            )
    if len(widths) != stages or any(not 1 <= int(w) <= MAX_WIDTH for w in widths):
        raise InvalidOption(
            f"invalid widths {_brief(tuple(widths))} (need one width from 1 to {MAX_WIDTH:,} per stage: {stages})"
        )
    parsed = tuple(int(w) for w in widths)
    return parsed


def _grouping_suffix(groups: int, width_per_group: int) -> str:
    return "" if (groups, width_per_group) == (1, 64) else f"-{groups}x{width_per_group}d"


def _valid_depths() -> str:
    return (
        f"{', '.join(map(str, IMAGENET_DEPTHS))} for ImageNet ResNets, "
        f"{', '.join(map(str, CIFAR_DEPTHS))} for the CIFAR-10 family, "
        f"{', '.join(map(str, PREACT_CIFAR_DEPTHS))} with --preact"
    )


def resnet_spec(
    depth: int | None = None,
    *,
    arch: str | None = None,
    layers: str | Sequence[int] | None = None,
    block: str | None = None,
    variant: str | None = None,
    shortcut: str | None = None,
    stem: str | None = None,
    num_classes: int | None = None,
    groups: int | None = None,
    width_per_group: int | None = None,
    preact: bool = False,
    widths: Sequence[int] | None = None,
) -> NetworkSpec:
    """Resolve user options into a NetworkSpec, or raise InvalidOption / InvalidType naming what is valid.

    Exactly one of `depth`, `arch` and `layers` picks the net (none: depth 18). Depths 18–152 are the paper's
    ImageNet nets; 20, 32, … 1202 its CIFAR-10 family (6n+2); with `preact` also 164 and 1001, the pre-activation
    CIFAR-10 bottleneck nets. `arch` is a torchvision name (ARCHS), which fixes depth, layers, block, groups and
    width per group. `layers` (+ `block`, `groups`, `width_per_group`, `widths`) describes a custom net with the
    ImageNet widths. `variant`, `shortcut`, `stem` and `num_classes` apply to every net; None means the net's default.
    """
    # types first: every value as the Python API received it
    depth = _whole("depth", depth, "50")
    num_classes = _whole("number of classes", num_classes, "1000")
    groups = _whole("groups", groups, "32")
    width_per_group = _whole("width per group", width_per_group, "4")
    arch = _text("arch", arch, tuple(ARCHS))
    block = _text("block", block, BLOCKS)
    variant = _text("variant", variant, VARIANTS)
    shortcut = _text("shortcut", shortcut, SHORTCUTS)
    stem = _text("stem", stem, STEMS)
    if not isinstance(preact, bool):
        raise InvalidType(f"invalid preact {preact!r} of type {_type_name(preact)} (must be True or False)")

    # then each value on its own
    if arch is not None:
        _check("arch", arch, tuple(ARCHS))
    if block is not None:
        _check("block", block, BLOCKS)
    variant = variant if variant is not None else "v1.5"
    _check("variant", variant, VARIANTS)
    if shortcut is not None:
        shortcut = shortcut.upper()
        _check("shortcut", shortcut, SHORTCUTS)
    if stem is not None:
        _check("stem", stem, STEMS)
    if num_classes is not None:
        _in_range("number of classes", num_classes, 1, MAX_CLASSES)
    if groups is not None:
        _in_range("groups", groups, 1, MAX_GROUPS)
    if width_per_group is not None:
        _in_range("width per group", width_per_group, 1, MAX_WIDTH_PER_GROUP)

    # then the combinations
    if arch is not None:
        given = [opt for opt, value in (("--depth", depth), ("--layers", layers), ("--block", block),
                                        ("--groups", groups), ("--width-per-group", width_per_group),
                                        ("--preact", preact or None), ("widths", widths)) if value is not None]
        if given:
            raise InvalidOption(
                f"--arch {arch} fixes the depth, layers, block, groups and width per group; drop {', '.join(given)} "
                "(with --arch only --variant, --shortcut, --stem and --num-classes apply)"
            )
    if depth is not None and layers is not None:
        raise InvalidOption("give either a depth or --layers, not both (or --arch with a torchvision name)")
    if depth is None and layers is None and arch is None:
        depth = 18
    if depth is not None and (groups is not None or width_per_group is not None):
        pairs = (("--groups", groups), ("--width-per-group", width_per_group))
        flags = " and ".join(flag for flag, value in pairs if value is not None)
        others = ", ".join(a for a in ARCHS if not a.startswith("resnet"))
        raise InvalidOption(
            f"{flags} can be given only with --layers or --arch, not with a depth (depth {depth} fixes them; "
            f"grouped and wide nets: --arch {others})"
        )
    if widths is not None and layers is None:
        raise InvalidOption("widths apply only to a custom net (--layers); a depth or --arch fixes them")

    prefix = "preact_" if preact else ""
    default_widths: tuple[int, ...]
    if arch is not None:
        cfg = ARCHS[arch]
        kind, parsed, family, default_widths, name = cfg.block, cfg.layers, "imagenet", IMAGENET_WIDTHS, arch
        groups, width_per_group = cfg.groups, cfg.width_per_group
        default_shortcut, default_classes, default_stem, resolved_depth = "B", 1000, "imagenet", cfg.depth
    elif layers is not None:
        parsed = parse_layers(layers)
        kind = block or "basic"
        family = "imagenet"
        default_widths = tuple(IMAGENET_WIDTHS[i] if i < 4 else 512 * 2 ** (i - 3) for i in range(len(parsed)))
        groups = 1 if groups is None else groups
        width_per_group = 64 if width_per_group is None else width_per_group
        name = ("preact-" if preact else "") + f"resnet-{kind}-" + "-".join(map(str, parsed))
        name += _grouping_suffix(groups, width_per_group)
        default_shortcut, default_classes, default_stem, resolved_depth = "B", 1000, "imagenet", None
    elif depth in IMAGENET_DEPTHS:
        kind, parsed = IMAGENET_DEPTHS[depth]
        if block is not None and block != kind:
            raise InvalidOption(f"depth {depth} uses {kind} blocks (use --layers to pick the block yourself)")
        family, default_widths, name = "imagenet", IMAGENET_WIDTHS, f"{prefix}resnet{depth}"
        default_shortcut, default_classes, default_stem, resolved_depth = "B", 1000, "imagenet", depth
    elif depth in CIFAR_DEPTHS:
        if block not in (None, "basic"):
            raise InvalidOption(f"the CIFAR-10 ResNet-{depth} uses basic blocks (use --layers for bottlenecks)")
        n = (depth - 2) // 6
        kind, parsed, family = "basic", (n, n, n), "cifar"
        default_widths, name = CIFAR_WIDTHS, f"{prefix}resnet{depth}"
        default_shortcut, default_classes, default_stem, resolved_depth = "A", 10, "cifar", depth
    elif depth in PREACT_CIFAR_DEPTHS:
        if not preact:
            raise InvalidOption(
                f"depth {depth} is the pre-activation CIFAR-10 ResNet-{depth} of He et al. 2016: add --preact "
                f"(without it the CIFAR-10 depths are {', '.join(map(str, CIFAR_DEPTHS))})"
            )
        if block not in (None, "bottleneck"):
            raise InvalidOption(
                f"the pre-activation CIFAR-10 ResNet-{depth} uses bottleneck blocks (use --layers for basic blocks)"
            )
        n = (depth - 2) // 9
        kind, parsed, family = "bottleneck", (n, n, n), "cifar"
        default_widths, name = CIFAR_WIDTHS, f"{prefix}resnet{depth}"
        default_shortcut, default_classes, default_stem, resolved_depth = "B", 10, "cifar", depth
    else:
        raise InvalidOption(
            f"unknown depth {_brief(depth)} (must be one of {_valid_depths()}, or use --layers or --arch)"
        )

    groups = 1 if groups is None else groups
    width_per_group = 64 if width_per_group is None else width_per_group
    if kind == "basic" and (groups, width_per_group) != (1, 64):
        raise InvalidOption(
            f"basic blocks support only --groups 1 and --width-per-group 64, not {groups} and {width_per_group} "
            "(as torchvision; use --block bottleneck for grouped or wider blocks)"
        )
    resolved_widths = _parse_widths(widths, len(parsed)) if widths is not None else tuple(default_widths)
    if kind == "bottleneck" and any(w * width_per_group // 64 < 1 for w in resolved_widths):
        raise InvalidOption(
            f"invalid width per group {width_per_group} for stage widths {resolved_widths} "
            "(each stage's width × width per group / 64 must be at least 1)"
        )
    return NetworkSpec(
        name=name,
        family=family,
        depth=resolved_depth,
        block=kind,
        layers=parsed,
        widths=resolved_widths,
        stem=stem or default_stem,
        stem_width=resolved_widths[0],
        variant=variant,
        shortcut=shortcut or default_shortcut,
        num_classes=num_classes if num_classes is not None else default_classes,
        groups=groups,
        width_per_group=width_per_group,
        preact=preact,
        arch=arch,
    )


_SIZE = re.compile(r"^\s*([0-9]+)\s*(?:[x×X*,]\s*([0-9]+)\s*)?$")  # ASCII digits only, as --layers
MAX_SIDE = 16384


def parse_input_size(value: str | int | tuple[int, int] | list[int]) -> tuple[int, int]:
    """'224' → (224, 224); '197x311' → (197, 311) as (height, width)."""
    if isinstance(value, bool):
        raise InvalidOption(f"invalid input size {value!r} (must be a side like 224 or HxW like 197x311)")
    if isinstance(value, int):
        h = w = value
    elif isinstance(value, (tuple, list)):
        if len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise InvalidOption(f"invalid input size {value!r} (must be (height, width) as two whole numbers)")
        h, w = value
    else:
        m = _SIZE.match(str(value))
        if not m:
            raise InvalidOption(f"invalid input size {str(value)!r} (must be a side like 224 or HxW like 197x311)")
        if max(len(g) for g in m.groups() if g is not None) > 9:  # int() refuses very long digit strings
            raise InvalidOption(f"invalid input size {_brief(str(value))} (each side must be 1 to {MAX_SIDE} pixels)")
        h = int(m.group(1))
        w = int(m.group(2)) if m.group(2) is not None else h
    if not (1 <= h <= MAX_SIDE and 1 <= w <= MAX_SIDE):
        raise InvalidOption(f"invalid input size {h}x{w} (each side must be 1 to {MAX_SIDE} pixels)")
    return h, w
