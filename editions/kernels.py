"""Kernels that talk to the build over Unix sockets, not over TCP, and running a
notebook in one (:func:`kernel`, :func:`execute`: the tests and benchmarks run every
notebook through them).

A kernel that jupyter_client starts listens, by default, on five TCP ports of
127.0.0.1 without encryption, which any local user can connect to; ipykernel 7.4 and
newer say so with a warning at every start. The kernels that build the book (and run
the notebook tests and benchmarks) need no network: :class:`IPCProvisioner` gives each
one IPC transport instead, its sockets in a private temporary folder (mode 0700),
removed when the kernel shuts down. The cause is fixed, so the warning never appears.

The provisioner is registered under :data:`NAME` in pyproject.toml's
``jupyter_client.kernel_provisioners`` entry points; :func:`use_ipc_kernels` makes it
the default for every kernel that the calling process starts afterwards, whatever the
execution mode (myst-nb's cache, inline or direct, nbclient, nbval). A live
JupyterLab or Notebook 7 server of the book's environment uses it too: the server
configuration in jupyter-config/ makes it the default there.

The same kernels get one BLAS thread (:data:`BLAS_THREADS`, unless the caller's
environment sets them). The book's matrices are small, and the build, the notebook
tests (several kernels at once) and the benchmarks run on machines whose cores are
busy: there a multi-threaded BLAS waits on its own threads, and one 40-step training
cell of chapter 2 took 8 s instead of under 1.5 s. Every output and every printed
value is the same with one thread or several; only the last bits of some unrounded
floats change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_client.provisioning import KernelProvisionerFactory, LocalProvisioner

if TYPE_CHECKING:  # seconds to import: loaded when a kernel starts
    import nbformat
    from nbclient import NotebookClient

NAME = "nnfb-ipc"
GROUP = "jupyter_client.kernel_provisioners"
#: Thread counts of the BLAS libraries numpy may use (OpenBLAS, MKL, OpenMP builds).
BLAS_THREADS = {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


class IPCProvisioner(LocalProvisioner):
    """The local provisioner, with the kernel's channels on Unix sockets.

    Where there are none (Windows), it behaves exactly as the local provisioner.
    """

    _socket_dir: str | None = None

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        km = self.parent
        if km is not None and os.name == "posix":
            if self._socket_dir is None:  # a restart keeps the same sockets
                self._socket_dir = tempfile.mkdtemp(prefix="nnfb-kernel-")
            km.transport = "ipc"
            # A short absolute path: a socket's path may not exceed about 100 bytes.
            km.ip = os.path.join(self._socket_dir, "k")
            km.cache_ports = False  # the port cache reserves TCP ports
        return await super().pre_launch(**kwargs)

    def _finalize_env(self, env: dict[str, str]) -> None:
        super()._finalize_env(env)
        for name, value in BLAS_THREADS.items():
            env.setdefault(name, value)

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart=restart)
        if not restart and self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None


def use_ipc_kernels() -> None:
    """Make :class:`IPCProvisioner` the default for the kernels this process starts.

    Raises RuntimeError when the entry point is missing: the environment was installed
    before the provisioner existed (``pip install -e .`` registers it).
    """
    if not entry_points(group=GROUP, name=NAME):
        raise RuntimeError(
            f"the kernel provisioner {NAME!r} is not registered in this environment; "
            "reinstall the project: pip install -r requirements.txt"
        )
    KernelProvisionerFactory.instance().default_provisioner_name = NAME


# --- running a notebook ---------------------------------------------------------------


@contextmanager
def kernel(
    nb: nbformat.NotebookNode, folder: Path, timeout: int = 120, quiet: bool = False, **options: Any
) -> Iterator[NotebookClient]:
    """A client for ``nb`` whose kernel (the one nb's metadata names, python3 by default)
    runs in ``folder`` over this module's Unix sockets until the block ends;
    ``client.execute_cell(cell, index)`` runs a cell. timeout: seconds per cell; quiet:
    the kernel's own log goes to /dev/null; options: other NotebookClient settings
    (``allow_errors=True``, ``record_timing=True``, ...)."""
    from nbclient import NotebookClient

    use_ipc_kernels()
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
