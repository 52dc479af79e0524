"""Every chapter's randomness comes from its one SEED, and every check holds for other
seeds too: the rule, its self-test, and the chapters run with other seeds (slow)."""

from __future__ import annotations

import json

import nbformat
import pytest

from editions.book import chapters
from tests.support.seeds import (
    OTHER_SEEDS,
    chapter_seed,
    ci_seeds,
    run_with_seed,
    unseeded_draws,
    with_seed,
)

CHAPTERS = chapters()
CI_SEEDS = ci_seeds()


def _code(path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_generator_derives_from_the_chapters_seed(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert chapter_seed(nb) not in OTHER_SEEDS, "the chapter's own seed is one of the others"
    problems = unseeded_draws(_code(path))
    assert not problems, f"{path.name}: randomness not drawn from SEED:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "broken",
    [
        "rng2 = np.random.default_rng(0)",
        "rng2 = np.random.default_rng()",
        "for s in range(3):\n    g = np.random.default_rng(s)",
        "def run(steps, seed=0):\n    return steps",
        "net = experiments.mlp([2, 3], 'relu', rng, seed=4)",
        "np.random.seed(1)",
        "SEED = 9",
    ],
)
def test_the_seed_rule_refuses_a_draw_from_anything_else(broken):
    """The rule fails on chapter 1 with one draw that does not come from SEED added."""
    code = _code(CHAPTERS[0])
    problems = unseeded_draws([*code, broken])
    assert problems and problems[-1].startswith(f"code cell {len(code)}"), problems


def test_the_seed_rule_accepts_derived_generators():
    derived = [
        "SEED = 5\nrng = np.random.default_rng(SEED)",
        "g = np.random.default_rng([SEED, 3])",
        "gens = [np.random.default_rng([SEED, 7, k]) for k in range(4)]",
        "children = rng.spawn(3)",
        "def run(steps, gen):\n    return gen.normal(size=steps)",
    ]
    assert unseeded_draws(derived) == []


def test_with_seed_changes_the_seed_line_only():
    nb = nbformat.read(CHAPTERS[0], as_version=4)
    other = with_seed(nb, 4321)
    assert chapter_seed(other) == 4321
    pairs = zip(nb.cells, other.cells, strict=True)
    changed = [i for i, (a, b) in enumerate(pairs) if a.source != b.source]
    assert len(changed) == 1 and chapter_seed(nb) != 4321


def test_ci_seeds_rotate_through_all_the_others():
    import datetime as dt

    days = [dt.date(2026, 1, 1) + dt.timedelta(days=d) for d in range(7)]
    tried = {s for day in days for s in ci_seeds(day)}
    assert tried == set(OTHER_SEEDS)
    assert len(set(ci_seeds(days[0]))) == 3


@pytest.mark.slow
@pytest.mark.parametrize("seed", CI_SEEDS, ids=lambda s: f"SEED={s}")
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_check_holds_with_another_seed(path, seed):
    """The chapter runs top to bottom, every check cell passing, with SEED = seed (the
    test ids name the seeds; ``python -m tests.support.seeds`` reruns one by hand)."""
    run = run_with_seed(path, seed)
    assert not run.error, f"{path.name} with SEED = {seed} fails:\n{run.error}"


def test_every_chapter_has_a_seed_of_its_own():
    """Two chapters with one SEED would draw the same numbers: a reader comparing them
    would see a coincidence where there is none."""
    seeds = {p.stem: chapter_seed(json.loads(p.read_text(encoding="utf-8"))) for p in CHAPTERS}
    shared = {s for s in seeds.values() if list(seeds.values()).count(s) > 1}
    assert not shared, {name: s for name, s in seeds.items() if s in shared}
