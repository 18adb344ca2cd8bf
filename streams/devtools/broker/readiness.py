"""Is the broker ready: its port takes connections and it answers a metadata request."""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from streams.devtools.broker.layout import DEFAULT_PORT, HOST, BrokerError
from streams.devtools.broker.process import is_broker_process, tail

if TYPE_CHECKING:  # the standalone CLI runs on the standard library alone
    from streams.settings import Settings

_T = TypeVar("_T")


def port_open(port: int, timeout: float = 1.0) -> bool:
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


def _metadata_ok(port: int, timeout: float, settings: Settings | None = None) -> bool:
    """Return True if the broker on port answers a metadata request within timeout (connecting
    as `settings` say, for a secured broker; in plaintext without)."""
    # Imported here: `fetch`, `stop` and `status` need no Kafka client library.
    from streams.kafka.probe import metadata_ok

    return _run_async(metadata_ok(f"{HOST}:{port}", timeout, settings))


def is_answering(port: int = DEFAULT_PORT, timeout: float = 5.0) -> bool:
    """Return True if a broker on 127.0.0.1:port accepts TCP and answers a metadata request."""
    if not port_open(port, timeout=min(timeout, 1.0)):
        return False
    return _metadata_ok(port, timeout)


def wait_ready(
    pid: int, port: int, log_path: Path, deadline: float, settings: Settings | None = None
) -> None:
    """Wait until the broker answers on port (as `settings` connect), failing early if its
    process exits."""
    while True:
        if not is_broker_process(pid):
            raise BrokerError(
                f"Kafka broker (pid {pid}) exited during startup, see {log_path}:\n{tail(log_path)}"
            )
        remaining = deadline - time.monotonic()
        if port_open(port, timeout=0.5) and _metadata_ok(
            port, max(1.0, min(5.0, remaining)), settings
        ):
            return
        if time.monotonic() >= deadline:
            raise BrokerError(
                f"Kafka broker (pid {pid}) did not answer on {HOST}:{port} in time, "
                f"see {log_path}:\n{tail(log_path)}"
            )
        time.sleep(0.25)
