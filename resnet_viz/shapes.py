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


FORMULA = "⌊(H + 2p − d(k−1) − 1) / s⌋ + 1"


def output_size_formula(size: int, kernel: int, stride: int, padding: int, dilation: int = 1,
                        ceil_mode: bool = False) -> str:
    """PyTorch's size rule with the numbers put in: '⌊(197 + 2·3 − 1·(7−1) − 1) / 2⌋ + 1 = 99'.

    ceil_mode pools round up (⌈…⌉) and drop a last window that would start in the padding; both are shown.
    """
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = pool_output_size(size, kernel, stride, padding, dilation, ceil_mode) if ceil_mode else \
        conv_output_size(size, kernel, stride, padding, dilation)
    body = f"({size} + 2·{padding} − {dilation}·({kernel}−1) − 1) / {stride}"
    rounded = body if span % stride == 0 else f"⌈{body}⌉" if ceil_mode else f"⌊{body}⌋"
    text = f"{rounded} + 1"
    if ceil_mode and out != (span + stride - 1) // stride + 1:
        text += " − 1 (the last window would start in the padding)"
    return f"{text} = {out}"


def is_floor_rounded(size: int, kernel: int, stride: int, padding: int, dilation: int = 1) -> bool:
    """True when the last rows/columns of the input are never covered by a full window (odd sizes)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) % stride != 0
