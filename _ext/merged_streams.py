"""Merge a cell's printed text into one block as a notebook front end shows it.

A kernel sends what a cell prints in pieces, cut wherever its output buffer happened
to be flushed; under load a single ``print(a, b)`` can arrive as ``"a"`` and ``" b\\n"``.
JupyterLab joins the pieces as they are. myst-nb's ``nb_merge_streams`` strips each
piece and ends it with a newline, so the page would show ``a`` and ``b`` on two lines,
and only on the runs where the cut fell mid-line.

This extension joins each stream's pieces end to end first, in the stream's first
output, and hands myst-nb one piece per stream; myst-nb's own merge then does the rest
(one block per stream, stderr after stdout, carriage returns and backspaces applied).
As with myst-nb's merge, the executed notebook keeps the pieces after the first.
"""

from __future__ import annotations

from typing import Any

from myst_nb.core import render
from sphinx.application import Sphinx

_myst_nb_merge = render.coalesce_streams


def join_stream_pieces(outputs: list[Any]) -> list[Any]:
    """The outputs with each stream's pieces joined, unchanged, into its first output."""
    first: dict[str, Any] = {}
    joined = []
    for output in outputs:
        if output["output_type"] != "stream":
            joined.append(output)
        elif output["name"] not in first:
            first[output["name"]] = output
            joined.append(output)
        else:
            first[output["name"]]["text"] += output["text"]
    return joined


def merge_streams(outputs: list[Any]) -> list[Any]:
    return _myst_nb_merge(join_stream_pieces(outputs))


def setup(app: Sphinx) -> dict[str, object]:
    render.coalesce_streams = merge_streams
    return {"parallel_read_safe": True, "parallel_write_safe": True}
