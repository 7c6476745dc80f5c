"""Layout maths without SVG: sizes grow with H, W and C; nothing overlaps, crosses an arc, or leaves the canvas."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resnet_viz import fmt
from resnet_viz.options import Level, View
from resnet_viz.render import geometry as g
from resnet_viz.render import scales
from resnet_viz.render.labels import PAD_X, Label, text_width
from resnet_viz.render.rect import Rect, union
from resnet_viz.render.volumes import layout
from resnet_viz.schema import OpKind, ShortcutKind, Volume
from resnet_viz.views.figures import figure, standard_figures
from resnet_viz.views.steps import block_paths

NETS = [(18, 224), (50, 224), (56, 32), (34, (197, 311)), (152, 224)]
ZOO = ["resnet_d_block_net", "se_resnet", "preact_resnet", "plain_cnn", "cifar_resnet20_option_a", "resnext_tiny"]


def vol(c: int, h: int | None = None, w: int | None = None) -> Volume:
    return Volume((c,) if h is None else (c, h, w if w is not None else h))


# --- scales ----------------------------------------------------------------------------------------
@given(st.integers(1, 20_000), st.integers(1, 20_000))
def test_side_and_depth_grow_strictly(a, b):
    if a < b:
        assert scales.side(a) < scales.side(b)
        assert scales.depth(a) < scales.depth(b)


def test_scales_keep_extremes_readable():
    assert 8 < scales.side(1) < scales.side(7) and scales.side(224) < 110 and scales.side(1333) < 200
    assert scales.depth(3) > 5 and scales.depth(2048) < 110
    # the knee between the sqrt and log parts is continuous
    assert abs(scales.side(256) - scales.side(256.0001)) < 1e-3
    assert abs(scales.depth(256) - scales.depth(256.0001)) < 1e-3


@given(st.integers(1, 4096), st.integers(1, 4096), st.integers(1, 4096))
def test_box_size_follows_w_h_c(c, h, w):
    bw, bh, dx, dy = scales.box_size(vol(c, h, w))
    assert (bw > bh) == (w > h) and (bw == bh) == (w == h)
    assert dx > 0 and dy > 0
    bigger = scales.box_size(vol(c + 1, h + 1, w + 1))
    assert all(x < y for x, y in zip((bw, bh, dx, dy), bigger, strict=True))
    assert scales.box_size(vol(c, h, w), zoom=1.5) == pytest.approx(tuple(1.5 * x for x in (bw, bh, dx, dy)))


def test_vectors_are_1x1xf():
    assert scales.chw(Volume((1000,))) == (1000, 1, 1)
    assert scales.chw(vol(64, 7, 5)) == (64, 7, 5)
    assert scales.box_size(Volume((512,)))[:2] == scales.box_size(vol(512, 1, 1))[:2]
    # a tensor whose first dimension is not the batch is drawn as a vector of all its elements
    assert scales.chw(Volume((2, 3, 4), batched=False)) == (24, 1, 1)


def test_text_width_and_rects():
    assert text_width("", 12) == 0
    assert text_width("m", 12) > text_width("i", 12)
    assert text_width("abc", 12, bold=True) > text_width("abc", 12)
    assert text_width("abc", 24) == pytest.approx(2 * text_width("abc", 12))
    a, b = Rect(0, 0, 10, 10), Rect(10, 0, 5, 5)
    assert not a.overlaps(b) and a.overlaps(b, gap=1) and a.overlaps(Rect(9, 9, 5, 5))
    assert a.contains(Rect(1, 1, 9, 9)) and not a.contains(Rect(1, 1, 10, 9))
    assert union([a, b, Rect(-2, 3, 1, 20)]) == Rect(-2, 0, 17, 23)
    lb = Label(("one", "two lines"), x=100, top=5)
    assert lb.bbox.x == pytest.approx(100 - lb.bbox.w / 2) and lb.bbox.h > 2 * lb.size
    assert Label(("x",), x=100, top=5, anchor="start").bbox.x == 100 - PAD_X


# --- layouts ---------------------------------------------------------------------------------------
def _layouts(trace):
    """Every volume drawing of a report, and one op drawing of every kind of op the trace has."""
    for fig in standard_figures(trace):
        if fig.view is View.VOLUMES:
            yield fig.name, layout(trace, level=fig.level, select=fig.select, title=fig.title)
    kinds = set()
    for op in trace.ops:
        if op.kind not in kinds:
            kinds.add(op.kind)
            yield f"op-{op.id}", layout(trace, level=Level.OP, select=op.id, title=op.id)


def _net(make_trace, zoo_trace, which):
    return zoo_trace(which) if isinstance(which, str) else make_trace(*which)


def assert_clean(lay: g.Layout, where: str = "") -> None:
    """The invariants every drawing keeps."""
    canvas = lay.canvas
    labels = lay.all_labels()
    boxes = lay.cuboids
    assert boxes and lay.width > 0 and lay.height > 0, where
    for thing in [*boxes, *lay.joins, *lay.arcs]:
        assert canvas.contains(thing.bbox), (where, thing)
    for lb in labels:
        assert canvas.contains(lb.bbox), (where, lb.lines)
    for a in lay.arrows:
        assert canvas.contains(Rect(a.x1, a.y1, a.x2 - a.x1, 0)), (where, a)
    for b in lay.brackets:
        assert canvas.contains(Rect(b.x1, b.y, b.x2 - b.x1, b.tick)), (where, b)
    for a, b in itertools.combinations(boxes, 2):
        assert not a.bbox.overlaps(b.bbox), (where, a.key, b.key)
    for a, b in itertools.combinations(labels, 2):
        assert not a.bbox.overlaps(b.bbox), (where, a.lines, b.lines)
    for lb in labels:
        for c in [*boxes, *lay.joins]:
            assert not lb.bbox.overlaps(c.bbox), (where, lb.lines, getattr(c, "key", c))
    for arrow in lay.arrows:
        assert arrow.x1 < arrow.x2, (where, arrow)
        for lb in labels:
            r = lb.bbox
            assert not (r.x < arrow.x2 and arrow.x1 < r.right and r.y < arrow.y1 < r.bottom), (where, lb.lines)
    for arc in lay.arcs:
        assert arc.top < min(arc.y1, arc.y2), (where, arc)
        lo, hi = min(arc.x1, arc.x2), max(arc.x1, arc.x2)
        for lb in labels:  # the arc's line never runs through text
            r = lb.bbox
            assert not (r.x < hi and lo < r.right and r.y < arc.top < r.bottom), (where, "across", lb.lines)
            for x, y in ((arc.x1, arc.y1), (arc.x2, arc.y2)):
                assert not (r.x < x < r.right and r.y < y and arc.top < r.bottom), (where, "down", lb.lines)
        row_y = arc.y2 + 10.0  # the ⊕ it lands on sits on its row's centre line
        for c in boxes:  # ... and passes above every box of its row (a wrapped drawing has rows above it)
            if c.key.endswith(":shortcut") or not (c.bbox.x < hi and lo < c.bbox.right) or \
                    abs(c.y + c.h / 2 - row_y) > 1:
                continue
            assert arc.top < c.bbox.y, (where, c.key)


@pytest.mark.parametrize("which", NETS + ZOO, ids=str)
def test_every_layout_is_clean(make_trace, zoo_trace, which):
    t = _net(make_trace, zoo_trace, which)
    n = 0
    for name, lay in _layouts(t):
        assert_clean(lay, f"{t.model_name}-{name}")
        n += 1
    assert n >= 8 if t.stages else n >= 3


def _rows(lay: g.Layout) -> list[list]:
    """The main rows, top to bottom (a long drawing wraps), each left to right: its boxes (not a shortcut's own
    volume) and its ⊕ joins, grouped by the centre line they sit on."""
    items = [c for c in lay.cuboids if not c.key.endswith(":shortcut")] + list(lay.joins)
    by_line: dict[float, list] = {}
    for x in items:
        centre = round(x.y + x.h / 2 if isinstance(x, g.Cuboid) else x.cy, 1)
        by_line.setdefault(centre, []).append(x)
    return [sorted(row, key=lambda x: x.x if isinstance(x, g.Cuboid) else x.cx - x.r)
            for _, row in sorted(by_line.items())]


def assert_row_connected(lay: g.Layout, where: str) -> None:
    """In each row every element is reached by an arrow of positive length from its left neighbour; a row after
    the first starts with the volume the row before ended with, repeated."""
    rows = _rows(lay)
    for before, after in itertools.pairwise(rows):
        assert before[-1].key == after[0].key and before[-1].shape == after[0].shape, (where, "not carried over")
    for row in rows:
        _connected(lay, row, where)
    assert len(lay.arrows) == sum(len(row) - 1 for row in rows), where


def _connected(lay: g.Layout, row: list, where: str) -> None:
    for left, right in itertools.pairwise(row):
        x2 = right.x if isinstance(right, g.Cuboid) else right.cx - right.r
        x1 = left.face.right if isinstance(left, g.Cuboid) else left.cx + left.r  # the side face slants
        centre = right.y + right.h / 2 if isinstance(right, g.Cuboid) else right.cy
        into = [a for a in lay.arrows if a.x2 == pytest.approx(x2) and a.y2 == pytest.approx(centre)]
        assert into, (where, "no arrow into", getattr(right, "key", right))
        assert all(x1 - 1e-6 <= a.x1 < a.x2 for a in into), (where, into)


@pytest.mark.parametrize("which", NETS + ZOO, ids=str)
def test_network_and_op_rows_are_connected(make_trace, zoo_trace, which):
    t = _net(make_trace, zoo_trace, which)
    assert_row_connected(layout(t, level=Level.NETWORK, select=None, title="t"), "network")
    for op in t.ops[:12]:
        assert_row_connected(layout(t, level=Level.OP, select=op.id, title="t"), op.id)


@pytest.mark.parametrize("which", [(18, 224), (50, 224), (56, 32), "resnet_d_block_net", "se_resnet",
                                   "preact_resnet"], ids=str)
def test_every_neighbour_in_a_row_is_joined_by_an_arrow(make_trace, zoo_trace, which):
    t = _net(make_trace, zoo_trace, which)
    b = t.blocks[0]
    assert_row_connected(layout(t, level=Level.BLOCK, select=b.id, title="t"), b.id)


def test_layouts_are_deterministic(make_trace):
    t = make_trace(50, 224)
    for fig in standard_figures(t):
        if fig.view is View.VOLUMES:
            a = layout(t, level=fig.level, select=fig.select, title=fig.title)
            assert a == layout(t, level=fig.level, select=fig.select, title=fig.title), fig.name


def test_volume_labels_say_each_box_shape(make_trace):
    t = make_trace(50, 224)
    lay = layout(t, level=Level.NETWORK, select=None, title="t")
    texts = {lb.lines[0] for lb in lay.labels if lb.role == "volume"}
    assert {fmt.volume(b.shape) for b in lay.cuboids} <= texts
    shapes = [fmt.volume(c.shape) for c in lay.cuboids]
    assert shapes[:2] == ["224×224×3", "112×112×64"]
    assert shapes[-3:] == ["7×7×2048", "1×1×2048", "1000"]
    assert len({c.key for c in lay.cuboids}) == 1 + 2 + 4 + 2  # input, conv1, maxpool, each stage, avgpool, fc
    assert not lay.arcs and not lay.joins  # the network row shows stages, not shortcuts
    assert lay.title.lines == ("t",) and lay.title.role == "title"
    assert any("layer3 · conv4_x" in lb.lines for lb in lay.labels)


def test_sizes_are_monotonic_within_a_drawing(make_trace):
    lay = layout(make_trace(34, 224), level=Level.NETWORK, select=None, title="t")
    for a, b in itertools.permutations(lay.cuboids, 2):
        ca, ha, wa = scales.chw(a.shape)
        cb, hb, wb = scales.chw(b.shape)
        if ha < hb:
            assert a.h < b.h
        if wa < wb:
            assert a.w < b.w
        if ca < cb:
            assert a.dx < b.dx


def test_small_inputs_are_zoomed_evenly(make_trace):
    """CIFAR's 32×32 input is drawn about as big as a 224×224 one, never more than ×1.8."""
    cifar, imagenet = make_trace(56, 32), make_trace(18, 224)
    assert scales.trace_zoom(imagenet) == 1.0 and 1.0 < scales.trace_zoom(cifar) <= scales.ZOOM_MAX
    a = layout(cifar, level=Level.NETWORK, select=None, title="t").cuboids[0]
    assert a.w == pytest.approx(scales.side(32) * scales.trace_zoom(cifar))


