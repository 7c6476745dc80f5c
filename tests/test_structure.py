"""Residual structure read from the graph, not from names: the zoo's models named every which way find the same
stem, stages, blocks, paths and shortcut kinds; a plain CNN gets no residual view; the user's model is untouched."""

import pytest
import torch
from zoo import EXPECTED, INPUT, ZOO

from resnet_viz.core.tracing import trace_module
from resnet_viz.options import Level, ModelOptions
from resnet_viz.render.html import left_out
from resnet_viz.render.table import render_text
from resnet_viz.render.volumes import layout
from resnet_viz.schema import OpKind, Path
from resnet_viz.views import explain, journey, paper
from resnet_viz.views.figures import figure


def _volumes(lay):
    """The volumes drawn, in order (a box repeated where a long drawing wraps into a new row counted once: longer
    labels may wrap a drawing elsewhere)."""
    shapes = [c.shape for c in lay.cuboids if not c.key.endswith(":shortcut")]
    return [v for i, v in enumerate(shapes) if i == 0 or v != shapes[i - 1]]


def _found(t):
    return [([(b.shortcut.value, b.stride, b.kind.value, b.preact, b.gated) for b in s.blocks], s.output.dims)
            for s in t.stages]


def _expected(name):
    return [([(b["shortcut"], b["stride"], b["kind"], b["preact"], b["gate"]) for b in s["blocks"]], s["out"])
            for s in EXPECTED[name]["stages"]]


@pytest.mark.parametrize("name", sorted(ZOO))
def test_structure_matches_what_the_network_is(zoo_trace, name):
    t = zoo_trace(name)
    assert _found(t) == _expected(name)
    assert not t.unplaced
    assert t.totals.params == EXPECTED[name]["params"]
    if EXPECTED[name]["stem_out"] is not None:
        assert t.stages[0].input.dims == EXPECTED[name]["stem_out"]


@pytest.mark.parametrize("name", ["timm_style_resnet18", "wrapped_resnet18", "flat_resnet18", "hooked_model"])
def test_renamed_resnet18s_give_the_torchvision_structure(zoo_trace, name):
    ref, t = zoo_trace("torchvision_resnet18"), zoo_trace(name)
    assert len(t.stages) == 4 and [len(s.blocks) for s in t.stages] == [2, 2, 2, 2]
    assert _found(t) == _found(ref)
    assert [o.kind for o in t.ops if o.kind is not OpKind.FLATTEN] == [o.kind for o in ref.ops
                                                                       if o.kind is not OpKind.FLATTEN]
    assert [o.path for o in t.ops] == [o.path for o in ref.ops]
    same = ("params", "macs", "elementwise_ops", "activation_elements")
    assert [getattr(t.totals, k) for k in same] == [getattr(ref.totals, k) for k in same]
    # the paper's views: the same brackets, the same journey, the same drawings up to labels
    assert [(r.name, r.output_size, r.cell.text()) for r in paper.table1(t)] == \
        [(r.name, r.output_size, r.cell.text()) for r in paper.table1(ref)]
    assert [(leg.before, leg.after, leg.change) for leg in journey.journey(t)] == \
        [(leg.before, leg.after, leg.change) for leg in journey.journey(ref)]
    assert [n.key for n in explain.explanations(t)] == [n.key for n in explain.explanations(ref)]
    for level, pick in ((Level.NETWORK, lambda x: None), (Level.STAGE, lambda x: x.stages[1].id),
                        (Level.BLOCK, lambda x: x.stages[1].blocks[0].id)):
        mine, theirs = layout(t, level=level, select=pick(t), title=""), layout(ref, level=level, select=pick(ref),
                                                                                title="")
        assert _volumes(mine) == _volumes(theirs)
        assert [a.kind for a in mine.arcs] == [a.kind for a in theirs.arcs]


def test_names_only_label(zoo_trace):
    assert [s.id for s in zoo_trace("timm_style_resnet18").stages] == ["stages.0", "stages.1", "stages.2", "stages.3"]
    assert zoo_trace("timm_style_resnet18").stages[1].blocks[0].id == "stages.1.blocks.0"
    assert [s.id for s in zoo_trace("wrapped_resnet18").stages][0] == "backbone.body.layer1"
    flat = zoo_trace("flat_resnet18")
    assert [s.id for s in flat.stages] == ["stage1", "stage2", "stage3", "stage4"]  # no module holds a stage
    assert flat.stages[0].blocks[0].id == "stage1.0"


def test_a_plain_cnn_gets_tables_and_drawings_but_no_residual_prose(zoo_trace):
    t = zoo_trace("plain_cnn")
    assert not t.stages and t.plain and not t.stem and not t.head
    assert paper.table1(t) == ()
    assert "no residual block" in left_out(t)
    notes = explain.explanations(t)
    assert [n.key for n in notes] == ["counting"]
    assert all("residual" not in n.text and "block" not in n.text for n in notes)
    assert "residual" not in " ".join(leg.why for leg in journey.journey(t))
    text = render_text(t)
    assert "features.0" in text and "no residual block" in text
    assert layout(t, level=Level.NETWORK, select=None, title="").cuboids
    with pytest.raises(Exception, match="no residual stage"):
        figure(t, "volumes", "stage")


