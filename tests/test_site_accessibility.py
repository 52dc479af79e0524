"""Accessibility of the built HTML book: axe-core on every page in the theme's light and
dark modes (0 critical or serious violations), and every figure numbered, captioned,
cited and described. Each check is shown to fail on a page broken on purpose.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from editions import node
from editions.book import ROOT
from tests.support.explorers import chapter_explorers
from tests.support.site import (
    NOTEBOOK_PAGES,
    PAGES,
    SCREENSHOTS,
    Server,
    open_page,
    same_host,
    serve,
)

# The chapter pages that show an explorer.
EXPLORER_PAGES = {f"book/{stem}" for stem in chapter_explorers()}
#: axe-core, installed from npm at test time into AXE_CACHE (ignored by git) and checked
#: against the digest of the pinned release before it is injected into any page.
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
AXE_CACHE = ROOT / ".cache" / f"axe-core-{AXE_VERSION}"
#: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_FAILING = ("critical", "serious")
COLOR_SCHEMES = ("light", "dark")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe.min.js of the pinned release, installed with npm (editions.node's, from PyPI)
    when not cached yet."""
    script = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        options = ["--no-save", "--no-package-lock", "--no-audit", "--no-fund"]
        package = ["--prefix", str(AXE_CACHE), f"axe-core@{AXE_VERSION}"]
        result = node.run(
            "npm", "install", *options, *package, capture_output=True, text=True, check=False
        )
        if result.returncode != 0 or not script.is_file():
            pytest.fail(f"npm could not install axe-core {AXE_VERSION}:\n{result.stderr[-2000:]}")
    digest = hashlib.sha256(script.read_bytes()).hexdigest()
    assert digest == AXE_SHA256, f"{script} is not axe-core {AXE_VERSION} (sha256 {digest})"
    return script.read_text(encoding="utf-8")


# The theme's buttons fade their colours in as the page opens in dark mode (Bootstrap's
# .btn transitions); axe-core measures what is on screen, so the run waits for every
# finite animation to end first, or a half-faded button reads as low contrast.
AXE_RUN = """async (tags) => {
  const finite = document.getAnimations().filter(
    (a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
  await Promise.all(finite.map((a) => a.finished.catch(() => null)));
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


def _axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, every impact."""
    page.add_script_tag(content=axe_source)
    return page.evaluate(AXE_RUN, AXE_TAGS)


def _axe_problems(violations: Sequence[dict[str, Any]]) -> list[str]:
    """One line per critical or serious violation, with a few of its elements."""
    return [
        f"axe {v['impact']} {v['id']} ({v['help']}) on {len(v['nodes'])} element(s): "
        + "; ".join(v["nodes"][:3])
        for v in violations
        if v["impact"] in AXE_FAILING
    ]


