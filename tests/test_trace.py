"""The trace: the paper's output sizes, invariants between ops, devices, JSON, and outside oracles."""

from math import prod

import pytest
import torch

from resnet_viz.api import trace_network
from resnet_viz.errors import DeviceUnavailable, InvalidOption
from resnet_viz.model import build_resnet
from resnet_viz.schema import OpKind, Path, Section, ShortcutKind, Trace
from resnet_viz.trace import trace

PAPER_FLOPS = {18: 1.8e9, 34: 3.6e9, 50: 3.8e9, 101: 7.6e9, 152: 11.3e9}


def sides(shape):
    return shape[2]


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_paper_output_sizes_at_224(make_trace, depth):
    t = make_trace(depth, 224)
    assert sides(t.op("conv1").output_shape) == 112
    assert [sides(s.output_shape) for s in t.stages] == [56, 28, 14, 7]
    assert [s.paper_name for s in t.stages] == ["conv2_x", "conv3_x", "conv4_x", "conv5_x"]
    assert t.ops[-1].output_shape == (1, 1000)


def test_cifar_stem_sizes(make_trace):
    t = make_trace(34, 32, stem="cifar")
    assert sides(t.op("conv1").output_shape) == 32
    assert [sides(s.output_shape) for s in t.stages] == [32, 16, 8, 4]
    assert not any(o.kind is OpKind.MAXPOOL for o in t.ops)


def test_cifar_family(make_trace):
    t = make_trace(56)
    assert t.input_shape == (1, 3, 32, 32)
    assert [s.output_shape[1:] for s in t.stages] == [(16, 32, 32), (32, 16, 16), (64, 8, 8)]
    assert [b.shortcut for b in t.blocks if b.index == 0] == [
        ShortcutKind.IDENTITY, ShortcutKind.ZEROPAD, ShortcutKind.ZEROPAD]
    assert t.totals.params == 853_018 and t.ops[-1].output_shape == (1, 10)


@pytest.mark.parametrize("depth", sorted(PAPER_FLOPS))
def test_v1_multiply_adds_match_the_papers_flops_row(make_trace, depth):
    macs = make_trace(depth, 224, variant="v1").totals.macs
    assert abs(macs - PAPER_FLOPS[depth]) / PAPER_FLOPS[depth] < 0.02


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
    assert add.kind is OpKind.ADD and add.path is Path.JOIN and add.module == "layer1.0"
    assert t.op("layer1.0.relu#2").module == "layer1.0.relu"


def test_op_fields(make_trace):
    t = make_trace(50, 224)
    c = t.op("conv1")
    assert (c.kernel_size, c.stride, c.padding, c.dilation, c.groups) == ((7, 7), (2, 2), (3, 3), (1, 1), 1)
    assert c.params == 64 * 3 * 7 * 7 and c.macs == 64 * 112 * 112 * 3 * 7 * 7
    assert (c.section, c.stage, c.block, c.path) == (Section.STEM, None, None, None)
    ds = t.op("layer2.0.downsample.0")
    assert (ds.section, ds.stage, ds.block, ds.path) == (Section.STAGE, "layer2", 0, Path.SHORTCUT)
    assert ds.kernel_size == (1, 1) and ds.stride == (2, 2)
    # v1.5: the 3×3 conv strides
    assert t.op("layer2.0.conv2").stride == (2, 2) and t.op("layer2.0.conv1").stride == (1, 1)
    fc = t.op("fc")
    assert fc.macs == 2048 * 1000 and fc.params == 2048 * 1000 + 1000 and fc.section is Section.HEAD


def test_blocks_and_stages_are_recovered_from_paths(make_trace):
    t = make_trace(50, 224)
    assert [len(s.blocks) for s in t.stages] == [3, 4, 6, 3]
    assert {b.kind for b in t.blocks} == {"bottleneck"}
    assert [b.shortcut for b in t.stages[1].blocks] == [ShortcutKind.PROJECTION] + [ShortcutKind.IDENTITY] * 3
    b = t.stages[1].blocks[0]
    assert b.input_shape == (1, 256, 56, 56) and b.output_shape == (1, 512, 28, 28) and b.stride == 2
    assert t.stem == ("conv1", "bn1", "relu", "maxpool") and t.head == ("avgpool", "flatten", "fc")


@pytest.mark.parametrize(("depth", "kw"), [(18, {}), (50, {}), (34, {"shortcut": "A"}), (50, {"shortcut": "C"}),
                                           (56, {}), (18, {"stem": "cifar"})])
def test_each_op_reads_what_the_previous_op_wrote(make_trace, depth, kw):
    """The chain invariant: on the main path an op's input is the previous op's output; shortcut paths start
    from the block's input; the add reads the main path's last output."""
    t = make_trace(depth, None, **kw)
    prev = t.input_shape
    by_block = {b.id: b for b in t.blocks}
    last_shortcut = None
    for op in t.ops:
        if op.path is Path.SHORTCUT:
            block = by_block[f"{op.stage}.{op.block}"]
            first = next(o for o in t.ops_of(block.op_ids) if o.path is Path.SHORTCUT)
            expected = block.input_shape if op is first else last_shortcut
            assert op.input_shape == expected, op.id
            last_shortcut = op.output_shape
            continue
        assert op.input_shape == prev, op.id
        prev = op.output_shape


