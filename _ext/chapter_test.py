"""Test each chapter as the notebook a reader downloads, where a reader runs it; reuse the outputs.

Used by the root ``conftest.py``. A chapter becomes its *published* notebook
(:func:`_ext.notebook_export.chapter_notebook`), written alone into an empty directory of a
temporary folder made for this pytest session (so sessions running at once do not collide). nbval
starts the kernel there: the working directory holds nothing from the repository, the repository
is not on the kernel's path, and ``lstm_notes`` comes from the installed package. A chapter that
reaches for a repository file fails. nbval runs with ``--nbval-lax``: a chapter passes when every
cell runs and every ``assert`` holds.

With ``--save-executed``, each chapter whose cells all passed is written, with the outputs nbval
recorded, into the book's jupyter-cache under the key ``jupyter-book build`` computes for the
chapter's source, so the build renders these outputs instead of executing the chapter again.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
import yaml
from _pytest.compat import LEGACY_PATH, legacy_path
from nbval.plugin import IPyNbCell, IPyNbFile

from _ext.notebook_export import chapter_notebook
from tests.book_layout import ROOT, chapter_sources

BOOK_CACHE = ROOT / "_build" / ".jupyter_cache"
_RUN_DIR = pytest.StashKey[Path]()


def collect_chapter(source: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """The nbval collector of a chapter's published notebook, or None for a page without code."""
    if source.resolve() not in {path.resolve() for path in chapter_sources()}:
        return None
    config = parent.config
    if _RUN_DIR not in config.stash:
        config.stash[_RUN_DIR] = Path(tempfile.mkdtemp(prefix="lstm-notes-chapters-"))
        config.add_cleanup(lambda: shutil.rmtree(config.stash[_RUN_DIR], ignore_errors=True))
    directory = config.stash[_RUN_DIR] / source.stem
    directory.mkdir(exist_ok=True)
    notebook = directory / f"{source.stem}.ipynb"
    repository_url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    nbformat.write(chapter_notebook(source, repository_url), notebook)
    collector = ChapterNotebook.from_parent(parent, path=source)
    collector.notebook = notebook
    return collector


class ChapterNotebook(IPyNbFile):
    """nbval's collector for a chapter: ``path`` is the source, ``fspath`` the notebook that runs.

    The test ids and ``pytest book/<chapter>.md`` name the source; nbval reads the notebook from
    ``fspath`` and starts the kernel in its directory. On teardown, with ``--save-executed``, the
    outputs go to the book's build when every cell passed (a cell skipped by its tag counts;
    ``call_outcome`` is set on each item by the root ``conftest.py``).
    """

    notebook: Path

    @property
    def fspath(self) -> LEGACY_PATH:
        return legacy_path(self.notebook)

    def teardown(self) -> None:
        super().teardown()
        if self.config.getoption("save_executed"):
            cells = [item for item in self.session.items if item.parent is self]
            code = [cell for cell in self.nb.cells if cell.cell_type == "code"]
            outcomes = {getattr(cell, "call_outcome", None) for cell in cells}
            if len(cells) == len(code) and outcomes <= {"passed", "skipped"}:
                save_executed(self.path, cells)


def create_cache() -> None:
    """Create the book's jupyter-cache database, once, before the workers start saving into it.

    jupyter-cache creates its tables on first use; two xdist workers doing that at once can find
    the database file before its tables exist ("no such table: nbcache").
    """
    from jupyter_cache import get_cache

    BOOK_CACHE.mkdir(parents=True, exist_ok=True)
    get_cache(str(BOOK_CACHE)).db  # noqa: B018 (the property creates the database)


def save_executed(source: Path, cells: list[IPyNbCell]) -> None:
    """Store the chapter, with the outputs of ``cells``, in the book's jupyter-cache.

    The notebook is read the way the build reads it (myst-nb's reader), so its cache key is the
    one the build looks up; ``cells`` are nbval's items of the published notebook, whose first
    cell is the Colab setup cell that the book's pages do not show.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from myst_nb.core.read import read_myst_markdown_notebook

    notebook = read_myst_markdown_notebook(source.read_text(), add_source_map=True, path=source)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    executed = cells[1:]
    if [cell.source.strip() for cell in code] != [item.cell.source.strip() for item in executed]:
        raise RuntimeError(f"{source}: the published notebook's cells differ from the build's")
    for count, (cell, item) in enumerate(zip(code, executed, strict=True), start=1):
        cell.outputs = [nbformat.from_dict(output) for output in item.test_outputs or []]
        cell.execution_count = count
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = count
    bundle = CacheBundleIn(notebook, str(source), data={"executed_by": "nbval"})
    get_cache(str(BOOK_CACHE)).cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
