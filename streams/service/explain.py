"""`GET /explain/{client_id}`: why one client does or does not count (personal data: guarded).

Off by default (404, as if the route did not exist). When TRANSPARANTIE_EXPLAIN_ENABLED is
true the worker refuses to start without TRANSPARANTIE_EXPLAIN_TOKEN, and every request
needs `Authorization: Bearer <token>` (401 otherwise; compared in constant time). A worker
answers only for clients of the input partitions it owns (its table partitions are local);
for any other client it answers 404 with a hint, without asking other workers.

The answer is the teldefinitie applied to the client's stored state on the day of counting
(`streams.domain.classify` and `next_change`); no profile values, dates or ids besides the
one asked for. Nothing here logs.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection
from datetime import date
from typing import Any

from streams.domain import Regions, classify, next_change
from streams.domain.validation import MAX_ID_LENGTH
from streams.service.clock import Clock
from streams.service.ports import StoredClient
from streams.service.reference import load_regions
from streams.settings import Settings

#: The shortest token accepted: a guessable token would make the endpoint a leak.
MIN_TOKEN_LENGTH = 16

Answer = tuple[int, dict[str, Any]]


class NotOnThisWorker(Exception):
    """The client's partition is owned by another worker (or by none, during a rebalance)."""

    def __init__(self, partition: int) -> None:
        super().__init__(partition)
        self.partition = partition


class NotReady(Exception):
    """The worker is recovering its state; its answers would be wrong."""


#: client_id bytes -> the stored client (None when unknown on this worker's partitions);
#: raises NotOnThisWorker or NotReady.
Getter = Callable[[bytes], StoredClient | None]


def check_settings(settings: Settings) -> None:
    """Refuse to enable the endpoint without a token of at least MIN_TOKEN_LENGTH characters."""
    if not settings.explain_enabled:
        return
    token = settings.explain_token.get_secret_value() if settings.explain_token else ""
    if len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(
            "TRANSPARANTIE_EXPLAIN_ENABLED is true but TRANSPARANTIE_EXPLAIN_TOKEN is not set "
            f"or shorter than {MIN_TOKEN_LENGTH} characters: refusing to serve /explain"
        )


def authorized(settings: Settings, authorization: str | None) -> bool:
    """True when the Authorization header carries the configured bearer token."""
    if settings.explain_token is None or not authorization:
        return False
    scheme, _, given = authorization.strip().partition(" ")
    expected = settings.explain_token.get_secret_value()
    if scheme.lower() != "bearer" or not expected:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def table_getter(
    read: Callable[[int, bytes], StoredClient | None],
    owned: Callable[[], Collection[int]],
    partition_of: Callable[[bytes], int],
    ready: Callable[[], bool],
) -> Getter:
    """A getter over the worker's client table (`read(partition, key)`) that answers only for
    the partitions this worker owns now (`partition_of(key)`: where Kafka puts the key)."""

    def get(key: bytes) -> StoredClient | None:
        if not ready():
            raise NotReady()
        mine = owned()
        partition = partition_of(key)
        if partition not in mine:
            raise NotOnThisWorker(partition)
        stored = read(partition, key)
        if not isinstance(stored, StoredClient) or stored.partition not in mine:
            return None
        return stored

    return get


def explain(
    client_id: str,
    authorization: str | None,
    get: Getter,
    settings: Settings,
    regions: Regions | None = None,
    day: date | None = None,
) -> Answer:
    """(HTTP status, JSON body) for one request; the body never holds other clients' data."""
    if not settings.explain_enabled or settings.explain_token is None:
        return 404, {"error": "not found"}
    if not authorized(settings, authorization):
        return 401, {"error": "a valid 'Authorization: Bearer <token>' header is required"}
    if not client_id.strip() or len(client_id) > MAX_ID_LENGTH:
        return 400, {"error": f"client_id must have 1 to {MAX_ID_LENGTH} characters"}
    try:
        stored = get(client_id.encode())
    except NotReady:
        return 503, {"error": "this worker is recovering its state; ask again shortly"}
    except NotOnThisWorker as exc:
        return 404, {
            "error": "not on this worker",
            "partition": exc.partition,
            "hint": (
                f"the client's events are in input partition {exc.partition}, which another "
                "worker owns: ask the worker whose /metrics has "
                f'transparantie_consumer_lag_messages{{partition="{exc.partition}"}}'
            ),
        }
    if stored is None:
        return 404, {"error": "no such client in this worker's partitions"}
    regions = regions or load_regions()
    day = day or Clock(settings.as_of, settings.as_of_file).today()
    c = classify(stored.state, day, regions)
    change = next_change(stored.state, day)
    return 200, {
        "client_id": client_id,
        "as_of": day.isoformat(),
        "counted": c.counted,
        "not_counted_because": None if c.reason is None else c.reason.name,
        "not_counted_explanation": None if c.reason is None else c.reason.value,
        "regio_code": c.regio,
        "regio_naam": regions.name_of(c.regio),
        "client_type": None if c.client_type is None else c.client_type.value,
        "profiel": "ja" if c.profiel else "nee",
        "beschut_wsw": c.beschut_wsw,
        "next_change": None if change is None else change.isoformat(),
        "partition": stored.partition,
    }
