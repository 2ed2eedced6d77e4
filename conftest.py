"""Run every chapter as the notebook a reader gets, and mark doctests by the framework they need.

**Chapters.** Each chapter listed in ``_toc.yml`` is collected as an nbval test of its *published*
notebook, written alone into an empty directory of a temporary folder made for this pytest session
(see ``_ext/chapter_test.py``). Test ids stay ``book/<chapter>.md::Cell N``. With
``--save-executed`` (``make book`` passes it) each chapter that passes is stored with its outputs
in the book's jupyter-cache, so the build renders it without executing it again.

**Frameworks.** A doctest whose examples use Keras/TensorFlow or PyTorch gets the ``keras`` or
``torch`` marker, like the unit tests, so ``pytest -m "not keras"`` runs where TensorFlow is not
installed. Nothing is skipped: a doctest is left out only when its own examples name Keras (an
import, or a helper such as ``torch_to_keras``).

The chapter machinery (nbval, jupytext, jupyter-cache) is imported only when a chapter is
collected, so the helper tests also run where only a framework, numpy and pytest are installed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

FRAMEWORK_MARKERS = {  # any name containing the framework's: `keras_to_torch` needs both
    "keras": re.compile(r"keras|tensorflow|\btf\b"),
    "torch": re.compile(r"torch"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--save-executed",
        action="store_true",
        help="store each chapter that passes, with its outputs, in the book's jupyter-cache, "
        "so that `jupyter-book build` renders it without executing it again",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("save_executed") and not hasattr(config, "workerinput"):
        from _ext.chapter_test import create_cache

        create_cache()  # in the controller, before any worker saves a chapter


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".md" or "book" not in file_path.parts:
        return None
    from _ext.chapter_test import collect_chapter

    return collect_chapter(file_path, parent)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, DoctestItem):
            source = "".join(example.source for example in item.dtest.examples)
            for marker, pattern in FRAMEWORK_MARKERS.items():
                if pattern.search(source):
                    item.add_marker(marker)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """Note each test's outcome on its item (a chapter's outputs are kept only if all passed)."""
    report = yield
    if call.when == "call":
        item.call_outcome = report.outcome
    return report
