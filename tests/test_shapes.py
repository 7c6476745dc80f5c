"""The documented output-size formula agrees with what torch computes (on the meta device: no memory)."""

import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from resnet_viz.shapes import conv_output_size, is_floor_rounded, output_size_formula, pool_output_size


@settings(max_examples=150, deadline=None)
@given(
    size=st.integers(1, 400), kernel=st.integers(1, 9), stride=st.integers(1, 4), padding=st.integers(0, 4),
    dilation=st.integers(1, 3),
)
def test_conv_formula_matches_torch(size, kernel, stride, padding, dilation):
    assume(size + 2 * padding >= dilation * (kernel - 1) + 1)
    conv = torch.nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation, device="meta")
    out = conv(torch.empty(1, 1, size, size + 1, device="meta"))
    assert out.shape[2] == conv_output_size(size, kernel, stride, padding, dilation)
    assert out.shape[3] == conv_output_size(size + 1, kernel, stride, padding, dilation)


@settings(max_examples=150, deadline=None)
@given(
    size=st.integers(1, 300), kernel=st.integers(1, 7), stride=st.integers(1, 4), ceil_mode=st.booleans(),
    data=st.data(),
)
def test_pool_formula_matches_torch(size, kernel, stride, ceil_mode, data):
    padding = data.draw(st.integers(0, kernel // 2))
    assume(size + 2 * padding >= kernel)
    pool = torch.nn.MaxPool2d(kernel, stride=stride, padding=padding, ceil_mode=ceil_mode)
    out = pool(torch.empty(1, 1, size, size, device="meta"))
    assert out.shape[2] == pool_output_size(size, kernel, stride, padding, ceil_mode=ceil_mode)


def test_paper_stem_sizes():
    assert conv_output_size(224, 7, 2, 3) == 112
    assert pool_output_size(112, 3, 2, 1) == 56
    assert [conv_output_size(s, 3, 2, 1) for s in (56, 28, 14)] == [28, 14, 7]


def test_formula_text_shows_floor_only_when_it_rounds():
    assert output_size_formula(197, 7, 2, 3) == "(197 + 2·3 − 1·(7−1) − 1) / 2 + 1 = 99"
    assert output_size_formula(224, 7, 2, 3) == "⌊(224 + 2·3 − 1·(7−1) − 1) / 2⌋ + 1 = 112"
    # ceil_mode pools round up, and say when the last window would start in the padding
    assert output_size_formula(7, 2, 2, 0, 1, True) == "⌈(7 + 2·0 − 1·(2−1) − 1) / 2⌉ + 1 = 4"
    assert output_size_formula(5, 2, 2, 1, 1, True).endswith("− 1 (the last window would start in the padding) = 3")
    assert is_floor_rounded(224, 7, 2, 3) and not is_floor_rounded(197, 7, 2, 3)
