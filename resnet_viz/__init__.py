"""resnet-viz: trace a real PyTorch ResNet (or any model) once; tabulate and draw every volume that flows through it.

The public API is re-exported lazily so that `import resnet_viz` does not import torch; inside IPython a Trace
learns to display itself.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from .version import __version__

_EXPORTS = {
    "ModelOptions": "options",
    "NetworkSpec": "spec",
    "resnet_spec": "spec",
    "Trace": "schema",
    "Op": "schema",
    "Ref": "schema",
    "Volume": "schema",
    "Block": "schema",
    "Stage": "schema",
    "OpKind": "schema",
    "ResnetVizError": "errors",
    "build_resnet": "core.model",
    "build_model": "core.model",
    "trace": "core.tracing",
    "trace_network": "api",
    "trace_options": "api",
    "load_trace": "api",
    "save_trace": "api",
    "summary": "api",
    "report": "api",
    "report_contents": "api",
    "diagram": "api",
    "show": "integrations.notebook",
    "embed": "integrations.embed",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'resnet_viz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__


def _show_traces_in_ipython() -> None:
    """Inside IPython, tell it how to display a Trace (by name: nothing is imported until one is shown)."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if shell is None:
        return

    def notebook() -> Any:
        return importlib.import_module(".integrations.notebook", __name__)

    formatters = shell.display_formatter.formatters
    formatters["text/html"].for_type_by_name("resnet_viz.schema.trace", "Trace", lambda t: notebook().trace_html(t))
    formatters["text/plain"].for_type_by_name("resnet_viz.schema.trace", "Trace",
                                              lambda t, p, cycle: p.text(notebook().trace_text(t)))


_show_traces_in_ipython()
