"""The book's performance budgets, measured: ``python -m benchmarks.run`` (every budget)
and ``python -m benchmarks.lite`` (the in-browser edition), from the repository's root.

- :mod:`benchmarks.measure`: the measurements (notebook runs, builds, redraws, commands);
- :mod:`benchmarks.pages`: the weight of each built page and of the whole site;
- :mod:`benchmarks.report`: the budgets, and the rows and tables the figures print as.
"""