def test_non_square_inputs_draw_non_square_faces(make_trace):
    for size in ((197, 311), (800, 1333)):
        t = make_trace(18, size)
        lay = layout(t, level=Level.NETWORK, select=None, title="t")
        first = lay.cuboids[0]
        assert first.w > first.h
        op = layout(t, level=Level.OP, select="conv1", title="t")
        assert all(c.w > c.h for c in op.cuboids)
        assert_clean(lay, f"{size}-network")
        assert_clean(op, f"{size}-op")


def test_deep_networks_stay_small(make_trace):
    """ResNet-152 and -1202: repeated blocks are summarised, so the drawings have a bounded size."""
    for depth in (152, 1202):
        t = make_trace(depth)
        net = layout(t, level=Level.NETWORK, select=None, title="t")
        assert len(net.cuboids) <= 12 and net.width < 2000
        for s in t.stages:
            lay = layout(t, level=Level.STAGE, select=s.id, title="t")
            assert len(lay.brackets) <= 1 and lay.width < 2200
            assert_clean(lay, f"{depth}-{s.id}")
    lay = layout(make_trace(1202), level=Level.STAGE, select="layer2", title="t")
    assert any("×199 identical blocks" in line for lb in lay.labels for line in lb.lines)
    lay = layout(make_trace(152), level=Level.STAGE, select="layer3", title="t")
    (bracket,) = lay.brackets
    (text,) = [lb for lb in lay.labels if lb.role == "bracket"]
    assert text.lines == ("×35 identical blocks", "layer3.1 … layer3.35")
    assert bracket.x1 < text.x < bracket.x2 and text.bbox.y > bracket.y


