"""FLOPs conventions: our MACs against the paper and torchvision's docs, and each tool's formula against the tool."""

from __future__ import annotations

import functools
import warnings

import pytest

from resnet_viz.views import conventions as cv


@functools.cache
def _trace(depth=None, variant=None, shortcut=None, batch=1, size=224, **kw):
    from resnet_viz.core.tracing import trace_options
    from resnet_viz.options import ModelOptions

    return trace_options(ModelOptions.parse(depth=depth, variant=variant, shortcut=shortcut, batch=batch,
                                            input=size, device="meta", **kw))


def _model(depth, variant=None, shortcut=None):
    from resnet_viz.core.model import build_model
    from resnet_viz.spec import resnet_spec

    return build_model(resnet_spec(depth, variant=variant, shortcut=shortcut)).eval()


def _row(trace, source):
    return next(c for c in cv.tool_counts(trace) if c.source == source)


NETS = [(18, None, None), (50, None, None), (50, "v1", "A")]  # torchvision's ResNet-18/50, and option A


# --- the paper and torchvision's docs ---------------------------------------------------------------------------


@pytest.mark.parametrize(("depth", "percent"), [(18, 0.8), (34, 1.8), (50, 1.5), (101, -0.4), (152, -0.2)])
def test_v1_with_projections_is_within_2_percent_of_the_paper(depth, percent):
    gap = cv.paper_gap(_trace(depth, "v1", "B"))
    assert gap is not None and gap.published == cv.PAPER_FLOPS[depth] and gap.configs == ("v1/B",)
    assert abs(gap.percent) < 2 and round(gap.percent, 1) == percent


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_torchvision_docs_gflops_are_v1_5_macs(depth):
    trace = _trace(depth)
    assert round(cv.per_image_macs(trace) / 1e9, 3) == cv.TORCHVISION_GFLOPS[f"resnet{depth}"]
    assert _row(trace, "torchvision docs").per_image == cv.per_image_macs(trace)


@pytest.mark.parametrize("arch", ["resnext50_32x4d", "wide_resnet50_2"])
def test_torchvision_docs_gflops_of_resnext_and_wide_nets(arch):
    trace = _trace(arch=arch)
    assert round(cv.per_image_macs(trace) / 1e9, 3) == round(cv.TORCHVISION_GFLOPS[arch], 3)
    assert cv.paper_gap(trace) is None


def test_resnet50_v1_5_is_4_09_g():
    assert round(cv.per_image_macs(_trace(50)) / 1e9, 2) == 4.09


# --- the tools, run for real -----------------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize(("depth", "size"), [(18, 224), (50, 224), (20, None)])
def test_torchinfo_total_mult_adds(depth, size, batch):
    torchinfo = pytest.importorskip("torchinfo")
    trace = _trace(depth, batch=batch, size=size)
    real = torchinfo.summary(_model(depth), input_size=trace.input.shape(batch), verbose=0).total_mult_adds
    assert _row(trace, "torchinfo").printed == real == cv.torchinfo_mult_adds(trace) * batch


def test_flop_counter_mode_is_twice_our_macs():
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    trace = _trace(18, batch=2)
    with FlopCounterMode(display=False) as counter:
        _model(18)(torch.zeros(trace.input.shape(2)))
    assert counter.get_total_flops() == _row(trace, "torch FlopCounterMode").printed == 2 * trace.totals.macs


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("net", NETS)
def test_fvcore(net, training):
    fvcore_nn = pytest.importorskip("fvcore.nn")
    import torch

    trace = _trace(*net, batch=2)
    model = _model(*net).train(training)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = fvcore_nn.FlopCountAnalysis(model, torch.zeros(trace.input.shape(2)))
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        real = analysis.total()
    assert real == _row(trace, "fvcore, training mode" if training else "fvcore").printed
    assert real == cv.fvcore_flops(trace, training) * 2


@pytest.mark.parametrize("backend", [None, "aten"])  # None: ptflops' default (pytorch in 0.7.5)
@pytest.mark.parametrize("net", NETS)
def test_ptflops(net, backend):
    ptflops = pytest.importorskip("ptflops")
    trace = _trace(*net)
    kw = {"backend": backend} if backend else {}
    real, _ = ptflops.get_model_complexity_info(_model(*net), trace.input.dims, as_strings=False,
                                                print_per_layer_stat=False, verbose=False, **kw)
    assert real == _row(trace, "ptflops, aten backend" if backend else "ptflops").printed
    assert real == cv.ptflops_macs(trace, backend or "pytorch")


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("net", NETS)
def test_thop(net, batch):
    thop = pytest.importorskip("thop")
    import torch

    trace = _trace(*net, batch=batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        real, _ = thop.profile(_model(*net), inputs=(torch.zeros(trace.input.shape(batch)),), verbose=False)
    assert real == _row(trace, "thop").printed == cv.thop_macs(trace) * batch


# --- the table ---------------------------------------------------------------------------------------------------


def test_table_of_resnet50_has_every_configuration_and_tool():
    variants = {f"{v}/{s}": _trace(50, v, s) for v, s in cv.CONFIGS}
    table = cv.flops_table(_trace(50), variants)
    assert table is not None and table.depth == 50 and table.published == 3.8e9
    assert [g.configs for g in table.ours] == [("v1.5/B",), ("v1/A",), ("v1/B",)]
    assert [round(g.percent, 1) for g in table.ours] == [7.6, -7.9, 1.5]
    assert [c.source for c in table.tools] == ["resnet-viz", "torch FlopCounterMode", "torchvision docs", "torchinfo",
                                               "fvcore", "fvcore, training mode", "ptflops", "ptflops, aten backend",
                                               "thop"]
    assert all(c.reason and "\n" not in c.reason for c in table.tools)
    assert "+7.6 %" in table.summary and "v1/B: +1.5 %" in table.summary


def test_table_merges_configurations_with_equal_macs():
    table = cv.flops_table(_trace(18, "v1", "B"), {"v1.5/B": _trace(18, "v1.5", "B"), "v1/A": _trace(18, "v1", "A")})
    assert table is not None
    assert [g.configs for g in table.ours] == [("v1/B", "v1.5/B"), ("v1/A",)]
    assert "torchvision docs" not in [c.source for c in table.tools]  # v1 is not torchvision's net


def test_batch_does_not_change_the_per_image_figures():
    one, two = cv.flops_table(_trace(50)), cv.flops_table(_trace(50, batch=2))
    assert one is not None and two is not None
    assert [c.per_image for c in one.tools] == [c.per_image for c in two.tools]
    assert one.ours[0].percent == two.ours[0].percent


@pytest.mark.parametrize("kw", [{"layers": "1,1,1,1"}, {"depth": 20, "size": None}, {"depth": 50, "size": 160},
                                {"arch": "resnext50_32x4d"}, {"depth": 50, "preact": True}])
def test_no_table_for_other_networks_but_tool_rows(kw):
    trace = _trace(**kw)
    assert cv.flops_table(trace) is None and cv.paper_gap(trace) is None
    rows = cv.tool_counts(trace)
    assert rows[0].per_image == cv.per_image_macs(trace) > 0 and len(rows) >= 8


def test_variants_must_be_the_same_network():
    with pytest.raises(ValueError, match="ResNet-50"):
        cv.flops_table(_trace(50), {"v1/B": _trace(101, "v1", "B")})
