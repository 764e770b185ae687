"""Start the dashboard: solara serving :mod:`vicinity_sim.dashboard.app` on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from vicinity_sim.errors import InputError

#: Module solara serves.
APP = "vicinity_sim.dashboard.app"
DEFAULT_PORT = 8765
#: Environment variable telling the page which scenario file to serve (unset: default village).
SOURCE_ENV = "VICINITY_DASHBOARD_SCENARIO"
HOST = "127.0.0.1"


def check_viz_installed() -> None:
    """Raise a readable error if the ``viz`` extra (solara) is missing."""
    if importlib.util.find_spec("solara") is None:
        raise InputError(
            "vicinity-sim dashboard", "-",
            "the dashboard needs the viz extra: pip install -e '.[viz]' (or make dashboard)",
        )  # fmt: skip


def check_port(port: int) -> None:
    """Raise a readable error if ``port`` is out of range or already taken on 127.0.0.1."""
    if not 1 <= port <= 65535:
        raise InputError("--port", str(port), "must lie between 1 and 65535")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As the server will: a port left in TIME_WAIT by a stopped server is free to reuse.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            raise InputError(
                "--port", str(port), f"{HOST}:{port} is in use; choose another port with --port"
            ) from None


def server_command(port: int) -> list[str]:
    """The solara command that serves the page."""
    return [
        sys.executable, "-m", "solara", "run", APP, "--host", HOST, "--port", str(port),
        "--production", "--no-open", "--log-level", "warning",
    ]  # fmt: skip


def server_env(scenario: str | None) -> dict[str, str]:
    """Environment of the server: the scenario file as an absolute path."""
    env = dict(os.environ)
    env.pop(SOURCE_ENV, None)
    if scenario is not None:
        env[SOURCE_ENV] = str(Path(scenario).resolve())
    return env


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(scenario: str | None, port: int = DEFAULT_PORT) -> int:
    """Serve the dashboard until interrupted; returns the server's exit status.

    A scenario file with a problem does not stop the server: the page shows the problem, and
    Reset re-reads the file once it is fixed. The problem is printed here too.
    """
    check_viz_installed()
    check_port(port)
    if scenario is not None:
        from vicinity_sim.dashboard.controls import load_base

        try:
            load_base(scenario)
        except InputError as exc:
            logging.getLogger(__name__).warning(
                "%s (the page shows this; fix the file and press Reset)", exc
            )
    shown = scenario or "the default village"
    print(f"vicinity-sim dashboard: http://{HOST}:{port}/ ({shown}); Ctrl+C stops it", flush=True)
    proc = subprocess.Popen(server_command(port), env=server_env(scenario))
    # A terminate signal stops the server too, as Ctrl+C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait()
        return 0
