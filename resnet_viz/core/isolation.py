"""Run a pass on the user's model and leave it exactly as it was: their hooks silent, its mode restored.

Forward and backward hooks (the model's own and the process-wide ones) are set aside for the duration of the pass,
the model is put in eval mode, and everything is put back in `finally`, also when the pass fails or is interrupted.
Weights, buffers, devices and requires_grad are never written (an eval-mode pass does not update running stats).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from torch import nn
from torch.nn.modules import module as torch_module

MODULE_HOOKS = ("_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks",
                "_forward_pre_hooks_with_kwargs", "_backward_hooks", "_backward_pre_hooks")
GLOBAL_HOOKS = ("_global_forward_hooks", "_global_forward_hooks_with_kwargs", "_global_forward_hooks_always_called",
                "_global_forward_pre_hooks", "_global_backward_hooks", "_global_backward_pre_hooks")


def _hook_dicts(model: nn.Module) -> list[dict[Any, Any]]:
    found = [getattr(m, name) for m in model.modules() for name in MODULE_HOOKS if isinstance(getattr(m, name, None),
                                                                                            dict)]
    found += [getattr(torch_module, name) for name in GLOBAL_HOOKS if isinstance(getattr(torch_module, name, None),
                                                                                  dict)]
    return found


@contextmanager
def isolated(model: nn.Module) -> Iterator[None]:
    """Within the block: no user hook fires and the model is in eval mode; afterwards all is as before."""
    modes = [(m, m.training) for m in model.modules()]
    saved = [(d, dict(d)) for d in _hook_dicts(model)]
    try:
        for d, _ in saved:
            d.clear()
        model.eval()
        yield
    finally:
        for d, contents in saved:
            d.clear()
            d.update(contents)
        for m, training in modes:
            m.training = training
