"""Shared fixtures: traces are made once per session (on the meta device, identical to cpu)."""

from __future__ import annotations

import functools
import os
import shutil

import pytest


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", help="rewrite tests/golden/ from the current output")


@pytest.fixture
def update_goldens(request) -> bool:
    return request.config.getoption("--update-goldens")


@functools.cache
def _trace(depth=None, input_size=None, layers=None, **kw):
    from resnet_viz.api import trace_network

    return trace_network(depth, input_size=input_size, layers=layers, device="meta", **kw)


@pytest.fixture(scope="session")
def make_trace():
    """make_trace(depth, input_size, **options) → Trace, cached for the whole session."""
    return _trace


def require_tool(name: str, marker: str):
    """Skip when an optional tool is absent locally; under CI (CI=true) its absence is a failure."""
    if shutil.which(name):
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{name} is required in CI ({marker} tests must not skip)")
    pytest.skip(f"{name} not installed")
