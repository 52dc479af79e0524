"""A chapter's check cells: folded in the HTML book and in live notebooks alike, each
saying in one printed line what it checked (CONTRIBUTING.md, point 5)."""

from __future__ import annotations

import ast

import pytest

from editions import book
from editions.live import FOLDED_TAG, with_live_metadata

CHAPTERS = book.chapters()


def _is_assert(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Assert):
        return True
    call = statement.value if isinstance(statement, ast.Expr) else None
    name = call.func if isinstance(call, ast.Call) else None
    return isinstance(name, ast.Attribute | ast.Name) and (
        getattr(name, "attr", getattr(name, "id", "")).startswith("assert_")
    )


def _is_checked_call(statement: ast.stmt) -> bool:
    call = statement.value if isinstance(statement, ast.Expr) else None
    func = call.func if isinstance(call, ast.Call) else None
    return getattr(func, "attr", getattr(func, "id", "")) == "checked"


def check_cell_problems(notebook: dict) -> list[str]:
    """Every check cell (outside exercises' solutions: code whose statements are all
    asserts, ending with one ``checked(...)`` call) must carry the tag, every tagged
    cell must be a check cell, and no other cell asserts at top level."""
    problems: list[str] = []
    in_solution = False
    for index, cell in enumerate(notebook["cells"]):
        source = book.source(cell)
        if cell["cell_type"] == "markdown":
            in_solution = ("{solution-start}" in source) or (
                in_solution and "{solution-end}" not in source
            )
            continue
        tagged = FOLDED_TAG in cell["metadata"].get("tags", [])
        try:
            body = ast.parse(source).body
        except SyntaxError:
            continue
        asserts = bool(body) and all(_is_assert(s) for s in body[:-1])
        ends_checked = bool(body) and _is_checked_call(body[-1])
        only_asserts = bool(body) and all(_is_assert(s) for s in body)
        where = f"cell {index}"
        if in_solution:
            if tagged:
                problems.append(f"{where}: a solution's cell is tagged {FOLDED_TAG}")
            continue
        if only_asserts:
            problems.append(f"{where}: a check cell that does not end with checked(...)")
        elif asserts and ends_checked and not tagged:
            problems.append(f"{where}: a check cell without the {FOLDED_TAG} tag")
        elif tagged and not (asserts and ends_checked):
            problems.append(f"{where}: tagged {FOLDED_TAG} but not a check cell")
        elif not (asserts and ends_checked) and any(_is_assert(s) for s in body):
            problems.append(f"{where}: asserts among other code; move them to a check cell")
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_check_cell_is_folded_and_says_what_it_checks(path):
    problems = check_cell_problems(book.read(path))
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def _cell(kind: str, source: str, tags: tuple[str, ...] = ()) -> dict:
    metadata = {"tags": list(tags)} if tags else {}
    return {"cell_type": kind, "metadata": metadata, "source": source}


def test_the_check_cell_rule_can_fail():
    good = [
        _cell("code", "x = 1"),
        _cell("code", "assert x == 1\nexercises.checked('x is one')", ("hide-input",)),
        _cell("markdown", "```{solution-start} ex\n```"),
        _cell("code", "y = 2\nassert y == 2"),
        _cell("markdown", "```{solution-end}\n```"),
    ]
    assert check_cell_problems({"cells": good}) == []
    untagged = [_cell("code", "assert x == 1\nchecked('x is one')")]
    silent = [_cell("code", "assert x == 1", ("hide-input",))]
    hidden = [_cell("code", "x = 2", ("hide-input",))]
    mixed = [_cell("code", "x = 2\nassert x == 2")]
    assert "asserts among other code" in check_cell_problems({"cells": mixed})[0]
    assert "without the hide-input tag" in check_cell_problems({"cells": untagged})[0]
    assert "does not end with checked" in check_cell_problems({"cells": silent})[0]
    assert "not a check cell" in check_cell_problems({"cells": hidden})[0]


def test_live_notebooks_fold_the_tagged_cells():
    notebook = {
        "cells": [
            _cell("code", "assert True\nchecked('true')", ("hide-input",)),
            _cell("code", "x = 1"),
        ]
    }
    live = with_live_metadata(notebook)
    assert live["cells"][0]["metadata"]["jupyter"] == {"source_hidden": True}
    assert "jupyter" not in live["cells"][1]["metadata"]


def test_checked_prints_one_line(capsys):
    from helpers import exercises

    exercises.checked("  the sum is 3 ")
    assert capsys.readouterr().out == "\N{CHECK MARK} Checked: the sum is 3\n"
    with pytest.raises(TypeError, match="claim must be a non-empty string"):
        exercises.checked(" ")
