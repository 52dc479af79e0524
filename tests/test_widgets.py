"""helpers.widgets: the explorer machinery (model, front-ends, output, caches) on a toy
explorer, and the contract every explorer of the book keeps. What is particular to one
explorer is in test_widget_<name>.py."""

from __future__ import annotations

import html
import importlib
import json
import os
from typing import Any

import numpy as np
import pytest

from helpers import plots, widgets
from helpers.widgets import EXPLORERS, FRAMES_ENV, Choice, Explorer, Slider, _worker
from helpers.widgets._cache import last_result
from helpers.widgets._static import asset
from tests.support.explorers import chapter_explorers, frames_data, static_frames
from tests.support.explorers import toy_explorer as toy

#: The explorers whose frame and alt text share one remembered computation, and the
#: function (module, name) where that computation starts.
SHARED_PASS = {
    "initialization": ("helpers.widgets.initialization", "live_sample"),
    "gradient_flow": ("helpers.experiments", "gradient_profile"),
    "momentum": ("helpers.experiments", "descend"),
}


# --- the contract every explorer keeps ----------------------------------------------------


def count_pass(patch: pytest.MonkeyPatch, name: str) -> list[int]:
    """A list that grows by one at each call of explorer ``name``'s pass (SHARED_PASS),
    counted where the pass starts, until ``patch`` is undone."""
    module_name, function = SHARED_PASS[name]
    module = importlib.import_module(module_name)
    real, counted = getattr(module, function), []
    patch.setattr(module, function, lambda *a, **k: counted.append(1) or real(*a, **k))
    return counted


#: explorer name -> how many times its pass (SHARED_PASS) ran while its static HTML
#: was built, filled in by the ``built`` fixture.
PASSES: dict[str, int] = {}


@pytest.fixture(scope="module", params=sorted(EXPLORERS))
def built(request) -> tuple[str, Explorer, str]:
    """(name, explorer, its static HTML), once per explorer; its pass is counted in
    PASSES where it starts (a fresh explorer: nothing is remembered yet)."""
    name = request.param
    explorer, counted = EXPLORERS[name](), []
    with pytest.MonkeyPatch.context() as patch:
        if name in SHARED_PASS:
            counted = count_pass(patch, name)
        page = explorer.static_html()
    PASSES[name] = len(counted)
    return name, explorer, page


def test_every_grid_point_has_a_frame_with_its_own_alt_text(built):
    name, explorer, page = built
    data = frames_data(page)
    sizes = [len(c.values) for c in explorer.controls]
    assert len(data["index"]) == int(np.prod(sizes)), name
    assert sorted(set(data["index"].values())) == list(range(len(data["frames"])))
    assert len(data["alts"]) == len(data["frames"]) == len(set(data["alts"])), name
    assert all(len(alt) >= 40 and explorer.heading in alt for alt in data["alts"])
    start = explorer.params()
    assert f'alt="{html.escape(explorer.alt_text(**start))}"' in page
    assert "http://" not in page and "https://" not in page and "<iframe" not in page


