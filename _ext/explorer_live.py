"""Live mode for the explorers on the book's pages: any value computed in the browser.

Each explorer's cell shows its precomputed frames in the HTML book
(``explorer_frames``). On a page that holds one, this extension adds the live-mode
script, ``explorer-live.js``, deferred, so a reader who never asks for live mode loads
a few kilobytes and nothing else. On the reader's click it starts
``explorer-worker.js``, a Web Worker that runs the explorer's own Python with the
site's copy of Pyodide, the one the in-browser edition uses (``editions/lite.py``,
``lite/static/pyodide/`` in the site). Both scripts are package data of
``helpers.widgets`` (``static/page/``), copied to ``_static/``.

The script tag carries where that Pyodide is, relative to ``_static/`` (for the full
edition and the student edition alike), and how many megabytes the worker fetches,
summed over the files it loads (:func:`editions.lite.explorer_download`), for the
button's label. ``python -m editions`` builds the in-browser edition first for that.
With none built, the tag carries neither, and the page says that live mode is not
available.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from editions import lite, student

PAGE_SCRIPTS = resources.files("helpers.widgets") / "static" / "page"
SCRIPT = "explorer-live.js"
MARKER = 'class="nnfb-static-explorer"'


def _static_path(app: Sphinx, config: Any) -> None:
    """Copy the live-mode scripts into the build's _static/."""
    config.html_static_path.append(str(PAGE_SCRIPTS))


def _live_script(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    body = context.get("body")
    if not isinstance(body, str) or MARKER not in body:
        return
    # Where the pages are served from: the full edition's output is the site's root;
    # the student edition is built elsewhere and copied into a folder of that site.
    if app.config.student_edition:
        outdir = student.OUTPUT
        site = outdir.parent
    else:
        outdir = site = Path(app.outdir)
    folder = lite.pyodide_folder(site)
    attributes: dict[str, Any] = {}
    download = lite.explorer_download(folder)
    if download:
        static = outdir / "_static"
        attributes = {
            "data-pyodide": Path(os.path.relpath(folder, static)).as_posix() + "/",
            "data-megabytes": f"{sum(download.values()) / 1e6:.0f}",
        }
    app.add_js_file(SCRIPT, loading_method="defer", **attributes)


def setup(app: Sphinx) -> dict[str, object]:
    if not (PAGE_SCRIPTS / SCRIPT).is_file():
        raise RuntimeError(f"{SCRIPT} is missing from helpers.widgets' package data")
    app.connect("config-inited", _static_path)
    # Before page_scripts, which rebuilds the page's list of scripts.
    app.connect("html-page-context", _live_script, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
