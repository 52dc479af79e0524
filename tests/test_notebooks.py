"""Notebook hygiene: committed clean, listed in the table of contents, and built on
the chapter skeleton that CONTRIBUTING.md describes."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

import pytest
import yaml

import helpers
from editions.book import BOOK, CODE_WIDTH, ROOT, read, source, toc_files

NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
PAGES = sorted(BOOK.glob("*.md"))
# The longest code cell a chapter may hold, in lines (CONTRIBUTING.md, point 3).
CELL_LINES = 25


def long_code_lines(cells: list[dict], width: int = CODE_WIDTH) -> list[str]:
    """One line per code line longer than width: cell and line, as ruff counts them.

    Cells are numbered from 1 over every cell of the notebook (markdown included)
    and lines from 1 within the cell, which is how ruff names a place in a notebook.
    """
    found = []
    for number, cell in enumerate(cells, start=1):
        if cell["cell_type"] != "code":
            continue
        for line_number, line in enumerate(source(cell).splitlines(), start=1):
            if len(line) > width:
                found.append(
                    f"cell {number}, line {line_number}: {len(line)} characters "
                    f"(limit {width}): {line.strip()[:60]!r}"
                )
    return found


def long_code_cells(cells: list[dict], limit: int = CELL_LINES) -> list[str]:
    """One line per code cell longer than limit lines: its index and its length.

    The index counts from 0 over every cell of the notebook (markdown included), as
    ``nb["cells"][index]`` addresses it; a cell's length is the number of lines of
    its source.
    """
    found = []
    for index, cell in enumerate(cells):
        length = len(source(cell).splitlines())
        if cell["cell_type"] == "code" and length > limit:
            found.append(f"cell index {index}: {length} lines (limit {limit})")
    return found


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks found in book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = read(path)
    dirty = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs or execution counts"
    assert "widgets" not in nb.get("metadata", {}), f"{path.name}: saved widget state"


def test_every_page_is_in_the_toc_and_every_toc_entry_exists():
    listed = set(toc_files())
    on_disk = {f"book/{p.stem}" for p in NOTEBOOKS + PAGES}
    assert on_disk - listed == set(), f"pages missing from _toc.yml: {sorted(on_disk - listed)}"
    assert listed - on_disk == set(), f"_toc.yml lists missing pages: {sorted(listed - on_disk)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_skeleton(path):
    cells = read(path)["cells"]
    markdown = "\n".join(source(c) for c in cells if c["cell_type"] == "markdown")
    code = [source(c) for c in cells if c["cell_type"] == "code"]
    titles = re.findall(r"^# \S.*$", markdown, flags=re.M)
    assert len(titles) == 1, f"{path.name}: needs exactly one '# Title', found {titles}"
    assert "What you'll learn" in markdown and "What you need" in markdown, path.name
    sections = re.findall(r"^## (\S.*?)\s*$", markdown, flags=re.M)
    for section in ("Summary", "Exercises"):
        assert sections.count(section) == 1, (
            f"{path.name}: needs exactly one '## {section}', found {sections.count(section)} "
            f"among its sections {sections}"
        )
    assert sections.index("Summary") < sections.index("Exercises"), (
        f"{path.name}: '## Summary' must come before '## Exercises'; sections: {sections}"
    )
    import_cells = [i for i, src in enumerate(code) if re.search(r"^(import|from) \w", src, re.M)]
    assert import_cells == [0], f"{path.name}: imports belong in the first code cell only"
    assert re.search(r"rng = np\.random\.default_rng\(", code[0]), "seeded rng in imports"
    assert not re.search(r"np\.random\.(seed|rand|randn|normal|uniform)\(", "\n".join(code))
    too_long = long_code_lines(cells)
    assert not too_long, (
        f"{path.name}: {len(too_long)} code line(s) wider than the book's code column "
        f"({CODE_WIDTH} characters, book/ruff.toml):\n" + "\n".join(too_long)
    )
    long_cells = long_code_cells(cells)
    assert not long_cells, (
        f"{path.name}: {len(long_cells)} code cell(s) longer than {CELL_LINES} lines; "
        "split each at a teaching point, or move the code into helpers:\n" + "\n".join(long_cells)
    )


def test_skeleton_check_catches_a_missing_or_misplaced_summary(tmp_path):
    """The skeleton check fails on chapter 2 without its Summary, and with its Summary
    moved after the Exercises."""
    nb = read(BOOK / "02_activations.ipynb")
    summary = [i for i, c in enumerate(nb["cells"]) if source(c).startswith("## Summary")]
    assert len(summary) == 1, "chapter 2 should hold its Summary in a cell of its own"
    cell = nb["cells"].pop(summary[0])
    broken = {
        "missing": (nb["cells"], "needs exactly one '## Summary', found 0"),
        "misplaced": (nb["cells"] + [cell], "'## Summary' must come before '## Exercises'"),
    }
    for name, (cells, message) in broken.items():
        path = tmp_path / f"02_{name}.ipynb"
        path.write_text(json.dumps({**nb, "cells": cells}), encoding="utf-8")
        with pytest.raises(AssertionError, match=re.escape(message)):
            test_chapter_skeleton(path)


def test_long_line_check_names_the_cell_and_the_line(tmp_path):
    """A line of the limit passes; one character more is reported by cell and line."""
    markdown = {"cell_type": "markdown", "source": ["# Title\n", "x" * 200]}
    code = {"cell_type": "code", "source": ["a = 1\n", "x" * CODE_WIDTH + "\n", "y" * 90]}
    assert long_code_lines([markdown, {**code, "source": code["source"][:2]}]) == []
    found = long_code_lines([markdown, code])
    assert found == [f"cell 2, line 3: 90 characters (limit {CODE_WIDTH}): {'y' * 60!r}"]
    assert long_code_lines([{"cell_type": "code", "source": "b = 2\n" + "z" * 79}], 78)


def test_cell_length_check_names_the_chapter_the_cell_and_its_length(tmp_path):
    """A code cell of the limit passes; one line more fails the skeleton check, which
    names the chapter, the cell's index and its length. Long markdown is no concern."""
    markdown = {"cell_type": "markdown", "source": "prose\n" * 40}
    code = {"cell_type": "code", "source": ["a = 1\n"] * CELL_LINES}
    assert long_code_cells([markdown, code]) == []
    longer = {**code, "source": code["source"] + ["b = 2"]}
    assert long_code_cells([markdown, longer]) == [
        f"cell index 1: {CELL_LINES + 1} lines (limit {CELL_LINES})"
    ]
    nb = read(BOOK / "04_backprop.ipynb")
    index = max(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    cell = nb["cells"][index]
    padding = CELL_LINES + 1 - len(source(cell).splitlines())
    cell["source"] = source(cell) + "\n" + "b = 2\n" * (padding - 1) + "b = 2"
    path = tmp_path / "04_backprop.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    heading = f"04_backprop.ipynb: 1 code cell(s) longer than {CELL_LINES} lines"
    with pytest.raises(AssertionError, match=re.escape(heading)) as failure:
        test_chapter_skeleton(path)
    assert f"cell index {index}: {CELL_LINES + 1} lines (limit {CELL_LINES})" in str(failure.value)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_have_wrapped_solutions(path):
    markdown = [source(c) for c in read(path)["cells"] if c["cell_type"] == "markdown"]
    text = "\n".join(markdown)
    exercises = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", text)
    solutions = re.findall(r"```\{solution-start\} (\S+)", text)
    assert len(exercises) >= 3, f"{path.name}: {len(exercises)} exercises, need >= 3"
    assert sorted(solutions) == sorted(exercises), f"{path.name}: {exercises} vs {solutions}"
    assert text.count("{solution-start}") == text.count("{solution-end}")


def test_nothing_edits_sys_path():
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("book", "helpers", "tests")
        for p in (ROOT / folder).rglob("*")
        if p.suffix in {".py", ".ipynb"}
        and p.name != Path(__file__).name
        and re.search(r"sys\.path\.(append|insert)", p.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"these edit sys.path: {offenders}"


def _shown_helperssource() -> list[tuple[str, object]]:
    """The helpers objects whose source a chapter prints (inspect.getsource(X.y))."""
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(helpers.__path__, "helpers.")
    ]
    shown = []
    for path in NOTEBOOKS:
        code = "\n".join(source(c) for c in read(path)["cells"] if c["cell_type"] == "code")
        for dotted in re.findall(r"inspect\.getsource\(([\w.]+)\)", code):
            head, *rest = dotted.split(".")
            owners = [m for m in [helpers, *modules] if hasattr(m, head)]
            assert owners, f"{path.name} prints the source of {dotted}, not found in helpers"
            obj = getattr(owners[0], head)
            for attr in rest:
                obj = getattr(obj, attr)
            shown.append((f"{path.name}: {dotted}", obj))
    return shown


def test_helpers_source_shown_in_the_book_fits_the_column():
    """Code of helpers that a chapter prints obeys the chapters' line limit too."""
    shown = _shown_helperssource()
    assert shown, "no chapter prints helpers' source: drop this test or the regex is wrong"
    too_long = [
        f"{where}, line {n}: {len(line)} characters (limit {CODE_WIDTH})"
        for where, obj in shown
        for n, line in enumerate(inspect.getsource(obj).splitlines(), start=1)
        if len(line) > CODE_WIDTH
    ]
    assert not too_long, "\n".join(too_long)


# --- The prose's inserted values: forms that the build and a live notebook both render.

EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")


def _eval_pattern() -> re.Pattern:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "inline", "{eval} needs inline execution"
    return re.compile(config["sphinx"]["config"]["nb_eval_name_regex"])


def _assigned_names(code: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(code.replace("%matplotlib inline", ""))):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
    return names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_uses_only_live_renderable_forms(path):
    """No glue (jupyterlab-myst cannot show it); every inserted value an {eval} of one
    name or one quoted key, computed in an earlier code cell, so that myst-nb's inline
    execution and a live kernel evaluate it at the same point of the chapter."""
    pattern = _eval_pattern()
    defined: set[str] = set()
    problems = []
    for index, cell in enumerate(read(path)["cells"]):
        text = source(cell)
        if cell["cell_type"] == "code":
            if "glue" in text or "myst_nb" in text:
                problems.append(f"code cell {index} still uses glue")
            if text.rstrip().endswith(";"):
                problems.append(f"code cell {index} ends with ';', silencing the next {{eval}}")
            defined |= _assigned_names(text)
            continue
        if re.search(r"\{glue(:\w+)?\}", text):
            problems.append(f"markdown cell {index} uses a glue role")
        for expr in EVAL_ROLE.findall(text):
            match = pattern.match(expr)
            if not match:
                problems.append(f"markdown cell {index}: {expr!r} is not of the allowed form")
                continue
            name = match.group(1).split("[")[0]
            if name not in defined:
                problems.append(f"markdown cell {index}: {name!r} is quoted before it exists")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_live_renderable_check_catches_the_old_forms(tmp_path, monkeypatch):
    """The check above fails on a chapter written the old way."""
    nb = {
        "cells": [
            {"cell_type": "code", "source": "x = 1\nglue('x', x, display=False)"},
            {"cell_type": "markdown", "source": '{glue:text}`x:.2f` and {eval}`f"{y:.2f}"`'},
        ]
    }
    bad = tmp_path / "99_bad.ipynb"
    bad.write_text(json.dumps(nb))
    with pytest.raises(AssertionError) as caught:
        test_prose_uses_only_live_renderable_forms(bad)
    message = str(caught.value)
    assert "still uses glue" in message and "glue role" in message
    assert "'y' is quoted before it exists" in message


def test_live_notebooks_show_placeholders_and_fold_solutions():
    """Each {eval} of a committed notebook has a "[run the code above]" placeholder and
    nothing else is stored; the code cells of each solution, and only those, are folded
    (regenerate both with `python -m editions.live`)."""
    from editions import live

    assert live.stale(NOTEBOOKS) == [], "run: python -m editions.live"
    for path in NOTEBOOKS:
        folded = 0
        for cell in read(path)["cells"]:
            for entry in cell["metadata"].get("user_expressions", []):
                assert entry["result"]["data"] == {"text/plain": live.PLACEHOLDER}
            hidden = cell["metadata"].get("jupyter", {}).get("source_hidden", False)
            assert not (hidden and cell["cell_type"] == "markdown"), "folded Markdown"
            folded += hidden
        assert folded >= 3, f"{path.name}: only {folded} folded solution cells"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_is_valid_nbformat_without_warnings(path: Path):
    """A cell without an id (nbformat 4.5) makes every build log a MissingIDFieldWarning."""
    import warnings

    import nbformat

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
