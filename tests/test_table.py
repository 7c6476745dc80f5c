"""The per-layer table: one row per op grouped by stage and block, columns that sum to the totals, exact numbers and
PyTorch's size arithmetic in CSV and JSON, a text table that fits 100 columns, LaTeX as a whole document."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess

import pytest
from arithmetic import evaluate
from conftest import require_tool

from resnet_viz import fmt
from resnet_viz.errors import InvalidOption
from resnet_viz.render.formats import render_table
from resnet_viz.render.latex import code
from resnet_viz.render.table import render_csv, render_json, render_markdown, render_text, row_dicts
from resnet_viz.schema import OpKind


def csv_rows(trace) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(render_csv(trace))))


def test_rows_sum_to_totals(make_trace):
    for t in (make_trace(18, 224), make_trace(50, "197x311"), make_trace(56, None), make_trace(18, 224, batch=3)):
        rows = row_dicts(t)
        assert [r["id"] for r in rows] == [o.id for o in t.ops]  # every op once, in execution order
        assert sum(r["params"] for r in rows) == t.totals.params
        assert sum(r["macs"] for r in rows) == t.totals.macs
        assert sum(r["elementwise_ops"] for r in rows) == t.totals.elementwise_ops


def test_text_groups_by_stage_and_block(make_trace):
    text = render_text(make_trace(34, 224))
    assert text.startswith("resnet34 · input 224×224×3 · batch 1\n")
    assert "\nconv3_x · layer2 · 4 blocks · output 28×28×128\n" in text
    assert "\n  layer2.0 · basic block, projection shortcut · 56×56×64 → 28×28×128\n" in text
    assert "\n    layer2.0.downsample.0 " in text
    assert "\nstem (conv1 + conv2_x pool)\n" in text and "\nhead\n" in text  # Table 1 lists the pool under conv2_x
    assert "multiply-adds (MACs) 3,663,761,408 = 3.66 G" in text
    assert "params 21,797,672 (trainable 21,797,672, non-trainable 0)" in text
    assert max(map(len, text.splitlines())) <= 100 and "\x1b[" not in text


def test_the_in_ch_column_shows_what_each_op_reads(make_trace):
    t = make_trace(50, 224)
    text = render_text(t)
    head = next(line for line in text.splitlines() if line.startswith("Op "))
    assert re.match(r"Op +Kind +In ch +Output H×W×C +Kernel +Stride +Pad +Params +MACs", head)
    for op_id, c_in in (("conv1", 3), ("layer1.0.conv1", 64), ("layer2.0.conv1", 256), ("layer2.0.downsample.0", 256),
                        ("layer2.0.conv3", 128), ("fc", 2048)):
        row = next(line for line in text.splitlines() if line.strip().startswith(op_id + " "))
        kind = t.op(op_id).kind.value
        assert re.search(rf"\b{kind} +{c_in} ", row), row
        assert t.op(op_id).input.channels == c_in
    md = render_markdown(t)
    assert "| Paper | Stage | Block | Op | Kind | In ch | Output H×W×C |" in md
    assert "| conv2_x | layer1 | layer1.0 | `layer1.0.conv1` | conv | 64 | 56×56×64 |" in md


def nets(make_trace, zoo_trace):
    from zoo import ZOO

    yield from (make_trace(152, 224), make_trace(None, 224, arch="resnext101_64x4d"),
                make_trace(None, 224, arch="wide_resnet101_2"), make_trace(1202, 32), make_trace(34, (197, 311)),
                make_trace(18, 4000))
    yield from (zoo_trace(name) for name in ZOO)


def test_the_text_table_fits_100_columns(make_trace, zoo_trace):
    for t in nets(make_trace, zoo_trace):
        text = render_text(t)
        wide = [line for line in text.splitlines() if len(line) > 100]
        assert not wide, (t.model_name, wide[:2])
        assert all(op.id[:10] in text for op in t.ops)  # long ids are cut with an ellipsis, never dropped


def test_the_text_table_fits_100_columns_for_a_batch(make_trace):
    text = render_text(make_trace(18, 224, batch=3))
    assert max(map(len, text.splitlines())) <= 100


def test_a_batch_is_named_in_the_header_and_the_footer(make_trace):
    text = render_text(make_trace(18, 224, batch=3))
    assert text.startswith("resnet18 · input 224×224×3 · batch 3\n")
    assert "multiply-adds (MACs) 5,442,220,032 = 5.44 G for the batch of 3 (1.81 G per image)" in " ".join(text.split())
    assert make_trace(18, 224, batch=3).totals.macs == 5_442_220_032 == 3 * make_trace(18, 224).totals.macs


def test_colour_only_when_asked(make_trace):
    t = make_trace(18, 224)
    coloured = render_text(t, color=True)
    assert "\x1b[1m" in coloured and "\x1b[" not in render_text(t)
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == render_text(t)  # colour adds nothing but styles


def test_a_plain_cnn_is_one_group(zoo_trace):
    text = render_text(zoo_trace("plain_cnn"))
    assert "\nall ops (no residual block found)\n" in text
    assert "block," not in text and "conv2_x" not in text and "shortcut" not in text


def test_markdown_and_csv_have_one_row_per_op(make_trace):
    t = make_trace(18, 224)
    md_rows = [line for line in render_markdown(t).splitlines() if line.startswith("| ") and "`" in line]
    assert [re.search(r"`([^`]+)`", r).group(1) for r in md_rows] == [o.id for o in t.ops]
    assert len(render_csv(t).splitlines()) == len(t.ops) + 1
    assert render_table(t, "md") == render_markdown(t) and render_table(t, "csv") == render_csv(t)
    assert render_table(t) == render_text(t)


def test_csv_carries_exact_numbers_and_the_size_formulas(make_trace):
    t = make_trace(34, (197, 311))
    rows = csv_rows(t)
    assert [r["id"] for r in rows] == [o.id for o in t.ops]
    for r, op in zip(rows, t.ops, strict=True):
        assert int(r["params"]) == op.params and int(r["macs"]) == op.macs
        assert int(r["in_channels"]) == op.input.channels
        assert r["output"] == "x".join(map(str, op.output.dims))
        if op.kind in (OpKind.CONV, OpKind.MAXPOOL, OpKind.AVGPOOL) and op.kernel_size:
            for axis, key in ((0, "size_formula_h"), (1, "size_formula_w")):
                computed, claimed = evaluate(r[key])
                assert computed == claimed == op.output.spatial[axis], (op.id, r[key])
                assert r[key].startswith(f"⌊({op.input.spatial[axis]} + ") or \
                    r[key].startswith(f"({op.input.spatial[axis]} + ")
        else:
            assert r["size_formula_h"] == r["size_formula_w"] == "", op.id
    conv1 = rows[0]
    assert (conv1["kernel_size"], conv1["stride"], conv1["padding"]) == ("7x7", "2x2", "3x3")
    assert conv1["macs"] == str(t.op("conv1").macs) == "145297152"  # exact, not '145.30 M'
    add = next(r for r in rows if r["id"] == "layer1.0.add")
    assert add["inputs"] == "layer1.0.bn2;maxpool" and add["paper_name"] == "conv2_x"
    assert next(r for r in rows if r["id"] == "maxpool")["paper_name"] == "conv2_x"


def test_json_carries_exact_numbers(make_trace):
    t = make_trace(18, 224, batch=3)
    doc = json.loads(render_json(t))
    assert (doc["model_name"], doc["batch"], doc["input"]) == ("resnet18", 3, [3, 224, 224])
    assert doc["totals"]["macs"] == t.totals.macs and doc["totals"]["macs_per_image"] == t.totals.macs // 3
    assert doc["totals"]["params"] == t.totals.params == 11_689_512
    rows = doc["rows"]
    assert [r["id"] for r in rows] == [o.id for o in t.ops]
    for r, op in zip(rows, t.ops, strict=True):
        assert (r["params"], r["macs"], r["in_channels"]) == (op.params, op.macs, op.input.channels)
        assert r["output"] == list(op.output.dims)
        if r["size_formula_h"] is not None:
            assert evaluate(r["size_formula_h"])[1] == op.output.height
            assert evaluate(r["size_formula_w"])[1] == op.output.width
    conv1 = rows[0]
    assert (conv1["kernel_size"], conv1["stride"], conv1["padding"]) == ([7, 7], [2, 2], [3, 3])
    assert conv1["size_formula_h"] == "⌊(224 + 2·3 − 1·(7−1) − 1) / 2⌋ + 1 = 112"
    assert render_table(t, "json") == render_json(t)


def test_latex_is_a_whole_document(make_trace, tmp_path):
    t = make_trace(18, 224)
    tex = render_table(t, "latex")
    assert tex.isascii()
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert tex.count("\\begin{document}") == 1 and "\\usepackage{longtable}" in tex
    body = tex[tex.index("\\begin{document}"):]
    for op in t.ops:
        assert code(op.id) in body, op.id  # every op, its id escaped for pdflatex
    assert "Op & Kind & In ch &" in body
    require_tool("pdflatex", "latex")
    (tmp_path / "t.tex").write_text(tex, encoding="ascii")
    for _ in range(2):  # longtable settles its widths on the second run
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=tmp_path,
                             capture_output=True, text=True, errors="replace", timeout=300)
        assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "t.pdf").stat().st_size > 1000


def test_an_unknown_format_names_the_valid_ones(make_trace):
    with pytest.raises(InvalidOption, match=r"^unknown table format 'pdf' \(must be one of: text, md, csv, json, "
                                            r"latex\)$"):
        render_table(make_trace(18, 224), "pdf")


def test_group_subtotals_are_the_groups_ops(make_trace):
    t = make_trace(34, 224)
    text = render_text(t)
    block = t.block("layer2.0")
    params = sum(o.params for o in t.ops_of(block.op_ids))
    macs = sum(o.macs for o in t.ops_of(block.op_ids))
    after = text[text.index("  layer2.0 · "):]
    first_total = next(line for line in after.splitlines() if "└" in line)
    assert first_total.strip() == f"└ params {fmt.thousands(params)} · MACs {fmt.compact(macs)}"
