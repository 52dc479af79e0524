"""The notebooks the table of contents lists, and running one in a fresh kernel.

The table of contents has one reader, :func:`editions.student.toc_files`, which the
editions use too; every notebook the tests and the benchmarks run starts its kernel
in :func:`kernel`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from editions.student import ROOT, toc_files

if TYPE_CHECKING:  # seconds to import: loaded when a kernel starts
    import nbformat
    from nbclient import NotebookClient

__all__ = ["ROOT", "execute", "isolated_env", "kernel", "toc_files", "toc_notebooks"]


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks that ``root/_toc.yml`` lists, in the book's order."""
    return [p for f in toc_files(root) if (p := root / f"{f}.ipynb").is_file()]


@contextmanager
def kernel(
    nb: nbformat.NotebookNode, folder: Path, timeout: int = 120, quiet: bool = False, **options: Any
) -> Iterator[NotebookClient]:
    """A client for ``nb`` whose kernel (the one nb's metadata names, python3 by default)
    runs in ``folder`` until the block ends; ``client.execute_cell(cell, index)`` runs a
    cell. timeout: seconds per cell; quiet: the kernel's own log goes to /dev/null;
    options: other NotebookClient settings (``allow_errors=True``, ...)."""
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
    """Run the code cells of ``nb`` in order, in place, in a fresh :func:`kernel`."""
    with kernel(nb, folder, **settings) as client:
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
    return nb


def isolated_env(
    home: Path, dirs: Mapping[str, str] | None = None, drop: Sequence[str] = ()
) -> dict[str, str]:
    """os.environ without the user's Jupyter and IPython setup (every JUPYTER* and
    IPYTHON* variable, and those in ``drop``): Jupyter's config, data and runtime folders
    and IPython's, and ``dirs`` (variable -> folder), are made empty under ``home``."""
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env = {k: v for k, v in env.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    folders = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data"}
    folders |= {"JUPYTER_RUNTIME_DIR": "runtime", "IPYTHONDIR": "ipython", **(dirs or {})}
    for var, folder in folders.items():
        (home / folder).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / folder)
    return env
