"""Tables as plain text and as HTML, shared by every result object's ``__str__``/``_repr_html_``.

Both functions take a header and rows of cells (any objects, shown with ``str``), check that every
row has one cell per column, and align each column left (``"l"``) or right (``"r"``, for numbers).
The HTML is escaped here, so callers pass raw text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Sequence

from lstm_notes.errors import LstmNotesError

__all__ = ["TableError", "html_table", "text_table"]

Row = Sequence[object]

# A code cell that is one word (a name such as ``h_n[-1]``) or a tuple of sizes (a shape such as
# ``(5, 2, 4)``): broken across lines it misleads, so the HTML keeps it on one line.
_NAME_OR_SHAPE = re.compile(r"\S+|\((\w+, )*\w*,?\)")
_NOWRAP = ' style="white-space:nowrap"'


class TableError(LstmNotesError, ValueError):
    """Raised when a row does not fit the header or an alignment is not ``"l"`` or ``"r"``."""


def _check(columns: int, rows: Sequence[Row], footer: Row | None, align: str | None) -> str:
    """Validate row lengths and alignment; return one alignment letter per column."""
    named = [(f"row {number}", row) for number, row in enumerate(rows)]
    for name, row in named + ([] if footer is None else [("the footer", footer)]):
        if len(row) != columns:
            raise TableError(
                f"{name} has {len(row)} cells but the table has {columns} columns: "
                f"{list(row)!r}; give every row one cell per header entry"
            )
    align = "l" * columns if align is None else align
    if len(align) != columns or set(align) - {"l", "r"}:
        raise TableError(
            f"align must be one letter per column ({columns}), each 'l' or 'r'; got {align!r}"
        )
    return align


def text_table(
    header: Row, rows: Sequence[Row], *, align: str | None = None, footer: Row | None = None
) -> str:
    """Format a table as monospaced text: header, a rule, the rows, then an optional footer.

    Parameters
    ----------
    header : sequence
        Column titles.
    rows : sequence of sequences
        Cells, one per column in every row.
    align : str, optional
        One letter per column, ``"l"`` (left, the default) or ``"r"`` (right, for numbers).
    footer : sequence, optional
        A last row (a total, say), set apart by a second rule.

    Returns
    -------
    str
        Columns two spaces apart, without trailing spaces.

    Raises
    ------
    TableError
        If a row (or the footer) has the wrong number of cells, or ``align`` is malformed.

    Examples
    --------
    >>> print(text_table(("name", "count"), [("a", 1), ("bias", 28)], align="lr"))
    name  count
    -----------
    a         1
    bias     28
    """
    align = _check(len(header), rows, footer, align)
    extra = [] if footer is None else [footer]
    table = [[str(c) for c in row] for row in [header, *rows, *extra]]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = zip(row, widths, align, strict=True)
        return "  ".join(c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in cells).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    lines = [line(table[0]), rule, *map(line, table[1 : len(rows) + 1])]
    return "\n".join(lines + ([rule, line(table[-1])] if footer is not None else []))


def html_table(
    header: Row | None,
    rows: Sequence[Row],
    *,
    caption: str | None = None,
    align: str | None = None,
    code_columns: Collection[int] = (),
    footer: Row | None = None,
    row_headers: bool = False,
) -> str:
    """Format a table as HTML, escaping ``&``, ``<`` and ``>`` in every cell and the caption.

    Parameters
    ----------
    header : sequence or None
        Column titles; ``None`` for a table without a header row (then the first row sets the
        number of columns).
    rows : sequence of sequences
        Cells, one per column in every row.
    caption : str, optional
        Text for a ``<caption>``.
    align : str, optional
        One letter per column, ``"l"`` (left, the default) or ``"r"`` (right, for numbers).
    code_columns : collection of int
        Indices of the columns whose non-empty body cells are code (wrapped in ``<code>``). A
        code cell that is one word or a shape, such as ``h_n[-1]`` or ``(5, 2, 4)``, is kept on
        one line (``white-space:nowrap``); longer code may wrap at its spaces.
    footer : sequence, optional
        A last row in ``<tfoot>``, its cells as header cells (a total, say).
    row_headers : bool
        Make the first cell of every body row a header cell (a key-value table).

    Returns
    -------
    str
        One ``<table>`` element. Every cell states its alignment (Jupyter right-aligns table
        cells by default).

    Raises
    ------
    TableError
        As for :func:`text_table`.

    Examples
    --------
    >>> table = html_table(["tag", "n"], [["<b>", 1]], align="lr", footer=["total", 1])
    >>> table.count("<tr>"), '<td style="text-align:left">&lt;b&gt;</td>' in table
    (3, True)
    >>> table.endswith('<th style="text-align:right">1</th></tr></tfoot></table>')
    True
    >>> html_table(["shape"], [["(5, 2, 4)"]], code_columns=[0])  # doctest: +ELLIPSIS
    '...<td style="text-align:left"><code style="white-space:nowrap">(5, 2, 4)</code></td>...'
    """
    columns = len(header) if header is not None else len(rows[0]) if rows else 0
    align = _check(columns, rows, footer, align)

    def cells(row: Row, tag: str, code: Collection[int] = ()) -> str:
        out = []
        for i, (cell, side) in enumerate(zip(row, align, strict=True)):
            text = html.escape(str(cell), quote=False)
            if i in code and text:
                nowrap = _NOWRAP if _NAME_OR_SHAPE.fullmatch(str(cell)) else ""
                text = f"<code{nowrap}>{text}</code>"
            name = "th" if tag == "th" or (row_headers and i == 0) else "td"
            side = "right" if side == "r" else "left"
            out.append(f'<{name} style="text-align:{side}">{text}</{name}>')
        return "<tr>" + "".join(out) + "</tr>"

    escaped = None if caption is None else html.escape(caption, quote=False)
    parts = [f"<caption>{escaped}</caption>" if escaped is not None else ""]
    parts.append(f"<thead>{cells(header, 'th')}</thead>" if header is not None else "")
    parts.append("<tbody>" + "".join(cells(row, "td", code_columns) for row in rows) + "</tbody>")
    parts.append(f"<tfoot>{cells(footer, 'th')}</tfoot>" if footer is not None else "")
    return "<table>" + "".join(parts) + "</table>"
