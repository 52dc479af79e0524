"""The student edition of the HTML book: solutions removed, student notebooks linked.

Loaded only by the student build (``editions/student.py`` adds it to a copy of
``_config.yml`` and sets ``student_edition: true``). It

- removes every solution from the document tree, right after sphinx-exercise has
  merged each ``{solution-start}`` ... ``{solution-end}`` pair into one solution node,
  so neither the pages nor the search index contain a solution's prose, code or output
  (sphinx-exercise's own ``hide_solutions`` drops only the directive, not the cells
  between a gated pair);
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
from sphinx.transforms import SphinxTransform
from sphinx_exercise.nodes import solution_end_node, solution_node, solution_start_node


class RemoveSolutions(SphinxTransform):
    """Drop every solution node (after sphinx-exercise's MergeGatedSolutions, priority 10)."""

    default_priority = 11

    def apply(self) -> None:
        if not self.config.student_edition:
            return
        for kind in (solution_node, solution_start_node, solution_end_node):
            for node in list(self.document.findall(kind)):
                node.parent.remove(node)


class LinkStudentNotebook(SphinxTransform):
    """Put "download the student notebook" at the top of each notebook page."""

    default_priority = 12

    def apply(self) -> None:
        if not self.config.student_edition:
            return
        source = PurePosixPath(str(self.env.doc2path(self.env.docname, base=False)))
        if source.suffix != ".ipynb":
            return
        sections = list(self.document.findall(nodes.section))
        if not sections:
            return
        up = "../" * self.env.docname.count("/")
        notebook = f"{up}{self.config.student_notebooks_dir}/{source.name}"
        archive = f"{up}{self.config.student_notebooks_zip}"
        paragraph = nodes.paragraph()
        paragraph += nodes.Text("Download this chapter's student notebook, ")
        paragraph += nodes.reference(
            "", source.name, refuri=notebook, classes=["student-notebook"]
        )
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
    app.add_config_value("student_edition", False, "env")
    app.add_config_value("student_notebooks_dir", "notebooks", "env")
    app.add_config_value("student_notebooks_zip", "student-notebooks.zip", "env")
    app.connect("config-inited", _configure)
    app.add_transform(RemoveSolutions)
    app.add_transform(LinkStudentNotebook)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
