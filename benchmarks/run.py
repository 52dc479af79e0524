"""Measure every performance budget of the book and print each figure beside its budget.

    python -m benchmarks.run [--runs N] [--skip-build] [--skip-tests] [--markdown]

Run it from the repository's root with the project's environment (e.g.
``.venv/bin/python``). Measured, in order:

1. each explorer's live redraw: the ipywidgets callback a slider move runs (draw, PNG
   encode, image update), in this process, over every combination of its choices,
   its sliders' grid values and the midpoints between them;
2. each notebook of _toc.yml executed by nbclient in a fresh kernel, working
   directory book/, kernel start and shutdown included, ``--runs`` times (the runs
   interleave the notebooks); the kernel floor, a notebook holding only chapter 2's
   imports cell, measured the same way; the ratio of the book's total execution time
   to N notebooks x the floor;
3. (unless --skip-build) a cold build of a copy of the tracked files in a temporary
   directory with no _build cache, then the cached rebuild after appending a
   paragraph to one markdown cell of one chapter; each page's weight and the site's
   size in that build (see pages.py for what a page's weight counts). With
   --skip-build the pages of an existing _build/html are weighed, if there is one;
4. (unless --skip-tests) the wall time of ``python -m pytest`` from the repository root.

The table goes to stdout (Markdown with --markdown), progress to stderr, and the same
figures as JSON to benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import measure, pages, report
from benchmarks.budgets import BUDGETS
from benchmarks.report import Row
from editions import book
from editions.book import chapters, toc_files

ROOT = book.ROOT
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
FLOOR_NOTEBOOK = "book/02_activations.ipynb"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _spread(stats: dict[str, float], unit: str) -> str:
    lo, hi = report.format_value(stats["min"], unit), report.format_value(stats["max"], unit)
    return f"min {lo}, max {hi}, {stats['n']} runs"


# --- 1. explorers ---------------------------------------------------------------------


def bench_explorers() -> list[Row]:
    """Median and maximum live redraw of every explorer in helpers.widgets."""
    from helpers import widgets

    rows = []
    for name in sorted(n for n in widgets.__all__ if n.endswith("_explorer")):
        explorer = getattr(widgets, name)()
        sweep = measure.explorer_sweep(explorer.controls)
        try:
            result = measure.time_live_redraws(explorer, sweep)
        except Exception as exc:  # report and carry on with the other figures
            figure = f"redraw median: {explorer.name} explorer"
            budget = BUDGETS["redraw_median"].limit
            rows.append(Row(figure, None, "ms", budget, error=repr(exc)))
            continue
        stats = measure.summary(result.times)
        p90 = report.format_value(sorted(result.times)[int(0.9 * (len(sweep) - 1))], "ms")
        slowest = max(range(len(sweep)), key=result.times.__getitem__)
        detail = {
            "moves": len(sweep),
            "first_draw_s": result.first,
            "slowest_params": sweep[slowest],
            "sweep": sweep,
            "times_s": result.times,
        }
        log(f"[explorer] {explorer.name}: {len(sweep)} moves, median {stats['median']:.3f} s")
        rows.append(
            Row(
                f"redraw median: {explorer.name} explorer",
                stats["median"],
                "ms",
                BUDGETS["redraw_median"].limit,
                f"{len(sweep)} slider moves, 90th percentile {p90}",
                detail=detail,
            )
        )
        params = ", ".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in sweep[slowest].items()
        )
        rows.append(Row(f"redraw max: {explorer.name} explorer", stats["max"], "ms", note=params))
    return rows


# --- 2. notebooks -----------------------------------------------------------------------


def bench_notebooks(runs: int) -> tuple[list[Row], dict[str, Any]]:
    """Each notebook's execution time, the kernel floor and the ratio between them."""
    import nbformat

    notebooks = chapters(ROOT)
    floor_path = ROOT / FLOOR_NOTEBOOK
    if not floor_path.is_file():
        floor_path = notebooks[0]
    loaded = {p.stem: nbformat.read(p, as_version=4) for p in notebooks}
    floor_nb = measure.imports_notebook(nbformat.read(floor_path, as_version=4))
    todo = [*loaded.items(), ("kernel floor", floor_nb)]
    results: dict[str, list[measure.NotebookRun]] = {name: [] for name, _ in todo}
    errors: dict[str, str] = {}
    for run in range(runs):
        for name, nb in todo:
            if name in errors:
                continue
            try:
                result = measure.execute(nb, book.BOOK)
            except Exception as exc:  # a failing chapter is reported, not fatal
                last = (str(exc).strip().splitlines() or [""])[-1]
                errors[name] = f"{type(exc).__name__}: {last}"
                log(f"[notebooks] {name} failed: {errors[name]}")
                continue
            results[name].append(result)
            log(f"[notebooks] run {run + 1}/{runs} {name}: {result.seconds:.2f} s")

    rows, medians = [], {}
    for name, nb in todo:
        if name in errors or not results[name]:
            rows.append(Row(f"execute {name}", None, "s", error=errors.get(name, "no run")))
            continue
        stats = measure.summary([r.seconds for r in results[name]])
        cells = measure.summary([r.cell_seconds for r in results[name]])
        medians[name] = stats["median"]
        detail = {
            "runs_s": [r.seconds for r in results[name]],
            "cells_total_median_s": cells["median"],
            "outside_cells_median_s": stats["median"] - cells["median"],
            "slowest_cells": measure.slowest_cells(nb, results[name]),
        }
        if name == "kernel floor":
            rows.append(
                Row(
                    f"kernel floor (imports cell of {floor_path.stem} only)",
                    stats["median"],
                    "s",
                    note=_spread(stats, "s"),
                    detail=detail,
                )
            )
        else:
            rows.append(
                Row(
                    f"execute {name}",
                    stats["median"],
                    "s",
                    BUDGETS["notebook"].limit,
                    _spread(stats, "s"),
                    detail=detail,
                )
            )
    measured = [n for n in loaded if n in medians]
    if measured and "kernel floor" in medians:
        total = sum(medians[n] for n in measured)
        floor = medians["kernel floor"]
        rows.append(Row(f"total execution, {len(measured)} notebooks", total, "s"))
        rows.append(
            Row(
                f"total / ({len(measured)} x kernel floor)",
                total / (len(measured) * floor),
                "ratio",
                note="tracked, no budget: the content decides it",
                detail={"total_s": total, "floor_s": floor, "notebooks": len(measured)},
            )
        )
    return rows, {"floor_notebook": str(floor_path.relative_to(ROOT))}


