"""Measure the explorers' live mode on the book's pages: what a page loads before the
click, what the click downloads, from the click to the first live frame (cold and warm
cache), and the redraws after a slider move.

    python -m benchmarks.explorers [--positions N] [--pages book/02_activations ...]

Run it from the repository's root with the project's environment after ``python -m
editions``. The site is served on 127.0.0.1 and Chromium resolves no other host. For
each chapter page with an explorer, a fresh browser context (an empty cache) opens the
page: the bytes the server sent for it are what a reader who never clicks loads (and
none of them may be the worker's or Pyodide's). Then the live-mode button is pressed
and the first live frame awaited, timed in the page from the press to the frame
decoded: the cold figure, and the bytes the server sent meanwhile are what the click
downloads. Then every move of a sweep is timed the same way, from setting the control
(as a reader's move does, with an input event) to the new frame decoded: each slider
in turn through N positions spread over its live range, then each option of each
choice. Last, the same browser opens the page again and presses the button: the warm
figure. Each page gets a browser with a profile of its own, so its HTTP cache is kept
on disk, as in a reader's browser (Chromium also keeps the compiled WebAssembly
there). The worker's own timing of its start (Pyodide, the packages, the imports) is
reported too, and so are the live-mode script's size, the page's weight
(:mod:`benchmarks.pages`) and the machine's load average. Results go to stdout and
benchmarks/results/explorers.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator

from benchmarks import pages
from benchmarks.budgets import BUDGETS
from editions import book, lite, site

RESULTS = book.ROOT / "benchmarks" / "results" / "explorers.json"
SCRIPT = book.SITE / "_static" / "explorer-live.js"
START_TIMEOUT = 300_000  # ms
#: Keep the worker's own timing of its start (Pyodide, packages, imports) on the window.
READY = """root => root.addEventListener("nnfb-live-ready",
  (event) => { window.nnfbReady = event.detail; }, { once: true })"""
FRAME_TIMEOUT = 60_000  # ms


def explorer_pages() -> list[str]:
    """The chapter pages that show an explorer (their HTML holds one), in book order."""
    names = [f"{p}.html" for p in book.toc_files()]
    return [n for n in names if "nnfb-static-explorer" in (book.SITE / n).read_text("utf-8")]


def sweep(root: Locator, positions: int) -> list[tuple[int, int]]:
    """The moves (control, index) of a sweep, from the explorer's live controls."""
    sizes = root.evaluate(
        """root => Array.from(root.querySelectorAll("[data-param]"), (el) =>
          [el.type === "range", el.type === "range" ? +el.max + 1 : el.options.length])"""
    )
    moves = []
    for k, (is_range, size) in enumerate(sizes):
        if is_range:
            moves += [(k, round(i * (size - 1) / (positions - 1))) for i in range(positions)]
    for k, (is_range, size) in enumerate(sizes):
        if not is_range:
            moves += [(k, i) for i in range(size)]
    return moves


