"""Jupyter servers as a reader runs them, for the live-notebook tests: ``jupyter lab``
or ``jupyter notebook`` over book/, from the environment that requirements.txt
installs, with the book's settings and no other that changes what a reader sees. Each
server is only isolated: its own port on 127.0.0.1, a token, a temporary home, no
saving (the chapters stay without outputs), and book/ must be unchanged afterwards."""

from __future__ import annotations

import hashlib
import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from editions.book import BOOK
from tests.support.notebooks import isolated_env

BIN = Path(sys.executable).parent
#: front-end -> its jupyter subcommand
FRONTENDS = {"jupyterlab": "lab", "notebook7": "notebook"}
START_TIMEOUT = 60.0  # s: server start, kernel start

#: The servers' only user setting, and it is isolation: the front-end never saves (the
#: server refuses to, below, and the chapters must stay without outputs). Autosave acts
#: every two minutes and changes nothing a reader sees.
ISOLATION_SETTINGS = {"@jupyterlab/docmanager-extension:plugin": {"autosave": False}}
# The server refuses to save anything and keeps checkpoints outside the repository;
# language servers are not looked for (nothing here uses them).
SERVER_CONFIG = """\
def _refuse_to_save(model, path, contents_manager, **kwargs):
    raise RuntimeError("the tests never save notebooks")


c.ContentsManager.pre_save_hook = _refuse_to_save
c.FileCheckpoints.checkpoint_dir = {checkpoints!r}
c.LanguageServerManager.autodetect = False
"""


@dataclass
class Server:
    """A running Jupyter server and how to reach it."""

    frontend: str
    port: int
    token: str
    process: subprocess.Popen[bytes]
    log: Path
    runtime: Path  # the server's JUPYTER_RUNTIME_DIR, with its kernels' connection files

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str, prefix: str = "api") -> Any:
        """Call the REST API (token in the header); the decoded JSON reply or None."""
        request = urllib.request.Request(
            f"{self.base}/{prefix}/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def settings(self, plugin: str) -> dict[str, Any]:
        """A plugin's settings as the front-end gets them: schema (with the defaults
        after every override), the user's own layer and the composite."""
        return self.api("GET", f"settings/{plugin}", prefix="lab/api")

    def kernel_state(self, notebook: str) -> str | None:
        """The execution state of ``notebook``'s kernel, or None without a session."""
        for session in self.api("GET", "sessions"):
            if session["path"] == notebook:
                return session["kernel"]["execution_state"]
        return None

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]

    def shut_down_kernels(self, notebook: str | None = None) -> None:
        """Stop the kernels of ``notebook``'s sessions, or every kernel."""
        if notebook is None:
            for kernel in self.api("GET", "kernels"):
                self.api("DELETE", f"kernels/{kernel['id']}")
            return
        for session in self.api("GET", "sessions"):
            if session["path"] == notebook:
                self.api("DELETE", f"sessions/{session['id']}")


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _isolated_env(home: Path, overrides: dict[str, dict[str, Any]] | None) -> dict[str, str]:
    """os.environ without the user's Jupyter and IPython setup; ours is written to
    ``home``. ``overrides`` (plugin -> settings) are laid over the installed defaults,
    as a labconfig default_setting_overrides.json does: only the self-test uses them."""
    lab = {"JUPYTERLAB_SETTINGS_DIR": "user-settings", "JUPYTERLAB_WORKSPACES_DIR": "workspaces"}
    env = isolated_env(home, {var: f"config/lab/{sub}" for var, sub in lab.items()})
    settings = Path(env["JUPYTERLAB_SETTINGS_DIR"])
    for plugin, values in ISOLATION_SETTINGS.items():
        package, name = plugin.split(":")
        file = settings / package / f"{name}.jupyterlab-settings"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(values), encoding="utf-8")
    config = Path(env["JUPYTER_CONFIG_DIR"])
    checkpoints = home / "checkpoints"
    (config / "jupyter_server_config.py").write_text(
        SERVER_CONFIG.format(checkpoints=str(checkpoints)), encoding="utf-8"
    )
    if overrides:
        (config / "labconfig").mkdir(exist_ok=True)
        (config / "labconfig" / "default_setting_overrides.json").write_text(json.dumps(overrides))
    return env


def _launch(frontend: str, home: Path, env: dict[str, str]) -> Server:
    token = secrets.token_hex(24)
    port = _free_port()
    log = home / f"server-{port}.log"
    command = [
        str(BIN / "jupyter"),
        FRONTENDS[frontend],
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={BOOK}",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Server(frontend, port, token, process, log, Path(env["JUPYTER_RUNTIME_DIR"]))


def _wait_until_up(server: Server) -> bool:
    """True once /api/status answers; False if the server exited first."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            server.api("GET", "status")
            return True
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"no answer from {server.base}/api/status:\n{server.log_tail()}")


def stop(server: Server) -> None:
    """Shut down every kernel through the API, then the server: terminate, wait, kill."""
    try:
        if server.process.poll() is None:
            server.shut_down_kernels()
    except (OSError, ValueError):
        pass  # the server is already gone or broken: stop it below all the same
    finally:
        if server.process.poll() is None:
            server.process.terminate()
            try:
                server.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=20)


def start(frontend: str, home: Path, overrides: dict[str, dict[str, Any]] | None = None) -> Server:
    """Start ``jupyter lab`` or ``jupyter notebook`` on 127.0.0.1 with a random token."""
    env = _isolated_env(home, overrides)
    for _ in range(3):  # another process may take the free port before the server does
        server = _launch(frontend, home, env)
        try:
            if _wait_until_up(server):
                return server
        except BaseException:
            stop(server)
            raise
        stop(server)
    raise RuntimeError(f"the {frontend} server did not start:\n{server.log_tail()}")


def _book_state() -> dict[str, str]:
    """Every path under book/ and a hash of each file's bytes."""
    return {
        str(p.relative_to(BOOK)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
        for p in sorted(BOOK.rglob("*"))
    }


@contextmanager
def serving(
    *frontends: str, home: Path, overrides: dict | None = None
) -> Iterator[dict[str, Server]]:
    """Live servers over book/ (started side by side), always shut down afterwards;
    book/ must be unchanged."""
    before = _book_state()
    servers: dict[str, Server] = {}
    try:
        with ThreadPoolExecutor(len(frontends)) as pool:
            jobs = {f: pool.submit(start, f, home / f, overrides) for f in frontends}
            for frontend, job in jobs.items():
                servers[frontend] = job.result()
        yield servers
    finally:
        for server in servers.values():
            stop(server)
    after = _book_state()
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert not changed, f"the live sessions changed files in book/: {sorted(changed)}"
