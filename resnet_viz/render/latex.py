"""LaTeX (booktabs) tables of a trace: the paper's Table 1, its side-by-side form and the per-layer table.

Pure functions returning ASCII-only LaTeX that compiles with plain pdflatex, in OT1 or T1 encoding, without any
bitmap (TS1) font. Pasted into a document, a snippet needs `\\usepackage{booktabs}`; the per-layer table also needs
`\\usepackage{longtable}` (it is a longtable so that ResNet-1202's 4,000 rows break across pages; longtable works in
one-column mode only). Table 1 and its side-by-side form are `table*` floats in `\\small` type: a plain table in a
one-column document, across both columns of a two-column one (five depths side by side are about 6.3 in wide, like
the paper's). The per-layer table is about 5.5 in wide in footnote size (use `\\scriptsize` in a narrower text).
Text is escaped by `tex`: the ten special characters and `<>|"`, the Unicode symbols the views write (× → ⌊⌋ · –
“” ⁹) as math or ligatures, `backticked` PyTorch names as `\\texttt{}`, other letters as accent commands, anything
else as `[U+XXXX]`. The same trace gives the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from .. import fmt
from ..schema import Trace
from ..views.groups import groups
from ..views.layers import layer_rows
from ..views.paper import Cell, Comparison, Stack, column_title, comparison_caption, table1, table1_caption
from .table import cells, columns, footer, group_title, header, stage_title

_TEXT = {"#": r"\#", "$": r"$\$$", "%": r"\%", "&": r"\&", "_": r"\_", "{": r"\{", "}": r"\}",
         "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}", "<": r"\textless{}",
         ">": r"\textgreater{}", "|": r"\textbar{}", '"': r"\char34{}", "`": r"\`{}", "\u00a0": "~", "–": "--",
         "—": "---", "“": "``", "”": "''", "‘": "`", "’": "'", "…": r"\ldots{}", "ß": r"\ss{}", "æ": r"\ae{}",
         "Æ": r"\AE{}", "ø": r"\o{}", "Ø": r"\O{}", "œ": r"\oe{}", "ł": r"\l{}", "Ł": r"\L{}"}
# Typewriter fonts hold ASCII at its own codes in OT1 and T1 (OT1's italic typewriter has £ at $: kept upright).
_CODE = {c: f"\\char{ord(c)}{{}}" for c in "#%&_{}~^\\<>|\"`"} | {"$": r"{\upshape\char36}"}
_MATH = {"×": r"\times", "→": r"\rightarrow", "←": r"\leftarrow", "↓": r"\downarrow", "↑": r"\uparrow",
         "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil", "⌉": r"\rceil", "·": r"\cdot", "−": "-", "±": r"\pm",
         "≤": r"\leq", "≥": r"\geq", "≈": r"\approx", "≠": r"\neq", "µ": r"\mu", "μ": r"\mu", "°": r"^{\circ}"}
_ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u", "\u0307": ".",
            "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0327": "c", "\u0328": "k"}
_SUP, _SUB = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "₀₁₂₃₄₅₆₇₈₉₋₊"
_SCRIPTS = re.compile(f"([{_SUP}]+|[{_SUB}]+)")
_DIGITS = str.maketrans(_SUP + _SUB, "0123456789-+" * 2)
_BR = " \\\\ "  # a line break inside a cell
# The paper's headings, each on two lines to keep the table narrow.
_HEADS = (r"\begin{tabular}[b]{@{}l@{}}layer \\ name\end{tabular}",
          r"\begin{tabular}[b]{@{}l@{}}output \\ size\end{tabular}")


def _char(ch: str, tt: bool) -> str:
    if ch in (_CODE if tt else _TEXT):
        return (_CODE if tt else _TEXT)[ch]
    if ch in _MATH:
        return f"${_MATH[ch]}$"
    if " " <= ch <= "~":
        return ch
    if ch in "\t\n\r":
        return " "
    parts = unicodedata.normalize("NFD", ch)
    if len(parts) == 2 and parts[0].isascii() and parts[0].isalpha() and parts[1] in _ACCENTS:
        letter = "\\i" if parts[0] == "i" else parts[0]  # a dotless i under the accent
        return f"\\{_ACCENTS[parts[1]]}{{{letter}}}"
    return f"[U+{ord(ch):04X}]"


_PLAIN = re.compile(r"[A-Za-z0-9 ,.;:()/=+'*!?@\[\]]*")  # characters every font prints as themselves


def _escape(text: str, tt: bool = False) -> str:
    """A run of text without backtick spans; superscript and subscript digits become one `$^{…}$` or `$_{…}$`."""
    if _PLAIN.fullmatch(text):
        return text  # most cells (numbers, sizes, names): nothing to escape
    out: list[str] = []
    for i, piece in enumerate(_SCRIPTS.split(text)):
        if i % 2:
            out.append(f"${'^' if piece[0] in _SUP else '_'}{{{piece.translate(_DIGITS)}}}$")
            continue
        for j, ch in enumerate(piece):  # '-{}-' keeps two hyphens from joining into a dash
            out.append("-{}" if ch == "-" and piece[j + 1:j + 2] == "-" and not tt else _char(ch, tt))
    return "".join(out)


def code(name: str) -> str:
    """A PyTorch name in typewriter type: `layer2.0.conv1` → \\texttt{layer2.0.conv1}."""
    return f"\\texttt{{{_escape(name, tt=True)}}}"


def tex(text: str) -> str:
    """Plain view text as LaTeX: specials escaped, Unicode symbols as math, `backticked` spans as \\texttt."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick is printed as itself
        parts[-2:] = [parts[-2] + "`" + parts[-1]]
    return "".join(code(p) if i % 2 else _escape(p) for i, p in enumerate(parts))


