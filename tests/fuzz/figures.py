"""The fuzz catalogue: exercises, drawings and figures."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from helpers import (
    autodiff,
    exercises,
    graph_drawing,
    network_drawing,
    norm,
    norm_drawing,
    plots,
)
from tests.fuzz import (
    Arr,
    Choice,
    Entry,
    Fixed,
    Flag,
    Int,
    Real,
    Slot,
    Text,
    Thing,
    Variant,
    Widths,
    contains,
    equal,
    other_shapes,
    scenario,
    true,
)

# --- exercises, drawings, figures ------------------------------------------------------


def exercises_entries() -> Iterator[Entry]:
    yield Entry(
        "exercises.describe",
        exercises.describe,
        {"value": Fixed(lambda rng: np.arange(3.0)), "limit": Int(60, low=4, names=("limit",))},
        check=lambda text: equal(text, "[0., 1., 2.]"),
        finite=False,
    )

    def checked(label: str, reads: Any) -> Any:
        with contextlib.redirect_stdout(io.StringIO()), exercises.check(label, reads) as outcome:
            pass
        return outcome.passed

    yield Entry(
        "exercises.check",
        checked,
        {
            "label": Text("ex-label"),
            "reads": Thing(
                lambda rng: ["answer"],
                names=("reads",),
                wrong=(("str", "answer"), ("int", 5), ("not identifiers", ["an answer"])),
            ),
        },
        check=true,
        finite=False,
        covers=("exercises.Check",),
    )

    def printed(claim: Any) -> str:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            exercises.checked(claim)
        return out.getvalue()

    def one_line(claim: str) -> Callable[[str], None]:
        return lambda text: equal(text, f"{exercises.PASS_MARK} Checked: {claim}\n")

    claim = "He initialisation keeps the spread"
    yield Entry(
        "exercises.checked",
        printed,
        {"claim": Text(claim)},
        check=one_line(claim),
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "exercises.checked",
                "spaces only",
                "empty",
                lambda: printed("   "),
                expect="error",
                names=("claim",),
            ),
            scenario(
                "exercises.checked",
                "spaces around",
                "valid",
                lambda: printed(f"  {claim}\n"),
                check=one_line(claim),
            ),
            scenario(
                "exercises.checked",
                "a claim over two lines",
                "range",
                lambda: printed("He initialisation keeps\nthe spread"),
                expect="either",
                check=one_line(claim),
                names=("claim",),
            ),
        ],
    )


def _canvas(rng: np.random.Generator) -> Axes:
    return plots.canvas(2, 2, 20).add_subplot()


_SHARED: dict[str, Any] = {}


def _shared_axes(rng: np.random.Generator) -> Axes:
    """One axis for every drawing case: a drawing only adds artists to it, and a new
    figure per case would cost most of the suite's time."""
    if "ax" not in _SHARED:
        _SHARED["ax"] = _canvas(rng)
    return _SHARED["ax"]


def _four_axes(rng: np.random.Generator) -> Any:
    if "axes" not in _SHARED:
        _SHARED["axes"] = plots.canvas(4, 1, 20).subplots(1, 4)
    return _SHARED["axes"]


AX = Thing(_shared_axes, names=("ax",), wrong=(("str", "ax"), ("None", None), ("figure", Figure())))


def drawing_entries() -> Iterator[Entry]:
    root = Thing(
        lambda rng: autodiff.Var(1.0, "x") * autodiff.Var(2.0, "w"), names=("root", "node")
    )
    yield Entry(
        "graph_drawing.graph_layout",
        lambda root: len(graph_drawing.graph_layout(root)),
        {"root": root},
        check=lambda n: equal(n, 3),
        finite=False,
    )
    yield Entry(
        "graph_drawing.node_expression",
        graph_drawing.node_expression,
        {"node": root},
        check=lambda t: equal(t, "x × w"),
        finite=False,
    )
    yield Entry(
        "graph_drawing.node_label",
        graph_drawing.node_label,
        {"node": root, "show": Choice("both", names=("show",))},
        finite=False,
    )
    yield Entry(
        "graph_drawing.draw_graph",
        lambda ax, root, show: len(graph_drawing.draw_graph(ax, root, show)),
        {"ax": AX, "root": root, "show": Choice("value", names=("show",))},
        finite=False,
    )
    yield Entry(
        "network_drawing.unit_positions",
        lambda sizes, column_gap: len(network_drawing.unit_positions(sizes, column_gap)),
        {
            "sizes": Widths([2, 3, 1]),
            "column_gap": Real(2.0, low=2 * network_drawing.RADIUS, low_open=True),
        },
        check=lambda n: equal(n, 6),
        finite=False,
    )
    yield Entry(
        "network_drawing.draw_network",
        lambda ax, sizes, dropped, weight_label_at: len(
            network_drawing.draw_network(
                ax, sizes, dropped=dropped, weight_label_at=weight_label_at
            )
        ),
        {
            "ax": AX,
            "sizes": Widths([2, 3, 1]),
            "dropped": Dropped(),
            "weight_label_at": Real(0.3, low=0.0, high=1.0, low_open=True, high_open=True),
        },
        finite=False,
        scenarios=lambda rng: [
            scenario(
                "network_drawing.draw_network",
                "unit labels that are not text",
                "type",
                lambda: network_drawing.draw_network(_canvas(rng), [2, 1], unit_labels={(0, 0): 5}),
                expect="error",
                names=("unit_labels",),
            ),
            scenario(
                "network_drawing.draw_network",
                "a weight label on no weight",
                "range",
                lambda: network_drawing.draw_network(
                    _canvas(rng), [2, 1], weight_labels={(1, 5, 0): "w"}
                ),
                expect="error",
                names=("weight_labels",),
            ),
            scenario(
                "network_drawing.draw_network",
                "layer labels of the wrong count",
                "shape",
                lambda: network_drawing.draw_network(_canvas(rng), [2, 1], layer_labels=["a"]),
                expect="error",
                names=("layer_labels",),
            ),
        ],
    )
    layer = Thing(lambda rng: norm.GroupNorm(2, 4), names=("layer",))
    yield Entry(
        "norm_drawing.shared_statistics_mask",
        norm_drawing.shared_statistics_mask,
        {"layer": layer, "n": Int(3), "s": Int(2)},
        check=lambda m: equal(int(m.sum()), 2 * 2),
        finite=False,
    )
    yield Entry(
        "norm_drawing.draw_axes",
        norm_drawing.draw_axes,
        {"ax": AX, "layer": layer, "title": Text("Group norm"), "n": Int(3), "s": Int(2)},
        finite=False,
    )
    yield Entry(
        "norm_drawing.draw",
        lambda axes, channels, groups: len(norm_drawing.draw(axes, channels, groups, n=2, s=2)),
        {"axes": Thing(_four_axes, names=("axes",)), "channels": Int(4), "groups": Int(2)},
        finite=False,
    )


