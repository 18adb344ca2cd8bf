"""Whole fetches for the client agent: Faust's consumer hands each fetch of the input topics to
one function, instead of one Event per record.

Why: Faust's per-record path (consumer -> conductor -> channel queue -> stream -> ack, with
sensors at every step) costs about 120 µs of CPU per record on our machine before any work is
done, a ceiling of about 8 000 events/s; the work itself takes about 25 µs (docs/performance.md).

What stays Faust's: group membership and partition assignment, flow control during
rebalances, offset commits (Faust flushes the producer before it commits), the table with its
changelog, standby and recovery, timers, the web server. What this module changes:

- `BatchingConsumer._drain_messages` takes the records of one fetch; those of the batch
  topics go, per fetch, to `batch_handler`, the rest (the subtotals topic of the aggregator)
  to Faust's usual per-message path;
- the handler acks the offsets itself (`ack_offsets`) after the batch's changelog records are
  in the producer buffer, so a commit never covers a change that is not in the changelog;
- a fetch of a changelog under recovery goes to Faust's recovery buffers whole
  (`recover_fetch`, recovery.py); the table is read and written for explicit partitions
  (`TableIO`, tableio.py).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from time import monotonic
from typing import Any

import faust
from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP
from faust.types.tuples import ack_lock
from mode.utils.futures import notify

from streams.engine.internals.recovery import recover_fetch

#: Takes {tp: [aiokafka ConsumerRecord]} of one fetch and the consumer generation it was
#: fetched in; returns False when it dropped the batch (rebalance), True when it took it.
BatchHandler = Callable[[Mapping[TP, Sequence[Any]], int], Awaitable[bool]]


class _InFlight:
    """A batch being processed, among the consumer's unacked messages."""

    acked = False
    refcount = 1

    def __repr__(self) -> str:
        return "<batch in flight>"


