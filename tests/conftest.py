"""Shared fixtures: traces are made once per session (on the meta device, identical to cpu)."""

from __future__ import annotations

import functools
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/zoo.py, tests/oracles.py


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", help="rewrite gallery/ (the golden files) first")


@functools.cache
def _trace(depth=None, input=None, **kw):
    from resnet_viz.api import trace_network

    return trace_network(depth, input=input, device=kw.pop("device", "meta"), **kw)


@pytest.fixture(scope="session")
def make_trace():
    """make_trace(depth, input, **options) → Trace, cached for the whole session."""
    return _trace


@functools.cache
def _zoo_trace(name: str, device: str = "meta"):
    from zoo import INPUT, ZOO

    from resnet_viz.core.tracing import trace_module
    from resnet_viz.options import ModelOptions

    return trace_module(ZOO[name](), ModelOptions.parse(input=INPUT[name], device=device), name=name)


@pytest.fixture(scope="session")
def zoo_trace():
    """zoo_trace(name, device='meta') → the Trace of a zoo model at its natural input, cached."""
    return _zoo_trace


def require_tool(name: str, marker: str):
    """Skip when an optional tool is absent locally; under CI (CI=true) its absence is a failure."""
    if shutil.which(name):
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{name} is required in CI ({marker} tests must not skip)")
    pytest.skip(f"{name} not installed")
