"""The weight of each built page and of the whole site.

A page's weight is what a reader downloads to see it, apart from the shared assets:

- the HTML file itself, which includes everything embedded in it (the explorers'
  precomputed frames as base64 JSON, ``data:`` URIs);
- plus every local file the page loads that is not a shared asset:
  ``src`` of any element (images, scripts), ``<link>`` with a rel of stylesheet,
  preload, modulepreload or icon, ``<object data>`` and ``<video poster>``, and the
  ``url(...)`` references inside those stylesheets, followed recursively.

The shared assets are what a reader downloads once and the browser then caches: the
files loaded by every page measured (the book's pages), and the files under ``_static/``
(theme CSS and JavaScript, fonts, the MathJax entry script) loaded by two pages or more.
MathJax counts as shared although a page without math does not load it. Each shared
file is reported once; fonts are counted in every format a stylesheet lists, although
a browser fetches only one, so the shared figure is an upper bound. Not counted: links
to other pages, anything on another host, and what scripts load at run time (MathJax's
fonts and extensions).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

RESOURCE_RELS = {"stylesheet", "preload", "modulepreload", "icon", "shortcut", "apple-touch-icon"}
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+?)['"]?\s*\)""")


class _Refs(HTMLParser):
    """Collects a page's resource references and its embedded bytes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self.embedded = 0
        self._in_json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("src", "data", "poster"):
            if key == "data" and tag != "object":
                continue
            if key in a:
                self._add(a[key])
        if tag == "link" and RESOURCE_RELS & set(a.get("rel", "").lower().split()):
            self._add(a.get("href", ""))
        self._in_json = tag == "script" and "json" in a.get("type", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json = False

    def handle_data(self, data: str) -> None:
        if self._in_json:
            self.embedded += len(data.encode())

    def _add(self, url: str) -> None:
        if url.startswith("data:"):
            self.embedded += len(url.encode())
        elif url:
            self.refs.append(url)


def _local(url: str, base: Path, site: Path) -> Path | None:
    """The site file a URL relative to ``base`` names, or None (other host, outside, missing)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = (site / parts.path.lstrip("/")) if parts.path.startswith("/") else base / parts.path
    path = Path(unquote(str(path))).resolve()
    if not path.is_file() or not path.is_relative_to(site.resolve()):
        return None
    return path


def _css_refs(css: Path, site: Path, seen: set[Path]) -> None:
    text = css.read_text(encoding="utf-8", errors="replace")
    for url in _CSS_URL.findall(text):
        path = _local(url.strip(), css.parent, site)
        if path is not None and path not in seen:
            seen.add(path)
            if path.suffix == ".css":
                _css_refs(path, site, seen)


@dataclass
class PageWeight:
    """One page: html bytes (embedded included), embedded bytes, and its own assets."""

    page: str
    html_bytes: int
    embedded_bytes: int
    assets: dict[str, int] = field(default_factory=dict)

    @property
    def asset_bytes(self) -> int:
        return sum(self.assets.values())

    @property
    def total(self) -> int:
        return self.html_bytes + self.asset_bytes


def page_refs(page: Path, site: Path) -> tuple[set[Path], int]:
    """The local files a page loads (stylesheets followed) and its embedded bytes."""
    parser = _Refs()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    files: set[Path] = set()
    for url in parser.refs:
        path = _local(url, page.parent, site)
        if path is not None and path not in files:
            files.add(path)
            if path.suffix == ".css":
                _css_refs(path, site, files)
    return files, parser.embedded


@dataclass
class SiteWeights:
    """Every measured page, the assets all pages share, and the whole site's size."""

    pages: list[PageWeight]
    shared_assets: dict[str, int]
    site_bytes: int

    @property
    def shared_bytes(self) -> int:
        return sum(self.shared_assets.values())


def site_size(site: Path) -> int:
    """Bytes of every file under ``site``."""
    return sum(p.stat().st_size for p in site.rglob("*") if p.is_file())


def site_weights(site: Path, pages: Iterable[str]) -> SiteWeights:
    """Weigh the pages (paths relative to ``site``, e.g. "book/intro.html").

    See the module docstring for which files are shared; with a single page none is.
    """
    site = site.resolve()
    names = list(pages)
    refs = [page_refs(site / name, site) for name in names]
    counts = Counter(f for files, _ in refs for f in files)
    static = site / "_static"
    shared = {
        f
        for f, n in counts.items()
        if len(names) > 1 and (n == len(names) or (n > 1 and f.is_relative_to(static)))
    }
    weights = []
    for name, (files, embedded) in zip(names, refs, strict=True):
        path = site / name
        own = {str(f.relative_to(site)): f.stat().st_size for f in sorted(files - shared)}
        weights.append(PageWeight(name, path.stat().st_size, embedded, own))
    shared_sizes = {str(f.relative_to(site)): f.stat().st_size for f in sorted(shared)}
    return SiteWeights(weights, shared_sizes, site_size(site))
