"""The student edition's notebooks: no solution in them, and checks that tell right from wrong.

The student HTML is tested in test_site.py, after the full book's build it reuses.
"""

from __future__ import annotations

import ast
import builtins
import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from editions import book, student
from editions.book import ROOT, chapters
from tests.support.student_edition import leaks, normalise, round_trip, solution_fragments

CHAPTERS = chapters()
IDS = [path.stem for path in CHAPTERS]


def _cells(notebook: dict, tag: str) -> list[dict]:
    return [c for c in notebook["cells"] if tag in c.get("metadata", {}).get("tags", [])]


def _text(notebook: dict) -> str:
    return normalise("\n".join(book.source(c) for c in notebook["cells"]))


def test_every_chapter_is_in_the_student_edition():
    numbered = (ROOT / "book").glob("[0-9][0-9]_*.ipynb")  # 01_... to 10_... and on
    assert [p.name for p in CHAPTERS] == sorted(p.name for p in numbered)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_every_exercise_has_a_solution_with_a_code_check(chapter: Path):
    solutions = student.solutions(chapter)
    assert [s.label for s in solutions] == student.exercise_labels(chapter)
    assert len(solutions) >= 3
    for solution in solutions:
        assert solution.checks and solution.reads, solution.label


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_student_notebook_has_no_solution_code_or_prose(chapter: Path):
    notebook = student.student_notebook(chapter)
    fragments = solution_fragments(chapter)
    assert all(fragments.values()), "every solution should have something to look for"
    text = _text(notebook)
    assert not leaks(text, fragments)
    assert "{solution-start}" not in text and "{solution-end}" not in text
    # The finder finds: in the full notebook it reports every fragment.
    full = _text(json.loads(chapter.read_text(encoding="utf-8")))
    assert len(leaks(full, fragments)) == sum(len(f) for f in fragments.values())


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_answer_cells_name_what_to_define_and_raise(chapter: Path):
    notebook = student.student_notebook(chapter)
    nbformat.validate(nbformat.reads(student.dumps(notebook), as_version=4))
    answers, checks = _cells(notebook, "exercise-answer"), _cells(notebook, "exercise-check")
    solutions = student.solutions(chapter)
    assert len(answers) == len(checks) == len(solutions)
    for answer, check, solution in zip(answers, checks, solutions, strict=True):
        stub, check_source = book.source(answer), book.source(check)
        tree = ast.parse(stub)
        last = tree.body[-1]
        assert isinstance(last, ast.Raise) and ast.unparse(last.exc.func) == "NotImplementedError"
        defined = student._bound_names(tree.body)
        assert defined == solution.reads, solution.label
        for signature in solution.signatures.values():
            assert f"def {signature}:" in stub
        assert solution.label in stub.splitlines()[0]
        with_block = ast.parse(check_source).body[-1]
        assert isinstance(with_block, ast.With)
        assert [ast.unparse(s) for s in with_block.body] == [
            ast.unparse(ast.parse(c).body[0]) for c in solution.checks
        ]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_checks_read_only_their_answer_and_the_chapter(chapter: Path):
    """A check must not depend on another exercise's solution, which students lack."""
    notebook = json.loads(chapter.read_text(encoding="utf-8"))
    chapter_code = [
        book.source(item)
        for kind, item, _ in student._walk(notebook, chapter.stem)
        if kind == "cell" and item["cell_type"] == "code"
    ]
    defined = set(dir(builtins))
    for source in chapter_code:
        python = "\n".join(
            "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
        )  # IPython magics are not Python
        defined.update(student._bound_names(ast.parse(python).body))
    for solution in student.solutions(chapter):
        read = {n for c in solution.checks for n in student._read_names(ast.parse(c))}
        missing = read - defined - set(solution.reads)
        assert not missing, f"{solution.label}: the check reads {sorted(missing)}"


def test_generation_is_identical_on_two_runs(tmp_path: Path):
    first = student.make_student_notebooks(tmp_path / "a")
    second = student.make_student_notebooks(tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in CHAPTERS]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    zips = [
        student.make_zip(first, tmp_path / "a.zip"),
        student.make_zip(second, tmp_path / "b.zip"),
    ]
    assert zips[0].read_bytes() == zips[1].read_bytes()
    with zipfile.ZipFile(zips[0]) as archive:
        names = archive.namelist()
        assert names == [f"student-notebooks/{p.name}" for p in sorted(first)]
        assert archive.read(names[0]) == sorted(first)[0].read_bytes()


