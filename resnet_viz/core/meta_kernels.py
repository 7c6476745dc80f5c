"""Shape-only stand-ins for seven kernels on the meta device.

Why: torch implements the meta versions of conv2d, batch_norm, relu, max_pool2d, adaptive_avg_pool2d and
linear in Python, and the shape check of the residual add goes through Python too; their first call in a process imports sympy (via torch._check) and torch._dynamo
(via the decompositions' _disable_dynamo wrapper): about 1.2 s, more than the rest of a ResNet-152 trace. On meta
we only need the output shape, and shapes.py computes it with PyTorch's documented formulas.
Every other op (slicing, pad, flatten, …) still runs torch's own meta kernels, and
tests compare these stand-ins with torch's meta kernels and with real cpu traces.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.nn import functional as F

from ..shapes import conv_output_size, pool_output_size


def _pair(v) -> tuple[int, int]:
    if isinstance(v, int):
        return v, v
    t = tuple(int(x) for x in v)
    return (t[0], t[0]) if len(t) == 1 else (t[0], t[1])


def _conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    if isinstance(padding, str) or input.dim() != 4:
        return NotImplemented
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    kh, kw = weight.shape[2], weight.shape[3]
    if input.shape[1] != weight.shape[1] * groups:
        return NotImplemented  # let torch raise its own error
    try:
        h = conv_output_size(input.shape[2], kh, sh, ph, dh)
        w = conv_output_size(input.shape[3], kw, sw, pw, dw)
    except ValueError:
        return NotImplemented  # input smaller than the kernel: torch raises its own error
    return input.new_empty((input.shape[0], weight.shape[0], h, w))


def _batch_norm(input, *args, **kwargs):
    return input.new_empty(input.shape)


def _adaptive_avg_pool2d(input, output_size):
    if input.dim() != 4:
        return NotImplemented
    size = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    h = input.shape[2] if size[0] is None else size[0]
    w = input.shape[3] if size[1] is None else size[1]
    return input.new_empty((input.shape[0], input.shape[1], h, w))


def _max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if return_indices or input.dim() != 4:
        return NotImplemented
    (kh, kw), (ph, pw), (dh, dw) = _pair(kernel_size), _pair(padding), _pair(dilation)
    sh, sw = _pair(stride) if stride not in (None, [], ()) else (kh, kw)
    try:
        h = pool_output_size(input.shape[2], kh, sh, ph, dh, ceil_mode)
        w = pool_output_size(input.shape[3], kw, sw, pw, dw, ceil_mode)
    except ValueError:
        return NotImplemented
    return input.new_empty((input.shape[0], input.shape[1], h, w))


def _add(input, other, *args, **kwargs):
    if not isinstance(other, torch.Tensor) or other.shape != input.shape or args or kwargs:
        return NotImplemented
    return input.new_empty(input.shape)


def _add_(input, other, *args, **kwargs):
    if not isinstance(other, torch.Tensor) or other.shape != input.shape or args or kwargs:
        return NotImplemented
    return input


def _relu(input, inplace=False):
    return input if inplace else input.new_empty(input.shape)


def _relu_(input):
    return input


def _linear(input, weight, bias=None):
    if input.shape[-1] != weight.shape[1]:
        return NotImplemented
    return input.new_empty((*input.shape[:-1], weight.shape[0]))


STAND_INS: dict[object, Callable[..., object]] = {
    torch.conv2d: _conv2d,
    F.conv2d: _conv2d,
    F.batch_norm: _batch_norm,
    torch.batch_norm: _batch_norm,
    F.adaptive_avg_pool2d: _adaptive_avg_pool2d,
    F.max_pool2d: _max_pool2d,
    torch.max_pool2d: _max_pool2d,
    F.linear: _linear,
    F.relu: _relu,
    torch.relu: _relu,
    torch.Tensor.relu: _relu,
    torch.relu_: _relu_,
    torch.Tensor.relu_: _relu_,
    torch.add: _add,
    torch.Tensor.add: _add,
    torch.Tensor.__add__: _add,
    torch.Tensor.__radd__: _add,
    torch.Tensor.add_: _add_,
    torch.Tensor.__iadd__: _add_,
    torch._C._nn.linear: _linear,
}


def shape_only(func, args, kwargs):
    """The stand-in's result for a meta-tensor call of `func`, or NotImplemented to run torch's kernel."""
    fn = STAND_INS.get(func)
    if fn is None or not args or not isinstance(args[0], torch.Tensor) or args[0].device.type != "meta":
        return NotImplemented
    return fn(*args, **(kwargs or {}))
