"""No number typed into a chapter's prose unless a cell computes it or it is allowlisted.

The book promises that every shape, count, ratio and speed it states comes from a cell that ran.
A number typed into prose rots silently when a framework changes, so this test lists every number
in the prose of every chapter in ``_toc.yml`` and fails on each one that is not:

- inside a code cell, inline code (```4 * hidden_size```), math (``$4h$``) or a role such as a
  glued value (``{glue:text}`ratio```), which a cell computes or which names code; or
- matched by one entry of ``ALLOWED`` below, each with the reason it may stay in prose.

Prose is read with the same Markdown parser as the book (markdown-it-py, with MyST's math and role
syntax), including table cells, admonitions and the captions and alt text of figures. Digits are
flagged, and so are number words from "three" up (a typed count such as "five tensors"); "one" and
"two" are left alone because the text uses them as words ("the two frameworks").

To fix a failure, glue the value from a cell (``glue("name", value)`` from ``myst_nb`` and
``{glue:text}`name```), put a literal value of code in inline code, or reword the sentence. Add an
allowlist entry only for a number no cell could compute (a year, a version, a section number).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

from tests.book_layout import chapter_sources

NUMBER_WORDS = (
    "three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "twenty|thirty|fifty|hundred|thousand|million|billion|twice|thrice"
)
NUMBER = re.compile(rf"(?<![\w.])\d+(?:[.,]\d+)*(?:e-?\d+)?|\b(?:{NUMBER_WORDS})\b", re.IGNORECASE)

# Each entry: a pattern that matches the number *with its context* in the prose, and why it may
# stay typed. A number is allowed when one pattern's match covers it.
ALLOWED: dict[str, str] = {
    r"\b(?:1[6-9]\d\d|20[0-3]\d)\b": "a year (1600 to 2039: not 2048, a matrix size)",
    r"\b(?:Keras|TensorFlow|TF|PyTorch|Python|Jupyter Book|MathJax|Colab) ?\d+(?:\.\d+|\.x)*\b": (
        "a version of a named project"
    ),
    r"(?:≤|<=|>=|≥) ?\d+(?:\.\d+)+": "a version bound",
    r"\b(?:float|int|bfloat|uint)(?:16|32|64|8)\b": "a dtype's name",
    r"\bTF32\b|\bTensorFloat-32\b|\bfp16\b|\bfp32\b": "a number format's name",
    r"\bLSTM-\d+\b": "a model's published name",
    r"\bH\d{3}\b|\bA\d{2,3}\b|\bV100\b|\bT4\b": "a GPU's model name",
    r"\bUTF-8\b|\bx86-64\b|\bARM64\b": "a standard's name",
    r"(?:\bSection |§ ?)\d+(?:\.\d+)*\b": "a section number",
    r"(?<![\w.])[01](?![\w]|\.\d)": (
        "zero and one: a gate's or a probability's bounds, a first index, an id kept for padding;"
        " values of the definitions, not sizes or results that a release could change"
    ),
    r"\(\d\)": "a numbered place in a list of the same paragraph, such as (3)",
    r"\b(?:three|four|five|six)\b(?=\s+(?:[\w'-]+\s+){0,2}(?:gates?|blocks?|biases|matrices|boxes|"
    r"equations|lines of algebra|places|activations)\b)": (
        "the structure of the equations: an LSTM has four gate blocks, a GRU three, a step is six"
        " equations with an activation in five places (the cell chapter derives and checks them)"
    ),
    r"\b[1-4]-D\b": "the number of axes in a name such as 3-D",
}
ALLOWED_RE = [re.compile(pattern, re.IGNORECASE) for pattern in ALLOWED]

CODE_FENCES = ("{code-cell}", "{code}", "{code-block}", "{math}", "{glue}", "{glue:}", "{raw}")


def _parser() -> MarkdownIt:
    return (
        MarkdownIt("commonmark")
        .enable("table")
        .use(front_matter_plugin)
        .use(dollarmath_plugin, double_inline=True)
        .use(myst_role_plugin)
    )


PARSER = _parser()


def _fence_kind(info: str) -> str:
    return info.strip().split()[0] if info.strip() else ""


def _figure_texts(cell_source: str) -> list[str]:
    """The caption and alt text of a code cell's figure (its YAML header), which readers see."""
    if not cell_source.startswith("---\n"):
        return []
    header = yaml.safe_load(cell_source.split("---\n")[1]) or {}
    mystnb = header.get("mystnb", {}) or {}
    texts = [mystnb.get("figure", {}).get("caption"), mystnb.get("image", {}).get("alt")]
    return [text for text in texts if isinstance(text, str)]


