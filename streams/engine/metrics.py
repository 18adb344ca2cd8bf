"""Prometheus metrics of a worker (names and meaning: docs/metrics.md). No client ids in labels.

`Metrics` is the service layer's `WorkerMetrics` and `RegistryMetrics` ports
(streams/service/ports.py)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

from streams.domain import Cell, Column, RegionCounts

_LABELS_OF_COLUMN: Mapping[Column, tuple[str, str]] = {
    Column.GEMEENTE_MET_PROFIEL: ("gemeente", "ja"),
    Column.GEMEENTE_ZONDER_PROFIEL: ("gemeente", "nee"),
    Column.UWV_MET_PROFIEL: ("uwv", "ja"),
    Column.UWV_ZONDER_PROFIEL: ("uwv", "nee"),
}

# Event-to-update latency: sub-second is the target, so most buckets sit below 1 s;
# the long tail (recovery, catch-up after an outage) still lands in a bucket up to 10 min.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 15.0, 60.0, 600.0)


class Metrics:
    """All metrics of one worker, in one registry (Faust's sensors are added to it too)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.clients = Gauge(
            "transparantie_clients",
            "Counted clients per cell, from one input partition owned by this worker.",
            ["regio", "client_type", "profiel", "partition"], registry=r,
        )  # fmt: skip
        self.beschut = Gauge(
            "transparantie_beschut_wsw",
            "Clients meeting conditions 1-3 who lack only the tick (beschut werkend in de WSW).",
            ["regio", "partition"], registry=r,
        )  # fmt: skip
        self.region_clients = Gauge(
            "transparantie_region_clients",
            "Counted clients per cell summed over all partitions (exported by the aggregator owner).",
            ["regio", "client_type", "profiel"], registry=r,
        )  # fmt: skip
        self.region_coverage = Gauge(
            "transparantie_region_profile_coverage_ratio",
            "Share of counted clients with a profile, per region and client type.",
            ["regio", "client_type"], registry=r,
        )  # fmt: skip
        self.events = Counter(
            "transparantie_events", "Input events by outcome.", ["topic", "outcome"], registry=r
        )
        self.dead_letters = Counter(
            "transparantie_dead_letters",
            "Messages sent to the dead-letter topic.", ["topic", "error_class"], registry=r,
        )  # fmt: skip
        self.unknown_gemeente = Counter(
            "transparantie_unknown_gemeente_events",
            "Applied registrations with a null or unknown gemeentecode.", ["topic"], registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "transparantie_event_to_update_seconds",
            "From an input message's timestamp to its effect in this worker's subtotals.",
            buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.last_applied = Gauge(
            "transparantie_last_applied_event_timestamp_seconds",
            "Unix time at which this worker last applied an event.", registry=r,
        )  # fmt: skip
        self.lag = Gauge(
            "transparantie_consumer_lag_messages",
            "End offset minus position, per owned input partition.", ["topic", "partition"], registry=r,
        )  # fmt: skip
        self.ready = Gauge(
            "transparantie_ready",
            "1 when state recovery is done and counts are correct.",
            registry=r,
        )
        self.registry_available = Gauge(
            "transparantie_schema_registry_available",
            "0 while input waits for the schema registry (down, slow, failing), 1 otherwise.",
            registry=r,
        )
        self.registry_failures = Counter(
            "transparantie_schema_registry_failures",
            "Attempts to fetch or register a schema that the registry could not answer.",
            registry=r,
        )
        self.group_lag = Gauge(
            "transparantie_group_lag_messages",
            "The whole consumer group's lag: end offset minus committed offset (every worker).",
            ["topic", "partition"], registry=r,
        )  # fmt: skip
        self.group_lag_read = Gauge(
            "transparantie_group_lag_read_timestamp_seconds",
            "Unix time of the last successful read of the group's lag.", registry=r,
        )  # fmt: skip
        ProcessCollector(registry=r)  # process_resident_memory_bytes for the memory alert

    def record_batch(
        self,
        outcomes: Mapping[tuple[str, str], int],
        rejections: Mapping[tuple[str, str], int],
        unknown_gemeente: Mapping[str, int],
        latencies: Sequence[float],
        applied_at: float | None,
    ) -> None:
        """The counters and the latency histogram of one batch (one increment per series)."""
        for (topic, outcome), n in outcomes.items():
            self.events.labels(topic, outcome).inc(n)
        for (topic, error_class), n in rejections.items():
            self.dead_letters.labels(topic, error_class).inc(n)
        for topic, n in unknown_gemeente.items():
            self.unknown_gemeente.labels(topic).inc(n)
        if applied_at is not None:
            self.last_applied.set(applied_at)
        if latencies:
            observe_all(self.latency, latencies)

    def set_ready(self, ready: bool) -> None:
        """1 when the state is recovered and the counts are correct."""
        self.ready.set(1 if ready else 0)

    def set_schema_registry_available(self, available: bool) -> None:
        """0 while input waits for the schema registry."""
        self.registry_available.set(1 if available else 0)

    def count_schema_registry_failure(self) -> None:
        """One attempt that the registry could not answer."""
        self.registry_failures.inc()

    def set_group_lag(self, lags: Iterable[tuple[str, int, int]], read_at: float) -> None:
        """The group's lag, (topic, partition, messages) for every consumed partition."""
        self.group_lag.clear()  # partitions of a topic that is gone do not linger
        for topic, partition, messages in lags:
            self.group_lag.labels(topic, str(partition)).set(messages)
        self.group_lag_read.set(read_at)

    def forget_group_lag(self) -> None:
        """No lag known now (it could not be read): no series rather than stale ones."""
        self.group_lag.clear()

    def set_partition_cells(self, partition: int, cells: Mapping[Cell, int]) -> None:
        """Export one partition's subtotals (every cell given, zeros included)."""
        p = str(partition)
        for (regio, column), count in cells.items():
            if column is Column.BESCHUT_WSW:
                self.beschut.labels(regio, p).set(count)
            else:
                client_type, profiel = _LABELS_OF_COLUMN[column]
                self.clients.labels(regio, client_type, profiel, p).set(count)

    def forget_partitions(self, partitions: Iterable[int]) -> None:
        """Remove every series derived from partitions this worker no longer owns."""
        gone = {str(p) for p in partitions}
        for gauge, names in (
            (self.clients, ("regio", "client_type", "profiel", "partition")),
            (self.beschut, ("regio", "partition")),
            (self.lag, ("topic", "partition")),
        ):
            series = {
                tuple(sample.labels[n] for n in names)
                for family in gauge.collect()
                for sample in family.samples
                if sample.labels.get("partition") in gone
            }
            for labels in series:
                gauge.remove(*labels)

    def set_region_rows(self, rows: Iterable[RegionCounts]) -> None:
        """Export the aggregated table (owner of the aggregator only)."""
        for row in rows:
            for column, (client_type, profiel) in _LABELS_OF_COLUMN.items():
                self.region_clients.labels(row.regio_code, client_type, profiel).set(
                    getattr(row, column.value)
                )
            for client_type, met, zonder in (
                ("uwv", row.uwv_met_profiel, row.uwv_zonder_profiel),
                ("gemeente", row.gemeente_met_profiel, row.gemeente_zonder_profiel),
            ):
                coverage = met / (met + zonder) if met + zonder else 0.0
                self.region_coverage.labels(row.regio_code, client_type).set(coverage)

    def forget_regions(self) -> None:
        """Remove the aggregated series (this worker no longer owns the aggregator)."""
        self.region_clients.clear()
        self.region_coverage.clear()


def observe_all(histogram: Histogram, values: Sequence[float]) -> None:
    """`histogram.observe` for many values: one increment per bucket (prometheus_client keeps
    a histogram's buckets uncumulated, each behind a lock), one at a time when the
    client library keeps them otherwise."""
    bounds = getattr(histogram, "_upper_bounds", None)
    buckets = getattr(histogram, "_buckets", None)
    total = getattr(histogram, "_sum", None)
    if bounds is None or buckets is None or total is None or len(bounds) != len(buckets):
        for value in values:
            histogram.observe(value)
        return
    counts = [0] * len(bounds)
    for value in values:
        counts[bisect_left(bounds, value)] += 1  # the first bound >= value, as observe()
    for bucket, n in zip(buckets, counts, strict=True):
        if n:
            bucket.inc(n)
    total.inc(sum(values))
