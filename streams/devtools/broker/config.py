"""The broker's configuration files: server.properties for one KRaft node, and log4j2."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from streams.devtools.broker.layout import (
    HOST,
    KAFKA_LOG_DIR,
    LOG4J_FILE,
    NODE_ID,
    PROPERTIES_FILE,
    BrokerError,
)

CONTROLLER = "CONTROLLER"

LOG4J2_PROPERTIES = """\
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

#: Single-node defaults: replication factor 1 everywhere, no auto-created topics, no
#: rebalance delay (tests start and stop consumer groups all the time).
NODE_SETTINGS: Mapping[str, str] = {
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


@dataclass(frozen=True)
class Listener:
    """One client listener on 127.0.0.1: its name, port and security protocol."""

    name: str
    port: int
    protocol: str = "PLAINTEXT"

    @property
    def address(self) -> str:
        """Return the listener's URI, e.g. PLAINTEXT://127.0.0.1:9092."""
        return f"{self.name}://{HOST}:{self.port}"


def plaintext(port: int) -> tuple[Listener, ...]:
    """Return the default listeners: one PLAINTEXT listener on port."""
    return (Listener("PLAINTEXT", port),)


def server_properties(
    data_dir: Path,
    listeners: Sequence[Listener],
    controller_port: int,
    extra: Mapping[str, str] | None = None,
) -> str:
    """Return server.properties for a combined broker+controller node on 127.0.0.1.

    The first listener carries the inter-broker traffic; `extra` settings (an authorizer,
    per-listener options) come last and may override the defaults.
    """
    names = [listener.name for listener in listeners]
    if not listeners or CONTROLLER in names or len(set(names)) != len(names):
        raise BrokerError(f"listener names must be unique and not {CONTROLLER}: {names}")
    controller = Listener(CONTROLLER, controller_port)
    protocols = [f"{CONTROLLER}:PLAINTEXT", *(f"{ln.name}:{ln.protocol}" for ln in listeners)]
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(NODE_ID),
        "controller.quorum.voters": f"{NODE_ID}@{HOST}:{controller.port}",
        "listeners": ",".join([*(ln.address for ln in listeners), controller.address]),
        "advertised.listeners": ",".join(ln.address for ln in listeners),
        "inter.broker.listener.name": listeners[0].name,
        "controller.listener.names": CONTROLLER,
        "listener.security.protocol.map": ",".join(protocols),
        "log.dirs": str(data_dir / KAFKA_LOG_DIR),
        **NODE_SETTINGS,
        **(extra or {}),
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def write_config(
    data_dir: Path,
    listeners: Sequence[Listener],
    controller_port: int,
    extra: Mapping[str, str] | None = None,
) -> None:
    """Write server.properties and log4j2.properties into the data dir."""
    text = server_properties(data_dir, listeners, controller_port, extra)
    (data_dir / PROPERTIES_FILE).write_text(text)
    (data_dir / LOG4J_FILE).write_text(LOG4J2_PROPERTIES)
