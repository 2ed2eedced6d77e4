"""Where the book's chapters are: read from ``_toc.yml``, shared by the tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def toc_entries() -> list[str]:
    """Every ``root`` and ``file`` entry of ``_toc.yml``, in reading order."""
    import yaml  # here, so that tests needing only ROOT also run where PyYAML is not installed

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [toc["root"]]
    for part in toc.get("parts", []):
        entries += [chapter["file"] for chapter in part["chapters"]]
    return entries


def chapter_sources() -> list[Path]:
    """The source of every notebook chapter in ``_toc.yml`` (pages with a jupytext header)."""
    paths = [ROOT / f"{entry}.md" for entry in toc_entries()]
    return [
        path for path in paths if path.exists() and path.read_text().startswith("---\njupytext:")
    ]
