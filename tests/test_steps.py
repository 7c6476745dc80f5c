"""Drawn steps: BN/ReLU/flatten ride along with their lead op, identical blocks run together, the paper's wording."""

from __future__ import annotations

from resnet_viz.render import steps
from resnet_viz.schema import OpKind


def test_units_fold_bn_relu_and_flatten(make_trace):
    t = make_trace(18, 224)
    stem = steps.units(t.ops_of(t.stem))
    assert [u.lead.id for u in stem] == ["conv1", "maxpool"]
    assert stem[0].notes() == "BN, ReLU"
    head = steps.units(t.ops_of(t.head))
    assert [u.lead.kind for u in head] == [OpKind.AVGPOOL, OpKind.LINEAR]
    assert head[1].before[0].kind is OpKind.FLATTEN
    main, join, shortcut = steps.block_paths(t, t.stages[1].blocks[0])
    assert [u.lead.id for u in main] == ["layer2.0.conv1", "layer2.0.conv2"]
    assert join.lead.kind is OpKind.ADD and [o.kind for o in join.after] == [OpKind.RELU]
    assert [u.lead.id for u in shortcut] == ["layer2.0.downsample.0"]


def test_block_runs_summarise_identical_blocks(make_trace):
    t = make_trace(152, 224)
    runs = steps.block_runs(t, t.stages[2])
    assert [len(r) for r in runs] == [1, 35]
    assert sum(len(r) for s in t.stages for r in steps.block_runs(t, s)) == len(t.blocks)


def test_op_phrases_are_the_papers(make_trace):
    t = make_trace(34, 224)
    assert steps.op_phrase(t.op("conv1")) == "7×7 conv, 64, /2"
    assert steps.op_phrase(t.op("maxpool")) == "3×3 max pool, /2"
    assert steps.op_phrase(t.op("layer2.0.conv1")) == "3×3 conv, 128, /2"
    assert steps.op_phrase(t.op("fc")) == "fc 1000"
    assert steps.op_lines(t.op("conv1")) == ("7×7 conv, 64", "stride 2, padding 3")
