"""Measure the in-browser edition's budgets: Run All per chapter (cold and warm cache),
the bytes a first visit fetches, and the size of the lite part of the site.

    python -m benchmarks.lite [--chapters 02_activations.ipynb ...]

Run it from the repository's root with the project's environment after ``python -m
editions``. The site is served on 127.0.0.1 and Chromium resolves no other host. For
each chapter, a fresh browser context (an empty cache) opens the chapter in the edition
and runs all cells: that is the cold time, and the bytes the server sent for it are the
first visit's download (the first chapter's figure is the one a reader pays once). Then
the same context opens the chapter again and runs it: the warm time. Results go to
stdout and to benchmarks/results/lite.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from playwright.sync_api import Page

from benchmarks.budgets import BUDGETS
from editions import book, site
from editions.book import chapters

RESULTS = book.ROOT / "benchmarks" / "results" / "lite.json"


def open_and_run(page: Page, base: str, chapter: str) -> tuple[float, float]:
    """Seconds from opening the chapter in the edition to every code cell having run,
    and of them the seconds until its kernel was ready (Pyodide loaded and started)."""
    start = time.perf_counter()
    page.goto(f"{base}/lite/lab/index.html?path=book/{chapter}")
    site.wait_for_lite_kernel(page, chapter, timeout=300)
    ready = time.perf_counter() - start
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    state = page.wait_for_function(site.LITE_RUN_STATE, timeout=600_000, polling=500).json_value()
    if state != "done":
        raise RuntimeError(f"{chapter}: {state}")
    return time.perf_counter() - start, ready


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", nargs="*", default=[p.name for p in chapters()])
    args = parser.parse_args()
    lite = book.SITE / "lite"
    if not (lite / "jupyter-lite.json").is_file():
        sys.exit(f"{lite} is not built: run python -m editions first")
    chromium = site.find_chromium()
    if chromium is None:
        sys.exit("no Chromium found (install Debian's chromium or set CHROMIUM)")
    rows = {}
    with (
        site.serve(book.SITE) as server,
        site.launch(chromium, *site.QUIET, site.OFFLINE) as browser,
    ):
        for chapter in args.chapters:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            start = len(server.requests)
            cold, cold_ready = open_and_run(page, server.url, chapter)
            fetched = server.sent(start)
            page.close()
            warm, warm_ready = open_and_run(context.new_page(), server.url, chapter)
            context.close()
            rows[chapter] = {
                "cold_s": cold,
                "cold_kernel_ready_s": cold_ready,
                "warm_s": warm,
                "warm_kernel_ready_s": warm_ready,
                "first_visit_bytes": fetched,
            }
            megabytes = fetched / 1e6
            print(
                f"{chapter}: cold {cold:.1f} s (kernel ready after {cold_ready:.1f} s), "
                f"warm {warm:.1f} s (after {warm_ready:.1f} s), fetched {megabytes:.1f} MB",
                flush=True,
            )
    size = sum(p.stat().st_size for p in lite.rglob("*") if p.is_file())
    warm_median = statistics.median(r["warm_s"] for r in rows.values())
    first_visit = max(r["first_visit_bytes"] for r in rows.values())
    print(f"warm Run All, median: {warm_median:.1f} s (budget {BUDGETS['lite_run_all'].shown})")
    print(f"first visit: {first_visit / 1e6:.1f} MB (budget {BUDGETS['lite_first_visit'].shown})")
    print(f"lite part of the site: {size / 1e6:.1f} MB")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    summary = {"warm_median_s": warm_median, "first_visit_bytes": first_visit, "lite_bytes": size}
    RESULTS.write_text(json.dumps({"chapters": rows, **summary}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
