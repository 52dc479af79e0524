"""What the student-edition tests share: the round trip, and the solution-text finder.

``round_trip`` runs a student notebook in one kernel: the untouched stubs and their
checks first, then each solution put back and its check again. It can also be run by
hand: ``python -m tests.support.student_edition book/01_neural_networks.ipynb``.
"""

from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import nbformat

from editions import book, student
from editions.kernels import kernel


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


def round_trip(chapter: Path, timeout: int = 120, reseed: int | None = None) -> dict[str, Outcome]:
    """Execute ``chapter``'s student notebook, then put each solution back and re-check.

    The chapter's own cells run once, in order (an error there fails). Each exercise's
    answer stub runs (it must raise) and its check runs on it; then, in the same kernel,
    each solution's answer code runs in place of the stub and its check runs again.
    With ``reseed``, the chapter's ``rng`` is replaced by a generator of that seed before
    each solution, as if a student had drawn other random numbers first.
    """
    notebook = nbformat.reads(student.dumps(student.student_notebook(chapter)), as_version=4)
    solutions = {s.label: s for s in student.solutions(chapter)}
    outcomes: dict[str, Outcome] = {}
    checks: dict[str, dict] = {}
    with kernel(notebook, chapter.parent, timeout=timeout, allow_errors=True) as client:
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
            if reseed is not None:
                client.execute_cell(
                    _append(notebook, f"rng = np.random.default_rng({reseed})"),
                    len(notebook.cells) - 1,
                )
            for code in solution.answer:
                restored = _append(notebook, code)
                client.execute_cell(restored, len(notebook.cells) - 1)
                if _error(restored):
                    outcome.solution_errors.append(_error(restored))
            check = _append(notebook, book.source(checks[label]))
            client.execute_cell(check, len(notebook.cells) - 1)
            outcome.on_solution = _text(check)
    return outcomes


# --- solution text --------------------------------------------------------------------


def normalise(text: str) -> str:
    """Whitespace collapsed, typographic quotes made plain: text as a page shows it."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
    return " ".join(text.replace("\u201d", '"').split())


def page_text(markup: str) -> str:
    """The visible text of an HTML page (or any file), tags removed, entities decoded."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    return normalise(html.unescape(re.sub(r"<[^>]+>", "", markup)))


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _PageSplitter(HTMLParser):
    """Collects a page's text, apart for what lies inside elements of a given class."""

    def __init__(self, css_class: str) -> None:
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.stack: list[tuple[str, bool]] = []  # (tag, inside the class)
        self.outside: list[str] = []
        self.inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            return
        classes = (dict(attrs).get("class") or "").split()
        inside = (bool(self.stack) and self.stack[-1][1]) or self.css_class in classes
        self.stack.append((tag, inside))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if any(tag in {"script", "style"} for tag, _ in self.stack):
            return
        (self.inside if self.stack and self.stack[-1][1] else self.outside).append(data)


def split_page(markup: str, css_class: str = "solution") -> tuple[str, str]:
    """A page's text outside and inside the elements of ``css_class``, lines kept."""
    parser = _PageSplitter(css_class)
    parser.feed(markup)
    parser.close()
    return "".join(parser.outside), "".join(parser.inside)


def html_solution_lines(markup: str, elsewhere: str) -> list[str]:
    """The lines of a full page's solutions (prose, code, outputs) not found ``elsewhere``."""
    lines = [normalise(line) for line in split_page(markup)[1].splitlines()]
    return [line for line in dict.fromkeys(lines) if len(line) >= 12 and line not in elsewhere]


def outside_solutions(chapter: Path) -> str:
    """Everything of the full notebook that is not inside a solution."""
    notebook = book.read(chapter)
    parts = []
    for kind, item, _ in student._walk(notebook, chapter.stem):
        if kind == "markdown":
            parts.append(item)
        elif kind == "cell":
            parts.append(book.source(item))
    return normalise("\n".join(parts))


def solution_fragments(chapter: Path) -> dict[str, list[str]]:
    """Per exercise, the pieces of its solution that must not reach a student.

    Every line of the answer code (not the checks, which the student edition keeps;
    not ``def`` lines, whose signature the stub gives), and every run of six or more
    plain words of the solution's prose; minus what also appears outside solutions.
    """
    outside = outside_solutions(chapter)
    fragments: dict[str, list[str]] = {}
    for solution in student.solutions(chapter):
        found = []
        for line in "\n".join(solution.answer).splitlines():
            line = normalise(line)
            if len(line) >= 8 and not line.startswith(("#", "def ")):
                found.append(line)
        for prose in solution.prose:
            found += re.findall(r"[A-Za-z]+(?:,? [A-Za-z]+){5,}", normalise(prose))
        fragments[solution.label] = [f for f in dict.fromkeys(found) if f not in outside]
    return fragments


def leaks(text: str, fragments: dict[str, list[str]]) -> list[str]:
    """The fragments that occur in ``text`` (already normalised), named by exercise."""
    return [f"{label}: {f}" for label, items in fragments.items() for f in items if f in text]


if __name__ == "__main__":
    for name in sys.argv[1:]:
        for outcome in round_trip(Path(name).resolve()).values():
            print(outcome)
