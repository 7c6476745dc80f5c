"""What network to build, validated without torch: depth → blocks, widths, stem and shortcut options."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import InvalidOption, choice

# The paper's Table 1 (ImageNet) and section 4.2 (CIFAR-10: 6n+2 layers, three stages).
IMAGENET_DEPTHS = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
CIFAR_DEPTHS = (20, 32, 44, 56, 110, 1202)
IMAGENET_WIDTHS = (64, 128, 256, 512)
CIFAR_WIDTHS = (16, 32, 64)

BLOCKS = ("basic", "bottleneck")
VARIANTS = ("v1.5", "v1")
SHORTCUTS = ("A", "B", "C")
STEMS = ("imagenet", "cifar")
MAX_STAGES = 8
MAX_BLOCKS_PER_STAGE = 1000


@dataclass(frozen=True)
class NetworkSpec:
    """A fully resolved description of one ResNet; every field has a concrete value."""

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
        }

    @classmethod
    def from_dict(cls, d: dict) -> NetworkSpec:
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
        )


def _check(what: str, value, valid) -> None:
    if value not in valid:
        raise choice(what, value, valid)


def parse_layers(text: str | tuple[int, ...] | list[int]) -> tuple[int, ...]:
    """'3,4,6,3' → (3, 4, 6, 3); every stage needs at least one block."""
    if isinstance(text, str):
        parts = [p.strip() for p in text.split(",")]
        if not all(re.fullmatch(r"\d+", p) for p in parts):
            raise InvalidOption(
                f"invalid --layers {text!r} (must be comma-separated block counts, e.g. 3,4,6,3)"
            )
        layers = tuple(int(p) for p in parts)
    else:
        layers = tuple(int(v) for v in text)
    if not 1 <= len(layers) <= MAX_STAGES:
        raise InvalidOption(f"invalid layers {layers} (must name 1 to {MAX_STAGES} stages)")
    if any(not 1 <= n <= MAX_BLOCKS_PER_STAGE for n in layers):
        raise InvalidOption(
            f"invalid layers {','.join(map(str, layers))} "
            f"(each stage needs 1 to {MAX_BLOCKS_PER_STAGE} blocks, e.g. 3,4,6,3)"
        )
    return layers


def resnet_spec(
    depth: int | None = None,
    *,
    layers: str | tuple[int, ...] | list[int] | None = None,
    block: str | None = None,
    variant: str | None = None,
    shortcut: str | None = None,
    stem: str | None = None,
    num_classes: int | None = None,
    widths: tuple[int, ...] | None = None,
    arch: str | None = None,
    groups: int | None = None,
    width_per_group: int | None = None,
    preact: bool = False,
) -> NetworkSpec:
    """Resolve user options into a NetworkSpec, or raise InvalidOption naming what is valid.

    Depths 18–152 are the paper's ImageNet nets; 20, 32, … 1202 its CIFAR-10 family (6n+2).
    `layers` (+ `block`) describes a custom net with the ImageNet widths.
    """
    variant = variant or "v1.5"
    _check("variant", variant, VARIANTS)
    if shortcut is not None:
        shortcut = str(shortcut).upper()
        _check("shortcut", shortcut, SHORTCUTS)
    if stem is not None:
        _check("stem", stem, STEMS)
    if block is not None:
        _check("block", block, BLOCKS)
    if num_classes is not None and (not isinstance(num_classes, int) or num_classes < 1):
        raise InvalidOption(f"invalid number of classes {num_classes!r} (must be a whole number ≥ 1)")

    if depth is not None and layers is not None:
        raise InvalidOption("give either a depth or --layers, not both")
    if depth is None and layers is None:
        depth = 18
    if layers is not None:
        parsed = parse_layers(layers)
        kind = block or "basic"
        family = "imagenet"
        default_widths = tuple(IMAGENET_WIDTHS[i] if i < 4 else 512 * 2 ** (i - 3) for i in range(len(parsed)))
        name = f"resnet-{kind}-" + "-".join(map(str, parsed))
        default_shortcut, default_classes, default_stem = "B", 1000, "imagenet"
    elif depth in IMAGENET_DEPTHS:
        kind, parsed = IMAGENET_DEPTHS[depth]
        if block is not None and block != kind:
            raise InvalidOption(f"depth {depth} uses {kind} blocks (use --layers to pick the block yourself)")
        family, default_widths, name = "imagenet", IMAGENET_WIDTHS, f"resnet{depth}"
        default_shortcut, default_classes, default_stem = "B", 1000, "imagenet"
    elif depth in CIFAR_DEPTHS:
        if block not in (None, "basic"):
            raise InvalidOption(f"the CIFAR-10 ResNet-{depth} uses basic blocks (use --layers for bottlenecks)")
        n = (depth - 2) // 6
        kind, parsed, family = "basic", (n, n, n), "cifar"
        default_widths, name = CIFAR_WIDTHS, f"resnet{depth}"
        default_shortcut, default_classes, default_stem = "A", 10, "cifar"
    else:
        valid_i = ", ".join(map(str, IMAGENET_DEPTHS))
        valid_c = ", ".join(map(str, CIFAR_DEPTHS))
        raise InvalidOption(
            f"unknown depth {depth!r} (must be one of {valid_i} for ImageNet ResNets, "
            f"{valid_c} for the CIFAR-10 family, or use --layers)"
        )

    widths = tuple(widths) if widths is not None else tuple(default_widths)
    if len(widths) != len(parsed) or any(w < 1 for w in widths):
        raise InvalidOption(f"invalid widths {widths} (need one positive width per stage: {len(parsed)})")
    stem = stem or default_stem
    spec = NetworkSpec(
        name=name,
        family=family,
        depth=depth if layers is None else None,
        block=kind,
        layers=parsed,
        widths=widths,
        stem=stem,
        stem_width=widths[0],
        variant=variant,
        shortcut=shortcut or default_shortcut,
        num_classes=num_classes if num_classes is not None else default_classes,
    )
    return spec


_SIZE = re.compile(r"^\s*(\d+)\s*(?:[x×X*,]\s*(\d+)\s*)?$")
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
        h = int(m.group(1))
        w = int(m.group(2)) if m.group(2) is not None else h
    if not (1 <= h <= MAX_SIDE and 1 <= w <= MAX_SIDE):
        raise InvalidOption(f"invalid input size {h}x{w} (each side must be 1 to {MAX_SIDE} pixels)")
    return h, w
