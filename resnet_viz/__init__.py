"""resnet-viz: trace a real PyTorch ResNet once and tabulate and draw every volume that flows through it.

The public API is re-exported lazily so that `import resnet_viz` does not import torch.
"""

from __future__ import annotations

__version__ = "0.1.0"

_EXPORTS = {
    "NetworkSpec": "spec",
    "resnet_spec": "spec",
    "parse_input_size": "spec",
    "Trace": "schema",
    "Op": "schema",
    "Block": "schema",
    "Stage": "schema",
    "Totals": "schema",
    "OpKind": "schema",
    "ResnetVizError": "errors",
    "build_resnet": "model",
    "build_model": "model",
    "trace": "trace",
    "trace_resnet": "trace",
    "trace_network": "api",
    "load_trace": "api",
    "summary": "api",
    "show": "notebook",
    "diagram": "diagrams",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'resnet_viz' has no attribute {name!r}")


def __dir__():
    return __all__
