"""NetworkSpec: the fully resolved description of one ResNet, and its plain-dict form for a saved trace."""

from __future__ import annotations

from dataclasses import dataclass, field


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
