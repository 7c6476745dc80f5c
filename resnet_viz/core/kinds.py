"""What a module or a function call is (its OpKind) and its geometry (kernel, stride, padding, dilation, groups).

Read from the module's attributes or the call's arguments, never from names. A module or function this table does
not know is recorded as OpKind.OTHER (its cost is then listed as unknown, never counted as zero).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ..schema import OpKind, Pair, Volume
from .blocks import ZeroPadShortcut

Geometry = dict[str, Any]

_MODULES: tuple[tuple[type | tuple[type, ...], OpKind], ...] = (
    (ZeroPadShortcut, OpKind.ZEROPAD),
    (nn.Conv2d, OpKind.CONV),
    ((nn.BatchNorm1d, nn.BatchNorm2d, nn.SyncBatchNorm), OpKind.BATCHNORM),
    ((nn.GroupNorm, nn.LayerNorm, nn.InstanceNorm2d, nn.LocalResponseNorm), OpKind.NORM),
    (nn.ReLU, OpKind.RELU),
    ((nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish, nn.Hardswish,
      nn.Hardsigmoid, nn.Sigmoid, nn.Tanh, nn.Softmax), OpKind.ACTIVATION),
    ((nn.MaxPool2d, nn.AdaptiveMaxPool2d), OpKind.MAXPOOL),
    ((nn.AvgPool2d, nn.AdaptiveAvgPool2d), OpKind.AVGPOOL),
    (nn.Linear, OpKind.LINEAR),
    (nn.Flatten, OpKind.FLATTEN),
    ((nn.Dropout, nn.Dropout2d, nn.AlphaDropout), OpKind.DROPOUT),
    ((nn.ZeroPad2d, nn.ConstantPad2d, nn.ReflectionPad2d, nn.ReplicationPad2d), OpKind.PAD),
)


def is_transparent(module: nn.Module) -> bool:
    """nn.Identity and an empty Sequential pass their input on untouched: not ops at all."""
    return isinstance(module, nn.Identity) or (isinstance(module, (nn.Sequential, nn.ModuleList, nn.ModuleDict))
                                                and len(module) == 0)


def module_kind(module: nn.Module) -> OpKind:
    for cls, kind in _MODULES:
        if isinstance(module, cls):
            return kind
    return OpKind.OTHER


def pair(v: Any) -> Pair | None:
    """An int or a 1- or 2-tuple as (h, w); None for anything else (e.g. padding='same')."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return v, v
    if isinstance(v, (tuple, list)) and v and all(isinstance(x, int) for x in v):
        return (int(v[0]), int(v[-1])) if len(v) <= 2 else None
    return None


