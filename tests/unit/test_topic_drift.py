"""`topics check`: the live topics against the specs, one drift per line (no broker here; the
real one is in tests/integration/test_topics_check.py)."""

from __future__ import annotations

from streams.kafka.topicdrift import LiveConfig, LiveTopic, compare, same_value
from streams.kafka.topics import CHECKED_CONFIGS, min_in_sync_replicas, topic_specs
from streams.settings import Settings

SETTINGS = Settings(partitions=4, replication_factor=3)
SPECS = topic_specs(SETTINGS)


def as_created(rf: int = 3) -> dict[str, LiveTopic]:
    """Every topic exactly as `topics create` makes it: the spec's configs set on the topic,
    the others at the cluster's defaults."""
    defaults = {"cleanup.policy": "delete", "retention.ms": "604800000",
                "segment.bytes": "1073741824", "min.insync.replicas": "1"}  # fmt: skip
    live = {}
    for s in SPECS:
        configs = {
            k: LiveConfig(s.config.get(k, defaults[k]), k in s.config) for k in CHECKED_CONFIGS
        }
        live[s.name] = LiveTopic(s.name, s.partitions, frozenset({rf}), configs)
    return live


def changed(live: dict[str, LiveTopic], name: str, **values: tuple[str, bool]) -> None:
    topic = live[name]
    configs = {**topic.configs, **{k.replace("_", "."): LiveConfig(*v) for k, v in values.items()}}
    live[name] = LiveTopic(name, topic.partitions, topic.replication_factors, configs)


def lines(live: dict[str, LiveTopic]) -> list[str]:
    return [d.line() for d in compare(SPECS, live, replication_factor=3)]


def test_topics_as_created_have_no_drift():
    assert compare(SPECS, as_created(), replication_factor=3) == []


def test_a_compacted_input_topic_is_a_drift_that_apply_fixes():
    live = as_created()
    changed(live, "transparantie.indications", cleanup_policy=("compact", True))
    (drift,) = compare(SPECS, live, 3)
    assert drift.line() == (
        "transparantie.indications: cleanup.policy is compact, the spec says delete"
    )
    assert drift.fixable and drift.expected == "delete"


def test_a_retention_set_on_a_topic_whose_spec_leaves_it_is_a_drift_to_remove():
    live = as_created()
    changed(live, "transparantie.region-counts", retention_ms=("3600000", True))
    (drift,) = compare(SPECS, live, 3)
    assert drift.line() == (
        "transparantie.region-counts: retention.ms is 3600000 (set on the topic), the spec"
        " leaves it at the cluster's default"
    )
    assert drift.fixable and drift.expected is None


def test_a_value_the_spec_names_counts_wherever_the_cluster_takes_it_from():
    live = as_created()
    # a topic made before the spec named cleanup.policy: delete by the broker's default
    changed(live, "transparantie.indications", cleanup_policy=("delete", False))
    assert lines(live) == []


def test_the_changelogs_segment_size_and_the_min_isr_are_checked():
    live = as_created()
    changed(live, "transparantie-clients-changelog", segment_bytes=("1073741824", False))
    changed(live, "transparantie.dead-letters", min_insync_replicas=("1", False))
    assert lines(live) == [
        "transparantie-clients-changelog: segment.bytes is 1073741824, the spec says 16777216",
        "transparantie.dead-letters: min.insync.replicas is 1, the spec says 2",
    ]


def test_a_partition_count_drift_is_reported_with_what_to_do_and_never_fixed():
    live = as_created()
    t = live["transparantie.indications"]
    live[t.name] = LiveTopic(t.name, 6, t.replication_factors, t.configs)
    (drift,) = compare(SPECS, live, 3)
    assert not drift.fixable
    assert drift.line().startswith(
        "transparantie.indications: partitions 6, the spec says 4; `topics apply` never changes"
        " it: set TRANSPARANTIE_PARTITIONS"
    )


def test_a_replication_factor_drift_is_reported_and_never_fixed():
    live = as_created(rf=1)
    drifts = compare(SPECS, live, 3)
    assert len(drifts) == len(SPECS)
    assert all(d.item == "replication factor" and not d.fixable for d in drifts)
    assert "kafka-reassign-partitions.sh" in drifts[0].line()


def test_a_missing_topic_says_to_create_it():
    live = as_created()
    del live["transparantie.region-counts"]
    assert lines(live) == [
        "transparantie.region-counts: missing; run `transparantie topics create`"
    ]


def test_cleanup_policy_is_compared_as_a_set():
    assert same_value("cleanup.policy", "delete, compact", "compact,delete")
    assert not same_value("cleanup.policy", "compact", "compact,delete")
    assert not same_value("retention.ms", None, "-1")


def test_every_spec_asks_two_in_sync_replicas_of_three_and_one_of_one():
    assert [min_in_sync_replicas(rf) for rf in (1, 2, 3, 5)] == ["1", "1", "2", "2"]
    assert {s.config["min.insync.replicas"] for s in SPECS} == {"2"}


def test_input_topics_keep_their_events_for_ever_and_are_never_compacted():
    inputs = [s for s in SPECS if s.name in SETTINGS.event_topics()]
    assert len(inputs) == 4
    assert all(s.config["cleanup.policy"] == "delete" for s in inputs)
    assert all(s.config["retention.ms"] == "-1" for s in inputs)
