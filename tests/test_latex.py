"""LaTeX tables: escaping that pdflatex accepts, and documents that compile and read like the paper's tables."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import require_tool
from torch import nn

from resnet_viz.core.tracing import trace_module, trace_options
from resnet_viz.options import ModelOptions
from resnet_viz.render.latex import code, comparison_latex, document, layers_latex, table1_latex, tex
from resnet_viz.schema import Trace
from resnet_viz.views.paper import comparison

ODD_ID = "w_#%&$\\{}^~"


@functools.cache
def _trace(**kw: object) -> Trace:
    return trace_options(ModelOptions.parse(device="meta", **kw))


class _UserNet(nn.Module):
    """A small CNN without residual blocks, with a module named by characters LaTeX treats specially."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(8, 16, 3, stride=2, groups=2))
        self.add_module(ODD_ID, nn.Flatten())
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        return self.fc(getattr(self, ODD_ID)(self.features(x)))


@functools.cache
def _user() -> Trace:
    return trace_module(_UserNet(), ModelOptions.parse(input=(32, 32), device="meta"), name="my_net 100%")


def _compile(tmp: Path, *tables: str, source: str | None = None) -> str:
    """pdflatex document(*tables) or `source` (twice, as longtable wants), check its fonts, return
    `pdftotext -layout`'s text."""
    require_tool("pdflatex", "latex")
    require_tool("pdftotext", "latex")
    source = source or document(*tables)
    assert source.isascii()
    (tmp / "t.tex").write_text(source, encoding="ascii")
    for _ in range(2):
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=tmp,
                             capture_output=True, text=True, errors="replace", timeout=300)
        assert run.returncode == 0, run.stdout[-3000:]
    log = (tmp / "t.log").read_text(errors="replace")
    assert "Missing character" not in log and "Undefined control sequence" not in log
    if shutil.which("pdffonts"):  # every glyph from a Type 1 font: no bitmap fallback (TS1) was needed
        fonts = subprocess.run(["pdffonts", "t.pdf"], cwd=tmp, capture_output=True, text=True, check=True).stdout
        assert "Type 3" not in fonts, fonts
    run = subprocess.run(["pdftotext", "-layout", "t.pdf", "-"], cwd=tmp, capture_output=True, text=True, check=True)
    text = re.sub(r"[\x00-\x08\x0b\x0e-\x1f]", "", run.stdout)  # pieces of tall brackets come out as controls
    return re.sub(r"\s*×\s*", "×", text)  # pdftotext spaces math: '56 × 56', '× 2'


# --- escaping ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("char", "latex"), [
    ("#", r"\#"), ("$", r"$\$$"), ("%", r"\%"), ("&", r"\&"), ("_", r"\_"), ("{", r"\{"), ("}", r"\}"),
    ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}"), ("\\", r"\textbackslash{}"),
    ("<", r"\textless{}"), (">", r"\textgreater{}"), ("|", r"\textbar{}"), ('"', r"\char34{}"),
])
def test_special_characters(char: str, latex: str) -> None:
    assert tex(f"a{char}b") == f"a{latex}b"


@pytest.mark.parametrize(("text", "latex"), [
    ("56×56×64", r"56$\times$56$\times$64"),
    ("56×56×64 → 28×28×128", r"56$\times$56$\times$64 $\rightarrow$ 28$\times$28$\times$128"),
    ("⌊(56 + 2 − 3) / 2⌋ + 1", r"$\lfloor$(56 + 2 $-$ 3) / 2$\rfloor$ + 1"),
    ("conv1 · bn1", r"conv1 $\cdot$ bn1"),
    ("–", "--"),
    ("the paper's “FLOPs”", "the paper's ``FLOPs''"),
    ("3.7×10⁹", r"3.7$\times$10$^{9}$"),
    ("11.5×10¹²", r"11.5$\times$10$^{12}$"),
    ("x₁₂", r"x$_{12}$"),
    ("↓ stride 2", r"$\downarrow$ stride 2"),
    ("a--b", "a-{}-b"),
    ("café", r"caf\'{e}"),
    ("naïve", r'na\"{\i}ve'),
    ("中", "[U+4E2D]"),
    ("tab\tand\nnewline", "tab and newline"),
])
def test_unicode_symbols(text: str, latex: str) -> None:
    assert tex(text) == latex