def _directive_body(content: str) -> str:
    """A directive's body without its ``:option: value`` lines."""
    return "\n".join(line for line in content.splitlines() if not re.match(r"\s*:\w[\w-]*:", line))


def prose_runs(markdown: str) -> list[tuple[int, str]]:
    """Every run of prose text in a MyST chapter, with its line number.

    Code cells, code blocks, inline code, math and roles are left out; the bodies of other
    directives (notes, dropdowns) and the captions and alt text of figures are kept.
    """
    runs: list[tuple[int, str]] = []

    def walk(tokens: list[Token], offset: int) -> None:
        for token in tokens:
            line = offset + (token.map[0] if token.map else 0)
            if token.type == "fence":
                kind = _fence_kind(token.info)
                if kind == "{code-cell}":
                    for text in _figure_texts(token.content):  # captions are MyST markdown
                        walk(PARSER.parse(text), line)
                elif kind.startswith("{") and kind not in CODE_FENCES:
                    walk(PARSER.parse(_directive_body(token.content)), line + 1)
            elif token.type == "inline":
                texts = [child.content for child in token.children or [] if child.type == "text"]
                runs.append((line, " ".join(texts)))

    walk(PARSER.parse(markdown), 1)
    return runs


def typed_numbers(markdown: str) -> list[tuple[int, str, str]]:
    """``(line, number, sentence)`` for every number in prose that no allowlist entry covers."""
    found = []
    for line, text in prose_runs(markdown):
        allowed_spans = [m.span() for pattern in ALLOWED_RE for m in pattern.finditer(text)]
        for match in NUMBER.finditer(text):
            start, end = match.span()
            if any(a <= start and end <= b for a, b in allowed_spans):
                continue
            context = text[max(0, start - 40) : end + 40].replace("\n", " ")
            found.append((line, match.group(), context))
    return found


CHAPTERS = chapter_sources()


@pytest.mark.parametrize("source", CHAPTERS, ids=lambda path: path.stem)
def test_no_typed_numbers_in_prose(source: Path) -> None:
    offenders = typed_numbers(source.read_text())
    listing = "\n".join(
        f"  line {line}: {number!r} in ...{context}..." for line, number, context in offenders
    )
    assert not offenders, (
        f"{source.name}: numbers typed into prose that no cell computes. Glue them from a cell, "
        f"put a code value in inline code, or reword (see this test's docstring):\n{listing}"
    )


def test_the_scanner_sees_prose_and_skips_code() -> None:
    chapter = """---
jupytext: {}
---
# Title

The layer has 504 parameters and returns five tensors, like `LSTM(7)` and $4h(x+h+1)$ and
{glue:text}`ratio` say; Keras 3 came out in 2023, TensorFlow 2.16 made it the default. Its four
gate blocks sit near 0 or 1; the two frameworks' 2048x2048 matmul is not a year.

| a | b |
|---|---|
| 420 | `420` |

```{code-cell} ipython3
---
mystnb:
  figure:
    caption: A figure of 12 curves.
---
assert 99 == 99
```

```{note}
:class: tip
A note with 8 numbers.
```
"""
    numbers = [number for _, number, _ in typed_numbers(chapter)]
    assert numbers == ["504", "five", "2048", "420", "12", "8"]
