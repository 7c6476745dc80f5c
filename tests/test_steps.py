"""Drawn steps: BN/ReLU/flatten ride along with their lead op, blocks split by path, identical blocks run together,
and the paper's wording for every op and shortcut."""

from __future__ import annotations

from dataclasses import replace

from resnet_viz.schema import BlockKind, OpKind, Path, ShortcutKind
from resnet_viz.views import steps, words


def test_units_fold_bn_relu_and_flatten(make_trace):
    t = make_trace(18, 224)
    stem = steps.units(t.ops_of(t.stem))
    assert [u.lead.id for u in stem] == ["conv1", "maxpool"]
    assert [o.id for o in stem[0].after] == ["bn1", "relu"] and stem[0].notes() == "BN, ReLU"
    assert stem[1].notes() == "" and stem[1].before == ()
    assert stem[0].input == t.input and stem[0].output == t.op("relu").output
    head = steps.units(t.ops_of(t.head))
    assert [u.lead.kind for u in head] == [OpKind.AVGPOOL, OpKind.LINEAR]
    assert [o.kind for o in head[1].before] == [OpKind.FLATTEN]
    assert head[1].input == t.op("flatten").input and head[1].output == t.output  # the flatten's input, fc's output
    assert [o.id for o in head[1].ops] == ["flatten", "fc"]
    # every op is in exactly one unit, in execution order
    every = [o.id for u in steps.units(t.ops) for o in u.ops]
    assert every == [o.id for o in t.ops]


def test_units_start_a_step_at_any_change_of_volume(make_trace):
    t = make_trace(18, 224)
    bn = t.op("bn1")
    odd = replace(bn, outputs=(t.op("maxpool").output,))  # a BN that (impossibly) changes the volume
    (first, second) = steps.units([t.op("conv1"), odd])
    assert first.lead.id == "conv1" and second.lead is odd
    assert [u.lead.id for u in steps.units([t.op("bn1"), t.op("relu")])] == ["bn1"]  # the first op leads anyway
    trailing = steps.units([t.op("avgpool"), t.op("flatten")])
    assert [u.lead.id for u in trailing] == ["avgpool", "flatten"]  # a trailing reshape is a step of its own
    assert steps.units([]) == ()


def test_block_paths_split_a_block(make_trace):
    t = make_trace(18, 224)
    p = steps.block_paths(t, t.stages[1].blocks[0])
    assert p.pre == () and p.gate == ()
    assert [u.lead.id for u in p.main] == ["layer2.0.conv1", "layer2.0.conv2"]
    assert p.main[0].notes() == "BN, ReLU" and p.main[1].notes() == "BN"
    assert p.join is not None and p.join.lead.kind is OpKind.ADD and [o.kind for o in p.join.after] == [OpKind.RELU]
    assert p.join.notes() == "ReLU" and p.join.lead.path is Path.JOIN
    assert [u.lead.id for u in p.shortcut] == ["layer2.0.downsample.0"]
    assert [o.id for o in p.shortcut[0].after] == ["layer2.0.downsample.1"]
    ident = steps.block_paths(t, t.block("layer2.1"))
    assert ident.shortcut == () and [u.lead.id for u in ident.main] == ["layer2.1.conv1", "layer2.1.conv2"]
    # every op of the block lands in exactly one place
    for b in t.blocks:
        p = steps.block_paths(t, b)
        placed = [o.id for u in (*p.pre, *p.main, *p.shortcut) for o in u.ops] + list(p.gate)
        placed += [o.id for o in p.join.ops] if p.join else []
        assert sorted(placed) == sorted(b.op_ids), b.id


def test_block_paths_of_preact_and_gated_blocks(zoo_trace):
    pre = zoo_trace("preact_resnet")
    shared = steps.block_paths(pre, pre.block("stages.1.blocks.0"))  # a projection reads the normalised input
    assert [u.lead.kind for u in shared.pre] == [OpKind.BATCHNORM] and shared.pre[0].lead.path is Path.PRE
    assert [u.lead.kind for u in shared.main] == [OpKind.CONV, OpKind.CONV]
    assert shared.join is not None and shared.join.after == ()  # no ReLU after the addition
    own = steps.block_paths(pre, pre.block("stages.1.blocks.1"))  # an identity shortcut reads the raw input
    assert own.pre == () and own.main[0].lead.kind is OpKind.BATCHNORM
    se = zoo_trace("se_resnet")
    gated = steps.block_paths(se, se.blocks[0])
    assert [words.op_phrase(o) for o in gated.gate] == ["global avg pool", "1×1 conv, 8", "ReLU", "1×1 conv, 32",
                                                        "Sigmoid"]
    assert all(o.path is Path.GATE for o in gated.gate)
    assert gated.main[-1].lead.kind is OpKind.MUL and words.op_phrase(gated.main[-1].lead) == "× gate"