# --- 3. builds and pages ----------------------------------------------------------------


def bench_builds(touch: str | None) -> list[Row]:
    """Cold build and cached rebuild of a copy of the tracked files; page weights."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="nnfb-bench-") as tmp:
        copy = Path(tmp) / "book"
        copied = measure.copy_tracked(ROOT, copy)
        log(f"[build] copied {copied} tracked files to {copy}; cold build ...")
        cold = measure.run_command(book.build_command(copy), copy, keep=measure.EXECUTED)
        rows.append(_build_row("cold build (no _build cache)", cold, BUDGETS["cold_build"].limit))
        log(f"[build] cold: {cold.seconds:.1f} s, exit {cold.returncode}")

        notebooks = chapters(copy)
        target = next((p for p in notebooks if p.stem == touch), notebooks[0])
        if touch and target.stem != touch:
            log(f"[build] no chapter {touch!r}; editing {target.stem}")
        cell = measure.touch_markdown(target)
        cached = measure.run_command(book.build_command(copy), copy, keep=measure.EXECUTED)
        rows.append(
            _build_row(
                f"cached rebuild (one markdown cell of {target.stem} edited)",
                cached,
                BUDGETS["cached_build"].limit,
                {"edited": f"{target.relative_to(copy)} cell {cell}"},
            )
        )
        log(f"[build] cached: {cached.seconds:.1f} s, exit {cached.returncode}")
        rows += bench_pages(copy, "fresh build of the tracked files")
    return rows


def _build_row(
    figure: str, run: measure.CommandRun, budget: float, extra: dict[str, Any] | None = None
) -> Row:
    executing = measure.execution_seconds(run.kept)
    note = (
        f"exit {run.returncode}, {run.warnings} warnings, "
        f"{len(run.kept)} notebooks executed in {report.format_value(executing, 's')}"
    )
    return Row(
        figure,
        run.seconds,
        "s",
        budget,
        note,
        error="" if run.returncode == 0 else "build failed",
        detail={
            "returncode": run.returncode,
            "warnings": run.warnings,
            "execution_s": executing,
            "executed": run.kept,
            "tail": run.tail,
            **(extra or {}),
        },
    )


def bench_pages(root: Path, source: str) -> list[Row]:
    """Each table-of-contents page's weight, the shared assets and the site's size."""
    site = root / "_build" / "html"
    names = [f"{f}.html" for f in toc_files(root) if (site / f"{f}.html").is_file()]
    if not names:
        return [Row("page weights", None, "bytes", error=f"no built pages in {site}")]
    weights = pages.site_weights(site, names)
    rows = []
    for page in weights.pages:
        note = f"html {report.format_value(page.html_bytes, 'bytes')}"
        if page.embedded_bytes:
            note += f" incl. {report.format_value(page.embedded_bytes, 'bytes')} embedded"
        if page.asset_bytes:
            note += f", + {report.format_value(page.asset_bytes, 'bytes')} own files"
        rows.append(
            Row(
                f"page {page.page}",
                page.total,
                "bytes",
                BUDGETS["page"].limit,
                note,
                detail={
                    "html_bytes": page.html_bytes,
                    "embedded_bytes": page.embedded_bytes,
                    "assets": page.assets,
                    "source": source,
                },
            )
        )
    rows.append(
        Row(
            "shared assets (theme, fonts, MathJax: downloaded once)",
            weights.shared_bytes,
            "bytes",
            note=f"{len(weights.shared_assets)} files",
            detail={"assets": weights.shared_assets},
        )
    )
    rows.append(Row("whole site (_build/html)", weights.site_bytes, "bytes", note=source))
    return rows


# --- 4. tests ---------------------------------------------------------------------------


def bench_tests() -> list[Row]:
    """Wall time of the test command as the README's quick start runs it."""
    log("[tests] python -m pytest ...")
    run = measure.run_command([sys.executable, "-m", "pytest"], ROOT)
    log(f"[tests] {run.seconds:.1f} s, exit {run.returncode}")
    last = run.tail[-1].strip("= ") if run.tail else ""
    return [
        Row(
            "test command (python -m pytest)",
            run.seconds,
            "s",
            BUDGETS["tests"].limit,
            f"exit {run.returncode}: {last}",
            error="" if run.returncode == 0 else "tests failed",
            detail={"returncode": run.returncode, "tail": run.tail},
        )
    ]


