"""Table 1 and the side-by-side table, checked against the paper."""

from __future__ import annotations

import pytest

from resnet_viz import paper

# The paper's Table 1 (He et al. 2015): blocks per stage and the block's convs, an outside oracle.
PAPER_REPEATS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}
BASIC = {"conv2_x": ("3×3, 64", "3×3, 64"), "conv3_x": ("3×3, 128", "3×3, 128"),
         "conv4_x": ("3×3, 256", "3×3, 256"), "conv5_x": ("3×3, 512", "3×3, 512")}
BOTTLENECK = {"conv2_x": ("1×1, 64", "3×3, 64", "1×1, 256"), "conv3_x": ("1×1, 128", "3×3, 128", "1×1, 512"),
              "conv4_x": ("1×1, 256", "3×3, 256", "1×1, 1024"), "conv5_x": ("1×1, 512", "3×3, 512", "1×1, 2048")}
OUTPUT_SIZES = {"conv1": "112×112", "conv2_x": "56×56", "conv3_x": "28×28", "conv4_x": "14×14", "conv5_x": "7×7",
                "head": "1×1"}


def rows_by_key(trace):
    return {r.key: r for r in paper.table1(trace)}


@pytest.mark.parametrize("depth", sorted(PAPER_REPEATS))
def test_table1_matches_the_paper(make_trace, depth):
    rows = rows_by_key(make_trace(depth, 224))
    assert list(rows) == ["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "head", "macs", "params"]
    for key, size in OUTPUT_SIZES.items():
        assert rows[key].output_size == size
    assert rows["conv1"].cell.lines == ("7×7, 64, stride 2",)
    assert rows["conv2_x"].cell.lines == ("3×3 max pool, stride 2",)
    expected = BASIC if depth < 50 else BOTTLENECK
    for stage, repeat in zip(("conv2_x", "conv3_x", "conv4_x", "conv5_x"), PAPER_REPEATS[depth], strict=True):
        assert rows[stage].cell.stacks == (paper.Stack(expected[stage], repeat),)
    assert rows["head"].cell.lines == ("average pool, 1000-d fc",)


def test_table1_counts_come_from_the_trace(make_trace):
    t = make_trace(34, 224)
    rows = rows_by_key(t)
    assert rows["macs"].cell.lines == ("3.7×10⁹",)  # the paper prints 3.6×10⁹ (it counts slightly differently)
    assert "multiply-adds" in rows["macs"].name and "FLOPs" in rows["macs"].name
    assert rows["params"].cell.notes == ("21,797,672",)  # torchvision's published count


def test_table1_notes_the_strided_conv_of_each_variant(make_trace):
    v15 = rows_by_key(make_trace(50, 224))
    v1 = rows_by_key(make_trace(50, 224, variant="v1"))
    assert "`layer2.0.conv2`" in v15["conv3_x"].cell.notes[0] and "3×3" in v15["conv3_x"].cell.notes[0]
    assert "`layer2.0.conv1`" in v1["conv3_x"].cell.notes[0] and "1×1" in v1["conv3_x"].cell.notes[0]
    assert v15["conv2_x"].cell.notes == ()  # the max-pool already halved the side; no strided conv in conv2_x


def test_cifar_stem_has_no_pool_and_three_stages(make_trace):
    rows = rows_by_key(make_trace(20, 32))
    assert [k for k in rows if k.startswith("conv")] == ["conv1", "conv2_x", "conv3_x", "conv4_x"]
    assert rows["conv1"].cell.lines == ("3×3, 16, stride 1",)
    assert rows["conv2_x"].cell.lines == ()
    assert rows["conv2_x"].cell.stacks == (paper.Stack(("3×3, 16", "3×3, 16"), 3),)
    assert [rows[k].output_size for k in ("conv2_x", "conv3_x", "conv4_x")] == ["32×32", "16×16", "8×8"]
    assert rows["head"].cell.lines == ("average pool, 10-d fc",)


def test_comparison_aligns_rows_and_merges_nothing_it_should_not(make_trace):
    traces = [make_trace(d, 224) for d in PAPER_REPEATS]
    comp = paper.comparison(traces, current=traces[1])
    assert comp.columns == ("18-layer", "34-layer", "50-layer", "101-layer", "152-layer")
    assert comp.current == 1
    assert comp.keys[:6] == ("conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "head")
    conv4 = comp.cells[comp.keys.index("conv4_x")]
    assert [c.stacks[0].repeat for c in conv4] == [2, 6, 6, 23, 36]
    md = paper.comparison_markdown(comp)
    assert "| conv4_x | 14×14 | [3×3, 256; 3×3, 256] ×2 |" in md
    csv_text = paper.comparison_csv(comp)
    assert csv_text.splitlines()[0] == "key,layer_name,output_size,resnet18,resnet34,resnet50,resnet101,resnet152"


def test_comparison_depths_follow_the_family(make_trace):
    assert paper.comparison_depths(make_trace(34, 224)) == (18, 34, 50, 101, 152)
    assert paper.comparison_depths(make_trace(56, 32)) == (20, 32, 44, 56, 110)
    assert paper.comparison_depths(make_trace(56, 32), include_1202=True)[-1] == 1202
    assert paper.comparison_depths(make_trace(None, 224, layers="2,2")) == ()
    opts = paper.comparison_options(make_trace(18, 32, stem="cifar"))
    assert opts == {"input_size": (32, 32), "variant": "v1.5", "shortcut": "B", "stem": "cifar", "num_classes": 1000}


def test_custom_layers_are_described_without_a_comparison(make_trace):
    t = make_trace(None, 224, layers="2,2")
    rows = rows_by_key(t)
    assert list(rows)[:3] == ["conv1", "conv2_x", "conv3_x"]
    assert paper.table1_markdown(t).count("\n| ") == 7  # header + 6 rows
