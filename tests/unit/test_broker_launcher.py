"""The local broker launcher without a broker: its configuration and its status exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from streams.devtools import broker
from streams.devtools.broker.config import Listener, plaintext, server_properties


def properties(text: str) -> dict[str, str]:
    """Parse server.properties text into a dict."""
    return dict(line.split("=", 1) for line in text.splitlines())


def run_status(*command: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run a status command of the project as a child process and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", *command, "status", "--data-dir", str(data_dir)],
        cwd=broker.project_root(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_default_node_has_one_plaintext_listener_beside_the_controller() -> None:
    """One PLAINTEXT listener on the port, the controller on its own port, both on 127.0.0.1."""
    props = properties(server_properties(Path("/data"), plaintext(9092), 9093))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9092"
    assert props["inter.broker.listener.name"] == "PLAINTEXT"
    assert props["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert props["log.dirs"] == "/data/kraft-logs"


def test_extra_listeners_are_advertised_and_mapped_to_their_protocol() -> None:
    """A second listener joins listeners, advertised.listeners and the protocol map."""
    listeners = (*plaintext(9092), Listener("SASL_SSL", 9094, "SASL_SSL"))
    extra = {"authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer"}
    props = properties(server_properties(Path("/data"), listeners, 9093, extra))
    assert props["listeners"] == (
        "PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9094,CONTROLLER://127.0.0.1:9093"
    )
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9094"
    assert props["listener.security.protocol.map"] == (
        "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL"
    )
    assert props["inter.broker.listener.name"] == "PLAINTEXT"
    assert props["authorizer.class.name"] == extra["authorizer.class.name"]


@pytest.mark.parametrize(
    "listeners",
    [(), (Listener("CONTROLLER", 9092),), (Listener("A", 9092), Listener("A", 9094))],
    ids=["none", "named CONTROLLER", "duplicate names"],
)
def test_listener_names_must_be_unique_and_not_the_controller(
    listeners: tuple[Listener, ...],
) -> None:
    """A configuration Kafka would refuse is refused before the JVM starts."""
    with pytest.raises(broker.BrokerError, match="listener names"):
        server_properties(Path("/data"), listeners, 9093)


@pytest.mark.parametrize(
    "command",
    [("streams", "broker"), ("streams.devtools.broker",)],
    ids=["transparantie", "module"],
)
def test_status_of_a_stopped_broker_exits_3_from_both_entry_points(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """`status` on a data dir without a running broker exits 3 (LSB: not running)."""
    result = run_status(*command, data_dir=tmp_path / "no-broker")
    assert result.returncode == broker.EXIT_NOT_RUNNING == 3, result.stderr
    assert "not running" in result.stdout or "stopped" in result.stdout
