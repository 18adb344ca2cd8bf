"""The aggregator agent: the latest subtotal report per partition, with its offset, into rows of
the counts topic when the reports make a complete set (streams/service/aggregation.py), and
the final table of each day that ended into the history topic (streams/service/daybook.py).
"""

from __future__ import annotations

import logging
from typing import Any

import faust

from streams.codecs.history import snapshot_key
from streams.engine.agents import ROCKSDB_OPTIONS, serialize_table
from streams.engine.internals import recovery_is_current, send_raw
from streams.engine.publishing import Publisher
from streams.engine.worker import Worker
from streams.kafka.topics import SUBTOTALS_TABLE
from streams.service.history import Snapshot
from streams.service.reports import SubtotalReport

log = logging.getLogger(__name__)


def wire_aggregator(app: faust.App, worker: Worker) -> None:
    """The aggregator agent: the latest report per partition -> RegionCounts rows."""
    settings, aggregator = worker.settings, worker.aggregator
    source = app.topic(
        settings.topic_subtotals, key_serializer="raw", value_serializer="raw", partitions=1
    )
    latest = app.Table(
        SUBTOTALS_TABLE,
        default=None,
        partitions=1,
        options=dict(ROCKSDB_OPTIONS),
        key_type=bytes,
        value_type=bytes,
        schema=faust.Schema(
            key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
        ),
    )
    serialize_table(latest, key="raw", value="raw")
    gate = worker.schemas
    history = app.topic(settings.topic_history, key_serializer="raw", value_serializer="raw")
    daybook, snapshots = worker.daybook, worker.history_view.codec  # the worker's writers
    ended: list[Snapshot] = []  # days that ended, until HistorySnapshot can be written

    def reports() -> list[SubtotalReport]:
        return [aggregator.kept(v).report for v in latest.values() if v is not None]

    async def close_days(observe: bool = True) -> None:
        if observe:  # a day ended: its final table is history
            ended.extend(daybook.observe(reports(), app.consumer_generation_id))
        while ended and gate.writable:
            snapshot = ended.pop(0)
            await history.send(
                key=snapshot_key(snapshot.peildatum), value=snapshots.encode(snapshot)
            )
            log.info(
                "history: the table of %s written (%d input partitions)",
                snapshot.peildatum.isoformat(), len(snapshot.provenance.offsets),
            )  # fmt: skip

    async def send_row(key: bytes, value: bytes) -> Any:
        return await send_raw(app, settings.topic_counts, key, value, None)

    rows = Publisher(settings.topic_counts, send_row, aggregator.forget_published)
    skipped = False  # a publication skipped while RegionCounts could not be written

    async def publish_counts(everything: bool = False) -> None:
        nonlocal skipped
        if not gate.writable:  # RegionCounts not registered yet: the registering task retries
            skipped = True
            return
        everything, skipped = everything or skipped, False
        generation = app.consumer_generation_id
        values = [v for v in latest.values() if v is not None]
        await rows.publish(lambda: aggregator.counts_messages(values, generation, everything))

    warned: set[int] = set()

    def check_sender(value: bytes) -> None:
        partitions = aggregator.kept(value).report.partitions
        if partitions not in (settings.partitions, 0, *warned):  # 0: a report of an older version
            warned.add(partitions)
            log.warning(
                "a worker reports partitions of %d input partitions, this one counts with %d:"
                " the counts stay as they are until every worker has the same"
                " TRANSPARANTIE_PARTITIONS (docs/runbook.md, WorkerNotReady)",
                partitions, settings.partitions,
            )  # fmt: skip

    @app.agent(source, name="aggregator")
    async def aggregate(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            check_sender(event.value)
            kept = aggregator.take(
                event.value, event.message.offset, latest.get(event.key),
                app.consumer_generation_id,
            )  # fmt: skip
            if kept is not None:
                latest[event.key] = kept
                await close_days()
            if stream.channel.empty():  # type: ignore[attr-defined]  # once per arrival burst
                await publish_counts()

    def owns_aggregator() -> bool:
        return any(tp.topic == settings.topic_subtotals for tp in app.assignor.assigned_actives())

    @latest.on_recover
    async def republish_counts() -> None:
        if not recovery_is_current(app):
            return
        if owns_aggregator():
            aggregator.own()
            daybook.reset(reports())
            await publish_counts()
        else:
            aggregator.disown()

    @app.timer(interval=settings.republish_interval_seconds)
    async def republish_all_counts() -> None:
        # every row again, as the reports are: a consumer that lost a message, or reads the
        # topic while it is being compacted, has the whole table within the interval
        await publish_counts(everything=True)

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # Faust types the signal loosely
    async def on_revoked(sender: Any, revoked: Any, **kwargs: Any) -> None:
        if any(tp.topic == settings.topic_subtotals for tp in revoked):
            aggregator.disown()  # a revoked aggregator publishes nothing, not even once more

    @app.task
    async def follow_counts() -> None:
        await worker.counts_view.run()

    @app.task
    async def follow_history() -> None:
        await worker.history_view.run()

    @app.task
    async def register_output_schemas() -> None:
        # FRAMING=confluent: RegionCounts, DeadLetter and HistorySnapshot under <topic>-value,
        # retried with backoff until the registry takes them (the worker is not ready until then)
        await gate.ready_to_write()
        if aggregator.owned:
            await publish_counts()
            await close_days(observe=False)
