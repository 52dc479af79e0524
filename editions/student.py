"""The student edition: the book's exercises without their solutions.

Generated from the chapter notebooks, nothing kept by hand:

- **student notebooks** (:func:`make_student_notebooks`): each chapter with every
  solution (the cells between ``{solution-start}`` and ``{solution-end}``) replaced by
  two cells. The *answer* cell names what the student defines (the variables, or a
  function's signature) and ends with ``raise NotImplementedError``. The *check* cell
  runs the solution's own assertions inside :func:`helpers.exercises.check`, which
  prints "correct" or one sentence saying what is wrong;
- **student HTML** (:func:`build_html`): a second Jupyter Book build of the same
  sources, from the same execution cache, with ``_ext/student_edition.py`` removing
  every solution and linking each page's student notebook;
- a **zip** of the student notebooks, for teachers.

Everything goes to ``_build/html/student/``.

How a solution splits. A solution's *check* is its top-level ``assert`` statements
(and calls of ``assert_*`` functions such as ``np.testing.assert_allclose``); the rest
of its code is the *answer*. The names the check reads that the answer defines are
what the student must define; the stub lists exactly those. An assert inside a loop,
a function or a condition would be invisible to this rule, so it is refused, as is a
check that reads nothing the answer defines (it would pass without an answer).
"""

from __future__ import annotations

import ast
import copy
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from editions import book
from editions.book import BUILD, ROOT, chapters

OUTPUT = book.SITE / "student"
NOTEBOOKS_DIR = "notebooks"
ZIP_NAME = "student-notebooks.zip"

SOLUTION_START = re.compile(
    r"^(?P<fence>`{3,})\{solution-start\}[ \t]+(?P<label>[^\s`]+)[^\n]*\n"
    r"(?:[^\n]*\n)*?(?P=fence)[ \t]*(?:\n|$)",
    re.M,
)
SOLUTION_END = re.compile(
    r"^(?P<fence>`{3,})\{solution-end\}[^\n]*\n(?:[^\n]*\n)*?(?P=fence)[ \t]*(?:\n|$)", re.M
)
EXERCISE_LABEL = re.compile(
    r"^(`{3,}|:{3,})\{exercise\}[^\n]*\n(?::[^\n]*\n)*?:label:\s*(\S+)", re.M
)

NOTE = (
    "**Student edition.** This chapter's exercises come without their solutions. Under "
    "each exercise an *answer cell* names what to define; it raises `NotImplementedError` "
    "until you replace it with your code. The *check cell* after it prints *correct*, or "
    "says in a sentence what is still wrong. The exercises use the chapter's earlier "
    "cells: run those first (Run > Run All Above Selected Cell)."
)


# --- splitting one solution -----------------------------------------------------------


@dataclass
class Solution:
    """One exercise's solution, split into the answer and the check."""

    chapter: str
    label: str
    code: list[str] = field(default_factory=list)  # the solution's code cells, as written
    prose: list[str] = field(default_factory=list)  # its markdown, which the student never sees
    answer: list[str] = field(default_factory=list)  # each code cell without its checks
    checks: list[str] = field(default_factory=list)  # the check statements' source
    reads: list[str] = field(default_factory=list)  # names the check reads from the answer
    signatures: dict[str, str] = field(default_factory=dict)  # function name -> "name(args)"
    number: str = ""  # as the HTML book numbers it, e.g. "1.3"

    @property
    def title(self) -> str:
        """``Exercise 1.3 (ex-nn-rank)``, or ``Exercise ex-nn-rank`` without a number."""
        return f"Exercise {self.number} ({self.label})" if self.number else f"Exercise {self.label}"

    @property
    def stub(self) -> str:
        """The answer cell's source: what to define, then ``raise NotImplementedError``."""
        names = ", ".join(f"`{self.signatures.get(n, n)}`" for n in self.reads)
        header = (
            f"{self.title}: your answer. The check below reads {names}. Replace each "
            "placeholder with your code, then delete the last line."
        )
        lines = [f"# {line}" for line in textwrap.wrap(header, width=86)]
        for name in self.reads:
            if name in self.signatures:
                if lines[-1] != "" and not lines[-1].startswith("#"):
                    lines += ["", ""]
                lines += [
                    f"def {self.signatures[name]}:",
                    f'    raise NotImplementedError("{name}: write its body")',
                    "",
                    "",
                ]
            else:
                lines.append(f"{name} = ...")
        lines.append(f'raise NotImplementedError("{self.label}: write your answer in this cell")')
        return "\n".join(lines)

    @property
    def check_cell(self) -> str:
        """The check cell's source: the solution's assertions inside ``check``."""
        reads = ", ".join(f'"{name}"' for name in self.reads)
        body = "\n".join(textwrap.indent(statement, "    ") for statement in self.checks)
        return (
            f"# Check {self.title[0].lower()}{self.title[1:]}: run this cell after your answer.\n"
            "from helpers.exercises import check\n"
            "\n"
            f'with check("{self.label}", reads=[{reads}]):\n'
            f"{body}"
        )


