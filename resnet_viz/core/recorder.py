"""The recorder's state during one pass: how a module hook or a function call inside a container becomes a RawOp.

Edges come from the SOURCE attribute each traced tensor carries (set here on every op's outputs); parameters are
counted on the first op that uses them; an op's saved bytes and time are those seen between its begin and its end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..errors import ModelError
from ..schema import OpKind, Volume
from .kinds import PASS_THROUGH, function_kind, module_geometry, module_kind
from .raw_ops import INPUT, SOURCE, RawOp


def tensors(value: Any) -> Iterator[torch.Tensor]:
    """The tensors in a value, in order: a tensor, or nested tuples, lists and dicts of them."""
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from tensors(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from tensors(v)


@dataclass
class Recorder:
    """One pass's ops as they are recorded; `pre`/`post` are its module hooks, `call` the mode's callback."""

    batch: int
    names: dict[int, str]
    leaves: set[int]
    measuring: bool = False  # count the bytes autograd saves (a pass with gradients)
    timed: bool = False  # time each op (synchronising CUDA around it)
    device: torch.device = torch.device("cpu")
    started: float = 0.0
    stack: list[nn.Module] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    counted: set[int] = field(default_factory=set)  # parameters already attributed to an op
    ops: list[RawOp] = field(default_factory=list)
    opaque: set[int] = field(default_factory=set)  # leaf modules of unknown kind: their insides are recorded
    pending: list[list[tuple[int, int, Volume]]] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    saving: int | None = None  # bytes saved for backward by the op now running (None: no op, or not measuring)
    own: bool = False  # while our hooks read tensors: those reads are not the model's ops

    def volume(self, t: torch.Tensor) -> Volume:
        shape = tuple(int(s) for s in t.shape)
        if 0 in shape:
            raise ModelError(f"an op produced an empty tensor of shape {list(shape)}; resnet-viz draws non-empty "
                             "volumes only")
        if len(shape) >= 1 and shape[0] == self.batch:
            return Volume(shape[1:])
        return Volume(shape, batched=False)

    def refs(self, value: Any) -> list[tuple[int, int, Volume]]:
        """(producer, output index, volume) of every traced tensor in `value`."""
        out = []
        for t in tensors(value):
            src = getattr(t, SOURCE, None)
            if src is not None:
                out.append((src[0], src[1], self.volume(t)))
        return out

    def in_leaf(self) -> bool:
        return bool(self.stack) and id(self.stack[-1]) in self.leaves

    def new_id(self, base: str) -> str:
        k = self.calls.get(base, 0) + 1
        self.calls[base] = k
        return base if k == 1 else f"{base}#{k}"

    def claim(self, params: Any) -> tuple[int, int]:
        """(params, trainable) of parameters not yet attributed to an earlier op."""
        total = trainable = 0
        for p in params:
            if isinstance(p, nn.Parameter) and id(p) not in self.counted:
                self.counted.add(id(p))
                total += p.numel()
                trainable += p.numel() if p.requires_grad else 0
        return total, trainable

    def begin(self) -> None:
        self.saving = 0 if self.measuring else None
        if self.timed:
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
            self.started = time.perf_counter()

    def elapsed(self) -> float:
        if not self.timed:
            return 0.0
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return time.perf_counter() - self.started

    def add(self, op: RawOp, results: list[torch.Tensor], inputs: list[torch.Tensor]) -> None:
        index = len(self.ops)
        op.inplace = any(r is t for r in results for t in inputs)
        op.saved_bytes, self.saving = self.saving or 0, None
        self.ops.append(op)
        for k, t in enumerate(results):
            setattr(t, SOURCE, (index, k))

    # --- module hooks ---
    def pre(self, module: nn.Module, args: tuple) -> None:
        self.stack.append(module)
        if id(module) in self.leaves or id(module) in self.opaque:
            self.own = True  # our own tensor reads (t.shape) pass through the mode untouched
            self.pending.append(self.refs(args))
            self.starts.append(len(self.ops))
            self.own = False
            self.begin()

    def post(self, module: nn.Module, args: tuple, result: Any) -> None:
        seconds = self.elapsed() if id(module) in self.leaves else 0.0
        self.stack.pop()
        self.own = True
        try:
            self._post(module, args, result, seconds)
        finally:
            self.own = False

    def _post(self, module: nn.Module, args: tuple, result: Any, seconds: float) -> None:
        if id(module) in self.opaque:
            self._opaque(module, args, result)
            return
        if id(module) not in self.leaves:
            return
        refs = self.pending.pop()
        self.starts.pop()
        outs = list(tensors(result))
        if not refs or not outs:
            self.saving = None
            return
        path = self.names[id(module)]
        kind = module_kind(module)
        volumes = [self.volume(t) for t in outs]
        params, trainable = self.claim(module.parameters(recurse=False))
        op = RawOp(self.new_id(path), path, kind, type(module).__name__, refs, volumes,
                   module_geometry(module, kind, refs[0][2], volumes[0]), params, trainable, seconds=seconds)
        self.add(op, outs, list(tensors(args)))

    def _opaque(self, module: nn.Module, args: tuple, result: Any) -> None:
        """A leaf module of unknown kind is looked into: its functional ops were recorded one by one. Only when
        its result did not come from a recorded op (a call the mode cannot see) does it become one op itself."""
        refs, start = self.pending.pop(), self.starts.pop()
        inputs = list(tensors(args))
        outs = [t for t in tensors(result) if not any(t is i for i in inputs)]
        unseen = [t for t in outs if getattr(t, SOURCE, (INPUT, 0))[0] < start]
        if not refs or not unseen:
            self.saving = None
            return
        path = self.names[id(module)]
        volumes = [self.volume(t) for t in outs]
        params, trainable = self.claim(module.parameters(recurse=False))
        self.add(RawOp(self.new_id(path), path, OpKind.OTHER, type(module).__name__, refs, volumes, {}, params,
                       trainable), outs, inputs)

    # --- functional ops inside containers ---
    def call(self, func: Any, args: tuple, kwargs: dict, run: Any) -> Any:
        if self.own or self.in_leaf():
            return run()
        self.own = True
        refs = self.refs((args, kwargs))
        self.own = False
        self.begin()
        result = run()
        seconds = self.elapsed()
        self.own = True
        try:
            return self._functional(func, args, kwargs, refs, result, seconds)
        finally:
            self.own = False

    def _functional(self, func: Any, args: tuple, kwargs: dict, refs: list, result: Any, seconds: float) -> Any:
        outs = list(tensors(result))
        first = next(tensors(args), None)
        if not refs or not outs or func in PASS_THROUGH or (
                len(outs) == 1 and outs[0] is first and not _writes_in_place(func)):
            if refs and outs and first is not None and outs[0] is not first:
                setattr(outs[0], SOURCE, getattr(first, SOURCE, None))
            self.saving = None
            return result
        volumes = [self.volume(t) for t in outs]
        name, kind, geometry = function_kind(func, args, kwargs, refs[0][2], volumes[0])
        where = self.names[id(self.stack[-1])] if self.stack else ""
        params, trainable = self.claim(t for t in tensors((args, kwargs)) if getattr(t, SOURCE, None) is None)
        base = f"{where}.{name}" if where else name
        self.add(RawOp(self.new_id(base), where, kind, name, refs, volumes, geometry, params, trainable,
                       seconds=seconds), outs, list(tensors(args)))
        return result


def _writes_in_place(func: Any) -> bool:
    name = getattr(func, "__name__", "")
    return name.endswith("_") and not name.startswith("__") or name.startswith("__i")
