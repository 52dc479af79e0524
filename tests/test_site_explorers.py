"""The static explorers of the HTML book in headless Chromium: every control changes the
frame, its value label, its alt text and what a screen reader hears, and every
combination of values has a frame. The checks are shown to fail on a toy explorer
broken on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator

from helpers.widgets import EXPLORERS, Choice, Explorer, Slider
from tests.support.explorers import chapter_explorers, toy_explorer
from tests.support.site import (
    SCREENSHOTS,
    Server,
    open_page,
    same_host,
    serve,
)

# The explorer each chapter page shows (by its data-explorer name).
EXPLORER_PAGES = {f"book/{stem}": names[0] for stem, names in chapter_explorers().items()}


def _expected_labels(control: Slider | Choice) -> list[str]:
    """The value labels the explorer's package definition shows for each value."""
    return [control.show(v) for v in control.values]


def _choose(element: Locator, index: int) -> None:
    """Set a control as a reader would: pick an option, or drag the range to index."""
    if element.evaluate("el => el.tagName") == "SELECT":
        element.select_option(value=str(index))
    else:
        element.fill(str(index))  # sets the value and fires input and change


def _frame(root: Locator) -> str:
    """The src of the frame the explorer shows."""
    return root.locator("img.nnfb-frame").evaluate("img => img.src")


def _frame_loads(root: Locator) -> bool:
    """Whether the shown frame decodes to an image."""
    script = "img => img.decode().then(() => img.naturalWidth > 0, () => false)"
    return bool(root.locator("img.nnfb-frame").evaluate(script))


ANNOUNCED = """root => ({
  alt: root.querySelector("img.nnfb-frame").alt,
  live: Array.from(root.querySelectorAll("[aria-live]"), (el) => el.textContent),
  valuetext: Array.from(root.querySelectorAll("input[type=range]"),
    (el) => [el.dataset.param, el.getAttribute("aria-valuetext")]),
})"""


def _announced_problems(root: Locator, explorer: Explorer, params: dict[str, Any]) -> list[str]:
    """What a screen reader gets for the shown frame: its alt text, the live region's
    words and each range input's value text, against what the explorer defines."""
    state = root.evaluate(ANNOUNCED)
    where = explorer.values_text(**params)
    problems = []
    if state["alt"] != explorer.alt_text(**params):
        problems.append(f"{where}: alt text {state['alt'][:80]!r} is not this frame's")
    if state["live"] != [where]:
        problems.append(f"{where}: the live region says {state['live']!r}")
    controls = {c.name: c for c in explorer.controls}
    for name, text in state["valuetext"]:
        if text != controls[name].show(params[name]):
            problems.append(f"{where}: {name}'s aria-valuetext is {text!r}")
    return problems


def _explorer_problems(
    root: Locator, controls: Sequence[Slider | Choice], explorer: Explorer | None = None
) -> list[str]:
    """Move every control to every value: the frame and the value label must follow,
    and (given the explorer) the alt text, the live region and the value texts too."""
    problems: list[str] = []
    first = _frame(root)
    if not _frame_loads(root):
        problems.append("the first frame does not load")
    start_params = {c.name: c.start for c in controls}
    for control in controls:
        element = root.locator(f"[data-param='{control.name}']")
        label = root.locator(f".nnfb-control-{control.name} .nnfb-value")
        labels = _expected_labels(control)
        start = list(control.values).index(control.start)
        if label.text_content() != labels[start]:
            problems.append(f"{control.name}: label {label.text_content()!r} at the start")
        for index in (i for i in range(len(labels)) if i != start):
            _choose(element, index)
            if _frame(root) == first:
                problems.append(f"{control.name}={labels[index]}: the frame did not change")
            elif not _frame_loads(root):
                problems.append(f"{control.name}={labels[index]}: the new frame does not load")
            if label.text_content() != labels[index]:
                problems.append(
                    f"{control.name}={labels[index]}: label shows {label.text_content()!r}"
                )
            if explorer is not None:
                params = {**start_params, control.name: control.values[index]}
                problems += _announced_problems(root, explorer, params)
        _choose(element, start)
        if _frame(root) != first:
            problems.append(f"{control.name}: moving back does not restore the first frame")
        if isinstance(control, Slider):
            step = 1 if start < len(labels) - 1 else -1
            element.press("ArrowRight" if step > 0 else "ArrowLeft")
            if label.text_content() != labels[start + step] or _frame(root) == first:
                problems.append(f"{control.name}: the arrow keys do not move the slider")
            _choose(element, start)
    return problems


