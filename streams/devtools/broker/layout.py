"""Where the local broker lives: version, host and ports, the data dir's files, the jar cache."""

from __future__ import annotations

import os
from pathlib import Path

KAFKA_VERSION = "4.4.0"
"""Apache Kafka version of the local broker (org.apache.kafka:kafka_2.13 on Maven Central)."""

DEFAULT_PORT = 9092
HOST = "127.0.0.1"
NODE_ID = 1

PID_FILE = "broker.pid"
STATE_FILE = "broker.json"
LOG_FILE = "broker.log"
PROPERTIES_FILE = "server.properties"
LOG4J_FILE = "log4j2.properties"
KAFKA_LOG_DIR = "kraft-logs"
JARS_MARKER = ".complete"
MAX_LOG_BYTES = 20 * 1024 * 1024

#: Exit status of `status` when the broker is not running, from both entry points
#: (`transparantie broker status` and `python -m streams.devtools.broker status`): 3 is the
#: LSB init-script convention for "program is not running".
EXIT_NOT_RUNNING = 3


class BrokerError(RuntimeError):
    """The local broker could not be resolved, started or stopped."""


def project_root() -> Path:
    """Return the project root (the directory holding deploy/local-broker/pom.xml)."""
    for here in Path(__file__).resolve().parents:
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


def data_dir_of(data_dir: Path | str | None) -> Path:
    """Return the absolute data dir: the one given, or the default one."""
    return (Path(data_dir) if data_dir is not None else default_data_dir()).resolve()
