"""The explorers' live mode on the book's pages, in headless Chromium that reaches no
host but 127.0.0.1.

On each chapter page with an explorer, one page serves every check: the button names
what it downloads and nothing of Pyodide is fetched before it is pressed; pressed from
the keyboard, it starts the worker; every slider then moves to a value between two
precomputed frames, and every option of every choice is drawn, each frame with the alt
text, the value texts and the announcement of its own values; moving a slider fast
draws only the latest value; the worker's frames for grid values are compared with
the precomputed ones; axe-core finds nothing critical or serious in live mode; and no
request leaves 127.0.0.1. The pages share one browser context, so the first starts
Pyodide with an empty cache and the others from the cache, as a reader's later pages
do. A page opened as a file, or in a browser without WebAssembly or Web Workers, keeps
its frames and says why in one sentence; the student edition's pages find the site's
Pyodide too.

Why the worker's frames are not byte for byte the static ones: Pyodide's matplotlib
draws text with FreeType 2.6.0 (the one Pyodide builds), the wheels on PyPI with the
FreeType 2.6.1 that matplotlib bundles, and the two place some glyphs a pixel apart.
Everything else is the same: the same code and numbers (the alt texts, computed from
them, are identical), and matplotlib 3.8.4, numpy 2.0.2 and Pillow 10.2 (Pyodide's
versions) render the static frames natively byte for byte as the locked versions do.
So the check is that each worker frame is nearer its own static frame than any other
frame of the explorer, and the measured differences go to
tests/screenshots/live-vs-static.txt.
"""

from __future__ import annotations

import base64
import io
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Locator, Page
from test_site_accessibility import _axe_problems, _axe_violations, axe_source  # noqa: F401
from test_student_site import student_site  # noqa: F401

from editions import lite
from editions.site import LIVE_MOVE
from helpers.widgets import EXPLORERS, Explorer, Slider
from tests.support.explorers import chapter_explorers
from tests.support.site import (
    SCREENSHOTS,
    VIEWPORT,
    Server,
    from_disk,
    open_page,
    same_host,
)

EXPLORER_PAGES = {f"book/{stem}": names[0] for stem, names in chapter_explorers().items()}
START_TIMEOUT = 180.0  # s: Pyodide's first start, cold, on a busy machine
FRAME_TIMEOUT = 60.0  # s: one frame
#: The one sentence a page opened as a file shows in place of the button.
FILE_NOTICE = "Live mode needs the book served over http"
#: The live-mode script's tag, as the book build writes it (attributes sorted).
LIVE_SCRIPT = re.compile(
    r'<script data-megabytes="\d+" data-pyodide="(?P<pyodide>[^"]+)" defer="defer" '
    r'src="(?P<src>[^"]*explorer-live\.js[^"]*)"></script>'
)


