"""The volume journey: the paper's sequence of volumes, why each leg changes it, and the rounding of odd sides.

Every sentence is checked against the trace it describes: the numbers it prints are the trace's, and what it says
a stride does is what the stride did (a stride that meets a 1×1 map keeps it 1×1; an option-A shortcut of stride 1
keeps every pixel).
"""

from __future__ import annotations

import re

import pytest
from arithmetic import evaluate

from resnet_viz import fmt
from resnet_viz.schema import OpKind
from resnet_viz.views.explain import layers_caption
from resnet_viz.views.journey import journey, journey_chain, rounding_note
from resnet_viz.views.layers import layer_rows
from resnet_viz.views.paper import table1


def legs_text(trace) -> str:
    return "\n".join(f"{leg.change}\n{leg.why}\n" + "\n".join(leg.arithmetic) for leg in journey(trace))


# --- the paper's sequence ---------------------------------------------------------------------------------------

def test_journey_is_the_papers_volume_sequence(make_trace):
    t = make_trace(34, 224)
    assert journey_chain(t) == ("224×224×3", "112×112×64", "56×56×64", "28×28×128", "14×14×256", "7×7×512",
                                "1×1×512", "1000")
    legs = journey(t)
    assert [leg.where for leg in legs] == ["conv1", "maxpool", "layer2.0", "layer3.0", "layer4.0", "avgpool", "fc"]
    assert [leg.paper for leg in legs] == ["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "head", "fc"]
    assert legs[2].change == "stride 2 · channels ×2"
    assert "`layer2.0.conv1`, a 3×3 conv with stride 2, takes 56×56 to 28×28." in legs[2].why
    assert "The shortcut `layer2.0.downsample.0` (1×1 conv, stride 2) projects the input to 28×28×128" in legs[2].why
    assert "the channels double (64 → 128)" in legs[2].why
    assert all(leg.arithmetic == () for leg in legs)  # 224 halves exactly everywhere
    assert rounding_note(t) is None


def test_fc_leg_counts_its_weights_and_biases(make_trace):
    fc = journey(make_trace(34, 224))[-1]
    assert fc.why == ("The 512 numbers are flattened into a vector, and `fc` maps them to 1,000 class scores "
                      "(513,000 parameters: a 512 × 1000 weight matrix plus 1,000 biases).")
    assert make_trace(34, 224).op("fc").params == 513_000 == 512 * 1000 + 1000
    one = journey(make_trace(None, 224, layers="1,1,1,2", block="bottleneck", num_classes=1))[-1]
    assert "maps them to 1 class score (2,049 parameters: a 2048 × 1 weight matrix plus 1 bias)." in one.why
    assert one.change == "1-d fc"


def test_the_stem_max_pool_is_conv2_x_as_on_the_page(make_trace):
    """Table 1 lists the stem's max-pool under conv2_x; the journey, the per-layer table and its caption agree."""
    t = make_trace(34, 224)
    pool = next(leg for leg in journey(t) if leg.where == "maxpool")
    assert pool.paper == "conv2_x" and pool.section == "stem"
    assert {r.op.id: r.paper for r in layer_rows(t)}["maxpool"] == "conv2_x"
    assert "the stem's `maxpool` stays in the stem, where PyTorch puts it, and is named conv2_x" in layers_caption(t)
    conv2 = next(r for r in table1(t) if r.key == "conv2_x")
    assert conv2.cell.lines == ("3×3 max pool, stride 2",) and "`maxpool`" in conv2.pytorch


def test_journey_of_a_bottleneck_net_shows_the_expansion(make_trace):
    legs = journey(make_trace(50, 224))
    first = next(leg for leg in legs if leg.where == "layer1.0")
    assert (first.before, first.after, first.change) == ("56×56×64", "56×56×256", "channels ×4")
    assert ("The block ends with `layer1.0.conv3`, a 1×1 conv that widens its inner 64 channels to 256, so 64 "
            "channels come in and 256 go out.") in first.why
    assert "stride" not in first.change  # layer1.0 keeps 56×56
    v1 = next(leg for leg in journey(make_trace(50, 224, variant="v1")) if leg.where == "layer2.0")
    assert "`layer2.0.conv1`, a 1×1 conv with stride 2, takes 56×56 to 28×28." in v1.why


def test_cifar_journey_has_no_max_pool(make_trace):
    t = make_trace(20, 32)
    assert journey_chain(t) == ("32×32×3", "32×32×16", "16×16×32", "8×8×64", "1×1×64", "10")
    assert "max pool" not in legs_text(t) and "maxpool" not in legs_text(t)
    conv1 = journey(t)[0]
    assert "(the 32×32 map keeps its size)" in conv1.why and conv1.change == "3×3 conv, stride 1, 16 filters"
    stem224 = journey(make_trace(18, 224, stem="cifar"))[0]
    assert "(the 224×224 map keeps its size)" in stem224.why


# --- every sentence true for its network --------------------------------------------------------------------------

CASES = {
    "r34": (34, 224, {}),
    "r50-A": (50, 224, {"shortcut": "A"}),
    "r50-v1": (50, 224, {"variant": "v1"}),
    "odd": (34, (197, 311), {}),
    "i1": (34, 1, {}),
    "i8": (50, 8, {}),
    "i16": (34, 16, {}),
    "i33": (18, 33, {}),
    "cifar20": (20, 32, {}),
    "cifar-stem-224": (18, 224, {"stem": "cifar"}),
    "bottleneck-1111": (None, 224, {"layers": "1,1,1,1", "block": "bottleneck"}),
    "batch3": (18, 224, {"batch": 3}),
    "resnext": (None, 224, {"arch": "resnext50_32x4d"}),
    "preact": (18, 64, {"preact": True}),
}


@pytest.fixture(params=sorted(CASES))
def case(request, make_trace):
    depth, size, options = CASES[request.param]
    return make_trace(depth, size, **options)


def test_legs_follow_one_another_and_carry_the_traces_volumes(case):
    legs = journey(case)
    assert legs[0].before == fmt.volume(case.input) and legs[-1].after == fmt.volume(case.output)
    for a, b in zip(legs[:-1], legs[1:], strict=True):
        # only legs that keep the volume are skipped, and a flatten is said in the fc's sentence
        assert a.after == b.before or (a.after == f"1×1×{b.before}" and "flattened" in b.why), (a.where, b.where)
    for leg in legs:
        thing = case.block(leg.where) if leg.where in {b.id for b in case.blocks} else case.op(leg.where)
        assert (leg.before, leg.after) == (fmt.volume(thing.input), fmt.volume(thing.output))
        assert leg.before != leg.after


def test_what_a_leg_says_a_stride_did_is_what_it_did(case):
    for leg in journey(case):
        if leg.where not in {b.id for b in case.blocks}:
            continue
        block = case.block(leg.where)
        m = re.match(r"`([^`]+)`, a (\d+)×(\d+) conv with stride (\d+), (.*?)\.", leg.why)
        if block.input.spatial == block.output.spatial:
            assert "takes" not in (m.group(5) if m else ""), leg.why
        if m is None:
            assert "stride" not in leg.change
            continue
        op = case.op(m.group(1))
        assert op.block == block.id and f"stride {op.stride[0]}" in leg.change
        if op.input.spatial == op.output.spatial:
            side = fmt.spatial(op.input)
            assert m.group(5) == f"meets a {side} map and keeps it {side}", leg.why
        else:
            assert m.group(5) == f"takes {fmt.spatial(block.input)} to {fmt.spatial(block.output)}", leg.why
    assert "halv" not in legs_text(case)


def test_channel_numbers_in_sentences_are_the_blocks(case):
    for leg in journey(case):
        if leg.where not in {b.id for b in case.blocks}:
            continue
        block = case.block(leg.where)
        c_in, c_out = block.input.channels, block.output.channels
        if c_in == c_out:
            assert "channels" not in leg.change
            continue
        assert f"so {c_in} channels come in and {c_out} go out" in leg.why or f"({c_in} → {c_out})" in leg.why
        factor = f"×{c_out // c_in}" if c_out % c_in == 0 else f"{c_in} → {c_out}"
        assert f"channels {factor}" in leg.change


def test_every_shown_size_formula_is_pytorchs_arithmetic(case):
    for leg in journey(case):
        for line in leg.arithmetic:
            m = re.fullmatch(r"(height|width) (\d+) at `([^`]+)`: (.*)", line)
            assert m, line
            op = case.op(m.group(3))
            axis = 0 if m.group(1) == "height" else 1
            assert int(m.group(2)) == op.input.spatial[axis]
            computed, claimed = evaluate(m.group(4))
            assert computed == claimed == op.output.spatial[axis], line
            assert op.input.spatial[axis] % op.stride[axis], "arithmetic is shown only where the stride does not divide"
            assert leg.strided == op.id


def test_the_rounding_note_appears_only_when_arithmetic_is_shown(case):
    shown = [a for leg in journey(case) for a in leg.arithmetic]
    note = rounding_note(case)
    assert (note is None) == (not shown)
    if note is None:
        return
    cases = [(case.op(leg.strided), axis) for leg in journey(case) if leg.strided for axis in (0, 1)
             if case.op(leg.strided).input.spatial[axis] % case.op(leg.strided).stride[axis]]
    up = all(op.output.spatial[a] == -(-op.input.spatial[a] // op.stride[a]) for op, a in cases)
    down = all(op.output.spatial[a] == op.input.spatial[a] // op.stride[a] for op, a in cases)
    expected = ("rounds up in every case shown" if up else "rounds down in every case shown" if down
                else "rounds up in some places and down in others")
    assert expected in note
    op, axis = cases[0]
    assert f"({op.input.spatial[axis]} → {op.output.spatial[axis]})" in note
    assert f"({op.input.spatial[axis]} / {op.stride[axis]} is not whole)" in note


def test_odd_inputs_show_the_rounding(make_trace):
    t = make_trace(34, (197, 311))
    assert journey_chain(t)[:3] == ("197×311×3", "99×156×64", "50×78×64")
    arith = [a for leg in journey(t) for a in leg.arithmetic]
    assert "height 197 at `conv1`: (197 + 2·3 − 1·(7−1) − 1) / 2 + 1 = 99" in arith
    assert "width 39 at `layer3.0.conv1`: (39 + 2·1 − 1·(3−1) − 1) / 2 + 1 = 20" in arith
    assert not any("`layer2.0.conv1`" in a for a in arith)  # 50×78 halves exactly: nothing to show
    assert "rounds up in every case shown (197 → 99)" in rounding_note(t)


# --- the premises of the sentences ------------------------------------------------------------------------------

def test_option_a_with_stride_1_does_not_subsample(make_trace):
    t = make_trace(50, 224, shortcut="A")
    legs = {leg.where: leg for leg in journey(t)}
    first = legs["layer1.0"]
    assert "The zero-pad shortcut `layer1.0.downsample` keeps every pixel (stride 1)" in first.why
    assert "subsampl" not in first.why and "every second" not in first.why
    extra = t.block("layer1.0").output.channels - t.block("layer1.0").input.channels
    assert f"appends {extra} channels of zeros" in first.why and extra == 192
    assert "keeps every second row and column and appends 256 channels of zeros" in legs["layer2.0"].why
    assert t.op("layer2.0.downsample").stride == (2, 2) and t.op("layer1.0.downsample").stride in (None, (1, 1))


@pytest.mark.parametrize("size", [1, 8, 16])
def test_a_stride_that_meets_a_1x1_map_keeps_it(make_trace, size):
    t = make_trace(50 if size == 8 else 34, size)
    for leg in journey(t):
        if leg.before.startswith("1×1×") and leg.after.startswith("1×1×"):
            assert "takes" not in leg.why.split(".")[0] and "halv" not in leg.why
            if leg.where in {b.id for b in t.blocks}:
                assert "meets a 1×1 map and keeps it 1×1" in leg.why
                assert leg.change.startswith("stride 2")  # the stride is there; only the size stays
    if size == 1:
        assert "(a stride of 2 cannot shrink a 1×1 map)" in journey(t)[0].why
        assert not any(leg.where == "maxpool" for leg in journey(t))  # 1×1×64 in and out: not a change


def test_batch_size_changes_no_leg(make_trace):
    """Volumes leave the batch out, so a batch of 3 tells the same journey as one image."""
    assert journey(make_trace(18, 224, batch=3)) == journey(make_trace(18, 224))


# --- networks that are not the paper's --------------------------------------------------------------------------

def test_a_plain_cnn_gets_no_residual_words(zoo_trace):
    t = zoo_trace("plain_cnn")
    legs = journey(t)
    assert legs and all(leg.paper == "" and leg.section == "plain" for leg in legs)
    text = legs_text(t)
    for word in ("block", "shortcut", "residual", "conv1", "conv2_x", "class score"):
        assert word not in text, word
    assert "maps them to 10 outputs" in legs[-1].why  # not the built-in's class scores
    assert journey_chain(t)[0] == "32×32×3" and journey_chain(t)[-1] == "10"


@pytest.mark.parametrize("name", ["timm_style_resnet18", "resnet_d_block_net", "se_resnet", "preact_resnet"])
def test_user_residual_nets_get_their_own_ids(zoo_trace, name):
    t = zoo_trace(name)
    legs = journey(t)
    ids = {o.id for o in t.ops} | {b.id for b in t.blocks}
    for leg in legs:
        assert leg.where in ids
        for named in re.findall(r"`([^`]+)`", leg.why):
            assert named in ids, (leg.where, named)
    assert "class score" not in legs_text(t)  # user models: "outputs"
    shortcuts = [b for b in t.blocks if b.input != b.output]
    for b in shortcuts:
        leg = next(x for x in legs if x.where == b.id)
        sc = [o for o in t.ops_of(b.op_ids) if o.path is not None and o.path.value == "shortcut"]
        assert f"`{sc[0].id}`" in leg.why
        if any(o.kind is OpKind.AVGPOOL for o in sc):
            assert "average-pools the input" in leg.why
