"""What a reader gets outside this repository: the published notebooks' setup cell and the data
that travels inside the package."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import zipfile

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from _ext import notebook_export
from _ext.notebook_export import pages_url, setup_cell, wheel_name
from lstm_notes.datasets import load_text
from lstm_notes.errors import ArgumentError
from tests.book_layout import ROOT

REPOSITORY = "https://github.com/lstm-notes/lstm-notes"


def notebook_of(*cells: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    return notebook


def run_setup(source: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Run a setup cell as IPython would (outside Colab) and return what it printed."""
    exec(TransformerManager().transform_cell(source), {})
    return capsys.readouterr().out


@pytest.mark.keras  # the cell records the installed versions
@pytest.mark.torch
def test_setup_cell_is_silent_when_the_versions_are_the_books(capsys):
    cell = setup_cell(notebook_of("import keras\nimport torch"), REPOSITORY)
    assert run_setup(cell, capsys) == ""


@pytest.mark.keras  # the cell records the installed versions
@pytest.mark.torch
def test_setup_cell_notes_each_framework_whose_version_differs(capsys, monkeypatch):
    cell = setup_cell(notebook_of("import keras\nfrom torch import nn"), REPOSITORY)
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.0.1")
    printed = run_setup(cell, capsys).splitlines()
    assert [line.split()[7] for line in printed] == ["keras", "tensorflow", "torch"]
    assert all(line.endswith("here: 0.0.1.") for line in printed), printed


@pytest.mark.torch  # the cell records torch's installed version
def test_setup_cell_compares_only_the_frameworks_the_chapter_imports():
    cell = setup_cell(notebook_of("import torch"), REPOSITORY)
    assert "'torch'" in cell and "'keras'" not in cell and "'tensorflow'" not in cell


def test_colab_installs_the_wheel_published_with_the_book():
    cell = setup_cell(notebook_of("import numpy as np"), REPOSITORY)
    url = f"https://lstm-notes.github.io/lstm-notes/wheels/{wheel_name()}"
    assert pages_url(REPOSITORY) == "https://lstm-notes.github.io/lstm-notes/"
    assert f'%pip install --quiet "lstm-notes @ {url}"\n' in cell


@pytest.mark.torch  # the cell records torch's installed version
def test_colab_also_installs_what_a_chapter_imports_that_colab_lacks(monkeypatch):
    monkeypatch.setitem(notebook_export.NOT_IN_COLAB, "numpy", "numpy")
    cell = setup_cell(notebook_of("import numpy as np", "%timeit 1"), REPOSITORY)
    assert f"numpy=={importlib.metadata.version('numpy')}" in cell
    assert "numpy==" not in setup_cell(notebook_of("import torch"), REPOSITORY)


@pytest.mark.torch  # the cell records torch's installed version
def test_the_gpu_runtime_is_explained_only_where_a_chapter_has_gpu_cells():
    with_gpu = notebook_of("import torch", "torch.cuda.is_available()")
    with_gpu.cells[1].metadata["tags"] = ["nbval-skip"]
    assert "Change runtime type" in setup_cell(with_gpu, REPOSITORY)
    assert "Change runtime type" not in setup_cell(notebook_of("import torch"), REPOSITORY)


def test_shipped_text_loads_and_names_its_source():
    text = load_text("alice")
    assert text.startswith("CHAPTER I.") and "Do cats eat bats?" in text
    readme = (ROOT / "lstm_notes" / "data" / "README.md").read_text()
    assert "alice_chapter1_opening.txt" in readme and "public domain" in readme


def test_unknown_text_names_the_shipped_ones():
    with pytest.raises(ArgumentError, match=r"no text called 'bob'.*\['alice'\]"):
        load_text("bob")


def test_the_wheel_carries_every_data_file(tmp_path):
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*command, "--wheel-dir", str(tmp_path), str(ROOT)], check=True)
    (wheel,) = tmp_path.glob("lstm_notes-*.whl")
    assert wheel.name == wheel_name()
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"lstm_notes/data/{path.name}" for path in (ROOT / "lstm_notes" / "data").iterdir()}
    assert "lstm_notes/data/alice_chapter1_opening.txt" in shipped
    assert shipped <= names, f"missing from the wheel: {sorted(shipped - names)}"