class _ConsumerThread(aiokafka_driver.AIOKafkaConsumerThread):
    """Faust's consumer thread, with fetches that wait for some data. Faust asks the broker to
    answer a fetch as soon as it has one byte: at a moderate rate (2 000 events/s) the
    consumer then sends fetch after fetch for a few records each, and encoding and decoding
    them took most of a core; now a fetch waits for 64 KiB or 50 ms, whichever comes first."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_min_bytes = FETCH_MIN_BYTES
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


FETCH_MIN_BYTES = 64 * 1024
FETCH_MAX_WAIT_MS = 50


class BatchingConsumer(aiokafka_driver.Consumer):
    """Faust's aiokafka consumer, handing the records of the app's `batch_topics` to its
    `batch_handler` a fetch at a time (Faust's per-message path when the app has none).

    For the watchdog (streams/service/watchdog.py) it notes when it last read any record
    (`delivered_at`) and since when the fetch in hand has been in processing (`busy_since`),
    in wall-clock seconds."""

    delivered_at: float | None = None
    busy_since: float | None = None

    def _new_consumer_thread(self) -> aiokafka_driver.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        """While a batch is processed: a rebalance or a shutdown (`Consumer.wait_empty`, which
        waits for every unacked message) waits for it too."""
        token: Any = _InFlight()
        self._unacked_messages.add(token)
        try:
            yield
        finally:
            token.acked = True
            self._unacked_messages.discard(token)
            notify(self._waiting_for_ack)

    def ack_offsets(self, tp: TP, offsets: Iterable[int]) -> None:
        """Mark processed offsets as acked, in bulk (what `Consumer.ack` does per message)."""
        with ack_lock:
            committed = self._committed_offset[tp]
            acked_index = self._acked_index[tp]
            new = [
                o for o in offsets
                if (committed is None or o >= committed) and o not in acked_index
            ]  # fmt: skip
            acked_index.update(new)
            self._acked[tp].extend(new)
            self._n_acked += len(new)
        notify(self._waiting_for_ack)

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - needs a broker
        handler: BatchHandler | None = getattr(self.app, "batch_handler", None)
        if handler is None:
            return await super()._drain_messages(fetcher)
        batch_topics: frozenset[str] = self.app.batch_topics  # type: ignore[attr-defined]
        recover_topics: frozenset[str] = self.app.batch_recovery  # type: ignore[attr-defined]
        recovery: Any = self.app.tables.recovery  # type: ignore[attr-defined]
        callback = self.callback
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        read_offset = self._read_offset
        acks_enabled_for = self.app.topics.acks_enabled_for
        monitor = self.app.monitor
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                self.diag.set_flag(CONSUMER_FETCHING)
                records, active = await self._wait_next_records(1.0)
                generation = self.app.consumer_generation_id
                await self.sleep(0)
                if records is None or self.should_stop:
                    continue
                if records:
                    self.delivered_at = time.time()
                if not self.flow_active:
                    # as Faust's getmany: a rebalance started, go back to the committed offsets
                    with contextlib.suppress(Exception):
                        await self.perform_seek()
                    continue
                batch: dict[TP, Sequence[Any]] = {}
                others: list[tuple[TP, Sequence[Any]]] = []
                for tp, recs in records.items():
                    if not (active is None or tp in active or tp in self._buffered_partitions):
                        continue
                    last = read_offset[tp]
                    if last is not None:  # as Faust: skip what was read before
                        recs = [r for r in recs if r.offset >= last]
                    if not recs:
                        continue
                    monitor.track_tp_end_offset(tp, self.highwater(tp))  # Faust does it per record
                    if acks_enabled_for(tp.topic):
                        await self._add_gaps(tp, last, recs)
                    if tp.topic in batch_topics:
                        batch[tp] = recs
                    elif tp.topic in recover_topics and recover_fetch(recovery, tp, recs):
                        read_offset[tp] = recs[-1].offset
                    else:
                        others.append((tp, recs))
                self.busy_since = time.time() if batch or others else None
                if batch and await handler(batch, generation):
                    now = monotonic()
                    for tp, taken in batch.items():
                        read_offset[tp] = taken[-1].offset
                        monitor.stream_inbound_time[tp] = now  # Faust's livelock detector
                    await self._maybe_commit_every()
                for tp, rest in others:  # Faust's own per-message path
                    for record in rest:
                        if generation != self.app.consumer_generation_id or not self.flow_active:
                            break
                        await self._maybe_commit_every()
                        message = self._to_message(tp, record)
                        await self.wait_first(callback(message), self.suspend_flow.wait())
                        read_offset[tp] = record.offset
                self.busy_since = None
                self.diag.unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                self.log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except Exception as exc:
            self.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            self.diag.unset_flag(CONSUMER_FETCHING)
            self.busy_since = None

    async def _add_gaps(self, tp: TP, last: int | None, recs: Sequence[Any]) -> None:
        # offsets that will never come (compaction, transaction markers) must not hold back
        # the commit: Faust records them as gaps, per message; the same, per fetch
        for record in recs:
            offset = record.offset
            if last and offset - last > 1:
                await self._add_gap(tp, last + 1, offset)
            last = offset

    async def _maybe_commit_every(self) -> None:
        commit_every = self._commit_every
        if commit_every is not None and self._n_acked >= commit_every:
            self._n_acked = 0
            await self.commit()


class BatchingTransport(aiokafka_driver.Transport):
    """Faust's aiokafka transport with the batching consumer."""

    Consumer = BatchingConsumer


class WorkerApp(faust.App):
    """A Faust app whose consumer hands the records of `batch_topics` to `batch_handler` a
    fetch at a time."""

    batch_topics: frozenset[str] = frozenset()
    batch_handler: BatchHandler | None = None
    batch_recovery: frozenset[str] = frozenset()  # changelogs recovered a fetch at a time
    #: awaited once, before the consumer, the tables or their stores start
    before_start: Callable[[], Awaitable[None]] | None = None

    def _new_transport(self) -> Any:
        return BatchingTransport(self.conf.broker_consumer, self)

    async def on_first_start(self) -> None:
        """Faust's first start, then `before_start`."""
        await super().on_first_start()
        if self.before_start is not None:
            await self.before_start()


async def send_raw(
    app: faust.App, topic: str, key: bytes | None, value: bytes, partition: int | None
) -> Any:
    """Send one record with the app's aiokafka producer, without Faust's per-message path;
    returns the future of its RecordMetadata."""
    producer = app.producer._ensure_producer()  # type: ignore[attr-defined]
    return await producer.send(topic, value=value, key=key, partition=partition)
