"""Where the book's chapters are: read from ``_toc.yml``, shared by the tests."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_entries() -> list[str]:
    """Every ``root`` and ``file`` entry of ``_toc.yml``, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [toc["root"]]
    for part in toc.get("parts", []):
        entries += [chapter["file"] for chapter in part["chapters"]]
    return entries


def chapter_sources() -> list[Path]:
    """The MyST-markdown source of every notebook chapter listed in ``_toc.yml``."""
    return [ROOT / f"{entry}.md" for entry in toc_entries() if (ROOT / f"{entry}.md").exists()]