@dataclass
class Dropped(Slot):
    """draw_network's dropped: {layer: boolean mask of its units}."""

    names: tuple[str, ...] = ("dropped",)

    def valid(self, rng: np.random.Generator) -> dict[Any, np.ndarray]:
        return {1: np.array([True, False, False])}

    def variants(self, good: Any, rng: np.random.Generator) -> Iterator[Variant]:
        mask = good[1]
        yield Variant("a numpy integer key", "dtype", {np.int64(1): mask}, "result")
        yield Variant("a list", "type", [mask], "error")
        yield Variant("a str key", "type", {"1": mask}, "error")
        yield Variant("the output layer", "range", {2: np.array([True])}, "error")
        yield Variant("a mask of ints", "dtype", {1: mask.astype(int)}, "error")
        yield Variant("a mask too short", "shape", {1: mask[:2]}, "error")


def _figure_size(nrows: int, ncols: int, width: float, height: float) -> tuple[float, float]:
    fig, _ = plots.figure(nrows, ncols, width=width, height=height)
    size = tuple(fig.get_size_inches())
    import matplotlib.pyplot as plt

    plt.close(fig)
    return size


def plots_entries() -> Iterator[Entry]:
    inches = Real(2.0, low=1.0, high=1000.0)
    yield Entry(
        "plots.figure",
        _figure_size,
        {"nrows": Int(1), "ncols": Int(2), "width": inches, "height": inches},
        lambda nrows, ncols, width, height: (width, height),
        finite=False,
    )
    yield Entry("plots.style", lambda: plots.style().__enter__() is None, finite=False)
    yield Entry("plots.show_at_figure_size", plots.show_at_figure_size, finite=False)
    yield Entry(
        "plots.canvas",
        lambda width, height, dpi: plots.canvas(width, height, dpi).get_size_inches().tolist(),
        {"width": inches, "height": inches, "dpi": Int(20)},
        lambda width, height, dpi: [width, height],
        finite=False,
    )
    fig = Thing(lambda rng: plots.canvas(1, 1, 10), names=("fig",))
    yield Entry(
        "plots.figure_png",
        lambda fig: plots.figure_png(fig)[:4],
        {"fig": fig},
        check=lambda b: equal(b, b"\x89PNG"),
        finite=False,
    )
    yield Entry(
        "plots.to_png",
        lambda fig, dpi: plots.to_png(fig, dpi)[:4],
        {"fig": fig, "dpi": Int(10, none_ok=True)},
        check=lambda b: equal(b, b"\x89PNG"),
        finite=False,
    )
    yield Entry(
        "plots.suptitle", plots.suptitle, {"fig": fig, "title": Text("A title")}, finite=False
    )
    yield Entry(
        "plots.finish",
        plots.finish,
        {
            "ax": AX,
            "title": Text("t"),
            "xlabel": Text("x"),
            "ylabel": Text("y"),
            "legend": Flag(False, none_ok=True),
        },
        finite=False,
    )
    yield Entry("plots.diagram_axes", plots.diagram_axes, {"ax": AX}, finite=False)
    yield Entry(
        "plots.stacked_histograms",
        plots.stacked_histograms,
        {
            "ax": AX,
            "edges": Arr(
                lambda rng: np.linspace(0, 1, 4),
                ndim=(1,),
                empty="refuse",
                shapes=other_shapes((5,)),
            ),
            "fractions": Arr(
                lambda rng: rng.random((2, 3)) + 1.0,  # an integer copy keeps them positive
                ndim=(2,),
                empty="refuse",
                shapes=other_shapes((2, 4)),
            ),
        },
        finite=False,
    )
    yield Entry(
        "plots.table",
        lambda header, rows, title: plots.table(header, rows, (".2f", "d"), title).data,
        {
            "header": Thing(
                lambda rng: ["a", "b"],
                names=("header",),
                wrong=(("str", "ab"), ("ints", [1, 2]), ("empty", [])),
            ),
            "rows": Thing(
                lambda rng: [[1.5, 2]],
                names=("rows", "row 0"),
                wrong=(
                    ("int", 5),
                    ("a short row", [[1.5]]),
                    ("a bar", [["a|b", 2]]),
                    ("empty", []),
                ),
            ),
            "title": Text("T", none_ok=True),
        },
        check=lambda md: contains(md, "| 1.50 | 2 |"),
        finite=False,
    )
