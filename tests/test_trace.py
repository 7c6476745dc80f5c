"""The trace: the paper's output sizes, the data-flow graph's edges, devices, and outside oracles."""

import pytest
import torch

from resnet_viz.api import trace_network
from resnet_viz.core.model import build_resnet
from resnet_viz.core.tracing import meta_twin, trace
from resnet_viz.errors import DeviceUnavailable, InvalidOption, ModelError
from resnet_viz.schema import BlockKind, OpKind, Path, Section, ShortcutKind, Volume


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_paper_output_sizes_at_224(make_trace, depth):
    t = make_trace(depth, 224)
    assert t.op("conv1").output.spatial == (112, 112)
    assert [s.output.height for s in t.stages] == [56, 28, 14, 7]
    assert [s.paper_name for s in t.stages] == ["conv2_x", "conv3_x", "conv4_x", "conv5_x"]
    assert t.output == Volume((1000,)) and t.batch == 1


def test_cifar_stem_sizes(make_trace):
    t = make_trace(34, 32, stem="cifar")
    assert t.op("conv1").output.spatial == (32, 32)
    assert [s.output.height for s in t.stages] == [32, 16, 8, 4]
    assert not any(o.kind is OpKind.MAXPOOL for o in t.ops)


def test_cifar_family(make_trace):
    t = make_trace(56)
    assert t.input == Volume((3, 32, 32))
    assert [s.output.dims for s in t.stages] == [(16, 32, 32), (32, 16, 16), (64, 8, 8)]
    assert [s.blocks[0].shortcut for s in t.stages] == [ShortcutKind.IDENTITY, ShortcutKind.ZEROPAD,
                                                        ShortcutKind.ZEROPAD]
    assert t.totals.params == 853_018 and t.output == Volume((10,))


def test_ids_follow_torchvision_names_and_call_suffixes(make_trace):
    t = make_trace(18, 224)
    ids = [o.id for o in t.ops]
    assert ids[:4] == ["conv1", "bn1", "relu", "maxpool"]
    assert ids[4:11] == ["layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu", "layer1.0.conv2", "layer1.0.bn2",
                         "layer1.0.add", "layer1.0.relu#2"]
    assert "layer2.0.downsample.0" in ids and "layer2.0.downsample.1" in ids
    assert ids[-3:] == ["avgpool", "flatten", "fc"]
    assert len(ids) == len(set(ids))
    add = t.op("layer1.0.add")
    assert add.kind is OpKind.ADD and add.path is Path.JOIN and add.module == "layer1.0" and add.inplace
    assert t.op("layer1.0.relu#2").module == "layer1.0.relu" and t.op("layer1.0.relu#2").path is Path.POST


def test_op_fields(make_trace):
    t = make_trace(50, 224)
    c = t.op("conv1")
    assert (c.kernel_size, c.stride, c.padding, c.dilation, c.groups) == ((7, 7), (2, 2), (3, 3), (1, 1), 1)
    assert c.params == 64 * 3 * 7 * 7 and c.macs == 64 * 112 * 112 * 3 * 7 * 7
    assert (c.section, c.stage, c.block, c.path) == (Section.STEM, None, None, None)
    ds = t.op("layer2.0.downsample.0")
    assert (ds.section, ds.stage, ds.block, ds.path) == (Section.STAGE, "layer2", "layer2.0", Path.SHORTCUT)
    assert ds.kernel_size == (1, 1) and ds.stride == (2, 2)
    assert t.op("layer2.0.conv2").stride == (2, 2) and t.op("layer2.0.conv1").stride == (1, 1)  # v1.5
    fc = t.op("fc")
    assert fc.macs == 2048 * 1000 and fc.params == 2048 * 1000 + 1000 and fc.section is Section.HEAD


