"""Collect every chapter listed in ``_toc.yml`` as an nbval notebook test.

Chapters are MyST-markdown sources. For each one, jupytext writes a fresh ``.ipynb`` into
``_build/nbval/book/`` (outside the source tree) at collection time, so the notebook that runs
is always the current source, and nbval executes it cell by cell with ``--nbval-lax``: sources
hold no outputs, so a chapter passes when every cell runs and every ``assert`` holds.
"""

from __future__ import annotations

import os
from pathlib import Path

import jupytext
import pytest
from nbval.plugin import IPyNbFile

from tests.book_layout import ROOT, chapter_sources

NOTEBOOK_DIR = ROOT / "_build" / "nbval" / "book"
CHAPTERS = {path.resolve() for path in chapter_sources()}


def _write_notebook(source: Path) -> Path:
    """Convert one chapter source to a notebook beside a link to the book's data."""
    NOTEBOOK_DIR.mkdir(parents=True, exist_ok=True)
    data = NOTEBOOK_DIR / "data"
    if not data.exists():
        os.symlink(ROOT / "book" / "data", data)
    target = NOTEBOOK_DIR / (source.stem + ".ipynb")
    jupytext.write(jupytext.read(source), target)
    return target


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".md" and file_path.resolve() in CHAPTERS:
        return IPyNbFile.from_parent(parent, path=_write_notebook(file_path))
    return None
