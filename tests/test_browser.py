"""The built book, as a reader's browser sees it (headless Chromium driven by Playwright).

Needs the HTML from ``make book`` (``make test`` builds it first) and Debian's Chromium
(``apt-get install chromium``). Without either, these tests fail and say what to do: a browser
test that silently passes would prove nothing.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from collections.abc import Iterator

import pytest
import yaml

from _ext.notebook_export import pages_url
from tests.book_layout import ROOT, chapter_sources, toc_entries

HTML = ROOT / "_build" / "html"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = [f"{entry}.html" for entry in toc_entries()]
CHAPTERS = [str(path.relative_to(ROOT).with_suffix("")) for path in chapter_sources()]
REPOSITORY_URL = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


@pytest.fixture(scope="module")
def book_url() -> Iterator[str]:
    """Serve the built HTML on a loopback port for the duration of the module."""
    if not (HTML / "index.html").exists():
        pytest.fail(f"no built book in {HTML}: run `make book` first (`make test` does it for you)")
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output free of one log line per request."""


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail(
            "Chromium is not installed, so the browser tests cannot run. Install Debian's package "
            "with `apt-get install chromium` (`make test` does this when it runs as root)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def open_page(page, url: str) -> list[str]:
    """Load a page and return every problem the browser reported about the book's own files."""
    problems: list[str] = []
    own = url.split("/book/")[0]
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and msg.location.get("url", "").startswith(own)
            and problems.append(f"console error: {msg.text} ({msg.location.get('url')})")
        ),
    )
    page.on(
        "requestfailed",
        lambda request: (
            request.url.startswith(own) and problems.append(f"failed to load {request.url}")
        ),
    )
    page.on(
        "response",
        lambda response: (
            response.url.startswith(own)
            and response.status >= 400
            and problems.append(f"HTTP {response.status} for {response.url}")
        ),
    )
    page.goto(url, wait_until="networkidle")
    return problems


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_without_errors_and_every_image_shows(page, book_url, path):
    problems = open_page(page, f"{book_url}/{path}")
    assert not problems, f"{path}: " + "; ".join(problems)
    broken = page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
    assert not broken, f"{path}: images that did not load: {broken}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_figure_has_alt_text_and_a_caption(page, book_url, chapter):
    page.goto(f"{book_url}/{chapter}.html", wait_until="domcontentloaded")
    images = page.eval_on_selector_all(
        "main img",
        """imgs => imgs.map(i => ({
            src: i.getAttribute("src"),
            alt: (i.getAttribute("alt") || "").trim(),
            caption: (i.closest("figure")?.querySelector("figcaption")?.innerText || "").trim(),
        }))""",
    )
    for image in images:
        alt, src = image["alt"], image["src"]
        assert alt and not alt.endswith((".png", ".svg", ".jpg")), (
            f"{chapter}: {src} has no alt text"
        )
        assert image["caption"], f"{chapter}: {src} ({alt[:40]}...) is not a captioned figure"