# --- main -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="executions per notebook (3)")
    parser.add_argument("--skip-build", action="store_true", help="no cold/cached build")
    parser.add_argument("--skip-tests", action="store_true", help="do not time the tests")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument(
        "--readme",
        action="store_true",
        help="write the short table into README.md (with benchmarks/results/lite.json, if any)",
    )
    parser.add_argument(
        "--touch", default=None, help="chapter edited before the cached rebuild (first chapter)"
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        default=None,
        help="print the table of an earlier results file instead of measuring",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")
    return args


def print_table(rows: list[Row], heading: str, markdown: bool) -> None:
    if markdown:
        print(report.markdown_table(rows, heading))
        return
    print(heading)
    print()
    print(report.text_table(rows))
    over = [r.figure for r in rows if r.over]
    print()
    print(f"over budget: {', '.join(over)}" if over else "every budgeted figure is within budget")


def preface(machine: dict[str, Any], command: str) -> str:
    """The line above the table: the machine, and the command that measured it."""
    return f"{report.machine_line(machine)} Command: `{command}`."


def rows_from_json(data: dict[str, Any]) -> list[Row]:
    fields = ("figure", "value", "unit", "budget", "note", "error", "detail")
    return [Row(**{k: r[k] for k in fields}) for r in data["rows"]]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json:
        data = json.loads(args.from_json.read_text(encoding="utf-8"))
        rows = rows_from_json(data)
        print_table(rows, preface(data["machine"], data["command"]), args.markdown)
        if args.readme:
            write_readme(rows, preface(data["machine"], data["command"]))
        return 0

    command = shlex.join(["python", "-m", "benchmarks.run", *(argv or sys.argv[1:])])
    machine = report.machine_info()
    log(report.machine_line(machine))
    rows = bench_explorers()
    notebook_rows, notebook_meta = bench_notebooks(args.runs)
    rows += notebook_rows
    if args.skip_build:
        existing = ROOT / "_build" / "html"
        if existing.is_dir():
            rows += bench_pages(ROOT, "existing _build/html, not rebuilt")
    else:
        rows += bench_builds(args.touch)
    if not args.skip_tests:
        rows += bench_tests()

    machine["load_average_at_end"] = report.machine_info()["load_average_at_start"]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    data = report.results_json(rows, machine, command=command, **notebook_meta)
    RESULTS.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    log(f"wrote {RESULTS.relative_to(ROOT)}")
    print_table(rows, preface(machine, command), args.markdown)
    if args.readme:
        write_readme(rows, preface(machine, command))
    return 0


def write_readme(rows: list[Row], machine: str, readme: Path = ROOT / "README.md") -> None:
    """Put the short table of these rows (and of the browser edition's last measurement,
    benchmarks/results/lite.json, when there is one) between README.md's markers."""
    lite_json = RESULTS.with_name("lite.json")
    lite = json.loads(lite_json.read_text(encoding="utf-8")) if lite_json.is_file() else None
    section = report.readme_section(rows, machine, lite)
    text = readme.read_text(encoding="utf-8")
    readme.write_text(report.replace_readme_section(text, section), encoding="utf-8")
    log(f"wrote the benchmark table into {readme.name}")


if __name__ == "__main__":
    sys.exit(main())
