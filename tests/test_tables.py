"""helpers.plots.table: the Markdown tables the chapters display, and clear errors for
rows that would not make one."""

from __future__ import annotations

import numpy as np
import pytest
from IPython.display import Markdown

from helpers import plots


def test_table_writes_header_rule_and_rows_as_the_chapters_did():
    shown = plots.table(
        ["unit", "net", "out"],
        [["$h_1$", 0.3775, 0.593269992], ("$o_1$", np.float64(1.1059), 0.75)],
        formats=("", ".4f", ".3f"),
    )
    assert isinstance(shown, Markdown)
    # the same text as the hand-built "\n".join(rows) it replaces
    rows = [
        "| unit | net | out |",
        "|---|---|---|",
        "| $h_1$ | 0.3775 | 0.593 |",
        "| $o_1$ | 1.1059 | 0.750 |",
    ]
    assert shown.data == "\n".join(rows)


def test_default_format_is_str_and_title_goes_above_in_bold():
    shown = plots.table(("n", "ops", "error"), [(10, 1_000, 2.5e-7)], title="Cost")
    assert shown.data == "**Cost**\n\n| n | ops | error |\n|---|---|---|\n| 10 | 1000 | 2.5e-07 |"
    commas = plots.table(["ops"], [[12_345]], formats=[","])
    assert commas.data.endswith("| 12,345 |")


def test_rows_may_be_a_generator_or_numpy_rows_and_an_escaped_bar_is_kept():
    rows = (np.array([k, k**2]) for k in (1.0, 2.0))
    shown = plots.table([r"$x$", r"$\|x\|^2$"], rows, formats=[".1f", ".1f"])
    assert shown.data.splitlines()[2:] == ["| 1.0 | 1.0 |", "| 2.0 | 4.0 |"]
    assert r"$\|x\|^2$" in shown.data


@pytest.mark.parametrize(
    ("header", "rows", "formats", "message"),
    [
        ("ab", [[1, 2]], None, "header must be a list or tuple"),
        ([], [[1]], None, "header must be a non-empty list of strings"),
        (["a", 2], [[1, 2]], None, "header must be a non-empty list of strings"),
        (["a", "b"], 5, None, "rows must be an iterable"),
        (["a", "b"], ["12"], None, "row 0 must be a list or tuple"),
        (["a", "b"], [[1, 2], [3]], None, "row 1 has 1 cells, the header 2"),
        (["a", "b"], [], None, "rows is empty"),
        (["a", "b"], [[1, 2]], ".3f", "formats must be a list or tuple"),
        (["a", "b"], [[1, 2]], [".3f"], "formats must be 2 strings"),
        (["a", "b"], [[1, "x"]], [".3f", 3], "formats must be 2 strings"),
        (["a", "b"], [["x", 1.5]], ["", "d"], "row 0: a cell does not fit its format"),
        (["a", "b"], [[None, 1]], [".2f", ""], "row 0: a cell does not fit its format"),
        (["a", "b"], [["x | y", 1]], None, "row 0, column 0: 'x | y' holds"),
        (["a", "b"], [[1, "two\nlines"]], None, "row 0, column 1"),
        (["a|b", "c"], [[1, 2]], None, "header, column 0"),
    ],
)
def test_bad_input_is_refused_by_name(header, rows, formats, message):
    with pytest.raises((TypeError, ValueError), match=message):
        plots.table(header, rows, formats=formats)


def test_types_are_refused_with_type_errors():
    with pytest.raises(TypeError):
        plots.table("ab", [[1, 2]])
    with pytest.raises(TypeError):
        plots.table(["a"], None)


@pytest.mark.parametrize("title", ["", "  ", 3])
def test_a_title_must_be_text(title):
    with pytest.raises(ValueError, match="title must be a non-empty string"):
        plots.table(["a"], [[1]], title=title)
