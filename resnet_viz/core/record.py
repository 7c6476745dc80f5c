"""Record one forward pass as a data-flow graph: every op, the tensors it read (edges) and the volumes it made.

Leaf modules are ops, seen through forward hooks. Everything a container's forward does with a traced tensor (the
residual `out += identity`, `torch.flatten`, an SE gate's `x * gate`, slicing, concatenation) is seen through a
TorchFunctionMode that is active for this pass only. Each tensor carries the op that made it in an attribute, so
an edge is known exactly, never guessed from execution order. Hooks and the mode are removed in `finally`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ..schema import OpKind
from .isolation import isolated
from .kinds import is_transparent, module_kind
from .meta_kernels import shape_only
from .raw_ops import INPUT, SOURCE, Recording
from .recorder import Recorder
from .saved_bytes import SavedBytesHooks


class _Mode(TorchFunctionMode):
    def __init__(self, rec: Recorder, shape_only_meta: bool) -> None:
        super().__init__()
        self.rec, self.shape_only_meta = rec, shape_only_meta

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}

        def run() -> Any:
            out = shape_only(func, args, kwargs) if self.shape_only_meta else NotImplemented
            return func(*args, **kwargs) if out is NotImplemented else out

        return self.rec.call(func, args, kwargs, run)


def record(model: nn.Module, x: torch.Tensor, *, shape_only_meta: bool = True, measure_saved: bool = False,
           timed: bool = False) -> Recording:
    """One forward pass of `model` on `x`, recorded; the model is left exactly as it was (isolation.py)."""
    names = {id(m): n for n, m in model.named_modules()}
    bare = [m for m in model.modules() if next(m.children(), None) is None and not is_transparent(m)]
    leaves = {id(m) for m in bare if module_kind(m) is not OpKind.OTHER}
    opaque = {id(m) for m in bare if module_kind(m) is OpKind.OTHER}
    rec = Recorder(batch=int(x.shape[0]), names=names, leaves=leaves, opaque=opaque, measuring=measure_saved,
                   timed=timed, device=x.device)
    setattr(x, SOURCE, (INPUT, 0))
    with isolated(model):
        handles = []
        try:
            for m in model.modules():
                handles.append(m.register_forward_pre_hook(rec.pre))
                handles.append(m.register_forward_hook(rec.post))
            if measure_saved:
                saved = SavedBytesHooks(rec, model)
                with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(saved.pack, saved.unpack), \
                        _Mode(rec, shape_only_meta):
                    result = model(x)
            else:
                with torch.no_grad(), _Mode(rec, shape_only_meta):
                    result = model(x)
        finally:
            for h in handles:
                h.remove()
    return Recording(rec.ops, rec.refs(result), measure_saved)