def _label(trace: Trace, what: str) -> str:
    return f"tab:resnet-viz-{re.sub(r'[^A-Za-z0-9.:-]+', '-', trace.model_name).strip('-') or 'model'}-{what}"


def _lines(lines: Sequence[str], pos: str = "c") -> str:
    """Several lines in one cell: a nested one-column tabular (base LaTeX), or the text itself for one line."""
    if len(lines) == 1:
        return lines[0]
    return f"\\begin{{tabular}}[{pos}]{{@{{}}c@{{}}}}" + _BR.join(lines) + "\\end{tabular}"


def _small(texts: Sequence[str], width: float, align: str) -> str:
    """Footnote-sized lines (notes, PyTorch names); lines longer than about `width` em wrap in a top-aligned box."""
    if max(len(x) for x in texts) <= 3 * width:
        return _lines([f"\\footnotesize {tex(x)}" for x in texts])
    return f"\\parbox[t]{{{width:g}em}}{{{align}\\footnotesize {_BR.join(tex(x) for x in texts)}}}"


def _stack(stack: Stack) -> str:
    """One bracket as the paper prints it: $\\left[\\begin{array}…\\right]\\times n$."""
    rows = _BR.join(f"\\mbox{{{tex(x)}}}" for x in stack.lines)
    return f"$\\left[\\begin{{array}}{{@{{}}c@{{}}}}{rows}\\end{{array}}\\right]\\times{stack.repeat}$"


def _part(cell: Cell, part: str, width: float) -> str:
    """One part of a cell: its plain lines, its brackets, its notes, or (a count) the number above its notes."""
    if part == "lines":
        return _lines([tex(x) for x in cell.lines]) if cell.lines else ""
    if part == "stacks":
        return _lines([_stack(x) for x in cell.stacks]) if cell.stacks else ""
    if part == "count":
        return _lines([*(tex(x) for x in cell.lines), *(f"\\footnotesize {tex(x)}" for x in cell.notes)], "t")
    return _small(cell.notes, width, "\\centering") if cell.notes else ""


def _runs(cells: Sequence[Cell], part: str, note_em: float) -> list[str]:
    """One part of a row's cells, identical neighbours merged into a \\multicolumn (notes wrap to its width)."""
    runs: list[tuple[str, Cell, int]] = []
    for cell in cells:
        key = _part(cell, part, note_em)
        if runs and runs[-1][0] == key:
            runs[-1] = (key, cell, runs[-1][2] + 1)
        else:
            runs.append((key, cell, 1))
    return [key if n == 1 else f"\\multicolumn{{{n}}}{{c}}{{{_part(cell, part, n * note_em)}}}"
            for key, cell, n in runs]


def _paper_table(label: str, caption: str, titles: Sequence[str], current: int | None, names: Sequence[str],
                 sizes: Sequence[str], cells: Sequence[Sequence[Cell]], kinds: Sequence[str], note_em: float,
                 pytorch: Sequence[str] = ()) -> str:
    """Table 1's layout for any number of network columns. Each layer takes up to three lines, as in the paper:
    plain lines (the max pool), the brackets (beside the layer's name and size), then the notes in small type."""
    heads = [f"\\textbf{{{tex(t)}}}" if i == current else tex(t) for i, t in enumerate(titles)]
    out = ["\\begin{table*}[tbp]", "\\centering", "\\small", "\\setlength{\\tabcolsep}{3pt}",
           f"\\caption{{{tex(caption)}}}", f"\\label{{{label}}}",
           f"\\begin{{tabular}}{{@{{}}ll{'c' * len(titles)}@{{}}}}", "\\toprule",
           " & ".join([*_HEADS, *heads]) + " \\\\", "\\midrule"]
    for i, (name, size, row, kind) in enumerate(zip(names, sizes, cells, kinds, strict=True)):
        if kind == "count" and i and kinds[i - 1] != "count":
            out.append("\\midrule")
        elif i:
            out.append("\\addlinespace")
        if kind == "count":  # the name beside the number, its notes under the number
            label_cell = f"\\multicolumn{{2}}{{@{{}}l}}{{\\parbox[t]{{8em}}{{\\raggedright {tex(name)}}}}}"
            out.append(" & ".join([label_cell, *_runs(row, "count", note_em)]) + " \\\\")
            continue
        under = _small([pytorch[i]], 9, "\\raggedright") if i < len(pytorch) and pytorch[i] else ""
        parts = [p for p in ("lines", "stacks", "notes") if any(getattr(c, p) for c in row) or (p == "notes" and under)]
        main = next((p for p in ("stacks", "lines", "notes") if p in parts), "lines")
        for part in parts or [main]:
            first = [tex(name), tex(size)] if part == main else [under, ""] if part == "notes" else ["", ""]
            out.append(" & ".join([*first, *_runs(row, part, note_em)]) + " \\\\")
    out += ["\\bottomrule", "\\end{tabular}", "\\end{table*}"]
    return "\n".join(out) + "\n"


