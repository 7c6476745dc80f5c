"""The volume journey: the paper's sequence of volumes, why each leg changes it, and the rounding of odd sides."""

from __future__ import annotations

from resnet_viz import journey


def test_journey_is_the_papers_volume_sequence(make_trace):
    chain = journey.journey_chain(make_trace(34, 224))
    assert chain == ("224×224×3", "112×112×64", "56×56×64", "28×28×128", "14×14×256", "7×7×512", "1×1×512", "1000")
    legs = journey.journey(make_trace(34, 224))
    assert [leg.where for leg in legs] == ["conv1", "maxpool", "layer2.0", "layer3.0", "layer4.0", "avgpool", "fc"]
    assert legs[2].change == "stride 2 · channels ×2"
    assert "`layer2.0.conv1`" in legs[2].why and "projects" in legs[2].why
    assert all(leg.arithmetic == () for leg in legs)  # 224 halves exactly everywhere


def test_journey_of_a_bottleneck_net_shows_the_expansion(make_trace):
    legs = journey.journey(make_trace(50, 224))
    first = next(leg for leg in legs if leg.where == "layer1.0")
    assert (first.before, first.after, first.change) == ("56×56×64", "56×56×256", "channels ×4")
    assert "`layer1.0.conv3`" in first.why


def test_odd_inputs_show_the_rounding(make_trace):
    t = make_trace(34, (197, 311))
    chain = journey.journey_chain(t)
    assert chain[:3] == ("197×311×3", "99×156×64", "50×78×64")
    arith = [a for leg in journey.journey(t) for a in leg.arithmetic]
    assert "height 197 at `conv1`: (197 + 2·3 − 7) / 2 + 1 = 99" in arith
    assert any(a.startswith("width 39 at `layer3.0.conv1`") and a.endswith("= 20") for a in arith)
    assert "rounds the halving up (197 → 99)" in journey.rounding_note(t)
    assert journey.rounding_note(make_trace(34, 224)) is None
