"""Views memoised per trace: computed once while the trace lives, never shared between equal traces, released
with the trace, and immutable so no caller can change what another sees."""

from __future__ import annotations

import gc
import weakref

import pytest

from resnet_viz.api import load_trace, save_trace
from resnet_viz.views.layers import layer_rows
from resnet_viz.views.memo import per_trace
from resnet_viz.views.receptive import receptive_fields


def test_once_per_trace_and_released_with_it(make_trace, tmp_path):
    calls = []

    @per_trace
    def count(trace):
        calls.append(trace)
        return len(trace.ops)

    t = make_trace(18, 224)
    assert count(t) == count(t) == len(t.ops) and len(calls) == 1
    save_trace(t, tmp_path / "t.json")
    other = load_trace(tmp_path / "t.json")
    assert other == t and count(other) == len(t.ops) and len(calls) == 2  # equal, but not the same trace
    ref = weakref.ref(other)
    calls.clear()
    del other
    gc.collect()
    assert ref() is None  # the cache does not keep a trace alive


def test_shared_results_are_immutable(make_trace):
    t = make_trace(18, 224)
    fields = receptive_fields(t)
    assert fields is receptive_fields(t) and layer_rows(t) is layer_rows(t)
    with pytest.raises(TypeError):
        fields["conv1"] = None  # type: ignore[index]
    assert isinstance(layer_rows(t), tuple)
