"""Drawings of fully connected networks: units in columns, one line per weight.

``draw_network(ax, sizes)`` draws a network with ``sizes[l]`` units in layer ``l``
(layer 0 is the input) and a line from every unit of a layer to every unit of the
next: one line per weight. Optional labels name the units, the weights, the columns
and the gaps between them; ``dropped`` marks the units whose output dropout has set to
zero, whose outgoing lines it leaves out. Labels come from the caller's own arrays
(a weight matrix, a dropout mask), so a drawing cannot disagree with the code that
computes the numbers.

Unit ``(l, j)`` is unit ``j`` of layer ``l``, numbered from the top; weight
``(l, i, j)`` is the entry ``W^{(l)}[i, j]``, from unit ``i`` of layer ``l - 1`` to unit
``j`` of layer ``l``, as in the book's ``z^{(l)} = a^{(l-1)} W^{(l)} + b^{(l)}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.patches import Circle

from . import plots
from ._checks import ArgumentTypeError, as_instance, as_int, as_positive_int, as_real

UNIT_COLOUR = plots.COLORS[0]
DROPPED_COLOUR = "#BBBBBB"
RADIUS = 0.22  # of a unit, in data units: units are 1 apart in a column
COLUMN_GAP = 2.0  # from one layer's column to the next


def _sizes(sizes: object) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise ArgumentTypeError(
            f"sizes must be a sequence of layer widths, got {type(sizes).__name__}"
        )
    widths = [as_positive_int(n, f"sizes[{k}]") for k, n in enumerate(sizes)]
    if len(widths) < 2:
        raise ValueError(f"sizes needs at least an input and an output layer, got {widths}")
    return widths


def unit_positions(
    sizes: Sequence[int], column_gap: float = COLUMN_GAP
) -> dict[tuple[int, int], tuple[float, float]]:
    """Where each unit (layer, index) sits: layer l at x = column_gap * l, in a column
    centred on y = 0, units 1 apart, index 0 at the top."""
    widths = _sizes(sizes)
    gap = as_real(column_gap, "column_gap")
    if gap <= 2 * RADIUS:
        raise ValueError(f"column_gap must exceed a unit's width, {2 * RADIUS}, got {gap}")
    return {
        (layer, j): (gap * layer, (n - 1) / 2 - j)
        for layer, n in enumerate(widths)
        for j in range(n)
    }


def _dropped(dropped: object, widths: list[int]) -> dict[int, np.ndarray]:
    """{layer: boolean mask of its dropped units}, checked against the widths."""
    if dropped is None:
        return {}
    if not isinstance(dropped, Mapping):
        raise ArgumentTypeError(
            f"dropped must map a layer to a mask of its units, got {type(dropped).__name__}"
        )
    masks = {}
    for key, mask in dropped.items():
        layer = as_int(key, "dropped: a layer")  # numpy integers too
        if not 0 <= layer < len(widths) - 1:
            raise ValueError(
                f"dropped: layer {layer} is not an input or hidden layer "
                f"(0 to {len(widths) - 2}); dropout acts on a layer's outputs"
            )
        array = np.asarray(mask)
        if array.dtype != bool or array.shape != (widths[layer],):
            raise ValueError(
                f"dropped[{layer}] must be {widths[layer]} booleans (True = dropped), "
                f"got dtype {array.dtype} and shape {array.shape}"
            )
        masks[layer] = array
    return masks


def _check_keys(labels: Mapping, valid: set, name: str, meaning: str) -> None:
    if not isinstance(labels, Mapping):
        raise ArgumentTypeError(f"{name} must be a dict, got {type(labels).__name__}")
    # numpy integers in a key compare equal to ints, so (np.int64(1), 0) is found too
    wrong = [key for key in labels if not _hashable(key) or key not in valid]
    if wrong:
        raise ValueError(f"{name}: {wrong[:3]} name no {meaning} of this network")
    texts = [text for text in labels.values() if not isinstance(text, str)]
    if texts:
        raise ArgumentTypeError(f"{name} must map to strings, got {texts[0]!r}")


def _hashable(key: object) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def draw_network(
    ax: Axes,
    sizes: Sequence[int],
    *,
    unit_labels: Mapping[tuple[int, int], str] | None = None,
    weight_labels: Mapping[tuple[int, int, int], str] | None = None,
    layer_labels: Sequence[str] | None = None,
    gap_labels: Sequence[str] | None = None,
    dropped: Mapping[int, Sequence[bool]] | None = None,
    weight_label_at: float = 0.3,
    column_gap: float = COLUMN_GAP,
) -> dict[tuple[int, int], tuple[float, float]]:
    """Draw the network on ``ax`` and return the unit positions. The axis keeps no
    ticks or spines; give it a title and axis labels with ``plots.finish``.

    sizes: units per layer, input first, e.g. (2, 2, 2).
    unit_labels: {(layer, j): text} written inside unit j of a layer.
    weight_labels: {(layer, i, j): text} written on the line of weight W^(layer)[i, j],
        at the fraction ``weight_label_at`` of the way from its source unit.
    column_gap: the distance from one column to the next (units are 1 apart).
    layer_labels: one text per layer, written under its column.
    gap_labels: one text per weight matrix (len(sizes) - 1), written above the gap
        between two columns.
    dropped: {layer: mask}, True for each unit of an input or hidden layer whose output
        dropout sets to zero: the unit is drawn pale and crossed out, and its outgoing
        lines are left out (its incoming ones are drawn faint: it still computes).
    """
    ax = as_instance(ax, "ax", Axes, "a matplotlib Axes")
    widths = _sizes(sizes)
    positions = unit_positions(widths, column_gap)
    column_gap = as_real(column_gap, "column_gap")
    masks = _dropped(dropped, widths)
    weight_label_at = as_real(weight_label_at, "weight_label_at")
    if not 0.0 < weight_label_at < 1.0:
        raise ValueError(f"weight_label_at must be between 0 and 1, got {weight_label_at}")
    weights = {
        (layer, i, j)
        for layer in range(1, len(widths))
        for i in range(widths[layer - 1])
        for j in range(widths[layer])
    }
    _check_keys(unit_labels or {}, set(positions), "unit_labels", "unit")
    _check_keys(weight_labels or {}, weights, "weight_labels", "weight")
    texts = {
        "layer_labels": (layer_labels, len(widths)),
        "gap_labels": (gap_labels, len(widths) - 1),
    }
    for name, (given, count) in texts.items():
        if given is None:
            continue
        if isinstance(given, (str, bytes)) or not isinstance(given, Sequence):
            raise ArgumentTypeError(f"{name} must be a list of texts, got {type(given).__name__}")
        if len(given) != count:
            raise ValueError(f"{name} needs {count} texts, one per {name[:-7]}, got {len(given)}")
        if not all(isinstance(text, str) for text in given):
            raise ArgumentTypeError(f"{name} must hold strings, got {given!r}")

    def is_dropped(layer: int, j: int) -> bool:
        return bool(layer in masks and masks[layer][j])

    # Each line runs from one unit's centre to another's.
    live: list[list[tuple[float, float]]] = []
    faint: list[list[tuple[float, float]]] = []
    for layer in range(1, len(widths)):
        for i in range(widths[layer - 1]):
            for j in range(widths[layer]):
                if is_dropped(layer - 1, i):
                    continue
                line = [positions[layer - 1, i], positions[layer, j]]
                (faint if is_dropped(layer, j) else live).append(line)
    ax.add_collection(LineCollection(live, colors="0.35", linewidths=0.9, zorder=1))
    ax.add_collection(
        LineCollection(faint, colors=DROPPED_COLOUR, linewidths=0.7, linestyles=":", zorder=1)
    )
    for (layer, j), (x, y) in positions.items():
        gone = is_dropped(layer, j)
        ax.add_patch(
            Circle(
                (x, y),
                RADIUS,
                facecolor="white",
                edgecolor=DROPPED_COLOUR if gone else UNIT_COLOUR,
                linewidth=1.6,
                zorder=2,
            )
        )
        if gone:
            r = RADIUS * 0.7
            ax.plot([x - r, x + r], [y - r, y + r], color=DROPPED_COLOUR, lw=1.4, zorder=3)
            ax.plot([x - r, x + r], [y + r, y - r], color=DROPPED_COLOUR, lw=1.4, zorder=3)

    for key, text in (unit_labels or {}).items():
        ax.text(*positions[key], text, ha="center", va="center", fontsize=9, zorder=4)
    for (layer, i, j), text in (weight_labels or {}).items():
        (x0, y0), (x1, y1) = positions[layer - 1, i], positions[layer, j]
        t = weight_label_at
        ax.text(
            x0 + t * (x1 - x0),
            y0 + t * (y1 - y0),
            text,
            ha="center",
            va="center",
            fontsize=8,
            zorder=5,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        )
    bottom = -max(widths) / 2 - 0.1
    top = max(widths) / 2 - 0.1
    for k, text in enumerate(layer_labels or []):
        ax.text(positions[k, 0][0], bottom, text, ha="center", va="top", fontsize=9)
    for k, text in enumerate(gap_labels or []):
        ax.text(
            positions[k, 0][0] + column_gap / 2, top, text, ha="center", va="bottom", fontsize=9
        )
    ax.set_xlim(-0.8, positions[len(widths) - 1, 0][0] + 0.8)
    ax.set_ylim(bottom - 0.55, top + 0.45)
    ax.set_aspect("equal")
    plots.diagram_axes(ax)
    return positions
