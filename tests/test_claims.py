"""Every sentence the report writes is true for its network: a matrix of configurations, and for each every
sentence's ids, volumes, sizes, counts, verbs ("halves", "subsamples", "doubles", "expands back") and
arithmetic checked against the trace it was written from.

The checks read the words back the way a reader would (regular expressions over the text), so a sentence that
claims what the trace does not show fails here, whichever view wrote it.
"""

from __future__ import annotations

import re

import pytest

from resnet_viz.options import Level
from resnet_viz.render.html import left_out
from resnet_viz.schema import OpKind, Path, ShortcutKind, Trace
from resnet_viz.views import explain, journey, paper
from resnet_viz.views.captions import describe
from resnet_viz.views.figures import standard_figures
from resnet_viz.views.layers import layer_rows

CONFIGS: list[tuple[str, dict]] = [
    *[(f"d{d}", {"depth": d, "input": 224}) for d in (18, 34, 50, 101, 152)],
    *[(f"d{d}-v1", {"depth": d, "input": 224, "variant": "v1"}) for d in (50, 101)],
    *[(f"d{d}-{s}", {"depth": d, "input": 224, "shortcut": s}) for d in (18, 50) for s in ("A", "C")],
    ("d34-cifar-stem", {"depth": 34, "stem": "cifar"}), ("d50-cifar-stem-224", {"depth": 50, "stem": "cifar",
                                                                                "input": 224}),
    *[(f"d18-i{i}", {"depth": 18, "input": i}) for i in (1, 8, 16, 33, "197x311", 1024)],
    ("d50-i1", {"depth": 50, "input": 1}), ("d50-v1-197x311", {"depth": 50, "variant": "v1",
                                                                    "input": "197x311"}),
    ("d50-A-197x311", {"depth": 50, "shortcut": "A", "input": "197x311"}),
    ("d34-batch3", {"depth": 34, "batch": 3}), ("d50-batch3-i64", {"depth": 50, "batch": 3, "input": 64}),
    ("d18-one-class", {"depth": 18, "num_classes": 1}),
    ("layers-1111-bottleneck", {"layers": "1,1,1,1", "block": "bottleneck"}), ("layers-22", {"layers": "2,2"}),
    ("layers-3-basic-i33", {"layers": "3", "input": 33}),
    *[(f"cifar{d}", {"depth": d}) for d in (20, 56, 110)], ("cifar20-B", {"depth": 20, "shortcut": "B"}),
    ("cifar20-i16", {"depth": 20, "input": 16}),
    ("preact18", {"depth": 18, "preact": True}), ("preact50", {"depth": 50, "preact": True, "input": 128}),
    ("preact164", {"depth": 164, "preact": True}), ("preact20", {"depth": 20, "preact": True}),
    ("resnext50", {"arch": "resnext50_32x4d"}), ("wide50", {"arch": "wide_resnet50_2", "input": 96}),
    ("resnext-custom", {"layers": "1,2", "block": "bottleneck", "groups": 8, "width_per_group": 4, "input": 64}),
]
ZOO = ["timm_style_resnet18", "flat_resnet18", "plain_cnn", "resnet_d_block_net", "se_resnet", "resnext_tiny",
       "preact_resnet", "multi_output_backbone", "cifar_resnet20_option_a"]
assert len(CONFIGS) + len(ZOO) >= 40


def _trace(request, name: str) -> Trace:
    if name.startswith("zoo:"):
        return request.getfixturevalue("zoo_trace")(name[4:])
    kw = dict(dict(CONFIGS)[name])
    return request.getfixturevalue("make_trace")(kw.pop("depth", None), kw.pop("input", None), **kw)


def texts(t: Trace) -> list[tuple[str, str]]:
    """(where, text) of every sentence-bearing string the report writes."""
    out = [("left-out", left_out(t)), ("layers caption", explain.layers_caption(t)),
           ("layers legend", explain.layers_legend(t)), ("receptive", explain.receptive_intro(t)),
           ("journey caption", journey.journey_caption(t))]
    out += [(f"note {n.key}", n.text) for n in explain.explanations(t)]
    for leg in journey.journey(t):
        out += [(f"leg {leg.where}", leg.why), (f"leg {leg.where} change", leg.change)]
        out += [(f"leg {leg.where} arithmetic", a) for a in leg.arithmetic]
    note = journey.rounding_note(t)
    if note:
        out.append(("rounding", note))
    if paper.table1(t):
        out.append(("table1 caption", paper.table1_caption(t)))
        out += [(f"table1 {r.key}", "; ".join((r.cell.text(), *r.cell.notes))) for r in paper.table1(t)]
    for f in standard_figures(t):
        out += [(f"figure {f.name}", f.title), (f"figure {f.name} caption", f.caption)]
    if t.stages:
        out += [("stage figure", " ".join(describe(t, Level.STAGE, s.id))) for s in t.stages]
    return [(w, x) for w, x in out if x]


