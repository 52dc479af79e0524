"""Tests for helpers.network_drawing: positions, one line per live weight, labels, errors."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.patches import Circle

from helpers import network_drawing, plots


@pytest.fixture
def ax():
    fig, axis = plots.figure()
    yield axis
    plt.close(fig)


def _lines(axis) -> tuple[list, list]:
    """The segments of the solid (live) and the dotted (faint) weight lines."""
    live, faint = [c for c in axis.collections if isinstance(c, LineCollection)]
    return live.get_segments(), faint.get_segments()


def test_every_weight_gets_one_line_from_its_source_to_its_target(ax):
    sizes = (3, 4, 2)
    positions = network_drawing.draw_network(ax, sizes)
    live, faint = _lines(ax)
    assert len(live) == 3 * 4 + 4 * 2 and not faint
    assert len(positions) == sum(sizes)
    assert sum(isinstance(p, Circle) for p in ax.patches) == sum(sizes)
    # weight (1, i, j) runs from unit i of layer 0 to unit j of layer 1
    ends = {(tuple(seg[0]), tuple(seg[1])) for seg in live}
    assert (positions[0, 2], positions[1, 0]) in ends
    assert (positions[1, 3], positions[2, 1]) in ends
    # columns in layer order, index 0 at the top, each column centred on 0
    assert positions[0, 0][0] < positions[1, 0][0] < positions[2, 0][0]
    assert positions[1, 0][1] > positions[1, 3][1]
    assert np.isclose(np.mean([positions[1, j][1] for j in range(4)]), 0.0)


def test_labels_are_written_where_they_belong(ax):
    W = np.array([[0.15, 0.25], [0.20, 0.30]])
    weight_labels = {(1, i, j): f"{W[i, j]:.2f}" for i in range(2) for j in range(2)}
    network_drawing.draw_network(
        ax,
        (2, 2),
        unit_labels={(0, 0): "x1", (1, 1): "h2"},
        weight_labels=weight_labels,
        layer_labels=["in", "out"],
        gap_labels=["W"],
        weight_label_at=0.5,
    )
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    assert set(texts) == {"x1", "h2", "0.15", "0.25", "0.20", "0.30", "in", "out", "W"}
    positions = network_drawing.unit_positions((2, 2))
    # W[0, 1] = 0.25 is the line from x1 (unit 0 of layer 0) to unit 1 of layer 1
    middle = np.mean([positions[0, 0], positions[1, 1]], axis=0)
    assert np.allclose(texts["0.25"], middle)
    assert np.allclose(texts["x1"], positions[0, 0])


def test_dropped_units_lose_their_outgoing_lines_and_keep_faint_incoming_ones(ax):
    mask = np.array([True, False, False, True])
    network_drawing.draw_network(ax, (3, 4, 2), dropped={1: mask})
    live, faint = _lines(ax)
    kept = int((~mask).sum())
    assert len(live) == 3 * kept + kept * 2  # into and out of the units kept
    assert len(faint) == 3 * int(mask.sum())  # into the dropped units, none out
    crosses = [line for line in ax.lines if line.get_color() == network_drawing.DROPPED_COLOUR]
    assert len(crosses) == 2 * int(mask.sum())


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"sizes": (3,)}, ValueError, "at least an input and an output"),
        ({"sizes": (3, 0)}, ValueError, "positive integer"),
        ({"sizes": (3, 2.5)}, TypeError, "integer"),
        ({"sizes": "32"}, TypeError, "sequence of layer widths"),
        ({"unit_labels": {(3, 0): "x"}}, ValueError, "no unit"),
        ({"unit_labels": {(1, 4): "x"}}, ValueError, "no unit"),
        ({"weight_labels": {(1, 3, 0): "w"}}, ValueError, "no weight"),
        ({"weight_labels": {(0, 0, 0): "w"}}, ValueError, "no weight"),
        ({"layer_labels": ["a", "b"]}, ValueError, "needs 3 texts"),
        ({"gap_labels": "W"}, TypeError, "list of texts"),
        ({"dropped": {2: [True, False]}}, ValueError, "not an input or hidden layer"),
        ({"dropped": {1: [1, 0, 1, 0]}}, ValueError, "booleans"),
        ({"dropped": {1: [True, False]}}, ValueError, "4 booleans"),
        ({"dropped": [True]}, TypeError, "must map a layer"),
        ({"weight_label_at": 1.0}, ValueError, "between 0 and 1"),
    ],
)
def test_bad_arguments_are_refused_by_name(ax, kwargs, error, message):
    arguments = {"sizes": (3, 4, 2), **kwargs}
    sizes = arguments.pop("sizes")
    with pytest.raises(error, match=message):
        network_drawing.draw_network(ax, sizes, **arguments)


def test_a_refused_call_draws_nothing(ax):
    with pytest.raises(ValueError):
        network_drawing.draw_network(ax, (2, 2), weight_labels={(1, 0, 5): "w"})
    assert not ax.collections and not ax.patches and not ax.texts


def test_the_column_gap_spreads_the_columns_and_must_leave_room(ax):
    wide = network_drawing.draw_network(ax, (2, 3), column_gap=5.0)
    assert wide[1, 0][0] - wide[0, 0][0] == 5.0
    with pytest.raises(ValueError, match="column_gap must exceed"):
        network_drawing.unit_positions((2, 3), column_gap=0.3)
    with pytest.raises(TypeError, match="column_gap must be a real number"):
        network_drawing.unit_positions((2, 3), column_gap="wide")


def test_a_numpy_integer_names_a_layer_of_dropped_units():
    fig, ax = plt.subplots()
    try:
        network_drawing.draw_network(ax, [2, 3, 1], dropped={np.int64(1): [True, False, False]})
        with pytest.raises(ValueError, match="layer 2 is not an input or hidden layer"):
            network_drawing.draw_network(ax, [2, 3, 1], dropped={np.int64(2): [True]})
    finally:
        plt.close(fig)
