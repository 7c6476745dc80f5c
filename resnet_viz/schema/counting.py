"""Op kind → multiply-adds and elementwise work: the counting convention the trace's numbers follow, in one table.

- one multiply-add (MAC) = one multiplication plus one accumulation;
- conv:   MACs = N · Cout · Hout · Wout · (Cin / groups) · kh · kw   (bias adds are not MACs)
- linear: MACs = N · (positions) · in_features · out_features          (bias adds are not MACs)
- batch and other norms, activations, the residual add, gates: not MACs; counted apart as `elementwise_ops`, one per
  output element; pools: kh·kw per output element (a max-pool's comparisons, an average pool's additions);
- moving data (flatten, reshape, slicing, padding, concatenation, dropout at inference) costs nothing;
- an op kind not in this table (OTHER) is listed in Trace.uncounted, never silently counted as zero.
A FLOPs figure, where shown, is 2 × MACs. Torch-free: a loaded trace is checked against this same table.
"""

from __future__ import annotations

from .enums import OpKind
from .ops import Pair, Volume

ELEMENT_SIZES = {"float32": 4, "float64": 8, "float16": 2, "bfloat16": 2}

_PER_OUTPUT = frozenset({OpKind.BATCHNORM, OpKind.NORM, OpKind.RELU, OpKind.ACTIVATION, OpKind.ADD, OpKind.MUL})
FREE = frozenset({OpKind.FLATTEN, OpKind.RESHAPE, OpKind.SLICE, OpKind.PAD, OpKind.ZEROPAD, OpKind.CAT,
                  OpKind.DROPOUT})


def macs(kind: OpKind, batch: int, source: Volume, output: Volume, *, kernel_size: Pair | None = None,
         groups: int | None = None) -> int:
    """Multiply-adds of one op for the whole batch (conv and linear only)."""
    if kind is OpKind.CONV and kernel_size is not None and output.is_map:
        c_in = source.channels // (groups or 1)
        return batch * output.numel * c_in * kernel_size[0] * kernel_size[1]
    if kind is OpKind.LINEAR and source.dims and output.dims:
        positions = output.numel // output.dims[-1]
        return batch * positions * source.dims[-1] * output.dims[-1]
    return 0


def elementwise_ops(kind: OpKind, batch: int, source: Volume, output: Volume, *,
                    kernel_size: Pair | None = None) -> int:
    """Work that is not a multiply-add, for the whole batch."""
    if kind in _PER_OUTPUT:
        return batch * output.numel
    if kind in (OpKind.MAXPOOL, OpKind.AVGPOOL):
        if kernel_size is not None:
            return batch * output.numel * kernel_size[0] * kernel_size[1]
        return batch * source.numel
    return 0


def is_counted(kind: OpKind) -> bool:
    """False for kinds whose cost this table does not know."""
    return kind is not OpKind.OTHER
