"""Layout maths without SVG: sizes grow with H, W and C; nothing overlaps, crosses an arc, or leaves the canvas."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resnet_viz import fmt
from resnet_viz.diagrams import standard_figures
from resnet_viz.render import geometry as g
from resnet_viz.render.volumes import layout
from resnet_viz.schema import OpKind, ShortcutKind

NETS = [(18, 224), (50, 224), (56, 32), (34, (197, 311)), (152, 224)]


# --- scales ----------------------------------------------------------------------------------------
@given(st.integers(1, 20_000), st.integers(1, 20_000))
def test_side_and_depth_grow_strictly(a, b):
    if a < b:
        assert g.side(a) < g.side(b)
        assert g.depth(a) < g.depth(b)


def test_scales_keep_extremes_readable():
    assert 8 < g.side(1) < g.side(7) and g.side(224) < 110 and g.side(1333) < 200
    assert g.depth(3) > 5 and g.depth(2048) < 110
    # the knee between the sqrt and log parts is continuous
    assert abs(g.side(256) - g.side(256.0001)) < 1e-3


@given(st.integers(1, 4096), st.integers(1, 4096), st.integers(1, 4096))
def test_box_size_follows_w_h_c(c, h, w):
    bw, bh, dx, dy = g.box_size((1, c, h, w))
    assert (bw > bh) == (w > h) and (bw == bh) == (w == h)
    assert dx > 0 and dy > 0
    bigger = g.box_size((1, c + 1, h + 1, w + 1))
    assert all(x < y for x, y in zip((bw, bh, dx, dy), bigger, strict=True))


def test_vectors_are_1x1xf():
    assert g.chw((1, 1000)) == (1000, 1, 1)
    assert g.box_size((1, 512))[:2] == g.box_size((1, 512, 1, 1))[:2]


# --- layouts ---------------------------------------------------------------------------------------
def _layouts(trace):
    for fig in standard_figures(trace):
        if fig.view == "volumes":
            yield fig.name, layout(trace, level=fig.level, select=fig.select, title=fig.title)
    for op in trace.ops:  # every kind of op, once
        if op.kind in (OpKind.BATCHNORM, OpKind.RELU, OpKind.ADD, OpKind.AVGPOOL, OpKind.FLATTEN, OpKind.LINEAR):
            yield f"op-{op.id}", layout(trace, level="op", select=op.id, title=op.id)
            break


def _cases(make_trace):
    for depth, size in NETS:
        t = make_trace(depth, size)
        for name, lay in _layouts(t):
            yield f"{t.model_name}-{name}", lay


def assert_clean(lay: g.Layout, where: str = "") -> None:
    """The invariants every drawing keeps."""
    canvas = lay.canvas
    labels = lay.all_labels()
    boxes = lay.cuboids
    for thing in [*boxes, *lay.joins, *lay.arcs]:
        assert canvas.contains(thing.bbox), (where, thing)
    for lb in labels:
        assert canvas.contains(lb.bbox), (where, lb.lines)
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
        lo, hi = min(arc.x1, arc.x2), max(arc.x1, arc.x2)
        for lb in labels:  # the arc's line never runs through text
            r = lb.bbox
            assert not (r.x < hi and lo < r.right and r.y < arc.top < r.bottom), (where, "across", lb.lines)
            for x, y in ((arc.x1, arc.y1), (arc.x2, arc.y2)):
                assert not (r.x < x < r.right and r.y < y and arc.top < r.bottom), (where, "down", lb.lines)
        for c in boxes:  # ... and passes above every box of the main row
            if c.key.endswith(":shortcut") or not (c.bbox.x < hi and lo < c.bbox.right):
                continue
            assert arc.top < c.bbox.y, (where, c.key)


def test_every_layout_is_clean(make_trace):
    n = 0
    for where, lay in _cases(make_trace):
        assert_clean(lay, where)
        n += 1
    assert n > 40


def test_volume_labels_say_each_box_shape(make_trace):
    t = make_trace(50, 224)
    lay = layout(t, level="network", select=None, title="t")
    texts = {lb.lines[0] for lb in lay.labels if lb.role == "volume"}
    assert {fmt.volume(b.shape) for b in lay.cuboids} <= texts
    assert [fmt.volume(c.shape) for c in lay.cuboids][:2] == ["224×224×3", "112×112×64"]
    assert [fmt.volume(c.shape) for c in lay.cuboids][-3:] == ["7×7×2048", "1×1×2048", "1000"]


def test_sizes_are_monotonic_within_a_drawing(make_trace):
    lay = layout(make_trace(34, 224), level="network", select=None, title="t")
    for a, b in itertools.permutations(lay.cuboids, 2):
        ca, ha, wa = g.chw(a.shape)
        cb, hb, wb = g.chw(b.shape)
        if ha < hb:
            assert a.h < b.h
        if wa < wb:
            assert a.w < b.w
        if ca < cb:
            assert a.dx < b.dx


def test_non_square_inputs_draw_non_square_faces(make_trace):
    for size in ((197, 311), (800, 1333)):
        t = make_trace(18, size)
        lay = layout(t, level="network", select=None, title="t")
        first = lay.cuboids[0]
        assert first.w > first.h
        op = layout(t, level="op", select="conv1", title="t")
        assert all(c.w > c.h for c in op.cuboids)


def test_deep_networks_stay_small(make_trace):
    """ResNet-152 and -1202: repeated blocks are summarised, so the drawings have a bounded size."""
    for depth in (152, 1202):
        t = make_trace(depth)
        net = layout(t, level="network", select=None, title="t")
        assert len(net.cuboids) <= 12 and net.width < 2000
        for s in t.stages:
            lay = layout(t, level="stage", select=s.id, title="t")
            assert len(lay.brackets) <= 1 and lay.width < 2200
            assert_clean(lay, f"{depth}-{s.id}")
    lay = layout(make_trace(1202), level="stage", select="layer2", title="t")
    assert any("×199" in line for lb in lay.labels for line in lb.lines)


def test_shortcut_styles(make_trace):
    t = make_trace(18, 224)
    lay = layout(t, level="stage", select="layer2", title="t")
    assert [a.kind for a in lay.arcs] == [ShortcutKind.PROJECTION, ShortcutKind.IDENTITY]
    assert lay.arcs[0].dotted and not lay.arcs[1].dotted
    assert any(c.key.endswith(":shortcut") for c in lay.cuboids)  # the projection has its own volume
    cifar = make_trace(56, 32)
    lay = layout(cifar, level="block", select="layer2.0", title="t")
    assert lay.arcs[0].kind is ShortcutKind.ZEROPAD and lay.arcs[0].dotted
    assert any("zero-pad shortcut" in line for lb in lay.labels for line in lb.lines)


def test_op_layout_draws_the_kernel(make_trace):
    t = make_trace(34, 224)
    lay = layout(t, level="op", select="conv1", title="t")
    (k,) = lay.kernels
    src, dst = lay.cuboids
    assert src.face.contains(g.Rect(k.x, k.y, k.w, k.h))
    assert dst.face.contains(g.Rect(k.tx - 0.5, k.ty - 0.5, 1, 1))
    assert any("7×7×3 kernel" in lb.lines for lb in lay.labels)
    assert any("stride 2, padding 3" in lb.lines for lb in lay.labels)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(h=st.integers(33, 900), w=st.integers(33, 900), depth=st.sampled_from([18, 50]))
def test_any_input_size_lays_out_cleanly(make_trace, h, w, depth):
    t = make_trace(depth, (h, w))
    for level, sel in (("network", None), ("stage", "layer2"), ("block", "layer2.0"), ("op", "conv1")):
        assert_clean(layout(t, level=level, select=sel, title=f"{h}x{w}"), f"{h}x{w}-{level}")
