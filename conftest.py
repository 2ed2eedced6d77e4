"""Collect every chapter listed in ``_toc.yml`` as an nbval notebook test.

Chapters are MyST-markdown sources. At collection time each one becomes the same ``.ipynb`` the
book publishes for download and Colab (``_ext.notebook_export.chapter_notebook``), written to
``_build/nbval/book/`` outside the source tree, so the notebook that runs is always the current
source. nbval executes it cell by cell with ``--nbval-lax``: sources hold no outputs, so a chapter
passes when every cell runs and every ``assert`` holds.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
import yaml
from nbval.plugin import IPyNbFile

from _ext.notebook_export import chapter_notebook
from tests.book_layout import ROOT, chapter_sources

NOTEBOOK_DIR = ROOT / "_build" / "nbval" / "book"
CHAPTERS = {path.resolve() for path in chapter_sources()}
REPOSITORY_URL = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def _write_notebook(source: Path) -> Path:
    """Write the chapter's notebook beside a link to the book's data folder."""
    NOTEBOOK_DIR.mkdir(parents=True, exist_ok=True)
    data = NOTEBOOK_DIR / "data"
    if not data.is_symlink():
        os.symlink(ROOT / "book" / "data", data)
    target = NOTEBOOK_DIR / (source.stem + ".ipynb")
    nbformat.write(chapter_notebook(source, REPOSITORY_URL), target)
    return target


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".md" and file_path.resolve() in CHAPTERS:
        return IPyNbFile.from_parent(parent, path=_write_notebook(file_path))
    return None
