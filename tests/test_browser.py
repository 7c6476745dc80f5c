"""The report in a real headless Chromium at 1280 and 390 px, light and dark: offline, error-free, no sideways
scroll, the network and stage drawings fitting the column at 1280 px, graphs inline and themed, the current depth's
column highlighted through merged cells, collapsing, printing and links into closed sections.

Screenshots land in build/ (git-ignored), e.g. build/report-resnet34-224-dark-390.png and
build/report-resnet34-224-dark-1280-diagrams.png: look at them after any change to what the page shows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import require_tool

from resnet_viz.api import report

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

BUILD = Path(__file__).resolve().parents[1] / "build"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
CASES = {"resnet34-224": (34, 224), "resnet152-224": (152, 224), "resnet56-32": (56, 32)}
WIDTHS = (1280, 390)
DARK_TEXT, LIGHT_TEXT = "rgb(228, 231, 235)", "rgb(31, 41, 51)"  # palette's text colours, dark and light


@pytest.fixture(scope="module")
def browser():
    require_tool("chromium", "browser")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def reports(make_trace, tmp_path_factory):
    """name → report folder, written as `render` writes it (comparison depths, FLOPs variants, graphs by dot)."""
    require_tool("dot", "dot")
    out = {}
    for name, (depth, size) in CASES.items():
        folder = tmp_path_factory.mktemp(name) / name
        report(make_trace(depth, size), folder)
        out[name] = folder
    return out


def open_page(browser, path: Path, scheme: str = "light", width: int = 1280):
    """Open a file with every request routed: only the file itself may load."""
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
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


FIT = """() => [...document.querySelectorAll(
        '#diagrams figure.view-volumes.level-network, #diagrams figure.view-volumes.level-stage')].map(f => {
    const box = f.querySelector('div.svg'), svg = box.querySelector('svg');
    const vb = svg.viewBox.baseVal, r = svg.getBoundingClientRect();
    return {id: f.id, overflow: box.scrollWidth - box.clientWidth, scale: r.width / vb.width,
            inside: box.getBoundingClientRect().right <= document.documentElement.clientWidth + 0.5};
})"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(CASES))
def test_report_in_chromium(browser, reports, name, scheme, width):
    index = reports[name] / "index.html"
    page, requests, errors = open_page(browser, index, scheme, width)
    tag = f"{name}-{scheme}-{width}"
    try:
        assert requests == [index.as_uri()], "the page must not load anything but itself"
        assert errors == []
        sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert sideways <= 0, f"the page scrolls sideways by {sideways}px at {width}px"
        for sel in ("#table1 table", "#journey ol.chain", "#layers table.layers", "#memory", "#flops",
                    "#receptive", "#diagrams figure.view-volumes svg", "#diagrams figure.view-graph svg"):
            assert page.locator(sel).first.is_visible(), sel
        bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
        fg = page.evaluate("getComputedStyle(document.body).color")
        assert (luminance(bg) < 0.2 < luminance(fg)) if scheme == "dark" else (luminance(bg) > 0.8 > luminance(fg))
        # inline drawings follow the scheme: a volume drawing's title text and a graph's cluster labels
        title_fill = page.evaluate("getComputedStyle(document.querySelector("
                                   "'#diagrams figure.view-volumes svg text[fill=\"#1f2933\"]')).fill")
        assert title_fill == (DARK_TEXT if scheme == "dark" else LIGHT_TEXT)
        graph_bg = page.evaluate("getComputedStyle(document.querySelector("
                                 "'#diagrams figure.view-graph svg > g > polygon')).fill")
        assert (luminance(graph_bg) < 0.2) == (scheme == "dark"), graph_bg
        fits = page.evaluate(FIT)
        assert fits, "no network or stage volume drawing in the page"
        for f in fits:
            assert f["inside"], f"{f['id']} runs past the window at {width}px"
            if width == 1280:  # fits the column, and its labels keep at least 90 % of their size
                assert f["overflow"] <= 0 and f["scale"] >= 0.9, f
        shot(page, tag)
        for part in ("table1", "depths", "journey", "memory", "diagrams"):
            if page.locator(f"#{part}").count():
                page.evaluate(f"document.getElementById('{part}').scrollIntoView()")
                shot(page, tag, part)
    finally:
        page.close()


def test_the_highlighted_depth_runs_through_merged_cells(browser, reports):
    """In Depths side by side, every row has a highlighted cell of its own in the 152-layer column (identical
    neighbours merge only outside it), so the column never looks empty."""
    page, _, _ = open_page(browser, reports["resnet152-224"] / "index.html")
    try:
        rows = page.evaluate("""() => {
            const head = [...document.querySelectorAll('#depths thead th')];
            const col = head.findIndex(th => th.classList.contains('current'));
            return [col, [...document.querySelectorAll('#depths tbody tr')].map(tr => {
                let at = 0;
                for (const cell of tr.children) {
                    const span = cell.colSpan || 1;
                    if (col >= at && col < at + span) {
                        const others = [...tr.children].filter(c => c !== cell && c.tagName === 'TD');
                        return [cell.textContent.trim().slice(0, 20), cell.classList.contains('current') && span === 1,
                                getComputedStyle(cell).backgroundImage,
                                others.map(c => getComputedStyle(c).backgroundImage)];
                    }
                    at += span;
                }
                return null;
            })];
        }""")
        col, cells = rows
        assert col >= 1 and cells, rows
        for cell in cells:
            assert cell is not None and cell[1], f"a row without the highlighted column: {cell}"
            assert cell[2] != "none" and cell[2] not in cell[3], f"the highlighted cell {cell[0]!r} looks like the others"
    finally:
        page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_standalone_drawings_follow_the_colour_scheme(browser, reports, scheme):
    folder = reports["resnet34-224"] / "diagrams"
    for name, probe in (("volumes-network.svg", "svg text[fill='#1f2933']"), ("graph-network.svg", "svg > g > text")):
        page, requests, errors = open_page(browser, folder / name, scheme)
        try:
            assert errors == [] and requests == [(folder / name).as_uri()]
            fill = page.evaluate(f"getComputedStyle(document.querySelector(\"{probe}\")).fill")
            assert (luminance(fill) > 0.5) == (scheme == "dark"), (name, fill)
        finally:
            page.close()


def test_collapse_and_print_expand(browser, reports):
    page, _, errors = open_page(browser, reports["resnet34-224"] / "index.html")
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


@pytest.mark.parametrize("width", WIDTHS)
def test_contents_links_land_on_their_section(browser, reports, width):
    page, _, _ = open_page(browser, reports["resnet56-32"] / "index.html", width=width)
    try:
        links = page.locator("nav.toc a")
        targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert "#layers-layer3" in targets and "#memory" in targets
        for target in ("#memory", "#layers-layer3"):
            page.evaluate("window.scrollTo(0, 0)")
            page.evaluate(f"location.hash = '{target}'")
            top = page.evaluate(f"document.getElementById('{target[1:]}').getBoundingClientRect().top")
            assert -1 <= top < 450, f"{target} is at {top}px after its link"
        for target in targets:  # every link has somewhere to go
            assert page.locator(target.replace(".", "\\.")).count() == 1, target
    finally:
        page.close()


def test_link_into_a_closed_stage_opens_it(browser, reports):
    page, _, _ = open_page(browser, reports["resnet152-224"] / "index.html")
    try:
        page.get_by_role("button", name="Collapse all").click()
        page.evaluate("location.hash = '#block-layer3\\u002e20'")
        assert page.locator("tbody#block-layer3\\.20 tr.op").first.is_visible()
    finally:
        page.close()
