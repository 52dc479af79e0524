"""Checks for the student edition's exercises: a sentence instead of a traceback.

A check cell of a student notebook runs an exercise's own assertions inside
:func:`check`::

    with check("ex-nn-rank", reads=["rank"]):
        assert rank == 2

``reads`` names what the student's answer defines. When every assertion holds the
check prints that the answer is correct. Otherwise it prints one sentence saying what
is wrong (a name not defined yet, a placeholder ``...`` still in place, a function that
still raises ``NotImplementedError``, or which assertion failed and the values it
read) and swallows the exception, so the notebook shows the sentence, not a traceback.
The failing statement and its values are read from the exception's traceback.
"""

from __future__ import annotations

import ast
import linecache
import textwrap
import types
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["Check", "check", "checked", "describe"]

PASS_MARK = "\N{CHECK MARK}"
FAIL_MARK = "\N{BALLOT X}"


def describe(value: object, limit: int = 60) -> str:
    """A short, readable description of a value, for a one-line message.

    limit: the longest description, at least 4 characters.
    """
    if isinstance(limit, bool) or not isinstance(limit, int | np.integer) or limit < 4:
        raise ValueError(f"limit must be an integer >= 4, got {limit!r}")
    limit = int(limit)
    if value is Ellipsis:
        return "..."
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return np.array2string(value, precision=4, separator=", ")
        return f"an array of shape {value.shape}"
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)):
        return f"the function {getattr(value, '__name__', '?')}"
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _statement_at(filename: str, lineno: int) -> ast.stmt | None:
    """The innermost assert or expression statement of ``filename`` covering ``lineno``."""
    source = "".join(linecache.getlines(filename))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    best = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assert, ast.Expr, ast.Assign)) and (
            node.lineno <= lineno <= (node.end_lineno or node.lineno)
        ):
            if best is None or node.lineno >= best.lineno:
                best = node
    return best


def _statement_text(filename: str, node: ast.stmt) -> str:
    lines = linecache.getlines(filename)[node.lineno - 1 : node.end_lineno]
    text = textwrap.dedent("".join(lines)).strip()
    if isinstance(node, ast.Assert) and text.startswith("assert "):
        text = text[len("assert ") :]
    return " ".join(text.split())


def _loaded_names(node: ast.AST) -> list[str]:
    names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(names))


@dataclass
class Check:
    """The outcome of one exercise's check: ``passed`` is None until the block ends."""

    label: str
    reads: tuple[str, ...] = ()
    passed: bool | None = None
    message: str = ""

    def __enter__(self) -> Check:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.passed = True
            self.message = f"{PASS_MARK} {self.label}: correct."
            print(self.message)
            return False
        if not issubclass(exc_type, Exception):
            return False  # KeyboardInterrupt and the like go through
        self.passed = False
        self.message = f"{FAIL_MARK} {self.label}: not correct yet. {self._explain(exc, tb)}"
        print(self.message)
        return True  # the sentence replaces the traceback

    def _explain(self, exc: BaseException, tb: types.TracebackType | None) -> str:
        namespace = tb.tb_frame.f_globals if tb is not None else {}
        placeholders = [n for n in self.reads if namespace.get(n, None) is Ellipsis]
        if placeholders:
            names = ", ".join(f"`{n}`" for n in placeholders)
            verb = "is" if len(placeholders) == 1 else "are"
            noun = "placeholder" if len(placeholders) == 1 else "placeholders"
            return f"{names} {verb} still `...`: replace the {noun} with your answer."
        if isinstance(exc, NameError) and getattr(exc, "name", None):
            return (
                f"`{exc.name}` is not defined: write your answer in the cell above and "
                "run it (after the chapter's earlier cells), then run this check again."
            )
        if isinstance(exc, NotImplementedError):
            inner = tb
            while inner is not None and inner.tb_next is not None:
                inner = inner.tb_next
            where = inner.tb_frame.f_code.co_name if inner is not None else "<module>"
            if where != "<module>":
                return f"`{where}` still raises NotImplementedError: write its body."
            return "the answer still raises NotImplementedError: replace the stub."
        statement, values = "", ""
        if tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            node = _statement_at(filename, tb.tb_lineno)
            if node is not None:
                statement = _statement_text(filename, node)
                shown = [
                    f"{name} = {describe(namespace[name])}"
                    for name in _loaded_names(node)
                    if name in self.reads and name in namespace
                ]
                values = f" (with {', '.join(shown)})" if shown else ""
        what = f"`{statement}`" if statement else "one of the checks"
        if isinstance(exc, AssertionError):
            detail = " ".join(str(exc).split())
            detail = f" Details: {detail[:200]}." if detail else ""
            return f"The check {what} is not true{values}.{detail}"
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        return f"The check {what} could not run on your answer{values}: {reason}."


def check(label: str, reads: Iterable[str] = ()) -> Check:
    """A context manager running one exercise's assertions and reporting in a sentence.

    label: the exercise's label, e.g. ``"ex-nn-rank"``;
    reads: the names the student's answer defines and the assertions read.
    """
    if not isinstance(label, str) or not label:
        raise TypeError(f"label must be a non-empty string, got {label!r}")
    if isinstance(reads, str):
        raise TypeError(f"reads must be a list of names, got the string {reads!r}")
    if not isinstance(reads, Iterable):
        raise TypeError(f"reads must be a list of names, got {reads!r}")
    names = tuple(reads)
    bad = [n for n in names if not (isinstance(n, str) and n.isidentifier())]
    if bad:
        raise ValueError(f"reads must hold Python identifiers, got {bad!r}")
    return Check(label, names)


def checked(claim: str) -> None:
    """Say, in one line under a chapter's check cell, what its asserts have just shown.

    A chapter's check cell asserts a claim of the prose and ends with this call. The
    cell is tagged ``hide-input``: the HTML book folds its code behind a toggle and a
    live notebook folds its source (``python -m editions.live`` sets that from the tag),
    so a reader sees this line and opens the code with one click. The line prints only
    when every assert above it held, with the claim's line breaks and runs of spaces
    made single spaces.
    """
    if not isinstance(claim, str) or not claim.strip():
        raise TypeError(f"claim must be a non-empty string, got {claim!r}")
    print(f"{PASS_MARK} Checked: {' '.join(claim.split())}")
