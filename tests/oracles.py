"""An empirical receptive-field probe, independent of any layer arithmetic.

:func:`rf_window` measures where ONE output position of an intermediate tensor gets its input from: it
back-propagates from that position to the input image and returns the bounding box of the non-zero input
gradient.  For that support to be exactly the receptive field (and not a data-dependent subset of it) the
probe runs a prepared copy of the model in which every path is open:

* **deep copy, float64, eval mode** - the caller's model (weights, BN statistics, hooks, ``training`` flag)
  is never touched; float64 keeps the small gradients at the window's rim far from underflow; eval mode
  makes BN use its running statistics (a per-position affine map) and turns dropout into the identity.
* **user hooks removed from the copy** - a deep copy may share the hook functions, so a hook would fire (and
  e.g. append to the caller's list) during the probe.  Global hooks (``register_module_forward_hook``) are
  not the model's and are left alone.
* **conv and linear weights = 1/fan_in, biases 0** - all weights positive, so no two paths cancel and every
  activation of a positive input stays positive; dividing by fan_in keeps magnitudes near 1 at any depth.
* **BatchNorm = identity** (running mean 0, running var 1, eps 0, weight 1, bias 0) - a real BN's negative
  scale or shift could push values below 0, where a ReLU would cut the path.
* **max-pool -> average pool of the same kernel, stride, padding and ceil mode** (``count_include_pad=True``) -
  a max-pool's gradient reaches only the arg-max of its window, which would shrink the support to a single
  path; an average pool spreads it over the whole window, which is the max-pool's receptive field.
  Adaptive max-pools become adaptive average pools of the same output size.
* **an input of ones** - positive, so every ReLU (and every other activation assumed to have a non-zero
  derivative on positive inputs) passes its gradient.
* **sum all channels** of the chosen position, back-propagate, and take ``|grad|`` summed over batch and
  channels, so that no input channel's contribution can hide another's.

Limits (the probe raises rather than answer wrongly where it can tell): normalisations that use the
statistics of the sample itself (GroupNorm, LayerNorm, InstanceNorm or BN without running stats) are
rejected, as on a constant input they output zeros and their gradient is not local; functional
``F.max_pool2d`` calls and custom parameters the probe does not know are left as they are; saturating
activations (ReLU6, hard-sigmoid above 3) may cut paths.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn

Window = tuple[tuple[int, int], tuple[int, int]]
Target = str | Callable[[nn.Module, torch.Tensor], torch.Tensor]

_HOOK_DICTS = (
    "_forward_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs",
    "_backward_hooks",
    "_backward_pre_hooks",
)

_MAX_TO_AVG = {nn.MaxPool1d: nn.AvgPool1d, nn.MaxPool2d: nn.AvgPool2d, nn.MaxPool3d: nn.AvgPool3d}
_ADAPTIVE_MAX_TO_AVG = {
    nn.AdaptiveMaxPool1d: nn.AdaptiveAvgPool1d,
    nn.AdaptiveMaxPool2d: nn.AdaptiveAvgPool2d,
    nn.AdaptiveMaxPool3d: nn.AdaptiveAvgPool3d,
}


def _avg_for(module: nn.Module) -> nn.Module | None:
    """The average pool that has ``module``'s window, or None when ``module`` is not a max-pool."""
    if type(module) in _MAX_TO_AVG:
        dilation = module.dilation if isinstance(module.dilation, tuple) else (module.dilation,)
        if any(d != 1 for d in dilation) or module.return_indices:
            raise ValueError(f"cannot stand in for a dilated or index-returning max-pool: {module}")
        return _MAX_TO_AVG[type(module)](
            module.kernel_size, module.stride, module.padding, ceil_mode=module.ceil_mode, count_include_pad=True
        )
    if type(module) in _ADAPTIVE_MAX_TO_AVG:
        if module.return_indices:
            raise ValueError(f"cannot stand in for an index-returning max-pool: {module}")
        return _ADAPTIVE_MAX_TO_AVG[type(module)](module.output_size)
    return None


def prepare_probe_model(model: nn.Module) -> nn.Module:
    """A float64, eval-mode deep copy of ``model`` with all paths open (see the module docstring)."""
    m = copy.deepcopy(model)
    for mod in m.modules():
        for attr in _HOOK_DICTS:
            hooks = getattr(mod, attr, None)
            if hooks is not None:
                hooks.clear()
    # swap max-pools (parents hold them as named children; a module reachable twice is swapped everywhere)
    for parent in list(m.modules()):
        for name, child in list(parent.named_children()):
            avg = _avg_for(child)
            if avg is not None:
                setattr(parent, name, avg)
    m = m.to(torch.float64).eval()
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, (nn.GroupNorm, nn.LayerNorm)) or (
                isinstance(mod, nn.modules.instancenorm._InstanceNorm) and not mod.track_running_stats
            ):
                raise ValueError(f"per-sample normalisation has no local receptive field to probe: {mod}")
            if isinstance(mod, nn.modules.batchnorm._NormBase):
                if mod.running_mean is None:
                    raise ValueError(f"normalisation without running statistics: {mod}")
                mod.running_mean.zero_()
                mod.running_var.fill_(1.0)
                mod.eps = 0.0
                if mod.affine:
                    mod.weight.fill_(1.0)
                    mod.bias.fill_(0.0)
            elif isinstance(mod, (nn.modules.conv._ConvNd, nn.Linear)):
                mod.weight.fill_(1.0 / mod.weight[0].numel())  # conv: in/groups * kernel area; linear: in
                if mod.bias is not None:
                    mod.bias.zero_()
    return m