def test_a_reused_figure_renders_the_same_bytes_as_a_fresh_one(built):
    """Draw functions keep their artists between frames (_cache.reuse): a static frame,
    drawn on one reused figure after every frame before it in the grid, must be the
    frame a fresh explorer draws first, at about 20 points of each explorer's grid."""
    name, explorer, page = built
    frames, index = static_frames(page)
    grid = list(explorer.grid())
    for key, params, _ in grid[:: max(3, len(grid) // 20)]:
        fresh = EXPLORERS[name]().render(dpi=explorer.static_dpi, **params)
        assert frames[index[key]] == fresh, f"{name}: reused figure differs at {params}"


def test_each_dpi_draws_on_a_canvas_of_its_own(built):
    name, explorer, _ = built
    params = explorer.params()
    live = explorer.render(**params)
    static = explorer.render(dpi=explorer.static_dpi, **params)
    assert explorer.render(**params) == live and live != static, name
    assert {f.dpi for f in explorer._canvases.values()} == {explorer.live_dpi, explorer.static_dpi}


def test_the_live_widget_redraws_when_a_slider_moves(built):
    name, explorer, _ = built
    box = explorer.live()
    image, status = box.children[2], box.children[1]
    before = image.value
    slider = next(c for c in explorer.controls if isinstance(c, Slider))
    value = slider.values[0] if slider.start != slider.values[0] else slider.values[-1]
    box.inputs[slider.name].value = value
    assert image.value != before, name
    assert f"{slider.label or slider.name} = {slider.show(value)}" in status.value
    assert "nnfb-explorer" in box._dom_classes


@pytest.mark.parametrize("built", sorted(SHARED_PASS), indirect=True)
def test_a_static_frame_and_its_alt_text_share_one_computation(built):
    """The alt text describes the numbers the frame drew without computing them again:
    the explorer's pass (counted where it starts) ran once per frame of its static HTML."""
    name, _, page = built
    data = frames_data(page)
    assert PASSES[name] == len(data["frames"]) == len(data["alts"]), name


def test_a_pass_computed_twice_is_counted_twice(monkeypatch):
    """The count above can fail: without the remembered result (last_result taken off
    momentum_path), drawing a frame and describing it each compute the pass."""
    from helpers.widgets import momentum

    counted = count_pass(monkeypatch, "momentum")
    monkeypatch.setattr(momentum, "momentum_path", momentum.momentum_path.__wrapped__)
    explorer = EXPLORERS["momentum"]()
    params = explorer.params()
    explorer.render(dpi=explorer.static_dpi, **params)
    explorer.alt_text(**params)
    assert len(counted) == 2


# --- the in-page live front-end (the explorers' Web Worker) -------------------------------


def test_every_slider_has_five_static_values_and_fifty_live_steps(built):
    """The static frames show at least 5 values of every slider; live, a slider steps
    through at least 50 values over the ipywidgets slider's range, the static values
    among them, and the page knows the label of each."""
    name, explorer, page = built
    data = frames_data(page)
    box = explorer.live()
    for k, control in enumerate(explorer.controls):
        if not isinstance(control, Slider):
            assert data["live"][k] is None
            continue
        live = control.live_values()
        widget = box.inputs[control.name]
        assert len(control.values) >= 5, f"{name}: {control.name} has {len(control.values)}"
        assert len(live) - 1 >= 50, f"{name}: {control.name} moves in {len(live) - 1} steps"
        assert (live[0], live[-1]) == (widget.min, widget.max) and widget.step == control.live_step
        assert all(b > a for a, b in zip(live, live[1:], strict=False))
        assert data["live"][k]["labels"] == [control.show(v) for v in live]
        assert [live[i] for i in data["live"][k]["at"]] == [float(v) for v in control.values]


def test_live_values_step_the_range_and_keep_the_static_values():
    assert Slider("a", [0.0, 0.3], step=0.1).live_values() == [0.0, 0.1, 0.2, 0.3]
    assert Slider("a", [0.0, 0.25, 0.5], step=0.1).live_values() == [
        0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5
    ]  # fmt: skip
    assert Slider("a", [0.0, 1.05], step=0.5).live_values() == [0.0, 0.5, 1.0, 1.05]
    assert Slider("a", [1, 2, 4]).live_values() == [1.0, 2.0, 3.0, 4.0]  # step: the first gap


def _live_key(explorer: Explorer, params: dict[str, Any]) -> str:
    """The worker's key of params: an index per control, into a slider's live values."""
    return "-".join(
        str(
            (c.live_values() if isinstance(c, Slider) else list(c.values)).index(
                float(params[c.name]) if isinstance(c, Slider) else params[c.name]
            )
        )
        for c in explorer.controls
    )


def test_the_worker_draws_what_the_static_frames_show(built):
    """helpers.widgets._worker.frame, which the page's Web Worker runs, draws a grid
    point with the same render and alt text as its static frame (here, natively: the
    same bytes; the browser tests compare Pyodide's)."""
    name, explorer, page = built
    data = frames_data(page)
    grid = list(explorer.grid())
    for key, params, _ in grid[:: len(grid) // 4]:
        reply = json.loads(_worker.frame(name, _live_key(explorer, params)))
        frame = data["index"][key]
        assert reply["src"] == "data:image/png;base64," + data["frames"][frame], (name, key)
        assert reply["alt"] == data["alts"][frame] == explorer.alt_text(**params)
        assert reply["said"] == explorer.values_text(**params)


def test_the_worker_refuses_what_no_page_asks_for():
    with pytest.raises(ValueError, match="explorer must be one of"):
        _worker.frame("toy", "0-0")
    explorer = EXPLORERS["gradient_flow"]()
    for key, message in [
        ("0-1", "3 indices"),
        ("0-1-x", "3 indices"),
        ("0--1-2", "3 indices"),
        ("0-999-1", "depth has 56 values"),
        ("3-0-0", "activation has 3 values"),
    ]:
        with pytest.raises(ValueError, match=message):
            _worker.live_params(explorer, key)
    with pytest.raises(TypeError, match="key must be a str"):
        _worker.live_params(explorer, 12)  # type: ignore[arg-type]
    assert _worker.live_params(explorer, "2-1-0") == {
        "activation": "relu",
        "depth": 6.0,
        "gain": 0.5,
    }


# --- the output a notebook cell shows ------------------------------------------------------


def test_the_output_holds_the_static_frames_only_where_the_html_book_is_built(monkeypatch):
    monkeypatch.delenv(FRAMES_ENV, raising=False)
    live = toy().show()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in live
    assert "nnfb-static-explorer" not in live["text/html"]
    assert "precomputed frames are in the HTML book" in live["text/html"]
    assert live["text/plain"] == "Explorer('toy', controls: shape, slope)"
    monkeypatch.setenv(FRAMES_ENV, "1")
    book = toy().show()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in book
    assert 'class="nnfb-static-explorer"' in book["text/html"]


def test_the_html_build_asks_its_kernels_for_the_frames(monkeypatch):
    """_ext/explorer_frames.py sets FRAMES_ENV in the build's environment, which the
    kernels it starts inherit."""
    import sys

    from editions.book import ROOT

    monkeypatch.delenv(FRAMES_ENV, raising=False)
    monkeypatch.syspath_prepend(str(ROOT / "_ext"))
    extension = importlib.import_module("explorer_frames")

    class App:
        pass

    extension.setup(App())
    assert extension.FRAMES_ENV == FRAMES_ENV and os.environ[FRAMES_ENV] == "1"
    sys.modules.pop("explorer_frames")


# --- the static front-end --------------------------------------------------------------------


def test_the_static_front_end_is_built_from_its_files():
    page = toy().static_html()
    assert asset("explorer.js").strip() in page and asset("explorer.css").strip() in page
    assert "$" not in page.replace(asset("explorer.js"), "")  # every placeholder filled
    data = frames_data(page)
    assert len(data["frames"]) == 6 and data["labels"] == [["line", "parabola"], ["1", "2", "3"]]
    assert page.count('type="range"') == 1 and page.count("<select") == 1
    assert 'aria-label="slope" aria-valuetext="2"' in page
    assert page.count('role="status" aria-live="polite"') == 1
    assert "<output" not in page  # an <output> is a second live region


def test_static_html_is_deterministic_and_escapes_its_data():
    def small(label: str) -> Explorer:
        explorer = toy()
        explorer.title = label
        return explorer

    assert small("a").static_html() == small("a").static_html()
    tricky = small("</script><b>")
    page = tricky.static_html()
    assert "</script><b>" not in page
    assert "&lt;/script&gt;&lt;b&gt;" in page and frames_data(page)["alts"][0].startswith("</")


# --- the model -------------------------------------------------------------------------------


def test_grid_keys_and_shared_frames():
    explorer = toy()
    explorer.canonical = lambda p: {"shape": p["shape"]}  # slope ignored: 2 frames
    keys = [(key, frame) for key, _, frame in explorer.grid()]
    assert [k for k, _ in keys] == ["0-0", "0-1", "0-2", "1-0", "1-1", "1-2"]
    assert len({f for _, f in keys}) == 2
    pngs, index = explorer.frames()
    assert len(pngs) == 2 and index == {"0-0": 0, "0-1": 0, "0-2": 0, "1-0": 1, "1-1": 1, "1-2": 1}
    assert explorer.alt_text(shape="line", slope=3.0).startswith("toy explorer, for shape line.")


def test_every_explorer_is_registered_and_shown_by_a_chapter():
    assert all(factory().name == name for name, factory in EXPLORERS.items())
    shown = chapter_explorers()
    assert sorted(n for names in shown.values() for n in names) == sorted(EXPLORERS)
    assert shown["02_activations"] == ["activation"]


def test_bad_definitions_are_refused():
    with pytest.raises(ValueError, match="increasing"):
        Slider("a", [2.0, 1.0])
    with pytest.raises(ValueError, match="default"):
        Choice("c", ["x", "y"], default="z")
    with pytest.raises(ValueError, match="options must not be empty"):
        Choice("c", [])
    with pytest.raises(ValueError, match="distinct"):
        Explorer("e", toy().draw, [Slider("a", [0, 1]), Slider("a", [0, 1])])
    with pytest.raises(TypeError, match="draw must be callable"):
        Explorer("e", "draw", [Slider("a", [0, 1])])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="describe must be callable"):
        Explorer("e", toy().draw, [Slider("a", [0, 1])], describe="words")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown parameter"):
        toy().render(tilt=2.0)
    silent = toy()
    silent.describe = lambda **params: " "
    with pytest.raises(ValueError, match="describe must return a non-empty string"):
        silent.alt_text()


# --- the caches --------------------------------------------------------------------------------


def test_last_result_computes_once_for_the_same_arguments():
    calls = []

    @last_result
    def profile(name, scale=1.0):
        calls.append((name, scale))
        if scale <= 0:
            raise ValueError("scale must be positive")
        return [np.full(3, scale)], name

    first = profile("tanh", scale=2.0)
    again = profile("tanh", scale=2.0)
    assert calls == [("tanh", 2.0)]
    np.testing.assert_array_equal(again[0][0], [2.0, 2.0, 2.0])
    assert again[0] is not first[0]  # a copy of the list: appending changes nothing
    with pytest.raises(ValueError, match="read-only"):
        again[0][0][0] = 5.0
    profile("tanh", scale=3.0)
    profile("tanh", scale=2.0)
    assert len(calls) == 3  # only the last call is remembered
    for _ in range(2):
        with pytest.raises(ValueError, match="positive"):
            profile("tanh", scale=-1.0)
    assert len(calls) == 5
    profile(np.zeros(2))  # arguments that are not plain values are never remembered
    profile(np.zeros(2))
    assert len(calls) == 7


def test_last_result_tells_values_of_other_types_apart():
    """True == 1 and 1 == 1.0 in Python, but a call with True is not the call with 1: it
    is computed (and refused, if the function refuses it) afresh."""
    seen = []

    @last_result
    def depth_of(depth):
        if isinstance(depth, bool):
            raise TypeError("depth must be an int, got bool")
        seen.append(depth)
        return depth

    assert depth_of(1) == 1
    with pytest.raises(TypeError, match="got bool"):
        depth_of(True)
    assert depth_of(1.0) == 1.0 and seen == [1, 1.0]


def test_a_remembered_explorer_pass_still_refuses_a_bool_depth():
    """After a valid call, the same values as another type are checked again."""
    widgets.draw_gradient_flow(plots.canvas(), "relu", 1, 1.0, width=8)
    with pytest.raises((TypeError, ValueError), match="depth"):
        widgets.draw_gradient_flow(plots.canvas(), "relu", True, 1.0, width=8)
