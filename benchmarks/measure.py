"""The measurements: notebook execution, builds, explorer redraws, a command's wall time."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from editions import kernels

if TYPE_CHECKING:  # nbformat takes seconds to import (jsonschema); load it when used
    import nbformat

BIN = Path(sys.executable).parent


def summary(values: Sequence[float]) -> dict[str, float]:
    """median, min, max and count of a non-empty sequence."""
    if not values:
        raise ValueError("values must not be empty")
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


# --- notebooks --------------------------------------------------------------------------


def imports_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` holding only its first code cell (the chapter's imports)."""
    first = next((c for c in nb.cells if c.cell_type == "code"), None)
    if first is None:
        raise ValueError("the notebook has no code cell")
    floor = copy.deepcopy(nb)
    floor.cells = [copy.deepcopy(first)]
    return floor


def _timestamp(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def cell_durations(nb: nbformat.NotebookNode) -> dict[int, float]:
    """Seconds each executed code cell took (index among all cells -> seconds), from the
    timing metadata nbclient records (execute_input to execute_reply)."""
    out = {}
    for i, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if cell.cell_type == "code" and start and end:
            out[i] = (_timestamp(end) - _timestamp(start)).total_seconds()
    return out


@dataclass
class NotebookRun:
    """One execution: wall seconds (kernel start and shutdown included) and per cell."""

    seconds: float
    cells: dict[int, float]

    @property
    def cell_seconds(self) -> float:
        return sum(self.cells.values())


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 120) -> NotebookRun:
    """Execute a copy of ``nb`` in a fresh kernel with working directory ``cwd``."""
    work = copy.deepcopy(nb)
    t0 = time.perf_counter()
    # The kernel's own log lines would drown the progress.
    kernels.execute(work, cwd, timeout=timeout, quiet=True, record_timing=True)
    seconds = time.perf_counter() - t0
    return NotebookRun(seconds, cell_durations(work))


def slowest_cells(
    nb: nbformat.NotebookNode, runs: Sequence[NotebookRun], top: int = 3
) -> list[dict[str, Any]]:
    """The ``top`` cells with the largest median time over the runs, with their first line."""
    medians = {i: statistics.median(r.cells.get(i, 0.0) for r in runs) for i in runs[0].cells}
    ranked = sorted(medians.items(), key=lambda kv: -kv[1])[:top]
    out = []
    for i, seconds in ranked:
        lines = [ln for ln in nb.cells[i].source.splitlines() if ln.strip()]
        out.append(
            {"cell": i, "seconds": round(seconds, 3), "first_line": lines[0] if lines else ""}
        )
    return out


# --- explorers --------------------------------------------------------------------------


def explorer_sweep(controls: Sequence[Any]) -> list[dict[str, Any]]:
    """Every combination of: each option of a choice; each grid value of a slider and
    the midpoint between neighbouring grid values (values only the live slider reaches).

    controls: objects with ``name`` and either ``options`` (a choice) or ``values``.
    """
    axes = []
    for c in controls:
        options = getattr(c, "options", None)
        if options is not None:
            axes.append(list(options))
            continue
        grid = [float(v) for v in c.values]
        mids = [(a + b) / 2 for a, b in zip(grid[:-1], grid[1:], strict=True)]
        axes.append(sorted(grid + mids))
    names = [c.name for c in controls]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]


@dataclass
class RedrawTimes:
    """Live redraw seconds over a sweep, and the first draw (live() building the figure)."""

    first: float
    times: list[float] = field(default_factory=list)


def time_live_redraws(explorer: Any, sweep: Sequence[dict[str, Any]]) -> RedrawTimes:
    """Move the live widget's controls through ``sweep``, timing each slider move.

    Each step sets the controls that changed: all but the last silently, then the last
    one as a slider move does, which runs the widget's ipywidgets callback (draw, PNG
    encode, image and status update). The timer wraps that assignment.
    """
    t0 = time.perf_counter()
    box = explorer.live()
    first = time.perf_counter() - t0
    redraw: Callable[..., None] = box.redraw
    inputs: dict[str, Any] = box.inputs
    result = RedrawTimes(first)
    for params in sweep:
        changed = [n for n, v in params.items() if inputs[n].value != v]
        for name in changed[:-1]:
            widget = inputs[name]
            widget.unobserve(redraw, names="value")
            widget.value = params[name]
            widget.observe(redraw, names="value")
        t0 = time.perf_counter()
        if changed:
            inputs[changed[-1]].value = params[changed[-1]]
        else:
            redraw()
        result.times.append(time.perf_counter() - t0)
    return result


# --- builds and commands ----------------------------------------------------------------


def copy_tracked(root: Path, dest: Path) -> int:
    """Copy the files git tracks under ``root`` (as they are in the working tree) to
    ``dest``; returns how many were copied."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    ).stdout.decode()
    count = 0
    for name in filter(None, listed.split("\0")):
        src = root / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
            count += 1
    return count


def touch_markdown(path: Path, text: str = "This sentence was added to time a rebuild.") -> int:
    """Append a paragraph to the first markdown cell of notebook ``path``; returns its index."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), None)
    if index is None:
        raise ValueError(f"{path}: no markdown cell")
    nb.cells[index].source = nb.cells[index].source.rstrip("\n") + f"\n\n{text}\n"
    nbformat.write(nb, path)
    return index


@dataclass
class CommandRun:
    """A command's wall seconds, exit code, last lines of output, Sphinx warnings, and
    the output lines matching the ``keep`` pattern given to :func:`run_command`."""

    seconds: float
    returncode: int
    tail: list[str]
    warnings: int = 0
    kept: list[str] = field(default_factory=list)


#: Lines that are a kernel's own log, not the command's output.
_KERNEL_LOG = re.compile(r"^\[IPKernelApp\]")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: A Sphinx warning ("file:line: WARNING: ...", "WARNING: ...").
_SPHINX_WARNING = re.compile(r"(^|: )WARNING: ")


def run_command(
    cmd: Sequence[str], cwd: Path, tail: int = 5, keep: str | re.Pattern[str] | None = None
) -> CommandRun:
    """Run ``cmd`` in ``cwd`` with this interpreter's bin first on PATH; time it."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    t0 = time.perf_counter()
    proc = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    text = _ANSI.sub("", proc.stdout + proc.stderr)
    output = [ln for ln in text.splitlines() if ln.strip() and not _KERNEL_LOG.match(ln)]
    return CommandRun(
        seconds,
        proc.returncode,
        output[-tail:],
        sum(1 for ln in output if _SPHINX_WARNING.search(ln)),
        [ln for ln in output if keep and re.search(keep, ln)],
    )


EXECUTED = re.compile(r"Executed notebook in ([0-9.]+) seconds")


def execution_seconds(lines: Sequence[str]) -> float:
    """Total of myst-nb's "Executed notebook in X seconds" log lines."""
    return sum(float(m.group(1)) for ln in lines for m in [EXECUTED.search(ln)] if m)
