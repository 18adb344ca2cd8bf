"""(5) two workers in one group on the same filled topics: aggregate events/s, and the efficiency
against one worker (1.0 = twice the events/s of one worker).

Both start at once, as two pods of a StatefulSet would (their own instance id, data dir and
address); the clock runs from the first event either of them counts until the counts topic, as
either worker serves it, equals expected.json. That includes the group's first rebalance when
the second member joins: a scale-out pays it too.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

from bench.live.harness import cpu_seconds, create_topics
from streams.devtools.stack import Worker, env_of, wait_until
from streams.settings import Settings


def run_two_workers(
    settings: Settings, expected: list[dict[str, Any]], events: int, tmp: Path,
    broker_pid: int | None,
) -> dict[str, Any]:  # fmt: skip
    """Two workers of one app id on the input topics; time them until the counts are right."""
    create_topics(settings)
    env = env_of(settings)
    workers = []
    for name in ("a", "b"):  # a StatefulSet pod's own identity, data dir and address
        own = {**env, "TRANSPARANTIE_INSTANCE_ID": name}
        own["TRANSPARANTIE_DATA_DIR"] = str(tmp / f"two-{name}")
        workers.append(Worker(own, tmp / f"two-{name}.log").start())
    try:

        def counted_events() -> float:
            total = 0.0
            for worker in workers:
                worker.check()
                with contextlib.suppress(OSError):  # not answering yet
                    total += worker.metric_total("transparantie_events_total")
            return total

        wait_until(lambda: counted_events() > 0, 180, "the first event of either worker",
                   every=0.05)  # fmt: skip
        t_first = time.monotonic()
        cpu_first = [cpu_seconds(w.pid) for w in workers]
        broker_first = cpu_seconds(broker_pid) if broker_pid else 0.0

        def right() -> bool:
            for worker in workers:
                worker.check()
                try:
                    if worker.counts() == expected:
                        return True
                except (OSError, ValueError):  # not answering, or no whole table yet
                    continue
            return False

        wait_until(right, 3600, "/counts of either worker to equal expected.json", every=0.1)
        seconds = time.monotonic() - t_first
        cpu = [cpu_seconds(w.pid) - c for w, c in zip(workers, cpu_first, strict=True)]
        broker = (cpu_seconds(broker_pid) - broker_first) if broker_pid else 0.0
        return {
            "events": events,
            "seconds": seconds,
            "events_per_s": events / seconds,
            "cpu_s_per_million": sum(cpu) / events * 1e6,
            "cpu_s_by_worker": cpu,
            "broker_cpu_s_per_million": broker / events * 1e6,
        }
    finally:
        for worker in workers:
            worker.stop()


def efficiency(two: dict[str, Any], one: dict[str, Any]) -> float:
    """Two workers' events/s against twice one worker's: 1.0 is perfect scaling."""
    return float(two["events_per_s"]) / (2 * float(one["events_per_s"]))
