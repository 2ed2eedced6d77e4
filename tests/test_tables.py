"""Tests for lstm_notes._tables: escaping, alignment, and rows that do not fit the header."""

from __future__ import annotations

import re

import pytest

from lstm_notes._tables import TableError, html_table, text_table

# --------------------------------------------------------------------------------------------
# Plain text
# --------------------------------------------------------------------------------------------


def test_text_columns_are_aligned_two_spaces_apart() -> None:
    text = text_table(("name", "count"), [("bias", 7), ("kernel", 1234)], align="lr")
    # widths: max("name", "bias", "kernel") = 6 and max("count", "7", "1234") = 5
    assert text.splitlines() == [
        "name    count",
        "-------------",
        "bias        7",
        "kernel   1234",
    ]


def test_text_left_alignment_is_the_default_and_lines_have_no_trailing_spaces() -> None:
    lines = text_table(("a", "b"), [("long cell", "x"), ("y", "")]).splitlines()
    assert lines[2] == "long cell  x"
    assert lines[3] == "y"  # "y" padded to 9, then an empty cell: all trailing space stripped
    assert all(line == line.rstrip() for line in lines)


def test_text_footer_comes_after_a_second_rule() -> None:
    lines = text_table(("item", "n"), [("a", 2), ("b", 3)], align="lr", footer=("total", 5))
    rule = "-" * len("total  n")
    assert lines.splitlines() == ["item   n", rule, "a      2", "b      3", rule, "total  5"]


def test_text_table_with_no_rows_is_header_and_rule() -> None:
    assert text_table(("x", "yy"), []) == "x  yy\n-----"


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


def test_html_escapes_every_cell_caption_and_header() -> None:
    table = html_table(("a<b",), [("x & y",), ("<script>",)], caption='"R&D" <1>')
    assert '<caption>"R&amp;D" &lt;1&gt;</caption>' in table  # quotes are fine outside attributes
    assert ">a&lt;b</th>" in table
    assert ">x &amp; y</td>" in table
    assert "<script>" not in table and ">&lt;script&gt;</td>" in table


def test_html_structure_and_alignment() -> None:
    table = html_table(("name", "count"), [("bias", 7)], align="lr")
    assert table == (
        "<table><thead><tr>"
        '<th style="text-align:left">name</th><th style="text-align:right">count</th>'
        "</tr></thead><tbody><tr>"
        '<td style="text-align:left">bias</td><td style="text-align:right">7</td>'
        "</tr></tbody></table>"
    )


def test_html_code_columns_wrap_only_non_empty_body_cells() -> None:
    table = html_table(
        ("tensor", "shape"),
        [("kernel", "(3, 8)"), ("", "(8,)")],
        code_columns=(0,),
        footer=("t", ""),
    )
    assert table.count("<code") == 1
    assert ">kernel</code>" in table
    assert "(3, 8)</code>" not in table  # column 1 is not a code column
    assert "t</code>" not in table  # the footer is not code


@pytest.mark.parametrize(
    ("cell", "nowrap"),
    [
        ("h_n[-1]", True),  # a name: one word
        ("forward_final_memory_state", True),
        ("(5, 2, 4)", True),  # shapes
        ("(4,)", True),
        ("(None, 7)", True),
        ("()", True),
        ("whole_seq_output (transposed: Keras is batch first)", False),  # prose in code may wrap
        ("final_memory_state is h_n[0]", False),
    ],
)
def test_html_keeps_names_and_shapes_in_code_cells_on_one_line(cell: str, nowrap: bool) -> None:
    table = html_table(("code", "text"), [(cell, cell)], code_columns=(0,))
    code_cell, text_cell = re.findall(r"<td[^>]*>(.*?)</td>", table)
    assert code_cell.startswith('<code style="white-space:nowrap">') is nowrap
    assert code_cell.startswith("<code>") is not nowrap
    assert text_cell == cell  # not a code column: no markup, wraps as text


def test_html_footer_and_row_headers() -> None:
    table = html_table(None, [("median", "1 ms"), ("IQR", "0.1 ms")], row_headers=True)
    assert "<thead>" not in table
    assert re.findall(r"<(t[hd])[^>]*>", table) == ["th", "td", "th", "td"]
    footed = html_table(("a", "n"), [("x", 1)], footer=("total", 1))
    assert "<tfoot><tr>" in footed and footed.count("<th ") == 4  # 2 header + 2 footer cells


# --------------------------------------------------------------------------------------------
# Malformed tables
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [text_table, html_table])
def test_a_row_with_the_wrong_number_of_cells_is_refused(make) -> None:
    with pytest.raises(ValueError, match=r"row 1 has 3 cells but the table has 2 columns"):
        make(("a", "b"), [("1", "2"), ("1", "2", "3")])


@pytest.mark.parametrize("make", [text_table, html_table])
def test_a_short_footer_is_refused(make) -> None:
    with pytest.raises(TableError, match=r"the footer has 1 cells but the table has 2 columns"):
        make(("a", "b"), [("1", "2")], footer=("total",))


@pytest.mark.parametrize("align", ["l", "lrr", "lc", "LR"])
def test_alignment_must_be_one_l_or_r_per_column(align: str) -> None:
    for make in (text_table, html_table):
        with pytest.raises(TableError, match=r"one letter per column \(2\), each 'l' or 'r'"):
            make(("a", "b"), [("1", "2")], align=align)
