"""Cross-references between chapters are links that the build checks, not plain text.

A reference written as text ("the chapter on porting") breaks silently when a chapter is renamed or
split; a ``{doc}`` or ``{ref}`` link fails the build (``--warningiserror``) instead. This test
reads the prose of every chapter, as the prose-number guard does, and fails on the phrasings that
name another chapter in words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.book_layout import chapter_sources
from tests.test_prose_numbers import prose_runs

PLAIN_REFERENCE = re.compile(
    r"\bthe chapters? (?:on|about) \w+"  # "the chapter on porting"
    r"|\bthe (?!same\b|first\b|whole\b)[\w-]+ chapter\b",  # "the masking chapter"
    re.IGNORECASE,
)


def plain_references(markdown: str) -> list[tuple[int, str]]:
    """``(line, text)`` for every cross-reference written as plain prose."""
    return [
        (line, match.group())
        for line, text in prose_runs(markdown)
        for match in PLAIN_REFERENCE.finditer(text)
    ]


@pytest.mark.parametrize("source", chapter_sources(), ids=lambda path: path.stem)
def test_cross_references_are_links(source: Path) -> None:
    found = plain_references(source.read_text())
    listing = "\n".join(f"  line {line}: {text!r}" for line, text in found)
    assert not found, (
        f"{source.name}: cross-references written as text; use {{doc}}`chapter` or "
        f"{{ref}}`label` so that the build checks them:\n{listing}"
    )


def test_the_scanner_finds_plain_references_and_skips_links() -> None:
    chapter = """---
jupytext: {}
---
# Title

As the chapter on porting shows, and the masking chapter too.
Links are fine: {doc}`porting`, {ref}`the trap <backward-state-trap>`; so is this chapter.

```{code-cell} ipython3
# see the chapter on masking (a comment in code is not prose)
```
"""
    found = [text for _, text in plain_references(chapter)]
    assert found == ["the chapter on porting", "the masking chapter"]