def test_shortcut_styles(make_trace):
    t = make_trace(18, 224)
    lay = layout(t, level=Level.STAGE, select="layer2", title="t")
    assert [a.kind for a in lay.arcs] == [ShortcutKind.PROJECTION, ShortcutKind.IDENTITY]
    assert lay.arcs[0].dotted and not lay.arcs[1].dotted
    assert [c.key for c in lay.cuboids if c.key.endswith(":shortcut")] == ["layer2.0:add:shortcut"]
    assert [le.kind for le in lay.legend] == [ShortcutKind.PROJECTION, ShortcutKind.IDENTITY]
    assert len(lay.joins) == 2
    cifar = make_trace(56, 32)
    lay = layout(cifar, level=Level.BLOCK, select="layer2.0", title="t")
    assert lay.arcs[0].kind is ShortcutKind.ZEROPAD and lay.arcs[0].dotted
    assert any("zero-pad shortcut (option A)" in lb.lines for lb in lay.labels)


def test_arcs_run_from_the_fork_into_the_join(make_trace):
    t = make_trace(50, 224)
    lay = layout(t, level=Level.BLOCK, select="layer2.0", title="t")
    (arc,), (join,) = lay.arcs, lay.joins
    src = lay.box("in")
    assert (arc.x1, arc.y1) == pytest.approx(src.top_mid())
    assert (arc.x2, arc.y2) == pytest.approx((join.cx, join.cy - join.r))
    out = lay.box("layer2.0:out")
    assert join.cx < out.x  # ⊕, then the block's output
    assert arc.top < min(c.bbox.y for c in lay.cuboids if not c.key.endswith(":shortcut"))


