"""`--model MODULE:ATTR`: the user's own network, from an importable module or a .py file.

ATTR is an nn.Module, or a callable without required arguments that returns one. A callable is called on the meta
device when it allows it (no memory, no weight initialisation: a ResNet-101 costs milliseconds instead of a second),
else normally. Every failure is one line naming what was given and what is accepted.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
from torch import nn

from ..errors import InvalidOption, ModelError

ACCEPTED = "an nn.Module, or a function without required arguments that returns one"


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0]}" if text else type(e).__name__


def _module(name: str, given: str) -> ModuleType:
    """Import a dotted module path, or execute a .py file as a module (its folder importable while it loads)."""
    if name.endswith(".py") or "/" in name or "\\" in name:
        path = Path(name)
        if not path.is_file():
            raise InvalidOption(f"--model {given}: no file {name!r} (MODULE is a dotted module path or a .py file)")
        spec = importlib.util.spec_from_file_location(f"resnet_viz_user_{abs(hash(path.resolve()))}", path)
        if spec is None or spec.loader is None:
            raise InvalidOption(f"--model {given}: {name!r} cannot be loaded as Python")
        module = importlib.util.module_from_spec(spec)
        folder = str(path.resolve().parent)
        sys.path.insert(0, folder)
        try:
            spec.loader.exec_module(module)
        except Exception as e:
            raise ModelError(f"--model {given}: loading {name!r} failed ({_one_line(e)})") from None
        finally:
            if folder in sys.path:
                sys.path.remove(folder)
        return module
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        raise InvalidOption(f"--model {given}: no module named {e.name!r} (MODULE is a dotted module path or a "
                            ".py file)") from None
    except Exception as e:
        raise ModelError(f"--model {given}: importing {name!r} failed ({_one_line(e)})") from None


def resolve(ref: str) -> nn.Module | Callable[[], Any]:
    """The object MODULE:ATTR names (ATTR may be dotted: pkg.mod:Factory.build)."""
    name, _, attr = ref.rpartition(":")
    obj: Any = _module(name, ref)
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise InvalidOption(f"--model {ref}: {name!r} has no attribute {part!r} (ATTR must be {ACCEPTED})")
        obj = getattr(obj, part)
    if isinstance(obj, nn.Module):
        return obj
    if not callable(obj):
        raise InvalidOption(f"--model {ref}: {attr!r} is a {type(obj).__name__} (must be {ACCEPTED})")
    try:
        required = [p.name for p in inspect.signature(obj).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    except (TypeError, ValueError):
        required = []
    if required:
        raise InvalidOption(f"--model {ref}: {attr}() needs the argument(s) {', '.join(required)} (must be {ACCEPTED})")
    return obj


def build(ref: str) -> tuple[nn.Module, bool]:
    """(the model, whether it was built on the meta device). A callable is tried on meta first, then as it is."""
    obj = resolve(ref)
    if isinstance(obj, nn.Module):
        return obj, False
    try:
        with torch.device("meta"):
            model = obj()
        if isinstance(model, nn.Module) and all(t.device.type == "meta" for t in [*model.parameters(),
                                                                                  *model.buffers()]):
            return model, True
    except Exception:  # a factory that cannot run on meta (it loads weights, reads values): build it normally
        pass
    try:
        model = obj()
    except Exception as e:
        raise ModelError(f"--model {ref}: calling it failed ({_one_line(e)})") from None
    if not isinstance(model, nn.Module):
        raise InvalidOption(f"--model {ref}: it returned a {type(model).__name__} (must return an nn.Module)")
    return model, False
