"""The kernels the book's build starts talk over Unix sockets and log no warning.

ipykernel 7.4 and newer warn at every start of a kernel reached over unencrypted TCP;
editions/kernels.py gives the build's kernels IPC transport instead. Each test starts
one kernel and reads what it printed on stderr. The control test starts one with the
stock local provisioner and sees the warning, so the check can fail.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager
from jupyter_client.provisioning import KernelProvisionerFactory
from nbformat.v4 import new_code_cell
from packaging.version import Version

from editions.kernels import BLAS_THREADS, NAME, use_ipc_kernels
from tests.support.sphinx_project import build_one_notebook

TCP_WARNING = "Kernel is running over TCP without encryption"


@dataclass
class KernelRun:
    stderr: str  # what the kernel printed on stderr
    transport: str
    ip: str
    output: str  # what the cell printed


def _run_kernel(provisioner: str, tmp_path: Path, code: str = "print(6 * 7)") -> KernelRun:
    """Start a kernel with ``provisioner``, run one cell, shut it down."""
    factory = KernelProvisionerFactory.instance()
    before = factory.default_provisioner_name
    factory.default_provisioner_name = provisioner
    log = tmp_path / f"{provisioner}.stderr"
    km = KernelManager(kernel_name="python3")
    outputs: list[str] = []
    try:
        with log.open("w") as stderr:
            km.start_kernel(stderr=stderr)
            kc = km.client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=60)
                kc.execute_interactive(
                    code,
                    timeout=60,
                    output_hook=lambda msg: outputs.append(msg["content"].get("text", "")),
                )
            finally:
                kc.stop_channels()
                km.shutdown_kernel()
    finally:
        factory.default_provisioner_name = before
    return KernelRun(log.read_text(encoding="utf-8"), km.transport, km.ip, "".join(outputs))


def test_use_ipc_kernels_makes_the_provisioner_the_default():
    factory = KernelProvisionerFactory.instance()
    before = factory.default_provisioner_name
    try:
        factory.default_provisioner_name = "local-provisioner"
        use_ipc_kernels()
        assert factory.default_provisioner_name == NAME
    finally:
        factory.default_provisioner_name = before


@pytest.mark.slow  # starts a kernel
@pytest.mark.skipif(os.name != "posix", reason="Unix sockets only")
def test_a_build_kernel_uses_ipc_and_logs_no_warning(tmp_path: Path):
    run = _run_kernel(NAME, tmp_path)
    assert run.output.strip() == "42", run
    assert run.transport == "ipc", run
    socket_dir = Path(run.ip).parent
    assert socket_dir.name.startswith("nnfb-kernel-"), run.ip
    assert not socket_dir.exists(), f"{socket_dir} was left behind"
    flagged = [line for line in run.stderr.splitlines() if "WARNING" in line.upper()]
    assert not flagged, "the kernel logged:\n" + "\n".join(flagged)


SHOW_BLAS_THREADS = f"import os; print([os.environ.get(n) for n in {sorted(BLAS_THREADS)!r}])"


@pytest.mark.slow  # starts a kernel
@pytest.mark.parametrize("provisioner", [NAME, "local-provisioner"])
def test_a_build_kernel_runs_one_blas_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provisioner: str
):
    """The build's kernels get one BLAS thread; the stock provisioner (the control)
    passes the environment on as it is."""
    for name in BLAS_THREADS:
        monkeypatch.delenv(name, raising=False)
    run = _run_kernel(provisioner, tmp_path, SHOW_BLAS_THREADS)
    expected = ["1"] * len(BLAS_THREADS) if provisioner == NAME else [None] * len(BLAS_THREADS)
    assert run.output.strip() == repr(expected), run


@pytest.mark.slow  # starts a kernel
def test_a_thread_count_the_caller_sets_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name in BLAS_THREADS:
        monkeypatch.setenv(name, "2")
    run = _run_kernel(NAME, tmp_path, SHOW_BLAS_THREADS)
    assert run.output.strip() == repr(["2"] * len(BLAS_THREADS)), run


@pytest.mark.slow  # starts a kernel
@pytest.mark.skipif(
    Version(version("ipykernel")) < Version("7.4"), reason="older ipykernel never warns"
)
def test_control_a_tcp_kernel_logs_the_warning(tmp_path: Path):
    run = _run_kernel("local-provisioner", tmp_path)
    assert run.output.strip() == "42", run
    assert run.transport == "tcp", run
    assert TCP_WARNING in run.stderr, f"expected the TCP warning on stderr, got:\n{run.stderr}"


_CONF = """
nb_execution_mode = {mode!r}
nb_execution_raise_on_error = True
"""


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="Unix sockets only")
@pytest.mark.parametrize(
    ("mode", "ours"),
    [("cache", True), ("force", True), ("inline", True), ("inline", False)],
    ids=["cache", "force", "inline", "control-without-the-extension"],
)
def test_every_execution_mode_of_a_sphinx_build_logs_no_kernel_warning(
    tmp_path: Path, mode: str, ours: bool
):
    """A one-notebook Sphinx project with the book's extension, in each myst-nb mode;
    without the extension (the control) its log shows the kernel's TCP warning."""
    extensions = ["myst_nb", "kernel_transport"] if ours else ["myst_nb"]
    result, page = build_one_notebook(
        tmp_path, [new_code_cell("print(6 * 7)")], extensions, _CONF.format(mode=mode)
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert "42" in page.read_text(encoding="utf-8"), "not executed"
    flagged = [line for line in log.splitlines() if "WARNING" in line.upper()]
    if not ours:
        if Version(version("ipykernel")) < Version("7.4"):
            pytest.skip("older ipykernel never warns")
        assert any(TCP_WARNING in line for line in flagged), f"no TCP warning in:\n{log}"
        return
    assert not flagged, f"{mode}: the build logged:\n" + "\n".join(flagged)
