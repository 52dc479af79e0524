"""Build everything a reader gets from the one set of chapter notebooks.

``python -m editions`` builds, in order:

1. the HTML book (``jupyter-book build . -W -n --keep-going``) into ``_build/html``;
2. the student edition, exercises without solutions, into ``_build/html/student``
   (:mod:`editions.student`), from the first build's execution results;
3. the in-browser edition (JupyterLite with the Pyodide kernel) into
   ``_build/html/lite`` (:mod:`editions.lite`), which holds the chapters and the
   student notebooks.

Each step fails loudly: a non-zero exit of any step stops the build.

The package also holds what the editions, the tests and the benchmarks share: the
book's structure (:mod:`editions.book`), the kernels that run its notebooks
(:mod:`editions.kernels`), and the built site served and opened in a browser
(:mod:`editions.site`).
"""
