"""The meta-device stand-ins give exactly torch's shapes, and keep sympy/torch._dynamo out of a trace."""

import subprocess
import sys

import pytest
import torch

from resnet_viz.core.model import build_model
from resnet_viz.core.record import record
from resnet_viz.core.tracing import AUTO_CPU_MAX_MACS, choose
from resnet_viz.options import Device
from resnet_viz.spec import resnet_spec


def _ops(rec):
    return [(o.id, o.kind, o.inputs, o.outputs, o.geometry) for o in rec.ops]


@pytest.mark.parametrize(
    ("depth", "kw", "size", "batch"),
    [(18, {}, (224, 224), 1), (50, {"variant": "v1"}, (197, 311), 2), (34, {"shortcut": "A"}, (33, 47), 1),
     (50, {"shortcut": "C"}, (64, 64), 3), (56, {}, (31, 32), 1), (18, {"stem": "cifar"}, (1, 1), 1),
     (50, {"preact": True}, (64, 64), 1), (None, {"arch": "resnext50_32x4d"}, (64, 64), 1)],
)
def test_stand_ins_equal_torchs_meta_kernels(depth, kw, size, batch):
    model = build_model(resnet_spec(depth, **kw), device="meta")
    x = torch.zeros((batch, 3, *size), device="meta")
    assert _ops(record(model, x)) == _ops(record(model, x, shape_only_meta=False))


def test_ceil_mode_and_odd_pools_match_torch():
    for kwargs in (dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), dict(kernel_size=2),
                   dict(kernel_size=(3, 2), stride=(2, 1))):
        model = torch.nn.Sequential(torch.nn.MaxPool2d(**kwargs), torch.nn.AdaptiveAvgPool2d((2, None)))
        x = torch.zeros((1, 2, 13, 9), device="meta")
        assert _ops(record(model, x)) == _ops(record(model, x, shape_only_meta=False))
        assert record(model, x).ops[-1].outputs[0].dims == tuple(model(torch.zeros(1, 2, 13, 9)).shape[1:])


def test_relu_in_every_spelling_matches_torch():
    class Spellings(torch.nn.Module):
        def forward(self, x):
            x = torch.nn.functional.relu(x)
            x = torch.relu(x).relu()
            x = torch.relu_(x)
            return x.relu_() + torch.nn.functional.relu(x, inplace=True)

    model = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.ReLU(), Spellings()).to("meta")
    x = torch.zeros((1, 2, 9, 9), device="meta")
    assert _ops(record(model, x)) == _ops(record(model, x, shape_only_meta=False))


def test_empty_on_keeps_tied_weights_tied_and_makes_no_values():
    from resnet_viz.core.model import empty_on

    shared = torch.nn.Linear(4, 4)
    with torch.device("meta"):
        model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.BatchNorm1d(4))
    model.append(shared).append(shared)
    model[2].weight = model[0].weight  # a tie across modules
    moved = empty_on(model.to("meta"), "cpu")
    assert moved[0].weight is moved[2].weight and moved[2] is moved[3]
    assert all(t.device.type == "cpu" for t in [*moved.parameters(), *moved.buffers()])
    assert moved[1].running_mean.shape == (4,) and moved[0].weight.requires_grad


def test_a_trace_imports_neither_sympy_nor_dynamo():
    code = (
        "import sys\nfrom resnet_viz.api import trace_network\n"
        "trace_network(152, input=224, device='meta'); trace_network(56, device='meta')\n"
        "trace_network(34, shortcut='C', variant='v1', input='197x311', device='meta')\n"
        "trace_network(arch='resnext101_32x8d', device='meta'); trace_network(164, preact=True, device='meta')\n"
        "trace_network(18, input=64, device='cpu')  # the real pass too: its weights are made without empty_like\n"
        "bad = [m for m in ('sympy', 'torch._dynamo') if m in sys.modules]\nassert not bad, bad\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_auto_runs_the_real_pass_for_every_paper_net_at_224(make_trace):
    """A real pass by default: every paper network at 224 runs on the CPU (or CUDA); a huge input keeps meta."""
    gpu = torch.cuda.is_available()
    for depth in (18, 152):
        target, note = choose(Device.AUTO, make_trace(depth, 224))
        assert target.type == ("cuda" if gpu else "cpu") and note == ""
    big = make_trace(152, 1024)
    assert big.totals.macs > AUTO_CPU_MAX_MACS
    target, note = choose(Device.AUTO, big)
    if not gpu:
        assert target.type == "meta" and "--device cpu forces a real pass" in note
