"""helpers._pyodide: the reply of Pyodide's kernel gains the request's user_expressions.

Pyodide itself is tried by tests/test_lite.py; these tests run the wrapper on a
stand-in kernel with a real IPython shell.
"""

from __future__ import annotations

import asyncio
import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell

from helpers import _pyodide


class StandInKernel:
    """What the wrapper uses of pyodide_kernel's PyodideKernel."""

    def __init__(self, expressions: dict[str, str] | None, status: str = "ok") -> None:
        self.interpreter = InteractiveShell.instance()
        self._parent_header = {"content": {"code": "", "user_expressions": expressions}}
        self.status = status

    async def run(self, code: str) -> dict:
        self.interpreter.run_cell(code)
        return {"status": self.status, "payload": []}


def reply(kernel: StandInKernel, code: str) -> dict:
    run = _pyodide.with_user_expressions(StandInKernel.run)
    return asyncio.run(run(kernel, code))


def test_the_reply_holds_each_expression_evaluated_after_the_code():
    kernel = StandInKernel({"0": "f'{shim_value:.2f}'", "1": "shim_value * 2"})
    out = reply(kernel, "shim_value = 1.2345")
    values = {k: v["data"]["text/plain"] for k, v in out["user_expressions"].items()}
    assert values == {"0": "'1.23'", "1": "2.469"}
    assert all(v["status"] == "ok" for v in out["user_expressions"].values())
    assert out["status"] == "ok" and out["payload"] == []


def test_an_expression_that_fails_is_reported_as_an_error_not_raised():
    out = reply(StandInKernel({"0": "no_such_name_here"}), "")
    assert out["user_expressions"]["0"]["status"] == "error"
    assert out["user_expressions"]["0"]["ename"] == "NameError"


@pytest.mark.parametrize(
    ("expressions", "status"), [(None, "ok"), ({}, "ok"), ({"0": "1"}, "error")]
)
def test_no_request_or_an_error_gives_empty_user_expressions(expressions, status):
    assert reply(StandInKernel(expressions, status), "")["user_expressions"] == {}


@pytest.mark.parametrize(
    "parent",
    [None, "text", {}, {"content": None}, {"content": {"user_expressions": ["a"]}}],
)
def test_requested_expressions_of_a_malformed_message_is_empty(parent):
    assert _pyodide.requested_expressions(parent) == {}


def test_install_does_nothing_outside_pyodide():
    assert sys.platform != "emscripten"
    assert _pyodide.install() is False


def test_importing_helpers_outside_pyodide_leaves_the_shim_alone():
    """helpers installs the shim only in the browser edition's kernel: a fresh
    interpreter that imports helpers does not even load helpers._pyodide."""
    import subprocess

    code = "import sys, helpers; print('helpers._pyodide' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
