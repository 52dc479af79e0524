"""_ext/parallel_read.py: Sphinx reads the pages in one process per core.

Each build below reads eight pages with jupyter-book's ``sphinx_multitoc_numbering``
(which declares nothing about parallel reading) and a recorder that writes which
process read each page. With the extension the pages are read by more than one
process, and ``-W`` finds no warning; the control, without it, reads every page in one
process, so the check can fail.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from editions.book import ROOT

PAGES = 8
RECORDER = """\
import os


def record(app, docname, source):
    with open(os.path.join(app.confdir, "readers.txt"), "a") as log:
        log.write(f"{docname} {os.getpid()}\\n")


def setup(app):
    app.connect("source-read", record)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
"""


def _readers(tmp_path: Path, extensions: list[str]) -> tuple[subprocess.CompletedProcess, dict]:
    """Build the eight pages; the finished process, and page -> the pid that read it."""
    src = tmp_path / "src"
    src.mkdir(parents=True)
    (src / "recorder.py").write_text(RECORDER)
    (src / "conf.py").write_text(f"extensions = {extensions!r}\n")
    toctree = "\n".join(f"   page{i}" for i in range(PAGES))
    (src / "index.rst").write_text(f"Index\n=====\n\n.. toctree::\n   :numbered:\n\n{toctree}\n")
    for i in range(PAGES):
        (src / f"page{i}.rst").write_text(f"Page {i}\n=======\n\nText {i}.\n")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", str(src), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": f"{src}{os.pathsep}{ROOT / '_ext'}"},
        timeout=300,
    )
    lines = (src / "readers.txt").read_text().split() if (src / "readers.txt").exists() else []
    return result, dict(zip(lines[::2], lines[1::2], strict=True))


@pytest.fixture
def parallel_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The extension, imported from _ext/ as Sphinx imports it."""
    monkeypatch.syspath_prepend(str(ROOT / "_ext"))
    yield importlib.import_module("parallel_read")
    sys.modules.pop("parallel_read")


@pytest.mark.slow
def test_the_pages_are_read_by_one_process_per_core(tmp_path: Path, parallel_read: ModuleType):
    if parallel_read.processes() < 2:
        pytest.skip("one core: Sphinx reads one page at a time")
    undeclared = "sphinx_multitoc_numbering"
    result, readers = _readers(tmp_path / "ours", [undeclared, "parallel_read", "recorder"])
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(readers) == PAGES + 1, readers
    assert len(set(readers.values())) > 1, f"every page was read by one process: {readers}"

    result, readers = _readers(tmp_path / "control", [undeclared, "recorder"])
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(readers) == PAGES + 1 and len(set(readers.values())) == 1, readers


def test_the_number_of_processes_is_the_cores_up_to_the_maximum(
    parallel_read: ModuleType, monkeypatch: pytest.MonkeyPatch
):
    for cores, expected in [(1, 1), (2, 2), (3, 3), (16, parallel_read.MAX_PROCESSES)]:
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid, n=cores: set(range(n)))
        assert parallel_read.processes() == expected, cores


def test_only_the_named_extensions_that_declare_nothing_are_declared_safe(
    parallel_read: ModuleType,
):
    def extension(read, write):
        return SimpleNamespace(parallel_read_safe=read, parallel_write_safe=write)

    numbering, latex = parallel_read.DECLARED_SAFE
    app = SimpleNamespace(
        extensions={
            numbering: extension(None, None),
            latex: extension(False, None),  # declared unsafe: kept so
            "another": extension(None, None),  # not ours to declare
        }
    )
    parallel_read.declare_safe(app)
    states = {n: (e.parallel_read_safe, e.parallel_write_safe) for n, e in app.extensions.items()}
    assert states == {
        numbering: (True, True),
        latex: (False, True),
        "another": (None, None),
    }


def test_a_number_of_processes_given_on_the_command_line_is_kept(parallel_read: ModuleType):
    connected = []
    app = SimpleNamespace(parallel=3, connect=lambda *args: connected.append(args))
    parallel_read.setup(app)
    assert app.parallel == 3 and connected
    app.parallel = 1
    parallel_read.setup(app)
    assert app.parallel == parallel_read.processes()