def test_pooled_shortcut_every_op_on_the_shortcut(zoo_trace):
    t = zoo_trace("resnet_d_block_net")
    b = t.stages[1].blocks[0]
    short = [o for o in t.ops_of(b.op_ids) if o.path is Path.SHORTCUT]
    assert [o.kind for o in short] == [OpKind.AVGPOOL, OpKind.CONV, OpKind.BATCHNORM]
    assert t.stages[2].blocks[0].output.spatial == (4, 4)  # ceil_mode: 7 → 4 on both paths
    lay = layout(t, level=Level.BLOCK, select=b.id, title="")
    assert any("pooled" in " ".join(lb.lines) for lb in lay.labels)


def test_squeeze_excitation_is_a_gate_not_a_shortcut(zoo_trace):
    t = zoo_trace("se_resnet")
    b = t.stages[0].blocks[1]
    gate = [o for o in t.ops_of(b.op_ids) if o.path is Path.GATE]
    assert [o.kind for o in gate] == [OpKind.AVGPOOL, OpKind.CONV, OpKind.RELU, OpKind.CONV, OpKind.ACTIVATION]
    assert b.gated and b.shortcut.value == "identity"
    mul = next(o for o in t.ops_of(b.op_ids) if o.kind is OpKind.MUL)
    assert mul.path is Path.MAIN
    assert "squeeze-excitation" in figure(t, "volumes", "block", b.id).caption


def test_grouped_convs_say_their_groups_everywhere(zoo_trace):
    t = zoo_trace("resnext_tiny")
    assert "3×3, 16, g=4" in " ".join(r.cell.text() for r in paper.table1(t))
    assert "g=4" in render_text(t)


def test_pre_activation_blocks(zoo_trace):
    t = zoo_trace("preact_resnet")
    assert all(b.preact for b in t.blocks)
    first = t.stages[1].blocks[0]
    ops = t.ops_of(first.op_ids)
    assert [o.path for o in ops][:2] == [Path.PRE, Path.PRE]  # the projection reads the pre-activated tensor
    assert not any(o.path is Path.POST for o in ops)
    assert "preceded by" in " ".join(n.text for n in explain.explanations(t))


def test_multi_output_backbone_keeps_every_stage(zoo_trace):
    t = zoo_trace("multi_output_backbone")
    assert len(t.outputs) == 4 and [len(s.blocks) for s in t.stages] == [1, 1, 1, 1] and not t.head


def test_the_users_model_is_left_exactly_as_it_was():
    model = ZOO["hooked_model"]()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    modes = [m.training for m in model.modules()]
    grads = [p.requires_grad for p in model.parameters()]
    hooks = [(dict(m._forward_hooks), dict(m._forward_pre_hooks)) for m in model.modules()]
    for device in ("meta", "cpu"):
        trace_module(model, ModelOptions.parse(input=INPUT["hooked_model"], device=device))
    assert model.hook_calls == []
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert [m.training for m in model.modules()] == modes and any(modes)
    assert [p.requires_grad for p in model.parameters()] == grads and not all(grads)
    assert [(dict(m._forward_hooks), dict(m._forward_pre_hooks)) for m in model.modules()] == hooks
    assert all(p.device.type == "cpu" for p in model.parameters())
    model(torch.zeros(2, 3, 64, 64))  # its hooks still work afterwards
    assert model.hook_calls


def test_the_users_model_is_left_as_it_was_after_a_failed_trace(monkeypatch):
    """The real pass fails inside the user's own model (its fc raises on real tensors): all is put back."""
    model = ZOO["hooked_model"]()
    modes = [m.training for m in model.modules()]
    hooks = [(dict(m._forward_hooks), dict(m._forward_pre_hooks)) for m in model.modules()]
    original = torch.nn.Linear.forward

    def broken(self, x):
        if x.device.type == "cpu":
            raise RuntimeError("boom in the user's fc")
        return original(self, x)

    monkeypatch.setattr(torch.nn.Linear, "forward", broken)
    with pytest.raises(Exception, match="boom in the user's fc"):
        trace_module(model, ModelOptions.parse(input=(64, 64), device="cpu"))
    assert model.hook_calls == [] and [m.training for m in model.modules()] == modes
    assert [(dict(m._forward_hooks), dict(m._forward_pre_hooks)) for m in model.modules()] == hooks


def test_global_hooks_do_not_fire_and_stay_registered():
    fired = []
    handle = torch.nn.modules.module.register_module_forward_hook(lambda m, i, o: fired.append(type(m).__name__))
    try:
        trace_module(ZOO["plain_cnn"](), ModelOptions.parse(input=(32, 32), device="cpu"))
        assert fired == []
        ZOO["plain_cnn"]()(torch.zeros(1, 3, 32, 32))
        assert fired
    finally:
        handle.remove()
