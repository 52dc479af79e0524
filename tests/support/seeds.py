"""Each chapter's one ``SEED``: where it is, running a chapter with another one, and
the rule that every random generator in a chapter comes from it.

A chapter's imports cell holds the line ``SEED = <int>``; every generator the chapter
makes is derived from it (``np.random.default_rng([SEED, k])``, ``rng.spawn(n)``), so
changing that one line changes every draw. A claim that holds for the chapter's own
seed only is a false claim: CI runs every chapter with :func:`ci_seeds` (three of
:data:`OTHER_SEEDS`, a different three each day), and the drift run (``.ci/drift``)
runs all of :data:`OTHER_SEEDS`.

By hand::

    python -m tests.support.seeds                                        # every chapter
    python -m tests.support.seeds book/06_initialization.ipynb            # all 20 seeds
    python -m tests.support.seeds book/0*.ipynb --seeds 100 101 --jobs 2

prints one line per (chapter, seed), ``ok`` with the seconds it took or the first
failing cell's error, and exits 1 when any run failed.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import re
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from editions import book

if TYPE_CHECKING:
    import nbformat

#: The seeds every chapter must pass besides its own: the drift run tries all of them.
OTHER_SEEDS: tuple[int, ...] = tuple(range(100, 120))
#: How many of them each CI run tries per chapter.
CI_SEED_COUNT = 3

SEED_LINE = re.compile(r"^SEED = (\d+)[ \t]*$", re.M)
#: Calls that make a random generator or seed one.
GENERATOR_CALLS = {"default_rng", "SeedSequence", "Generator", "RandomState", "seed", "Random"}


def ci_seeds(day: dt.date | None = None, count: int = CI_SEED_COUNT) -> list[int]:
    """``count`` consecutive seeds of :data:`OTHER_SEEDS`, starting at the day of the year:
    each day's CI run tries another few, and a week of runs tries them all."""
    day = day or dt.datetime.now(dt.UTC).date()
    start = day.timetuple().tm_yday * count % len(OTHER_SEEDS)
    return [OTHER_SEEDS[(start + i) % len(OTHER_SEEDS)] for i in range(count)]


def chapter_seed(nb: dict) -> int:
    """The chapter's own seed: the value on the ``SEED = <int>`` line of its first code
    cell. ValueError when that cell has no such line, or more than one."""
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    found = SEED_LINE.findall(book.source(code[0])) if code else []
    if len(found) != 1:
        raise ValueError(f"the imports cell needs one line 'SEED = <int>', found {len(found)}")
    return int(found[0])


def with_seed(nb: nbformat.NotebookNode, seed: int) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose imports cell sets ``SEED = seed``, nothing else changed."""
    import copy

    chapter_seed(nb)  # refuses a chapter without its one SEED line
    new = copy.deepcopy(nb)
    first = next(c for c in new.cells if c.cell_type == "code")
    first.source = SEED_LINE.sub(f"SEED = {int(seed)}", book.source(first), count=1)
    return new


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def unseeded_draws(sources: Iterable[str]) -> list[str]:
    """Where a chapter's code makes randomness from anything but its SEED, one line each.

    Refused: a generator call (``default_rng``, ``SeedSequence``, ``np.random.seed``, ...)
    whose arguments do not mention ``SEED`` (a literal, a loop variable, or none, which
    draws from the operating system); a ``seed=`` keyword given anything but an
    expression of SEED; a function parameter named like a seed with a default value; and
    any assignment of a literal to ``SEED`` but the imports cell's. ``rng.spawn(n)`` and
    generators passed on as arguments are how derived draws are made, and are fine.
    """
    problems: list[str] = []
    for number, source in enumerate(sources):
        try:
            tree = ast.parse(source)
        except SyntaxError:  # IPython magics: not Python, and not ours to judge here
            continue
        for node in ast.walk(tree):
            where = f"code cell {number}, line {getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call):
                name = _call_name(node)
                args = [*node.args, *(k.value for k in node.keywords)]
                if name in GENERATOR_CALLS and not any(_mentions(a, "SEED") for a in args):
                    problems.append(f"{where}: {ast.unparse(node)} does not derive from SEED")
                for keyword in node.keywords:
                    if keyword.arg == "seed" and not _mentions(keyword.value, "SEED"):
                        problems.append(f"{where}: seed={ast.unparse(keyword.value)} is not SEED")
            elif isinstance(node, ast.FunctionDef | ast.Lambda):
                arguments = node.args
                named = arguments.posonlyargs + arguments.args
                defaulted = named[len(named) - len(arguments.defaults) :]
                defaulted += [
                    a
                    for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
                    if d is not None
                ]
                for arg in defaulted:
                    if "seed" in arg.arg.lower():
                        problems.append(f"{where}: parameter {arg.arg!r} has a default seed")
            elif isinstance(node, ast.Assign) and number > 0:
                if any(isinstance(t, ast.Name) and t.id == "SEED" for t in node.targets):
                    problems.append(f"{where}: SEED is set again outside the imports cell")
    return problems


@dataclass
class SeedRun:
    """One chapter run with one seed: ``error`` is empty when every cell passed."""

    chapter: str
    seed: int
    seconds: float
    error: str = ""


def run_with_seed(path: Path, seed: int, timeout: int = 300) -> SeedRun:
    """Execute the chapter at ``path`` with ``SEED = seed`` in a fresh kernel in its folder."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    from editions.kernels import execute, use_ipc_kernels

    use_ipc_kernels()
    nb = with_seed(nbformat.read(path, as_version=4), seed)
    start = time.perf_counter()
    error = ""
    try:
        execute(nb, path.parent, timeout=timeout, quiet=True)
    except CellExecutionError as exc:
        error = _last_lines(str(exc))
    except Exception as exc:  # a dead kernel or a timeout: report it as a failure
        error = f"{type(exc).__name__}: {exc}"
    return SeedRun(path.stem, seed, time.perf_counter() - start, error)


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _last_lines(report: str, keep: int = 12) -> str:
    lines = [line for line in ANSI.sub("", report).splitlines() if line.strip()]
    return "\n".join(lines[-keep:])


def _run_one(args: tuple[Path, int]) -> SeedRun:
    return run_with_seed(*args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.seeds", description=__doc__)
    parser.add_argument("chapters", nargs="*", type=Path, help="(default: every chapter)")
    parser.add_argument("--seeds", nargs="+", type=int, default=list(OTHER_SEEDS))
    parser.add_argument("--jobs", type=int, default=2, help="kernels at once (default 2)")
    args = parser.parse_args(argv)
    from editions.book import chapters

    paths = args.chapters or chapters()
    jobs = [(path.resolve(), seed) for path in paths for seed in args.seeds]
    print(f"seeds: {' '.join(map(str, args.seeds))}", flush=True)
    failed = 0
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for run in pool.map(_run_one, jobs):
            failed += bool(run.error)
            status = "ok" if not run.error else "FAILED"
            print(f"{run.chapter} SEED={run.seed}: {status} ({run.seconds:.1f} s)", flush=True)
            if run.error:
                print("    " + run.error.replace("\n", "\n    "), flush=True)
    print(f"{len(jobs) - failed} of {len(jobs)} runs passed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
