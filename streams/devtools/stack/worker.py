"""One `transparantie worker` as a subprocess, watched from outside through its web server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from streams.devtools.stack import metrics
from streams.devtools.stack.env import PROJECT
from streams.devtools.stack.polling import free_port, get_json, http_get, wait_until


class WorkerExited(RuntimeError):
    """The worker process ended while something waited for it."""


@dataclass
class Worker:
    """`transparantie worker --web-port PORT` with its own environment (see `stack_env` and
    `env_of`); its output goes to `log_path`, or to this process's when that is None."""

    env: Mapping[str, str]
    log_path: Path | None = None
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    cwd: Path = PROJECT
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    @property
    def url(self) -> str:
        """Base URL of the worker's web server."""
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        """The process id (the worker has been started)."""
        assert self.process is not None, "the worker has not been started"
        return self.process.pid

    def start(self) -> Worker:
        """Start the worker in its own session (a terminal's Ctrl-C reaches only its parent)."""
        log: IO[bytes] | None = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = self.log_path.open("ab")
        self.started_at = time.monotonic()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "streams", "worker", "--web-port", str(self.port)],
                env=dict(self.env), cwd=self.cwd, stdout=log,
                stderr=subprocess.STDOUT if log else None, start_new_session=True,
            )  # fmt: skip
        finally:
            if log is not None:
                log.close()  # the child holds its own copy
        return self

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process is not None and self.process.poll() is None

    def check(self) -> None:
        """Raise WorkerExited, with the end of its log, when the process has ended."""
        if not self.alive():
            code = self.process.returncode if self.process is not None else None
            raise WorkerExited(
                f"the worker on port {self.port} exited ({code}):\n{self.log_tail(30)}"
            )

    def ready(self) -> bool:
        """True when /readyz answers 200 (state recovered, counts view caught up)."""
        return http_get(f"{self.url}/readyz")[0] == 200

    def wait_ready(self, timeout: float = 90) -> Worker:
        """Wait until /readyz answers 200; WorkerExited as soon as the process ends."""

        def ready() -> bool:
            self.check()
            return self.ready()

        wait_until(ready, timeout, f"the worker on port {self.port} to be ready", every=0.1)
        return self

    def counts(self) -> list[dict[str, Any]]:
        """GET /counts: the table (OSError when nothing answers, ValueError when the worker
        has no whole table to serve yet and says so)."""
        result = get_json(f"{self.url}/counts")
        if not isinstance(result, list):
            raise ValueError(f"GET {self.url}/counts: {result}")
        return result

    def metrics(self) -> str:
        """GET /metrics: Prometheus text (OSError when nothing answers)."""
        status, body = http_get(f"{self.url}/metrics", timeout=10)
        if status != 200:
            raise ConnectionError(f"GET {self.url}/metrics answered {status}")
        return body.decode()

    def metric_total(self, name: str) -> float:
        """The sum of every sample called `name` in /metrics."""
        return metrics.total(self.metrics(), name)

    def stop(self, timeout: float = 60) -> None:
        """Stop gracefully (SIGTERM), then kill when it does not exit in time."""
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL the worker's process group: no shutdown, no commit, no flush."""
        if self.alive():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def wait(self) -> int:
        """Wait until the process ends; its exit code."""
        assert self.process is not None, "the worker has not been started"
        return self.process.wait()

    def log_tail(self, lines: int = 60) -> str:
        """The end of the worker's log, for error messages ('' without a log file)."""
        if self.log_path is None or not self.log_path.is_file():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