def table1_latex(trace: Trace) -> str:
    """The paper's Table 1 for one network: layer name, output size, the network's column with its brackets ×n, the
    PyTorch modules and notes in small type; a LaTeX comment when the graph showed no stem and residual stages."""

    rows = table1(trace)
    if not rows:
        return f"% resnet-viz: no Table 1 for {tex(header(trace))}: the graph showed no stem and residual stages\n"
    return _paper_table(_label(trace, "table1"), table1_caption(trace), [column_title(trace)], None,
                        [r.name for r in rows], [r.output_size for r in rows], [(r.cell,) for r in rows],
                        [r.kind for r in rows], 12, [r.pytorch for r in rows])


def comparison_latex(comp: Comparison, trace: Trace) -> str:
    """Table 1 with one column per depth, as the paper prints it: identical neighbouring cells merged into one
    \\multicolumn, the column of the report's own network (`comp.current`) in bold."""
    if not comp.columns:
        return "% resnet-viz: no networks to compare\n"
    return _paper_table(_label(trace, "depths"), comparison_caption(comp, trace), comp.columns, comp.current,
                        comp.names, comp.output_sizes, comp.cells, comp.kinds, 7)


def layers_latex(trace: Trace) -> str:
    """The per-layer table (the text table's columns) as a `longtable` in footnote size: a \\midrule and a spanning
    title for each stage and block, one row per op, the totals at the end and the text table's footer beneath."""

    cols = columns(trace)
    n = len(cols)
    head = " & ".join(tex(h) for _, h, _ in cols) + " \\\\"
    caption = (f"Every op of {header(trace)}, in execution order, grouped by stage and block; MACs for the traced "
               "batch.")
    out = ["\\begingroup", "\\footnotesize", "\\setlength{\\tabcolsep}{3pt}",
           f"\\begin{{longtable}}{{@{{}}{''.join('r' if a == '>' else 'l' for _, _, a in cols)}@{{}}}}",
           f"\\caption{{{tex(caption)}}}\\label{{{_label(trace, 'layers')}}} \\\\", "\\toprule", head, "\\endfirsthead",
           f"\\multicolumn{{{n}}}{{@{{}}l}}{{\\emph{{{tex(trace.model_name)}, continued}}}} \\\\", "\\toprule", head,
           "\\endhead", "\\midrule", f"\\multicolumn{{{n}}}{{r@{{}}}}{{\\emph{{continued on the next page}}}} \\\\",
           "\\endfoot", "\\endlastfoot"]
    by_id = {r.op.id: cells(r) for r in layer_rows(trace)}
    current = None
    for g in groups(trace):
        if g.stage is not None and g.stage is not current:
            out += ["\\midrule", f"\\multicolumn{{{n}}}{{@{{}}l}}{{\\textbf{{{tex(stage_title(g))}}}}} \\\\*"]
        elif g.stage is None:
            out += ["\\midrule", f"\\multicolumn{{{n}}}{{@{{}}l}}{{\\textbf{{{tex(group_title(trace, g))}}}}} \\\\*"]
        current = g.stage
        if g.block is not None:
            out.append(f"\\multicolumn{{{n}}}{{@{{}}l}}{{\\emph{{{tex(group_title(trace, g))}}}}} \\\\*")
        indent = "\\quad " if g.block is not None else ""
        for op in g.ops:
            row = by_id[op.id]
            out.append(" & ".join([indent + code(row["op"])] + [tex(row[k]) for k, _, _ in cols[1:]]) + " \\\\")
    total = {"op": "\\textbf{total}", "params": fmt.thousands(trace.totals.params),
             "macs": tex(fmt.compact(trace.totals.macs))}
    out += ["\\midrule", " & ".join(total.get(k, "") for k, _, _ in cols) + " \\\\", "\\bottomrule",
            "\\end{longtable}", "\\begin{flushleft}", " \\\\\n".join(tex(x) for x in footer(trace)),
            "\\end{flushleft}", "\\endgroup"]
    return "\n".join(out) + "\n"


def document(*tables: str) -> str:
    """A minimal standalone article around the tables (booktabs, longtable; A4-sized margins of 2 cm)."""
    return "\n".join(["\\documentclass{article}", "\\usepackage[a4paper,margin=2cm]{geometry}",
                      "\\usepackage{booktabs}", "\\usepackage{longtable}", "\\begin{document}", "",
                      "\n".join(tables), "\\end{document}", ""])
