"""A print the kernel sent in two pieces shows on the page as the one line it was.

The kernel cuts a cell's printed text wherever its buffer was flushed, so under load
``print("finite at", values)`` can arrive as ``"finite at"`` and ``" [1. 2.]\\n"``.
_ext/merged_streams.py joins the pieces as JupyterLab does. Each build below renders a
notebook that holds such pieces; the control, without the extension, shows the line
broken in two, so the check can fail.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_output

from tests.support.sphinx_project import build_one_notebook

PIECES = ["finite at", " [1. 2.] True\n", "second li", "ne\n"]
WARNING = ["careful\n"]
OUTPUT_BLOCK = r'<div class="output (?:stream|stderr)[^"]*">\s*<div[^>]*><pre>(.*?)</pre>'


def _stream(name: str, text: str):
    return new_output("stream", name=name, text=text)


def _rendered_streams(tmp_path: Path, ours: bool) -> list[str]:
    """The text of each output block on the built page."""
    cell = new_code_cell("...")
    cell.outputs = [_stream("stdout", PIECES[0]), _stream("stderr", WARNING[0])]
    cell.outputs += [_stream("stdout", piece) for piece in PIECES[1:]]
    extensions = ["myst_nb", "merged_streams"] if ours else ["myst_nb"]
    config = 'nb_execution_mode = "off"\nnb_merge_streams = True\n'
    result, page = build_one_notebook(tmp_path, [cell], extensions, config)
    assert result.returncode == 0, result.stdout + result.stderr
    blocks = re.findall(OUTPUT_BLOCK, page.read_text(encoding="utf-8"), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", text)) for text in blocks]


@pytest.mark.slow
def test_a_print_cut_into_pieces_shows_as_one_line(tmp_path: Path):
    assert _rendered_streams(tmp_path, ours=True) == ["".join(PIECES), "".join(WARNING)]


@pytest.mark.slow
def test_without_the_extension_the_line_is_broken(tmp_path: Path):
    stdout = _rendered_streams(tmp_path, ours=False)[0]
    assert stdout.startswith("finite at\n [1. 2.]"), stdout
