"""``python -m editions``: the HTML book, the browser edition, the student edition."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

from editions import book, student


def build_book() -> None:
    """The HTML book, warnings as errors."""
    command = book.build_command()
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=book.ROOT)


def build_lite() -> None:
    """The in-browser edition, into _build/html/lite (after the book: it lives in the site)."""
    from editions import lite

    lite.build()


def main() -> int:
    steps: list[tuple[str, Callable[[], object]]] = [
        ("HTML book", build_book),
        ("student edition", student.build),
        ("in-browser edition", build_lite),  # it holds the student notebooks too
    ]
    for name, step in steps:
        start = time.perf_counter()
        try:
            step()
        except subprocess.CalledProcessError as error:
            print(f"editions: the {name} failed (exit {error.returncode})", file=sys.stderr)
            return error.returncode or 1
        print(f"editions: {name} built in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