def test_block_runs_summarise_identical_blocks(make_trace):
    t = make_trace(152, 224)
    assert [len(r) for r in steps.block_runs(t, t.stages[2])] == [1, 35]
    assert [[len(r) for r in steps.block_runs(t, s)] for s in t.stages] == [[1, 2], [1, 7], [1, 35], [1, 2]]
    assert sum(len(r) for s in t.stages for r in steps.block_runs(t, s)) == len(t.blocks)
    assert [b.id for r in steps.block_runs(t, t.stages[0]) for b in r] == [b.id for b in t.stages[0].blocks]
    # the first block always stands alone, even when the second looks the same
    t18 = make_trace(18, 224)
    assert [len(r) for r in steps.block_runs(t18, t18.stages[0])] == [1, 1]
    a, b = t.block("layer3.1"), t.block("layer3.2")
    assert steps.block_signature(t, a) == steps.block_signature(t, b)
    assert steps.block_signature(t, a) != steps.block_signature(t, t.block("layer3.0"))
    assert steps.block_signature(t, a) != steps.block_signature(t, t.block("layer2.1"))  # other volumes


def test_op_phrases_are_the_papers(make_trace):
    t = make_trace(34, 224)
    assert words.op_phrase(t.op("conv1")) == "7×7 conv, 64, /2"
    assert words.op_phrase(t.op("bn1")) == "BN" and words.op_phrase(t.op("relu")) == "ReLU"
    assert words.op_phrase(t.op("maxpool")) == "3×3 max pool, /2"
    assert words.op_phrase(t.op("layer2.0.conv1")) == "3×3 conv, 128, /2"
    assert words.op_phrase(t.op("layer2.0.conv2")) == "3×3 conv, 128"
    assert words.op_phrase(t.op("layer2.0.add")) == "add"
    assert words.op_phrase(t.op("avgpool")) == "global avg pool"
    assert words.op_phrase(t.op("flatten")) == "flatten"
    assert words.op_phrase(t.op("fc")) == "fc 1000"
    assert words.op_lines(t.op("conv1")) == ("7×7 conv, 64", "stride 2, padding 3")
    assert words.op_lines(t.op("maxpool")) == ("3×3 max pool", "stride 2, padding 1")
    assert words.op_lines(t.op("fc")) == ("fc 1000",)
    assert words.kernel(t.op("layer2.0.conv1")) == "3×3, 128"


def test_grouped_pooled_and_zeropad_wording(make_trace, zoo_trace):
    x = zoo_trace("resnext_tiny")
    assert words.op_phrase(x.op("layer2.0.conv2")) == "3×3 conv, 32, g=4, /2"
    assert words.kernel(x.op("layer2.0.conv2")) == "3×3, 32, g=4"
    d = zoo_trace("resnet_d_block_net")
    pool = d.op("layer2.0.downsample.0")
    assert words.op_phrase(pool) == "2×2 avg pool, /2"
    assert words.op_lines(pool) == ("2×2 avg pool", "stride 2, padding 0")
    cifar = make_trace(56, 32)
    zp = next(o for o in cifar.ops_of(cifar.block("layer2.0").op_ids) if o.kind is OpKind.ZEROPAD)
    assert words.op_phrase(zp) == "zero-pad, /2"
    assert words.op_lines(zp) == ("subsample, stride 2", "pad channels 16 → 32")


def test_shortcut_lines_name_the_kind_then_the_ops(make_trace, zoo_trace):
    t = make_trace(18, 224)
    proj = t.block("layer2.0")
    assert steps.shortcut_lines(proj.shortcut, steps.block_paths(t, proj).shortcut) == (
        "projection shortcut", "1×1 conv, 128", "stride 2, padding 0, BN")
    assert steps.shortcut_lines(ShortcutKind.IDENTITY, ()) == ("identity shortcut",)
    cifar = make_trace(56, 32)
    zp = cifar.block("layer2.0")
    assert steps.shortcut_lines(zp.shortcut, steps.block_paths(cifar, zp).shortcut) == (
        "zero-pad shortcut (option A)", "subsample, stride 2", "pad channels 16 → 32")
    d = zoo_trace("resnet_d_block_net")
    pooled = d.block("layer2.0")
    assert steps.shortcut_lines(pooled.shortcut, steps.block_paths(d, pooled).shortcut) == (
        "pooled projection shortcut", "2×2 avg pool", "stride 2, padding 0", "1×1 conv, 64", "stride 1, padding 0, BN")
    for kind in ShortcutKind:
        assert words.shortcut_name(kind) and kind in words.SHORTCUT_LEGEND


def test_plurals_and_lists():
    assert words.plural(1, "block") == "1 block" and words.plural(0, "block") == "0 blocks"
    assert words.plural(1234, "block") == "1,234 blocks"
    assert words.plural(2, "class", "classes") == "2 classes" and words.plural(1, "class", "classes") == "1 class"
    assert words.listing(["a"]) == "a" and words.listing(["a", "b"]) == "a and b"
    assert words.listing(["a", "b", "c"]) == "a, b and c" and words.listing([]) == ""
    assert words.block_name(BlockKind.BOTTLENECK, preact=True) == "pre-activation bottleneck"
