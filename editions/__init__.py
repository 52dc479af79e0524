"""Build everything a reader gets from the one set of chapter notebooks.

``python -m editions`` builds, in order:

1. the HTML book (``jupyter-book build . -W -n --keep-going``) into ``_build/html``;
2. the in-browser edition (JupyterLite with the Pyodide kernel) into
   ``_build/html/lite`` (:mod:`editions.lite`);
3. the student edition, exercises without solutions, into ``_build/html/student``
   (:mod:`editions.student`).

Each step fails loudly: a non-zero exit of any step stops the build.
"""
