"""CI runs exactly the two commands that README.md's quick start documents."""

from __future__ import annotations

import re

from editions.book import ROOT


def _quick_start() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^# [12]\. .*\n(.+)$", readme, flags=re.M)


def test_readme_quick_start_has_two_commands():
    commands = _quick_start()
    assert len(commands) == 2, commands
    assert commands[0].endswith("-m editions")
    assert commands[1].endswith("-m pytest")


def test_ci_runs_the_readme_commands_word_for_word():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in script
    # Each command stands alone on its line; a failure must stop the run (set -e alone
    # does not stop on a failure inside an && list).
    lines = [line.strip() for line in script.splitlines()]
    for command in _quick_start():
        assert f"{command} || exit $?" in lines, f".ci/run does not run: {command}"


def test_readme_documents_the_quick_subset_with_registered_markers():
    import tomllib

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = re.search(r'^\.venv/bin/python -m pytest tests -m "([^"]+)"$', readme, flags=re.M)
    assert quick, "README.md must show the quick test command (pytest tests -m ...)"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    markers = {m.split(":")[0] for m in pyproject["tool"]["pytest"]["ini_options"]["markers"]}
    used = set(re.findall(r"not (\w+)", quick.group(1)))
    assert used and used <= markers, f"unregistered markers in the quick command: {used - markers}"


def test_lock_and_drift_scripts_exist_and_stop_on_failure():
    import os

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("lock", "drift"):
        script = ROOT / ".ci" / name
        assert script.is_file() and os.access(script, os.X_OK), f".ci/{name} is not executable"
        text = script.read_text(encoding="utf-8")
        assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text
        assert f".ci/{name}" in readme, f"README.md does not document .ci/{name}"
