"""The student edition of the HTML book: solutions removed, student notebooks linked.

Loaded by every build and idle unless ``student_edition`` is true, which only the
student build (``editions/student.py``) sets. The student build starts from a copy of
the full build's environment, so it re-reads and re-executes nothing: every change
here happens when a page is written (``doctree-resolved``), and the config values are
of the "html" kind (changing them rewrites the pages, it does not re-read them). It

- removes every solution from each page's document tree (sphinx-exercise has merged
  each ``{solution-start}`` ... ``{solution-end}`` pair into one solution node by
  then), before the page is written and indexed, so neither the pages nor the search
  index contain a solution's prose, code or output (sphinx-exercise's own
  ``hide_solutions`` drops only the directive, not the cells between a gated pair);
- puts a link to the chapter's student notebook, and to the zip of all of them, at the
  top of every notebook page;
- turns off what would hand out the full notebook: the page sources (``_sources``),
  the download button and the launch buttons.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx_exercise.nodes import solution_end_node, solution_node, solution_start_node


def _remove_solutions(document: nodes.document) -> None:
    for kind in (solution_node, solution_start_node, solution_end_node):
        for node in list(document.findall(kind)):
            node.parent.remove(node)


def _link_student_notebook(app: Sphinx, document: nodes.document, docname: str) -> None:
    """Put "download the student notebook" at the top of a notebook page."""
    source = PurePosixPath(str(app.env.doc2path(docname, base=False)))
    sections = list(document.findall(nodes.section))
    if source.suffix != ".ipynb" or not sections:
        return
    up = "../" * docname.count("/")
    notebook = f"{up}{app.config.student_notebooks_dir}/{source.name}"
    archive = f"{up}{app.config.student_notebooks_zip}"
    paragraph = nodes.paragraph()
    paragraph += nodes.Text("Download this chapter's student notebook, ")
    paragraph += nodes.reference("", source.name, refuri=notebook, classes=["student-notebook"])
    paragraph += nodes.Text(", or every chapter's in ")
    paragraph += nodes.reference(
        "", PurePosixPath(archive).name, refuri=archive, classes=["student-zip"]
    )
    paragraph += nodes.Text(
        ". Under each exercise it has an answer cell to fill in and a check cell "
        "that says whether the answer is right."
    )
    note = nodes.admonition("", nodes.title(text="Student edition"), paragraph)
    note["classes"] += ["student-download"]
    first = sections[0]
    title_index = first.first_child_matching_class(nodes.title)
    first.insert(0 if title_index is None else title_index + 1, note)


def _student_page(app: Sphinx, document: nodes.document, docname: str) -> None:
    if app.config.student_edition:
        _remove_solutions(document)
        _link_student_notebook(app, document, docname)


def _configure(app: Sphinx, config: Config) -> None:
    if not config.student_edition:
        return
    config.html_copy_source = False
    config.html_show_sourcelink = False
    options = dict(config.html_theme_options or {})
    options["use_download_button"] = False
    options.pop("launch_buttons", None)
    config.html_theme_options = options


def setup(app: Sphinx) -> dict[str, object]:
    app.add_config_value("student_edition", False, "html")
    app.add_config_value("student_notebooks_dir", "notebooks", "html")
    app.add_config_value("student_notebooks_zip", "student-notebooks.zip", "html")
    app.connect("config-inited", _configure)
    app.connect("doctree-resolved", _student_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
