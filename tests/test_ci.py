"""CI runs exactly the two commands that README.md's quick start documents."""

from __future__ import annotations

import re

from conftest import ROOT


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
