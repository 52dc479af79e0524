"""Run a student notebook in one kernel: untouched stubs first, then solutions put back.

Shared by tests/test_student.py; kept apart so that it can also be run by hand:
``python tests/_student_round_trip.py book/01_neural_networks.ipynb``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from editions import student


@dataclass
class Outcome:
    """What one exercise's check cell printed, on the stub and on the solution."""

    label: str
    stub_error: str = ""  # the exception the untouched answer cell raised
    on_stub: str = ""
    on_solution: str = ""
    solution_errors: list[str] = field(default_factory=list)


def _text(cell: dict) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
    return "".join(parts)


def _error(cell: dict) -> str:
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    return f"{errors[0]['ename']}: {errors[0]['evalue']}" if errors else ""


def _append(notebook: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    notebook.cells.append(cell)
    return cell


def round_trip(chapter: Path, timeout: int = 120) -> dict[str, Outcome]:
    """Execute ``chapter``'s student notebook, then put each solution back and re-check.

    The chapter's own cells run once, in order (an error there fails). Each exercise's
    answer stub runs (it must raise) and its check runs on it; then, in the same kernel,
    each solution's answer code runs in place of the stub and its check runs again.
    """
    notebook = nbformat.reads(student.dumps(student.student_notebook(chapter)), as_version=4)
    solutions = {s.label: s for s in student.solutions(chapter)}
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(chapter.parent)}},
    )
    outcomes: dict[str, Outcome] = {}
    checks: dict[str, dict] = {}
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            tags = cell.metadata.get("tags", [])
            client.execute_cell(cell, index)
            label = cell.metadata.get("exercise", "")
            if "exercise-answer" in tags:
                outcomes[label] = Outcome(label, stub_error=_error(cell))
            elif "exercise-check" in tags:
                outcomes[label].on_stub = _text(cell)
                checks[label] = cell
            elif _error(cell):
                raise AssertionError(f"{chapter.name}, cell {index}: {_error(cell)}")
        for label, solution in solutions.items():
            outcome = outcomes[label]
            for code in solution.answer:
                restored = _append(notebook, code)
                client.execute_cell(restored, len(notebook.cells) - 1)
                if _error(restored):
                    outcome.solution_errors.append(_error(restored))
            check = _append(notebook, checks[label].source)
            client.execute_cell(check, len(notebook.cells) - 1)
            outcome.on_solution = _text(check)
    return outcomes


if __name__ == "__main__":
    for name in sys.argv[1:]:
        for outcome in round_trip(Path(name).resolve()).values():
            print(outcome)
