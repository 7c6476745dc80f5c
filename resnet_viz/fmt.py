"""The only place numbers become text, so every view writes a volume or a count the same way."""

from __future__ import annotations

from typing import Protocol


class Volume(Protocol):
    """What fmt needs of a volume (schema.Volume has it); a protocol keeps this base module below the schema."""

    @property
    def is_map(self) -> bool: ...
    @property
    def height(self) -> int: ...
    @property
    def width(self) -> int: ...
    @property
    def channels(self) -> int: ...
    @property
    def dims(self) -> tuple[int, ...]: ...

TIMES = "×"


def volume(v: Volume) -> str:
    """(C, H, W) → '112×112×64' (H×W×C, the paper's order); a vector → '1000'."""
    if v.is_map:
        return f"{v.height}{TIMES}{v.width}{TIMES}{v.channels}"
    return TIMES.join(str(d) for d in v.dims) or "1"


def spatial(v: Volume) -> str:
    """'112×112' for a map; '1×1' for a vector (it has no extent left)."""
    return f"{v.height}{TIMES}{v.width}"


def size(v: Volume) -> str:
    """H×W for a map, the volume for anything else (a per-layer table's size column)."""
    return spatial(v) if v.is_map else volume(v)


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


def ordinal(n: int) -> str:
    """3 → '3rd', 11 → '11th'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_UNITS = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k"))


def compact(n: int | float, digits: int = 2) -> str:
    """3_663_761_408 → '3.66 G'; 9408 → '9.41 k'; 0 → '0'."""
    for scale, unit in _UNITS:
        if abs(n) >= scale:
            return f"{n / scale:.{digits}f} {unit}"
    return f"{n:.{digits}f}".rstrip("0").rstrip(".") if isinstance(n, float) else str(n)


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def paper_power(n: int | float) -> str:
    """3_663_761_408 → '3.7×10⁹', written the way the paper's FLOPs row writes it."""
    if n == 0:
        return "0"
    exp = len(str(int(abs(n)))) - 1
    exp -= exp % 3 if exp >= 3 else exp
    return f"{n / 10**exp:.1f}{TIMES}10{str(exp).translate(_SUPERSCRIPT)}"


def bytes_(n: int) -> str:
    """Binary units for memory: 50485152 → '48.1 MiB'."""
    for scale, unit in ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def percent(x: float, *, signed: bool = False) -> str:
    """0.0184 → '1.8 %' ('+1.8 %' when signed)."""
    return f"{x * 100:+.1f} %" if signed else f"{x * 100:.1f} %"


def milliseconds(ms: float) -> str:
    """12.345 → '12.3 ms'; 0.0123 → '12.3 µs'."""
    if ms < 1:
        return f"{ms * 1000:.1f} µs"
    return f"{ms:.1f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"

