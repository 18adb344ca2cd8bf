"""The broker's JVM as seen from its data dir: pid and state files, liveness, the status."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.devtools.broker.layout import (
    DEFAULT_PORT,
    HOST,
    KAFKA_VERSION,
    LOG_FILE,
    PID_FILE,
    STATE_FILE,
    data_dir_of,
)


@dataclass(frozen=True)
class BrokerStatus:
    """State of the local broker as seen from its data dir."""

    running: bool
    pid: int | None
    port: int
    version: str
    log_path: Path
    data_dir: Path
    controller_port: int

    @property
    def bootstrap_servers(self) -> str:
        """Return the bootstrap string for clients, e.g. 127.0.0.1:9092."""
        return f"{HOST}:{self.port}"


def read_pid(data_dir: Path) -> int | None:
    """Return the pid from the pid file, or None."""
    try:
        return int((data_dir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def read_state(data_dir: Path) -> dict[str, Any]:
    """Return the saved start settings (port, controller port, version), or {}."""
    try:
        state = json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def write_pid_and_state(data_dir: Path, pid: int, state: dict[str, Any]) -> None:
    """Record the started JVM's pid and the settings it was started with."""
    (data_dir / PID_FILE).write_text(f"{pid}\n")
    (data_dir / STATE_FILE).write_text(json.dumps(state) + "\n")


def _reap(pid: int) -> None:
    """Reap pid if it is a finished child of this process."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def is_broker_process(pid: int) -> bool:
    """Return True if pid is a live (non-zombie) Kafka broker JVM."""
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path("/proc") / str(pid)
    if not proc.exists():
        return True  # no procfs: trust the pid
    try:
        stat = (proc / "stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return False
        cmdline = (proc / "cmdline").read_bytes().split(b"\0")
    except (OSError, IndexError):
        return False
    # A recycled pid belongs to some other program: only a kafka.Kafka JVM is ours.
    return b"kafka.Kafka" in cmdline


def tail(path: Path, lines: int = 40) -> str:
    """Return the last lines of a text file (empty if unreadable)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 16384))
            data = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def status(data_dir: Path | str | None = None, port: int | None = None) -> BrokerStatus:
    """Return the broker's status (running means its JVM is alive; see is_answering too)."""
    data = data_dir_of(data_dir)
    state = read_state(data)
    the_port = int(state.get("port", port if port is not None else DEFAULT_PORT))
    pid = read_pid(data)
    running = pid is not None and is_broker_process(pid)
    return BrokerStatus(
        running=running,
        pid=pid if running else None,
        port=the_port,
        version=str(state.get("version", KAFKA_VERSION)),
        log_path=data / LOG_FILE,
        data_dir=data,
        controller_port=int(state.get("controller_port", the_port + 1)),
    )