def _is_check(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Assert):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        func = statement.value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name.startswith("assert")
    return False


def _bound_names(statements: list[ast.stmt]) -> list[str]:
    """Names the statements bind in the notebook's namespace, in order of binding."""
    names: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
            return  # what a body binds stays local
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp)):
            return
        if isinstance(node, ast.GeneratorExp):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.extend((a.asname or a.name).split(".")[0] for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    for statement in statements:
        visit(statement)
    return list(dict.fromkeys(names))


def _read_names(node: ast.AST) -> list[str]:
    """Names a statement reads from outside (not those its comprehensions bind)."""
    local = {
        n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    for n in ast.walk(node):
        if isinstance(n, ast.Lambda):
            local.update(a.arg for a in n.args.args)
    read = [
        n.id
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local
    ]
    return list(dict.fromkeys(read))


def split_solution(solution: Solution) -> Solution:
    """Fill ``answer``, ``checks``, ``reads`` and ``signatures`` from ``solution.code``."""
    where = f"{solution.chapter}, solution of {solution.label}"
    if not solution.code:
        raise ValueError(f"{where}: the solution has no code cell, so nothing can check it")
    answer_statements: list[ast.stmt] = []
    for source in solution.code:
        tree = ast.parse(source)
        lines = source.splitlines(keepends=True)
        drop: set[int] = set()
        for statement in tree.body:
            if _is_check(statement):
                solution.checks.append(ast.get_source_segment(source, statement) or "")
                end = statement.end_lineno or statement.lineno
                drop.update(range(statement.lineno - 1, end))
            else:
                nested = [n for n in ast.walk(statement) if isinstance(n, ast.Assert)]
                if nested:
                    raise ValueError(
                        f"{where}: an assert at line {nested[0].lineno} is inside a "
                        "block; the student edition checks only top-level asserts, so "
                        "move it out (collect the values in the loop, assert after it)"
                    )
                answer_statements.append(statement)
        kept = "".join(line for i, line in enumerate(lines) if i not in drop)
        solution.answer.append(kept.strip("\n") + "\n")
    if not solution.checks:
        raise ValueError(f"{where}: the solution asserts nothing at top level")
    bound = _bound_names(answer_statements)
    read: list[str] = []
    for check in solution.checks:
        read += _read_names(ast.parse(check))
    solution.reads = [name for name in bound if name in read]
    if not solution.reads:
        raise ValueError(
            f"{where}: its checks read nothing the answer defines, so they would pass "
            "without an answer"
        )
    for statement in answer_statements:
        if isinstance(statement, ast.FunctionDef) and statement.name in solution.reads:
            returns = f" -> {ast.unparse(statement.returns)}" if statement.returns else ""
            solution.signatures[statement.name] = (
                f"{statement.name}({ast.unparse(statement.args)}){returns}"
            )
    return solution


# --- one notebook ----------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _walk(notebook: dict, chapter: str) -> Iterator[tuple[str, Any, dict]]:
    """The notebook's content in order: ("cell", cell, origin), ("markdown", text,
    origin) for the kept part of a markdown cell, ("solution", Solution, origin)."""
    current: Solution | None = None
    for cell in notebook["cells"]:
        text = book.source(cell)
        if cell["cell_type"] != "markdown":
            if current is None:
                yield "cell", cell, cell
            elif cell["cell_type"] == "code":
                current.code.append(text)
            continue
        position = 0
        while True:
            if current is None:
                match = SOLUTION_START.search(text, position)
                if match is None:
                    yield "markdown", text[position:], cell
                    break
                yield "markdown", text[position : match.start()], cell
                current = Solution(chapter, match["label"])
            else:
                match = SOLUTION_END.search(text, position)
                if match is None:
                    current.prose.append(text[position:])
                    break
                current.prose.append(text[position : match.start()])
                yield "solution", split_solution(current), cell
                current = None
            position = match.end()
    if current is not None:
        raise ValueError(f"{chapter}: the solution of {current.label} has no solution-end")


def solutions(path: Path) -> list[Solution]:
    """Every solution of a chapter notebook, split into answer and check."""
    notebook = book.read(path)
    return [item for kind, item, _ in _walk(notebook, path.stem) if kind == "solution"]


def exercise_labels(path: Path) -> list[str]:
    """The labels of a chapter's ``{exercise}`` directives, in order."""
    notebook = book.read(path)
    text = "\n".join(book.source(c) for c in notebook["cells"] if c["cell_type"] == "markdown")
    return [m.group(2) for m in EXERCISE_LABEL.finditer(text)]


def _new_cell(notebook: dict, kind: str, source: str, cell_id: str, **metadata: object) -> dict:
    cell: dict = {"cell_type": kind, "metadata": dict(metadata), "source": _lines(source)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    if (notebook["nbformat"], notebook["nbformat_minor"]) >= (4, 5):
        cell["id"] = cell_id
    return cell


def student_notebook(path: Path, number: int | None = None) -> dict:
    """The student version of one chapter notebook, as a notebook dictionary.

    number: the chapter's number in the book, to number the exercises as the HTML book
    does (``Exercise 1.3``); by default, the chapter's place in ``_toc.yml``, if listed.
    """
    if number is None:
        listed = [p.resolve() for p in chapters()]
        number = listed.index(path.resolve()) + 1 if path.resolve() in listed else None
    labels = exercise_labels(path)
    notebook = book.read(path)
    cells: list[dict] = []
    pieces: dict[int, int] = {}  # how many markdown cells each original cell became
    for kind, item, origin in _walk(notebook, path.stem):
        if kind == "cell":
            cell = copy.deepcopy(item)
            if cell["cell_type"] == "code":
                cell.update(execution_count=None, outputs=[])
            cells.append(cell)
        elif kind == "markdown":
            text = item.strip("\n")
            if not text.strip():
                continue
            count = pieces.get(id(origin), 0)
            pieces[id(origin)] = count + 1
            base = origin.get("id", "cell")
            cell_id = base if count == 0 else f"{base}-{count}"
            cell = _new_cell(notebook, "markdown", text, cell_id, **origin.get("metadata", {}))
            cells.append(cell)
        else:
            label = item.label
            if number is not None:
                item.number = f"{number}.{labels.index(label) + 1}"
            for role, source in (("answer", item.stub), ("check", item.check_cell)):
                cells.append(
                    _new_cell(
                        notebook,
                        "code",
                        source,
                        f"{role}-{label}",
                        tags=[f"exercise-{role}"],
                        exercise=label,
                    )
                )
    cells.insert(1, _new_cell(notebook, "markdown", NOTE, "student-edition-note"))
    student = {key: value for key, value in notebook.items() if key != "cells"}
    student["cells"] = cells
    return student


def dumps(notebook: dict) -> str:
    """A student notebook's JSON: as Jupyter writes it, keys in a stable order."""
    return book.dumps(notebook, sort_keys=True)


def make_student_notebooks(out_dir: Path) -> list[Path]:
    """Write every chapter's student notebook into ``out_dir``; return their paths.

    Pure Python, no execution; the same sources give byte-identical files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for number, path in enumerate(chapters(), start=1):
        target = out_dir / path.name
        target.write_text(dumps(student_notebook(path, number)), encoding="utf-8")
        written.append(target)
    return written


def make_zip(notebooks: list[Path], target: Path) -> Path:
    """A zip of the student notebooks with fixed dates, so that it is reproducible."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(notebooks):
            info = zipfile.ZipInfo(
                f"student-notebooks/{path.name}", date_time=(2000, 1, 1, 0, 0, 0)
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return target


# --- the student HTML -----------------------------------------------------------------


def student_config() -> dict:
    """``_config.yml`` with the student edition's overrides (all of the "html" kind)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = f"{config['title']} (student edition)"
    config.pop("launch_buttons", None)  # they would open the full notebooks
    sphinx = config.setdefault("sphinx", {})
    # The config file is written to _build/student/; relative extension paths would
    # resolve from there.
    extensions = sphinx.get("local_extensions", {})
    for name, folder in extensions.items():
        extensions[name] = str((ROOT / folder).resolve())
    sphinx.setdefault("config", {}).update(
        student_edition=True,
        student_notebooks_dir=NOTEBOOKS_DIR,
        student_notebooks_zip=ZIP_NAME,
    )
    return config


def build_html(output: Path = OUTPUT, quiet: bool = False) -> str:
    """Build the student HTML book (warnings as errors) into ``output``; return its log.

    The build starts from a copy of the full build's environment (``_build/.doctrees``)
    when there is one, so no chapter is read or executed again: the pages are only
    written anew, without their solutions. Without it, the build reads and executes
    everything itself. quiet: the log is kept, not printed.
    """
    work = BUILD / "student"
    work.mkdir(parents=True, exist_ok=True)
    config_path = work / "_config.yml"
    config_path.write_text(yaml.safe_dump(student_config(), sort_keys=False), encoding="utf-8")
    doctrees = work / "_build" / ".doctrees"
    if doctrees.exists():
        shutil.rmtree(doctrees)
    if (BUILD / ".doctrees" / "environment.pickle").is_file():
        shutil.copytree(BUILD / ".doctrees", doctrees)
    html = work / "_build" / "html"
    if html.exists():
        shutil.rmtree(html)
    command = book.build_command(ROOT, "--config", str(config_path), "--path-output", str(work))
    print("+", " ".join(command), flush=True)
    returncode, log = book.run_logged(command, quiet=quiet)
    if returncode:
        if quiet:
            print(log[-4000:], file=sys.stderr)
        raise subprocess.CalledProcessError(returncode, command, log)
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(html, output)
    return log


def build(quiet: bool = False) -> str:
    """The whole student edition under ``_build/html/student/``; returns the HTML log."""
    log = build_html(quiet=quiet)
    notebooks = make_student_notebooks(OUTPUT / NOTEBOOKS_DIR)
    make_zip(notebooks, OUTPUT / ZIP_NAME)
    checked = sum(len(solutions(path)) for path in chapters())
    print(f"student edition: {len(notebooks)} notebooks, {checked} exercises with a check")
    return log
