"""Start and stop the broker's JVM: format the KRaft storage, launch detached, wait, signal."""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from streams.devtools.broker.config import plaintext, write_config
from streams.devtools.broker.jars import ensure_jars, java
from streams.devtools.broker.layout import (
    DEFAULT_PORT,
    HOST,
    KAFKA_LOG_DIR,
    KAFKA_VERSION,
    LOG4J_FILE,
    LOG_FILE,
    MAX_LOG_BYTES,
    PID_FILE,
    PROPERTIES_FILE,
    BrokerError,
    data_dir_of,
)
from streams.devtools.broker.process import (
    is_broker_process,
    read_pid,
    read_state,
    tail,
    write_pid_and_state,
)
from streams.devtools.broker.readiness import port_open, wait_ready

if TYPE_CHECKING:  # the standalone CLI runs on the standard library alone
    from streams.devtools.broker.security import Secured

JVM_OPTS = ("-Xmx512m", "-Xms256m", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true")
STOP_TIMEOUT = 30.0


def _cluster_id() -> str:
    """Return a random Kafka cluster id (base64url of a UUID, as kafka-storage random-uuid)."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):  # it would read as an option on the command line
            return cid


def _jvm(java_bin: str, lib: Path, data_dir: Path, main_class: str) -> list[str]:
    """Return the command line start of a Kafka JVM running main_class."""
    log4j = f"-Dlog4j2.configurationFile={data_dir / LOG4J_FILE}"
    return [java_bin, *JVM_OPTS, log4j, "-cp", f"{lib}/*", main_class]


def _format_storage(
    java_bin: str, lib: Path, data_dir: Path, log_path: Path, extra: list[str]
) -> None:
    """Format the KRaft log dir with a new cluster id unless it is formatted already; `extra`
    arguments (SCRAM users) are written into the new storage."""
    if (data_dir / KAFKA_LOG_DIR / "meta.properties").is_file():
        return
    cmd = [
        *_jvm(java_bin, lib, data_dir, "kafka.tools.StorageTool"),
        "format",
        "-t",
        _cluster_id(),
        "-c",
        str(data_dir / PROPERTIES_FILE),
        "--ignore-formatted",
        *extra,
    ]
    with log_path.open("ab") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise BrokerError(
            f"kafka-storage format failed (exit {proc.returncode}), see {log_path}:\n"
            f"{tail(log_path)}"
        )


def start(
    port: int = DEFAULT_PORT,
    data_dir: Path | str | None = None,
    wait_timeout: float = 60.0,
    *,
    controller_port: int | None = None,
    version: str = KAFKA_VERSION,
    secured: Secured | None = None,
) -> None:
    """Start the broker detached (format storage first if needed) and wait until it answers.

    With `secured`, `port` is its SASL_SSL listener and there is no PLAINTEXT one.
    """
    data = data_dir_of(data_dir)
    cport = controller_port if controller_port is not None else port + 1
    deadline = time.monotonic() + wait_timeout
    log_path = data / LOG_FILE
    listeners = plaintext(port) if secured is None else secured.listeners(port)
    probe = None if secured is None else secured.admin_settings(port)

    pid = read_pid(data)
    if pid is not None and is_broker_process(pid):
        running_port = int(read_state(data).get("port", port))
        if running_port != port:
            raise BrokerError(
                f"a broker from {data} is already running on port {running_port} (pid {pid}); "
                f"stop it first to use port {port}"
            )
        wait_ready(pid, port, log_path, deadline, probe)
        return
    (data / PID_FILE).unlink(missing_ok=True)

    for p in (*(listener.port for listener in listeners), cport):
        if port_open(p, timeout=0.5):
            raise BrokerError(f"port {HOST}:{p} is already in use by another process")

    lib = ensure_jars(version)
    java_bin = java()
    data.mkdir(parents=True, exist_ok=True)
    write_config(data, listeners, cport, None if secured is None else secured.properties())
    if log_path.is_file() and log_path.stat().st_size > MAX_LOG_BYTES:
        log_path.replace(log_path.with_name(LOG_FILE + ".1"))
    _format_storage(
        java_bin, lib, data, log_path, [] if secured is None else secured.scram_arguments()
    )

    cmd = [*_jvm(java_bin, lib, data, "kafka.Kafka"), str(data / PROPERTIES_FILE)]
    with log_path.open("ab") as log:
        log.write(f"\n=== starting Kafka {version} on {HOST}:{port} ===\n".encode())
        log.flush()
        # A new session: the broker outlives this process and ignores its terminal's Ctrl-C.
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=data,
            start_new_session=True,
            close_fds=True,
        )
    state = {"port": port, "controller_port": cport, "version": version}
    write_pid_and_state(data, proc.pid, state)
    try:
        wait_ready(proc.pid, port, log_path, deadline, probe)
    except BrokerError:
        stop(data)
        raise


def stop(data_dir: Path | str | None = None) -> None:
    """Stop the broker: SIGTERM, wait up to 30 s for exit, then SIGKILL; remove the pid file."""
    data = data_dir_of(data_dir)
    pid = read_pid(data)
    if pid is not None and is_broker_process(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while is_broker_process(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if is_broker_process(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            kill_deadline = time.monotonic() + 10.0
            while is_broker_process(pid) and time.monotonic() < kill_deadline:
                time.sleep(0.1)
    (data / PID_FILE).unlink(missing_ok=True)