@pytest.mark.parametrize("depth", [18, 152, 110])
def test_parts_sum_to_totals(make_trace, depth):
    t = make_trace(depth, None)
    assert sum(o.params for o in t.ops) == t.totals.params
    assert sum(o.macs for o in t.ops) == t.totals.macs
    assert sum(prod(o.output_shape) for o in t.ops) == t.totals.activation_elements
    stem = sum(o.params for o in t.ops_of(t.stem))
    stages = sum(o.params for s in t.stages for b in s.blocks for o in t.ops_of(b.op_ids))
    head = sum(o.params for o in t.ops_of(t.head))
    assert stem + stages + head == t.totals.params
    assert t.totals.param_bytes == 4 * t.totals.params and not t.uncounted


def test_cpu_trace_equals_meta_trace():
    for depth, size in ((18, "197x311"), (50, 64), (20, 32)):
        cpu = trace_network(depth, input_size=size, device="cpu")
        meta = trace_network(depth, input_size=size, device="meta")
        assert cpu == meta
        assert (cpu.provenance.device, meta.provenance.device) == ("cpu", "meta")


def test_trace_of_a_users_model_leaves_it_where_it_was():
    model = build_resnet(18)
    model.train()
    t = trace(model, 64, device="meta")
    assert t.op("fc").output_shape == (1, 1000)
    assert model.training and model.conv1.weight.device.type == "cpu"
    assert trace(model, 64, device="cpu") == t


def test_batch_and_non_square_input(make_trace):
    t = trace_network(34, input_size="197x311", batch_size=4, device="meta")
    assert t.input_shape == (4, 3, 197, 311)
    assert t.op("conv1").output_shape == (4, 64, 99, 156)
    assert t.stages[-1].output_shape == (4, 512, 7, 10)
    assert t.totals.macs == 4 * trace_network(34, input_size="197x311", device="meta").totals.macs


def test_json_round_trip(make_trace):
    for t in (make_trace(50, 224), make_trace(56, None), make_trace(34, None, shortcut="A")):
        assert Trace.from_json(t.to_json()) == t
    assert Trace.from_json(t.to_json()).to_json() == t.to_json()


def test_json_contract(make_trace):
    import json

    d = json.loads(make_trace(50, 224).to_json())
    assert d["schema_version"] == 1
    assert d["model"]["depth"] == 50 and d["model"]["block"] == "bottleneck" and d["model"]["variant"] == "v1.5"
    assert d["input_shape"] == [1, 3, 224, 224]
    assert set(d["totals"]) >= {"params", "trainable_params", "macs"}
    op = d["ops"][0]
    assert set(op) >= {"id", "kind", "input_shape", "output_shape", "kernel_size", "stride", "padding", "params",
                       "macs", "stage", "block"}
    assert d["stages"][1]["blocks"][0]["shortcut"] == "projection"


def test_refuses_what_would_not_fit(monkeypatch):
    from resnet_viz import devices

    monkeypatch.setattr(devices, "available_bytes", lambda device: 10 * 2**20)
    with pytest.raises(DeviceUnavailable, match="use --device meta"):
        trace_network(18, input_size=224, device="cpu")


def test_cuda_absent_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(DeviceUnavailable, match="not available"):
        trace_network(18, device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")
def test_cuda_trace_equals_meta():
    assert trace_network(50, input_size=224, device="cuda") == trace_network(50, input_size=224, device="meta")


def test_tiny_inputs_bottom_out_at_one_pixel():
    t = trace_network(18, input_size=8, device="meta")
    assert [sides(s.output_shape) for s in t.stages] == [2, 1, 1, 1]


@pytest.mark.parametrize("device", ["meta", "cpu"])
def test_too_small_input_is_an_input_error(device):
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 5))
    with pytest.raises(InvalidOption, match="input 3x3 is too small"):
        trace(model, 3, device=device)


def test_unknown_modules_are_reported_not_zeroed():
    model = build_resnet(18, device="meta")
    model.layer1[0].relu = torch.nn.GELU()
    t = trace(model, 64, device="meta")
    assert "layer1.0.relu" in t.uncounted and t.op("layer1.0.relu").kind is OpKind.OTHER
    assert t.op("layer1.0.relu").type_name == "GELU"


def test_torchvision_models_trace_with_the_same_ids():
    models = pytest.importorskip("torchvision.models")
    for depth in (18, 50):
        theirs = trace(getattr(models, f"resnet{depth}")(), 224, device="meta")
        ours = trace_network(depth, input_size=224, device="meta")
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
    t = trace(model, 160, batch_size=2, device="cpu")
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
            assert tuple(layer.output_size) == t.op(name).output_shape, name
    assert checked == sum(1 for o in t.ops if o.kind in (OpKind.CONV, OpKind.LINEAR))
    assert stats.total_params == t.totals.params


def test_meta_twin_copies_no_weight_data():
    from resnet_viz.trace import _meta_twin

    model = build_resnet(18)
    twin = _meta_twin(model)
    assert all(p.device.type == "meta" for p in twin.parameters())
    assert all(b.device.type == "meta" for b in twin.buffers())
    assert model.conv1.weight.device.type == "cpu" and twin.conv1.weight.requires_grad
    assert [n for n, _ in twin.named_parameters()] == [n for n, _ in model.named_parameters()]
