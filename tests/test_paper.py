"""Table 1 and the side-by-side table, checked against the paper (an outside oracle) and against the trace: every
cell, size and count is the trace's, captions claim the paper only for the paper's networks."""

from __future__ import annotations

import csv
import io

import pytest

from resnet_viz import fmt
from resnet_viz.output.comparison import comparison_traces
from resnet_viz.render.paper_tables import comparison_csv, comparison_markdown, table1_csv, table1_markdown
from resnet_viz.schema import OpKind, Path
from resnet_viz.views.groups import downsampling_op
from resnet_viz.views.paper import (
    Stack,
    column_title,
    comparison,
    comparison_caption,
    comparison_depths,
    is_cifar_net,
    is_paper_net,
    macs_row_name,
    table1,
    table1_caption,
)

# The paper's Table 1 (He et al. 2015): blocks per stage and the block's convs, an outside oracle.
PAPER_REPEATS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}
BASIC = {"conv2_x": ("3×3, 64", "3×3, 64"), "conv3_x": ("3×3, 128", "3×3, 128"),
         "conv4_x": ("3×3, 256", "3×3, 256"), "conv5_x": ("3×3, 512", "3×3, 512")}
BOTTLENECK = {"conv2_x": ("1×1, 64", "3×3, 64", "1×1, 256"), "conv3_x": ("1×1, 128", "3×3, 128", "1×1, 512"),
              "conv4_x": ("1×1, 256", "3×3, 256", "1×1, 1024"), "conv5_x": ("1×1, 512", "3×3, 512", "1×1, 2048")}
OUTPUT_SIZES = {"conv1": "112×112", "conv2_x": "56×56", "conv3_x": "28×28", "conv4_x": "14×14", "conv5_x": "7×7",
                "head": "1×1"}
# Section 4.2 and Table 6: the CIFAR-10 nets have 3 stages of n blocks, 6n + 2 layers, widths 16/32/64.
CIFAR_N = {20: 3, 32: 5, 44: 7, 56: 9, 110: 18}


def rows_by_key(trace):
    return {r.key: r for r in table1(trace)}


