"""Read the book's pages in parallel, one process per core (at most ``MAX_PROCESSES``).

Each chapter executes while its page is read (inline execution), and its kernel keeps
one core busy; read one page at a time, a cold build leaves the other cores idle. This
is ``sphinx-build -j``, which ``jupyter-book build`` has no option for. What the pages
show does not change: a parallel and a serial build of the same sources give the same
HTML, but for the per-run ids of the explorers' widget models.

Sphinx reads (and writes) in parallel only when every extension declares that it may.
Two that jupyter-book loads declare nothing either way, and are declared here, each
for what it does:

- ``sphinx_multitoc_numbering`` replaces how section numbers are assigned, a step that
  runs in the main process once every page has been read;
- ``sphinx_jupyterbook_latex`` acts on LaTeX builds only (its transforms return at
  once for HTML).

Neither has anything to do when pages are written.

Any other extension that declares nothing, or declares itself unsafe, still makes
Sphinx read one page at a time, and its warning stops the build (``-W``).
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx

MAX_PROCESSES = 4
#: The extensions declared safe to read and write in parallel here, and why.
DECLARED_SAFE = {
    "sphinx_multitoc_numbering": "numbers sections in the main process after reading",
    "sphinx_jupyterbook_latex": "acts on LaTeX builds only",
}


def processes() -> int:
    """One reading process per core the build may use, at most MAX_PROCESSES."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, MAX_PROCESSES))


def declare_safe(app: Sphinx) -> None:
    for name in DECLARED_SAFE:
        extension = app.extensions.get(name)
        if extension is None:
            continue
        for phase in ("parallel_read_safe", "parallel_write_safe"):
            if getattr(extension, phase, None) is None:
                setattr(extension, phase, True)


def setup(app: Sphinx) -> dict[str, object]:
    # jupyter-book always asks for 1 process; a -j of 2 or more given to sphinx-build
    # is kept.
    if app.parallel <= 1:
        app.parallel = processes()
    app.connect("builder-inited", declare_safe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
