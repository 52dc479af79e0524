"""Drawings of a reverse-mode computation graph (a :class:`helpers.autodiff.Var`), in matplotlib.

- :func:`graph_layout` places each node on a grid: an operation one column to the
  right of its deepest input, an input or constant one column to the left of its first
  use; within a column, operations sit in the bottom rows and inputs above them.
- :func:`draw_graph` draws the nodes as labelled boxes and the edges as arrows from
  each input to the operation that uses it, on an axis from :func:`helpers.plots.figure`.

Nothing beyond matplotlib is needed (no graphviz).
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.text import Text

from . import plots
from ._checks import as_choice, as_instance
from .autodiff import Var, topological_order

_SHOW = ("value", "grad", "both", "none")


def graph_layout(root: Var) -> dict[Var, tuple[int, int]]:
    """Grid position (column, row) of every node of ``root``'s graph.

    root: the output node. returns: {node: (column, row)}, columns from 0 (the first
    inputs) to the output's column, rows from 0 (bottom) upwards.
    """
    order = topological_order(root)
    column: dict[Var, int] = {}
    for node in order:
        column[node] = 1 + max((column[i] for i in node.inputs), default=-1)
    users: dict[Var, list[Var]] = {node: [] for node in order}
    for node in order:
        for i in node.inputs:
            users[i].append(node)
    for node in order:
        if not node.inputs and users[node]:
            column[node] = min(column[u] for u in users[node]) - 1
    rank = {node: k for k, node in enumerate(order)}
    positions: dict[Var, tuple[int, int]] = {}
    for col in sorted(set(column.values())):
        members = [node for node in order if column[node] == col]
        # Operations first (bottom rows), ordered by where their inputs sit; inputs above.
        members.sort(
            key=lambda n: (
                not n.inputs,
                sum(positions[i][1] for i in n.inputs) / max(len(n.inputs), 1),
                rank[n],
            )
        )
        for row, node in enumerate(members):
            positions[node] = (col, row)
    return positions


def _operand(node: Var) -> str | None:
    if node.name:
        return node.name
    if not node.inputs:
        return f"{node.value:g}"  # a constant
    return None


def node_expression(node: Var) -> str:
    """How a node was computed, from its inputs' names: "h2 = h1 + b", "h4 = exp(h3)".

    Falls back to the operation's name ("exp") when an input has no name, and to the
    node's own name or value for an input or a constant.
    """
    node = as_instance(node, "node", Var, "a Var")
    if not node.inputs:
        return _operand(node) or ""
    named = [_operand(i) for i in node.inputs]
    operands = [o for o in named if o is not None]
    if len(operands) < len(named):
        body = node.op
    elif node.op in ("+", "*"):
        body = f" {'×' if node.op == '*' else '+'} ".join(operands)
    elif node.op == "neg":
        body = f"-{operands[0]}"
    elif node.op.startswith("**"):
        body = f"{operands[0]}^{node.op[2:]}"
    else:
        body = f"{node.op}({operands[0]})"
    return f"{node.name} = {body}" if node.name else body


def node_label(node: Var, show: str = "value") -> str:
    """The text in a node's box: how it was computed, then its value and/or grad."""
    show = as_choice(show, "show", _SHOW)
    lines = [node_expression(node)]
    # + 0.0 turns a negative zero into 0, which reads better in a box.
    if show in ("value", "both"):
        lines.append(f"value {node.value + 0.0:.4g}")
    if show in ("grad", "both"):
        lines.append(f"grad {node.grad + 0.0:.4g}")
    return "\n".join(lines)


def draw_graph(ax: Axes, root: Var, show: str = "value") -> dict[Var, tuple[int, int]]:
    """Draw ``root``'s computation graph on ``ax``, inputs on the left, output on the right.

    ax: a matplotlib axis (e.g. from ``plots.figure()``); the caller adds the title.
    root: the output node of the graph.
    show: what each box shows under the node's name: "value", "grad", "both" or "none".
    returns: the grid positions used, as :func:`graph_layout` gives them.
    Named inputs are drawn orange, constants grey and operations blue.
    """
    ax = as_instance(ax, "ax", Axes, "a matplotlib Axes")
    root = as_instance(root, "root", Var, "a Var")
    show = as_choice(show, "show", _SHOW)
    positions = graph_layout(root)
    boxes: dict[Var, Text] = {}
    for node, (col, row) in positions.items():
        if node.inputs:
            colour = plots.COLORS[0]
        elif node.name:
            colour = plots.COLORS[4]
        else:
            colour = "#999999"
        boxes[node] = ax.text(
            col,
            row,
            node_label(node, show),
            ha="center",
            va="center",
            fontsize=8,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": colour},
            zorder=3,
        )
    for node in positions:
        for i in node.inputs:
            ax.annotate(
                "",
                xy=positions[node],
                xytext=positions[i],
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": "#444444",
                    "patchA": boxes[i].get_bbox_patch(),
                    "patchB": boxes[node].get_bbox_patch(),
                    "shrinkA": 1,
                    "shrinkB": 1,
                },
                # Drawn after the boxes: a box sizes its patch when it draws, and an
                # arrow is cut at the patches it joins, so it must come second.
                zorder=4,
            )
    n_cols = 1 + max(col for col, _ in positions.values())
    n_rows = 1 + max(row for _, row in positions.values())
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(-0.6, n_rows - 0.4)
    plots.diagram_axes(ax)
    return positions
