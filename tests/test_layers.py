"""The folders are the layers: every import inside the package points down, none forms a circle,
the torch-free layers never import torch, and no module grows far past the ~250-line budget.

Function-level imports are allowed only where they point down (they keep `--help` and
`import resnet_viz` free of torch); the same rank check applies to them as to top-level ones.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "resnet_viz"

# Lowest first. A module may import from its own rank (inside its folder) or any lower one.
RANKS = {
    "errors": 0, "version": 0, "spec": 0, "options": 0, "shapes": 0, "palette": 0, "fmt": 0,
    "family": 0, "network_spec": 0, "value_checks": 0, "parsing": 0,
    "schema": 1,
    "views": 2,
    "core": 3,  # core may ask a view of its meta trace (the memory a real pass needs); views never see torch
    "render": 3,
    "output": 4,
    "integrations": 5,
    "api": 6,
    "commands": 7,
    "cli": 8,
    "entry": 9, "__main__": 9, "__init__": 9,
}
TORCH_FREE = ("errors", "version", "spec", "family", "network_spec", "value_checks", "parsing", "options", "shapes",
              "palette", "fmt", "schema", "views", "render",
              "output", "integrations", "commands", "cli", "entry", "__init__")
LINE_BUDGET = 260  # ARCHITECTURE.md: "none grows past ~250 lines"


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def dotted(path: Path) -> tuple[str, ...]:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports(path: Path) -> list[tuple[tuple[str, ...], ast.AST, bool]]:
    """(target module inside the package, node, at top level) for every relative import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    here = dotted(path)
    package = here if path.name == "__init__.py" else here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = base + tuple((node.module or "").split(".")) if node.module else base
            if not node.module:  # `from . import x`: each name is a module
                for alias in node.names:
                    found.append((base + (alias.name,), node, id(node) in top))
            else:
                found.append((target, node, id(node) in top))
    return found


def rank(mod: tuple[str, ...]) -> int:
    if not mod:
        return RANKS["__init__"]
    return RANKS[mod[0]]


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    here = dotted(path)
    for target, node, _top in imports(path):
        assert rank(target) <= rank(here), f"{'.'.join(here)} imports {'.'.join(target)} (line {node.lineno})"
        if 0 < rank(target) == rank(here) < RANKS["entry"] and target[:1] != here[:1]:
            # Same rank, different folder: core and render are siblings and must not know each other.
            pytest.fail(f"{'.'.join(here)} imports its sibling layer {'.'.join(target)} (line {node.lineno})")


def test_no_import_cycles_at_module_level() -> None:
    graph: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    known = {dotted(p) for p in modules()}
    for path in modules():
        edges = set()
        for target, _node, top in imports(path):
            while target and target not in known:
                target = target[:-1]  # `from .schema import Trace` names the package schema
            if top and target and target != dotted(path):
                edges.add(target)
        graph[dotted(path)] = edges
    state: dict[tuple[str, ...], int] = {}

    def visit(node: tuple[str, ...], trail: list[tuple[str, ...]]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                # A package importing its own submodules is not a cycle unless a submodule imports the package.
                cycle = [*trail[trail.index(nxt):], nxt] if nxt in trail else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(".".join(m) or "resnet_viz" for m in cycle))
            if state.get(nxt) is None:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node, [node])


@pytest.mark.parametrize("path", [p for p in modules() if (dotted(p) or ("__init__",))[0] in TORCH_FREE],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_torch_free_layers_never_import_torch(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
        assert not any(n == "torch" or n.startswith("torch.") for n in names), f"line {node.lineno}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= LINE_BUDGET, f"{path.name} has {lines} lines"
