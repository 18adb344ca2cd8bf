"""How the live topics differ from the topic specs: pure, the admin I/O is in topicadmin.py.

Compared per topic: the partition count, the replication factor, and the configurations of
CHECKED_CONFIGS. A configuration the spec names must have that value (wherever the cluster
takes it from); one the spec does not name must not be overridden on the topic. `topics apply`
fixes configurations; the partition count and the replication factor are decisions for a
person (each drift says what to do).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from streams.kafka.topics import CHECKED_CONFIGS, TopicSpec

#: What to do about a partition count that differs: a spec change, or new topics.
PARTITIONS_ADVICE = (
    "`topics apply` never changes it: set TRANSPARANTIE_PARTITIONS to the live count when that"
    " is the intent, or move to new topics (docs/operations.md, Scaling); adding partitions to"
    " an input or changelog topic moves clients away from their state"
)
REPLICATION_ADVICE = (
    "`topics apply` never changes it: reassign the replicas with kafka-reassign-partitions.sh,"
    " or set TRANSPARANTIE_REPLICATION_FACTOR to the live factor"
)


@dataclass(frozen=True)
class LiveConfig:
    """One configuration of a live topic: its value, and whether it is set on the topic itself
    (rather than taken from the broker's or the cluster's default)."""

    value: str | None
    on_topic: bool


@dataclass(frozen=True)
class LiveTopic:
    """A topic as the cluster describes it."""

    name: str
    partitions: int
    replication_factors: frozenset[int]  # the replica count of each partition
    configs: Mapping[str, LiveConfig]


@dataclass(frozen=True)
class Drift:
    """One difference between a live topic and its spec. `expected` None: the cluster's
    default. `fixable`: `topics apply` sets (or, for None, removes) the configuration."""

    topic: str
    item: str  # "missing", "partitions", "replication factor" or a configuration name
    live: str | None
    expected: str | None
    fixable: bool
    advice: str = ""

    def line(self) -> str:
        """The drift in one line, with what to do when `topics apply` does not fix it."""
        if self.item == "missing":
            return f"{self.topic}: missing; {self.advice}"
        if self.item in ("partitions", "replication factor"):
            return (
                f"{self.topic}: {self.item} {self.live}, the spec says {self.expected}; "
                f"{self.advice}"
            )
        if self.expected is None:
            return (
                f"{self.topic}: {self.item} is {self.live} (set on the topic), the spec leaves"
                " it at the cluster's default"
            )
        return f"{self.topic}: {self.item} is {self.live}, the spec says {self.expected}"


def same_value(item: str, live: str | None, expected: str) -> bool:
    """Whether a live value is the expected one (cleanup.policy is a set: compact,delete)."""
    if live is None:
        return False
    if item == "cleanup.policy":
        return set(live.replace(" ", "").split(",")) == set(expected.split(","))
    return live == expected


def compare(
    specs: Iterable[TopicSpec], live: Mapping[str, LiveTopic], replication_factor: int
) -> list[Drift]:
    """Every drift of the live topics from the specs, in the specs' order."""
    drifts: list[Drift] = []
    for spec in specs:
        topic = live.get(spec.name)
        if topic is None:
            drifts.append(
                Drift(spec.name, "missing", None, None, False, "run `transparantie topics create`")
            )
            continue
        if topic.partitions != spec.partitions:
            drifts.append(
                Drift(spec.name, "partitions", str(topic.partitions), str(spec.partitions),
                      False, PARTITIONS_ADVICE)
            )  # fmt: skip
        if topic.replication_factors != {replication_factor}:
            factors = ",".join(str(f) for f in sorted(topic.replication_factors))
            drifts.append(
                Drift(spec.name, "replication factor", factors, str(replication_factor),
                      False, REPLICATION_ADVICE)
            )  # fmt: skip
        drifts.extend(config_drifts(spec, topic))
    return drifts


def config_drifts(spec: TopicSpec, topic: LiveTopic) -> list[Drift]:
    """The checked configurations of one topic that differ from its spec."""
    drifts = []
    for item in CHECKED_CONFIGS:
        found = topic.configs.get(item, LiveConfig(None, False))
        expected = spec.config.get(item)
        if expected is None:
            if found.on_topic:
                drifts.append(Drift(spec.name, item, found.value, None, True))
        elif not same_value(item, found.value, expected):
            drifts.append(Drift(spec.name, item, found.value, expected, True))
    return drifts