def test_backticks_are_typewriter() -> None:
    assert tex("stride 2 in `layer2.0.conv1`") == r"stride 2 in \texttt{layer2.0.conv1}"
    assert tex("`conv1` · `bn1`") == r"\texttt{conv1} $\cdot$ \texttt{bn1}"
    assert tex("`relu#2`") == r"\texttt{relu\char35{}2}"
    assert tex("an odd ` backtick") == r"an odd \`{} backtick"  # unpaired: printed, not typewriter


def test_odd_op_id() -> None:
    # typewriter fonts keep ASCII at its own codes, so the id prints as typed (and copies out of the PDF so)
    assert code(ODD_ID) == (r"\texttt{w\char95{}\char35{}\char37{}\char38{}{\upshape\char36}\char92{}\char123{}"
                            r"\char125{}\char94{}\char126{}}")
    assert tex(f"op `{ODD_ID}`") == "op " + code(ODD_ID)
    assert tex(ODD_ID) == r"w\_\#\%\&$\$$\textbackslash{}\{\}\textasciicircum{}\textasciitilde{}"


def test_every_character_becomes_ascii() -> None:
    text = "".join(map(chr, range(1, 0x3000)))
    assert tex(text).isascii() and code(text).isascii() and tex(f"`{text}`").isascii()


# --- structure ----------------------------------------------------------------------------------------------------

def test_table1_structure() -> None:
    t = _trace(depth=34, input=224)
    out = table1_latex(t)
    assert out.isascii() and out.startswith("\\begin{table*}") and out.endswith("\\end{table*}\n")
    for part in ("\\toprule", "\\midrule", "\\bottomrule", "\\label{tab:resnet-viz-resnet34-table1}",
                 "\\caption{Table 1 of the paper, rebuilt from the trace of resnet34",
                 "conv3\\_x & 28$\\times$28 & $\\left[\\begin{array}{@{}c@{}}\\mbox{3$\\times$3, 128} \\\\ "
                 "\\mbox{3$\\times$3, 128}\\end{array}\\right]\\times4$ \\\\"):
        assert part in out, part


def test_comparison_merges_identical_neighbours_and_marks_the_current_column() -> None:
    depths = [_trace(depth=d, input=224) for d in (18, 34, 50, 101, 152)]
    out = comparison_latex(comparison(depths, depths[2]), depths[2])
    header = next(line for line in out.splitlines() if "18-layer" in line)
    assert header.endswith(" & 18-layer & 34-layer & \\textbf{50-layer} & 101-layer & 152-layer \\\\")
    assert header.startswith("\\begin{tabular}[b]{@{}l@{}}layer \\\\ name\\end{tabular} & ")
    assert "conv1 & 112$\\times$112 & \\multicolumn{5}{c}{7$\\times$7, 64, stride 2} \\\\" in out
    assert "\\multicolumn{5}{c}{3$\\times$3 max pool, stride 2}" in out  # the pool line spans, as in the paper
    conv2 = next(line for line in out.splitlines() if line.startswith("conv2\\_x"))
    assert conv2.count("\\multicolumn{3}{c}") == 1 and conv2.count("\\times2$") == 1  # 50/101/152 share a bracket
    assert "\\label{tab:resnet-viz-resnet50-depths}" in out


def test_comment_only_without_residual_stages() -> None:
    out = table1_latex(_user())
    assert out and all(line.startswith("%") for line in out.splitlines()) and out.isascii()


def test_labels_are_safe() -> None:
    assert "\\label{tab:resnet-viz-my-net-100-layers}" in layers_latex(_user())
    assert "\\label{tab:resnet-viz-resnext50-32x4d-table1}" in table1_latex(_trace(arch="resnext50_32x4d", input=224))


def test_deterministic() -> None:
    t = _trace(depth=50, input=224)
    again = trace_options(ModelOptions.parse(depth=50, input=224, device="meta"))
    depths = [_trace(depth=d, input=224) for d in (18, 50)]
    for render in (table1_latex, layers_latex, lambda x: comparison_latex(comparison(depths, x), x)):
        assert render(t) == render(t) == render(again)
    assert document(table1_latex(t)) == document(table1_latex(again))


# --- compiled with pdflatex -------------------------------------------------------------------------------------

def test_resnet34_compiles(tmp_path: Path) -> None:
    t = _trace(depth=34, input=224)
    text = _compile(tmp_path, table1_latex(t), layers_latex(t))
    for part in ("34-layer", "×3", "×4", "×6", "112×112", "56×56", "7×7, 64, stride 2", "3×3 max pool",
                 "stride 2 in the first block’s", "3×3 conv layer2.0.conv1", "3.7×109", "21,797,672",
                 "layer2.0.downsample.0", "resnet34", "3,663,761,408"):
        assert part in text, part


