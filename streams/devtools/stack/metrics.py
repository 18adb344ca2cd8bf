"""Reading a worker's /metrics (Prometheus text format) with prometheus_client's parser."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample


def samples(text: str, name: str) -> list[Sample]:
    """Every sample called exactly `name` (e.g. `transparantie_events_total`, or a histogram's
    `..._bucket`), whatever its labels."""
    return [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def total(text: str, name: str) -> float:
    """The sum of every sample called `name` (0 when there is none)."""
    return sum(sample.value for sample in samples(text, name))


def histogram(text: str, name: str) -> dict[float, float]:
    """The cumulative bucket counts of an unlabelled histogram: upper bound -> count."""
    return {float(s.labels["le"]): s.value for s in samples(text, f"{name}_bucket")}
