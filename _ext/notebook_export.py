"""Publish every chapter as a Colab-ready notebook beside the HTML, and link to it from its page.

Chapters are MyST-markdown sources (jupytext). Colab cannot open those, and sphinx-book-theme's own
Colab button points at the page's source file, so this extension:

* builds a wheel of ``lstm_notes`` into ``wheels/`` of the HTML output, so the helpers a notebook
  installs are the ones this book was executed with;
* converts each chapter to ``notebooks/<docname>.ipynb`` in the HTML output, led by a setup cell
  (:func:`setup_cell`) that installs that wheel when (and only when) the notebook runs in Google
  Colab, and prints a note when the running framework versions differ from the book's;
* adds a "Notebook" menu to each chapter's header: a download of that ``.ipynb`` and an
  "Open in Colab" link to the same file on the branch the HTML is published to.

The test suite runs these same notebooks (``_ext/chapter_test.py``), so the notebook a reader
downloads is the one that was tested.
"""

from __future__ import annotations

import ast
import importlib.metadata
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
from sphinx.application import Sphinx

NOTEBOOK_DIR = "notebooks"
WHEEL_DIR = "wheels"
PUBLISHED_BRANCH = "gh-pages"
COLAB_CELL_TAG = "colab-setup"
GPU_CELL_TAG = "nbval-skip"  # the house tag of a GPU-only cell (it has a CPU twin)
FRAMEWORKS = {"keras": ["keras", "tensorflow"], "tensorflow": ["tensorflow"], "torch": ["torch"]}
"""The distributions whose versions a chapter's setup cell compares, by the module it imports."""
NOT_IN_COLAB = {"myst_nb": "myst-nb"}
"""Modules a chapter may import that Colab does not ship, and the distribution that brings each."""

SETUP = """\
# This cell installs the book's helpers when the notebook runs in Google Colab (elsewhere: `pip
# install lstm-notes` from the book's repository) and notes any framework version that differs
# from the versions this chapter was executed with.{gpu}
import sys
from importlib.metadata import PackageNotFoundError, version

if "google.colab" in sys.modules:
    %pip install --quiet {requirements}

for name, book_version in {versions}.items():
    try:
        here = version(name).split("+")[0]
    except PackageNotFoundError:
        here = "not installed"
    if here != book_version:
        print(f"Note: the book ran this chapter with {{name}} {{book_version}}; here: {{here}}.")\
"""
GPU_NOTE = """
#
# Some cells below need a GPU (on a CPU they say so and do nothing). In Colab choose Runtime >
# Change runtime type > a GPU hardware accelerator, then run the notebook again from the top."""


def is_chapter(source: Path) -> bool:
    """Whether a page source is a jupytext notebook (a chapter with code) rather than plain text."""
    return source.suffix == ".md" and source.read_text().startswith("---\njupytext:")


def pages_url(repository_url: str) -> str:
    """The GitHub Pages address where the HTML (and its wheel) is published."""
    owner, name = repository_url.removeprefix("https://github.com/").strip("/").split("/")
    return f"https://{owner}.github.io/{name}/"


def wheel_name() -> str:
    """The file name of the ``lstm_notes`` wheel the build publishes."""
    return f"lstm_notes-{importlib.metadata.version('lstm-notes')}-py3-none-any.whl"


def imported_modules(notebook: nbformat.NotebookNode) -> set[str]:
    """The top-level modules the notebook's code cells import (IPython magics are ignored)."""
    modules: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        code = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    return modules


def setup_cell(notebook: nbformat.NotebookNode, repository_url: str) -> str:
    """The first cell of a published chapter, with this environment's versions written in."""
    modules = imported_modules(notebook)
    requirements = [f'"lstm-notes @ {pages_url(repository_url)}{WHEEL_DIR}/{wheel_name()}"']
    requirements += [
        f"{package}=={importlib.metadata.version(package)}"
        for module, package in sorted(NOT_IN_COLAB.items())
        if module in modules
    ]
    names = sorted({name for module in modules for name in FRAMEWORKS.get(module, [])})
    versions = {name: importlib.metadata.version(name).split("+")[0] for name in names}
    gpu = any(GPU_CELL_TAG in cell.metadata.get("tags", []) for cell in notebook.cells)
    return SETUP.format(
        requirements=" ".join(requirements), versions=versions, gpu=GPU_NOTE if gpu else ""
    )


def chapter_notebook(source: Path, repository_url: str) -> nbformat.NotebookNode:
    """The chapter as a notebook, led by the setup cell that installs the helpers in Colab."""
    notebook = jupytext.read(source)
    setup = nbformat.v4.new_code_cell(setup_cell(notebook, repository_url))
    setup.metadata["tags"] = [COLAB_CELL_TAG]
    notebook.cells.insert(0, setup)
    return notebook


def colab_url(repository_url: str, docname: str) -> str:
    """The Colab address of a chapter's notebook as published on the HTML branch."""
    repository = repository_url.removeprefix("https://github.com/").strip("/")
    path = f"{NOTEBOOK_DIR}/{docname}.ipynb"
    return f"https://colab.research.google.com/github/{repository}/blob/{PUBLISHED_BRANCH}/{path}"


def _repository_url(app: Sphinx) -> str:
    return app.config.html_theme_options.get("repository_url", "").rstrip("/")


def _publish_wheel(outdir: Path) -> None:
    """Build the ``lstm_notes`` wheel from this checkout into the HTML output."""
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*command, "--wheel-dir", str(outdir / WHEEL_DIR), str(root)], check=True)


def _export_notebooks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    _publish_wheel(Path(app.outdir))
    for docname in app.env.found_docs:
        source = Path(app.env.doc2path(docname))
        if is_chapter(source):
            target = Path(app.outdir) / NOTEBOOK_DIR / f"{docname}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(chapter_notebook(source, _repository_url(app)), target)


def _add_notebook_buttons(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    source = app.env.doc2path(pagename) if pagename in app.env.found_docs else None
    if source is None or not is_chapter(Path(source)) or "header_buttons" not in context:
        return
    download = context["pathto"](f"{NOTEBOOK_DIR}/{pagename}.ipynb", 1)
    buttons = [
        {
            "type": "link",
            "url": download,
            "text": "Download .ipynb",
            "tooltip": "Download this chapter as a Jupyter notebook",
            "icon": "fas fa-file-arrow-down",
            "label": "notebook-download-button",
        },
        {
            "type": "link",
            "url": colab_url(_repository_url(app), pagename),
            "text": "Open in Colab",
            "tooltip": "Run this chapter in Google Colab",
            "icon": "fas fa-rocket",
            "label": "colab-button",
        },
    ]
    context["header_buttons"].append(
        {
            "type": "group",
            "tooltip": "Run this chapter",
            "icon": "fas fa-rocket",
            "buttons": buttons,
            "label": "notebook-buttons",
        }
    )


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("html-page-context", _add_notebook_buttons, priority=502)
    app.connect("build-finished", _export_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