EVERY_COMBINATION = """async (root) => {
  const inputs = Array.from(root.querySelectorAll("[data-param]"));
  const sizes = inputs.map((el) => el.tagName === "SELECT" ? el.options.length : +el.max + 1);
  const start = inputs.map((el) => el.value);
  const img = root.querySelector(".nnfb-frame");
  const total = sizes.reduce((a, b) => a * b, 1);
  const broken = [];
  for (let n = 0; n < total; n++) {
    let rest = n;
    inputs.forEach((el, k) => {
      el.value = String(rest % sizes[k]);
      rest = Math.floor(rest / sizes[k]);
    });
    inputs[0].dispatchEvent(new Event("input"));
    const ok = await img.decode().then(() => img.naturalWidth > 0, () => false);
    if (!ok) broken.push(inputs.map((el) => el.value).join("-"));
  }
  inputs.forEach((el, k) => { el.value = start[k]; });
  inputs[0].dispatchEvent(new Event("input"));
  return {total, broken};
}"""


@pytest.mark.build
@pytest.mark.browser
@pytest.mark.parametrize("name", sorted(EXPLORER_PAGES))
def test_static_explorer_moves(chromium: Browser, site: Server, name: str) -> None:
    """Every control changes the frame and the label, and every combination has a frame."""
    with open_page(chromium, f"{site.url}/{name}.html", same_host(site.url)) as visit:
        roots = visit.page.locator(".nnfb-static-explorer")
        assert roots.count() >= 1, f"{name}: no static explorer on the page"
        problems: list[str] = []
        for root in roots.all():
            explorer = root.get_attribute("data-explorer") or ""
            assert explorer == EXPLORER_PAGES[name], f"{name}: unexpected explorer {explorer!r}"
            root.scroll_into_view_if_needed()
            SCREENSHOTS.mkdir(exist_ok=True)
            root.screenshot(path=SCREENSHOTS / f"{name.replace('/', '_')}-explorer.png")
            built = EXPLORERS[explorer]()
            problems += _explorer_problems(root, built.controls, built)
            grid = root.evaluate(EVERY_COMBINATION)
            problems += [f"combination {key}: no frame" for key in grid["broken"]]
        problems += visit.problems()
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.browser
def test_explorer_checks_catch_a_broken_explorer(chromium: Browser, tmp_path: Path) -> None:
    """A working toy explorer passes; one that ignores its controls or lacks a frame fails."""
    explorer = toy_explorer()
    good = explorer.static_html()
    pages = {
        "good": good,
        "deaf": re.sub(r'el\.addEventListener\("(input|change)", update\);', "", good),
        "gap": good.replace('"1-2":', '"9-9":'),
        "mute": good.replace("img.alt = data.alts[frame];", "")
        .replace("announce.textContent = said;", "")
        .replace('el.setAttribute("aria-valuetext", shown);', ""),
    }
    assert len({pages["good"], pages["mute"]}) == 2
    for name, body in pages.items():
        (tmp_path / f"{name}.html").write_text(f"<!doctype html><body>{body}</body>")
    found: dict[str, list[str]] = {}
    with serve(tmp_path) as server:
        for name in pages:
            url = f"{server.url}/{name}.html"
            with open_page(chromium, url, same_host(server.url)) as visit:
                root = visit.page.locator(".nnfb-static-explorer")
                if name != "gap":
                    found[name] = _explorer_problems(root, explorer.controls, explorer)
                else:
                    grid = root.evaluate(EVERY_COMBINATION)
                    found[name] = [f"combination {key}: no frame" for key in grid["broken"]]
                found[name] += visit.problems()
    assert found["good"] == []
    deaf = "\n".join(found["deaf"])
    for expected in ("the frame did not change", "label shows", "arrow keys do not move"):
        assert expected in deaf, f"deaf explorer: {expected!r} not reported in {deaf}"
    gaps = [p for p in found["gap"] if p.startswith("combination")]
    assert gaps == ["combination 1-2: no frame"], found["gap"]
    mute = "\n".join(found["mute"])
    for expected in ("is not this frame's", "the live region says", "aria-valuetext is"):
        assert expected in mute, f"mute explorer: {expected!r} not reported in {mute}"
