"""The wheel: built from a copy of the checkout, it holds every package, the report templates and the trace schema,
and a copy installed into a fresh folder loads a trace and renders a report from its own files (not the checkout's,
nor an editable install's)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ("__init__.py", "report.html.j2", "macros.html.j2", "report.css", "report.js.j2")
SCHEMA = "resnet_viz/schema/trace-v2.schema.json"
pytestmark = pytest.mark.slow

# An editable install of the project (pip install -e) puts a finder on sys.meta_path that would serve any module the
# wheel lacks from its source folder; the child drops it, so only the installed copy can be imported.
NO_EDITABLE = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path "
               "if '__editable__' not in str(getattr(f, '__module__', ''))]; ")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build from a copy of the checkout, so the build never touches (or races on) the working tree."""
    pytest.importorskip("build")
    src = tmp_path_factory.mktemp("src") / "resnet-viz"
    ignore = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "resnet*-*",
                                    "gallery", "bench")
    shutil.copytree(ROOT, src, ignore=ignore)
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
                       cwd=src, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (whl,) = out.glob("resnet_viz-*.whl")
    return whl


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--no-compile",
                        "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return target


def names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as z:
        return set(z.namelist())


def test_wheel_contains_the_templates(wheel):
    inside = names(wheel)
    for name in TEMPLATES:
        assert f"resnet_viz/templates/{name}" in inside, f"{name} missing from {wheel.name}"
    assert not any(n.startswith("templates/") for n in inside)  # inside the package, not a top-level folder
    assert "resnet_viz/__init__.py" in inside and "resnet_viz/render/html.py" in inside


def test_wheel_contains_every_package_and_the_schema(wheel):
    inside = names(wheel)
    packages = sorted(p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "resnet_viz").rglob("__init__.py"))
    assert {"resnet_viz/core", "resnet_viz/schema", "resnet_viz/views", "resnet_viz/integrations"} <= set(packages)
    missing = [p for p in packages if f"{p}/__init__.py" not in inside]
    assert not missing, f"packages missing from {wheel.name}: {missing}"
    modules = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "resnet_viz").rglob("*.py"))
    assert not [m for m in modules if m not in inside]
    assert SCHEMA in inside


def test_installed_wheel_renders_a_report_from_its_own_files(installed, tmp_path, make_trace):
    from resnet_viz.api import save_trace

    save_trace(make_trace(18, 224), tmp_path / "t.json")
    target = str(installed)
    code = NO_EDITABLE + (
        "import resnet_viz, resnet_viz.render.template as h; from resnet_viz.api import load_trace; "
        "from resnet_viz.schema import conform; from importlib import resources; "
        "from resnet_viz.output.report import report_files, write_report; "
        f"assert resnet_viz.__file__.startswith({target!r}), resnet_viz.__file__; "
        f"assert str(h.template_root()).startswith({target!r}), h.template_root(); "
        f"assert str(resources.files(conform.__package__)).startswith({target!r}); "
        "t = load_trace('t.json'); files = report_files(t, figures=False); "
        "assert 'Table 1, regenerated' in files['index.html'] and 'resnet18' in files['index.html']; "
        "write_report(files, 'out'); print('ok')"
    )
    env = {**os.environ, "PYTHONPATH": target}
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-3000:]
    assert (tmp_path / "out" / "index.html").is_file() and (tmp_path / "out" / "trace.json").is_file()


def test_the_child_imports_only_the_installed_copy(installed, tmp_path):
    """What the installed-wheel test relies on: with the editable finder dropped, every resnet_viz module the child
    finds is in the installed copy (a module the wheel lacks is not served from a source folder)."""
    env = {**os.environ, "PYTHONPATH": str(installed)}
    code = NO_EDITABLE + ("import importlib.util, resnet_viz; print(resnet_viz.__file__); "
                          "[print(getattr(importlib.util.find_spec(m), 'origin', None)) "
                          "for m in ('resnet_viz.render', 'resnet_viz.templates', 'resnet_viz.core')]")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    init, render, templates, core = r.stdout.splitlines()
    for origin in (init, render, templates):
        assert origin.startswith(str(installed)), origin
    assert core == "None" or core.startswith(str(installed)), core