def percentile(values: list[float], q: float) -> float:
    """The q-th quantile (0 < q < 1) of values, linear between order statistics."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def measure_page(chromium: str, server: site.Server, name: str, positions: int) -> dict:
    """The figures of one explorer page (see the module docstring), in a browser with a
    profile of its own, its cache empty at first."""
    with (
        tempfile.TemporaryDirectory() as profile,
        site.launch_with_profile(chromium, Path(profile), *site.QUIET, site.OFFLINE) as context,
    ):
        page = context.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        start = len(server.requests)
        page.goto(f"{server.url}/{name}", wait_until="load")
        loaded = server.requests[start:]
        early = [path for path, _, _ in loaded if "/lite/" in path or "worker" in path]
        root = page.locator(".nnfb-static-explorer").first
        root.evaluate(READY)
        clicked = len(server.requests)
        cold = root.evaluate(site.LIVE_START, START_TIMEOUT)
        cold_steps = page.evaluate("window.nnfbReady")
        download = server.sent(clicked)
        times = []
        for k, index in sweep(root, positions):
            ms = root.evaluate(site.LIVE_MOVE, [k, index, FRAME_TIMEOUT])
            if ms is not None:
                times.append(ms)
        page.close()
        page = context.new_page()
        page.goto(f"{server.url}/{name}", wait_until="load")
        root = page.locator(".nnfb-static-explorer").first
        root.evaluate(READY)
        clicked = len(server.requests)
        warm = root.evaluate(site.LIVE_START, START_TIMEOUT)
        warm_steps = page.evaluate("window.nnfbReady")
        warm_download = server.sent(clicked)
    return {
        "page_load_bytes": sum(size for _, status, size in loaded if status == 200),
        "pyodide_before_click": early,
        "click_download_bytes": download,
        "warm_click_download_bytes": warm_download,
        "first_frame_cold_s": cold / 1000,
        "first_frame_warm_s": warm / 1000,
        "start_steps_cold_s": cold_steps,
        "start_steps_warm_s": warm_steps,
        "redraw_median_s": statistics.median(times) / 1000,
        "redraw_p90_s": percentile(times, 0.9) / 1000,
        "redraw_max_s": max(times) / 1000,
        "redraws": len(times),
    }


def _mark(value: float, budget: str) -> str:
    return f" (budget {BUDGETS[budget].shown}{', OVER' if value > BUDGETS[budget].limit else ''})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=12, help="positions per slider")
    parser.add_argument("--pages", nargs="*", help="pages, e.g. book/02_activations")
    args = parser.parse_args()
    download = lite.explorer_download(lite.pyodide_folder())
    if not download or not SCRIPT.is_file():
        sys.exit(f"{book.SITE} has no explorer live mode: run python -m editions first")
    chromium = site.find_chromium()
    if chromium is None:
        sys.exit("no Chromium found (install Debian's chromium or set CHROMIUM)")
    names = [f"{p}.html" for p in args.pages] if args.pages else explorer_pages()
    weights = {w.page: w for w in pages.site_weights(book.SITE, names).pages}
    rows: dict[str, Any] = {}
    load = os.getloadavg()[0]
    with site.serve(book.SITE) as server:
        for name in names:
            row = measure_page(chromium, server, name, args.positions)
            row["page_weight_bytes"] = weights[name].total
            rows[name] = row
            print(
                f"{name}: page {row['page_weight_bytes'] / 1e6:.2f} MB"
                f"{_mark(row['page_weight_bytes'], 'page')}, "
                f"loads {row['page_load_bytes'] / 1e6:.2f} MB before the click "
                f"(Pyodide files: {len(row['pyodide_before_click'])}); "
                f"the click downloads {row['click_download_bytes'] / 1e6:.1f} MB"
                f"{_mark(row['click_download_bytes'], 'lite_first_visit')}",
                flush=True,
            )
            print(
                f"  first live frame: cold {row['first_frame_cold_s']:.1f} s, warm "
                f"{row['first_frame_warm_s']:.1f} s"
                f"{_mark(row['first_frame_warm_s'], 'page_live_first_frame')}; redraw "
                f"median {row['redraw_median_s'] * 1000:.0f} ms"
                f"{_mark(row['redraw_median_s'], 'page_live_redraw_median')}, 90th "
                f"percentile {row['redraw_p90_s'] * 1000:.0f} ms"
                f"{_mark(row['redraw_p90_s'], 'page_live_redraw_p90')}, max "
                f"{row['redraw_max_s'] * 1000:.0f} ms over {row['redraws']} moves",
                flush=True,
            )
            steps = ", ".join(
                f"{when}: " + " + ".join(f"{step} {t:.1f} s" for step, t in row[key].items())
                for when, key in (("cold", "start_steps_cold_s"), ("warm", "start_steps_warm_s"))
            )
            print(f"  the worker's start ({steps})", flush=True)
    script = SCRIPT.stat().st_size
    expected = sum(download.values())
    print(f"live-mode script: {script / 1e3:.1f} kB, loaded by each explorer page")
    print(f"the worker's files: {expected / 1e6:.1f} MB in {len(download)} files")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    end_load = os.getloadavg()[0]
    print(f"load average (1 min) at the start and the end: {load:.1f}, {end_load:.1f}")
    summary = {
        "script_bytes": script,
        "worker_files_bytes": expected,
        "load_average": [load, end_load],
    }
    RESULTS.write_text(json.dumps({"pages": rows, **summary}, indent=2) + "\n")
    over = [
        n
        for n, r in rows.items()
        if r["pyodide_before_click"] or r["click_download_bytes"] < expected
    ]
    if over:
        print(f"check: {over} fetched Pyodide before the click or not all of it after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
