"""A small harness for tests against real workers on the real broker: env, processes, polling."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stack_env(bootstrap: str, name: str, tmp: Path, **extra: str) -> dict[str, str]:
    """Environment for one isolated stack: its own app id, topics and state folders."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSPARANTIE_")}
    env.update(
        TRANSPARANTIE_BOOTSTRAP_SERVERS=bootstrap,
        TRANSPARANTIE_APP_ID=f"t-{name}",
        TRANSPARANTIE_TOPIC_REGISTRATIONS=f"{name}.client-registrations",
        TRANSPARANTIE_TOPIC_INDICATIONS=f"{name}.indications",
        TRANSPARANTIE_TOPIC_MEMBERSHIPS=f"{name}.register-memberships",
        TRANSPARANTIE_TOPIC_PROFILE_EDITS=f"{name}.profile-edits",
        TRANSPARANTIE_TOPIC_SUBTOTALS=f"{name}.region-subtotals",
        TRANSPARANTIE_TOPIC_COUNTS=f"{name}.region-counts",
        TRANSPARANTIE_TOPIC_DEAD_LETTERS=f"{name}.dead-letters",
        TRANSPARANTIE_TOPIC_HISTORY=f"{name}.history",
        TRANSPARANTIE_STORE="memory",
        TRANSPARANTIE_DATA_DIR=str(tmp / "worker"),
        TRANSPARANTIE_REPUBLISH_INTERVAL_SECONDS="2",
        TRANSPARANTIE_LOG_LEVEL="info",
    )
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run `python -m streams ARGS` with the env; return stdout; fail with stderr on error."""
    done = subprocess.run(
        [sys.executable, "-m", "streams", *args],
        env=env, cwd=PROJECT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        raise AssertionError(f"transparantie {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def wait_until(probe: Callable[[], T | None], timeout: float, what: str, every: float = 0.25) -> T:
    """Poll `probe` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            result = probe()
        except (OSError, ValueError) as exc:  # not up yet, or an answer that is not JSON yet
            last = exc
        else:
            if result:
                return result
            last = result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last: {last!r}"[:3000])


def get_json(url: str) -> Any:
    """GET a URL and parse its JSON body (also for non-2xx answers)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        return json.loads(err.read())


@dataclass
class Worker:
    """One `transparantie worker` subprocess."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the worker's web server."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Worker:
        """Start the worker in its own process group."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streams", "worker", "--web-port", str(self.port)],
            env=self.env, cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        return self

    def ready(self) -> bool:
        """True when /readyz answers 200 (ready)."""
        return bool(self.alive() and get_json(f"{self.url}/readyz").get("ready"))

    def wait_ready(self, timeout: float = 90) -> Worker:
        """Wait until /readyz says ready."""
        wait_until(self.ready, timeout, f"worker on {self.port} to be ready; log {self.log_path}")
        return self

    def counts(self) -> list[dict[str, Any]]:
        """GET /counts."""
        result: list[dict[str, Any]] = get_json(f"{self.url}/counts")
        return result

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30) -> None:
        """Stop gracefully (SIGTERM), then kill when it does not exit in time."""
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL the worker: no shutdown, no commit, no flush."""
        if self.alive():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log_tail(self, lines: int = 60) -> str:
        """The end of the worker's log, for assertion messages."""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def load_expected(population: Path) -> list[dict[str, Any]]:
    """The generator's expected table."""
    result: list[dict[str, Any]] = json.loads((population / "expected.json").read_text())
    return result


def converged(worker: Worker, expected: list[dict[str, Any]]) -> bool:
    """True when the worker's /counts equals the expected table exactly."""
    return bool(worker.alive() and worker.counts() == expected)


def write_events(directory: Path, events: list[Any]) -> Path:
    """Write domain events to one Avro container file per schema; return the directory."""
    import fastavro

    from streams.codecs.avro import parsed_schema
    from streams.codecs.events import event_to_record, schema_name_of

    directory.mkdir(parents=True, exist_ok=True)
    by_schema: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_schema.setdefault(schema_name_of(event), []).append(event_to_record(event))
    for name, records in by_schema.items():
        with (directory / f"{name}.avro").open("wb") as f:
            fastavro.writer(f, parsed_schema(name), records)
    return directory


def explain_difference(workers: list[Worker], expected: list[dict[str, Any]]) -> str:
    """Why workers have not converged: differing NL cells and per-partition metric totals."""
    lines = []
    for w in workers:
        if not w.alive():
            lines.append(f"worker {w.port}: not running")
            continue
        nl = w.counts()[-1]
        lines.append(f"worker {w.port}: NL {nl} expected {expected[-1]}")
        with urllib.request.urlopen(f"{w.url}/metrics", timeout=5) as response:
            text = response.read().decode()
        per: dict[str, float] = {}
        for line in text.splitlines():
            if line.startswith("transparantie_clients{"):
                partition = line.split('partition="')[1].split('"')[0]
                per[partition] = per.get(partition, 0) + float(line.rsplit(" ", 1)[1])
        lines.append(f"  counted per owned partition: {dict(sorted(per.items()))}")
    return "\n".join(lines)
