"""Waiting for a stack: free ports, polling with a deadline, small HTTP GETs."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(probe: Callable[[], T | None], timeout: float, what: str, every: float = 0.25) -> T:
    """Poll `probe` until it returns something truthy and return that; raise TimeoutError
    naming `what` and the last answer after `timeout` seconds. A probe that raises OSError or
    ValueError (nothing listens yet, an answer that is not JSON yet) counts as "not yet"."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            result = probe()
        except (OSError, ValueError) as exc:
            last = exc
        else:
            if result:
                return result
            last = result
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}; last: {last!r}"[:3000])


def http_get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    """GET a URL: (status, body), also for non-2xx answers; (0, b"") when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except (OSError, ValueError):
        return 0, b""


def get_json(url: str, timeout: float = 5) -> Any:
    """GET a URL and parse its JSON body (also for non-2xx answers); OSError when nothing
    answers, ValueError when the body is not JSON."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        return json.loads(err.read())
