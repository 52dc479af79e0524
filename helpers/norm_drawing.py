"""A 3-D drawing of the [N, C, H*W] cells that each normalisation averages over.

The input (N, C, H, W) is drawn as a block of N x C x S cubes, S = H * W (the spatial
positions flattened onto one axis, as in Wu and He's figure of group normalisation),
in an oblique projection made of flat polygons: a handful of 2-D patches draws far
faster than matplotlib's 3-D voxels.
The cubes that share one mean and variance with the first cube are coloured; the rest
are left pale. Which cubes those are comes from the layer itself
(``layer.statistic_index``), so the drawing cannot disagree with the code.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

from . import norm, plots
from ._checks import ArgumentTypeError, as_instance, as_positive_int

Array = np.ndarray

HIGHLIGHT = plots.COLORS[0]
PALE = "#DDDDDD"


def shared_statistics_mask(layer: norm._Normalization, n: int, s: int) -> Array:
    """Boolean (N, C, S) mask of the cells that share statistics with cell (0, 0, 0).

    layer: a normalisation layer from helpers.norm; n: batch size N; s: H * W.
    """
    if not isinstance(layer, norm._Normalization):
        raise ArgumentTypeError(
            f"layer must be a normalisation layer from helpers.norm, got {type(layer).__name__}"
        )
    shape = (as_positive_int(n, "n"), layer.num_channels, 1, as_positive_int(s, "s"))
    ids = layer.statistic_index(shape).reshape(n, layer.num_channels, s)
    return ids == ids[0, 0, 0]


# depth offset per channel in the oblique projection: channels recede up and to the right
DEPTH_X, DEPTH_Y = 0.35, 0.3
#: face -> (highlighted colour, pale colour); light from the top, shade on the side
SHADES = MappingProxyType(
    {
        "front": (HIGHLIGHT, "#E6E6E6"),
        "top": ("#56B4E9", "#F2F2F2"),
        "side": ("#004A75", "#C8C8C8"),
    }
)


def _project(n: float, c: float, s: float) -> tuple[float, float]:
    return n + DEPTH_X * c, s + DEPTH_Y * c


def _faces(mask: Array) -> tuple[list[list[tuple[float, float]]], list[str]]:
    """The visible unit squares of the block and their colours (front, top, side)."""
    n_size, c_size, s_size = mask.shape
    polygons, colours = [], []

    def add(corners: list[tuple[float, float, float]], face: str, lit: bool) -> None:
        polygons.append([_project(*corner) for corner in corners])
        colours.append(SHADES[face][0 if lit else 1])

    for n in range(n_size):
        for s in range(s_size):  # front face, channel 0
            add(
                [(n, 0, s), (n + 1, 0, s), (n + 1, 0, s + 1), (n, 0, s + 1)], "front", mask[n, 0, s]
            )
        for c in range(c_size):  # top face, last spatial position
            top = s_size
            add(
                [(n, c, top), (n + 1, c, top), (n + 1, c + 1, top), (n, c + 1, top)],
                "top",
                mask[n, c, -1],
            )
    for c in range(c_size):  # side face, last sample
        for s in range(s_size):
            side = n_size
            add(
                [(side, c, s), (side, c + 1, s), (side, c + 1, s + 1), (side, c, s + 1)],
                "side",
                mask[-1, c, s],
            )
    return polygons, colours


def draw_axes(ax: Axes, layer: norm._Normalization, title: str, n: int = 4, s: int = 5) -> Axes:
    """Draw the N x C x S block on a 2-D axis, colouring one set of shared statistics.

    ax: a matplotlib axis. title: the panel's title. n: batch size N drawn;
    s: H * W positions drawn. The block is drawn in an oblique projection: N to the
    right, H * W upwards and C receding into the page.
    """
    ax = as_instance(ax, "ax", Axes, "a matplotlib Axes")
    mask = shared_statistics_mask(layer, n, s)
    polygons, colours = _faces(mask)
    ax.add_collection(
        PolyCollection(polygons, facecolors=colours, edgecolors="#555555", linewidths=0.5)
    )
    c = layer.num_channels
    depth_x, depth_y = _project(0, c, 0)
    ax.set_xlim(-0.3, n + depth_x + 0.3)
    ax.set_ylim(-0.3, s + depth_y + 0.3)
    ax.set_aspect("equal")
    plots.diagram_axes(ax)
    mid_x, mid_y = _project(n, c / 2, 0)
    ax.text(mid_x + 0.25, mid_y - 0.2, "C", ha="left", va="top")
    plots.finish(ax, title, "N", "H, W")
    return ax


def draw(
    axes: Sequence[Axes],
    channels: int = 6,
    groups: int = 2,
    n: int = 4,
    s: int = 5,
) -> list[Axes]:
    """Four panels: batch, layer, instance and group normalisation, left to right.

    axes: four matplotlib axes. channels: C; groups: G for the group-norm panel (divides C).
    """
    if isinstance(axes, str) or not isinstance(axes, Sequence | np.ndarray):
        raise ArgumentTypeError(f"axes must be a sequence of 4 axes, got {type(axes).__name__}")
    if len(axes) != 4:
        raise ValueError(f"axes must hold 4 axes, got {len(axes)}")
    channels, groups = as_positive_int(channels, "channels"), as_positive_int(groups, "groups")
    if channels % groups:
        raise ValueError(f"groups must divide channels, got channels={channels}, groups={groups}")
    layers = [
        (norm.BatchNorm(channels), "Batch norm"),
        (norm.LayerNorm(channels), "Layer norm"),
        (norm.InstanceNorm(channels), "Instance norm"),
        (norm.GroupNorm(groups, channels), f"Group norm, G={groups}"),
    ]
    return [
        draw_axes(ax, layer, title, n, s) for ax, (layer, title) in zip(axes, layers, strict=True)
    ]
