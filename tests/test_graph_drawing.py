"""Tests for helpers.graph_drawing: the layout of a computation graph, its nodes'
expressions and labels, and the drawing of every node and edge."""

from __future__ import annotations

import matplotlib
import matplotlib.text
import pytest

from helpers import plots
from helpers.autodiff import Var, topological_order
from helpers.graph_drawing import draw_graph, graph_layout, node_expression, node_label
from tests.support.expressions import logistic_steps

matplotlib.use("Agg")


def named_logistic():
    x, w, b = Var(1.0, "x"), Var(0.0, "w"), Var(0.0, "b")
    steps = logistic_steps(x, w, b)
    for k, node in enumerate(steps, start=1):
        node.name = f"h{k}"
    return steps[-1]


def test_graph_layout_orders_columns():
    f = named_logistic()
    positions = graph_layout(f)
    assert len(set(positions.values())) == len(positions) == 10
    for node, (col, _) in positions.items():
        for i in node.inputs:
            assert positions[i][0] < col, (node, i)
    assert positions[f] == (6, 0)  # six operations deep, on the bottom row


def test_node_expressions_and_labels():
    f = named_logistic()
    f.backward()
    assert [node_expression(n) for n in topological_order(f) if n.op] == [
        "h1 = w × x",
        "h2 = h1 + b",
        "h3 = -h2",
        "h4 = exp(h3)",
        "h5 = h4 + 1",
        "h6 = h5^-1",
    ]
    assert node_label(f, "both") == "h6 = h5^-1\nvalue 0.5\ngrad 1"
    with pytest.raises(ValueError, match="show must be one of"):
        node_label(f, "everything")


def test_draw_graph_draws_every_node_and_edge():
    f = named_logistic()
    fig, ax = plots.figure()
    positions = draw_graph(ax, f, show="value")
    n_edges = sum(len(node.inputs) for node in positions)
    arrows = [t for t in ax.texts if isinstance(t, matplotlib.text.Annotation)]
    boxes = [t for t in ax.texts if not isinstance(t, matplotlib.text.Annotation)]
    assert len(boxes) == len(positions) == 10
    assert len(arrows) == n_edges == 9
    plots.finish(ax, "graph", "evaluation order", "nodes")
    assert len(plots.to_png(fig)) > 1000
    with pytest.raises(TypeError, match="root must be a Var"):
        draw_graph(ax, 1.0)
    matplotlib.pyplot.close(fig)


def test_draw_graph_needs_no_earlier_draw_for_its_arrows():
    """Each arrow is cut at the boxes it joins, which a box sizes as it draws: the first
    draw (the only one the book makes, see plots.figure_png) must already be right."""
    f = named_logistic()

    def png(draws_before: int) -> bytes:
        fig, ax = plots.figure()
        draw_graph(ax, f, show="value")
        plots.finish(ax, "graph", "evaluation order", "nodes")
        for _ in range(draws_before):
            fig.canvas.draw()
        data = plots.figure_png(fig)
        matplotlib.pyplot.close(fig)
        return data

    assert png(0) == png(1)
