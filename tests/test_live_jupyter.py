"""Live notebooks: a real browser against a real Jupyter server.

For JupyterLab and for Notebook 7, every chapter is opened in headless Chromium, as
the environment from requirements.txt sets them up (jupyterlab-myst renders the
Markdown; no news or update pop-ups). Before running, each inserted value shows a
"[run the code above]" placeholder. After Run > Run All Cells the rendered prose
must hold no raw MyST and show every value that the chapter's HTML page shows,
formatted the same way. Then every control of the chapter's explorers is moved as a
reader would, with the mouse, and each move must make the kernel redraw: the image's
PNG bytes change, and the status label written by the Python callback shows the new
value.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from editions.book import BOOK, ROOT
from helpers import widgets
from helpers.widgets import Choice, Explorer, Slider
from tests.support.notebooks import isolated_env
from tests.support.prose import built_prose_values, raw_myst
from tests.support.site import in_ci, launch

BIN = Path(sys.executable).parent
#: frontend -> (jupyter subcommand, the page that opens a notebook)
FRONTENDS = {
    "jupyterlab": ("lab", "lab/tree/{notebook}?reset&token={token}"),
    "notebook7": ("notebook", "notebooks/{notebook}?token={token}"),
}
#: Chapters whose sliders the design promises; the test covers any others it finds.
PROMISED = {"02_activations.ipynb", "05_initialization.ipynb", "06_vanishing_exploding.ipynb"}
START_TIMEOUT = 60.0  # s: server start, kernel start
RUN_ALL_TIMEOUT = 300.0  # s: a whole chapter, run cell by cell in the browser
REDRAW_TIMEOUT = 30.0  # s: one move of a control until the new frame is shown
PNG = b"\x89PNG\r\n\x1a\n"
SHOW_CALL = re.compile(r"\b(\w+)\(\)\.show\(\)")

# The frontend's user settings: no autosave (the chapters stay without outputs), and
# every cell rendered at once rather than as it scrolls into view, so that the whole
# prose can be read. News and update checks are off by the book's own configuration
# (jupyter-config/), which the tests check rather than set.
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}
# The server refuses to save anything and keeps checkpoints outside the repository.
SERVER_CONFIG = """\
def _refuse_to_save(model, path, contents_manager, **kwargs):
    raise RuntimeError("the tests never save notebooks")


c.ContentsManager.pre_save_hook = _refuse_to_save
c.FileCheckpoints.checkpoint_dir = {checkpoints!r}
c.LanguageServerManager.autodetect = False
"""

JS_RUN_STATE = """() => {
  for (const out of document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')) {
    if (out.textContent.includes('Traceback (most recent call last)')) {
      return 'error: ' + out.textContent.slice(0, 3000);
    }
  }
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  const prompts = cells.map(c => (c.querySelector('.jp-InputPrompt') || {}).textContent || '');
  return cells.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p)) ? 'done' : false;
}"""
JS_IMAGE = """async (root) => {
  const img = root.querySelector('img.nnfb-image');
  const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return {src: img.src, data: btoa(text)};
}"""
JS_REDRAWN = """([root, src, status]) => {
  const img = root.querySelector('img.nnfb-image');
  const shown = root.querySelector('.nnfb-status').textContent.trim();
  return img.src !== src && shown === status;
}"""


def explorer_chapters() -> dict[str, list[str]]:
    """Notebook name -> names of the helpers.widgets factories whose explorer it shows."""
    found: dict[str, list[str]] = {}
    for path in sorted(BOOK.glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code":
                found.setdefault(path.name, []).extend(SHOW_CALL.findall(source))
    return {name: calls for name, calls in found.items() if calls}


CHAPTERS = explorer_chapters()
ALL_CHAPTERS = sorted(p.name for p in BOOK.glob("*.ipynb"))
SITE_PAGES = ROOT / "_build" / "html" / "book"
PLACEHOLDER = "[run the code above]"
NEWS_QUESTION = "notified about official Jupyter news"
JS_PROSE = """() => [...document.querySelectorAll('.jp-Notebook .jp-MarkdownCell')]
  .map(cell => (cell.querySelector('.jp-Cell-inputArea') || cell).innerText)
  .join('\\n\\n')"""


# Read when the module loads, before any test can rebuild the book.
HTML_VALUES = built_prose_values(SITE_PAGES, ALL_CHAPTERS)


# --- the server -----------------------------------------------------------------------


@dataclass
class Server:
    """A running Jupyter server and how to reach it."""

    frontend: str
    port: int
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page_url(self, notebook: str) -> str:
        path = FRONTENDS[self.frontend][1].format(notebook=notebook, token=self.token)
        return f"{self.base}/{path}"

    def api(self, method: str, path: str) -> Any:
        """Call the REST API (token in the header); the decoded JSON reply or None."""
        request = urllib.request.Request(
            f"{self.base}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]

    def shut_down_kernels(self, notebook: str | None = None) -> None:
        """Stop the kernels of ``notebook``'s sessions, or every kernel."""
        if notebook is None:
            for kernel in self.api("GET", "kernels"):
                self.api("DELETE", f"kernels/{kernel['id']}")
            return
        for session in self.api("GET", "sessions"):
            if session["path"] == notebook:
                self.api("DELETE", f"sessions/{session['id']}")


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _isolated_env(home: Path) -> dict[str, str]:
    """os.environ without the user's Jupyter and IPython setup; ours is written to ``home``."""
    lab = {"JUPYTERLAB_SETTINGS_DIR": "user-settings", "JUPYTERLAB_WORKSPACES_DIR": "workspaces"}
    env = isolated_env(home, {var: f"config/lab/{sub}" for var, sub in lab.items()})
    settings = Path(env["JUPYTERLAB_SETTINGS_DIR"])
    for plugin, values in SETTINGS.items():
        file = settings / f"{plugin}.jupyterlab-settings"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(values), encoding="utf-8")
    checkpoints = home / "checkpoints"
    (Path(env["JUPYTER_CONFIG_DIR"]) / "jupyter_server_config.py").write_text(
        SERVER_CONFIG.format(checkpoints=str(checkpoints)), encoding="utf-8"
    )
    return env


