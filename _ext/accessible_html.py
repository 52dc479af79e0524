"""Markup fixes that screen readers need and the HTML writer does not give.

docutils writes a bibliography as ``<div role="list">`` whose entries carry the role
``doc-biblioentry``. ARIA 1.3 deprecates that role, and a list whose children are not
``listitem`` elements is broken for assistive technology (axe-core's
``aria-required-children``, a critical violation). Each entry becomes a ``listitem``;
the list, the entries' ids and the links to them stay as they are.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

BIBLIOENTRY = 'role="doc-biblioentry"'


def _citation_entries_as_list_items(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    body = context.get("body")
    if isinstance(body, str) and BIBLIOENTRY in body:
        context["body"] = body.replace(BIBLIOENTRY, 'role="listitem"')


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("html-page-context", _citation_entries_as_list_items)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