def test_edges_are_the_tensors_each_op_read(make_trace):
    """The graph, not list order: a shortcut reads the block's input, the add reads both paths, the fc the flatten."""
    t = make_trace(50, 224)
    ds = t.op("layer2.0.downsample.0")
    assert [r.op for r in ds.inputs] == ["layer1.2.relu#3"] and ds.inputs[0].volume == Volume((256, 56, 56))
    assert [r.op for r in t.op("layer2.0.add").inputs] == ["layer2.0.bn3", "layer2.0.downsample.1"]
    assert [r.op for r in t.op("layer1.0.add").inputs] == ["layer1.0.bn3", "layer1.0.downsample.1"]
    assert [r.op for r in t.op("layer1.1.add").inputs] == ["layer1.1.bn3", "layer1.0.relu#3"]  # identity
    assert [r.op for r in t.op("fc").inputs] == ["flatten"] and t.op("conv1").inputs[0].op is None
    assert [r.op for r in t.outputs] == ["fc"]


@pytest.mark.parametrize(("depth", "kw"), [(18, {}), (50, {}), (34, {"shortcut": "A"}), (50, {"shortcut": "C"}),
                                           (56, {}), (18, {"stem": "cifar"}), (50, {"preact": True}),
                                           (50, {"arch": "resnext50_32x4d"})])
def test_every_ref_is_its_producers_output(make_trace, depth, kw):
    t = make_trace(None if "arch" in kw else depth, None, **kw)
    for op in t.ops:
        for r in op.inputs:
            made = t.input if r.op is None else t.op(r.op).outputs[r.index]
            assert r.volume == made, op.id
            assert r.op is None or t.position(r.op) < t.position(op.id)


def test_blocks_and_stages_are_read_from_the_graph(make_trace):
    t = make_trace(50, 224)
    assert [len(s.blocks) for s in t.stages] == [3, 4, 6, 3]
    assert {b.kind for b in t.blocks} == {BlockKind.BOTTLENECK}
    assert [b.shortcut for b in t.stages[1].blocks] == [ShortcutKind.PROJECTION] + [ShortcutKind.IDENTITY] * 3
    b = t.stages[1].blocks[0]
    assert b.input == Volume((256, 56, 56)) and b.output == Volume((512, 28, 28)) and b.stride == 2
    assert t.stem == ("conv1", "bn1", "relu", "maxpool") and t.head == ("avgpool", "flatten", "fc")
    assert not t.unplaced and not t.plain


@pytest.mark.parametrize("depth", [18, 152, 110])
def test_parts_sum_to_totals(make_trace, depth):
    t = make_trace(depth, None)
    assert sum(o.params for o in t.ops) == t.totals.params
    assert sum(o.macs for o in t.ops) == t.totals.macs
    assert t.batch * sum(v.numel for o in t.ops for v in o.outputs) == t.totals.activation_elements
    stem = sum(o.params for o in t.ops_of(t.stem))
    stages = sum(o.params for b in t.blocks for o in t.ops_of(b.op_ids))
    head = sum(o.params for o in t.ops_of(t.head))
    assert stem + stages + head == t.totals.params == sum(p.numel() for p in build_resnet(depth, device="meta").parameters())
    assert t.totals.param_bytes == 4 * t.totals.params and not t.uncounted


def test_cpu_trace_equals_meta_trace():
    for kw in ({"depth": 18, "input": "197x311"}, {"depth": 50, "input": 64}, {"depth": 20},
               {"depth": 18, "preact": True, "input": 64}):
        cpu = trace_network(device="cpu", **kw)
        meta = trace_network(device="meta", **kw)
        assert cpu == meta
        assert (cpu.provenance.device, meta.provenance.device) == ("cpu", "meta")
        assert cpu.measured.saved_bytes and not meta.measured.saved_bytes


def test_batch_and_non_square_input():
    t = trace_network(34, input="197x311", batch=4, device="meta")
    assert t.batch == 4 and t.input == Volume((3, 197, 311))
    assert t.op("conv1").output == Volume((64, 99, 156))
    assert t.stages[-1].output == Volume((512, 7, 10))
    assert t.totals.macs == 4 * trace_network(34, input="197x311", device="meta").totals.macs


def test_refuses_what_would_not_fit(monkeypatch):
    from resnet_viz.core import devices

    monkeypatch.setattr(devices, "available_bytes", lambda device: 10 * 2**20)
    with pytest.raises(DeviceUnavailable, match="use --device meta"):
        trace_network(18, input=224, device="cpu")


