"""`--measure N`: time every op on the device of the pass (warm-up, N repeats, medians; CUDA synchronised).

Per-op times come from passes with the recording hooks (each op timed between its hooks); the whole-pass median
comes from passes without any hook, so the sum of per-op medians beside it shows what the hooks cost.
"""

from __future__ import annotations

import statistics
import time

import torch
from torch import nn

from ..schema import Timing
from .isolation import isolated
from .record import record

WARMUP = 2


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _whole_pass_ms(model: nn.Module, x: torch.Tensor) -> float:
    """Wall time of one hook-free, no-grad forward pass."""
    with isolated(model), torch.no_grad():
        _sync(x.device)
        start = time.perf_counter()
        model(x)
        _sync(x.device)
    return (time.perf_counter() - start) * 1000


def measure_time(model: nn.Module, x: torch.Tensor, repeats: int, warmup: int = WARMUP) -> Timing:
    """Per-op medians over `repeats` recorded passes after `warmup`, and the whole-pass median; the two kinds of
    pass alternate, so drift on a busy machine hits both alike."""
    per_op: dict[str, list[float]] = {}
    order: list[str] = []
    whole: list[float] = []
    for i in range(warmup + repeats):
        rec = record(model, x, shape_only_meta=False, timed=True)
        passed = _whole_pass_ms(model, x)
        if i < warmup:
            continue
        whole.append(passed)
        for op in rec.ops:
            if op.id not in per_op:
                order.append(op.id)
            per_op.setdefault(op.id, []).append(op.seconds * 1000)
    return Timing(device=x.device.type, threads=torch.get_num_threads(), warmup=warmup, repeats=repeats,
                  whole_pass_ms=statistics.median(whole), op_ms=tuple((k, statistics.median(per_op[k])) for k in order))
