"""Serve MathJax from the built book, so equations render without a network connection.

The copy in ``_vendor/mathjax`` (see its README) is copied to ``_static/mathjax`` in the HTML
output, and ``mathjax_path`` points there. It is not listed in ``html_static_path`` because
Jupyter Book adds a ``<script>`` tag for every JavaScript file it finds in a static path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx

SOURCE = Path(__file__).resolve().parent.parent / "_vendor" / "mathjax"


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        shutil.copytree(SOURCE, Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True)


def setup(app: Sphinx) -> dict[str, object]:
    app.config.mathjax_path = "mathjax/tex-chtml.js"
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
