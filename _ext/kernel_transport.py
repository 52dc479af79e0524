"""Start the kernels that execute the chapters with IPC transport (see editions/kernels.py).

Every execution mode of myst-nb (cache, inline, direct) starts its kernels through
jupyter_client in the build's process, so setting the default provisioner here, when
Sphinx loads the extension, covers all of them.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

from editions.kernels import use_ipc_kernels


def setup(app: Sphinx) -> dict[str, object]:
    try:
        use_ipc_kernels()
    except RuntimeError as error:
        raise ExtensionError(str(error)) from error
    return {"parallel_read_safe": True, "parallel_write_safe": True}
