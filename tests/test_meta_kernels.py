"""The meta-device stand-ins give exactly torch's shapes, and keep sympy/torch._dynamo out of a trace."""

import subprocess
import sys

import pytest
import torch

from resnet_viz.model import build_model
from resnet_viz.spec import resnet_spec
from resnet_viz.trace import AUTO_CPU_MAX_MACS, _collect, auto_device


@pytest.mark.parametrize(
    ("depth", "kw", "size", "batch"),
    [(18, {}, (224, 224), 1), (50, {"variant": "v1"}, (197, 311), 2), (34, {"shortcut": "A"}, (33, 47), 1),
     (50, {"shortcut": "C"}, (64, 64), 3), (56, {}, (31, 32), 1), (18, {"stem": "cifar"}, (1, 1), 1)],
)
def test_stand_ins_equal_torchs_meta_kernels(depth, kw, size, batch):
    model = build_model(resnet_spec(depth, **kw), device="meta")
    x = torch.zeros((batch, 3, *size), device="meta")
    assert _collect(model, x) == _collect(model, x, shape_only_meta=False)


def test_ceil_mode_and_odd_pools_match_torch():
    for kwargs in (dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), dict(kernel_size=2), dict(kernel_size=(3, 2),
                   stride=(2, 1))):
        model = torch.nn.Sequential(torch.nn.MaxPool2d(**kwargs), torch.nn.AdaptiveAvgPool2d((2, None)))
        x = torch.zeros((1, 2, 13, 9), device="meta")
        assert _collect(model, x) == _collect(model, x, shape_only_meta=False)
        assert _collect(model, x)[-1]["output_shape"] == tuple(model(torch.zeros(1, 2, 13, 9)).shape)


def test_a_meta_trace_imports_neither_sympy_nor_dynamo():
    code = (
        "import sys\nfrom resnet_viz.api import trace_network\n"
        "trace_network(152, input_size=224, device='meta'); trace_network(56, device='meta')\n"
        "trace_network(34, shortcut='C', variant='v1', input_size='197x311', device='meta')\n"
        "bad = [m for m in ('sympy', 'torch._dynamo') if m in sys.modules]\nassert not bad, bad\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_auto_runs_the_real_pass_only_when_it_is_cheap(make_trace):
    small, big = make_trace(18, 224), make_trace(152, 224)
    assert small.totals.macs <= AUTO_CPU_MAX_MACS < big.totals.macs
    assert auto_device(big) == ("cuda" if torch.cuda.is_available() else "meta")
    assert auto_device(small) == ("cuda" if torch.cuda.is_available() else "cpu")
    assert auto_device(make_trace(50, 4096)) in ("meta", "cuda")
