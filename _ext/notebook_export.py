"""Publish every chapter as a Colab-ready notebook beside the HTML, and link to it from its page.

Chapters are MyST-markdown sources (jupytext). Colab cannot open those, and sphinx-book-theme's own
Colab button points at the page's source file, so this extension:

* converts each chapter to ``notebooks/<docname>.ipynb`` in the HTML output, with a first cell that
  installs ``lstm_notes`` when (and only when) the notebook runs in Google Colab;
* adds a "Notebook" menu to each chapter's header: a download of that ``.ipynb`` and an
  "Open in Colab" link to the same file on the branch the HTML is published to.

The test suite builds its nbval notebooks with :func:`chapter_notebook` too, so the notebook a
reader downloads is the one that was tested.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
from sphinx.application import Sphinx

NOTEBOOK_DIR = "notebooks"
PUBLISHED_BRANCH = "gh-pages"
COLAB_CELL_TAG = "colab-setup"
COLAB_SETUP = """\
# Running in Google Colab? Install the book's helper package first (this does nothing elsewhere).
import sys

if "google.colab" in sys.modules:
    %pip install --quiet "lstm-notes @ git+{repository_url}"\
"""


def is_chapter(source: Path) -> bool:
    """Whether a page source is a jupytext notebook (a chapter with code) rather than plain text."""
    return source.suffix == ".md" and source.read_text().startswith("---\njupytext:")


def chapter_notebook(source: Path, repository_url: str) -> nbformat.NotebookNode:
    """The chapter as a notebook, led by the cell that installs the helpers in Colab."""
    notebook = jupytext.read(source)
    setup = nbformat.v4.new_code_cell(COLAB_SETUP.format(repository_url=repository_url))
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


def _export_notebooks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
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