def test_cuda_absent_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(DeviceUnavailable, match="not available"):
        trace_network(18, device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")
def test_cuda_trace_equals_meta():
    t = trace_network(50, input=224, device="cuda")
    assert t == trace_network(50, input=224, device="meta")
    assert t.measured.cuda_peak_bytes and t.measured.cuda_peak_bytes > t.totals.param_bytes


def test_tiny_inputs_bottom_out_at_one_pixel():
    t = trace_network(18, input=8, device="meta")
    assert [s.output.height for s in t.stages] == [2, 1, 1, 1]


@pytest.mark.parametrize("device", ["meta", "cpu"])
def test_too_small_input_is_an_input_error(device):
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 5))
    with pytest.raises(InvalidOption, match="input 3x3 is too small"):
        trace(model, 3, device=device)


def test_a_model_that_fails_is_a_model_error():
    class Broken(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3)

        def forward(self, x):
            raise ValueError("the user's bug")

    with pytest.raises(ModelError, match="the user's bug"):
        trace(Broken(), 32, device="cpu")


def test_an_empty_model_is_refused():
    with pytest.raises(ModelError, match="no operation"):
        trace(torch.nn.Sequential(), 32, device="meta")


def test_unknown_modules_are_reported_not_zeroed():
    class Mystery(torch.nn.Module):
        def forward(self, x):
            return torch.special.erf(x)

    model = build_resnet(18, device="meta")
    model.layer1[0].relu = Mystery()
    t = trace(model, 64, device="meta")
    others = [o for o in t.ops if o.kind is OpKind.OTHER]
    assert [o.id for o in others] == list(t.uncounted) == ["layer1.0.relu.special_erf", "layer1.0.relu.special_erf#2"]
    assert others[0].type_name == "special_erf" and others[0].macs == 0


def test_torchvision_models_trace_with_the_same_ids():
    models = pytest.importorskip("torchvision.models")
    for depth in (18, 50):
        theirs = trace(getattr(models, f"resnet{depth}")(), 224, device="meta")
        ours = trace_network(depth, input=224, device="meta")
        assert [o.id for o in theirs.ops] == [o.id for o in ours.ops]
        assert theirs.ops == ours.ops and theirs.stages == ours.stages and theirs.totals == ours.totals
        assert theirs.model is None


@pytest.mark.parametrize("depth", [18, 50])
def test_conv_and_fc_macs_equal_torchinfo(depth):
    """torchinfo's per-layer mult-adds: conv identical; fc = ours + its bias adds (not MACs by our convention)."""
    torchinfo = pytest.importorskip("torchinfo")
    model = build_resnet(depth)
    names = {id(m): n for n, m in model.named_modules()}
    stats = torchinfo.summary(model, input_size=(2, 3, 160, 160), verbose=0, device="cpu")
    t = trace(model, 160, batch=2, device="cpu")
    checked = 0
    for layer in stats.summary_list:
        name = names.get(id(layer.module))
        if isinstance(layer.module, torch.nn.Conv2d):
            assert layer.macs == t.op(name).macs, name
            assert layer.num_params == t.op(name).params
            checked += 1
        elif isinstance(layer.module, torch.nn.Linear):
            assert layer.macs == t.op(name).macs + 2 * layer.module.out_features
            checked += 1
        if isinstance(layer.module, (torch.nn.Conv2d, torch.nn.BatchNorm2d, torch.nn.Linear)):
            assert tuple(layer.output_size) == t.op(name).output.shape(2), name
    assert checked == sum(1 for o in t.ops if o.kind in (OpKind.CONV, OpKind.LINEAR))
    assert stats.total_params == t.totals.params


def test_meta_twin_copies_no_weight_data():
    model = build_resnet(18)
    twin = meta_twin(model)
    assert all(p.device.type == "meta" for p in twin.parameters())
    assert all(b.device.type == "meta" for b in twin.buffers())
    assert model.conv1.weight.device.type == "cpu" and twin.conv1.weight.requires_grad
    assert [n for n, _ in twin.named_parameters()] == [n for n, _ in model.named_parameters()]
