"""The public face of ``lstm_notes``: cheap to import, documented, and listed in the API page."""

import inspect
import subprocess
import sys

import pytest

import lstm_notes
from tests.book_layout import ROOT

PUBLIC = [getattr(lstm_notes, name) for name in lstm_notes.__all__]


def test_import_does_not_load_a_framework():
    code = (
        "import sys, lstm_notes; "
        "loaded = [m for m in ('tensorflow', 'keras', 'torch') if m in sys.modules]; "
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