# --- the splitting rules, on small made-up solutions -----------------------------------


def _split(*code: str) -> student.Solution:
    return student.split_solution(student.Solution("chapter", "ex-test", code=list(code)))


def test_split_keeps_top_level_asserts_as_the_check():
    solution = _split(
        "def f(x, scale=2.0):\n    return scale * x\n\n\nvalue = f(3.0)\nprint(value)\n"
        "assert value == 6.0\nnp.testing.assert_allclose(\n    f(1.0), 2.0\n)\n"
    )
    assert solution.checks == [
        "assert value == 6.0",
        "np.testing.assert_allclose(\n    f(1.0), 2.0\n)",
    ]
    assert solution.reads == ["f", "value"]
    assert solution.signatures == {"f": "f(x, scale=2.0)"}
    assert "assert" not in solution.answer[0] and "print(value)" in solution.answer[0]
    assert "def f(x, scale=2.0):\n    raise NotImplementedError" in solution.stub
    assert solution.stub.splitlines()[-1].startswith("raise NotImplementedError(")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("for a in (1, 2):\n    assert a > 0\n", "inside a block"),
        ("value = 1\nprint(value)\n", "asserts nothing"),
        ("value = 1\nassert 2 > 1\n", "read nothing the answer defines"),
    ],
)
def test_split_refuses_what_it_cannot_check(code: str, reason: str):
    with pytest.raises(ValueError, match=reason):
        _split(code)


def test_a_notebook_with_shared_cells_splits_cleanly(tmp_path: Path):
    """Exercise and solution-start in one cell, solution-end and the next exercise in another."""
    cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_markdown_cell(
            "```{exercise}\n:label: ex-one\n\nCompute two.\n```\n\n"
            "```{solution-start} ex-one\n:class: dropdown\n```\n\nSECRET PROSE one two."
        ),
        nbformat.v4.new_code_cell("two = 1 + 1\nassert two == 2"),
        nbformat.v4.new_markdown_cell(
            "```{solution-end}\n```\n\n```{exercise}\n:label: ex-two\n\nThree.\n```\n\n"
            "```{solution-start} ex-two\n```"
        ),
        nbformat.v4.new_code_cell("three = two + 1\nassert three == 3"),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```\n\nThe end."),
    ]
    path = tmp_path / "00_test.ipynb"
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=cells)), encoding="utf-8")
    notebook = student.student_notebook(path)
    kinds = [(c["cell_type"], c["metadata"].get("tags", [""])[0]) for c in notebook["cells"]]
    assert kinds == [
        ("markdown", ""),  # the title
        ("markdown", ""),  # the student-edition note
        ("code", ""),
        ("markdown", ""),  # exercise one
        ("code", "exercise-answer"),
        ("code", "exercise-check"),
        ("markdown", ""),  # exercise two
        ("code", "exercise-answer"),
        ("code", "exercise-check"),
        ("markdown", ""),  # "The end."
    ]
    text = _text(notebook)
    assert "SECRET" not in text and "1 + 1" not in text and "two + 1" not in text
    assert "Compute two." in text and "The end." in text
    assert len({c["id"] for c in notebook["cells"]}) == len(notebook["cells"])
    # ex-two's check reads `three`, which its own answer defines; `two` comes from ex-one.
    assert student.solutions(path)[1].reads == ["three"]


# --- the round trip: each chapter once, stubs then solutions ---------------------------


@pytest.mark.slow  # runs every chapter's exercises twice
@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_checks_fail_clearly_on_stubs_and_pass_with_the_solution(chapter: Path):
    """Each check fails in a sentence on its stub and passes with its solution put back.

    The solutions are put back with a reseeded ``rng``: a student who ran other cells
    first draws other random numbers, and a right answer must still pass. (With the
    chapter's own stream the checks are the solutions' asserts, which every run of the
    chapter executes.)
    """
    outcomes = round_trip(chapter, reseed=7)
    assert list(outcomes) == [s.label for s in student.solutions(chapter)]
    for label, outcome in outcomes.items():
        assert outcome.stub_error.startswith("NotImplementedError"), (label, outcome)
        assert outcome.on_stub.startswith(f"\N{BALLOT X} {label}: not correct yet."), outcome
        assert "Traceback" not in outcome.on_stub and outcome.on_stub.count("\n") == 1
        assert not outcome.solution_errors, (label, outcome.solution_errors)
        assert outcome.on_solution == f"\N{CHECK MARK} {label}: correct.\n", (label, outcome)
