"""The report in a real headless Chromium: offline, error-free, navigable, dark mode, print, no sideways scroll.

Screenshots land in build/ (git-ignored), e.g. build/report-resnet34-224-dark-layers.png: look at them after
a change to the templates. Goldens of the HTML itself are in test_report.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import require_tool

from resnet_viz import paper, report

pytestmark = pytest.mark.browser

BUILD = Path(__file__).resolve().parents[1] / "build"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
CASES = {"resnet34-224": (34, 224, {}), "resnet152-224": (152, 224, {}), "resnet56-32": (56, 32, {})}


@pytest.fixture(scope="module")
def browser():
    require_tool("chromium", "browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=ARGS)
        yield b
        b.close()


def _chromium() -> str:
    import shutil

    return shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def reports(make_trace, tmp_path_factory):
    """name → index.html path, for each case, written the way `render` writes it (dot left out)."""
    out = {}
    for name, (depth, size, kw) in CASES.items():
        t = make_trace(depth, size, **kw)
        opts = paper.comparison_options(t)
        others = [make_trace(d, opts["input_size"], variant=opts["variant"], shortcut=opts["shortcut"],
                             stem=opts["stem"], num_classes=opts["num_classes"]) for d in paper.comparison_depths(t)]
        folder = tmp_path_factory.mktemp(name)
        report.write_report(report.report_files(t, comparison=others, use_dot=False), folder)
        out[name] = folder / "index.html"
    return out


def open_page(browser, path: Path, scheme: str = "light"):
    """Open the report with every request routed: only the page's own file may load."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    requests, errors = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        requests.append(r.request.url)
        if r.request.url == path.as_uri():
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, requests, errors


def shot(page, name: str, part: str = "") -> None:
    BUILD.mkdir(exist_ok=True)
    page.screenshot(path=str(BUILD / f"report-{name}{'-' + part if part else ''}.png"))


def luminance(css_rgb: str) -> float:
    r, g, b = (int(float(v)) for v in css_rgb[css_rgb.index("(") + 1:css_rgb.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_report_in_chromium(browser, reports, name, scheme):
    page, requests, errors = open_page(browser, reports[name], scheme)
    try:
        assert requests == [reports[name].as_uri()], "the page must not load anything but itself"
        assert errors == []
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        for sel in ("#table1 table", "#journey ol.chain", "#layers table.layers"):
            assert page.locator(sel).first.is_visible(), sel
        if name != "resnet56-32" or page.locator("#depths").count():
            assert page.locator("#depths table").is_visible()
        assert page.locator("#diagrams svg").first.is_visible()
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        fg = page.evaluate("getComputedStyle(document.body).color")
        assert (luminance(bg) < 0.2 < luminance(fg)) if scheme == "dark" else (luminance(bg) > 0.8 > luminance(fg))
        shot(page, f"{name}-{scheme}")
        page.locator("#table1").scroll_into_view_if_needed()
        page.evaluate("document.getElementById('table1').scrollIntoView()")
        shot(page, f"{name}-{scheme}", "table1")
        if page.locator("#diagrams").count():
            page.evaluate("document.getElementById('diagrams').scrollIntoView()")
            shot(page, f"{name}-{scheme}", "diagrams")
        page.evaluate("document.getElementById('journey').scrollIntoView()")
        shot(page, f"{name}-{scheme}", "journey")

        page.evaluate("window.scrollTo(0, 0)")
        last = page.locator("nav.toc a[href^='#layers-layer']").last
        target = last.get_attribute("href")[1:]
        last.click()
        top = page.evaluate(f"document.getElementById('{target}').getBoundingClientRect().top")
        assert -1 <= top < 450 and page.evaluate("window.scrollY") > 0, f"{target} is at {top}px after its link"
        assert page.evaluate("location.hash") == f"#{target}"
        shot(page, f"{name}-{scheme}", "layers")
    finally:
        page.close()


def test_collapse_and_print_expand(browser, reports):
    page, _, errors = open_page(browser, reports["resnet34-224"])
    try:
        block = page.locator("tbody#block-layer2\\.0")
        first_op = block.locator("tr.op").first
        assert first_op.is_visible()
        block.locator("button.toggle").click()
        assert not first_op.is_visible()
        assert block.locator("tr.subtotal").is_visible()  # a collapsed block still shows its subtotal
        page.get_by_role("button", name="Collapse all").click()
        assert not page.locator("#layers-layer3 table").is_visible()
        page.emulate_media(media="print")
        assert first_op.is_visible() and page.locator("#layers-layer3 table").is_visible()
        assert page.locator("nav.toc").is_hidden()
        page.emulate_media(media="screen")
        page.get_by_role("button", name="Expand all").click()
        assert page.locator("#layers-layer3 table").is_visible() and first_op.is_visible()
        assert errors == []
    finally:
        page.close()


def test_link_into_a_closed_stage_opens_it(browser, reports):
    page, _, _ = open_page(browser, reports["resnet152-224"])
    try:
        page.get_by_role("button", name="Collapse all").click()
        page.evaluate("location.hash = '#block-layer3\\u002e20'")
        assert page.locator("tbody#block-layer3\\.20 tr.op").first.is_visible()
    finally:
        page.close()
