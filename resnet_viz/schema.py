"""The trace: plain, immutable data (ints, strings, tuples, enums) that every view is computed from.

No tensors, modules or devices live here, so a trace loaded from JSON drives every renderer without torch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

from .spec import NetworkSpec

SCHEMA_VERSION = 1

Shape = tuple[int, ...]
Pair = tuple[int, int]


class OpKind(str, Enum):
    CONV = "conv"
    BATCHNORM = "batchnorm"
    RELU = "relu"
    MAXPOOL = "maxpool"
    AVGPOOL = "avgpool"
    ADD = "add"
    FLATTEN = "flatten"
    LINEAR = "linear"
    ZEROPAD = "zeropad"  # the paper's option-A shortcut: subsample, then pad channels with zeros
    OTHER = "other"  # anything the counting table does not know; listed in Trace.uncounted


class Section(str, Enum):
    STEM = "stem"
    STAGE = "stage"
    HEAD = "head"


class Path(str, Enum):
    MAIN = "main"
    SHORTCUT = "shortcut"
    JOIN = "join"  # the residual addition where both paths meet


class ShortcutKind(str, Enum):
    IDENTITY = "identity"
    PROJECTION = "projection"
    ZEROPAD = "zeropad"


@dataclass(frozen=True)
class Op:
    """One executed operation, in execution order."""

    id: str  # torchvision module path, "#k" for the k-th call of a reused module
    module: str  # module path without the call suffix (functional ops: their enclosing module)
    kind: OpKind
    input_shape: Shape  # with the batch dimension
    output_shape: Shape
    section: Section
    params: int = 0  # counted on a module's first call only
    trainable_params: int = 0
    macs: int = 0  # multiply-adds of conv and fc only (the paper-comparable figure)
    elementwise_ops: int = 0  # bn/relu/add/pool work, kept apart from macs
    kernel_size: Pair | None = None
    stride: Pair | None = None
    padding: Pair | None = None
    dilation: Pair | None = None
    groups: int | None = None
    stage: str | None = None  # "layer2"
    block: int | None = None  # index inside the stage
    path: Path | None = None  # inside a block only
    type_name: str = ""  # class of the module, for ops counted as OTHER

    @property
    def volume(self) -> Shape:
        """Output without the batch dimension: (C, H, W) or (features,)."""
        return self.output_shape[1:]

    @property
    def in_volume(self) -> Shape:
        return self.input_shape[1:]


@dataclass(frozen=True)
class Block:
    id: str  # "layer2.0"
    stage: str
    index: int
    kind: str  # "basic" | "bottleneck" | "custom" (from the number of main-path convs)
    shortcut: ShortcutKind
    input_shape: Shape
    output_shape: Shape
    op_ids: tuple[str, ...]

    @property
    def stride(self) -> int:
        """How much the block shrinks the height (1 or 2 in every ResNet)."""
        return max(1, self.input_shape[2] // self.output_shape[2]) if len(self.input_shape) == 4 else 1


@dataclass(frozen=True)
class Stage:
    id: str  # "layer1" (PyTorch)
    index: int  # 0-based
    paper_name: str  # "conv2_x"
    input_shape: Shape
    output_shape: Shape
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Totals:
    params: int
    trainable_params: int
    macs: int
    elementwise_ops: int
    activation_elements: int  # sum of every op's output elements
    param_bytes: int
    activation_bytes: int

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params


@dataclass(frozen=True)
class Provenance:
    """Where the trace was made. Excluded from equality: a cpu trace equals a meta trace."""

    device: str = ""
    torch_version: str = ""
    resnet_viz_version: str = ""


@dataclass(frozen=True)
class Trace:
    model: NetworkSpec | None  # None when the model was not built by resnet-viz (e.g. torchvision)
    model_name: str
    input_shape: Shape
    dtype: str
    ops: tuple[Op, ...]
    stem: tuple[str, ...]
    stages: tuple[Stage, ...]
    head: tuple[str, ...]
    totals: Totals
    uncounted: tuple[str, ...] = ()  # ids of OTHER ops: their cost is unknown, not zero
    provenance: Provenance = field(default_factory=Provenance, compare=False)
    schema_version: int = SCHEMA_VERSION

    @cached_property
    def _index(self) -> dict[str, int]:
        """Op id → position; computed once (renderers look ops up thousands of times for ResNet-152)."""
        return {o.id: i for i, o in enumerate(self.ops)}

    def op(self, op_id: str) -> Op:
        return self.ops[self._index[op_id]]

    def ops_of(self, ids) -> tuple[Op, ...]:
        """The ops with these ids, in execution order."""
        return tuple(self.ops[i] for i in sorted(self._index[x] for x in ids))

    @property
    def blocks(self) -> tuple[Block, ...]:
        return tuple(b for s in self.stages for b in s.blocks)

    def to_dict(self) -> dict:
        return _trace_to_dict(self)

    def to_json(self, *, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, d: dict) -> Trace:
        return _trace_from_dict(d)

    @classmethod
    def from_json(cls, text: str) -> Trace:
        return cls.from_dict(json.loads(text))

    def _repr_html_(self) -> str:
        from .notebook import trace_html  # display code lives in notebook.py; imported only when displayed

        return trace_html(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        from .notebook import trace_bundle

        return trace_bundle(self, include, exclude)


# --- JSON ---------------------------------------------------------------------------------------

_OP_FIELDS = (
    "id", "module", "kind", "section", "stage", "block", "path", "input_shape", "output_shape",
    "kernel_size", "stride", "padding", "dilation", "groups", "params", "trainable_params", "macs",
    "elementwise_ops", "type_name",
)


def _plain(v):
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return v


def _op_to_dict(op: Op) -> dict:
    return {k: _plain(getattr(op, k)) for k in _OP_FIELDS}


def _tup(v):
    return None if v is None else tuple(v)


def _op_from_dict(d: dict) -> Op:
    return Op(
        id=d["id"],
        module=d["module"],
        kind=OpKind(d["kind"]),
        section=Section(d["section"]),
        stage=d.get("stage"),
        block=d.get("block"),
        path=Path(d["path"]) if d.get("path") else None,
        input_shape=tuple(d["input_shape"]),
        output_shape=tuple(d["output_shape"]),
        kernel_size=_tup(d.get("kernel_size")),
        stride=_tup(d.get("stride")),
        padding=_tup(d.get("padding")),
        dilation=_tup(d.get("dilation")),
        groups=d.get("groups"),
        params=d.get("params", 0),
        trainable_params=d.get("trainable_params", 0),
        macs=d.get("macs", 0),
        elementwise_ops=d.get("elementwise_ops", 0),
        type_name=d.get("type_name", ""),
    )


def _trace_to_dict(t: Trace) -> dict:
    return {
        "schema_version": t.schema_version,
        "model_name": t.model_name,
        "model": t.model.to_dict() if t.model else None,
        "input_shape": list(t.input_shape),
        "dtype": t.dtype,
        "provenance": {
            "device": t.provenance.device,
            "torch_version": t.provenance.torch_version,
            "resnet_viz_version": t.provenance.resnet_viz_version,
        },
        "totals": {
            "params": t.totals.params,
            "trainable_params": t.totals.trainable_params,
            "non_trainable_params": t.totals.non_trainable_params,
            "macs": t.totals.macs,
            "elementwise_ops": t.totals.elementwise_ops,
            "activation_elements": t.totals.activation_elements,
            "param_bytes": t.totals.param_bytes,
            "activation_bytes": t.totals.activation_bytes,
        },
        "uncounted": list(t.uncounted),
        "stem": list(t.stem),
        "stages": [
            {
                "id": s.id,
                "index": s.index,
                "paper_name": s.paper_name,
                "input_shape": list(s.input_shape),
                "output_shape": list(s.output_shape),
                "blocks": [
                    {
                        "id": b.id,
                        "index": b.index,
                        "kind": b.kind,
                        "shortcut": b.shortcut.value,
                        "input_shape": list(b.input_shape),
                        "output_shape": list(b.output_shape),
                        "ops": list(b.op_ids),
                    }
                    for b in s.blocks
                ],
            }
            for s in t.stages
        ],
        "head": list(t.head),
        "ops": [_op_to_dict(o) for o in t.ops],
    }


def _trace_from_dict(d: dict) -> Trace:
    version = d.get("schema_version")
    if version != SCHEMA_VERSION:
        from .errors import InvalidOption

        raise InvalidOption(f"unsupported trace schema_version {version!r} (this resnet-viz reads {SCHEMA_VERSION})")
    tot = d["totals"]
    prov = d.get("provenance") or {}
    return Trace(
        schema_version=version,
        model_name=d["model_name"],
        model=NetworkSpec.from_dict(d["model"]) if d.get("model") else None,
        input_shape=tuple(d["input_shape"]),
        dtype=d["dtype"],
        provenance=Provenance(
            device=prov.get("device", ""),
            torch_version=prov.get("torch_version", ""),
            resnet_viz_version=prov.get("resnet_viz_version", ""),
        ),
        totals=Totals(
            params=tot["params"],
            trainable_params=tot["trainable_params"],
            macs=tot["macs"],
            elementwise_ops=tot["elementwise_ops"],
            activation_elements=tot["activation_elements"],
            param_bytes=tot["param_bytes"],
            activation_bytes=tot["activation_bytes"],
        ),
        uncounted=tuple(d.get("uncounted", ())),
        stem=tuple(d["stem"]),
        stages=tuple(
            Stage(
                id=s["id"],
                index=s["index"],
                paper_name=s["paper_name"],
                input_shape=tuple(s["input_shape"]),
                output_shape=tuple(s["output_shape"]),
                blocks=tuple(
                    Block(
                        id=b["id"],
                        stage=s["id"],
                        index=b["index"],
                        kind=b["kind"],
                        shortcut=ShortcutKind(b["shortcut"]),
                        input_shape=tuple(b["input_shape"]),
                        output_shape=tuple(b["output_shape"]),
                        op_ids=tuple(b["ops"]),
                    )
                    for b in s["blocks"]
                ),
            )
            for s in d["stages"]
        ),
        head=tuple(d["head"]),
        ops=tuple(_op_from_dict(o) for o in d["ops"]),
    )