def test_pooled_shortcut_draws_its_pool_and_conv(zoo_trace):
    """ResNet-D: a 2×2 average pool, then a 1×1 conv; the shortcut's own volume sits on the arc."""
    t = zoo_trace("resnet_d_block_net")
    b = t.block("layer2.0")
    assert b.shortcut is ShortcutKind.POOLED
    lay = layout(t, level=Level.BLOCK, select=b.id, title="t")
    (arc,) = lay.arcs
    assert arc.kind is ShortcutKind.POOLED and arc.dotted
    (sc,) = [c for c in lay.cuboids if c.key.endswith(":shortcut")]
    assert sc.shape == b.output and arc.x1 < sc.bbox.x + sc.bbox.w / 2 < arc.x2
    caption = next(lb.lines for lb in lay.labels if lb.lines[0] == "pooled projection shortcut")
    assert any("avg pool" in line for line in caption) and any("1×1 conv" in line for line in caption)
    assert_clean(lay, "pooled")


def test_gated_block_says_so(zoo_trace):
    t = zoo_trace("se_resnet")
    b = t.blocks[0]
    assert b.gated and block_paths(t, b).gate
    lay = layout(t, level=Level.BLOCK, select=b.id, title="t")
    texts = [line for lb in lay.labels for line in lb.lines]
    assert "× gate" in texts and any(line.startswith("SE gate: pool, 2 convs") for line in texts)
    assert_clean(lay, "se")


