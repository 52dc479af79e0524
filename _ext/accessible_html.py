"""Markup fixes that screen readers need and the HTML writer does not give.

docutils writes a bibliography as ``<div role="list">`` whose entries carry the role
``doc-biblioentry``. ARIA 1.3 deprecates that role, and a list whose children are not
``listitem`` elements is broken for assistive technology (axe-core's
``aria-required-children``, a critical violation). Each entry becomes a ``listitem``;
the list, the entries' ids and the links to them stay as they are.

myst-nb folds a cell tagged ``hide-input`` (the chapters' check cells) into
``<details>`` whose ``<summary aria-label="Toggle hidden content">`` shows "Show code
cell source": a name that does not contain the visible label (WCAG 2.5.3, axe-core's
``label-content-name-mismatch``), so a speech-input user who says what they see is not
understood. The aria-label goes; the summary's name is then its visible text.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

#: Markup the HTML writer gives -> what screen readers need (see above).
REPLACEMENTS = {
    'role="doc-biblioentry"': 'role="listitem"',
    '<summary aria-label="Toggle hidden content">': "<summary>",
}


def _accessible_markup(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    body = context.get("body")
    if isinstance(body, str):
        for written, needed in REPLACEMENTS.items():
            body = body.replace(written, needed)
        context["body"] = body


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("html-page-context", _accessible_markup)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
