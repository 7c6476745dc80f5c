"""The per-layer table: columns sum to the totals, colour only on request, widths that fit."""

from resnet_viz.render.table import render_csv, render_markdown, render_text, row_dicts


def test_rows_sum_to_totals(make_trace):
    for t in (make_trace(18, 224), make_trace(50, "197x311"), make_trace(56, None)):
        rows = row_dicts(t)
        assert [r["id"] for r in rows] == [o.id for o in t.ops]
        assert sum(r["params"] for r in rows) == t.totals.params
        assert sum(r["macs"] for r in rows) == t.totals.macs


def test_text_groups_by_stage_and_block(make_trace):
    text = render_text(make_trace(34, 224))
    assert "conv3_x · layer2 · 4 blocks · output 28×28×128" in text
    assert "layer2.0 · basic block, projection shortcut · 56×56×64 → 28×28×128" in text
    assert "    layer2.0.downsample.0" in text
    assert "multiply-adds (MACs) 3,663,761,408 = 3.66 G" in text
    assert max(map(len, text.splitlines())) <= 100 and "\x1b[" not in text


def test_colour_only_when_asked(make_trace):
    assert "\x1b[1m" in render_text(make_trace(18, 224), color=True)


def test_markdown_and_csv_have_one_row_per_op(make_trace):
    t = make_trace(18, 224)
    md_rows = [line for line in render_markdown(t).splitlines() if line.startswith("| ") and "`" in line]
    assert len(md_rows) == len(t.ops)
    assert len(render_csv(t).splitlines()) == len(t.ops) + 1
