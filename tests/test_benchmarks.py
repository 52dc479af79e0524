"""The benchmark's pure parts: table formatting, budget marks, page weights, sweeps.

Nothing here times anything; the benchmark itself is ``python -m benchmarks.run``.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from benchmarks import measure, pages, report
from benchmarks.budgets import BUDGETS, load, markdown_table
from benchmarks.report import Row
from editions.book import ROOT

# --- report -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (6.214, "s", "6.21 s"),
        (123.45, "s", "123.5 s"),
        (0.0482, "ms", "48.2 ms"),
        (0.25, "ms", "250 ms"),
        (1_240_000, "bytes", "1.24 MB"),
        (23_006, "bytes", "23 kB"),
        (1.7, "ratio", "1.70x"),
        (None, "s", "n/a"),
    ],
)
def test_format_value(value, unit, shown):
    assert report.format_value(value, unit) == shown


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="unit"):
        Row("x", 1.0, "minutes")
    with pytest.raises(ValueError, match="unit"):
        report.format_value(1.0, "minutes")


def test_over_budget_needs_a_value_and_a_budget():
    assert Row("a", 11.0, "s", 10.0).over
    assert not Row("b", 10.0, "s", 10.0).over  # at the budget is within it
    assert not Row("c", 11.0, "s").over
    assert not Row("d", None, "s", 10.0, error="failed").over
    assert Row("a", 11.0, "s", 10.0).to_json()["over"] is True


def _rows() -> list:
    return [
        Row("execute 01_a", 12.0, "s", 10.0, "min 11.00 s, max 13.00 s, 3 runs"),
        Row("redraw median: x | y", 0.05, "ms", 0.1),
        Row("kernel floor", 1.5, "s"),
        Row("cold build", None, "s", 90.0, error="build failed"),
    ]


def test_text_table_marks_only_rows_over_budget():
    lines = report.text_table(_rows()).splitlines()
    assert lines[0].split() == ["figure", "value", "budget"]
    assert set(lines[1]) <= {"-", " "}
    marked = [ln for ln in lines if ln.endswith("OVER")]
    assert len(marked) == 1 and marked[0].startswith("execute 01_a")
    assert "12.00 s (min 11.00 s, max 13.00 s, 3 runs)" in marked[0]
    assert "10.00 s" in marked[0]
    assert "n/a [build failed]" in lines[-1]
    # columns line up: every value starts at the same offset
    values = ["12.00 s", "50.0 ms", "1.50 s"]
    offsets = {ln.index(v) for ln, v in zip(lines[2:5], values, strict=True)}
    assert len(offsets) == 1


def test_markdown_table():
    text = report.markdown_table(_rows(), "Measured on a test machine.")
    preface, table = text.split("\n\n")
    assert preface == "Measured on a test machine."
    lines = table.splitlines()
    assert lines[0] == "| figure | value | budget |  |"
    assert lines[1] == "|---|---|---|---|"
    assert len(lines) == 2 + 4
    assert all(ln.startswith("| ") and ln.endswith("|") for ln in lines[2:])
    assert lines[2].endswith("| **OVER** |")
    assert "x \\| y" in lines[3] and not lines[3].endswith("**OVER** |")
    assert report.markdown_table(_rows()).startswith("| figure")


MACHINE = {
    "date": "2026-01-01 00:00 UTC",
    "cpu": "Some CPU",
    "cores": 2,
    "ram_gb": 8.0,
    "os": "Debian",
    "python": "3.11.7",
    "load_average_at_start": [1.5, 1.0, 0.5],
}


def test_machine_info_and_line():
    info = report.machine_info()
    assert {"cpu", "cores", "ram_gb", "os", "python", "date"} <= set(info)
    line = (
        "Measured 2026-01-01 00:00 UTC on Some CPU, 2 cores, 8 GB RAM, Debian, "
        "Python 3.11.7, load average 1.5 at start"
    )
    assert report.machine_line(MACHINE) == line + "."
    end = {**MACHINE, "load_average_at_end": [3.25, 2.0, 1.0]}
    assert report.machine_line(end) == line + " and 3.25 at the end."


def test_results_json_lists_rows_over_budget():
    data = report.results_json(_rows(), report.machine_info(), command="python x.py")
    assert data["over_budget"] == ["execute 01_a"]
    assert data["command"] == "python x.py"
    assert [r["figure"] for r in data["rows"]] == [r.figure for r in _rows()]
    json.dumps(data)  # serialisable


# --- page weights ---------------------------------------------------------------------


def _site(root: Path) -> Path:
    """Two pages sharing the theme (a CSS that loads a font) and a script; page a also
    has its own image, a data: URI and a JSON block of frames."""
    site = root / "html"
    files = {
        "_static/theme.css": "body { background: url('fonts/f.woff2') }",
        "_static/fonts/f.woff2": "F" * 100,
        "_static/app.js": "J" * 200,
        "_static/math.js": "M" * 50,
        "_images/fig.png": "P" * 1000,
        "searchindex.js": "S" * 30,
    }
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    frames = json.dumps({"frames": [base64.b64encode(b"x" * 30).decode()]})
    head = (
        '<link rel="stylesheet" href="../_static/theme.css?v=1">'
        '<link rel="next" href="b.html"><script src="../_static/app.js"></script>'
        '<script src="../searchindex.js"></script>'
    )
    data_uri = "data:image/png;base64," + "A" * 60
    page_a = (
        f"<html><head>{head}<script src='../_static/math.js'></script></head><body>"
        f'<img src="../_images/fig.png"><img src="{data_uri}">'
        f'<script type="application/json" class="nnfb-frames">{frames}</script>'
        '<a href="b.html">next</a><img src="https://example.org/x.png">'
        '<img src="../_images/missing.png"></body></html>'
    )
    page_b = f"<html><head>{head}</head><body><p>text</p></body></html>"
    page_c = f"<html><head>{head}<script src='../_static/math.js'></script></head></html>"
    (site / "book").mkdir()
    for name, text in (("a", page_a), ("b", page_b), ("c", page_c)):
        (site / "book" / f"{name}.html").write_text(text)
    return site


def test_page_weights_on_a_tiny_site(tmp_path):
    site = _site(tmp_path)
    weights = pages.site_weights(site, ["book/a.html", "book/b.html", "book/c.html"])
    a, b, c = weights.pages
    # shared: loaded by every page, or under _static/ and loaded by two pages (math.js)
    assert set(weights.shared_assets) == {
        "_static/theme.css",
        "_static/fonts/f.woff2",
        "_static/app.js",
        "_static/math.js",
        "searchindex.js",
    }
    assert weights.shared_bytes == 41 + 100 + 200 + 50 + 30
    assert a.assets == {"_images/fig.png": 1000}
    assert a.html_bytes == (site / "book/a.html").stat().st_size
    frames_json = json.dumps({"frames": [base64.b64encode(b"x" * 30).decode()]})
    assert a.embedded_bytes == len("data:image/png;base64," + "A" * 60) + len(frames_json)
    assert a.total == a.html_bytes + 1000
    assert b.assets == {} and b.total == b.html_bytes and b.embedded_bytes == 0
    assert c.assets == {}
    assert weights.site_bytes == pages.site_size(site)
    assert weights.site_bytes == sum(p.stat().st_size for p in site.rglob("*") if p.is_file())


def test_a_single_page_shares_nothing(tmp_path):
    site = _site(tmp_path)
    (page,) = pages.site_weights(site, ["book/b.html"]).pages
    assert set(page.assets) == {
        "_static/theme.css",
        "_static/fonts/f.woff2",
        "_static/app.js",
        "searchindex.js",
    }


# --- measure: sweeps, notebooks, the table of contents --------------------------------


def test_explorer_sweep_covers_choices_grid_and_midpoints():
    controls = [
        SimpleNamespace(name="act", options=["relu", "tanh"]),
        SimpleNamespace(name="alpha", values=[0.0, 0.1, 1.0]),
    ]
    sweep = measure.explorer_sweep(controls)
    assert len(sweep) == 2 * 5
    assert [p["alpha"] for p in sweep[:5]] == pytest.approx([0.0, 0.05, 0.1, 0.55, 1.0])
    assert {p["act"] for p in sweep} == {"relu", "tanh"}


def test_explorer_sweep_of_the_real_explorers_is_valid():
    from helpers import widgets

    explorer = widgets.activation_explorer()
    sweep = measure.explorer_sweep(explorer.controls)
    names = {c.name for c in explorer.controls}
    assert sweep and all(set(p) == names for p in sweep)
    for control in explorer.controls:
        if hasattr(control, "options"):
            assert {p[control.name] for p in sweep} == set(control.options)
        else:
            lo, hi = control.values[0], control.values[-1]
            assert all(lo <= p[control.name] <= hi for p in sweep)


def test_summary():
    assert measure.summary([3.0, 1.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0, "n": 3}
    with pytest.raises(ValueError):
        measure.summary([])


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nIntro."),
        nbformat.v4.new_code_cell("import math\nrng = 1"),
        nbformat.v4.new_markdown_cell("More."),
        nbformat.v4.new_code_cell("x = 2"),
    ]
    return nb


def test_imports_notebook_keeps_only_the_first_code_cell():
    nb = _notebook()
    floor = measure.imports_notebook(nb)
    assert [c.source for c in floor.cells] == ["import math\nrng = 1"]
    assert len(nb.cells) == 4  # the original is untouched
    empty = nbformat.v4.new_notebook()
    with pytest.raises(ValueError, match="no code cell"):
        measure.imports_notebook(empty)


def test_cell_durations_and_slowest_cells():
    nb = _notebook()
    nb.cells[1].metadata["execution"] = {
        "iopub.execute_input": "2026-01-01T00:00:00.000000Z",
        "shell.execute_reply": "2026-01-01T00:00:01.500000Z",
    }
    nb.cells[3].metadata["execution"] = {
        "iopub.execute_input": "2026-01-01T00:00:02.000000Z",
        "shell.execute_reply": "2026-01-01T00:00:02.250000Z",
    }
    cells = measure.cell_durations(nb)
    assert cells == {1: pytest.approx(1.5), 3: pytest.approx(0.25)}
    runs = [measure.NotebookRun(2.0, cells), measure.NotebookRun(3.0, {1: 2.5, 3: 0.25})]
    assert runs[0].cell_seconds == pytest.approx(1.75)
    top = measure.slowest_cells(nb, runs, top=1)
    assert top == [{"cell": 1, "seconds": 2.0, "first_line": "import math"}]


def test_touch_markdown_edits_the_first_markdown_cell(tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(_notebook(), path)
    assert measure.touch_markdown(path, "Added.") == 0
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].source == "# Title\n\nIntro.\n\nAdded.\n"
    assert [c.source for c in nb.cells[1:]] == [c.source for c in _notebook().cells[1:]]


def test_run_command_counts_sphinx_warnings_and_keeps_lines(tmp_path):
    script = (
        "import sys\n"
        "print('book/a.ipynb: Executed notebook in 1.50 seconds [mystnb]')\n"
        "print('[IPKernelApp] WARNING | a kernel log line')\n"
        "print('book/a.md:3: WARNING: undefined label')\n"
        "print('WARNING: another one', file=sys.stderr)\n"
        "print('book/b.ipynb: Executed notebook in 2.25 seconds [mystnb]')\n"
        "sys.exit(3)\n"
    )
    keep = r"Executed notebook in"
    run = measure.run_command([sys.executable, "-c", script], tmp_path, tail=2, keep=keep)
    assert run.returncode == 3
    assert run.warnings == 2  # the kernel's log line is not a build warning
    assert len(run.kept) == 2
    assert measure.execution_seconds(run.kept) == pytest.approx(3.75)
    assert not any("IPKernelApp" in ln for ln in run.tail)
    assert len(run.tail) == 2


# --- the command line ----------------------------------------------------------------


def test_run_prints_an_earlier_results_file(tmp_path):
    data = report.results_json(_rows(), MACHINE, command="python -m benchmarks.run")
    path = tmp_path / "latest.json"
    path.write_text(json.dumps(data))
    cmd = [sys.executable, "-m", "benchmarks.run", "--from-json", str(path)]
    text = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    heading = report.machine_line(MACHINE) + " Command: `python -m benchmarks.run`."
    assert text.startswith(heading + "\n")
    assert "over budget: execute 01_a" in text
    markdown = subprocess.run(
        [*cmd, "--markdown"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert markdown.startswith(heading + "\n\n| figure | value | budget |  |")
    assert "| **OVER** |" in markdown


def test_the_execution_ratio_is_tracked_without_a_budget(monkeypatch):
    """Each chapter 4 s against a 1 s floor: the row says 4x and marks nothing."""
    from benchmarks import run

    def fake_execute(nb, cwd):
        floor = len([c for c in nb.cells if c.cell_type == "code"]) == 1
        return measure.NotebookRun(1.0 if floor else 4.0, {})

    monkeypatch.setattr(measure, "execute", fake_execute)
    rows, _ = run.bench_notebooks(runs=1)
    ratio = next(r for r in rows if r.figure.startswith("total / ("))
    assert ratio.value == pytest.approx(4.0)
    assert ratio.budget is None and not ratio.over
    chapter = next(r for r in rows if r.figure.startswith("execute 01"))
    assert chapter.budget == BUDGETS["notebook"].limit == 10.0


def test_the_budgets_have_one_home_that_contributing_shows():
    """budgets.toml is read by the benchmarks; CONTRIBUTING.md holds its table verbatim."""
    assert BUDGETS["redraw_median"].limit == pytest.approx(0.050)
    assert BUDGETS["page"].limit == 3_000_000
    assert BUDGETS["tests"].shown == "10 min"
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert markdown_table() in contributing, "paste `python -m benchmarks.budgets` into it"


def test_a_budget_refuses_an_unknown_unit_or_a_non_positive_value(tmp_path):
    path = tmp_path / "budgets.toml"
    path.write_text('[a]\nwhat = "x"\nvalue = 1\nunit = "h"\n')
    with pytest.raises(ValueError, match="unit must be one of"):
        load(path)
    path.write_text('[a]\nwhat = "x"\nvalue = 0\nunit = "s"\n')
    with pytest.raises(ValueError, match="value must be positive"):
        load(path)


def test_the_readme_section_is_written_between_its_markers():
    rows = [
        Row("execute 01_a", 3.0, "s", 10.0),
        Row("execute 02_b", 12.0, "s", 10.0),
        Row("total / (2 x kernel floor)", 4.0, "ratio"),
        Row("page book/02_b.html", 1.5e6, "bytes", 3e6),
    ]
    lite = {"warm_median_s": 27.0, "first_visit_bytes": 44.2e6}
    section = report.readme_section(rows, "Measured here.", lite)
    assert "| slowest notebook's execution | 12.00 s (02_b) **OVER** | 10.00 s |" in section
    assert "| book execution / (chapters x kernel floor) | 4.00x | tracked |" in section
    assert "| browser edition: first visit | 44.20 MB | 45.00 MB |" in section
    old = f"intro\n{report.README_START}\nold table\n{report.README_END}\nrest\n"
    new = report.replace_readme_section(old, section)
    assert new == f"intro\n{section}\nrest\n"
    with pytest.raises(ValueError, match="no benchmark markers"):
        report.replace_readme_section("no markers here", section)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(report.README_START) == 1 and readme.count(report.README_END) == 1