@pytest.mark.parametrize("depth", sorted(PAPER_REPEATS))
def test_table1_matches_the_paper(make_trace, depth):
    t = make_trace(depth, 224)
    rows = rows_by_key(t)
    assert list(rows) == ["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "head", "macs", "params"]
    for key, size in OUTPUT_SIZES.items():
        assert rows[key].output_size == size
    assert rows["conv1"].cell.lines == ("7×7, 64, stride 2",)
    assert rows["conv2_x"].cell.lines == ("3×3 max pool, stride 2",)
    expected = BASIC if depth < 50 else BOTTLENECK
    for stage, repeat in zip(("conv2_x", "conv3_x", "conv4_x", "conv5_x"), PAPER_REPEATS[depth], strict=True):
        assert rows[stage].cell.stacks == (Stack(expected[stage], repeat),)
    assert rows["head"].cell.lines == ("average pool, 1000-d fc",)
    assert column_title(t) == f"{depth}-layer" and is_paper_net(t) and not is_cifar_net(t)
    assert table1_caption(t).startswith(f"Table 1 of the paper, rebuilt from the trace of resnet{depth} (v1.5, "
                                        f"shortcut B) at 224×224×3.")


def test_table1_counts_come_from_the_trace(make_trace):
    t = make_trace(34, 224)
    rows = rows_by_key(t)
    assert rows["macs"].cell.lines == ("3.7×10⁹",)  # the paper prints 3.6×10⁹ (it counts slightly differently)
    assert rows["macs"].cell.notes[0] == "3.66 G per image" == f"{fmt.compact(t.totals.macs)} per image"
    assert rows["macs"].name == "multiply-adds (the paper's “FLOPs”)" == macs_row_name(t)
    assert rows["params"].cell.lines == ("21.80 M",)
    assert rows["params"].cell.notes[0] == "21,797,672" == fmt.thousands(t.totals.params)  # torchvision's count


def test_every_cell_is_the_traces(make_trace, zoo_trace):
    for t in (make_trace(50, (197, 311)), make_trace(34, 16), make_trace(None, 224, arch="resnext50_32x4d"),
              make_trace(18, 224, batch=3), zoo_trace("resnet_d_block_net"), zoo_trace("se_resnet")):
        rows = rows_by_key(t)
        for i, stage in enumerate(t.stages):
            row = rows[stage.paper_name]
            assert row.output_size == fmt.size(stage.output) and row.stage_index == i
            assert sum(s.repeat for s in row.cell.stacks) == len(stage.blocks)
            first = tuple(fmt.pair(o.kernel_size) + f", {o.output.channels}" + (f", g={o.groups}" if o.groups > 1
                                                                                else "")
                          for o in t.ops_of(stage.blocks[0].op_ids)
                          if o.kind is OpKind.CONV and o.path in (Path.PRE, Path.MAIN))
            assert row.cell.stacks[0].lines == first
            assert f"`{stage.id}`" in row.pytorch
        per_image = t.totals.macs // t.batch
        assert rows["macs"].cell.lines == (fmt.paper_power(per_image),)
        assert rows["macs"].cell.notes[0] == f"{fmt.compact(per_image)} per image"
        assert rows["params"].cell.notes[0] == fmt.thousands(t.totals.params)
        conv1 = rows["conv1"]
        stem_convs = [o for o in t.ops_of(t.stem) if o.kind is OpKind.CONV]
        assert conv1.cell.lines == tuple(f"{fmt.pair(o.kernel_size)}, {o.output.channels}, stride {o.stride[0]}"
                                         for o in stem_convs)


def test_a_batch_does_not_change_table1(make_trace):
    """Table 1 speaks per image: a batch of 3 gives the same rows as one image."""
    assert table1(make_trace(18, 224, batch=3)) == table1(make_trace(18, 224))


def test_table1_notes_the_strided_conv_of_each_variant(make_trace):
    v15 = rows_by_key(make_trace(50, 224))
    v1 = rows_by_key(make_trace(50, 224, variant="v1"))
    assert v15["conv3_x"].cell.notes == ("stride 2 in the first block's 3×3 conv `layer2.0.conv2`",)
    assert v1["conv3_x"].cell.notes == ("stride 2 in the first block's 1×1 conv `layer2.0.conv1`",)
    assert v15["conv2_x"].cell.notes == ()  # the max-pool already halved the side; no strided conv in conv2_x


@pytest.mark.parametrize(("depth", "size"), [(34, 1), (50, 8), (34, 16)])
def test_small_inputs_keep_the_stride_notes(make_trace, depth, size):
    """Where a stride meets a 1×1 map the size stays 1×1, but the stride is there and Table 1 says so."""
    t = make_trace(depth, size)
    rows = rows_by_key(t)
    for stage in t.stages[1:]:
        op = downsampling_op(t, stage)
        assert rows[stage.paper_name].cell.notes == (
            f"stride 2 in the first block's {fmt.pair(op.kernel_size)} conv `{op.id}`",)
    assert rows["conv2_x"].cell.lines == ("3×3 max pool, stride 2",)
    assert rows["conv5_x"].output_size == "1×1" and rows["head"].output_size == "1×1"


def test_cifar_stem_has_no_pool_and_three_stages(make_trace):
    t = make_trace(20, 32)
    rows = rows_by_key(t)
    assert [k for k in rows if k.startswith("conv")] == ["conv1", "conv2_x", "conv3_x", "conv4_x"]
    assert rows["conv1"].cell.lines == ("3×3, 16, stride 1",)
    assert rows["conv2_x"].cell.lines == () and rows["conv2_x"].pytorch == "`layer1`"
    assert rows["conv2_x"].cell.stacks == (Stack(("3×3, 16", "3×3, 16"), 3),)
    assert [rows[k].output_size for k in ("conv2_x", "conv3_x", "conv4_x")] == ["32×32", "16×16", "8×8"]
    assert rows["head"].cell.lines == ("average pool, 10-d fc",)


@pytest.mark.parametrize("depth", sorted(CIFAR_N))
def test_the_cifar_family_is_not_the_papers_table1(make_trace, depth):
    t = make_trace(depth, 32)
    rows = rows_by_key(t)
    n = CIFAR_N[depth]
    assert [rows[k].cell.stacks for k in ("conv2_x", "conv3_x", "conv4_x")] == [
        (Stack((f"3×3, {w}", f"3×3, {w}"), n),) for w in (16, 32, 64)]
    assert is_cifar_net(t) and not is_paper_net(t) and column_title(t) == f"{depth}-layer"
    caption = table1_caption(t)
    assert "Table 1 of the paper" not in caption
    assert caption.startswith("The paper's CIFAR-10 network (section 4.2; its Table 6 lists no FLOPs)")
    assert rows["macs"].name == "multiply-adds" and "FLOPs" not in rows["macs"].name
    assert not any("FLOPs" in note for note in rows["macs"].cell.notes)


@pytest.mark.parametrize(("depth", "size", "options"), [
    (18, 224, {"stem": "cifar"}), (None, 224, {"arch": "resnext50_32x4d"}), (50, 224, {"preact": True}),
    (None, 224, {"layers": "2,2"}), (None, 224, {"arch": "wide_resnet50_2"}),
])
def test_other_networks_only_borrow_table1s_layout(make_trace, depth, size, options):
    t = make_trace(depth, size, **options)
    assert not is_paper_net(t) and not is_cifar_net(t)
    assert table1_caption(t).startswith("The layout of the paper's Table 1, rebuilt from the trace of")
    assert rows_by_key(t)["macs"].name == "multiply-adds"
    assert column_title(t) == t.model_name


def test_comparison_aligns_rows_and_merges_nothing_it_should_not(make_trace):
    traces = [make_trace(d, 224) for d in PAPER_REPEATS]
    comp = comparison(traces, current=traces[1])
    assert comp.columns == ("18-layer", "34-layer", "50-layer", "101-layer", "152-layer")
    assert comp.models == ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")
    assert comp.current == 1
    assert comp.keys == ("conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "head", "macs", "params")
    conv4 = comp.cells[comp.keys.index("conv4_x")]
    assert [c.stacks[0].repeat for c in conv4] == [2, 6, 6, 23, 36]
    assert comp.output_sizes[:6] == tuple(OUTPUT_SIZES.values())
    macs = comp.cells[comp.keys.index("macs")]
    assert [c.lines[0] for c in macs] == [fmt.paper_power(t.totals.macs) for t in traces]
    md = comparison_markdown(comp)
    assert "| conv4_x | 14×14 | [3×3, 256; 3×3, 256] ×2 | [3×3, 256; 3×3, 256] ×6 |" in md
    rows = list(csv.reader(io.StringIO(comparison_csv(comp))))
    assert rows[0] == ["key", "layer_name", "output_size", "resnet18", "resnet34", "resnet50", "resnet101",
                       "resnet152"]
    assert rows[4][:4] == ["conv4_x", "conv4_x", "14×14", "[3×3, 256; 3×3, 256] ×2"]
    assert comparison_caption(comp, traces[1]).startswith("The same table for 5 depths at 224×224×3. The highlighted "
                                                          "column is this report's network")


def test_comparison_of_cifar_nets_with_their_own_depths(make_trace):
    t = make_trace(20, 32)
    traces = comparison_traces(t, (20, 32))
    assert [x.model_name for x in traces] == ["resnet20", "resnet32"]
    assert all(x.input == t.input and x.model.shortcut == "A" and x.model.stem == "cifar" for x in traces)
    comp = comparison(traces, current=t)
    assert comp.columns == ("20-layer", "32-layer") and comp.current == 0
    assert "| conv2_x | 32×32 | [3×3, 16; 3×3, 16] ×3 | [3×3, 16; 3×3, 16] ×5 |" in comparison_markdown(comp)
    assert "FLOPs" not in comparison_markdown(comp)


def test_comparison_depths_follow_the_family(make_trace):
    assert comparison_depths(make_trace(34, 224)) == (18, 34, 50, 101, 152)
    assert comparison_depths(make_trace(50, 224, variant="v1", shortcut="C")) == (18, 34, 50, 101, 152)
    assert comparison_depths(make_trace(56, 32)) == (20, 32, 44, 56, 110)
    assert comparison_depths(make_trace(1202, 32)) == (20, 32, 44, 56, 110, 1202)  # 1202 only beside itself
    assert comparison_depths(make_trace(None, 224, layers="2,2")) == ()
    assert comparison_depths(make_trace(18, 32, stem="cifar")) == ()
    assert comparison_depths(make_trace(None, 224, arch="resnext50_32x4d")) == ()


def test_custom_layers_are_described_without_a_comparison(make_trace):
    t = make_trace(None, 224, layers="2,2")
    rows = rows_by_key(t)
    assert list(rows) == ["conv1", "conv2_x", "conv3_x", "head", "macs", "params"]
    md = table1_markdown(t)
    assert md.startswith("**Table 1 for resnet-basic-2-2 at 224×224×3**")
    assert md.count("\n| ") == 7  # header + 6 rows
    assert ("| conv3_x | `layer2` | 28×28 | [3×3, 128; 3×3, 128] ×2 (stride 2 in the first block's 3×3 conv "
            "`layer2.0.conv1`) |") in md
    rows_csv = list(csv.reader(io.StringIO(table1_csv(t))))
    assert rows_csv[0] == ["key", "layer_name", "pytorch", "output_size", "spec", "notes"]
    assert rows_csv[3] == ["conv3_x", "conv3_x", "layer2", "28×28", "[3×3, 128; 3×3, 128] ×2",
                           "stride 2 in the first block's 3×3 conv layer2.0.conv1"]
    assert rows_csv[-1] == ["params", "parameters", "", "", fmt.compact(t.totals.params),
                            fmt.thousands(t.totals.params)]


def test_a_plain_cnn_has_no_table1(zoo_trace):
    t = zoo_trace("plain_cnn")
    assert table1(t) == () and table1_markdown(t) == "" and table1_csv(t) == ""
    assert comparison_depths(t) == () and column_title(t) == "plain_cnn"


@pytest.mark.parametrize("name", ["timm_style_resnet18", "resnet_d_block_net", "preact_resnet"])
def test_user_residual_nets_get_table1_in_their_own_names(zoo_trace, name):
    t = zoo_trace(name)
    rows = rows_by_key(t)
    assert rows and not is_paper_net(t) and comparison_depths(t) == ()
    assert table1_caption(t).startswith(f"The layout of the paper's Table 1, rebuilt from the trace of {name} at ")
    ids = {o.id for o in t.ops} | {s.id for s in t.stages}
    for row in rows.values():
        for named in row.pytorch.replace("`", "").split(" · "):
            assert not named or named in ids, named