def _first_in_channels(model: nn.Module) -> int:
    for mod in model.modules():
        if isinstance(mod, nn.modules.conv._ConvNd):
            return mod.in_channels
    return 3


def _resolve(position: tuple[int, int] | None, h: int, w: int) -> tuple[int, int]:
    r, c = (h // 2, w // 2) if position is None else position
    if not (0 <= r < h and 0 <= c < w):
        raise ValueError(f"position {(r, c)} outside the {h}x{w} output")
    return r, c


def _probe(
    model: nn.Module,
    input_hw: tuple[int, int],
    target: Target,
    positions: Callable[[int, int], list[tuple[int, int]]],
    call: int | None,
    in_channels: int | None,
) -> tuple[list[Window], tuple[int, int], list[tuple[int, int]]]:
    """Windows of the given output positions; also the output's (H, W) and the resolved positions."""
    m = prepare_probe_model(model)
    c_in = in_channels if in_channels is not None else _first_in_channels(model)
    x = torch.ones(1, c_in, *input_hw, dtype=torch.float64, requires_grad=True)
    # The selections are summed at capture time: a later in-place op (``out += identity``, an in-place ReLU)
    # would otherwise re-root the captured tensor's history past the target.
    captured: list[tuple[list[torch.Tensor], tuple[int, int], list[tuple[int, int]]]] = []

    def select(out: object) -> None:
        if not isinstance(out, torch.Tensor) or out.dim() != 4:
            raise ValueError(f"target output must be one N,C,H,W tensor, got {type(out).__name__}")
        h, w = out.shape[-2:]
        where = positions(h, w)
        captured.append(([out[:, :, r, c].sum() for r, c in where], (h, w), where))

    with torch.enable_grad():
        if callable(target):
            select(target(m, x))
        else:
            modules = dict(m.named_modules())
            if target not in modules:
                raise ValueError(f"no module named {target!r}")
            handle = modules[target].register_forward_hook(lambda _mod, _args, out: select(out))
            try:
                m(x)
            finally:
                handle.remove()
    if not captured:
        raise ValueError(f"module {target!r} did not run")
    if call is None:
        if len(captured) > 1:
            raise ValueError(f"module {target!r} ran {len(captured)} times; pass call= to pick one")
        call = 0
    sums, hw, where = captured[call]
    windows = []
    for i, s in enumerate(sums):
        (g,) = torch.autograd.grad(s, x, retain_graph=i + 1 < len(sums))
        support = g.abs().sum(dim=(0, 1)) != 0
        idx = support.nonzero()
        if idx.numel() == 0:
            raise ValueError(f"output position {where[i]} of {target!r} does not depend on the input")
        rows, cols = idx[:, 0], idx[:, 1]
        windows.append(((int(rows.min()), int(rows.max())), (int(cols.min()), int(cols.max()))))
    return windows, hw, where


def rf_window(
    model: nn.Module,
    input_hw: tuple[int, int],
    target: Target,
    position: tuple[int, int] | None = None,
    *,
    call: int | None = None,
    in_channels: int | None = None,
) -> Window:
    """Receptive field of one output position, measured: ``((row_first, row_last), (col_first, col_last))``,
    inclusive and clipped to the ``input_hw`` image.

    ``target`` is a module name (its forward output is captured with a hook) or a callable
    ``(prepared_model, x) -> tensor`` for a functional result (it gets the prepared copy and the input of
    ones, so it can run part of the model by hand).  ``position`` is the (row, col) in the target's output,
    by default its centre ``(H // 2, W // 2)``.  A module that runs more than once per forward (torchvision's
    shared ``relu``) needs ``call=`` (0-based) to say which run.  ``in_channels`` defaults to the first
    conv's.  The model itself is not modified, and its hooks do not fire.
    """
    windows, _, _ = _probe(model, input_hw, target, lambda h, w: [_resolve(position, h, w)], call, in_channels)
    return windows[0]


def rf_size_stride(
    model: nn.Module,
    input_hw: tuple[int, int],
    target: Target,
    position: tuple[int, int] | None = None,
    *,
    call: int | None = None,
    in_channels: int | None = None,
) -> tuple[tuple[int, int], tuple[int, int]]:
    """``((size_h, size_w), (stride_h, stride_w))`` measured at ``position`` (default the centre) and its
    diagonal neighbour one row and one column further (or back, at the last row/column): the size is the
    window's extent, the stride how far it moves.  Raises ValueError if either window touches the image
    border, since it may then be clipped: pass a larger ``input_hw``."""

    def two(h: int, w: int) -> list[tuple[int, int]]:
        r, c = _resolve(position, h, w)
        if h < 2 or w < 2:
            raise ValueError(f"need an output of at least 2x2 to measure a stride, got {h}x{w}")
        return [(r, c), (r + 1 if r + 1 < h else r - 1, c + 1 if c + 1 < w else c - 1)]

    (a, b), _, (pa, pb) = _probe(model, input_hw, target, two, call, in_channels)
    ih, iw = input_hw
    for (r0, r1), (c0, c1) in (a, b):
        if r0 == 0 or c0 == 0 or r1 == ih - 1 or c1 == iw - 1:
            raise ValueError(f"receptive field reaches the {ih}x{iw} image border; use a larger input")
    size = (a[0][1] - a[0][0] + 1, a[1][1] - a[1][0] + 1)
    stride = ((b[0][0] - a[0][0]) // (pb[0] - pa[0]), (b[1][0] - a[1][0]) // (pb[1] - pa[1]))
    return size, stride
