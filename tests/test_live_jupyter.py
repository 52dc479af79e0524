"""Live notebooks: a real browser against real Jupyter servers, set up as a reader has them.

One JupyterLab server and one Notebook 7 server serve ``book/`` for the whole module,
from the environment that requirements.txt installs, with the book's own settings
(``jupyter-config/``: the front-ends' defaults, which both read, and the server's
kernel provisioner) and no other setting that changes what a reader sees: the servers
are only isolated (their own ports, a temporary home, a token, no saving). One
headless Chromium visits both. JupyterLab stays open in one
page, where each chapter is opened from the file browser; Notebook 7 opens each
chapter in a page of its own.

Every chapter is read in both front-ends at once, by two readers who swap front-ends
from one chapter to the next:

- the impatient reader clicks Run > Run All Cells the moment the page has its kernel
  (the server has started it and the page is connected: the circle beside the kernel's
  name turns hollow), and unfolds the solutions afterwards. Clicked earlier, Run All
  may run nothing or ask for a kernel, in either front-end, and the README says so:
  the toolbar names the kernel before the server has started it, and the front-end
  leaves every cell unrun while its session has no kernel. By the time the page is
  connected the kernel is as a rule idle already (each visit's summary says);
- the patient reader waits for an idle kernel, checks that each value reads
  "[run the code above]", unfolds the solutions, then clicks Run All.

Once every code cell has run, each reader scrolls through the chapter, reading each
Markdown cell while it is on screen, and waits up to 10 s: no value may still read
"[run the code above]", every value the chapter's HTML page shows must be shown in
the same cell, formatted the same way, and no raw MyST may be left. Then every control
of the chapter's explorers is moved with the mouse; each move must make the kernel
redraw (the image's PNG bytes change, and the status label written by the Python
callback shows the new value).

The servers are started by tests/support/jupyter_servers.py, and the reading is
tests/support/live_reading.py. A self-test shows that the reading can fail: on a
server of its own, with the book's setting for rendering every cell taken out again,
the patient reader must find values missing.
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import json5
import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from editions.book import ROOT, chapters
from editions.kernels import NAME as PROVISIONER
from editions.live import PLACEHOLDER
from helpers import widgets
from helpers.widgets import Explorer
from tests.support.explorers import chapter_explorers
from tests.support.jupyter_servers import (
    FRONTENDS,
    ISOLATION_SETTINGS,
    START_TIMEOUT,
    Server,
    serving,
)
from tests.support.jupyter_ui import (
    JS_RUN_STATE,
    RUN_ALL_TIMEOUT,
    click_run_all,
    frame,
    move,
)
from tests.support.live_reading import Reading, cells_of, check_reading, html_values, read_prose
from tests.support.site import launch

REDRAW_TIMEOUT = 30.0  # s: one move of a control until the new frame is shown
VIEWPORT = {"width": 1280, "height": 900}

#: The front-end defaults the book installs (requirements.txt installs ./jupyter-config
#: into the environment's share/jupyter/lab/settings/overrides.d, which JupyterLab and
#: Notebook 7 both read). The tests read them from there and set none of their own.
BOOK_SETTINGS_DIR = ROOT / "jupyter-config" / "lab-settings"
#: The server configuration the book installs (as etc/jupyter/jupyter_server_config.json):
#: every kernel started with the book's provisioner (editions/kernels.py).
BOOK_SERVER_CONFIG = ROOT / "jupyter-config" / "server-config" / "jupyter_server_config.json"
#: The book's setting without which off-screen values stay placeholders (the self-test).
WINDOWING = ("@jupyterlab/notebook-extension:tracker", "windowingMode")
#: The chapter the self-test reads without that setting.
SELF_TEST_CHAPTER = "08_normalization.ipynb"
#: Click every folded cell's placeholder; returns how many there were.
JS_UNFOLD = """() => {
  const folded = [...document.querySelectorAll('.jp-Notebook .jp-InputPlaceholder')];
  folded.forEach(placeholder => placeholder.click());
  return folded.length;
}"""
JS_REDRAWN = """([root, src, status]) => {
  const img = root.querySelector('img.nnfb-image');
  const shown = root.querySelector('.nnfb-status').textContent.trim();
  return img.src !== src && shown === status;
}"""


#: notebook name -> the explorers it shows (helpers.widgets.EXPLORERS names)
CHAPTERS = {f"{stem}.ipynb": names for stem, names in chapter_explorers().items()}
ALL_CHAPTERS = [p.name for p in chapters()]
NEWS_QUESTION = "notified about official Jupyter news"
JS_PROSE = """() => [...document.querySelectorAll('.jp-Notebook .jp-MarkdownCell')]
  .map(cell => (cell.querySelector('.jp-Cell-inputArea') || cell).innerText)
  .join('\\n\\n')"""


def book_settings() -> dict[str, dict[str, Any]]:
    """The settings the book installs, by plugin, as JupyterLab merges its files."""
    merged: dict[str, dict[str, Any]] = {}
    for path in sorted(BOOK_SETTINGS_DIR.glob("*.json*")):
        for plugin, values in json5.loads(path.read_text(encoding="utf-8")).items():
            merged.setdefault(plugin, {}).update(values)
    return merged


def schema_default(plugin: str, key: str) -> Any:
    """A setting's default as JupyterLab's own schema gives it (before the book's)."""
    package, name = plugin.split(":")
    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    schema = json.loads((schemas / package / f"{name}.json").read_text(encoding="utf-8"))
    return schema["properties"][key]["default"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    """One JupyterLab and one Notebook 7 server, shared by every test of the module."""
    with serving(*FRONTENDS, home=tmp_path_factory.mktemp("live")) as servers:
        yield servers


@pytest.fixture(params=list(FRONTENDS))
def server(request: pytest.FixtureRequest, servers: dict[str, Server]) -> Server:
    return servers[request.param]


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    """One headless Chromium for the module's tests."""
    with launch(chromium_path) as browser:
        yield browser


@pytest.fixture(scope="module")
def front_ends(browser: Browser, servers: dict[str, Server]) -> Iterator[dict[str, FrontEnd]]:
    """Each front-end as a reader has it open, kept for every chapter."""
    opened = {name: FrontEnd(server, browser) for name, server in servers.items()}
    try:
        yield opened
    finally:
        for front_end in opened.values():
            front_end.context.close()


# --- driving a notebook ---------------------------------------------------------------


class FrontEnd:
    """A front-end as a reader uses it, in one browser context kept for every chapter
    (and so with the browser's cache, as a reader's browser keeps it). In JupyterLab
    the reader opens each chapter from the file browser of one JupyterLab page; in
    Notebook 7 each chapter opens in a page of its own."""

    def __init__(self, server: Server, browser: Browser) -> None:
        self.server = server
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(START_TIMEOUT * 1000)
        self._lab: Page | None = None

    @property
    def name(self) -> str:
        return self.server.frontend

    def _lab_page(self) -> Page:
        if self._lab is None:
            self._lab = self.context.new_page()
            self._lab.goto(f"{self.server.base}/lab?reset&token={self.server.token}")
            self._lab.wait_for_selector(".jp-DirListing-item", state="visible")
        return self._lab

    def open(self, chapter: str) -> Page:
        """Open the chapter; return its page once its cells are there."""
        if self.name == "jupyterlab":
            page = self._lab_page()
            page.locator(".jp-DirListing-item", has_text=chapter).dblclick()
        else:
            page = self.context.new_page()
            page.goto(f"{self.server.base}/notebooks/{chapter}?token={self.server.token}")
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", state="attached")
        return page

    def close(self, page: Page, chapter: str, failed: bool) -> None:
        """Close the chapter without saving, then stop its kernel. After a failure
        JupyterLab's page is opened afresh for the next chapter."""
        try:
            if self.name != "jupyterlab":
                page.close()
            elif failed:
                self._lab = None
                page.close()
            else:
                page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").click()
                page.wait_for_function(
                    "() => document.querySelector('.jp-Dialog') || "
                    "!document.querySelector('.jp-NotebookPanel')"
                )
                if page.locator(".jp-Dialog").count():
                    page.get_by_role("button", name="Discard").click()
                page.wait_for_selector(".jp-NotebookPanel", state="detached")
        finally:
            self.server.shut_down_kernels(chapter)


def wait_for_kernel(server: Server, notebook: str, idle: bool = True) -> str:
    """Wait until the page's kernel for ``notebook`` is connected, and idle if ``idle``;
    return its state then."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for session in server.api("GET", "sessions"):
            kernel = session["kernel"]
            if session["path"] == notebook and kernel["connections"] > 0:
                if kernel["execution_state"] == "idle" or not idle:
                    return kernel["execution_state"]
        time.sleep(0.05)
    wanted = "idle kernel" if idle else "connected kernel"
    raise TimeoutError(f"no {wanted} for {notebook}: {server.api('GET', 'sessions')}")


def unfold_solutions(page: Page, chapter: str) -> None:
    """Each solution cell starts folded; unfold them as a reader would, with a click
    on each (dispatched to all at once)."""
    folded = sum(
        c["metadata"].get("jupyter", {}).get("source_hidden", False) for c in cells_of(chapter)
    )
    shown = page.evaluate(JS_UNFOLD)
    assert shown == folded > 0, (
        f"{chapter}: {shown} folded cells shown, {folded} folded in the file"
    )
    page.wait_for_function(
        "() => !document.querySelector('.jp-Notebook .jp-InputPlaceholder')", polling=100
    )


def status_text(explorer: Explorer, params: dict[str, Any]) -> str:
    """What the callback writes into the status label for ``params``."""
    return ", ".join(f"{c.label or c.name} = {c.show(params[c.name])}" for c in explorer.controls)


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


# --- the readers ----------------------------------------------------------------------

#: The two readers of a chapter. The impatient one clicks Run All the moment the
#: page has its kernel; the patient one waits for an idle kernel, checks the
#: placeholders and unfolds the solutions first.
READERS = ("impatient", "patient")


def readers(chapter: str) -> dict[str, str]:
    """Front-end -> the reader who reads ``chapter`` there. They swap front-ends from
    one chapter to the next: every chapter is read by both readers, each front-end
    serves both, and the two front-ends of a chapter run side by side."""
    index = ALL_CHAPTERS.index(chapter)
    return {name: READERS[(index + i) % 2] for i, name in enumerate(FRONTENDS)}


@dataclass
class Visit:
    """One reader's visit to a chapter in one front-end."""

    front_end: FrontEnd
    chapter: str
    reader: str
    unfold: bool = True
    page: Page | None = None
    kernel_at_click: str = ""
    unfolded: bool = False
    reading: Reading | None = None
    timings: dict[str, float] = field(default_factory=dict)
    _started: float = field(default_factory=time.perf_counter)

    def __str__(self) -> str:
        return f"{self.front_end.name} {self.chapter}, the {self.reader} reader"

    def _mark(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = now - self._started
        self._started = now

    def start(self) -> None:
        """Open the chapter and click Run All as this reader does."""
        server, chapter = self.front_end.server, self.chapter
        self.page = page = self.front_end.open(chapter)
        if self.reader == "impatient":
            # The earliest click that runs the cells: the page has its kernel (the
            # toolbar named it earlier). The summary names the state the click met.
            self.kernel_at_click = wait_for_kernel(server, chapter, idle=False)
            click_run_all(page)
            self._mark("open")
            return
        wait_for_kernel(server, chapter)
        self._mark("open")
        assert NEWS_QUESTION not in page.inner_text("body"), "a news pop-up greets the reader"
        # jupyterlab-myst renders the Markdown cells after the page has loaded.
        page.wait_for_function(
            "p => document.querySelector('.jp-Notebook').textContent.includes(p)",
            arg=PLACEHOLDER,
            timeout=REDRAW_TIMEOUT * 1000,
            polling=250,
        )
        before = page.evaluate(JS_PROSE)
        assert "{eval}" not in before and 'f"{' not in before, f"{self}: raw expressions"
        if self.unfold:
            unfold_solutions(page, chapter)
            self.unfolded = True
        click_run_all(page)
        self.kernel_at_click = "idle"

    def poll(self) -> bool:
        """Whether every code cell has run; fails on a traceback. Until the solutions
        are unfolded their cells are left out: the impatient reader unfolds them once
        the rest has run."""
        assert self.page is not None
        state = self.page.evaluate(JS_RUN_STATE, not self.unfolded)
        assert not str(state).startswith("error"), f"{self}: {state}"
        if state == "done" and self.unfold and not self.unfolded:
            unfold_solutions(self.page, self.chapter)
            self.unfolded = True
            return False
        if state == "done":
            self._mark("run all")
        return state == "done"

    def read(self) -> Reading:
        assert self.page is not None
        self._started = time.perf_counter()  # not the wait for the other front-end's run
        self.reading = read_prose(self.page, self.chapter)
        self._mark("read")
        return self.reading

    def move_controls(self) -> None:
        assert self.page is not None
        for name in CHAPTERS.get(self.chapter, []):
            explorer: Explorer = widgets.EXPLORERS[name]()
            redraws = check_explorer(self.page, explorer)
            self.timings[f"slowest {explorer.name} redraw"] = max(redraws)

    def summary(self) -> str:
        assert self.reading is not None
        clicked = f"Run All clicked with the kernel {self.kernel_at_click}"
        times = ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())
        return (
            f"{self.front_end.name} {self.chapter} ({clicked}): {self.reading.summary()}; {times}"
        )


def wait_for_runs(visits: list[Visit]) -> None:
    """Wait until every visit's code cells have all run."""
    deadline = time.monotonic() + RUN_ALL_TIMEOUT
    waiting = list(visits)
    while waiting:
        waiting = [visit for visit in waiting if not visit.poll()]
        if waiting and time.monotonic() > deadline:
            visit = waiting[0]
            assert visit.page is not None
            prompts = visit.page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt")
            shown = Counter(p.strip() or "(none)" for p in prompts.all_inner_texts())
            not_run = {p: n for p, n in shown.items() if not re.match(r"\[\d+\]", p)}
            pytest.fail(
                f"the cells did not all run in {RUN_ALL_TIMEOUT:.0f} s: {visit}; kernel "
                f"{visit.front_end.server.kernel_state(visit.chapter)}, Run All clicked with "
                f"it {visit.kernel_at_click}; prompts not run: {not_run or shown}"
            )
        time.sleep(0.25 if waiting else 0)


# --- the tests ------------------------------------------------------------------------


def test_every_chapter_is_read_by_both_readers_and_in_both_front_ends():
    """The plan of readers: both readers for every chapter, and in each front-end."""
    plans = [readers(chapter) for chapter in ALL_CHAPTERS]
    assert all(sorted(plan.values()) == sorted(READERS) for plan in plans)
    for name in FRONTENDS:
        assert {plan[name] for plan in plans} == set(READERS), name


def test_the_book_renders_every_cell_for_readers():
    """The book's settings render every cell: jupyterlab-myst fills in only the values
    of cells that have been rendered (see jupyter-config/lab-settings)."""
    plugin, key = WINDOWING
    assert book_settings()[plugin][key] == "none"
    assert schema_default(plugin, key) != "none", "JupyterLab's own default; the self-test needs it"


@pytest.mark.slow  # starts the servers
def test_the_servers_start_kernels_with_the_book_provisioner(server: Server):
    """jupyter-config makes the book's kernel provisioner the servers' default: Unix
    sockets (and one BLAS thread, tests/test_kernels.py), no unencrypted TCP ports."""
    config = json.loads(BOOK_SERVER_CONFIG.read_text(encoding="utf-8"))
    assert config["KernelProvisionerFactory"]["default_provisioner_name"] == PROVISIONER
    request = urllib.request.Request(
        f"{server.base}/api/kernels",
        data=json.dumps({"name": "python3"}).encode(),
        method="POST",
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=START_TIMEOUT) as reply:
        kernel = json.loads(reply.read())
    try:
        connection = json.loads((server.runtime / f"kernel-{kernel['id']}.json").read_text())
    finally:
        server.api("DELETE", f"kernels/{kernel['id']}")
    assert connection["transport"] == "ipc", (server.frontend, connection)
    assert "running over TCP" not in server.log_tail(100_000), server.frontend


@pytest.mark.slow  # starts the servers
def test_the_servers_get_the_book_settings_and_set_none_of_their_own(server: Server):
    """Each front-end's defaults are the book's (installed by requirements.txt), and
    the server's own user settings touch none of them."""
    for plugin, values in book_settings().items():
        settings = server.settings(plugin)
        defaults = settings["schema"]["properties"]
        for key, value in values.items():
            assert defaults[key]["default"] == value, (server.frontend, plugin, key)
            assert key not in settings["settings"], (server.frontend, plugin, key)
    for plugin, values in ISOLATION_SETTINGS.items():
        assert server.settings(plugin)["settings"] == values, (server.frontend, plugin)
        assert plugin not in book_settings(), f"{plugin}: the tests would override the book"


@pytest.mark.browser
@pytest.mark.parametrize("chapter", ALL_CHAPTERS)
def test_every_value_is_shown_after_run_all_and_every_control_redraws(
    front_ends: dict[str, FrontEnd], chapter: str
):
    """The chapter in JupyterLab and in Notebook 7 side by side, one read by the
    impatient reader and the other by the patient one: after Run All each sees every
    value of the HTML page; then every control of its explorers redraws."""
    html_values(chapter)
    plan = readers(chapter)
    visits = [Visit(front_ends[name], chapter, reader) for name, reader in plan.items()]
    visits.sort(key=lambda visit: visit.reader != "impatient")  # the impatient one first
    failed = True
    try:
        for visit in visits:
            visit.start()
        wait_for_runs(visits)
        for visit in visits:
            check_reading(visit.read(), f"{visit.front_end.name}, the {visit.reader} reader")
        for visit in visits:
            visit.move_controls()
        failed = False
    finally:
        for visit in visits:
            if visit.page is not None:
                visit.front_end.close(visit.page, chapter, failed)
    for visit in visits:
        print(visit.summary())


@pytest.mark.browser
def test_without_the_book_setting_values_go_missing(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
):
    """Self-test: with the book's setting for rendering every cell taken out again (the
    server's defaults are JupyterLab's own), the patient reader of the chapter below
    must be found to miss values that are off screen during Run All."""
    chapter = SELF_TEST_CHAPTER
    html_values(chapter)
    plugin, key = WINDOWING
    old = {plugin: {key: schema_default(plugin, key)}}
    home = tmp_path_factory.mktemp("old-default")
    with serving("jupyterlab", home=home, overrides=old) as servers:
        server = servers["jupyterlab"]
        assert server.settings(plugin)["schema"]["properties"][key]["default"] == old[plugin][key]
        front_end = FrontEnd(server, browser)
        # Folded cells are rendered only near the screen too: the reader leaves them.
        visit = Visit(front_end, chapter, "patient", unfold=False)
        try:
            visit.start()
            wait_for_runs([visit])
            reading = visit.read()
        finally:
            if visit.page is not None:
                front_end.close(visit.page, chapter, failed=True)
            front_end.context.close()
    print(f"jupyterlab {chapter}, {key} {old[plugin][key]!r}: {reading.summary()}")
    assert reading.placeholders and reading.missing(), reading.summary()
    with pytest.raises(AssertionError, match="still read"):
        check_reading(reading, "the self-test")
