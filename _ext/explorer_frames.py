"""The HTML book asks its kernels for the explorers' precomputed frames.

An explorer's cell displays the live widget everywhere, and its static frames only
where a reader will see them: in the HTML book (see ``helpers/widgets/_output.py``).
This extension sets that request (``FRAMES_ENV=1``) in the build's environment when
Sphinx loads it; the kernels that execute the chapters inherit it. A live kernel
(JupyterLab, Notebook 7, Binder) and the browser edition never see it, so their
readers do not wait for frames they are not shown.
"""

from __future__ import annotations

import os
from typing import Any

#: The same name as helpers.widgets.FRAMES_ENV (a test keeps the two equal); written
#: here so that the build does not import matplotlib to read it.
FRAMES_ENV = "NNFB_STATIC_FRAMES"


def setup(app: Any) -> dict[str, object]:
    os.environ[FRAMES_ENV] = "1"
    return {"parallel_read_safe": True, "parallel_write_safe": True}