@pytest.fixture(scope="module")
def axe_counts() -> Iterator[dict[tuple[str, str], dict[str, int]]]:
    """Violations per page, scheme and impact, written to tests/screenshots/axe.txt."""
    table: dict[tuple[str, str], dict[str, int]] = {}
    yield table
    if table:
        SCREENSHOTS.mkdir(exist_ok=True)
        impacts = ("critical", "serious", "moderate", "minor")
        lines = [f"{'page':<30}{'scheme':>8}" + "".join(f"{i:>10}" for i in impacts)]
        for (name, scheme), row in sorted(table.items()):
            lines.append(f"{name:<30}{scheme:>8}" + "".join(f"{row[i]:>10}" for i in impacts))
        lines.append(f"axe-core {AXE_VERSION}, tags {', '.join(AXE_TAGS)}; elements per impact.")
        (SCREENSHOTS / "axe.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def figure_audits() -> dict[str, tuple[list[dict[str, str]], list[str]]]:
    """Chapter page -> its figure audit, made in the light-mode axe test's visit (the
    same page, size and mode, before axe runs): the figure test reads it there instead
    of opening the page again (run alone, it opens the page)."""
    return {}


@pytest.mark.build
@pytest.mark.browser
@pytest.mark.parametrize("scheme", COLOR_SCHEMES)
@pytest.mark.parametrize("name", PAGES)
def test_page_passes_axe(
    chromium: Browser,
    site: Server,
    axe_source: str,
    axe_counts: dict[tuple[str, str], dict[str, int]],
    figure_audits: dict[str, tuple[list[dict[str, str]], list[str]]],
    name: str,
    scheme: str,
) -> None:
    """No critical or serious axe-core violation, in the theme's light and dark modes."""
    url = f"{site.url}/{name}.html"
    with open_page(chromium, url, same_host(site.url), color_scheme=scheme) as visit:
        theme = visit.page.evaluate("document.documentElement.dataset.theme")
        assert theme == scheme, f"{name}: the page opened in {theme!r} mode, not {scheme!r}"
        if scheme == "light" and name in NOTEBOOK_PAGES:
            figure_audits[name] = _figure_audit(visit.page)
        violations = _axe_violations(visit.page, axe_source)
        if scheme == "dark" and name in EXPLORER_PAGES:
            root = visit.page.locator(".nnfb-static-explorer").first
            root.scroll_into_view_if_needed()
            SCREENSHOTS.mkdir(exist_ok=True)
            root.screenshot(path=SCREENSHOTS / f"{name.replace('/', '_')}-explorer-dark.png")
    counts = dict.fromkeys(("critical", "serious", "moderate", "minor"), 0)
    for v in violations:
        counts[v["impact"]] += len(v["nodes"])
    axe_counts[name, scheme] = counts
    problems = _axe_problems(violations)
    assert not problems, f"{name} ({scheme}):\n" + "\n".join(problems)


AXE_BROKEN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>broken on purpose</title></head><body>
<main>
<p style="color: #999; background: #fff">Grey text that is too faint to read.</p>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<div role="list"><a href="#x">an entry that is not a list item</a></div>
<button></button>
</main></body></html>
"""


@pytest.mark.browser
def test_axe_check_catches_a_broken_page(
    chromium: Browser, axe_source: str, tmp_path: Path
) -> None:
    """The axe check reports each fault of a page made to have them."""
    (tmp_path / "broken.html").write_text(AXE_BROKEN_PAGE, encoding="utf-8")
    with serve(tmp_path) as server:
        with open_page(chromium, f"{server.url}/broken.html", same_host(server.url)) as visit:
            problems = _axe_problems(_axe_violations(visit.page, axe_source))
    text = "\n".join(problems)
    for rule in ("color-contrast", "image-alt", "aria-required-children", "button-name"):
        assert f" {rule} (" in text, f"axe did not report {rule}:\n{text}"


FIGURE_AUDIT = """() => {
  const article = document.querySelector("article.bd-article") || document.body;
  const fileName = /(^|\\/)[\\w.-]*\\.(png|jpe?g|gif|svg|webp)$|_images\\/|^[0-9a-f]{16,}/i;
  const describe = (alt) => {
    const text = (alt || "").trim();
    if (text.length < 15) return `alt text ${JSON.stringify(text)} is shorter than 15 characters`;
    if (fileName.test(text)) return `alt text ${JSON.stringify(text)} is a file name`;
    return null;
  };
  const figures = [], problems = [];
  for (const img of article.querySelectorAll("img")) {
    const where = (img.getAttribute("src") || "").slice(0, 60);
    const figure = img.closest("figure");
    const number = figure?.querySelector("figcaption .caption-number")?.textContent.trim();
    const caption = figure?.querySelector("figcaption .caption-text")?.textContent.trim();
    if (!figure) { problems.push(`${where}: not in a figure`); continue; }
    if (!/^Figure \\d+\\.\\d+$/.test(number || "")) problems.push(`${where}: no figure number`);
    if (!caption || caption.length < 15) problems.push(`${where}: no caption`);
    const cited = figure.id && Array.from(article.querySelectorAll("a.reference.internal"))
      .some((a) => a.getAttribute("href") === "#" + figure.id && a.textContent.trim() === number);
    if (!cited) problems.push(`${where}: ${number || "the figure"} is not cited by number`);
    const bad = describe(img.getAttribute("alt"));
    if (bad) problems.push(`${where}: ${bad}`);
    const frames = img.closest(".nnfb-static-explorer")?.querySelector(".nnfb-frames");
    if (frames) {
      const data = JSON.parse(frames.textContent);
      if (!data.alts || data.alts.length !== data.frames.length)
        problems.push(`${where}: the explorer has no alt text for every frame`);
      else data.alts.map(describe).filter(Boolean)
        .forEach((b) => problems.push(`${where}: a frame's ${b}`));
    }
    figures.push({number, alt: img.getAttribute("alt")});
  }
  return {figures, problems};
}"""


def _figure_audit(page: Page) -> tuple[list[dict[str, str]], list[str]]:
    """The page's figures (number, alt) and what is missing from each."""
    result = page.evaluate(FIGURE_AUDIT)
    return result["figures"], result["problems"]


@pytest.mark.build
@pytest.mark.browser
@pytest.mark.parametrize("name", NOTEBOOK_PAGES)
def test_every_figure_is_numbered_captioned_cited_and_described(
    chromium: Browser,
    site: Server,
    figure_audits: dict[str, tuple[list[dict[str, str]], list[str]]],
    name: str,
) -> None:
    """Each image of a chapter is a numbered, captioned figure that the prose cites by
    number, with alt text of 15 characters or more that is not a file name (every
    static explorer frame included); and a chapter's numbers are its own, in order."""
    if name not in figure_audits:
        with open_page(chromium, f"{site.url}/{name}.html", same_host(site.url)) as visit:
            figure_audits[name] = _figure_audit(visit.page)
    figures, problems = figure_audits.pop(name)
    chapter = NOTEBOOK_PAGES.index(name) + 1
    expected = [f"Figure {chapter}.{k}" for k in range(1, len(figures) + 1)]
    assert figures, f"{name}: no figure found, so nothing was checked"
    numbers = [f["number"] for f in figures]
    if numbers != expected:
        problems.append(f"figure numbers {numbers}, expected {expected}")
    assert not problems, f"{name}:\n" + "\n".join(problems)


FIGURE_BROKEN_PAGE = """<!doctype html><html><body><article class="bd-article">
<img src="../_images/5aaa.png" alt="../_images/5aaa.png">
<figure id="fig-a"><img src="a.png" alt="short"><figcaption><p>
<span class="caption-text">A caption without its number.</span></p></figcaption></figure>
<figure id="fig-b"><img src="b.png" alt="A line plot of the loss against the step.">
<figcaption><p><span class="caption-number">Figure 1.2</span>
<span class="caption-text">No paragraph cites this figure.</span></p></figcaption></figure>
</article></body></html>"""


@pytest.mark.browser
def test_figure_check_catches_bare_figures(chromium: Browser, tmp_path: Path) -> None:
    """An image outside a figure, a file-name alt, a short alt, a figure without number
    and a figure nobody cites are all reported."""
    (tmp_path / "broken.html").write_text(FIGURE_BROKEN_PAGE, encoding="utf-8")
    with serve(tmp_path) as server:
        with open_page(chromium, f"{server.url}/broken.html", same_host(server.url)) as visit:
            _, problems = _figure_audit(visit.page)
    text = "\n".join(problems)
    for expected in (
        "../_images/5aaa.png: not in a figure",
        "a.png: no figure number",
        'a.png: alt text "short" is shorter than 15 characters',
        "b.png: Figure 1.2 is not cited by number",
    ):
        assert expected in text, f"not reported: {expected!r}\nreported:\n{text}"
