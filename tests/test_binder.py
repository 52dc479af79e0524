"""Binder: the repository runs from requirements.txt alone, and the launch buttons
point at it.

The slow test builds a fresh virtual environment from requirements.txt (no test
extras), as Binder does, and executes every notebook of the table of contents with
nbclient in that environment's kernel, each notebook in its own folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from editions.book import ROOT, chapters
from tests.support.notebooks import isolated_env
from tests.support.prose import built_prose_values, strip_quotes

#: The runner the fresh environment executes (python -m, from the repository's root).
RUNNER = "tests.support.run_notebooks"
#: Variables that would let the fresh environment see the test environment.
_LEAKY = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "CONDA_PREFIX", "MPLBACKEND")


def _config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def fresh_env(venv: Path, home: Path) -> dict[str, str]:
    """os.environ as if only ``venv`` were active, with empty Jupyter and IPython
    configuration in ``home``."""
    env = isolated_env(home, drop=_LEAKY)
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    return env


def test_runtime_txt_pins_python_311_or_newer():
    pin = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-3\.(\d+)(\.\d+)?", pin)
    assert match, f"runtime.txt must read python-3.x, got {pin!r}"
    assert int(match.group(1)) >= 11, f"runtime.txt pins {pin}, need python-3.11 or newer"


def test_launch_buttons_open_jupyterlab_and_come_from_one_repository_setting():
    config = _config()
    repo = config.get("repository", {})
    url, branch = repo.get("url", ""), repo.get("branch", "")
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), f"repository.url: {url!r}"
    assert branch, "repository.branch is empty"
    # _config.yml sits at the repository's root, so the launch paths need no prefix.
    assert repo.get("path_to_book", "") in ("", "."), repo
    buttons = config.get("launch_buttons", {})
    assert buttons.get("notebook_interface") == "jupyterlab", buttons
    assert str(buttons.get("binderhub_url", "")).startswith("https://"), buttons
    # Nothing else names the repository or a launch address: a fork changes one place.
    text = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert text.count(url) == 1, f"{url} is repeated in _config.yml"
    options = config.get("sphinx", {}).get("config", {}).get("html_theme_options", {})
    overrides = {"repository_url", "repository_branch", "launch_buttons"} & set(options)
    assert not overrides, f"html_theme_options overrides {sorted(overrides)}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"repository:\s*\n\s*url: \S+\s*\n\s*branch: \S+", readme), (
        "README.md must show how a fork sets repository.url and branch"
    )


BOOK_NOTEBOOKS = chapters()


def test_the_table_of_contents_lists_notebooks():
    assert len(chapters()) >= 8


@pytest.fixture(scope="module")
def fresh_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every notebook executed in a fresh environment made from requirements.txt."""
    tmp_path = tmp_path_factory.mktemp("binder")
    venv, home, executed = tmp_path / "venv", tmp_path / "home", tmp_path / "executed"
    env = fresh_env(venv, home)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env, timeout=300)
    # --no-compile: pip would compile every installed module to bytecode (16 of its 47 s
    # here); Python compiles the few that the notebooks import when they import them.
    install = ["install", "--no-compile", "--progress-bar", "off", "-r", "requirements.txt"]
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), *install],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    install_seconds = time.perf_counter() - start
    assert pip.returncode == 0, f"pip install -r requirements.txt failed:\n{pip.stderr[-5000:]}"

    notebooks = [str(p.relative_to(ROOT)) for p in chapters()]
    start = time.perf_counter()
    run = subprocess.run(
        [str(venv / "bin" / "python"), "-m", RUNNER, "--save", str(executed), *notebooks],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    run_seconds = time.perf_counter() - start
    reports = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    return {
        "venv": venv,
        "run": run,
        "reports": reports,
        "notebooks": notebooks,
        "executed": executed,
        "install_seconds": install_seconds,
        "run_seconds": run_seconds,
    }


@pytest.mark.slow
def test_every_notebook_runs_in_a_fresh_environment_from_requirements_txt(
    fresh_run: dict, record_property: Callable[[str, object], None]
):
    venv, run, reports = fresh_run["venv"], fresh_run["run"], fresh_run["reports"]
    notebooks = fresh_run["notebooks"]
    install_seconds, run_seconds = fresh_run["install_seconds"], fresh_run["run_seconds"]
    assert reports and "kernel" in reports[0], f"the runner failed:\n{run.stderr[-5000:]}"
    kernel = Path(reports[0]["kernel"])
    assert kernel.parent == venv / "bin", f"the kernel ran {kernel}, not the fresh environment"

    results = {r["notebook"]: r for r in reports[1:]}
    lines = [f"fresh environment: venv + pip install {install_seconds:.0f} s"]
    lines += [f"  {name}: {r['seconds']:.1f} s" for name, r in results.items()]
    lines.append(f"  all notebooks: {run_seconds:.0f} s (with kernel start-up)")
    print("\n".join(lines))
    record_property("install_seconds", round(install_seconds, 1))
    record_property("notebook_seconds", {n: round(r["seconds"], 1) for n, r in results.items()})
    assert list(results) == notebooks, f"not every notebook ran:\n{run.stderr[-5000:]}"
    failed = {name: r["error"] for name, r in results.items() if r["error"]}
    assert not failed, "\n\n".join(f"{name}:\n{error}" for name, error in failed.items())
    assert run.returncode == 0, run.stderr[-5000:]


def _text_outputs(nb: dict, built: bool = False) -> list[tuple[int, str, str]]:
    """(code cell, kind, text) of every textual output: prints, reprs and Markdown.

    Images, HTML (it holds a per-run element id) and widget views (a per-run model id)
    are left out; every number a reader sees is in one of the kept kinds or in the
    prose's inserted values, compared separately. The build shows each cell's prints
    as one block per stream (nb_merge_streams), so they are compared merged. The
    build's own executed notebook (``built``) already holds the merged text in each
    stream's first output, and keeps the pieces it merged after it: those are skipped.
    """
    kept = ("text/plain", "text/markdown")
    found: list[tuple[int, str, str]] = []
    code_cells = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    for i, cell in enumerate(code_cells):
        streams: dict[str, int] = {}  # stream name -> its index in found
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                text = "".join(out["text"]) if isinstance(out["text"], list) else out["text"]
                name = out["name"]
                if name not in streams:
                    streams[name] = len(found)
                    found.append((i, name, text))
                elif not built:
                    at = streams[name]
                    found[at] = (i, name, found[at][2] + text)
                continue
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                continue
            found += [(i, kind, "".join(data[kind])) for kind in kept if kind in data]
    # Merging strips trailing whitespace; whitespace is not what we compare.
    return [(i, kind, text.rstrip()) for i, kind, text in found]


def _prose_values(nb: dict) -> list[str]:
    """The inline expressions' values, as the runner evaluated them, in reading order."""
    values = []
    for cell in nb["cells"]:
        for entry in cell.get("metadata", {}).get("user_expressions", []):
            result = entry["result"]
            assert result["status"] == "ok", f"{entry['expression']}: {result}"
            values.append(strip_quotes(result["data"]["text/plain"]))
    return values


# The book build's executed notebooks and prose values, read when the module loads,
# before any test can rebuild the book.
EXECUTED = ROOT / "_build" / "jupyter_execute"
BUILT_PROSE = built_prose_values(
    ROOT / "_build" / "html" / "book", [p.name for p in BOOK_NOTEBOOKS]
)
BUILT_OUTPUTS = {
    p.name: json.loads(f.read_text(encoding="utf-8"))
    for p in BOOK_NOTEBOOKS
    if (f := EXECUTED / p.relative_to(ROOT)).is_file()
}


@pytest.mark.slow
def test_two_executions_give_identical_text_outputs_and_prose_values(fresh_run: dict):
    """The fresh environment's run against the book build's run of the same notebooks:
    the same text outputs, and the same values inserted into the prose."""
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    if not BUILT_OUTPUTS:
        message = "no book build to compare with (build the book first)"
        if in_ci:
            pytest.fail(message)
        pytest.skip(message)
    compared = []
    for name in fresh_run["notebooks"]:
        chapter = Path(name).name
        if chapter not in BUILT_OUTPUTS:
            continue
        fresh = json.loads((fresh_run["executed"] / chapter).read_text(encoding="utf-8"))
        ours, theirs = _text_outputs(fresh), _text_outputs(BUILT_OUTPUTS[chapter], built=True)
        diff = [(a, b) for a, b in zip(ours, theirs, strict=False) if a != b]
        assert len(ours) == len(theirs) and not diff, (
            f"{name}: outputs differ between two executions, first: {diff[:1]}"
        )
        live, built = _prose_values(fresh), BUILT_PROSE.get(chapter, [])
        assert live == built, (
            f"{name}: prose values differ, first: "
            f"{next(((a, b) for a, b in zip(live, built, strict=False) if a != b), None)}, "
            f"{len(live)} live against {len(built)} built"
        )
        compared.append(name)
    print(f"identical text outputs and prose values in {len(compared)} notebooks")
    if in_ci:
        assert compared == fresh_run["notebooks"], "the build misses some notebooks"
