"""The consumer group's lag from outside: `transparantie lag` and every worker's group metric.

Before any worker runs, the whole input is lag (the group has committed nothing); a worker that
has caught up commits its way to zero and exports the group's lag, the same figures the
command prints; with the worker stopped, new input is lag again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streams.codecs.files import count_records
from streams.devtools.stack import Worker, cli, load_expected, metrics, stack_env, wait_until
from tests.integration.live import converged

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
AS_OF = "2026-11-29"


def lag(env: dict[str, str]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(cli(env, "lag", "--format", "json"))
    return result


def input_lag(report: dict[str, Any], inputs: set[str]) -> int:
    return sum(p["lag"] for p in report["partitions"] if p["topic"] in inputs)


def group_lag_metric(worker: Worker) -> dict[tuple[str, str], float]:
    return {
        (sample.labels["topic"], sample.labels["partition"]): sample.value
        for sample in metrics.samples(worker.metrics(), "transparantie_group_lag_messages")
    }


def test_the_group_lag_is_the_input_not_yet_committed_with_or_without_a_worker(
    kafka_broker: str, tmp_path: Path
) -> None:
    env = stack_env(kafka_broker, "lag", tmp_path, TRANSPARANTIE_AS_OF=AS_OF,
                    TRANSPARANTIE_LAG_INTERVAL_SECONDS="1")  # fmt: skip
    cli(env, "topics", "create")
    inputs = {f"lag.{t}" for t in ("client-registrations", "indications",
                                   "register-memberships", "profile-edits")}  # fmt: skip
    first, second = tmp_path / "p1", tmp_path / "p2"
    for out, seed in ((first, 61), (second, 62)):
        cli({}, "generate", "--clients", "300", "--seed", str(seed), "--out", str(out),
            "--as-of", AS_OF, "--no-progress")  # fmt: skip
    events = count_records(sorted(first.glob("*.avro")))

    cli(env, "produce", str(first), "--no-progress")
    before = lag(env)
    assert before["group"] == "t-lag"
    assert {p["topic"] for p in before["partitions"]} == {*inputs, "lag.region-subtotals"}
    assert all(p["committed"] is None for p in before["partitions"])
    assert input_lag(before, inputs) == events  # nobody has read anything
    table = cli(env, "lag")
    assert "committed" in table and f"group t-lag: {events} message(s) to process" in table

    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        wait_until(lambda: converged(worker, load_expected(first)), 120, "exact counts")
        wait_until(lambda: input_lag(lag(env), inputs) == 0, 60, "the group to commit it all")
        metric = wait_until(lambda: (m := group_lag_metric(worker)) and m, 30, "the lag metric")
        assert len(metric) == len(before["partitions"])  # every partition of the group
        wait_until(lambda: not any(group_lag_metric(worker).values()), 30, "a metric of 0")
    finally:
        worker.stop()

    cli(env, "produce", str(second), "--no-progress")  # no worker runs: it stays lag
    after = lag(env)
    assert input_lag(after, inputs) == count_records(sorted(second.glob("*.avro")))
    assert all(p["committed"] is not None for p in after["partitions"] if p["topic"] in inputs)
