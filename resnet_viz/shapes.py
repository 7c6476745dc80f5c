"""Output-size arithmetic of conv and pool layers, written out so views can explain the rounding.

PyTorch (torch.nn.Conv2d / MaxPool2d docs):
    out = floor((in + 2·padding − dilation·(kernel − 1) − 1) / stride) + 1
with ceil instead of floor for pools built with ceil_mode=True, where a window that would start
in the right padding is dropped.
"""

from __future__ import annotations


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """One spatial side after a convolution (or a max-pool with ceil_mode=False)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if span < 0:
        raise ValueError(f"kernel {kernel} (dilation {dilation}) is larger than the padded input {size + 2 * padding}")
    return span // stride + 1


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1, ceil_mode: bool = False
) -> int:
    """One spatial side after MaxPool2d / AvgPool2d, including ceil_mode's last-window rule."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if span < 0:
        raise ValueError(f"kernel {kernel} is larger than the padded input {size + 2 * padding}")
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def output_size_formula(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> str:
    """The arithmetic as a sentence fragment, e.g. '⌊(197 + 2·3 − 7) / 2⌋ + 1 = 99'."""
    out = conv_output_size(size, kernel, stride, padding, dilation)
    k = dilation * (kernel - 1) + 1  # the effective (dilated) kernel extent
    exact = (size + 2 * padding - dilation * (kernel - 1) - 1) % stride == 0
    body = f"({size} + 2·{padding} − {k}) / {stride}"
    return f"{body} + 1 = {out}" if exact else f"⌊{body}⌋ + 1 = {out}"


def is_floor_rounded(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> bool:
    """True when the last rows/columns of the input are never covered by a full window (odd sizes)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) % stride != 0
