"""The standalone broker CLI (`python -m streams.devtools.broker fetch|start|stop|status`).

It needs only the standard library, so CI can resolve the jars before anything else runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from streams.devtools.broker.jars import ensure_jars
from streams.devtools.broker.layout import (
    DEFAULT_PORT,
    EXIT_NOT_RUNNING,
    KAFKA_VERSION,
    BrokerError,
)
from streams.devtools.broker.lifecycle import start, stop
from streams.devtools.broker.process import status

EPILOG = (
    "status exits 0 when the broker runs and "
    f"{EXIT_NOT_RUNNING} when it does not (LSB: program is not running); "
    "any error exits 1."
)


def main(argv: list[str] | None = None) -> int:
    """Run the small standalone CLI: fetch, start, stop or status; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m streams.devtools.broker",
        description="Local single-node Kafka broker (KRaft).",
        epilog=EPILOG,
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
            return 0 if st.running else EXIT_NOT_RUNNING
    except BrokerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
