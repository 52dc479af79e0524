"""What a live notebook needs that its Markdown cannot say: placeholders for the
prose's values before anything has run, and folded solutions.

The chapters quote computed values with ``{eval}`expr` `` roles. In JupyterLab and
Notebook 7, jupyterlab-myst evaluates them in the kernel when their Markdown cell runs
and stores the results in the cell's ``user_expressions`` metadata. A notebook as
committed has run nothing, so each expression gets a placeholder result instead,
which reads "[run the code above]" rather than showing the expression's source.
The placeholders carry no computed value.

An exercise's solution spans several cells between the ``{solution-start}`` and
``{solution-end}`` Markdown cells. The HTML book folds it into a dropdown; JupyterLab
renders each cell on its own, so the solution's code cells are collapsed instead
(``jupyter.source_hidden``): the reader sees the solution's heading and its prose,
and clicks to unfold the code. A chapter's check cells carry myst-nb's ``hide-input``
tag, which folds their code in the HTML book; their live source is folded from the
same tag, so both show the one line each check prints (``helpers.exercises.checked``)
and open the code with a click.

``python -m editions.live`` rewrites the notebooks in ``book/``;
``python -m editions.live --check`` only reports the stale ones (exit 1).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from editions import book

PLACEHOLDER = "[run the code above]"
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")


def expressions(markdown: str) -> list[str]:
    """The inline expressions of one Markdown cell, in reading order."""
    return EVAL_ROLE.findall(markdown)


def placeholder_metadata(exprs: list[str]) -> list[dict]:
    """jupyterlab-myst's ``user_expressions`` entries, one placeholder result each."""
    # Keys in sorted order, as `ruff format` writes notebook JSON.
    result = {"data": {"text/plain": PLACEHOLDER}, "metadata": {}, "status": "ok"}
    return [{"expression": e, "result": result} for e in dict.fromkeys(exprs)]


def _fold(cell: dict, folded: bool) -> None:
    jupyter = cell["metadata"].get("jupyter", {})
    if folded:
        jupyter["source_hidden"] = True
    else:
        jupyter.pop("source_hidden", None)
    if jupyter:
        cell["metadata"]["jupyter"] = jupyter
    else:
        cell["metadata"].pop("jupyter", None)


#: The cell tag with which myst-nb folds a code cell's source behind a toggle in the
#: HTML book; live notebooks fold the same cells (``jupyter.source_hidden``).
FOLDED_TAG = "hide-input"


def with_live_metadata(nb: dict) -> dict:
    """A copy of the notebook whose Markdown cells carry exactly their placeholders,
    and whose solution code cells and cells tagged ``hide-input`` (the chapters' check
    cells), and only those, are folded."""
    nb = json.loads(json.dumps(nb))
    in_solution = False
    for cell in nb["cells"]:
        source = book.source(cell)
        if cell["cell_type"] == "markdown" and "{solution-end}" in source:
            in_solution = False
        # Only code is folded: a folded Markdown cell shows its first source line,
        # raw MyST and all, where a folded code cell shows code.
        tagged = FOLDED_TAG in cell["metadata"].get("tags", [])
        _fold(cell, (in_solution or tagged) and cell["cell_type"] == "code")
        if cell["cell_type"] == "markdown" and "{solution-start}" in source:
            in_solution = True
        if cell["cell_type"] != "markdown":
            continue
        exprs = expressions(source)
        if exprs:
            cell["metadata"]["user_expressions"] = placeholder_metadata(exprs)
        else:
            cell["metadata"].pop("user_expressions", None)
    return nb


def dump(nb: dict) -> str:
    """The notebook as the repository stores it (nbformat's layout, UTF-8 kept)."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def stale(paths: list[Path]) -> list[Path]:
    """The notebooks whose placeholders or folds are out of date."""
    out = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if dump(with_live_metadata(json.loads(text))) != text:
            out.append(path)
    return out


def main(argv: list[str]) -> int:
    paths = book.chapters()
    if "--check" in argv:
        old = stale(paths)
        for path in old:
            print(f"{path.relative_to(book.ROOT)}: run python -m editions.live", file=sys.stderr)
        return 1 if old else 0
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(dump(with_live_metadata(nb)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
