"""Op kind → parameters and multiply-adds, in one table with the convention written down.

Convention (the paper's "FLOPs" row counts the same thing):
- one multiply-add (MAC) = one multiplication plus one accumulation;
- conv:   MACs = N · Cout · Hout · Wout · (Cin / groups) · kh · kw   (bias adds are not MACs)
- linear: MACs = N · in_features · out_features                      (bias adds are not MACs)
- batch norm, ReLU, the residual add, pools: not MACs. Their work is counted apart, as
  `elementwise_ops`: one per output element (bn, relu, add), kh·kw per output element (max-pool
  comparisons), one per input element (global average pool additions).
- an op kind not in this table is reported in Trace.uncounted, never silently counted as zero.
A FLOPs figure, where shown, is 2 × MACs.
"""

from __future__ import annotations

from math import prod

from .schema import OpKind, Shape


def macs(kind: OpKind, input_shape: Shape, output_shape: Shape, *, kernel_size=None, groups: int | None = None) -> int:
    if kind is OpKind.CONV:
        n, c_out, *spatial = output_shape
        c_in = input_shape[1]
        return n * c_out * prod(spatial) * (c_in // (groups or 1)) * prod(kernel_size)
    if kind is OpKind.LINEAR:
        return prod(output_shape[:-1]) * input_shape[-1] * output_shape[-1]
    return 0


def elementwise_ops(kind: OpKind, input_shape: Shape, output_shape: Shape, *, kernel_size=None) -> int:
    if kind in (OpKind.BATCHNORM, OpKind.RELU, OpKind.ADD):
        return prod(output_shape)
    if kind is OpKind.MAXPOOL:
        return prod(output_shape) * prod(kernel_size)
    if kind is OpKind.AVGPOOL:
        return prod(input_shape)
    return 0


def is_counted(kind: OpKind) -> bool:
    """False for kinds whose cost this table does not know."""
    return kind is not OpKind.OTHER
