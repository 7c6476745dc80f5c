"""The report's explanations: each note says what this network does (CIFAR vs ImageNet stems, shortcut options)."""

from __future__ import annotations

from resnet_viz import explain


def test_cifar_explanations_say_the_right_thing(make_trace):
    notes = {n.key: n.text for n in explain.explanations(make_trace(56, 32))}
    assert "no max-pool" in notes["stem"] and "3×3, stride 1" in notes["stem"]
    assert "option A" in notes["shortcuts"] and "zeros" in notes["shortcuts"] and "no parameters" in notes["shortcuts"]
    assert "projection" not in notes["shortcuts"].replace("instead of a projection", "")
    assert "16 channels of zeros" in notes["shortcuts"]


def test_imagenet_explanations(make_trace):
    notes = {n.key: n.text for n in explain.explanations(make_trace(34, 224))}
    assert "`maxpool`" in notes["stem"] and "4-fold" in notes["stem"]
    assert "projection shortcut" in notes["shortcuts"] and "`layer2.0.downsample.0`" in notes["shortcuts"]
    assert "exactly even" in notes["halving"]  # every non-downsampling block costs the same
    assert "2 × MACs" in notes["counting"]
    c = {n.key: n.text for n in explain.explanations(make_trace(18, 224, shortcut="C"))}
    assert "option C" in c["shortcuts"]
    b = {n.key: n.text for n in explain.explanations(make_trace(50, 224))}
    assert b["blocks"].startswith("A bottleneck block") and "v1.5" in b["blocks"]
