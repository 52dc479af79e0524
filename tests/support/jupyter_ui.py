"""Driving a notebook in JupyterLab, Notebook 7 or the browser edition as a reader does:
Run All and wait for every cell, read an explorer's image, move one of its controls.
Shared by the live-server tests and the browser edition's tests."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from helpers.widgets import Choice, Slider

PNG = b"\x89PNG\r\n\x1a\n"

RUN_ALL_TIMEOUT = 300.0  # s: a whole chapter, run cell by cell in the browser

#: Every code cell has run, or a traceback is shown. With ``skipFolded``, folded cells
#: (whose prompt is hidden until they are unfolded) are left out.
JS_RUN_STATE = """(skipFolded) => {
  const errors = ['stderr', 'error'].map(t => `.jp-Notebook [data-mime-type$="jupyter.${t}"]`);
  for (const out of document.querySelectorAll(errors.join(', '))) {
    if (out.textContent.includes('Traceback (most recent call last)')) {
      return 'error: ' + out.textContent.slice(0, 3000);
    }
  }
  let cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  if (skipFolded) cells = cells.filter(c => !c.querySelector('.jp-InputPlaceholder'));
  const prompts = cells.map(c => (c.querySelector('.jp-InputPrompt') || {}).textContent || '');
  return cells.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p)) ? 'done' : false;
}"""

JS_IMAGE = """async (root) => {
  const img = root.querySelector('img.nnfb-image');
  const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return {src: img.src, data: btoa(text)};
}"""


def click_run_all(page: Page) -> None:
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def wait_until_run(
    page: Page, state_js: str = JS_RUN_STATE, polling: int = 250, skip_folded: bool = False
) -> None:
    """Wait until ``state_js`` (a page function returning 'done', 'error: ...' or false,
    given ``skip_folded``) says every code cell has run."""
    try:
        state = page.wait_for_function(
            state_js, arg=skip_folded, timeout=RUN_ALL_TIMEOUT * 1000, polling=polling
        )
    except PlaywrightTimeout:
        prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
        pytest.fail(f"the cells did not all run in {RUN_ALL_TIMEOUT:.0f} s; prompts: {prompts}")
    assert state.json_value() == "done", state.json_value()


def run_all_cells(page: Page, state_js: str = JS_RUN_STATE, polling: int = 250) -> None:
    """Run > Run All Cells, and wait until ``state_js`` (a page function returning
    'done', 'error: ...' or false) says every code cell has run."""
    click_run_all(page)
    wait_until_run(page, state_js, polling)


@dataclass
class Frame:
    """The explorer's image as the browser shows it."""

    src: str
    png: bytes


def frame(root: Locator) -> Frame:
    """The bytes of the image the explorer ``root`` shows now, fetched by the page."""
    shown = root.evaluate(JS_IMAGE)
    png = base64.b64decode(shown["data"])
    assert png.startswith(PNG), f"the explorer's image is not a PNG: {png[:16]!r}"
    return Frame(shown["src"], png)


def move(page: Page, control: Locator, spec: Slider | Choice, value: Any) -> Any:
    """Move one control away from ``value`` as a reader would; return its new value."""
    if isinstance(spec, Choice):
        options = list(spec.options)
        new = options[(options.index(value) + 1) % len(options)]
        control.locator("select").select_option(new)
        return new
    # Drag the slider's handle by a third of the track, towards its far side.
    handle = control.locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    knob, track = handle.bounding_box(), control.locator(".noUi-base").bounding_box()
    assert knob and track, "the slider is not displayed"
    x, y = knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2
    dx = track["width"] / 3 * (1 if x < track["x"] + track["width"] / 2 else -1)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=8)
    page.mouse.up()
    moved = float(control.locator(".widget-readout").inner_text())
    assert spec.show(moved) != spec.show(value), f"dragging {spec.name} left it at {value}"
    return moved
