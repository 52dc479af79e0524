"""A value the prose quotes keeps that value to the end of its chapter.

The HTML book evaluates a Markdown cell's ``{eval}`` expressions right after the code
above it; a live notebook (jupyterlab-myst) sends them with Run All and the kernel
evaluates them after the last code cell. Both show the same number only when no later
code cell rebinds the name (or the ``quoted`` key) the prose quotes.
"""

from __future__ import annotations

import ast

import pytest

from editions import book
from editions.live import expressions

CHAPTERS = book.chapters()


def quoted_names(expression: str) -> set[str]:
    """What an inline expression reads: ``name`` for f"{name:.3f}", ``quoted['key']``
    for f"{quoted['key']:.2f}"."""
    tree = ast.parse(expression, mode="eval")
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            if isinstance(node.slice, ast.Constant):
                found.add(f"{node.value.id}[{node.slice.value!r}]")
        elif isinstance(node, ast.Name) and node.id != "quoted":
            found.add(node.id)
    return found


def _target_names(target: ast.expr) -> set[str]:
    found = set()
    for part in ast.walk(target):
        if isinstance(part, ast.Name):
            found.add(part.id)
        elif isinstance(part, ast.Subscript) and isinstance(part.value, ast.Name):
            if isinstance(part.slice, ast.Constant):
                found.add(f"{part.value.id}[{part.slice.value!r}]")
    return found


class _Bindings(ast.NodeVisitor):
    """The names a cell binds in the notebook's namespace: not inside a function, a
    class or a comprehension, whose names are their own."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.names.add(node.name)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.names.add(node.name)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        pass

    def visit_ListComp(self, node: ast.AST) -> None:
        pass

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.names |= _target_names(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.names |= _target_names(node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.names |= _target_names(node.target)
        self.generic_visit(node)

    def visit_For(self, node: ast.For) -> None:
        self.names |= _target_names(node.target)
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.names |= _target_names(node.target)
        self.generic_visit(node)

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self.names |= _target_names(node.optional_vars)
        self.generic_visit(node)


def bound_names(source: str) -> set[str]:
    """The names and ``quoted[...]`` keys a code cell binds in the notebook's namespace."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    visitor = _Bindings()
    visitor.visit(tree)
    return visitor.names


def rebound_values(notebook: dict) -> list[str]:
    """Each quoted name that a code cell after its Markdown cell binds again."""
    problems: list[str] = []
    cells = notebook["cells"]
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        quoted = set().union(*(quoted_names(e) for e in expressions(book.source(cell))))
        for later, other in enumerate(cells[index + 1 :], start=index + 1):
            if other["cell_type"] == "code":
                for name in sorted(quoted & bound_names(book.source(other))):
                    problems.append(f"cell {index} quotes {name}, which cell {later} rebinds")
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_quoted_value_is_final(path):
    problems = rebound_values(book.read(path))
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_rule_can_fail():
    cells = [
        {"cell_type": "code", "source": "loss = 1.0\nquoted = {}\nquoted['a'] = 2"},
        {
            "cell_type": "markdown",
            "source": 'Loss {eval}`f"{loss:.2f}"`, {eval}`f"{quoted[\'a\']:.1f}"`.',
        },
        {"cell_type": "code", "source": "x = loss + 1\nquoted['b'] = 3"},
    ]
    assert rebound_values({"cells": cells}) == []
    cells.append(
        {"cell_type": "code", "source": "for loss in range(3):\n    pass\nquoted['a'] = 0"}
    )
    assert rebound_values({"cells": cells}) == [
        "cell 1 quotes loss, which cell 3 rebinds",
        "cell 1 quotes quoted['a'], which cell 3 rebinds",
    ]