def _padding(v: Any, kernel: Pair | None, dilation: Pair | None) -> Pair | None:
    """Padding as the number of zeros on each side; 'valid' is 0, a symmetric 'same' its half of the span."""
    if v == "valid":
        return 0, 0
    if v == "same" and kernel is not None:
        d = dilation or (1, 1)
        spans = [d[a] * (kernel[a] - 1) for a in (0, 1)]
        return (spans[0] // 2, spans[1] // 2) if all(s % 2 == 0 for s in spans) else None
    return pair(v)


def _adaptive(source: Volume, output: Volume) -> Geometry:
    """An adaptive pool is an ordinary one when each output side divides its input side; else its windows vary."""
    if not (source.is_map and output.is_map) or any(i % o for i, o in zip(source.spatial, output.spatial, strict=True)):
        return {}
    k = (source.height // output.height, source.width // output.width)
    return {"kernel_size": k, "stride": k, "padding": (0, 0), "dilation": (1, 1)}


def _conv(kernel: Pair | None, stride: Any, padding: Any, dilation: Any, groups: int) -> Geometry:
    dil = pair(dilation)
    return {"kernel_size": kernel, "stride": pair(stride), "padding": _padding(padding, kernel, dil),
            "dilation": dil, "groups": int(groups)}


def _pool(kernel: Any, stride: Any, padding: Any, dilation: Any = 1, ceil_mode: bool = False) -> Geometry:
    k = pair(kernel)
    s = pair(stride) if stride not in (None, (), []) else k
    return {"kernel_size": k, "stride": s, "padding": pair(padding), "dilation": pair(dilation),
            "ceil_mode": bool(ceil_mode)}


def module_geometry(module: nn.Module, kind: OpKind, source: Volume, output: Volume) -> Geometry:
    """kernel / stride / padding / dilation / groups as the module defines them."""
    m: Any = module
    if kind is OpKind.CONV:
        return _conv(pair(m.kernel_size), m.stride, m.padding, m.dilation, m.groups)
    if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        return _adaptive(source, output)
    if isinstance(m, nn.MaxPool2d):
        return _pool(m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode)
    if isinstance(m, nn.AvgPool2d):
        return _pool(m.kernel_size, m.stride, m.padding, 1, m.ceil_mode)
    if kind is OpKind.ZEROPAD:
        return {"kernel_size": (1, 1), "stride": pair(m.stride), "padding": (0, 0), "dilation": (1, 1)}
    if kind is OpKind.PAD:
        p = m.padding  # (left, right, top, bottom)
        return {"padding": (int(p[2]), int(p[0]))}
    return {}


def _arg(args: tuple, kwargs: dict, i: int, name: str, default: Any = None) -> Any:
    return args[i] if len(args) > i else kwargs.get(name, default)


def _f_conv(args: tuple, kwargs: dict, source: Volume, output: Volume) -> Geometry:
    weight = _arg(args, kwargs, 1, "weight")
    kernel = (int(weight.shape[-2]), int(weight.shape[-1])) if isinstance(weight, torch.Tensor) else None
    return _conv(kernel, _arg(args, kwargs, 3, "stride", 1), _arg(args, kwargs, 4, "padding", 0),
                 _arg(args, kwargs, 5, "dilation", 1), _arg(args, kwargs, 6, "groups", 1))


def _f_max_pool(args: tuple, kwargs: dict, source: Volume, output: Volume) -> Geometry:
    return _pool(_arg(args, kwargs, 1, "kernel_size"), _arg(args, kwargs, 2, "stride"),
                 _arg(args, kwargs, 3, "padding", 0), _arg(args, kwargs, 4, "dilation", 1),
                 _arg(args, kwargs, 5, "ceil_mode", False))


def _f_avg_pool(args: tuple, kwargs: dict, source: Volume, output: Volume) -> Geometry:
    return _pool(_arg(args, kwargs, 1, "kernel_size"), _arg(args, kwargs, 2, "stride"),
                 _arg(args, kwargs, 3, "padding", 0), 1, _arg(args, kwargs, 4, "ceil_mode", False))


def _f_adaptive(args: tuple, kwargs: dict, source: Volume, output: Volume) -> Geometry:
    return _adaptive(source, output)


def _f_slice(args: tuple, kwargs: dict, source: Volume, output: Volume) -> Geometry:
    """`x[:, :, ::2, ::2]`: a subsampling with that step and no padding (the option-A shortcut's first half)."""
    index = args[1] if len(args) > 1 else None
    if not source.is_map or not isinstance(index, tuple) or len(index) != 4:
        return {}
    steps = []
    for item in index[2:]:
        if not isinstance(item, slice) or item.start not in (None, 0) or item.stop is not None:
            return {}
        steps.append(item.step or 1)
    return {"kernel_size": (1, 1), "stride": (steps[0], steps[1]), "padding": (0, 0), "dilation": (1, 1)}


def _f_pad(args: tuple, kwargs: dict, source: Volume, output: Volume) -> Geometry:
    """F.pad's leading spatial zeros (top, left): where the padded map starts relative to the input."""
    pad = _arg(args, kwargs, 1, "pad")
    if not source.is_map or not isinstance(pad, (tuple, list)) or len(pad) < 4:
        return {"padding": (0, 0)} if isinstance(pad, (tuple, list)) and len(pad) < 3 else {}
    return {"padding": (int(pad[2]), int(pad[0]))}


def _f_mean(args: tuple, kwargs: dict, source: Volume, output: Volume) -> Geometry:
    return _adaptive(source, Volume((source.channels, 1, 1))) if source.is_map else {}


GeometryOf = Callable[[tuple, dict, Volume, Volume], Geometry]
_T = torch.Tensor

# function → (name in op ids, kind, geometry reader)
FUNCTIONS: dict[Callable, tuple[str, OpKind, GeometryOf | None]] = {
    **dict.fromkeys((torch.add, _T.add, _T.add_, _T.__add__, _T.__iadd__, _T.__radd__), ("add", OpKind.ADD, None)),
    **dict.fromkeys((torch.mul, _T.mul, _T.mul_, _T.__mul__, _T.__imul__, _T.__rmul__), ("mul", OpKind.MUL, None)),
    **dict.fromkeys((torch.cat, torch.concat, torch.stack), ("cat", OpKind.CAT, None)),
    **dict.fromkeys((torch.flatten, _T.flatten), ("flatten", OpKind.FLATTEN, None)),
    **dict.fromkeys((torch.reshape, _T.reshape, _T.view, torch.squeeze, _T.squeeze, torch.unsqueeze, _T.unsqueeze, torch.permute, _T.permute, torch.transpose, _T.transpose), ("reshape", OpKind.RESHAPE, None)),
    _T.__getitem__: ("slice", OpKind.SLICE, _f_slice),
    **dict.fromkeys((torch.narrow, _T.narrow, torch.chunk, _T.chunk, torch.split, _T.split), ("slice", OpKind.SLICE, None)),
    **dict.fromkeys((torch.relu, torch.relu_, _T.relu, _T.relu_, F.relu), ("relu", OpKind.RELU, None)),
    **{f: (getattr(f, "__name__", "activation").strip("_"), OpKind.ACTIVATION, None) for f in (
        torch.sigmoid, _T.sigmoid, _T.sigmoid_, F.sigmoid, F.hardsigmoid, F.silu, F.gelu, F.relu6, F.hardswish,
        F.leaky_relu, torch.tanh, _T.tanh, F.softmax, torch.softmax, _T.softmax)},
    **dict.fromkeys((torch.conv2d, F.conv2d), ("conv", OpKind.CONV, _f_conv)),
    **dict.fromkeys((F.linear, torch._C._nn.linear), ("linear", OpKind.LINEAR, None)),
    **dict.fromkeys((F.batch_norm, torch.batch_norm), ("batch_norm", OpKind.BATCHNORM, None)),
    **dict.fromkeys((F.max_pool2d, torch.max_pool2d), ("max_pool", OpKind.MAXPOOL, _f_max_pool)),
    **dict.fromkeys((F.avg_pool2d, torch._C._nn.avg_pool2d), ("avg_pool", OpKind.AVGPOOL, _f_avg_pool)),
    **dict.fromkeys((F.adaptive_avg_pool2d,), ("avg_pool", OpKind.AVGPOOL, _f_adaptive)),
    **dict.fromkeys((F.adaptive_max_pool2d,), ("max_pool", OpKind.MAXPOOL, _f_adaptive)),
    **dict.fromkeys((F.pad, torch.constant_pad_nd), ("pad", OpKind.PAD, _f_pad)),
    **dict.fromkeys((F.dropout, torch.dropout, F.dropout2d), ("dropout", OpKind.DROPOUT, None)),
}
MEANS = frozenset({torch.mean, _T.mean})

# Calls that hand their input on without changing the values: no op, the result keeps the input's producer.
PASS_THROUGH = frozenset({
    _T.contiguous, _T.clone, torch.clone, _T.detach, torch.detach, _T.to, _T.float, _T.double, _T.half,
    _T.bfloat16, _T.cpu, _T.cuda, _T.type, _T.type_as, _T.requires_grad_, _T.detach_,
})


def _spatial_mean(args: tuple, kwargs: dict, source: Volume) -> bool:
    dims = _arg(args, kwargs, 1, "dim")
    if isinstance(dims, int):
        dims = (dims,)
    if not source.is_map or not isinstance(dims, (tuple, list)):
        return False
    return {d % 4 for d in dims if isinstance(d, int)} == {2, 3}


def function_kind(func: Callable, args: tuple, kwargs: dict, source: Volume,
                  output: Volume) -> tuple[str, OpKind, Geometry]:
    """(name, kind, geometry) of a functional call that read a traced tensor."""
    if func in MEANS:
        if _spatial_mean(args, kwargs, source):
            return "mean", OpKind.AVGPOOL, _f_mean(args, kwargs, source, output)
        return "mean", OpKind.OTHER, {}
    known = FUNCTIONS.get(func)
    if known is None:
        return getattr(func, "__name__", "op").strip("_") or "op", OpKind.OTHER, {}
    name, kind, geometry = known
    return name, kind, geometry(args, kwargs, source, output) if geometry else {}
