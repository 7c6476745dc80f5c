"""Why tools disagree on "FLOPs": one trace's count under each tool's convention, per image, each with its reason.

Our MACs (schema/counting.py) count one multiply-add per multiplication+accumulation in convs and fc layers only.
The paper's Table 1 "FLOPs" are multiply-adds too; torch's FlopCounterMode doubles them; torchinfo, fvcore, ptflops
and thop add norm, activation, pooling and bias work, each its own way. Each formula below reproduces one release
(torchinfo 1.8.0, fvcore 0.1.5.post20221221, ptflops 0.7.5, thop 0.1.1.post2209072238), checked against the package
on ResNet-18 and -50; exact for the ops ResNets use. Torch-free: pure functions of a Trace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from math import prod

from ..network_spec import NetworkSpec
from ..schema import Op, OpKind, Trace
from ..spec import resnet_spec

# He et al. 2015, Table 1: "FLOPs" of the ImageNet nets at 224×224, which are multiply-adds (section 3.3).
PAPER_FLOPS: dict[int, float] = {18: 1.8e9, 34: 3.6e9, 50: 3.8e9, 101: 7.6e9, 152: 11.3e9}
# torchvision's model docs ("GFLOPS", the weights' meta "_ops"): MACs of its v1.5 nets per 224×224 image.
TORCHVISION_GFLOPS: dict[str, float] = {
    "resnet18": 1.814, "resnet34": 3.664, "resnet50": 4.089, "resnet101": 7.801, "resnet152": 11.514,
    "resnext50_32x4d": 4.23, "resnext101_32x8d": 16.414, "resnext101_64x4d": 15.46,
    "wide_resnet50_2": 11.398, "wide_resnet101_2": 22.753}
CONFIGS = (("v1", "A"), ("v1", "B"), ("v1.5", "B"))  # the variants flops_table compares (the caller traces them)


@dataclass(frozen=True)
class Count:
    """One tool's figure for the traced network."""

    source: str  # who prints it
    name: str  # what it calls the number
    per_image: int
    printed: int  # what it prints for the traced batch (ptflops: always per image)
    reason: str  # one line: why it differs from our MACs


@dataclass(frozen=True)
class PaperGap:
    """Our per-image MACs for one or more configurations against the paper's published figure."""

    depth: int
    published: float
    configs: tuple[str, ...]  # "v1/B", …: configurations with these same MACs
    macs: int
    percent: float  # (ours − published) / published × 100


@dataclass(frozen=True)
class FlopsTable:
    depth: int
    published: float
    ours: tuple[PaperGap, ...]  # the traced configuration first, then the variants that differ
    tools: tuple[Count, ...]
    summary: str  # one sentence for the report's Table 1 row


def per_image_macs(trace: Trace) -> int:
    return trace.totals.macs // trace.batch


def paper_gap(trace: Trace) -> PaperGap | None:
    """Our MACs against Table 1, for one of the paper's five ImageNet nets (any variant/shortcut) at 224×224."""
    s = trace.model
    if s is None or s.depth not in PAPER_FLOPS or trace.input.dims != (3, 224, 224):
        return None
    ref = resnet_spec(s.depth, variant=s.variant, shortcut=s.shortcut)
    if replace(s, name=ref.name, arch=None) != replace(ref, arch=None):
        return None
    macs, published = per_image_macs(trace), PAPER_FLOPS[s.depth]
    return PaperGap(s.depth, published, (f"{s.variant}/{s.shortcut}",), macs, (macs - published) / published * 100)


def _torchvision_arch(spec: NetworkSpec | None) -> str | None:
    name = spec and (spec.arch or f"resnet{spec.depth}")
    if spec is None or name not in TORCHVISION_GFLOPS:
        return None
    return name if replace(spec, name=name, arch=None) == replace(resnet_spec(arch=name), arch=None) else None


# --- per-op rules: each tool's count for one op, per image ----------------------------------------------------

Rule = Callable[[Op, int, int], int]  # (op, its module's parameters, our MACs of the op per image) → count


_MACS = (OpKind.CONV, OpKind.LINEAR)


def _module(op: Op) -> bool:
    return op.id == op.module or op.id.startswith(op.module + "#")


def _positions(op: Op) -> int:
    return op.output.numel // max(1, op.output.channels if op.kind is OpKind.CONV else op.output.dims[-1])


