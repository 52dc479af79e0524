"""What the tests and the benchmarks share: the notebooks and running them
(notebooks, run_notebooks), the site harness (site), the prose's values (prose) and
the student edition's round trip (student_edition)."""
