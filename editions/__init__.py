"""Build everything a reader gets from the one set of chapter notebooks.

``python -m editions`` builds, in order:

1. the in-browser edition (JupyterLite with the Pyodide kernel) into
   ``_build/html/lite`` (:mod:`editions.lite`), which holds the chapters and the
   student notebooks; it comes first because the book's pages start their explorers'
   live mode with its copy of Pyodide and say what that downloads;
2. the HTML book (``jupyter-book build . -W -n --keep-going``) into ``_build/html``,
   leaving ``lite/`` alone;
3. the student edition, exercises without solutions, into ``_build/html/student``
   (:mod:`editions.student`), from the book build's execution results.

Each step fails loudly: a non-zero exit of any step stops the build.

The package also holds what the editions, the tests and the benchmarks share: the
book's structure (:mod:`editions.book`), the kernels that run its notebooks
(:mod:`editions.kernels`), the built site served and opened in a browser
(:mod:`editions.site`), and Node.js from PyPI for the build's JavaScript steps
(:mod:`editions.node`).
"""
