"""What the worker's consumer knows of its partitions, for the watchdog (streams/service/watchdog.py).

aiokafka keeps, per assigned partition, the position it hands over next, the end offset of
the last fetch response and when that response came; Faust's own slow-processing warnings read
the same state. The aiokafka consumer runs in Faust's consumer thread: these are reads of
plain attributes, safe from the app's thread.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import faust

from streams.service.watchdog import ConsumerView, PartitionFetch, TopicPartition


def _assignment(app: faust.App) -> Any:
    """aiokafka's current Assignment, or None (not started, no subscription, rebalancing)."""
    try:
        consumer = app.consumer._thread._ensure_consumer()  # type: ignore[attr-defined]
    except Exception:  # the consumer thread is not started yet
        return None
    subscription = consumer._subscription.subscription
    if subscription is None:
        return None
    assignment = subscription.assignment
    return assignment if assignment is not None and assignment.active else None


def consumer_view(app: faust.App, topics: Collection[str]) -> ConsumerView:
    """The consumer now: rebalance state, its partitions of `topics`, and when it last read
    and processed (BatchingConsumer's `delivered_at` and `busy_since`)."""
    partitions: dict[TopicPartition, PartitionFetch] = {}
    assignment = _assignment(app)
    if assignment is not None:
        for tp in assignment.tps:
            if tp.topic not in topics:
                continue
            state = assignment.state_value(tp)
            if state is None:
                continue
            partitions[(tp.topic, tp.partition)] = PartitionFetch(
                position=state.position if state.has_valid_position else None,
                highwater=state.highwater,
                fetched_at=state.timestamp / 1000 if state.timestamp else None,
            )
    consumer = app.consumer
    return ConsumerView(
        rebalances=app.rebalancing_count,
        rebalancing=app.rebalancing,
        partitions=partitions,
        busy_since=getattr(consumer, "busy_since", None),
        delivered_at=getattr(consumer, "delivered_at", None),
    )
