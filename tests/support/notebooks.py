"""The book's notebooks: the ones the table of contents lists, and running one.

The table of contents has one reader, :func:`editions.student.toc_files`, which the
editions use as well. Every notebook the tests and the benchmarks execute runs through
:func:`kernel`: one nbclient client, its kernel started in the notebook's folder.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from editions.student import ROOT, toc_files

if TYPE_CHECKING:  # both take a second or more to import: load them when used
    import nbformat
    from nbclient import NotebookClient

__all__ = ["ROOT", "execute", "kernel", "toc_files", "toc_notebooks"]


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks that ``root/_toc.yml`` lists, in the book's order."""
    paths = [root / f"{name}.ipynb" for name in toc_files(root)]
    return [path for path in paths if path.is_file()]


@contextmanager
def kernel(
    nb: nbformat.NotebookNode, folder: Path, timeout: int = 120, quiet: bool = False, **options: Any
) -> Iterator[NotebookClient]:
    """A client for ``nb`` with a fresh kernel whose working directory is ``folder``;
    run a cell with ``client.execute_cell(cell, index)``. The kernel stops on exit.

    timeout: seconds one cell may take. quiet: the kernel process's own log goes to
    /dev/null. options: other NotebookClient settings, e.g. ``allow_errors=True``.
    The kernel is the one the notebook's metadata names (``python3`` by default).
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        resources={"metadata": {"path": str(folder)}},
        **options,
    )
    output = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL} if quiet else {}
    with client.setup_kernel(**output):
        yield client


def execute(nb: nbformat.NotebookNode, folder: Path, **settings: Any) -> nbformat.NotebookNode:
    """Run every code cell of ``nb`` in order, in place, in a fresh kernel (settings as
    for :func:`kernel`); a failing cell raises nbclient's CellExecutionError."""
    with kernel(nb, folder, **settings) as client:
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
    return nb
