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

from collections.abc import Sequence

from .errors import InvalidOption, InvalidType
from .family import (
    ARCHS,
    BLOCKS,
    CIFAR_DEPTHS,
    CIFAR_WIDTHS,
    IMAGENET_DEPTHS,
    IMAGENET_WIDTHS,
    MAX_CLASSES,
    MAX_GROUPS,
    MAX_WIDTH_PER_GROUP,
    PREACT_CIFAR_DEPTHS,
    SHORTCUTS,
    STEMS,
    VARIANTS,
)
from .network_spec import NetworkSpec
from .parsing import parse_layers, parse_widths
from .value_checks import brief, check_choice, check_range, optional_text, type_name, whole_number


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
    depth = whole_number("depth", depth, "50")
    num_classes = whole_number("number of classes", num_classes, "1000")
    groups = whole_number("groups", groups, "32")
    width_per_group = whole_number("width per group", width_per_group, "4")
    arch = optional_text("arch", arch, tuple(ARCHS))
    block = optional_text("block", block, BLOCKS)
    variant = optional_text("variant", variant, VARIANTS)
    shortcut = optional_text("shortcut", shortcut, SHORTCUTS)
    stem = optional_text("stem", stem, STEMS)
    if not isinstance(preact, bool):
        raise InvalidType(f"invalid preact {preact!r} of type {type_name(preact)} (must be True or False)")

    # then each value on its own
    if arch is not None:
        check_choice("arch", arch, tuple(ARCHS))
    if block is not None:
        check_choice("block", block, BLOCKS)
    variant = variant if variant is not None else "v1.5"
    check_choice("variant", variant, VARIANTS)
    if shortcut is not None:
        shortcut = shortcut.upper()
        check_choice("shortcut", shortcut, SHORTCUTS)
    if stem is not None:
        check_choice("stem", stem, STEMS)
    if num_classes is not None:
        check_range("number of classes", num_classes, 1, MAX_CLASSES)
    if groups is not None:
        check_range("groups", groups, 1, MAX_GROUPS)
    if width_per_group is not None:
        check_range("width per group", width_per_group, 1, MAX_WIDTH_PER_GROUP)

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
            f"unknown depth {brief(depth)} (must be one of {_valid_depths()}, or use --layers or --arch)"
        )

    groups = 1 if groups is None else groups
    width_per_group = 64 if width_per_group is None else width_per_group
    if kind == "basic" and (groups, width_per_group) != (1, 64):
        raise InvalidOption(
            f"basic blocks support only --groups 1 and --width-per-group 64, not {groups} and {width_per_group} "
            "(as torchvision; use --block bottleneck for grouped or wider blocks)"
        )
    resolved_widths = parse_widths(widths, len(parsed)) if widths is not None else tuple(default_widths)
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