def _launch(frontend: str, home: Path, env: dict[str, str]) -> Server:
    token = secrets.token_hex(24)
    port = _free_port()
    log = home / f"server-{port}.log"
    command = [
        str(BIN / "jupyter"),
        FRONTENDS[frontend][0],
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={BOOK}",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(frontend, port, token, process, log)


def _wait_until_up(server: Server) -> bool:
    """True once /api/status answers; False if the server exited first."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            server.api("GET", "status")
            return True
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"no answer from {server.base}/api/status:\n{server.log_tail()}")


def stop(server: Server) -> None:
    """Shut down every kernel through the API, then the server: terminate, wait, kill."""
    try:
        if server.process.poll() is None:
            server.shut_down_kernels()
    except (OSError, ValueError):
        pass  # the server is already gone or broken: stop it below all the same
    finally:
        if server.process.poll() is None:
            server.process.terminate()
            try:
                server.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=20)


def start(frontend: str, home: Path) -> Server:
    """Start ``jupyter lab`` or ``jupyter notebook`` on 127.0.0.1 with a random token."""
    env = _isolated_env(home)
    for _ in range(3):  # another process may take the free port before the server does
        server = _launch(frontend, home, env)
        try:
            if _wait_until_up(server):
                return server
        except BaseException:
            stop(server)
            raise
        stop(server)
    raise RuntimeError(f"the {frontend} server did not start:\n{server.log_tail()}")


def _book_state() -> dict[str, str]:
    """Every path under book/ and a hash of each file's bytes."""
    return {
        str(p.relative_to(BOOK)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
        for p in sorted(BOOK.rglob("*"))
    }


@pytest.fixture(scope="module", params=list(FRONTENDS))
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A live server over book/, always shut down afterwards; book/ must be unchanged."""
    before = _book_state()
    server = start(request.param, tmp_path_factory.mktemp(request.param))
    try:
        yield server
    finally:
        stop(server)
    after = _book_state()
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert not changed, f"the {request.param} session changed files in book/: {sorted(changed)}"


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium for the module's tests."""
    with launch(chromium_path) as browser:
        yield browser


# --- driving a notebook ---------------------------------------------------------------


def wait_for_kernel(server: Server, notebook: str) -> None:
    """Wait until the page's kernel for ``notebook`` is connected and idle."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for session in server.api("GET", "sessions"):
            kernel = session["kernel"]
            if session["path"] == notebook and kernel["connections"] > 0:
                if kernel["execution_state"] == "idle":
                    return
        time.sleep(0.1)
    raise TimeoutError(f"no idle kernel for {notebook}: {server.api('GET', 'sessions')}")


def run_all_cells(page: Page, state_js: str = JS_RUN_STATE, polling: int = 250) -> None:
    """Run > Run All Cells, and wait until ``state_js`` (a page function returning
    'done', 'error: ...' or false) says every code cell has run."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    try:
        state = page.wait_for_function(state_js, timeout=RUN_ALL_TIMEOUT * 1000, polling=polling)
    except PlaywrightTimeout:
        prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
        pytest.fail(f"the cells did not all run in {RUN_ALL_TIMEOUT:.0f} s; prompts: {prompts}")
    assert state.json_value() == "done", state.json_value()


@dataclass
class Frame:
    """The explorer's image as the browser shows it."""

    src: str
    png: bytes


def frame(root: Locator) -> Frame:
    """The bytes of the image the explorer ``root`` shows now, fetched by the page."""
    shown = root.evaluate(JS_IMAGE)
    png = base64.b64decode(shown["data"])
    assert png.startswith(PNG), f"the explorer's image is not a PNG: {png[:16]!r}"
    return Frame(shown["src"], png)


def status_text(explorer: Explorer, params: dict[str, Any]) -> str:
    """What the callback writes into the status label for ``params``."""
    return ", ".join(f"{c.label or c.name} = {c.show(params[c.name])}" for c in explorer.controls)


def move(page: Page, control: Locator, spec: Slider | Choice, value: Any) -> Any:
    """Move one control away from ``value`` as a reader would; return its new value."""
    if isinstance(spec, Choice):
        options = list(spec.options)
        new = options[(options.index(value) + 1) % len(options)]
        control.locator("select").select_option(new)
        return new
    # Drag the slider's handle by a third of the track, towards its far side.
    handle = control.locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    knob, track = handle.bounding_box(), control.locator(".noUi-base").bounding_box()
    assert knob and track, "the slider is not displayed"
    x, y = knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2
    dx = track["width"] / 3 * (1 if x < track["x"] + track["width"] / 2 else -1)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=8)
    page.mouse.up()
    new = float(control.locator(".widget-readout").inner_text())
    assert spec.show(new) != spec.show(value), f"dragging {spec.name} left it at {value}"
    return new


def check_explorer(page: Page, explorer: Explorer) -> list[float]:
    """Move every control; each move must redraw. Returns each redraw's seconds."""
    root = page.locator(f".nnfb-explorer-{explorer.name}")
    assert root.count() == 1, f"expected one {explorer.name} explorer, found {root.count()}"
    root.scroll_into_view_if_needed()
    params = explorer.params()
    status = root.locator(".nnfb-status")
    shown, expected = status.inner_text().strip(), status_text(explorer, params)
    assert shown == expected, f"{explorer.name}: the status reads {shown!r}, not {expected!r}"
    before = frame(root)
    seconds = []
    for spec in explorer.controls:
        control = root.locator(f".nnfb-control-{spec.name}")
        assert control.count() == 1, f"{explorer.name}: no control for {spec.name}"
        start = time.perf_counter()
        params[spec.name] = move(page, control, spec, params[spec.name])
        expected = status_text(explorer, params)
        try:
            page.wait_for_function(
                JS_REDRAWN,
                arg=[root.element_handle(), before.src, expected],
                timeout=REDRAW_TIMEOUT * 1000,
            )
        except PlaywrightTimeout:
            shown = status.inner_text().strip()
            same = frame(root).src == before.src
            pytest.fail(
                f"{explorer.name}: after moving {spec.name} the status reads {shown!r}, "
                f"expected {expected!r}; image replaced: {not same}"
            )
        seconds.append(time.perf_counter() - start)
        after = frame(root)
        redrawn = after.png != before.png
        assert redrawn, f"{explorer.name}: after moving {spec.name} the image has the same bytes"
        before = after
    return seconds


# --- the tests ------------------------------------------------------------------------


def test_the_chapters_with_sliders_show_their_explorers():
    """The chapters the design promises sliders in call an explorer's ``.show()``."""
    assert PROMISED <= set(CHAPTERS), f"explorers found only in {sorted(CHAPTERS)}"
    for chapter, factories in CHAPTERS.items():
        for factory in factories:
            make = getattr(widgets, factory, None)
            assert callable(make), f"{chapter} shows {factory}(), missing from helpers.widgets"
            assert isinstance(make(), Explorer), f"{factory}() does not build an Explorer"


def unfold_solutions(page: Page, chapter: str) -> None:
    """Each solution cell starts folded; unfold them as a reader would, by clicking."""
    cells = json.loads((BOOK / chapter).read_text(encoding="utf-8"))["cells"]
    folded = sum(c["metadata"].get("jupyter", {}).get("source_hidden", False) for c in cells)
    placeholders = page.locator(".jp-Notebook .jp-InputPlaceholder")
    shown = placeholders.count()
    assert shown == folded > 0, (
        f"{chapter}: {shown} folded cells shown, {folded} folded in the file"
    )
    for left in range(folded, 0, -1):
        placeholders.first.click()
        page.wait_for_function(
            "n => document.querySelectorAll('.jp-Notebook .jp-InputPlaceholder').length < n",
            arg=left,
        )


def check_prose(page: Page, chapter: str) -> str:
    """After Run All: no raw MyST, and every value of the HTML page shown. Returns a
    one-line summary."""
    expected = HTML_VALUES.get(chapter)
    if expected is None:
        message = f"no built page for {chapter}: build the book first (README command 1)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    # jupyterlab-myst evaluates a cell's expressions after the cell runs: wait for them.
    deadline = time.monotonic() + REDRAW_TIMEOUT
    while PLACEHOLDER in (text := page.evaluate(JS_PROSE)) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert PLACEHOLDER not in text, f"{chapter}: values still read {PLACEHOLDER!r} after Run All"
    raw = raw_myst(text)
    assert not raw, f"{chapter}: raw MyST in the rendered prose: {raw[:5]}"
    missing = sorted({v for v in expected if v not in text})
    assert not missing, f"{chapter}: the live prose lacks these values of the HTML page: {missing}"
    return f"{len(set(expected))} of {len(set(expected))} prose values, 0 raw MyST"


@pytest.mark.browser
@pytest.mark.parametrize("chapter", ALL_CHAPTERS)
def test_run_all_shows_the_prose_values_and_every_control_redraws(
    browser: Browser, server: Server, chapter: str
):
    """Before running, placeholders; after Run All, the prose of the HTML book with its
    values; then every control of the chapter's explorers must redraw."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(START_TIMEOUT * 1000)
    timings: dict[str, float] = {}
    try:
        start = time.perf_counter()
        page.goto(server.page_url(chapter))
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", state="attached")
        wait_for_kernel(server, chapter)
        timings["open"] = time.perf_counter() - start
        if HTML_VALUES.get(chapter):
            # jupyterlab-myst renders the Markdown cells after the page has loaded.
            deadline = time.monotonic() + REDRAW_TIMEOUT
            while PLACEHOLDER not in page.evaluate(JS_PROSE) and time.monotonic() < deadline:
                time.sleep(0.25)
        before = page.evaluate(JS_PROSE)
        assert NEWS_QUESTION not in page.inner_text("body"), "a news pop-up greets the reader"
        if HTML_VALUES.get(chapter):
            assert PLACEHOLDER in before, f"{chapter}: no placeholders before running"
        assert "{eval}" not in before and 'f"{' not in before, f"{chapter}: raw expressions"
        unfold_solutions(page, chapter)
        start = time.perf_counter()
        run_all_cells(page)
        timings["run all"] = time.perf_counter() - start
        summary = check_prose(page, chapter)
        for factory in CHAPTERS.get(chapter, []):
            explorer: Explorer = getattr(widgets, factory)()
            redraws = check_explorer(page, explorer)
            timings[f"slowest {explorer.name} redraw"] = max(redraws)
    finally:
        context.close()
        server.shut_down_kernels(chapter)
    print(
        f"{server.frontend} {chapter}: {summary}; "
        + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    )


def test_news_and_release_checks_are_off_by_default(server: Server):
    """The book's jupyter-config (installed by requirements.txt) sets the defaults."""
    if server.frontend != "jupyterlab":
        pytest.skip("the news and release checks are JupyterLab's")
    plugin = "@jupyterlab/apputils-extension:notification"
    request = urllib.request.Request(
        f"{server.base}/lab/api/settings/{plugin}",
        headers={"Authorization": f"token {server.token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        settings = json.loads(reply.read())
    defaults = settings["schema"]["properties"]
    assert defaults["fetchNews"]["default"] == "false", defaults["fetchNews"]
    assert defaults["checkForUpdates"]["default"] is False, defaults["checkForUpdates"]
