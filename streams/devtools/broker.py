"""Local single-node Apache Kafka broker (KRaft, broker+controller) for dev, tests and CI."""

from __future__ import annotations

import argparse
import asyncio
import base64
import concurrent.futures
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

KAFKA_VERSION = "4.4.0"
"""Apache Kafka version of the local broker (org.apache.kafka:kafka_2.13 on Maven Central)."""

DEFAULT_PORT = 9092
HOST = "127.0.0.1"
JVM_OPTS = ("-Xmx512m", "-Xms256m", "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true")
STOP_TIMEOUT = 30.0
NODE_ID = 1

PID_FILE = "broker.pid"
STATE_FILE = "broker.json"
LOG_FILE = "broker.log"
PROPERTIES_FILE = "server.properties"
LOG4J_FILE = "log4j2.properties"
KAFKA_LOG_DIR = "kraft-logs"
JARS_MARKER = ".complete"
MAX_LOG_BYTES = 20 * 1024 * 1024

_T = TypeVar("_T")

_LOG4J2_PROPERTIES = """\
status = warn
shutdownHook = disable
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


class BrokerError(RuntimeError):
    """The local broker could not be resolved, started or stopped."""


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


def project_root() -> Path:
    """Return the project root (the directory holding deploy/local-broker/pom.xml)."""
    here = Path(__file__).resolve().parents[2]
    if (here / "deploy" / "local-broker" / "pom.xml").is_file():
        return here
    return Path.cwd()


def cache_dir() -> Path:
    """Return the jar cache root: $TRANSPARANTIE_KAFKA_CACHE or .cache/kafka at the project root."""
    env = os.environ.get("TRANSPARANTIE_KAFKA_CACHE")
    return Path(env) if env else project_root() / ".cache" / "kafka"


def default_data_dir() -> Path:
    """Return $TRANSPARANTIE_BROKER_DIR or .cache/broker under the current working directory."""
    env = os.environ.get("TRANSPARANTIE_BROKER_DIR")
    return Path(env) if env else Path.cwd() / ".cache" / "broker"


def ensure_jars(version: str = KAFKA_VERSION) -> Path:
    """Resolve the broker jars with Maven into the cache (once) and return the lib directory."""
    lib = cache_dir() / version / "lib"
    if (lib / JARS_MARKER).is_file():
        return lib
    pom = project_root() / "deploy" / "local-broker" / "pom.xml"
    if not pom.is_file():
        raise BrokerError(f"missing {pom}: cannot resolve the Kafka jars")
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError("Maven (mvn) is not on PATH: cannot resolve the Kafka jars")
    staging = lib.parent / f"lib.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        mvn,
        "-q",
        "-B",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        f"-Dkafka.version={version}",
        f"-DoutputDirectory={staging}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not any(staging.glob(f"kafka_2.13-{version}.jar")):
        shutil.rmtree(staging, ignore_errors=True)
        raise BrokerError(
            f"mvn failed to resolve kafka_2.13:{version} (exit {proc.returncode}):\n"
            f"{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
        )
    (staging / JARS_MARKER).write_text(f"{version}\n")
    if (lib / JARS_MARKER).is_file():  # another process finished first
        shutil.rmtree(staging, ignore_errors=True)
        return lib
    shutil.rmtree(lib, ignore_errors=True)
    try:
        staging.rename(lib)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (lib / JARS_MARKER).is_file():
            raise
    return lib


def _java() -> str:
    """Return the java executable ($JAVA_HOME/bin/java or java on PATH)."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise BrokerError("java is not on PATH and JAVA_HOME is not set (Kafka needs Java 17+)")
    return java


