"""The vocabulary every view and renderer shares: how an op, a kind of shortcut or a count is said, in one place.

The paper's Figure 3 wording for ops ('3×3 conv, 128, /2'); grouped convs say their groups wherever a kernel is
written ('3×3, 128, g=32'); one set of names per shortcut kind; plurals that agree with their numbers.
"""

from __future__ import annotations

from .. import fmt
from ..schema import BlockKind, Op, OpKind, ShortcutKind


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 block', '3 blocks', '1 class score', '2 biases' (many defaults to one + 's')."""
    return f"{fmt.thousands(n)} {one if n == 1 else (many or one + 's')}"


def listing(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}" if items else ""


def verb(n: int, one: str, many: str) -> str:
    """The verb form agreeing with a count: verb(1, 'keeps', 'keep')."""
    return one if n == 1 else many


SHORTCUT_NAME = {  # a table cell or a block header: 'projection shortcut'
    ShortcutKind.IDENTITY: "identity",
    ShortcutKind.PROJECTION: "projection",
    ShortcutKind.POOLED: "pooled projection",
    ShortcutKind.ZEROPAD: "zero-pad (option A)",
    ShortcutKind.OTHER: "other",
}
SHORTCUT_LEGEND = {  # under a drawing: what the line style means
    ShortcutKind.IDENTITY: "identity shortcut (adds the input unchanged)",
    ShortcutKind.PROJECTION: "projection shortcut (a 1×1 conv matches the shape)",
    ShortcutKind.POOLED: "pooled projection (average pool, then a 1×1 conv)",
    ShortcutKind.ZEROPAD: "zero-pad shortcut (option A: pads the new channels with zeros)",
    ShortcutKind.OTHER: "shortcut with other ops",
}
BLOCK_NAME = {BlockKind.BASIC: "basic", BlockKind.BOTTLENECK: "bottleneck", BlockKind.CUSTOM: "residual"}


def shortcut_name(kind: ShortcutKind) -> str:
    return SHORTCUT_NAME[kind]


def block_name(kind: BlockKind, preact: bool = False) -> str:
    """'bottleneck', 'pre-activation basic', 'residual'."""
    return ("pre-activation " if preact else "") + BLOCK_NAME[kind]


def stride_of(op: Op) -> int:
    return max(op.stride) if op.stride else 1


def kernel(op: Op) -> str:
    """'3×3, 128' the way the paper writes a conv (kernel, out channels), with groups and dilation when used."""
    text = f"{fmt.pair(op.kernel_size)}, {fmt.integer(op.output.channels)}"
    if op.groups and op.groups > 1:
        text += f", g={op.groups}"
    if op.dilation and op.dilation != (1, 1):
        text += f", dilation {fmt.scalar_pair(op.dilation)}"
    return text


def with_stride(op: Op) -> str:
    """'a 3×3 conv with stride 2' (a strided op named in a sentence)."""
    what = {OpKind.CONV: "conv", OpKind.MAXPOOL: "max pool", OpKind.AVGPOOL: "average pool"}.get(op.kind, op_phrase(op))
    return f"a {fmt.pair(op.kernel_size)} {what} with stride {fmt.scalar_pair(op.stride)}" if op.kernel_size else \
        f"{what} with stride {fmt.scalar_pair(op.stride)}"


def op_phrase(op: Op) -> str:
    """The paper's Figure 3 wording: '3×3 conv, 128, /2', '3×3 max pool, /2', 'fc 1000'."""
    down = f", /{fmt.scalar_pair(op.stride)}" if stride_of(op) > 1 else ""
    if op.kind is OpKind.CONV:
        return f"{fmt.pair(op.kernel_size)} conv, {kernel(op).split(', ', 1)[1]}{down}"
    if op.kind is OpKind.MAXPOOL:
        return f"{fmt.pair(op.kernel_size)} max pool{down}" if op.kernel_size else f"max pool{down}"
    if op.kind is OpKind.AVGPOOL:
        if not op.output.is_map or op.output.spatial == (1, 1):
            return "global avg pool"
        return f"{fmt.pair(op.kernel_size)} avg pool{down}" if op.kernel_size else f"avg pool{down}"
    if op.kind is OpKind.LINEAR:
        return f"fc {fmt.integer(op.output.dims[-1])}"
    if op.kind is OpKind.ZEROPAD:
        return f"zero-pad{down}"
    if op.kind is OpKind.SLICE and down:
        return f"subsample{down}"
    if op.kind is OpKind.MUL:
        return "× gate"
    return {
        OpKind.BATCHNORM: "BN", OpKind.RELU: "ReLU", OpKind.ADD: "add", OpKind.FLATTEN: "flatten",
        OpKind.NORM: op.type_name or "norm", OpKind.ACTIVATION: op.type_name or "activation",
    }.get(op.kind, op.type_name or op.kind.value)


def op_lines(op: Op) -> tuple[str, ...]:
    """What an arrow between two volumes says: the op, then its stride and padding spelt out."""
    if op.kind is OpKind.CONV:
        first = f"{fmt.pair(op.kernel_size)} conv, {kernel(op).split(', ', 1)[1]}"
    elif op.kind is OpKind.MAXPOOL and op.kernel_size:
        first = f"{fmt.pair(op.kernel_size)} max pool"
    elif op.kind is OpKind.AVGPOOL and op.kernel_size and op.output.is_map and op.output.spatial != (1, 1):
        first = f"{fmt.pair(op.kernel_size)} avg pool"
    elif op.kind is OpKind.ZEROPAD:
        c_in, c_out = op.input.channels, op.output.channels
        return (f"subsample, stride {fmt.scalar_pair(op.stride)}" if stride_of(op) > 1 else "every pixel kept",
                f"pad channels {fmt.integer(c_in)} → {fmt.integer(c_out)}")
    else:
        return (op_phrase(op),)
    second = []
    if op.stride is not None:
        second.append(f"stride {fmt.scalar_pair(op.stride)}")
    if op.padding is not None:
        second.append(f"padding {fmt.scalar_pair(op.padding)}")
    return (first, ", ".join(second)) if second else (first,)


def subsample_every(stride: int) -> str:
    """How a strided subsampling keeps pixels: 'every second row and column'."""
    return {1: "every row and column", 2: "every second row and column"}.get(
        stride, f"every {fmt.ordinal(stride)} row and column")
