"""The book's structure, in one place: where the book is, what its table of contents
lists, the cells of a notebook, the command that builds the HTML book, and the record
of which sources each edition was last built from (so that the tests can use the build
that ``python -m editions`` made instead of making their own).

Everything else (the editions, the tests, the benchmarks) asks this module, so that
there is one answer to "which chapters are there, in which order".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

#: The repository's root: _config.yml, _toc.yml and book/ are here.
ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
BUILD = ROOT / "_build"
#: The HTML book that ``python -m editions`` writes (the full edition).
SITE = BUILD / "html"


def toc_files(root: Path = ROOT) -> list[str]:
    """Every page of ``root/_toc.yml`` in reading order, its root first, as paths without
    suffix (``"book/intro"``)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files: list[str] = [toc["root"]]

    def collect(entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            collect(entry.get("chapters", []) + entry.get("sections", []))

    collect(toc.get("parts", []) + toc.get("chapters", []))
    return files


def chapters(root: Path = ROOT) -> list[Path]:
    """The chapter notebooks, in the order of ``root/_toc.yml``."""
    return [p for f in toc_files(root) if (p := root / f"{f}.ipynb").is_file()]


def pages(root: Path = ROOT) -> list[Path]:
    """The Markdown pages (intro, notation, glossary, references), in the toc's order."""
    return [p for f in toc_files(root) if (p := root / f"{f}.md").is_file()]


def read(path: Path) -> dict[str, Any]:
    """A notebook as a plain dict (no validation, no nbformat needed)."""
    notebook: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return notebook


def source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (notebooks store a string or a list of lines)."""
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def code_sources(notebook: dict[str, Any]) -> list[str]:
    """The sources of a notebook's code cells, in order."""
    return [source(c) for c in notebook["cells"] if c["cell_type"] == "code"]


def title(path: Path) -> str:
    """A chapter's or page's title: the first level-1 heading of its first Markdown."""
    if path.suffix == ".ipynb":
        text = "\n".join(source(c) for c in read(path)["cells"] if c["cell_type"] == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    found = re.search(r"^# (.+?)\s*$", text, flags=re.M)
    if not found:
        raise ValueError(f"{path.name} has no level-1 heading")
    return found.group(1)


def dumps(notebook: dict[str, Any], sort_keys: bool = False) -> str:
    """Notebook JSON as Jupyter writes it: one-space indent, UTF-8 kept, a final newline."""
    return json.dumps(notebook, indent=1, sort_keys=sort_keys, ensure_ascii=False) + "\n"


#: The widest code line a chapter may hold: the line length of ``book/ruff.toml``, which
#: the book's code column shows without scrolling.
CODE_WIDTH: int = tomllib.loads((BOOK / "ruff.toml").read_text(encoding="utf-8"))["line-length"]


def build_command(source: Path = ROOT, *options: str) -> list[str]:
    """``jupyter-book build`` of the book at ``source``, warnings as errors, from this
    Python's environment; ``options`` are added (``--all``, ``--config FILE``...)."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    return [str(jupyter_book), "build", str(source), "-W", "-n", "--keep-going", *options]


# --- a build and its record ----------------------------------------------------------------

#: What a build is made from: the files that, changed, change what the site shows.
BUILD_INPUTS = (
    "_config.yml",
    "_toc.yml",
    "book",
    "_ext",
    "_static",
    "_templates",
    "helpers",
    "editions",
    "requirements-lock.txt",
)
#: Which editions were built from which sources, and what their logs flagged.
RECORD = BUILD / "editions.json"
_SKIPPED = ("__pycache__", ".ipynb_checkpoints", ".egg-info")

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: A line of a build log that is a warning or an error of any kind: Sphinx's and
#: myst-nb's ("WARNING:", "ERROR:"), a kernel's or another logger's ("[IPKernelApp]
#: WARNING | ..."), Python's warnings ("x.py:3: DeprecationWarning: ...").
FLAGGED_LINE = re.compile(r"\b(WARNING|ERROR)\b|\b\w*(Warning|Error): |\bwarning: ", re.I)


def sources_digest(root: Path = ROOT) -> str:
    """sha256 over the path and content of every file of :data:`BUILD_INPUTS`."""
    digest = hashlib.sha256()
    for name in BUILD_INPUTS:
        top = root / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            if any(part.endswith(_SKIPPED) for part in path.relative_to(root).parts):
                continue
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def log_problems(returncode: int, output: str) -> list[str]:
    """Why a build's exit code and log are not clean (empty when they are)."""
    problems = [f"exit code {returncode}"] if returncode else []
    lines = ANSI.sub("", output).splitlines()
    flagged = [line.strip() for line in lines if FLAGGED_LINE.search(line)]
    return problems + list(dict.fromkeys(flagged))


def run_logged(command: Sequence[str], quiet: bool = False) -> tuple[int, str]:
    """Run ``command`` in the root, its output printed as it comes (unless quiet) and
    kept: (exit code, output)."""
    env = {**os.environ, "NO_COLOR": "1"}
    with subprocess.Popen(
        list(command),
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as process:
        assert process.stdout is not None
        kept = []
        for line in process.stdout:
            kept.append(line)
            if not quiet:
                print(line, end="", flush=True)
    return process.returncode, "".join(kept)


def record(
    edition: str, problems: list[str], complete: bool = True, digest: str = "", path: Path = RECORD
) -> None:
    """Note that ``edition`` was built from the sources of ``digest`` (the current ones by
    default), with the problems its log flagged; ``complete``: every page was read (not
    an incremental build)."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data[edition] = {
        "sources": digest or sources_digest(),
        "complete": complete,
        "problems": problems,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def recorded(edition: str, digest: str = "", path: Path = RECORD) -> list[str] | None:
    """The problems of the last complete build of ``edition``, if it was built from the
    sources of ``digest`` (the current ones by default); None when there is no such
    build."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    entry = data.get(edition)
    if not entry or not entry.get("complete"):
        return None
    if entry.get("sources") != (digest or sources_digest()):
        return None
    return list(entry["problems"])