def facts(t: Trace) -> dict:
    vols = {t.input, *(v for o in t.ops for v in o.outputs), *(r.volume for o in t.ops for r in o.inputs)}
    pairs = {(o.input.spatial, o.output.spatial) for o in t.ops if o.input.is_map and o.output.is_map}
    pairs |= {(b.input.spatial, b.output.spatial) for b in t.blocks}
    pairs |= {(s.input.spatial, s.output.spatial) for s in t.stages}
    if t.stages:
        pairs.add((t.input.spatial, t.stages[0].input.spatial))
        pairs |= {(t.stages[0].input.spatial, s.output.spatial) for s in t.stages}
    ids = {o.id for o in t.ops} | {b.id for b in t.blocks} | {s.id for s in t.stages}
    return {"volumes": {(v.height, v.width, v.channels) for v in vols if v.is_map}, "pairs": pairs, "ids": ids}


FORMULA = re.compile(r"([⌊⌈]?)\((\d+) \+ 2·(\d+) − (\d+)·\((\d+)−1\) − 1\) / (\d+)([⌋⌉]?) \+ 1"
                     r"( − 1 \(the last window would start in the padding\))? = (\d+)")
PLURAL_WRONG = re.compile(r"(?<![\d.,×])1 (blocks|stages|class scores|outputs|biases|channels|filters|maps|"
                          r"parameters|kernels|ops|threads|final maps|identical blocks|other blocks)\b"
                          r"|(?<![\d.,×])(?:[02-9]|\d{2,}) (block|stage|class score|bias|filter|kernel|identical block|"
                          r"other block)(?![\w-])|The other 1 block keep\b|\b1 of \d+ blocks add\b")