def _cluster_id() -> str:
    """Return a random Kafka cluster id (base64url of a UUID, as kafka-storage random-uuid)."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def _server_properties(data_dir: Path, port: int, controller_port: int) -> str:
    """Return server.properties for a combined broker+controller node on 127.0.0.1."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(NODE_ID),
        "controller.quorum.voters": f"{NODE_ID}@{HOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir / KAFKA_LOG_DIR),
        "num.partitions": "4",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "8",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "4",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
        "delete.topic.enable": "true",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def _read_pid(data_dir: Path) -> int | None:
    """Return the pid from the pid file, or None."""
    try:
        return int((data_dir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def _read_state(data_dir: Path) -> dict[str, Any]:
    """Return the saved start settings (port, controller port, version), or {}."""
    try:
        state = json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _reap(pid: int) -> None:
    """Reap pid if it is a finished child of this process."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _is_broker_process(pid: int) -> bool:
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
    return b"kafka.Kafka" in cmdline


def _port_open(port: int, timeout: float = 1.0) -> bool:
    """Return True if a TCP connect to 127.0.0.1:port succeeds."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def _run_async(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion, also when called from inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _metadata_ok(bootstrap: str, timeout: float) -> bool:
    """Return True if aiokafka gets cluster metadata listing at least one broker."""
    from aiokafka.client import AIOKafkaClient

    client = AIOKafkaClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=max(1000, int(timeout * 1000)),
        metadata_max_age_ms=60000,
    )
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
        return bool(client.cluster.brokers())
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await client.close()


def is_answering(port: int = DEFAULT_PORT, timeout: float = 5.0) -> bool:
    """Return True if a broker on 127.0.0.1:port accepts TCP and answers a metadata request."""
    if not _port_open(port, timeout=min(timeout, 1.0)):
        return False
    return _run_async(_metadata_ok(f"{HOST}:{port}", timeout))


def _tail(path: Path, lines: int = 40) -> str:
    """Return the last lines of a text file (empty if unreadable)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 16384))
            data = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def _format_storage(java: str, lib: Path, data_dir: Path, log_path: Path) -> None:
    """Format the KRaft log dir with a new cluster id unless it is formatted already."""
    if (data_dir / KAFKA_LOG_DIR / "meta.properties").is_file():
        return
    cmd = [
        java,
        *JVM_OPTS,
        f"-Dlog4j2.configurationFile={data_dir / LOG4J_FILE}",
        "-cp",
        f"{lib}/*",
        "kafka.tools.StorageTool",
        "format",
        "-t",
        _cluster_id(),
        "-c",
        str(data_dir / PROPERTIES_FILE),
        "--ignore-formatted",
    ]
    with log_path.open("ab") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise BrokerError(
            f"kafka-storage format failed (exit {proc.returncode}), see {log_path}:\n"
            f"{_tail(log_path)}"
        )


def _wait_ready(pid: int, port: int, log_path: Path, deadline: float) -> None:
    """Wait until the broker answers on port, failing early if its process exits."""
    while True:
        if not _is_broker_process(pid):
            raise BrokerError(
                f"Kafka broker (pid {pid}) exited during startup, see {log_path}:\n"
                f"{_tail(log_path)}"
            )
        remaining = deadline - time.monotonic()
        if _port_open(port, timeout=0.5) and _run_async(
            _metadata_ok(f"{HOST}:{port}", max(1.0, min(5.0, remaining)))
        ):
            return
        if time.monotonic() >= deadline:
            raise BrokerError(
                f"Kafka broker (pid {pid}) did not answer on {HOST}:{port} in time, "
                f"see {log_path}:\n{_tail(log_path)}"
            )
        time.sleep(0.25)


def start(
    port: int = DEFAULT_PORT,
    data_dir: Path | str | None = None,
    wait_timeout: float = 60.0,
    *,
    controller_port: int | None = None,
    version: str = KAFKA_VERSION,
) -> None:
    """Start the broker detached (format storage first if needed) and wait until it answers."""
    data = Path(data_dir) if data_dir is not None else default_data_dir()
    data = data.resolve()
    cport = controller_port if controller_port is not None else port + 1
    deadline = time.monotonic() + wait_timeout
    log_path = data / LOG_FILE

    pid = _read_pid(data)
    if pid is not None and _is_broker_process(pid):
        running_port = int(_read_state(data).get("port", port))
        if running_port != port:
            raise BrokerError(
                f"a broker from {data} is already running on port {running_port} (pid {pid}); "
                f"stop it first to use port {port}"
            )
        _wait_ready(pid, port, log_path, deadline)
        return
    (data / PID_FILE).unlink(missing_ok=True)

    for p in (port, cport):
        if _port_open(p, timeout=0.5):
            raise BrokerError(f"port {HOST}:{p} is already in use by another process")

    lib = ensure_jars(version)
    java = _java()
    data.mkdir(parents=True, exist_ok=True)
    (data / PROPERTIES_FILE).write_text(_server_properties(data, port, cport))
    (data / LOG4J_FILE).write_text(_LOG4J2_PROPERTIES)
    if log_path.is_file() and log_path.stat().st_size > MAX_LOG_BYTES:
        log_path.replace(log_path.with_name(LOG_FILE + ".1"))
    _format_storage(java, lib, data, log_path)

    cmd = [
        java,
        *JVM_OPTS,
        f"-Dlog4j2.configurationFile={data / LOG4J_FILE}",
        "-cp",
        f"{lib}/*",
        "kafka.Kafka",
        str(data / PROPERTIES_FILE),
    ]
    with log_path.open("ab") as log:
        log.write(f"\n=== starting Kafka {version} on {HOST}:{port} ===\n".encode())
        log.flush()
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=data,
            start_new_session=True,
            close_fds=True,
        )
    (data / PID_FILE).write_text(f"{proc.pid}\n")
    state = {"port": port, "controller_port": cport, "version": version}
    (data / STATE_FILE).write_text(json.dumps(state) + "\n")
    try:
        _wait_ready(proc.pid, port, log_path, deadline)
    except BrokerError:
        stop(data)
        raise


def stop(data_dir: Path | str | None = None) -> None:
    """Stop the broker: SIGTERM, wait up to 30 s for exit, then SIGKILL; remove the pid file."""
    data = (Path(data_dir) if data_dir is not None else default_data_dir()).resolve()
    pid = _read_pid(data)
    if pid is not None and _is_broker_process(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _is_broker_process(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _is_broker_process(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            kill_deadline = time.monotonic() + 10.0
            while _is_broker_process(pid) and time.monotonic() < kill_deadline:
                time.sleep(0.1)
    (data / PID_FILE).unlink(missing_ok=True)


def status(data_dir: Path | str | None = None, port: int | None = None) -> BrokerStatus:
    """Return the broker's status (running means its JVM is alive; see is_answering too)."""
    data = (Path(data_dir) if data_dir is not None else default_data_dir()).resolve()
    state = _read_state(data)
    the_port = int(state.get("port", port if port is not None else DEFAULT_PORT))
    pid = _read_pid(data)
    running = pid is not None and _is_broker_process(pid)
    return BrokerStatus(
        running=running,
        pid=pid if running else None,
        port=the_port,
        version=str(state.get("version", KAFKA_VERSION)),
        log_path=data / LOG_FILE,
        data_dir=data,
        controller_port=int(state.get("controller_port", the_port + 1)),
    )


def _main(argv: list[str] | None = None) -> int:
    """Run the small standalone CLI: fetch, start, stop or status."""
    parser = argparse.ArgumentParser(
        prog="python -m streams.devtools.broker",
        description="Local single-node Kafka broker (KRaft).",
    )
    parser.add_argument("command", choices=["fetch", "start", "stop", "status"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--controller-port", type=int, default=None)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--wait-timeout", type=float, default=60.0)
    parser.add_argument("--kafka-version", default=KAFKA_VERSION)
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            print(ensure_jars(args.kafka_version))
        elif args.command == "start":
            began = time.monotonic()
            start(
                args.port,
                args.data_dir,
                args.wait_timeout,
                controller_port=args.controller_port,
                version=args.kafka_version,
            )
            st = status(args.data_dir)
            print(
                f"Kafka {st.version} ready on {st.bootstrap_servers} (pid {st.pid}) "
                f"in {time.monotonic() - began:.1f}s; log: {st.log_path}"
            )
        elif args.command == "stop":
            stop(args.data_dir)
            print("Kafka broker stopped")
        else:
            st = status(args.data_dir, args.port)
            state = f"running (pid {st.pid})" if st.running else "not running"
            print(f"Kafka {st.version} on {st.bootstrap_servers}: {state}; log: {st.log_path}")
            return 0 if st.running else 3
    except BrokerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main())