def test_depths_side_by_side_compile(tmp_path: Path) -> None:
    depths = [_trace(depth=d, input=224) for d in (18, 34, 50, 101, 152)]
    text = _compile(tmp_path, comparison_latex(comparison(depths, depths[2]), depths[2]))
    header = next(line for line in text.splitlines() if "18-layer" in line)
    assert re.search(r"18-layer\s+34-layer\s+50-layer\s+101-layer\s+152-layer", header)
    for part in ("×2", "×3", "×8", "×23", "×36", "1×1, 2048", "56×56", "11,689,512", "25,557,032", "60,192,808",
                 "11.5×109", "layer3.0.conv2"):
        assert part in text, part


def test_cifar_resnet20_compiles(tmp_path: Path) -> None:
    t = _trace(depth=20, input=32)
    family = [_trace(depth=d, input=32) for d in (20, 32, 44, 56, 110)]
    text = _compile(tmp_path, table1_latex(t), comparison_latex(comparison(family, t), t), layers_latex(t))
    for part in ("20-layer", "110-layer", "3×3, 16", "×3", "×18", "32×32", "16×16", "8×8", "269,722", "resnet20",
                 "layer3.0.conv1", "10-d fc"):
        assert part in text, part


def test_resnet152_per_layer_table_breaks_across_pages(tmp_path: Path) -> None:
    t = _trace(depth=152, input=224)
    text = _compile(tmp_path, layers_latex(t))
    assert text.count("\f") > 5 and "resnet152, continued" in text and "continued on the next page" in text
    for part in ("layer3.35.conv3", "layer4.2.relu#3", "60,192,808", "params 60,192,808", "total"):
        assert part in text, part


def test_resnet1202_per_layer_table_compiles(tmp_path: Path) -> None:
    t = _trace(depth=1202, input=32)
    text = _compile(tmp_path, layers_latex(t))
    assert len(t.ops) > 4000 and "layer3.199.relu#2" in text and "19,421,274" in text


def test_resnext_compiles(tmp_path: Path) -> None:
    t = _trace(arch="resnext50_32x4d", input=224)
    text = _compile(tmp_path, table1_latex(t), layers_latex(t))
    for part in ("3×3, 128, g=32", "3×3, 1024, g=32", "3×3 g=32", "25,028,904", "×6", "layer4.2.conv2"):
        assert part in text, part
    assert re.search(r"resnext50.32x4d", text)  # \_ is a rule in OT1 fonts: pdftotext reads it as a space


def test_odd_input_and_batch_compile(tmp_path: Path) -> None:
    t = _trace(layers="2,2", input="197x311", batch=3)
    text = _compile(tmp_path, table1_latex(t), layers_latex(t))
    assert "for the batch of 3" in text and "25×39×128" in text


def test_user_cnn_without_residual_blocks_compiles(tmp_path: Path) -> None:
    t = _user()
    text = _compile(tmp_path, table1_latex(t), layers_latex(t))
    assert "Table 1:" in text and "output size" not in text  # only the per-layer table, not the paper's
    for part in ("my net 100%", "all ops (no residual block found)", "features.3", "w_#%&$\\{}^~", "3×3 g=2",
                 "8,666"):
        assert part in text, part


@pytest.mark.parametrize("options", ["", "twocolumn", "twocolumn,a4paper"])
def test_paper_tables_paste_into_a_document_with_only_booktabs(tmp_path: Path, options: str) -> None:
    """Table 1 fits a one-column article; the five depths side by side, as wide as the paper's, span a two-column
    page (table* is a plain table in one-column documents)."""
    depths = [_trace(depth=d, input=224) for d in (18, 34, 50, 101, 152)]
    tables = table1_latex(depths[2])
    if options:
        tables += comparison_latex(comparison(depths, depths[2]), depths[2])
    source = (f"\\documentclass[{options}]{{article}}\n\\usepackage{{booktabs}}\n\\begin{{document}}\nText.\n"
              f"{tables}\n\\end{{document}}\n")
    text = _compile(tmp_path, source=source)
    assert "Overfull" not in (tmp_path / "t.log").read_text(errors="replace")
    assert "Table 1:" in text and "25,557,032" in text
    assert not options or ("Table 2:" in text and "×36" in text and "60,192,808" in text)
