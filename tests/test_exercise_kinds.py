"""Every chapter asks students to derive, predict, debug and diagnose, not only to
compute: at least five exercises, among them one derivation, one predict-then-run, two
find-the-bug exercises and, in the chapters about training, one diagnosis of a run.

An exercise's kind is the start of its title, which the book shows
("Exercise 2.3 (Find the bug: ...)"): ``{exercise} Find the bug: softmax's axis``.
"""

from __future__ import annotations

import re

import pytest

from editions import book

CHAPTERS = book.chapters()
#: Title prefixes of the kinds the book counts, and how many each chapter needs.
KINDS = {"Derive": 1, "Predict, then run": 1, "Find the bug": 2, "Diagnose": 1}
MINIMUM = 5
#: The chapters about training a network, where a student diagnoses a failing run.
DIAGNOSING = ("activations", "initialization", "vanishing", "normalization", "regularization")
DIAGNOSING += ("optimization", "mnist1d")
TITLE = re.compile(r"^(`{3,}|:{3,})\{exercise\}[ \t]*(.*)$", re.M)


def exercise_titles(notebook: dict) -> list[str]:
    """The titles of a chapter's exercises, in order ("" for an untitled one)."""
    markdown = "\n".join(book.source(c) for c in notebook["cells"] if c["cell_type"] == "markdown")
    return [m.group(2).strip() for m in TITLE.finditer(markdown)]


def kind_problems(stem: str, titles: list[str]) -> list[str]:
    problems = []
    if len(titles) < MINIMUM:
        problems.append(f"{len(titles)} exercises, at least {MINIMUM} needed")
    for kind, needed in KINDS.items():
        if kind == "Diagnose" and not any(name in stem for name in DIAGNOSING):
            continue
        found = sum(t.startswith(kind + ":") for t in titles)
        if found < needed:
            problems.append(f"{found} '{kind}:' exercises, at least {needed} needed")
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_exercises_of_every_kind(path):
    titles = exercise_titles(book.read(path))
    problems = kind_problems(path.stem, titles)
    assert not problems, f"{path.name} ({titles}):\n" + "\n".join(problems)


def test_the_kind_rule_can_fail():
    full = ["Derive: a", "Predict, then run: b", "Find the bug: c", "Find the bug: d"]
    assert kind_problems("03_autodiff", full + ["e"]) == []
    assert kind_problems("06_initialization", full + ["e"]) == [
        "0 'Diagnose:' exercises, at least 1 needed"
    ]
    short = kind_problems("03_autodiff", ["Derive: a", "Find the bug: c"])
    assert short[0] == "2 exercises, at least 5 needed" and len(short) == 3
    text = "```{exercise} Find the bug: softmax's axis\n:label: ex-a\nx\n```"
    assert exercise_titles({"cells": [{"cell_type": "markdown", "source": text}]}) == [
        "Find the bug: softmax's axis"
    ]
