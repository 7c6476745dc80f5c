"""Every choice a user makes, parsed and checked once: the model options as one value, and the named choices.

The CLI, the Python API, the Sphinx directive and the MkDocs fence all build their options here, so a value is
accepted or refused the same way (and with the same words) on every route. Torch-free.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any, TypeVar

from .errors import InvalidOption, InvalidType, choice
from .network_spec import NetworkSpec
from .parsing import parse_input_size, parse_layers
from .spec import resnet_spec


class Device(str, Enum):
    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"
    META = "meta"


class View(str, Enum):
    VOLUMES = "volumes"
    GRAPH = "graph"


class Level(str, Enum):
    NETWORK = "network"
    STAGE = "stage"
    BLOCK = "block"
    OP = "op"


class DiagramFormat(str, Enum):
    SVG = "svg"
    PNG = "png"
    PDF = "pdf"
    DOT = "dot"


class TableFormat(str, Enum):
    TEXT = "text"
    MD = "md"
    CSV = "csv"
    JSON = "json"
    LATEX = "latex"


class EmbedFormat(str, Enum):
    MD = "md"
    RST = "rst"
    HTML = "html"


E = TypeVar("E", bound=Enum)


def parse_choice(kind: type[E], value: object, what: str) -> E:
    """An enum member from its value ('graph' → View.GRAPH) or itself; InvalidOption lists the valid ones."""
    if isinstance(value, kind):
        return value
    for member in kind:
        if value == member.value:
            return member
    raise choice(what, value, [m.value for m in kind])


_DIGITS = re.compile(r"[0-9]+")


def parse_whole(value: object, what: str, lo: int, hi: int) -> int:
    """A whole number from an int or ASCII digits ('34'); bools, floats and full-width digits are refused."""
    if isinstance(value, str):
        text = value.strip()
        if not _DIGITS.fullmatch(text):
            raise InvalidOption(f"invalid {what} {value!r} (must be a whole number written with the digits 0-9)")
        number = int(text)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise InvalidType(f"{what} must be a whole number (got {type(value).__name__} {value!r})")
    if not lo <= number <= hi:
        raise InvalidOption(f"invalid {what} {number} (must be {lo} to {hi:,})")
    return number


def parse_flag(value: object, what: str) -> bool:
    """True/False from a bool or the words a docs option may use ('true', 'yes', '1', '' for a bare flag)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("", "true", "yes", "1", "on", "false", "no", "0", "off"):
        return value.strip().lower() in ("", "true", "yes", "1", "on")
    raise InvalidOption(f"invalid {what} {value!r} (must be true or false)")


MAX_BATCH = 65536
MAX_REPEATS = 1000
BUILDER = ("depth", "arch", "layers", "block", "variant", "shortcut", "stem", "num_classes", "groups",
           "width_per_group", "preact")
_MODEL_REF = re.compile(r"^\S(?:.*\S)?:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def flag_name(name: str) -> str:
    """'num_classes' → '--num-classes' (how the CLI spells an option)."""
    return "--" + name.replace("_", "-")


@dataclass(frozen=True)
class ModelOptions:
    """Which network (a built-in ResNet, or the user's own with `model`), at which input, traced how."""

    depth: int | None = None
    arch: str | None = None
    layers: tuple[int, ...] | None = None
    block: str | None = None
    variant: str | None = None
    shortcut: str | None = None
    stem: str | None = None
    num_classes: int | None = None
    groups: int | None = None
    width_per_group: int | None = None
    preact: bool = False
    model: str | None = None  # MODULE:ATTR of the user's own model
    input: tuple[int, int] | None = None  # (height, width); None: the network's own default
    batch: int = 1
    device: Device = Device.AUTO
    measure: int = 0  # repeats of --measure; 0: do not time the ops

    @classmethod
    def parse(cls, **raw: Any) -> ModelOptions:
        """Options from CLI text or Python values (None: not given); conflicts are refused here, in one place."""
        unknown = sorted(set(raw) - {f.name for f in fields(cls)})
        if unknown:
            raise choice("model option", unknown[0], [f.name for f in fields(cls)])
        v = {k: x for k, x in raw.items() if x is not None}
        out: dict[str, Any] = {}
        if "depth" in v:
            out["depth"] = parse_whole(v["depth"], "depth", 1, 100_000)
        for key, what, lo, hi in (("num_classes", "number of classes", 1, 1_000_000), ("groups", "groups", 1, 1024),
                                  ("width_per_group", "width per group", 1, 4096)):
            if key in v:
                out[key] = parse_whole(v[key], what, lo, hi)
        if "layers" in v:
            if not isinstance(v["layers"], (str, tuple, list)):
                raise InvalidType(f"layers must be text such as '3,4,6,3' or a sequence of whole numbers "
                                  f"(got {type(v['layers']).__name__})")
            out["layers"] = parse_layers(v["layers"])
        for key in ("arch", "block", "variant", "shortcut", "stem", "model"):
            if key in v:
                if not isinstance(v[key], str):
                    raise InvalidType(f"{key} must be text (got {type(v[key]).__name__} {v[key]!r})")
                out[key] = v[key].strip()
        if "preact" in v:
            out["preact"] = parse_flag(v["preact"], "preact")
        if "input" in v:
            out["input"] = parse_input_size(v["input"])
        out["batch"] = parse_whole(v.get("batch", 1), "batch size", 1, MAX_BATCH)
        out["measure"] = parse_whole(v.get("measure", 0), "number of --measure repeats", 0, MAX_REPEATS)
        out["device"] = parse_choice(Device, v.get("device", Device.AUTO), "device")
        options = cls(**out)
        options._check()
        return options

    def builder_options(self) -> list[str]:
        """The options given that pick a built-in network (for conflict messages)."""
        return [k for k in BUILDER if getattr(self, k) not in (None, False)]

    def _check(self) -> None:
        if self.model is not None:
            if not _MODEL_REF.match(self.model):
                raise InvalidOption(f"invalid --model {self.model!r} (must be MODULE:ATTR, e.g. nets.py:build or "
                                    "torchvision.models:resnet50)")
            given = self.builder_options()
            if given:
                names = ", ".join(flag_name(k) for k in given)
                raise InvalidOption(f"--model builds the network itself; {names} cannot apply (drop them, "
                                    "or drop --model)")
        elif self.depth is not None and self.layers is not None:
            raise InvalidOption("give either --depth or --layers, not both")
        else:
            self.spec()  # every builder conflict is found now, before anything is traced

    def spec(self) -> NetworkSpec:
        """The built-in network these options name (InvalidOption for conflicting or unknown values)."""
        return resnet_spec(self.depth, arch=self.arch, layers=self.layers, block=self.block, variant=self.variant,
                           shortcut=self.shortcut, stem=self.stem, num_classes=self.num_classes, groups=self.groups,
                           width_per_group=self.width_per_group, preact=self.preact)

    def given(self) -> list[str]:
        """Every option that differs from its default (a saved trace refuses them all)."""
        default = ModelOptions()
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(default, f.name)]

    def with_values(self, **changes: Any) -> ModelOptions:
        """A copy with some values replaced (already typed), checked again."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | changes
        options = ModelOptions(**values)
        options._check()
        return options


def model_options(values: Mapping[str, Any]) -> ModelOptions:
    return ModelOptions.parse(**dict(values))