def test_preact_shortcut_starts_after_the_shared_preactivation(zoo_trace):
    """A pre-activation block whose shortcut reads the normalised input: the arc leaves the BN box, not the input."""
    t = zoo_trace("preact_resnet")
    forked = [b for b in t.blocks if block_paths(t, b).pre]
    assert forked, "the zoo's pre-activation net has a projection block that shares its BN"
    for b in forked:
        paths = block_paths(t, b)
        lay = layout(t, level=Level.BLOCK, select=b.id, title="t")
        (arc,) = lay.arcs
        pre = lay.box(f"{b.id}:fork")  # the shared pre-activation, drawn as the fork the two paths leave from
        src = lay.box("in")
        assert (arc.x1, arc.y1) == pytest.approx(pre.top_mid())
        assert arc.x1 > src.bbox.right
        first_main = lay.box(f"{b.id}:{paths.main[0].lead.id}")
        assert pre.bbox.right < first_main.x and arc.x1 < first_main.x
        assert_clean(lay, b.id)
    plain = next(b for b in t.blocks if not block_paths(t, b).pre)
    lay = layout(t, level=Level.BLOCK, select=plain.id, title="t")
    assert (lay.arcs[0].x1, lay.arcs[0].y1) == pytest.approx(lay.box("in").top_mid())


def test_plain_network_draws_every_step(zoo_trace):
    """A CNN without residual blocks: one box per step, no arcs, no joins, every step named."""
    t = zoo_trace("plain_cnn")
    assert not t.stages and t.plain
    fig = figure(t, View.VOLUMES, Level.NETWORK)
    lay = layout(t, level=fig.level, select=fig.select, title=fig.title)
    assert not lay.arcs and not lay.joins and not lay.brackets and not lay.legend
    keys = [c.key for c in lay.cuboids]
    leads = [o.id for o in t.ops_of(t.plain) if o.kind in (OpKind.CONV, OpKind.MAXPOOL, OpKind.LINEAR)]
    assert keys[0] == "input" and set(leads) <= set(keys)
    assert fmt.volume(lay.cuboids[-1].shape) == fmt.volume(t.output)
    assert_clean(lay, "plain")


def test_op_layout_draws_the_kernel(make_trace):
    t = make_trace(34, 224)
    lay = layout(t, level=Level.OP, select="conv1", title="t")
    (k,) = lay.kernels
    src, dst = lay.cuboids
    assert src.shape == t.input and dst.shape == t.op("conv1").output
    assert src.face.contains(Rect(k.x, k.y, k.w, k.h))
    assert dst.face.contains(Rect(k.tx - 0.5, k.ty - 0.5, 1, 1))
    assert k.dx == src.dx and k.dy == src.dy  # a conv's kernel goes through every input channel
    assert any("7×7×3 kernel" in lb.lines for lb in lay.labels)
    assert any("stride 2, padding 3" in lb.lines for lb in lay.labels)
    pool = layout(t, level=Level.OP, select="maxpool", title="t")
    (k,) = pool.kernels
    assert k.dx == 0 and k.dy == 0 and any("3×3 window, each channel" in lb.lines for lb in pool.labels)
    fc = layout(t, level=Level.OP, select="fc", title="t")
    assert not fc.kernels and any("fc 1000" in lb.lines for lb in fc.labels)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(h=st.integers(33, 900), w=st.integers(33, 900), depth=st.sampled_from([18, 50]))
def test_any_input_size_lays_out_cleanly(make_trace, h, w, depth):
    t = make_trace(depth, (h, w))
    for level, sel in ((Level.NETWORK, None), (Level.STAGE, "layer2"), (Level.BLOCK, "layer2.0"),
                       (Level.OP, "conv1")):
        assert_clean(layout(t, level=level, select=sel, title=f"{h}x{w}"), f"{h}x{w}-{level.value}")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(h=st.integers(8, 64), w=st.integers(8, 64))
def test_tiny_cifar_inputs_lay_out_cleanly(make_trace, h, w):
    t = make_trace(20, (h, w))
    for level, sel in ((Level.NETWORK, None), (Level.STAGE, "layer3"), (Level.BLOCK, "layer3.0"),
                       (Level.OP, "conv1")):
        assert_clean(layout(t, level=level, select=sel, title=f"{h}x{w}"), f"{h}x{w}-{level.value}")