def _bias(op: Op, params: int, macs: int) -> int:
    """Bias additions per image of a conv or fc module: its parameters beyond the weight, at every position."""
    positions = _positions(op)
    return (params - macs // positions) * positions if params and op.kind in _MACS else 0


def _total(trace: Trace, rule: Rule) -> int:
    first = {o.module: o.params for o in trace.ops if o.id == o.module}  # params are recorded on a first call only
    return sum(rule(op, first.get(op.module, 0) if _module(op) else 0, op.macs // trace.batch) for op in trace.ops)


def _torchinfo(op: Op, params: int, macs: int) -> int:
    """Every leaf-module call: params × output positions for "Conv" classes, else params (× batch)."""
    if not (params and _module(op)):
        return 0
    return params * _positions(op) if "Conv" in op.type_name else params


def _fvcore(training: bool) -> Rule:
    def rule(op: Op, params: int, macs: int) -> int:
        if op.kind in _MACS:
            return macs
        if op.kind is OpKind.BATCHNORM:
            return op.input.numel * ((5 if params else 4) if training else (2 if params else 1))
        if op.kind is OpKind.NORM:
            return op.input.numel * (5 if params else 4)
        return op.input.numel if op.kind is OpKind.AVGPOOL and "adaptive" in op.type_name.lower() else 0

    return rule


# ptflops' module hooks, and F.relu, F.*pool* it patches: a module calling a patched function is counted twice.
_PT_TWICE = {"ReLU", "ELU", "GELU", "PReLU"}
_PT_ONCE = {"ReLU6", "LeakyReLU", "SiLU", "relu", "elu", "gelu", "prelu", "relu6", "silu"}


def _ptflops(op: Op, params: int, macs: int) -> int:
    mod = _module(op)
    if op.kind in _MACS:
        return macs + _bias(op, params, macs) if mod else 0
    if op.kind in (OpKind.BATCHNORM, OpKind.NORM) and mod:
        return op.input.numel * (2 if params and op.type_name != "LayerNorm" else 1)
    if op.kind in (OpKind.RELU, OpKind.ACTIVATION):
        return op.output.numel * (2 if op.type_name in _PT_TWICE else op.type_name in _PT_ONCE)
    return op.input.numel * (2 if mod else 1) if op.kind in (OpKind.MAXPOOL, OpKind.AVGPOOL) else 0


def _ptflops_aten(op: Op, params: int, macs: int) -> int:
    return macs + _bias(op, params, macs) if op.kind in _MACS else 0


_THOP_NORMS = {"BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "LayerNorm", "InstanceNorm1d",
               "InstanceNorm2d", "InstanceNorm3d"}


def _thop(op: Op, params: int, macs: int) -> int:
    if not _module(op):
        return 0
    if op.kind in _MACS:
        return macs
    if op.type_name in _THOP_NORMS:
        return 2 * op.input.numel * (2 if params else 1)
    if op.type_name.startswith("AdaptiveAvgPool"):
        kernel = prod(i / o for i, o in zip(op.input.dims[1:], op.output.dims[1:], strict=True))
        return int((kernel + 1) * op.output.numel)
    return op.output.numel if op.type_name.startswith("AvgPool") or op.type_name == "PReLU" else 0


def torchinfo_mult_adds(trace: Trace) -> int:
    return _total(trace, _torchinfo)


def fvcore_flops(trace: Trace, training: bool = False) -> int:
    return _total(trace, _fvcore(training))


def ptflops_macs(trace: Trace, backend: str = "pytorch") -> int:
    """Backend "pytorch" (module hooks and patched functions; 0.7.5's default, though its README says "aten") or
    "aten" (aten.convolution and matrix products only)."""
    return _total(trace, _ptflops if backend == "pytorch" else _ptflops_aten)


def thop_macs(trace: Trace) -> int:
    return _total(trace, _thop)


def tool_counts(trace: Trace) -> tuple[Count, ...]:
    """What each tool prints for this network, per image and for the traced batch; for any network."""
    macs, n = per_image_macs(trace), trace.batch
    rows = [
        ("resnet-viz", "MACs", macs, n, "one per multiply+accumulate of convs and fc; bias, BN, ReLU, adds, pools "
         "counted apart"),
        ("torch FlopCounterMode", "FLOPs", 2 * macs, n, "counts a multiply-add as two FLOPs (2 × MACs), convs and "
         "matmuls only"),
        ("torchinfo", "Total mult-adds", torchinfo_mult_adds(trace), n, "adds each norm layer's parameters (2·C per "
         "batch norm) and every conv/fc bias once per output position"),
        ("fvcore", "flops", fvcore_flops(trace), n, "one per MAC (no bias), plus 2 per element of each BN in eval "
         "mode and 1 per input of adaptive average pools; ReLU, max pool and adds skipped"),
        ("fvcore, training mode", "flops", fvcore_flops(trace, training=True), n, "a model not put in eval mode: 5 "
         "per element of each BN"),
        ("ptflops", "MACs", ptflops_macs(trace), 1, "default (pytorch) backend: adds biases, 2 per BN element, and "
         "ReLU outputs and pool inputs twice (module hook and patched function); `+` adds not counted"),
        ("ptflops, aten backend", "MACs", ptflops_macs(trace, "aten"), 1, "adds only the conv and fc bias additions"),
        ("thop", "MACs", thop_macs(trace), n, "adds 4 per BN element (normalise: 2, doubled when affine) and k+1 per "
         "adaptive average pool output; no bias; ReLU, max pool and adds count zero"),
    ]
    if _torchvision_arch(trace.model) and trace.input.dims == (3, 224, 224):
        rows.insert(2, ("torchvision docs", "GFLOPS", macs, 1, "its docs' GFLOPS are MACs of its own (v1.5) net "
                        "at 224×224, shown to 3 decimals"))
    return tuple(Count(source, name, value, value * k, reason) for source, name, value, k, reason in rows)


def flops_table(trace: Trace, variants: Mapping[str, Trace] = {}) -> FlopsTable | None:
    """The paper's figure, ours for each traced configuration, and the tools'; None unless a paper net at 224."""
    gap = paper_gap(trace)
    if gap is None:
        return None
    gaps: dict[int, PaperGap] = {gap.macs: gap}
    for other in variants.values():
        g = paper_gap(other)
        if g is None or g.depth != gap.depth:
            raise ValueError(f"variant trace {other.model_name} is not ResNet-{gap.depth} at 224×224")
        old = gaps.get(g.macs)
        if old is None or g.configs[0] not in old.configs:
            gaps[g.macs] = replace(g, configs=(*old.configs, *g.configs)) if old else g
    ours = tuple(gaps.values())
    closest = min(ours, key=lambda g: abs(g.percent))
    summary = (f"our MACs ({gap.configs[0]}) are {gap.percent:+.1f} % from the paper's {gap.published / 1e9:g} × 10⁹ "
               "FLOPs, which count multiply-adds")
    if closest.macs != gap.macs:
        summary += f"; {' = '.join(closest.configs)}: {closest.percent:+.1f} %"
    return FlopsTable(gap.depth, gap.published, ours, tool_counts(trace), summary + "; see the FLOPs conventions table")
