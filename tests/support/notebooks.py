"""An environment without the user's Jupyter setup, for the servers and kernels that
tests start. (The book's structure is :mod:`editions.book`; running a notebook is
:mod:`editions.kernels`.)"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["isolated_env"]


def isolated_env(
    home: Path, dirs: Mapping[str, str] | None = None, drop: Sequence[str] = ()
) -> dict[str, str]:
    """os.environ without the user's Jupyter and IPython setup (every JUPYTER* and
    IPYTHON* variable, and those in ``drop``): Jupyter's config, data and runtime folders
    and IPython's, and ``dirs`` (variable -> folder), are made empty under ``home``."""
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env = {k: v for k, v in env.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    folders = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data"}
    folders |= {"JUPYTER_RUNTIME_DIR": "runtime", "IPYTHONDIR": "ipython", **(dirs or {})}
    for var, folder in folders.items():
        (home / folder).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / folder)
    return env
