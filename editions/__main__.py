"""``python -m editions``: the browser edition, the HTML book, the student edition.

The browser edition comes first: the book's pages start their explorers' live mode
with its copy of Pyodide, and label the button with what that downloads
(``_ext/explorer_live.py``).

Each edition built is noted in ``_build/editions.json`` with the digest of the sources
it was built from and the problems its log flagged (:func:`editions.book.record`).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

from editions import book, student


def build_book(digest: str) -> None:
    """The HTML book, warnings as errors; complete when no earlier build was there."""
    complete = not (book.BUILD / ".doctrees").exists()
    command = book.build_command()
    print("+", " ".join(command), flush=True)
    returncode, log = book.run_logged(command)
    if returncode:
        raise subprocess.CalledProcessError(returncode, command, log)
    book.record("book", book.log_problems(0, log), complete, digest)


def build_student(digest: str) -> None:
    """The student edition, from the book's execution results."""
    log = student.build()
    book.record("student", book.log_problems(0, log), True, digest)


def build_lite(digest: str) -> None:
    """The in-browser edition, into _build/html/lite (a folder of the site the book's
    build leaves alone)."""
    from editions import lite

    lite.build()
    book.record("lite", [], True, digest)


def main() -> int:
    digest = book.sources_digest()
    steps: list[tuple[str, Callable[[str], object]]] = [
        ("in-browser edition", build_lite),  # it holds the student notebooks too
        ("HTML book", build_book),
        ("student edition", build_student),
    ]
    for name, step in steps:
        start = time.perf_counter()
        try:
            step(digest)
        except subprocess.CalledProcessError as error:
            print(f"editions: the {name} failed (exit {error.returncode})", file=sys.stderr)
            return error.returncode or 1
        print(f"editions: {name} built in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
