"""The public face of ``lstm_notes``: cheap to import, documented, and listed in the API page."""

import inspect
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given

import lstm_notes
from tests.book_layout import ROOT
from tests.conftest import JUNK_SETTINGS, Opaque, check_junk, junk

PUBLIC = [getattr(lstm_notes, name) for name in lstm_notes.__all__]


def test_import_does_not_load_a_framework():
    code = (
        "import sys, lstm_notes; "
        "loaded = [m for m in ('tensorflow', 'keras', 'torch') if sys.modules.get(m)]; "
        "print(','.join(loaded))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"import lstm_notes loaded {result.stdout.strip()}"


def test_every_public_name_exists():
    missing = [name for name in lstm_notes.__all__ if not hasattr(lstm_notes, name)]
    assert not missing, f"__all__ names that lstm_notes does not define: {missing}"


@pytest.mark.parametrize("obj", PUBLIC, ids=lambda obj: obj.__name__)
def test_public_functions_have_a_docstring_with_an_example(obj):
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{obj.__name__} has no docstring"
    if inspect.isfunction(obj):
        assert ">>>" in doc, f"{obj.__name__}'s docstring has no >>> example"


def test_api_page_documents_every_public_name():
    page = (ROOT / "book" / "api.md").read_text()
    undocumented = [name for name in lstm_notes.__all__ if f"lstm_notes.{name}\n" not in page]
    assert not undocumented, f"book/api.md does not document: {undocumented}"


def test_every_error_class_is_exported_at_top_level() -> None:
    """lstm_notes.__all__ is the one list of the error family: no class in errors is missed."""
    classes = {name for name, obj in vars(lstm_notes.errors).items() if isinstance(obj, type)}
    assert "LstmNotesError" in classes and "PortWarning" in classes
    assert sorted(classes - set(lstm_notes.__all__)) == []


def test_every_public_error_is_one_family() -> None:
    """A single `except LstmNotesError` catches every error the helpers raise on purpose."""
    errors = [obj for obj in PUBLIC if isinstance(obj, type) and issubclass(obj, BaseException)]
    outside = [e.__name__ for e in errors if not issubclass(e, lstm_notes.LstmNotesError | Warning)]
    assert not outside, f"public errors outside the LstmNotesError family: {outside}"


@pytest.mark.torch
def test_torch_helpers_never_import_keras() -> None:
    """With Keras unimportable, torch layers are read and non-layers refused by the library."""
    code = (
        "import sys; sys.modules['keras'] = None; sys.modules['tensorflow'] = None\n"
        "import torch, lstm_notes\n"
        "from lstm_notes._frameworks import framework_of, is_keras_layer\n"
        "module = torch.nn.LSTM(3, 4)\n"
        "assert framework_of(module) == 'torch' and not is_keras_layer(module)\n"
        "total = sum(p.numel() for p in module.parameters())\n"
        "assert lstm_notes.count_params(module).total == total\n"
        "try:\n"
        "    lstm_notes.expected_shapes('LSTM', (1, 2, 3))\n"
        "except lstm_notes.UnsupportedLayerError:\n"
        "    pass\n"
        "try:\n"
        "    lstm_notes.torch_to_keras(module)\n"
        "except lstm_notes.MissingFrameworkError as error:\n"
        "    assert 'pip install keras' in str(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


BAD_ARRAYS = [None, "abc", [[1], [1, 2]], {"a": 1}, Opaque(), [1, None]]


@pytest.mark.parametrize("bad", BAD_ARRAYS, ids=repr)
def test_to_numpy_and_max_abs_diff_refuse_what_is_not_numbers(bad: object) -> None:
    with pytest.raises(lstm_notes.ArgumentError, match="must"):
        lstm_notes.to_numpy(bad)
    with pytest.raises(lstm_notes.ArgumentError, match="must"):
        lstm_notes.max_abs_diff(bad, [1.0])


@JUNK_SETTINGS
@given(a=junk, b=junk)
def test_max_abs_diff_on_junk(a: object, b: object) -> None:
    difference = check_junk(lambda: lstm_notes.max_abs_diff(a, b))
    if difference is not None:
        x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        expected = np.max(np.abs(x - y)) if x.size else 0.0
        assert difference == pytest.approx(expected, nan_ok=True)


@pytest.mark.torch
def test_to_numpy_detaches_a_torch_tensor() -> None:
    import torch

    tensor = torch.ones(2, requires_grad=True) * 3
    assert lstm_notes.to_numpy(tensor).tolist() == [3.0, 3.0]
    assert lstm_notes.max_abs_diff(tensor, np.array([3.0, 2.5])) == 0.5
