"""What the tests and the benchmarks share, imported as ``tests.support``.

- :mod:`tests.support.notebooks`: the notebooks the table of contents lists, and
  running a notebook in a fresh kernel;
- :mod:`tests.support.site`: the built book served on 127.0.0.1 and opened in headless
  Chromium (the server, the browser, the pages and their fixtures);
- :mod:`tests.support.run_notebooks`: the runner a fresh environment executes;
- :mod:`tests.support.prose`, :mod:`tests.support.student_edition`: the values the
  prose shows, and the student edition's round trip and solution-text finder.
"""
