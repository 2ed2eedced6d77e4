"""The book's sources are consistent: the toc and the chapter files agree, and every chapter is a
jupytext MyST notebook that uses one cell syntax and opens with a visible setup cell."""

import re

import pytest

from tests.book_layout import ROOT, toc_entries

HEADER = re.compile(r"\A---\njupytext:\n(.*\n)*?kernelspec:\n(.*\n)*?---\n")
CODE_FENCE = re.compile(r"^(`{3,}|~{3,})\s*(\S*)", re.MULTILINE)
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)
HIDING_TAGS = re.compile(r"^:tags:.*\b(hide-input|hide-cell|remove-cell|remove-input)\b", re.M)
OPTIONS = re.compile(r"\A---\n.*?^---\n", re.MULTILINE | re.DOTALL)  # a cell's YAML options
PAGES_WITHOUT_CODE = {"book/api"}


def test_every_toc_entry_exists():
    missing = [entry for entry in toc_entries() if not (ROOT / f"{entry}.md").exists()]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_every_chapter_is_in_the_toc():
    listed = set(toc_entries())
    sources = {str(p.relative_to(ROOT).with_suffix("")) for p in (ROOT / "book").glob("*.md")}
    unlisted = sorted(sources - listed)
    assert not unlisted, f"chapters missing from _toc.yml: {unlisted}"


def test_no_notebook_json_in_the_sources():
    committed = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "book").rglob("*.ipynb"))
    assert not committed, f"chapters must be jupytext sources only, found: {committed}"


@pytest.mark.parametrize(
    "entry", [e for e in toc_entries() if e not in PAGES_WITHOUT_CODE], ids=lambda e: e
)
def test_chapter_is_a_myst_notebook_with_one_cell_syntax(entry):
    text = (ROOT / f"{entry}.md").read_text()
    assert HEADER.match(text), f"{entry}.md must start with the jupytext/kernelspec header"
    assert "format_name: myst" in text.split("---")[1], f"{entry}.md must be a MyST notebook"
    fence_kinds = {info for _, info in CODE_FENCE.findall(text) if info}
    assert "{code-cell}" in fence_kinds, f"{entry}.md has no code cells"
    for info in fence_kinds - {"{code-cell}"}:
        assert not info.startswith("python") and not info.startswith("ipython"), (
            f"{entry}.md mixes a plain ```{info} block with {{code-cell}} cells: "
            "write executable code as {code-cell} ipython3"
        )
    assert not re.search(r"^# %%", text, re.MULTILINE), f"{entry}.md contains percent-format cells"


@pytest.mark.parametrize(
    "entry",
    [e for e in toc_entries() if e not in PAGES_WITHOUT_CODE] + ["templates/chapter"],
    ids=lambda e: e,
)
def test_the_setup_cell_is_visible(entry):
    """The first code cell holds the imports, and the page shows it: a reader sees where every
    name comes from."""
    cell = CODE_CELL.search((ROOT / f"{entry}.md").read_text()).group(1)
    assert re.search(r"^(import|from) ", cell, re.MULTILINE), f"{entry}.md: no import in cell 1"
    hidden = HIDING_TAGS.search(cell)
    assert not hidden, f"{entry}.md hides its setup cell ({hidden.group(1)}): leave it visible"


@pytest.mark.parametrize("entry", [e for e in toc_entries() if e not in PAGES_WITHOUT_CODE])
def test_code_lines_fit_in_100_columns(entry):
    """Ruff's line length, which the book's CSS fits on the page (``test_browser.py`` checks)."""
    cells = [
        OPTIONS.sub("", cell) for cell in CODE_CELL.findall((ROOT / f"{entry}.md").read_text())
    ]
    long = [line for cell in cells for line in cell.splitlines() if len(line) > 100]
    assert not long, f"{entry}.md has code lines over 100 characters: {long}"


@pytest.mark.parametrize("entry", [e for e in toc_entries() if e not in PAGES_WITHOUT_CODE])
def test_a_chapter_that_shows_an_error_keeps_its_traceback_short(entry):
    """A ``raises-exception`` cell shows the error, not a page of framework frames."""
    text = (ROOT / f"{entry}.md").read_text()
    if "raises-exception" in text:
        setup = CODE_CELL.search(text).group(1)
        assert "%xmode Minimal" in setup, f"{entry}.md: add `%xmode Minimal` to its setup cell"
