"""The report's explanations, the per-layer caption and legend, and the drawings' captions: each sentence is true for
the network it describes (CIFAR vs ImageNet stems, shortcut options, 1×1 maps, batches, one-block stages, plain
CNNs), and every number in it is the trace's."""

from __future__ import annotations

import re

import pytest

from resnet_viz import fmt
from resnet_viz.options import Level
from resnet_viz.schema import OpKind, Path, ShortcutKind
from resnet_viz.views.captions import describe
from resnet_viz.views.explain import explanations, layers_caption, layers_legend
from resnet_viz.views.figures import standard_figures
from resnet_viz.views.groups import downsampling_op
from resnet_viz.views.journey import journey
from resnet_viz.views.paper import table1, table1_caption


def notes(trace) -> dict[str, str]:
    return {n.key: n.text for n in explanations(trace)}


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.:;])\s+(?=[A-Z`(])", text) if s]


def every_word(trace) -> str:
    """Everything the views say about a trace: notes, captions, legend, journey, Table 1 and figure captions."""
    parts = [f"{n.title}\n{n.text}" for n in explanations(trace)]
    parts += [layers_caption(trace), layers_legend(trace)]
    parts += [f"{leg.change}\n{leg.why}" for leg in journey(trace)]
    if table1(trace):
        parts.append(table1_caption(trace))
        parts += [f"{r.name} {r.output_size} {r.cell.text()} {' '.join(r.cell.notes)}" for r in table1(trace)]
    parts += [f"{f.title}\n{f.caption}" for f in standard_figures(trace)]
    return "\n".join(parts)


# --- what each note says, for the paper's networks ----------------------------------------------------------------

def test_cifar_explanations_say_the_right_thing(make_trace):
    n = notes(make_trace(56, 32))
    assert "with no max-pool" in n["stem"] and "`conv1` (3×3, stride 1)" in n["stem"]
    assert "keeps the full resolution, so the first stage works on 32×32×16" in n["stem"]
    assert "the strided convs that open conv3_x and conv4_x" in n["stem"]
    assert "option A" in n["shortcuts"] and "zeros" in n["shortcuts"] and "no parameters" in n["shortcuts"]
    assert "projection" not in n["shortcuts"].replace("instead of a projection", "")
    assert "16 channels of zeros" in n["shortcuts"] and "keeps every second row and column" in n["shortcuts"]
    assert "25 of 27 blocks add their input unchanged" in n["shortcuts"]


def test_imagenet_explanations(make_trace):
    t = make_trace(34, 224)
    n = notes(t)
    assert list(n) == ["stem", "halving", "shortcuts", "blocks", "head", "counting"]
    assert "`conv1` (7×7, stride 2) and `maxpool` (3×3, stride 2) together have a stride of 4 (224×224 → 56×56)" \
        in n["stem"]
    assert "lists this max-pool in the conv2_x row" in n["stem"]
    assert "projection shortcut" in n["shortcuts"] and "`layer2.0.downsample.0`" in n["shortcuts"]
    assert "13 of 16 blocks add their input unchanged" in n["shortcuts"]
    assert "Each halves height and width" in n["halving"]
    assert "exactly even" in n["halving"]  # every stage's last block costs the same
    assert "FLOPs = 2 × MACs = 7.33 G per image" in n["counting"]
    assert "`avgpool` averages each of the 512 final maps (7×7) to one number" in n["head"]
    assert "1,000 class scores" in n["head"]


def test_shortcut_options_and_variants(make_trace):
    c = notes(make_trace(18, 224, shortcut="C"))["shortcuts"]
    assert "5 other blocks project too, although their shapes already match (the paper's option C)" in c
    assert "add their input unchanged" not in c  # no identity shortcut left
    b = notes(make_trace(50, 224))["blocks"]
    assert b.startswith("A bottleneck block") and "the 3×3, as in torchvision (v1.5)" in b
    assert "`layer2.0.conv2`" in b
    v1 = notes(make_trace(50, 224, variant="v1"))["blocks"]
    assert "the strided conv is `layer2.0.conv1`, the first 1×1, as in the paper (v1)" in v1
    g = notes(make_trace(None, 224, arch="resnext50_32x4d"))["blocks"]
    assert "(3×3, 256, g=32)" in g and "grouped (32 groups): each filter sees 8 of its 256 input channels" in g


# --- numbers in sentences are the trace's -----------------------------------------------------------------------

NETS = {
    "r34": (34, 224, {}),
    "r50": (50, 224, {}),
    "r50-A": (50, 224, {"shortcut": "A"}),
    "r18-C": (18, 224, {"shortcut": "C"}),
    "cifar56": (56, 32, {}),
    "odd": (34, (197, 311), {}),
    "i1": (34, 1, {}),
    "i8": (50, 8, {}),
    "i16": (34, 16, {}),
    "batch3": (18, 224, {"batch": 3}),
    "bottleneck-1111": (None, 224, {"layers": "1,1,1,1", "block": "bottleneck"}),
    "bottleneck-1112": (None, 224, {"layers": "1,1,1,2", "block": "bottleneck", "num_classes": 1}),
    "cifar-stem-224": (18, 224, {"stem": "cifar"}),
    "preact": (34, 224, {"preact": True}),
}


@pytest.fixture(params=sorted(NETS))
def net(request, make_trace):
    depth, size, options = NETS[request.param]
    return make_trace(depth, size, **options)


def test_counts_in_the_shortcut_note_are_the_traces(net):
    text = notes(net)["shortcuts"]
    blocks = net.blocks
    ident = [b for b in blocks if b.shortcut is ShortcutKind.IDENTITY]
    if ident:
        verb = "adds its" if len(ident) == 1 else "add their"
        assert text.startswith(f"{len(ident)} of {len(blocks)} blocks {verb} input unchanged")
    else:
        assert "unchanged" not in text
    proj = [b for b in blocks if b.shortcut in (ShortcutKind.PROJECTION, ShortcutKind.POOLED)]
    params = sum(o.params for b in proj for o in net.ops_of(b.op_ids) if o.path is Path.SHORTCUT)
    if proj:
        assert f"The projection shortcuts hold {fmt.thousands(params)} parameters together." in text
        changing = [b for b in proj if b.input != b.output]
        if changing:
            assert f"{len(changing)} block{'s' if len(changing) > 1 else ''} change" in text
    else:
        assert "projection shortcuts hold" not in text
    pad = [b for b in blocks if b.shortcut is ShortcutKind.ZEROPAD]
    if pad:
        b = pad[0]
        extra = b.output.channels - b.input.channels
        assert (f"in `{b.id}` the shortcut keeps every {'second ' if b.stride > 1 else ''}row and column and appends "
                f"{extra} channels of zeros, so {fmt.volume(b.input)} becomes {fmt.volume(b.output)}") in text


def test_counts_in_the_counting_and_halving_notes_are_the_traces(net):
    n = notes(net)
    per_image = net.totals.macs // net.batch
    assert f"“FLOPs” row does: {fmt.compact(per_image)} per image for this network at {fmt.volume(net.input)}" \
        in n["counting"]
    assert f"FLOPs = 2 × MACs = {fmt.compact(2 * per_image)} per image" in n["counting"]
    assert f"({fmt.compact(net.totals.elementwise_ops // net.batch)} elementwise operations per image)" in n["counting"]
    if "halving" not in n:
        return
    costs = [sum(o.macs for o in net.ops_of(s.blocks[-1].op_ids)) // net.batch for s in net.stages]
    m = re.search(r"the last block of every stage costs ([\d.]+ [kMGT]?) ?multiply-adds per image", n["halving"])
    if m:
        assert len(set(costs)) == 1 and m.group(1).strip() == fmt.compact(costs[0]).strip()
    for stage, cost in zip(net.stages, costs, strict=True):
        if "costs (multiply-adds per image)" in n["halving"]:
            assert f"{stage.paper_name} {fmt.compact(cost)}" in n["halving"]
    for stage in net.stages[1:]:
        op = downsampling_op(net, stage)
        assert (f"{stage.paper_name} at `{op.id}` ({fmt.spatial(op.input)} → {fmt.spatial(op.output)})"
                in n["halving"])


def test_the_halving_note_says_halves_only_where_every_stride_halves(net):
    n = notes(net)
    if "halving" not in n:
        return
    downs = [downsampling_op(net, s) for s in net.stages[1:]]
    stuck = [o for o in downs if o.input.spatial == o.output.spatial]
    if stuck:
        assert "Each halves" not in n["halving"] and "exactly even" not in n["halving"]
        side = fmt.spatial(stuck[0].input)
        assert (f"At {', '.join(f'`{o.id}`' for o in stuck)} the map is already {side}, so the stride keeps it that "
                f"size.") in n["halving"]
    else:
        assert "Each halves height and width" in n["halving"]
        assert "already" not in n["halving"]
    assert "opens with a stride-2 conv" in n["halving"]  # the stride is there either way


def test_the_bottleneck_note_names_its_convs_channels(net):
    text = notes(net)["blocks"]
    if not text.startswith("A bottleneck block"):
        assert text.startswith("A basic block")
        return
    m = re.search(r"In `([^`]+)`, `([^`]+)` \(1×1\) (reduces|maps) (\d+) channels to (\d+), `([^`]+)` \(([^)]+)\) "
                  r"works at (\d+), and `([^`]+)` \(1×1\) (expands|maps) (back to|to) (\d+)", text)
    assert m, text
    a, b, c = net.op(m.group(2)), net.op(m.group(6)), net.op(m.group(9))
    assert a.block == b.block == c.block == m.group(1)
    assert (int(m.group(4)), int(m.group(5))) == (a.input.channels, a.output.channels)
    assert int(m.group(8)) == b.output.channels and int(m.group(12)) == c.output.channels
    assert (m.group(11) == "back to") == (c.output.channels == a.input.channels)


def test_bottleneck_with_one_block_per_stage_does_not_expand_back(make_trace):
    """`--layers 1,1,1,1 --block bottleneck`: the block described reads 256 channels and ends at 512."""
    text = notes(make_trace(None, 224, layers="1,1,1,1", block="bottleneck"))["blocks"]
    assert "expands back to 512" not in text
    assert "`layer2.0.conv1` (1×1) reduces 256 channels to 128" in text
    assert "`layer2.0.conv3` (1×1) expands to 512" in text
    assert "expands back to 512" in notes(make_trace(50, 224))["blocks"]  # layer2.1 reads 512 and ends at 512


# --- premises ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 8, 16])
def test_small_inputs_never_say_halves_at_1x1(make_trace, size):
    t = make_trace(50 if size == 8 else 34, size)
    n = notes(t)
    for s in sentences(n["halving"]):
        if "halves" in s:
            assert not any(o.input.spatial == o.output.spatial for o in
                           (downsampling_op(t, st) for st in t.stages[1:])), s
    head = n["head"]
    if t.stages[-1].output.spatial == (1, 1):
        assert f"`avgpool` takes the {fmt.thousands(t.stages[-1].output.channels)} final 1×1 maps as they are" in head
        assert "averages" not in head
    if size == 1:
        assert "a 1×1 input has nothing left to shrink: the first residual block sees 1×1" in n["stem"]
        assert "shrinks the image quickly" not in n["stem"]


def test_no_note_is_titled_shrinks_where_nothing_shrinks(make_trace):
    t = make_trace(34, 1)
    assert all(o.input.spatial == o.output.spatial for o in t.ops if o.input.is_map and o.output.is_map)
    assert not any("shrinks" in n.title for n in explanations(t))
    assert "Where the strided convs sit" in [n.title for n in explanations(t)]
    assert "Where the volume shrinks" in [n.title for n in explanations(make_trace(34, 224))]


def test_cifar_stem_at_224_has_resolution_to_spare(make_trace):
    t = make_trace(18, 224, stem="cifar")
    stem = notes(t)["stem"]
    assert stem.startswith("This stem is a single `conv1` (3×3, stride 1) with no max-pool: it keeps the full "
                           "resolution, so the first stage works on 224×224×64.")
    text = every_word(t)
    for wrong in ("resolution to spare", "little resolution", "small maps", "`maxpool`", "max-pool in the conv2_x"):
        assert wrong not in text, wrong


@pytest.mark.parametrize(("depth", "size", "options"), [(20, None, {}), (20, 32, {}), (56, 32, {}),
                                                        (18, 32, {"stem": "cifar"})])
def test_cifar_nets_never_mention_a_stem_max_pool(make_trace, depth, size, options):
    t = make_trace(depth, size, **options)
    assert not any(o.kind is OpKind.MAXPOOL for o in t.ops)
    text = every_word(t)
    for wrong in ("`maxpool`", "stem's max", "max-pool in the conv2_x row", "this max-pool", "max pool"):
        assert wrong not in text, wrong
    assert "The paper's layer names stand beside PyTorch's names." in layers_caption(t)


def test_a_batch_of_3_says_per_image_or_per_batch_on_every_figure(make_trace):
    one, three = make_trace(18, 224), make_trace(18, 224, batch=3)
    counted = [s for s in sentences(every_word(three).replace("\n", " "))
               if re.search(r"\d", s) and re.search(r"multiply-adds|MACs", s, re.I)]
    assert len(counted) >= 5
    for sentence in counted:
        assert "per image" in sentence or "batch" in sentence, sentence
    n1, n3 = notes(one), notes(three)
    assert {k: v for k, v in n3.items() if k != "counting"} == {k: v for k, v in n1.items() if k != "counting"}
    assert "1.81 G per image for this network at 224×224×3 (5.44 G for the traced batch of 3)" in n3["counting"]
    assert three.totals.macs == 3 * one.totals.macs
    assert layers_caption(three).endswith("MACs are multiply-adds for the traced batch of 3 images (divide by 3 for "
                                          "one image).")
    assert layers_caption(one).endswith("MACs are multiply-adds for one image.")
    assert [(f.title, f.caption) for f in standard_figures(three)] == \
        [(f.title, f.caption) for f in standard_figures(one)]  # captions speak per image
    assert "118.01 M multiply-adds per image" in describe(three, Level.OP, "conv1")[1]


PLURALS = ("blocks", "stages", "class scores", "channels", "filters", "biases", "maps", "final maps", "parameters",
           "other blocks", "outputs", "numbers", "kernels", "images", "ops")
# 'output' is left out: 'give the 1000 output' names the output volume (as 'the 7×7×512 output' does)
SINGULARS = tuple(p[:-2] if p.endswith("ses") else p[:-1] for p in PLURALS if p != "outputs")


@pytest.mark.parametrize(("depth", "size", "options"), [
    (None, 224, {"layers": "1,1,1,2", "block": "bottleneck", "num_classes": 1}),
    (None, 32, {"layers": "1,1,1", "stem": "cifar", "num_classes": 1}),
    (18, 224, {"num_classes": 2}),
])
def test_singular_and_plural_agree_with_their_numbers(make_trace, depth, size, options):
    text = every_word(make_trace(depth, size, **options))
    for word in PLURALS:
        assert not re.search(rf"(?<![\d,.×/])\b1 {word}\b", text), f"'1 {word}'"
    for word in SINGULARS:
        m = re.search(rf"(?<![\d,.×/])\b(?!1 )(\d[\d,]*) {word}\b(?!s)", text)
        assert not m, m and m.group(0)


def test_the_singular_forms_are_used(make_trace):
    t = make_trace(None, 224, layers="1,1,1,2", block="bottleneck", num_classes=1)
    n = notes(t)
    assert n["shortcuts"].startswith("1 of 5 blocks adds its input unchanged (an identity shortcut)")
    assert "and `fc` turns those numbers into 1 class score." in n["head"]
    stage = describe(t, Level.STAGE, "layer1")[0]
    assert stage == "layer1 (conv2_x): 1 block, 56×56×64 → 56×56×256"
    assert describe(t, Level.STAGE, "layer4")[1].endswith("The other 1 block keeps 7×7×2048; each adds its input "
                                                          "unchanged (solid arcs).")


def test_option_a_with_stride_1_is_not_said_to_subsample(make_trace):
    t = make_trace(50, 224, shortcut="A")
    caption = describe(t, Level.BLOCK, "layer1.0")[1]
    assert "a zero-pad shortcut (option A, dotted arc) keeps every pixel and pads the new channels" in caption
    assert "subsamples" not in caption
    op = describe(t, Level.OP, "layer1.0.downsample")[1]
    assert op.startswith("The option-A shortcut layer1.0.downsample keeps every pixel and pads")
    assert "subsampl" not in op
    assert "subsamples the input and pads" in describe(t, Level.BLOCK, "layer2.0")[1]
    shortcuts = notes(t)["shortcuts"]
    assert "in `layer1.0` the shortcut keeps every row and column and appends 192 channels of zeros" in shortcuts


def test_the_legend_names_only_the_marks_the_table_has(make_trace, zoo_trace):
    legend = layers_legend(make_trace(34, 224))
    assert legend.startswith("↓ marks an op that downsamples (strides) · italic rows run on the shortcut path · "
                             "subtotals per block, totals per stage")
    cifar = layers_legend(make_trace(20, 32))
    assert "italic rows run on the shortcut path" in cifar  # the option-A shortcut ops
    plain = layers_legend(zoo_trace("plain_cnn"))
    assert "shortcut" not in plain and "per block" not in plain
    assert "↓" not in layers_legend(make_trace(None, 32, layers="1", stem="cifar"))  # one stage, stride 1 stem


# --- networks that are not the paper's --------------------------------------------------------------------------

def test_a_plain_cnn_gets_no_residual_prose(zoo_trace):
    t = zoo_trace("plain_cnn")
    assert [n.key for n in explanations(t)] == ["counting"]
    assert layers_caption(t) == ("Every op of plain_cnn in execution order, in one group (no residual block was "
                                 "found). MACs are multiply-adds for one image.")
    words = "\n".join(n.text for n in explanations(t)) + layers_legend(t)
    for word in ("block", "shortcut", "residual", "stage", "conv2_x", "class score"):
        assert word not in words, word
    assert table1(t) == ()


def test_user_nets_are_described_by_their_own_ops(zoo_trace):
    d = notes(zoo_trace("resnet_d_block_net"))
    assert ("`layer2.0.downsample.0` average-pools the input (2×2, stride 2) and `layer2.0.downsample.1`, a 1×1 "
            "conv (then a norm), maps it from 14×14×32 to 7×7×64") in d["shortcuts"]
    assert "10 outputs" in d["head"] and "class score" not in d["head"]  # not built by resnet-viz: no class names
    p = notes(zoo_trace("preact_resnet"))
    assert "preceded by a batch norm and a ReLU (pre-activation), and nothing follows the addition" in p["blocks"]
    assert "head" not in p  # its classifier is a 1×1 conv, not an fc: the head note's premise does not hold
    se = zoo_trace("se_resnet")
    text = every_word(se)
    assert "A squeeze-excitation gate scales the main path's channels" in text
    for named in set(re.findall(r"`([^`]+)`", "\n".join(notes(se).values()))):
        assert named in {o.id for o in se.ops} | {b.id for b in se.blocks}, named