def test_code_fits_its_box_from_a_1440px_window(browser, book_url):
    """No visible code cell or output scrolls sideways on a common desktop width
    (``_static/book.css`` sizes the code font so that 100 columns, the chapters' line length, fit,
    and wraps outputs)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    wide = {}
    for chapter in CHAPTERS:
        page.goto(f"{book_url}/{chapter}.html", wait_until="load")
        wide[chapter] = page.eval_on_selector_all(
            "div.cell_input pre, div.cell_output pre",
            """pres => pres
                .filter(p => p.checkVisibility() && p.scrollWidth > p.clientWidth)
                .map(p => p.innerText.split("\\n").sort((a, b) => b.length - a.length)[0])""",
        )
    context.close()
    wide = {chapter: lines for chapter, lines in wide.items() if lines}
    assert not wide, f"code that scrolls sideways (longest line of each block): {wide}"


def test_tables_stay_in_the_text_column(page, book_url):
    """At 1280px, no table (the book's own or one a cell prints) runs past the text column,
    where the page would clip it or make the reader scroll sideways."""
    wide = {}
    for chapter in CHAPTERS:
        page.goto(f"{book_url}/{chapter}.html", wait_until="load")
        wide[chapter] = page.evaluate(
            """() => {
                const right = document.querySelector(".bd-article").getBoundingClientRect().right;
                return [...document.querySelectorAll("main table")]
                    .filter(t => t.checkVisibility() && t.getBoundingClientRect().right > right + 1)
                    .map(t => t.innerText.slice(0, 60).replace(/\\s+/g, " "));
            }"""
        )
    wide = {chapter: tables for chapter, tables in wide.items() if tables}
    assert not wide, f"tables wider than the text column (their first words): {wide}"


def test_navigation_reaches_every_chapter(page, book_url):
    page.goto(f"{book_url}/index.html", wait_until="networkidle")
    assert page.url.endswith(PAGES[0]), "the front page should open the introduction"
    links = page.eval_on_selector_all("nav.bd-docs-nav a.reference", "as => as.map(a => a.href)")
    reached = {link.split("#")[0].removeprefix(f"{book_url}/") for link in links}
    missing = sorted(set(PAGES[1:]) - reached)
    assert not missing, f"chapters not reachable from the navigation: {missing}"


def test_search_finds_lstm(page, book_url):
    page.goto(f"{book_url}/search.html?q=LSTM", wait_until="networkidle")
    page.wait_for_selector("#search-results ul.search li", timeout=15_000)
    hits = page.eval_on_selector_all("#search-results ul.search li a", "as => as.length")
    assert hits >= len(CHAPTERS) // 2, f"searching for LSTM found only {hits} results"


def test_equations_are_typeset_offline(page, book_url):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{book_url}/book/lstm_cell.html", wait_until="networkidle")
    page.wait_for_selector("mjx-container", timeout=15_000)
    assert page.locator("mjx-container").count() >= 5, "expected the cell's equations to render"
    mathjax = [url for url in requests if "mathjax" in url.lower()]
    assert mathjax and all(url.startswith(book_url) for url in mathjax), (
        f"MathJax must be served by the book itself, got {mathjax}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_colab_and_download_links_reach_the_generated_notebook(page, book_url, chapter):
    page.goto(f"{book_url}/{chapter}.html", wait_until="domcontentloaded")
    colab = page.get_attribute("a.btn[href*='colab.research.google.com']", "href")
    notebook = f"notebooks/{chapter}.ipynb"
    assert colab is not None and colab.endswith(f"/blob/gh-pages/{notebook}"), colab
    download = page.get_attribute("a.btn[href$='.ipynb']:not([href*='colab'])", "href")
    assert download is not None, f"{chapter}: no download link"
    response = page.request.get(f"{book_url}/{chapter}.html".rsplit("/", 1)[0] + "/" + download)
    assert response.ok, f"{chapter}: downloading the notebook failed ({response.status})"
    first_cell = "".join(json.loads(response.body())["cells"][0]["source"])
    assert "google.colab" in first_cell, "the first cell must install in Colab"
    wheel = re.search(r'"lstm-notes @ (\S+)/(wheels/lstm_notes-\S+\.whl)"', first_cell)
    assert wheel and wheel[1] == pages_url(REPOSITORY_URL).rstrip("/"), first_cell
    served = page.request.get(f"{book_url}/{wheel[2]}")
    assert served.ok, f"{chapter}: the wheel the Colab cell installs is not published ({wheel[2]})"


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_accessibility_violations(page, book_url, path):
    from axe_playwright_python.sync_playwright import Axe

    page.goto(f"{book_url}/{path}", wait_until="networkidle")
    violations = Axe().run(page).response["violations"]
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — e.g. {v['nodes'][0]['html'][:120]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{path}:\n" + "\n".join(serious)
