"""Watching what the stack publishes during a fault: every message of the counts topic, and
every answer of every worker's /counts, compared with the expected table.

A downstream consumer reads the counts topic as it comes; `CountsTopicWatcher` does the same
in a thread for the whole test (through broker restarts), so that a check can take every
message published after a given moment (an offset per partition, taken at convergence).
`CountsPoller` asks each live worker for /counts every 0.2 s while a fault lasts: an answer
is either the expected table or a 503 (no whole table), never other figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition

from streams.codecs.avro import AvroCodec
from streams.devtools.stack import Worker, get_json
from streams.domain import COUNT_FIELDS, RegionCounts
from streams.kafka import clients
from streams.kafka.reader import partitions_of
from streams.settings import Settings


@dataclass
class Verdict:
    """Messages (or answers) checked, and the first few that were false."""

    checked: int = 0
    false: list[str] = field(default_factory=list)

    def add(self, other: Verdict) -> None:
        """Count another check in."""
        self.checked += other.checked
        self.false += other.false


def expected_row(expected: list[dict[str, Any]], code: str) -> dict[str, Any]:
    """The expected row of a region; zeros for one the table leaves out (ONBEKEND when 0)."""
    for row in expected:
        if row["regio_code"] == code:
            return row
    zeros = {"regio_code": code, "regio_naam": "Onbekend", **dict.fromkeys(COUNT_FIELDS, 0)}
    return {**zeros, "as_of": expected[-1]["as_of"]}


class CountsTopicWatcher:
    """Reads the counts topic from the beginning, in a thread, until stopped."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.settings = Settings(
            bootstrap_servers=env["TRANSPARANTIE_BOOTSTRAP_SERVERS"],
            topic_counts=env["TRANSPARANTIE_TOPIC_COUNTS"],
        )
        self.codec = AvroCodec("RegionCounts", self.settings.framing)
        self.messages: list[tuple[int, int, dict[str, Any]]] = []  # (partition, offset, row)
        self.positions: dict[int, int] = {}
        self.loop = asyncio.new_event_loop()
        self.stopping = False
        self.consumer: Any = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="counts-watcher", daemon=True)

    def start(self) -> CountsTopicWatcher:
        """Start reading; returns once the consumer is assigned to every partition."""
        self.thread.start()
        if not self.ready.wait(60):
            raise TimeoutError("the counts topic watcher did not start in 60 s")
        return self

    def stop(self) -> None:
        """Stop reading."""
        self.stopping = True
        self.thread.join(30)

    def _run(self) -> None:
        self.loop.run_until_complete(self._consume())

    async def _consume(self) -> None:
        topic = self.settings.topic_counts
        partitions = (await partitions_of(self.settings, [topic]))[topic]
        self.consumer = clients.consumer(self.settings)
        await self.consumer.start()
        try:
            tps = [TopicPartition(topic, p) for p in sorted(partitions)]
            self.consumer.assign(tps)
            await self.consumer.seek_to_beginning(*tps)
            self.ready.set()
            while not self.stopping:
                with contextlib.suppress(Exception):  # the broker is being restarted
                    batch = await self.consumer.getmany(timeout_ms=200)
                    for tp, records in batch.items():
                        for r in records:
                            row = RegionCounts(**self.codec.decode(r.value)).to_json()
                            self.messages.append((tp.partition, r.offset, row))
                            self.positions[tp.partition] = r.offset + 1
        finally:
            with contextlib.suppress(Exception):
                await self.consumer.stop()

    def end_offsets(self) -> dict[int, int]:
        """The end offset of every partition now (retried while the broker comes back)."""
        deadline = time.monotonic() + 120
        while True:
            tps = list(self.consumer.assignment())
            future = asyncio.run_coroutine_threadsafe(self.consumer.end_offsets(tps), self.loop)
            try:
                return {tp.partition: offset for tp, offset in future.result(30).items()}
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def mark(self) -> dict[int, int]:
        """Where the topic ends now: what is published from here on is checked."""
        return self.end_offsets()

    def check(self, since: Mapping[int, int], expected: list[dict[str, Any]]) -> Verdict:
        """Every message from `since` up to the end of the topic now: is it the expected row?"""
        end = self.end_offsets()
        deadline = time.monotonic() + 60
        while any(self.positions.get(p, 0) < o for p, o in end.items()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the watcher did not read the counts topic to {end}")
            time.sleep(0.1)
        verdict = Verdict()
        for partition, offset, row in list(self.messages):
            if since.get(partition, 0) <= offset < end.get(partition, 0):
                verdict.checked += 1
                if row != expected_row(expected, row["regio_code"]):
                    verdict.false.append(f"offset {offset}: {row}")
        return verdict


class CountsPoller:
    """Asks every live worker for /counts every 0.2 s, in a thread, until stopped."""

    def __init__(self, workers: Callable[[], list[Worker]], expected: list[dict[str, Any]]):
        self.workers = workers
        self.expected = expected
        self.verdict = Verdict()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="counts-poller", daemon=True)

    def __enter__(self) -> CountsPoller:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(30)

    def _run(self) -> None:
        while not self.stopping.wait(0.2):
            for worker in self.workers():
                try:
                    answer = get_json(f"{worker.url}/counts", timeout=2)
                except (OSError, ValueError):
                    continue  # not up, stopping or restarting: no answer is no false answer
                if isinstance(answer, dict) and answer.get("stale") is True:
                    continue  # 503: no whole table (yet)
                self.verdict.checked += 1
                if answer != self.expected:
                    self.verdict.false.append(f"worker {worker.port}: {str(answer)[:300]}")
