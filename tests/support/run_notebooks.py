"""Execute notebooks top to bottom with nbclient, each in its own folder, and report.

Run by tests/test_binder.py with the python of a fresh environment, from the
repository's root: ``python -m tests.support.run_notebooks [--save DIR] NOTEBOOK...``.
The prose's inline expressions are evaluated where a live notebook evaluates them. With
``--save`` each executed notebook is written to DIR under its own file name. It prints
one JSON object per line:
first ``{"kernel": sys.executable of the kernel}``, then for each notebook
``{"notebook", "seconds", "error"}``, where error is None or the failing cell's report.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient.exceptions import CellExecutionError
from nbclient.util import run_sync

from editions.kernels import kernel

TIMEOUT = 600  # seconds for one cell


EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")


def _run(nb: nbformat.NotebookNode, folder: Path) -> None:
    """Run the code cells in order; after the code above each Markdown cell, evaluate
    that cell's inline expressions as jupyterlab-myst does (execute_request
    user_expressions) and store the results in its ``user_expressions`` metadata."""
    with kernel(nb, folder, timeout=TIMEOUT) as client:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
            elif expressions := EVAL_ROLE.findall(cell.source):
                named = {str(i): e for i, e in enumerate(expressions)}
                # nbclient's AsyncKernelClient: execute_interactive is not in its types
                kc: Any = client.kc
                reply = run_sync(kc.execute_interactive)(
                    "", silent=True, store_history=False, user_expressions=named, timeout=TIMEOUT
                )
                results = reply["content"]["user_expressions"]
                cell.metadata["user_expressions"] = [
                    {"expression": e, "result": results[k]} for k, e in named.items()
                ]


def kernel_executable() -> str:
    """sys.executable inside a kernel started the way the notebooks' kernels are."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable, end='')"))
    _run(nb, Path.cwd())
    return "".join(o.get("text", "") for o in nb.cells[0].outputs)


def main(paths: list[str]) -> int:
    save = None
    if paths[:1] == ["--save"]:
        save, paths = Path(paths[1]), paths[2:]
        save.mkdir(parents=True, exist_ok=True)
    print(json.dumps({"kernel": kernel_executable()}), flush=True)
    failed = 0
    for name in paths:
        path = Path(name).resolve()
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        error = None
        try:
            _run(nb, path.parent)
        except CellExecutionError as exc:
            error = str(exc)
        except Exception as exc:  # a dead kernel or a timeout: report it, go on
            error = f"{type(exc).__name__}: {exc}"
        failed += error is not None
        if save is not None:
            nbformat.write(nb, save / path.name)
        seconds = time.perf_counter() - start
        print(json.dumps({"notebook": name, "seconds": seconds, "error": error}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