def check(t: Trace, where: str, text: str, f: dict) -> list[str]:
    problems = []
    for name in re.findall(r"`([^`]+)`", text):
        if name not in f["ids"]:
            problems.append(f"names `{name}`, which the trace does not have")
    for h, w, c in re.findall(r"(?<!kernels of )(?<![\d×])(\d+)×(\d+)×(\d+)(?![\d×])", text):
        if (int(h), int(w), int(c)) not in f["volumes"]:
            problems.append(f"volume {h}×{w}×{c} is not one the trace has")
    moves = [((int(a), int(b)), (int(c), int(d))) for a, b, c, d in
             re.findall(r"(?<![\d×])(\d+)×(\d+) (?:→|to) (\d+)×(\d+)(?![\d×])", text)]
    for pair in moves:
        if pair not in f["pairs"]:
            problems.append(f"the change {pair} happens nowhere in the trace")
    if re.search(r"\bhalves\b", text):
        for (a, b), (c, d) in moves:
            if c not in (a // 2, -(-a // 2)) or d not in (b // 2, -(-b // 2)):
                problems.append(f"says 'halves' beside {a}×{b} → {c}×{d}")
    for x, y in re.findall(r"channels double \((\d+) → (\d+)\)", text):
        if int(y) != 2 * int(x):
            problems.append(f"says the channels double for {x} → {y}")
    for m in FORMULA.finditer(text):
        floor, size, pad, dil, k, s, _, dropped, out = m.groups()
        span = int(size) + 2 * int(pad) - int(dil) * (int(k) - 1) - 1
        value = (-(-span // int(s)) if floor == "⌈" else span // int(s)) + 1 - (1 if dropped else 0)
        if value != int(out):
            problems.append(f"the arithmetic {m.group(0)} gives {value}")
    if PLURAL_WRONG.search(text):
        problems.append(f"number and noun disagree: {PLURAL_WRONG.search(text).group(0)!r}")
    if "little resolution to spare" in text:
        problems.append("an opinion about the input size")
    stem_pools = [o.id for o in t.ops_of(t.stem) if o.kind is OpKind.MAXPOOL]
    for pool in re.findall(r"stem's `([^`]+)`", text):
        if pool not in stem_pools:
            problems.append(f"speaks of the stem's `{pool}`, which is not a stem max-pool")
    if re.search(r"stem's max-?pool", text) and not stem_pools:
        problems.append("speaks of a stem max-pool the network does not have")
    if ("Table 1 of the paper" in text or "(the paper's “FLOPs”)" in text) and not paper.is_paper_net(t):
        problems.append("calls a network that is not one of the paper's ImageNet nets the paper's Table 1")
    if t.batch > 1 and re.search(r"multiply-adds|MACs", text) and re.search(r"\d(?:\.\d+)? [kMGT]\b", text) and \
            not re.search(r"per image|batch|for one image", text):
        problems.append("a multiply-add figure that does not say per image or per batch")
    return problems


def check_ops(t: Trace, text: str) -> list[str]:
    """Claims about named ops: kernel and stride in '`x` (7×7, stride 2)' and '`x`, a 3×3 conv with stride 2'; a
    zero-pad shortcut said to subsample has a stride; 'expands back to N' is the block's input channels."""
    problems = []
    for name, k1, k2, s in re.findall(r"`([^`]+)` \((\d+)×(\d+), stride (\d+)\)", text) + \
            re.findall(r"`([^`]+)`, a (\d+)×(\d+) (?:conv|max pool|average pool) with stride (\d+)", text):
        op = t.op(name)
        if op.kernel_size != (int(k1), int(k2)) or (op.stride or (1, 1))[0] != int(s):
            problems.append(f"says `{name}` is {k1}×{k2} stride {s}; it is {op.kernel_size} stride {op.stride}")
    for sentence in re.split(r"(?<=\.) ", text):
        if re.search(r"subsample|every second row", sentence):
            for name in re.findall(r"`([^`]+)`", sentence):
                if name in {b.id for b in t.blocks}:
                    ops = [o for o in t.ops_of(t.block(name).op_ids) if o.path is Path.SHORTCUT]
                elif name in {o.id for o in t.ops}:
                    ops = [t.op(name)] if t.op(name).path is Path.SHORTCUT else []
                else:
                    continue
                if ops and max(max(o.stride or (1, 1)) for o in ops) < 2:
                    problems.append(f"says `{name}` subsamples, but its shortcut has stride 1")
        m = re.search(r"In `([^`]+)`, .*expands back to (\d+)", sentence)
        if m and m.group(1) in {b.id for b in t.blocks} and int(m.group(2)) != t.block(m.group(1)).input.channels:
            problems.append(f"says {m.group(1)} expands back to {m.group(2)}, its input has "
                            f"{t.block(m.group(1)).input.channels} channels")
    return problems


@pytest.mark.parametrize("name", [n for n, _ in CONFIGS] + [f"zoo:{z}" for z in ZOO])
def test_every_sentence_is_true(request, name):
    t = _trace(request, name)
    f = facts(t)
    problems = []
    for where, text in texts(t):
        problems += [f"{where}: {p}  ←  {text[:160]}" for p in check(t, where, text, f) + check_ops(t, text)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", [n for n, _ in CONFIGS] + [f"zoo:{z}" for z in ZOO])
def test_journey_and_tables_follow_the_graph(request, name):
    t = _trace(request, name)
    fmt_volumes = {f"{v.height}×{v.width}×{v.channels}" if v.is_map else "×".join(map(str, v.dims))
                   for v in {t.input, *(v for o in t.ops for v in o.outputs)}}
    for leg in journey.journey(t):
        assert leg.before in fmt_volumes and leg.after in fmt_volumes, leg
    chain = journey.journey_chain(t)
    assert all(a != b for a, b in zip(chain, chain[1:], strict=False))
    rows = layer_rows(t)
    assert sorted(r.op.id for r in rows) == sorted(o.id for o in t.ops)  # every op once
    for r in rows:
        if r.formula:
            assert r.formula[0].endswith(f"= {r.op.output.height}") and r.formula[1].endswith(f"= {r.op.output.width}")
    if not t.stages:  # a plain network: no residual view, and no sentence that speaks of shortcuts or blocks
        assert not paper.table1(t)
        for where, text in texts(t):
            if where == "left-out":  # the one line saying why the residual views are left out
                continue
            rest = re.sub(r"(?i)no residual block", "", text)
            assert not re.search(r"shortcut|residual|\bblocks?\b|\bstages?\b", rest), (where, text)


def test_the_checker_catches_false_sentences(make_trace):
    """The checks above can fail: sentences with the old mistakes are caught."""
    t = make_trace(50, 224, shortcut="A")
    f = facts(t)
    bad = {
        "The shortcut `layer1.0.downsample` subsamples the input (every second row and column).": "stride 1",
        "Each stage halves height and width (56×56 → 56×56).": "halves",
        "It has 1 blocks.": "disagree",
        "conv1 reduces 224×224 → 1×1.": "happens nowhere",
        "⌊(224 + 2·3 − 1·(7−1) − 1) / 2⌋ + 1 = 113": "gives 112",
        "`nope` does things.": "does not have",
        "Small inputs such as 224×224 have little resolution to spare.": "opinion",
    }
    for text, needle in bad.items():
        found = check(t, "x", text, f) + check_ops(t, text)
        assert any(needle in p for p in found), (text, found)
    assert check(t, "x", "In `layer2.1`, `layer2.1.conv3` (1×1) expands back to 512.", f) == []
    one = make_trace(None, 224, layers="1,1,1,1", block="bottleneck")
    assert check_ops(one, "In `layer2.0`, `layer2.0.conv3` (1×1) expands back to 512.")
    assert ShortcutKind.ZEROPAD in {b.shortcut for b in t.blocks}
