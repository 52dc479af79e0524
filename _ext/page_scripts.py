"""List each of a page's scripts once.

Sphinx 7.4 keeps an inline script added with ``app.add_js_file(None, body=...)`` under
two names (``None`` and ``""``), so sphinx-thebe's configuration script appears twice
on every page and the second copy fails with "Identifier 'THEBE_JS_URL' has already
been declared". This drops the repeat.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def _unique_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    seen: set[tuple[str, int, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for script in context.get("script_files", []):
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("html-page-context", _unique_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
