"""Notebook hygiene: committed clean, listed in the table of contents, and built on
the chapter skeleton that CONTRIBUTING.md describes."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import BOOK, ROOT

NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
PAGES = sorted(BOOK.glob("*.md"))


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return files


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks found in book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs or execution counts"
    assert "widgets" not in nb.get("metadata", {}), f"{path.name}: saved widget state"


def test_every_page_is_in_the_toc_and_every_toc_entry_exists():
    listed = set(_toc_files())
    on_disk = {f"book/{p.stem}" for p in NOTEBOOKS + PAGES}
    assert on_disk - listed == set(), f"pages missing from _toc.yml: {sorted(on_disk - listed)}"
    assert listed - on_disk == set(), f"_toc.yml lists missing pages: {sorted(listed - on_disk)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_skeleton(path):
    cells = _cells(path)
    markdown = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown")
    code = [_source(c) for c in cells if c["cell_type"] == "code"]
    titles = re.findall(r"^# \S.*$", markdown, flags=re.M)
    assert len(titles) == 1, f"{path.name}: needs exactly one '# Title', found {titles}"
    assert "What you'll learn" in markdown and "What you need" in markdown, path.name
    import_cells = [i for i, src in enumerate(code) if re.search(r"^(import|from) \w", src, re.M)]
    assert import_cells == [0], f"{path.name}: imports belong in the first code cell only"
    assert re.search(r"rng = np\.random\.default_rng\(", code[0]), "seeded rng in imports"
    assert not re.search(r"np\.random\.(seed|rand|randn|normal|uniform)\(", "\n".join(code))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_have_wrapped_solutions(path):
    markdown = [_source(c) for c in _cells(path) if c["cell_type"] == "markdown"]
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
    for index, cell in enumerate(_cells(path)):
        text = _source(cell)
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
        for cell in _cells(path):
            for entry in cell["metadata"].get("user_expressions", []):
                assert entry["result"]["data"] == {"text/plain": live.PLACEHOLDER}
            hidden = cell["metadata"].get("jupyter", {}).get("source_hidden", False)
            assert not (hidden and cell["cell_type"] == "markdown"), "folded Markdown"
            folded += hidden
        assert folded >= 3, f"{path.name}: only {folded} folded solution cells"