def _pixels(src: str) -> np.ndarray:
    """A PNG data URL's pixels, RGB as integers."""
    data = base64.b64decode(src.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def _state(root: Locator) -> dict[str, Any]:
    return root.evaluate(
        """root => ({
          key: root.dataset.liveKey || "",
          src: root.querySelector("img.nnfb-frame").src,
          alt: root.querySelector("img.nnfb-frame").alt,
          said: root.querySelector(".nnfb-announce").textContent,
          labels: Array.from(root.querySelectorAll(".nnfb-value"), (el) => el.textContent),
          valuetext: Array.from(root.querySelectorAll("[data-param]"),
            (el) => el.getAttribute("aria-valuetext")),
          note: root.querySelector(".nnfb-live-note").textContent,
          button: !root.querySelector(".nnfb-live-start").hidden,
        })"""
    )


def _params(explorer: Explorer, key: str) -> dict[str, Any]:
    """The values a live key stands for (an index per control, into a slider's live
    values)."""
    params = {}
    for control, index in zip(explorer.controls, key.split("-"), strict=True):
        values = control.live_values() if isinstance(control, Slider) else control.values
        params[control.name] = values[int(index)]
    return params


def _frame_problems(root: Locator, explorer: Explorer, key: str, before: str) -> list[str]:
    """What the explorer shows after a move to ``key``, against what its values say."""
    state = _state(root)
    params = _params(explorer, key)
    where = explorer.values_text(**params)
    problems = []
    if state["key"] != key:
        problems.append(f"{where}: the frame shown is of {state['key']!r}, not {key!r}")
    if state["src"] == before:
        problems.append(f"{where}: the image did not change")
    if state["alt"] != explorer.alt_text(**params):
        problems.append(f"{where}: alt text {state['alt'][:100]!r} is not this value's")
    if state["said"] != where:
        problems.append(f"{where}: the live region says {state['said']!r}")
    for k, control in enumerate(explorer.controls):
        shown = control.show(params[control.name])
        if state["labels"][k] != shown:
            problems.append(f"{where}: {control.name}'s label shows {state['labels'][k]!r}")
        if isinstance(control, Slider) and state["valuetext"][k] != shown:
            problems.append(f"{where}: {control.name}'s aria-valuetext {state['valuetext'][k]!r}")
    return problems


def _move(root: Locator, k: int, index: int) -> str:
    """Set control k to ``index`` and wait for its frame; the live key now shown."""
    root.evaluate(LIVE_MOVE, [k, index, FRAME_TIMEOUT * 1000])
    return _state(root)["key"]


def _between(at: list[int], start: int) -> int:
    """A live index strictly inside the widest gap of static values next to ``start``."""
    gaps = [(at[j + 1] - at[j], j) for j in (start - 1, start) if 0 <= j < len(at) - 1]
    width, j = max(gaps)
    assert width >= 2, f"no live value between the static ones at {at}"
    return at[j] + width // 2


FAST_MOVES = """async (root, [k, values, timeout]) => {
  const inputs = Array.from(root.querySelectorAll("[data-param]"));
  const drawn = [];
  const count = (event) => drawn.push(event.detail.key);
  root.addEventListener("nnfb-live-frame", count);
  for (const value of values) {
    inputs[k].value = String(value);
    inputs[k].dispatchEvent(new Event("input"));
  }
  const last = inputs.map((el) => el.value).join("-");
  const start = performance.now();
  while (drawn[drawn.length - 1] !== last && performance.now() - start < timeout) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));  // any frame still to come
  root.removeEventListener("nnfb-live-frame", count);
  return {drawn, last};
}"""


def _compare_with_static(
    root: Locator, explorer: Explorer, data: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """Draw some grid points in the worker and compare each with the static frames:
    (problems, report lines)."""
    problems, report = [], []
    statics = [_pixels("data:image/png;base64," + f) for f in data["frames"]]
    grid = list(explorer.grid())
    for key, params, _ in [grid[0], *random.Random(0).sample(grid[1:], 4)]:
        indices = [int(i) for i in key.split("-")]
        for k, index in enumerate(indices):
            live = data["live"][k]
            _move(root, k, live["at"][index] if live else index)
        state = _state(root)
        frame = data["index"][key]
        worker = _pixels(state["src"])
        where = explorer.values_text(**params)
        if worker.shape != statics[frame].shape:
            problems.append(f"{where}: worker frame {worker.shape}, static {statics[frame].shape}")
            continue
        distances = [float(np.abs(worker - s).mean()) for s in statics]
        nearest = int(np.argmin(distances))
        differing = float((np.abs(worker - statics[frame]).max(axis=-1) > 0).mean())
        same_bytes = state["src"] == "data:image/png;base64," + data["frames"][frame]
        report.append(
            f"{explorer.name:<15} {key:<8} bytes {'same' if same_bytes else 'differ'}, "
            f"{differing:.2%} of pixels differ, mean |difference| {distances[frame]:.3f}; "
            f"nearest other frame {sorted(distances)[1]:.3f}; alt text "
            f"{'same' if state['alt'] == data['alts'][frame] else 'DIFFERS'}"
        )
        if nearest != frame:
            problems.append(f"{where}: the worker's frame is nearest static frame {nearest}")
        if state["alt"] != data["alts"][frame]:
            problems.append(f"{where}: the worker's alt text differs from the static frame's")
    return problems, report


@pytest.fixture(scope="module")
def shared_context(chromium: Browser) -> Iterator[BrowserContext]:
    """One context for the live-mode pages: the first starts Pyodide with an empty
    cache, the others from the cache, as a reader's later pages do."""
    context = chromium.new_context(viewport=VIEWPORT, service_workers="block")
    yield context
    context.close()


@pytest.fixture(scope="module")
def live_report() -> Any:
    lines: list[str] = []
    yield lines
    if lines:
        SCREENSHOTS.mkdir(exist_ok=True)
        (SCREENSHOTS / "live-vs-static.txt").write_text("\n".join(lines) + "\n")


def _start(page: Page, root: Locator) -> None:
    """Press the live-mode button from the keyboard and wait for the first live frame."""
    root.locator(".nnfb-live-start").focus()
    page.keyboard.press("Enter")
    handle = root.element_handle()
    page.wait_for_function("root => root.dataset.liveKey", arg=handle, timeout=START_TIMEOUT * 1e3)


@pytest.mark.build
@pytest.mark.browser
@pytest.mark.parametrize("name", sorted(EXPLORER_PAGES))
def test_live_mode_draws_any_value_offline(
    chromium: Browser,
    shared_context: BrowserContext,
    site: Server,
    axe_source: str,  # noqa: F811 (the fixture imported above)
    live_report: list[str],
    name: str,
) -> None:
    explorer = EXPLORERS[EXPLORER_PAGES[name]]()
    first_request = len(site.requests)
    megabytes = sum(lite.explorer_download(lite.pyodide_folder()).values()) / 1e6
    url = f"{site.url}/{name}.html"
    with open_page(chromium, url, same_host(site.url), context=shared_context) as visit:
        page, root = visit.page, visit.page.locator(".nnfb-static-explorer")
        data = json.loads(root.locator(".nnfb-frames").text_content() or "")
        button = root.locator(".nnfb-live-start")
        label = f"Compute any value in your browser (about {megabytes:.0f} MB, once)"
        assert button.is_visible() and button.text_content() == label, button.text_content()
        fetched = [path for path, _, _ in site.requests[first_request:]]
        assert not [p for p in fetched if "/lite/" in p or "worker" in p], fetched

        static_src = _state(root)["src"]
        _start(page, root)
        problems = []
        start_key = _state(root)["key"]
        problems += _frame_problems(root, explorer, start_key, static_src)
        if not page.evaluate("() => document.activeElement.matches('[data-param]')"):
            problems.append("the focus did not move to the first control in live mode")
        if "Live" not in _state(root)["note"] or _state(root)["button"]:
            problems.append(f"live mode is not said: {_state(root)['note']!r}")

        # Each slider between two static values, then every option of every choice.
        key = start_key
        for k, control in enumerate(explorer.controls):
            if isinstance(control, Slider):
                live = data["live"][k]
                index = _between(live["at"], list(control.values).index(control.start))
                before = _state(root)["src"]
                key = _move(root, k, index)
                problems += _frame_problems(root, explorer, key, before)
        for k, control in enumerate(explorer.controls):
            if not isinstance(control, Slider):
                start = list(control.values).index(control.start)
                for index in [*range(len(control.values)), start]:
                    if index != int(key.split("-")[k]):
                        before = _state(root)["src"]
                        key = _move(root, k, index)
                        problems += _frame_problems(root, explorer, key, before)

        # The arrow keys step a slider through its live values.
        k, slider = next((k, c) for k, c in enumerate(explorer.controls) if isinstance(c, Slider))
        element = root.locator(f"[data-param='{slider.name}']")
        element.focus()
        before = _state(root)["src"]
        page.keyboard.press("ArrowRight")
        step = key.split("-")
        step[k] = str(int(step[k]) + 1)
        page.wait_for_function(
            "([root, key]) => root.dataset.liveKey === key",
            arg=[root.element_handle(), "-".join(step)],
            timeout=FRAME_TIMEOUT * 1e3,
        )
        problems += _frame_problems(root, explorer, "-".join(step), before)

        # Fast moves: only the frame in flight and the latest value are drawn.
        values = list(range(2, 22))
        moved = root.evaluate(FAST_MOVES, [k, values, FRAME_TIMEOUT * 1000])
        if moved["drawn"][-1:] != [moved["last"]] or len(moved["drawn"]) > 2:
            problems.append(
                f"20 fast moves drew {moved['drawn']}, not at most 2 ending in the last"
            )

        compared, report = _compare_with_static(root, explorer, data)
        problems += compared
        live_report += report
        root.scroll_into_view_if_needed()
        SCREENSHOTS.mkdir(exist_ok=True)
        root.screenshot(path=SCREENSHOTS / f"{name.replace('/', '_')}-explorer-live.png")
        problems += _axe_problems(_axe_violations(page, axe_source))
        problems += visit.problems()
    # What the page fetched after it loaded is the worker and the site's Pyodide files
    # it lists (only some of them, or none, when an earlier page left them in the cache).
    allowed = {f"/lite/static/pyodide/{f}" for f in lite.explorer_download(lite.pyodide_folder())}
    fetched = {p for p, _, _ in site.requests[first_request:]}
    assert {p for p in fetched if "/lite/" in p} <= allowed, sorted(fetched - allowed)
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.build
@pytest.mark.browser
def test_without_live_mode_the_frames_stay_and_the_page_says_why(
    chromium: Browser, site: Server, build: Path
) -> None:
    """Opened as a file, or in a browser without WebAssembly or Web Workers, an explorer
    has no button, says why in one sentence, and its sliders still step through the
    frames."""
    cases = [
        (f"{build.as_uri()}/{name}.html", from_disk, "", FILE_NOTICE) for name in EXPLORER_PAGES
    ]
    name = sorted(EXPLORER_PAGES)[0]
    url = f"{site.url}/{name}.html"
    cases += [
        (url, same_host(site.url), "delete window.WebAssembly;", "This browser has no WebAssembly"),
        (url, same_host(site.url), "delete window.Worker;", "This browser cannot run Web Workers"),
    ]
    problems = []
    for url, allowed, init, notice in cases:
        with open_page(chromium, "about:blank", allowed) as visit:
            if init:
                visit.page.add_init_script(init)
            visit.page.goto(url, wait_until="domcontentloaded")  # the scripts have run
            root = visit.page.locator(".nnfb-static-explorer")
            state = _state(root)
            where = f"{url.rsplit('/', 1)[1]} {init}"
            if state["button"]:
                problems.append(f"{where}: the live-mode button is shown")
            sentences = state["note"].count(". ") + 1
            if not state["note"].startswith(notice) or sentences != 1:
                problems.append(f"{where}: the notice reads {state['note']!r}")
            before = state["src"]
            root.locator("input[type=range]").first.fill("0")
            if _state(root)["src"] == before:
                root.locator("input[type=range]").first.fill("1")
            if _state(root)["src"] == before:
                problems.append(f"{where}: the slider does not change the frame")
            problems += visit.problems()
    assert not problems, "\n".join(problems)


@pytest.mark.build
@pytest.mark.browser
def test_the_student_edition_starts_live_mode_with_the_same_pyodide(
    chromium: Browser,
    shared_context: BrowserContext,
    site: Server,
    student_site: Path,  # noqa: F811 (the fixture imported above)
) -> None:
    """Both editions' explorer pages point their live mode at the site's one Pyodide
    folder, and a student page starts it."""
    folder = lite.pyodide_folder()
    for page in [*EXPLORER_PAGES, *(f"student/{name}" for name in EXPLORER_PAGES)]:
        html = student_site.parent / f"{page}.html"
        tag = LIVE_SCRIPT.search(html.read_text(encoding="utf-8"))
        assert tag, f"{page}: no live-mode script"
        script = html.parent / tag["src"].split("?", 1)[0]
        target = (script.parent / tag["pyodide"]).resolve()
        assert target == folder.resolve(), f"{page}: data-pyodide points at {target}"
    name = sorted(EXPLORER_PAGES)[-1]
    first_request = len(site.requests)
    url = f"{site.url}/student/{name}.html"
    with open_page(chromium, url, same_host(site.url), context=shared_context) as visit:
        root = visit.page.locator(".nnfb-static-explorer")
        static_src = _state(root)["src"]
        _start(visit.page, root)
        explorer = EXPLORERS[EXPLORER_PAGES[name]]()
        problems = _frame_problems(root, explorer, _state(root)["key"], static_src)
        problems += visit.problems()
    fetched = {p for p, _, _ in site.requests[first_request:] if "/lite/" in p}
    assert {p.rsplit("/", 1)[1] for p in fetched} <= set(lite.explorer_download(folder))
    assert not problems, "\n".join(problems)
