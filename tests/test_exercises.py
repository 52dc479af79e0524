"""helpers.exercises: the student edition's check says right or wrong in one sentence."""

from __future__ import annotations

import linecache

import numpy as np
import pytest

from helpers.exercises import FAIL_MARK, PASS_MARK, check, checked, describe


def _run_cell(source: str, namespace: dict, name: str) -> None:
    """Run ``source`` as a notebook cell would: compiled under a name linecache knows."""
    filename = f"<cell {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def _check(answer: str, body: str, reads: list[str], capsys) -> tuple[object, str]:
    namespace = {"np": np, "check": check}
    _run_cell(answer, namespace, "answer")
    indented = "\n".join("    " + line for line in body.splitlines())
    _run_cell(
        f"with check('ex-test', reads={reads!r}) as result:\n{indented}\n", namespace, "check"
    )
    return namespace["result"], capsys.readouterr().out


def test_a_right_answer_is_correct(capsys):
    result, out = _check("rank = 2", "assert rank == 2", ["rank"], capsys)
    assert result.passed is True
    assert out == f"{PASS_MARK} ex-test: correct.\n"


def test_a_wrong_answer_names_the_failed_check_and_its_values(capsys):
    result, out = _check("rank = 3", "assert rank == 2", ["rank"], capsys)
    assert result.passed is False
    assert out == (
        f"{FAIL_MARK} ex-test: not correct yet. The check `rank == 2` is not true "
        "(with rank = 3).\n"
    )


def test_a_multi_line_check_is_quoted_whole(capsys):
    body = "np.testing.assert_allclose(\n    values,\n    [1.0, 2.0],\n)"
    _, out = _check("values = np.array([1.0, 2.5])", body, ["values"], capsys)
    assert "`np.testing.assert_allclose( values, [1.0, 2.0], )` is not true" in out
    assert "values = [1. , 2.5]" in out and "Details: " in out


def test_an_untouched_placeholder_is_named(capsys):
    _, out = _check("a = ...\nb = ...", "assert a + b == 3", ["a", "b"], capsys)
    assert "`a`, `b` are still `...`: replace the placeholders with your answer." in out
    assert "Traceback" not in out


def test_an_undefined_name_is_named(capsys):
    _, out = _check("", "assert total == 3", ["total"], capsys)
    assert "`total` is not defined: write your answer in the cell above and run it" in out


def test_a_stub_function_is_named(capsys):
    answer = "def f(x):\n    raise NotImplementedError('f: write its body')"
    _, out = _check(answer, "assert f(1) == 2", ["f"], capsys)
    assert "`f` still raises NotImplementedError: write its body." in out


def test_an_answer_that_breaks_the_check_gets_the_error_in_a_sentence(capsys):
    _, out = _check("grid = 'not an array'", "assert grid.max() <= 1", ["grid"], capsys)
    assert "The check `grid.max() <= 1` could not run on your answer" in out
    assert "AttributeError: 'str' object has no attribute 'max'" in out
    assert out.count("\n") == 1


def test_interrupts_are_not_swallowed():
    with pytest.raises(KeyboardInterrupt), check("ex-test"):
        raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("label", "reads", "error"),
    [
        ("", [], TypeError),
        (3, [], TypeError),
        ("ex", "rank", TypeError),
        ("ex", ["a b"], ValueError),
    ],
)
def test_bad_arguments_are_refused(label, reads, error):
    with pytest.raises(error):
        check(label, reads)


def test_describe_is_short():
    assert describe(3) == "3" and describe(np.float64(0.25)) == "0.25" and describe(...) == "..."
    assert describe(np.zeros((5, 3))) == "an array of shape (5, 3)"
    assert len(describe("x" * 500)) == 60
    assert describe(np.True_) == "True"


def test_checked_says_the_claim_in_one_line(capsys):
    checked("He initialisation keeps\n    the spread  ")
    assert capsys.readouterr().out == f"{PASS_MARK} Checked: He initialisation keeps the spread\n"


@pytest.mark.parametrize("claim", ["", " \n ", 5, None])
def test_checked_refuses_a_claim_that_is_no_text(claim):
    with pytest.raises(TypeError, match="claim must be a non-empty string"):
        checked(claim)
