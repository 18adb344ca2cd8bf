"""The parts of one worker process that live beside the Faust app (made in streams/engine/app.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.domain import Regions
from streams.engine.metrics import Metrics
from streams.kafka.countsview import CountsView
from streams.kafka.history import HistoryView
from streams.service.aggregation import Aggregator
from streams.service.clock import Clock
from streams.service.daybook import Daybook
from streams.service.runtime import Runtime
from streams.service.schemas import SchemaGate
from streams.service.watchdog import Health
from streams.settings import Settings


@dataclass(frozen=True)
class Worker:
    """The parts of one worker process that live beside the Faust app."""

    settings: Settings
    regions: Regions
    clock: Clock
    metrics: Metrics
    runtime: Runtime
    aggregator: Aggregator
    counts_view: CountsView
    schemas: SchemaGate  # writer schemas before decoding, ours registered before writing
    daybook: Daybook
    history_view: HistoryView
    health: Health = field(default_factory=Health)
