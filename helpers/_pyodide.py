"""The in-browser edition only: Pyodide's kernel answers ``user_expressions``.

The prose of a chapter quotes computed values with the ``{eval}`` role. In JupyterLab,
jupyterlab-myst fills them in by sending the kernel an execute request that carries
``user_expressions`` (part of the Jupyter messaging protocol) and reading the values
from the reply. The kernel of jupyterlite-pyodide-kernel 0.6.1 leaves them out of its
reply, so in the browser every value would stay a placeholder. :func:`install` wraps
that kernel's ``run`` so that its reply holds them, evaluated as ipykernel evaluates
them (IPython's ``InteractiveShell.user_expressions``). ``import helpers`` calls it;
outside Pyodide it does nothing.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Awaitable, Callable
from typing import Any

Run = Callable[[Any, str], Awaitable[dict[str, Any]]]


def requested_expressions(parent: object) -> dict[str, str]:
    """The ``user_expressions`` of an execute request message (a dict), else {}."""
    content = parent.get("content") if isinstance(parent, dict) else None
    expressions = content.get("user_expressions") if isinstance(content, dict) else None
    return dict(expressions) if isinstance(expressions, dict) else {}


def with_user_expressions(run: Run) -> Run:
    """``run(kernel, code)`` whose reply also holds the request's user expressions.

    The kernel object keeps the request it is answering in ``_parent_header`` and its
    shell in ``interpreter``. As in ipykernel, the expressions are evaluated after the
    code, and only when it ran without error.
    """

    @functools.wraps(run)
    async def run_and_evaluate(kernel: Any, code: str) -> dict[str, Any]:
        reply = await run(kernel, code)
        expressions = requested_expressions(getattr(kernel, "_parent_header", None))
        ok = reply.get("status") == "ok"
        reply["user_expressions"] = (
            kernel.interpreter.user_expressions(expressions) if ok and expressions else {}
        )
        return reply

    run_and_evaluate.nnfb_user_expressions = True  # type: ignore[attr-defined]
    return run_and_evaluate


def install() -> bool:
    """Wrap the Pyodide kernel's ``run`` once; True when it is (now) wrapped."""
    if sys.platform != "emscripten":
        return False
    try:
        from pyodide_kernel.kernel import PyodideKernel
    except ImportError:  # Pyodide without JupyterLite's kernel, e.g. a plain console
        return False
    if not getattr(PyodideKernel.run, "nnfb_user_expressions", False):
        PyodideKernel.run = with_user_expressions(PyodideKernel.run)
    return True
