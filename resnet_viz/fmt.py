"""The only place numbers become text, so every view writes a volume or a count the same way."""

from __future__ import annotations

from .schema import Shape

TIMES = "×"


def volume(shape: Shape, *, batch: bool = True) -> str:
    """(N, C, H, W) → '112×112×64' (H×W×C, the paper's order); (N, F) → '1000'."""
    dims = shape[1:] if batch else shape
    if len(dims) == 3:
        c, h, w = dims
        return f"{h}{TIMES}{w}{TIMES}{c}"
    return TIMES.join(str(d) for d in dims)


def spatial(shape: Shape, *, batch: bool = True) -> str:
    """(N, C, H, W) → '112×112'; vectors → '1×1'."""
    dims = shape[1:] if batch else shape
    if len(dims) == 3:
        return f"{dims[1]}{TIMES}{dims[2]}"
    return f"1{TIMES}1"


def channels(shape: Shape) -> int:
    return shape[1] if len(shape) >= 2 else shape[0]


def pair(v: tuple[int, int] | None) -> str:
    """(7, 7) → '7×7'; None → ''."""
    if v is None:
        return ""
    return f"{v[0]}{TIMES}{v[1]}"


def scalar_pair(v: tuple[int, int] | None) -> str:
    """(2, 2) → '2'; (2, 1) → '2×1'; None → '' (strides and paddings)."""
    if v is None:
        return ""
    return str(v[0]) if v[0] == v[1] else f"{v[0]}{TIMES}{v[1]}"


def integer(n: int) -> str:
    """A count written plainly, as the paper writes channels and classes: 2048, 1000."""
    return str(int(n))


def thousands(n: int) -> str:
    return f"{n:,}"


_UNITS = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k"))


def compact(n: int, digits: int = 2) -> str:
    """3_663_761_408 → '3.66 G'; 9408 → '9.41 k'; 0 → '0'."""
    for scale, unit in _UNITS:
        if abs(n) >= scale:
            return f"{n / scale:.{digits}f} {unit}"
    return str(n)


def paper_power(n: int) -> str:
    """3_663_761_408 → '3.7×10⁹', written the way the paper's FLOPs row writes it."""
    if n == 0:
        return "0"
    exp = len(str(abs(n))) - 1
    exp -= exp % 3 if exp >= 3 else exp
    sup = str(exp).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
    return f"{n / 10**exp:.1f}{TIMES}10{sup}"


def bytes_(n: int) -> str:
    """Binary units for memory: 50485152 → '48.1 MiB'."""
    for scale, unit in ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def input_size(shape: Shape) -> str:
    """(1, 3, 224, 224) → '224×224×3'."""
    return volume(shape)
