"""Local single-node Apache Kafka broker (KRaft, broker+controller) for dev, tests and CI.

Modules: layout (version, ports, files, cache), jars (Maven, Java), config (server.properties,
log4j2), process (pid files, liveness, status), readiness (metadata probe), lifecycle (start,
stop) and cli (`python -m streams.devtools.broker`).
"""

from __future__ import annotations

from streams.devtools.broker.config import Listener
from streams.devtools.broker.jars import ensure_jars
from streams.devtools.broker.layout import (
    DEFAULT_PORT,
    EXIT_NOT_RUNNING,
    HOST,
    JARS_MARKER,
    KAFKA_LOG_DIR,
    KAFKA_VERSION,
    LOG4J_FILE,
    LOG_FILE,
    MAX_LOG_BYTES,
    NODE_ID,
    PID_FILE,
    PROPERTIES_FILE,
    STATE_FILE,
    BrokerError,
    cache_dir,
    default_data_dir,
    project_root,
)
from streams.devtools.broker.lifecycle import JVM_OPTS, STOP_TIMEOUT, start, stop
from streams.devtools.broker.process import BrokerStatus, status
from streams.devtools.broker.readiness import is_answering

__all__ = [
    "DEFAULT_PORT",
    "EXIT_NOT_RUNNING",
    "HOST",
    "JARS_MARKER",
    "JVM_OPTS",
    "KAFKA_LOG_DIR",
    "KAFKA_VERSION",
    "LOG4J_FILE",
    "LOG_FILE",
    "MAX_LOG_BYTES",
    "NODE_ID",
    "PID_FILE",
    "PROPERTIES_FILE",
    "STATE_FILE",
    "STOP_TIMEOUT",
    "BrokerError",
    "BrokerStatus",
    "Listener",
    "cache_dir",
    "default_data_dir",
    "ensure_jars",
    "is_answering",
    "project_root",
    "start",
    "status",
    "stop",
]
