"""The wheel ships the report templates, and an installed copy renders a report from them (not from the checkout)."""

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
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build from a copy of the checkout, so the build never touches (or races on) the working tree."""
    src = tmp_path_factory.mktemp("src") / "resnet-viz"
    ignore = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "resnet*-*")
    shutil.copytree(ROOT, src, ignore=ignore)
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
                       cwd=src, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (whl,) = out.glob("resnet_viz-*.whl")
    return whl


def test_wheel_contains_the_templates(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in TEMPLATES:
        assert f"resnet_viz/templates/{name}" in names, f"{name} missing from {wheel.name}"
    assert not any(n.startswith("templates/") for n in names)


def test_installed_wheel_renders_from_its_own_templates(wheel, tmp_path, make_trace):
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target),
                        str(wheel)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    (tmp_path / "t.json").write_text(make_trace(18, 224).to_json())
    code = (
        "import resnet_viz, resnet_viz.render.html as h; from resnet_viz.api import load_trace; "
        "from resnet_viz.report import report_files; "
        f"assert resnet_viz.__file__.startswith({str(target)!r}), resnet_viz.__file__; "
        f"assert str(h.template_root()).startswith({str(target)!r}), h.template_root(); "
        "html = report_files(load_trace('t.json'), figures=False)['index.html']; "
        "assert 'Table 1, regenerated' in html; print('ok')"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-3000:]
