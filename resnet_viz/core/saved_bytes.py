"""Count, per op, the bytes autograd saves for backward during a recorded pass, without keeping them."""

from __future__ import annotations

import weakref

import torch
from torch import nn

from .recorder import Recorder


class SavedBytesHooks:
    """saved_tensors_hooks that count, per op, the bytes autograd keeps for backward, without keeping them.

    A storage counts once (a ReLU's output saved again as the next conv's input is one tensor); weights and buffers
    are not activations and do not count. The hooks return a token instead of the tensor, so nothing is retained.
    """

    def __init__(self, rec: Recorder, model: nn.Module) -> None:
        self.rec = rec
        self.skip = {t.untyped_storage()._cdata for t in [*model.parameters(), *model.buffers()]}
        self.seen: dict[int, weakref.ref] = {}

    def pack(self, t: torch.Tensor) -> None:
        storage = t.untyped_storage()
        key = storage._cdata
        if key in self.skip or self.rec.saving is None:
            return None
        known = self.seen.get(key)
        if known is None or known() is None:
            self.seen[key] = weakref.ref(t)
            self.rec.saving += storage.nbytes()
        return None

    @staticmethod
    def unpack(_: object) -> torch.Tensor:
        raise RuntimeError("resnet-viz measured what autograd saves; this graph is not for backward")
