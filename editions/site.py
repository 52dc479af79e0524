"""The built site as a reader's browser meets it: served on 127.0.0.1 (:func:`serve`,
whose :class:`Server` records every request) and opened in headless Chromium that
resolves no host but 127.0.0.1 (:func:`launch` with :data:`OFFLINE`, or
:func:`launch_with_profile` for a browser that keeps its cache on disk). In a page,
:data:`LIVE_START` and :data:`LIVE_MOVE` start an explorer's live mode and move its
controls, each waiting for the frame.

The browser tests and the benchmarks use these; Playwright (a test dependency) is
imported only when a browser starts.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from editions import book

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

#: A Chromium switch: no host but 127.0.0.1 resolves, so nothing can leave the machine.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
#: Switches for a quiet headless Chromium: no background traffic, no first-run work.
QUIET = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)


def find_chromium() -> str | None:
    """The system Chromium: $CHROMIUM, else chromium / chromium-browser on PATH."""
    candidates = [os.environ.get("CHROMIUM"), "chromium", "chromium-browser"]
    for name in filter(None, candidates):
        path = shutil.which(name) or (name if Path(name).is_file() else None)
        if path:
            return path
    return None


@contextmanager
def launch(executable: str, *args: str) -> Iterator[Browser]:
    """Headless Chromium (the one at ``executable``, with command-line ``args``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(args))
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def launch_with_profile(executable: str, profile: Path, *args: str) -> Iterator[BrowserContext]:
    """Headless Chromium with a user profile of its own in ``profile``: its one context
    keeps the HTTP cache on disk between pages, as a reader's browser does."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, args=list(args), headless=True
        )
        try:
            yield context
        finally:
            context.close()


# --- serving --------------------------------------------------------------------------


class Server(http.server.ThreadingHTTPServer):
    """An HTTP server that remembers every request: (path, status, bytes on disk)."""

    daemon_threads = True

    def __init__(self, folder: Path) -> None:
        handler = functools.partial(_Handler, directory=str(folder))
        super().__init__(("127.0.0.1", 0), handler)
        self.requests: list[tuple[str, int, int]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def sent(self, start: int = 0) -> int:
        """Bytes of the files answered with 200 since request number ``start``."""
        return sum(size for _, status, size in self.requests[start:] if status == 200)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder quietly and records each answer on the server."""

    server: Server

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        local = Path(self.translate_path(self.path))
        size_on_disk = local.stat().st_size if local.is_file() else 0
        status = int(code) if isinstance(code, int) else 0
        self.server.requests.append((self.path, status, size_on_disk))

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[Server]:
    """Serve a folder on a free port of 127.0.0.1 from a thread."""
    server = Server(folder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- the in-browser edition -----------------------------------------------------------

#: 'done' once the kernel is idle and every shown prompt is numbered (folded solution
#: cells show none); 'error: ...' once a cell shows a traceback, which stops Run All.
LITE_RUN_STATE = """() => {
  for (const out of document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')) {
    if (out.textContent.includes('Traceback (most recent call last)')) {
      return 'error: ' + out.textContent.slice(0, 3000);
    }
  }
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim()).filter(p => p);
  const idle = [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some(item => item.textContent.includes('| Idle'));
  return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p)) && idle ? 'done' : false;
}"""


def wait_for_lite_kernel(page: Page, chapter: str, timeout: float) -> None:
    """Wait (up to timeout seconds for each step) until the edition shows every code cell
    of book/``chapter`` and its kernel is idle: Run All acts on the notebook in focus."""
    cells = book.read(book.BOOK / chapter)["cells"]
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-Notebook .jp-CodeCell').length === n",
        arg=sum(cell["cell_type"] == "code" for cell in cells),
        timeout=timeout * 1000,
    )
    page.get_by_text("Python (Pyodide) | Idle").wait_for(timeout=timeout * 1000)


# --- the explorers' live mode on the book's pages --------------------------------------

#: In the page, for an explorer's root element: press its live-mode button and wait
#: (at most ``timeout`` ms) until the first live frame is shown; the milliseconds from
#: the press to that frame decoded.
LIVE_START = """async (root, timeout) => {
  const button = root.querySelector(".nnfb-live-start");
  const start = performance.now();
  const first = new Promise((resolve, reject) => {
    root.addEventListener("nnfb-live-frame", resolve, { once: true });
    setTimeout(() => reject(new Error("no live frame after " + timeout + " ms: " +
      root.querySelector(".nnfb-live-note").textContent)), timeout);
  });
  button.click();
  await first;
  await root.querySelector("img.nnfb-frame").decode();
  return performance.now() - start;
}"""

#: In the page, for an explorer's root element and [k, value]: set its k-th control to
#: ``value`` (an index into the control's values, its live values once live) as a
#: reader does, and wait (at most ``timeout`` ms) until the frame of the new values is
#: shown; the milliseconds from the move to that frame decoded, or null when the
#: values were those already shown.
LIVE_MOVE = """async (root, [k, value, timeout]) => {
  const inputs = Array.from(root.querySelectorAll("[data-param]"));
  const img = root.querySelector("img.nnfb-frame");
  const start = performance.now();
  inputs[k].value = String(value);
  const key = inputs.map((el) => el.value).join("-");
  if (key === root.dataset.liveKey) return null;
  const shown = new Promise((resolve, reject) => {
    const check = (event) => {
      if (event.detail.key !== key) return;
      root.removeEventListener("nnfb-live-frame", check);
      resolve();
    };
    root.addEventListener("nnfb-live-frame", check);
    setTimeout(() => reject(new Error("no live frame of " + key + " after " + timeout +
      " ms: " + root.querySelector(".nnfb-live-note").textContent)), timeout);
  });
  inputs[k].dispatchEvent(new Event("input"));
  await shown;
  await img.decode();
  return performance.now() - start;
}"""
