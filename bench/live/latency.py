"""Latency at a fixed rate into a running worker: its histogram, and probes to the counts topic."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from bench.live.contenders import event_encoder, onbekend_clients, region_counts_decoder
from bench.live.harness import cpu_seconds, quantile
from streams.devtools.stack import Worker, metrics
from streams.domain import (
    ClientRegistration,
    Indication,
    IndicationOwner,
    RegisterMembership,
    RegistrationStatus,
)
from streams.settings import Settings

HISTOGRAM = "transparantie_event_to_update_seconds"


def _interleaved(
    pop: Path, settings: Settings, skip: set[str]
) -> Iterator[tuple[str, bytes, bytes]]:
    """The population's messages, the four files round-robin, without clients in `skip`."""
    from streams.kafka.producer import messages

    streams = [messages([p], settings) for p in sorted(pop.glob("*.avro"))]
    for group in itertools.zip_longest(*streams):
        for item in group:
            if item is not None and item[1].decode() not in skip:
                yield item


def probe_events(at_ms: int) -> list[Any]:
    """A new client counted in region ONBEKEND (no gemeente): one probe of the counts topic."""
    cid = f"P{uuid.uuid4().hex[:12]}"
    start = date(2020, 1, 1)
    return [
        ClientRegistration(cid, f"{cid}-r", at_ms, RegistrationStatus.INGESCHREVEN, None),
        Indication(cid, f"{cid}-i", at_ms, "i1", IndicationOwner.UWV, "WAJONG", start, None),
        RegisterMembership(cid, f"{cid}-m", at_ms, "WAJONG", start, None, False, True),
    ]


#: (topic, key, value) messages of counted clients outside region ONBEKEND, sent beside the probes
Background = Iterator[tuple[str, bytes, bytes]]


async def _latency(
    settings: Settings, background: Background, rate: float, seconds: float, probes_per_s: float
) -> dict[str, Any]:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

    encode, decode = event_encoder(settings), region_counts_decoder(settings)
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all",
                                linger_ms=5, enable_idempotence=True)  # fmt: skip
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None,
                                enable_auto_commit=False, fetch_max_wait_ms=20)  # fmt: skip
    await producer.start()
    await consumer.start()
    counts_tp = TopicPartition(settings.topic_counts, 0)
    consumer.assign([counts_tp])
    await consumer.seek_to_beginning(counts_tp)
    end = (await consumer.end_offsets([counts_tp]))[counts_tp]
    baseline = 0
    while await consumer.position(counts_tp) < end:
        for m in (await consumer.getmany(timeout_ms=500)).get(counts_tp, []):
            row = decode(m.value)
            if row["regio_code"] == "ONBEKEND":
                baseline = row["totaal"]
    sent_at: list[float] = []
    seen_at: dict[int, float] = {}

    async def watch() -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=100)
            now = time.monotonic()
            for m in batch.get(counts_tp, []):
                row = decode(m.value)
                if row["regio_code"] == "ONBEKEND":
                    for k in range(1, row["totaal"] - baseline + 1):
                        seen_at.setdefault(k, now)

    watcher = asyncio.create_task(watch())
    sent = 0
    started = time.monotonic()
    next_probe = started + 1.0 / probes_per_s
    pending: list[Any] = []
    try:
        while time.monotonic() - started < seconds:
            now = time.monotonic()
            if now >= next_probe:
                next_probe += 1.0 / probes_per_s
                sent_at.append(now)
                for event in probe_events(int(time.time() * 1000)):
                    pending.append(await producer.send(
                        settings.topic_for_schema(type(event).__name__),
                        key=event.client_id.encode(), value=encode(event),
                    ))  # fmt: skip
                sent += 3
            else:
                item = next(background, None)
                if item is None:
                    raise RuntimeError("the latency population ran out: generate more clients")
                topic, key, value = item
                pending.append(await producer.send(topic, key=key, value=value))
                sent += 1
            if len(pending) > 5000:
                await asyncio.gather(*pending)
                pending.clear()
            ahead = sent / rate - (time.monotonic() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
        elapsed = time.monotonic() - started
        await asyncio.gather(*pending)
        deadline = time.monotonic() + 30
        while len(seen_at) < len(sent_at) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        watcher.cancel()
        with contextlib.suppress(BaseException):
            await watcher
        await producer.stop()
        await consumer.stop()
    latencies = sorted(seen_at[k] - sent_at[k - 1] for k in range(1, len(sent_at) + 1)
                       if k in seen_at)  # fmt: skip
    return {
        "rate_sent": sent / elapsed,
        "probes": len(sent_at),
        "probes_seen": len(latencies),
        "probe_p50": latencies[len(latencies) // 2] if latencies else None,
        "probe_p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        if latencies else None,
        "probe_max": latencies[-1] if latencies else None,
    }  # fmt: skip


def run_latency(
    worker: Worker,
    settings: Settings,
    pop: Path,
    rate: float,
    seconds: float,
    background: Background | None = None,
) -> dict[str, Any]:
    """Send background events (the population's, once, unless `background` gives others) and
    counted probe clients at `rate`; measure both latencies."""
    if background is None:
        background = _interleaved(pop, settings, onbekend_clients(pop))
    before = metrics.histogram(worker.metrics(), HISTOGRAM)
    cpu_before, t_before = cpu_seconds(worker.pid), time.monotonic()
    result = asyncio.run(_latency(settings, background, rate, seconds, probes_per_s=2.0))
    cpu = cpu_seconds(worker.pid) - cpu_before
    after = metrics.histogram(worker.metrics(), HISTOGRAM)
    delta = {le: after[le] - before.get(le, 0.0) for le in after}
    result.update(
        histogram_events=delta[float("inf")],
        histogram_p50=quantile(delta, 0.5),
        histogram_p99=quantile(delta, 0.99),
        worker_cpu_share=cpu / (time.monotonic() - t_before),
    )
    return result
