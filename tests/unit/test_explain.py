"""GET /explain/{client_id}: off by default, bearer token, local partitions, the teldefinitie."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import SecretStr

from streams.domain import (
    ClientRegistration,
    Indication,
    IndicationOwner,
    RegisterMembership,
    RegistrationStatus,
    fold,
)
from streams.domain.state import ClientState
from streams.kafka.partitioning import partition_of
from streams.service.explain import (
    MIN_TOKEN_LENGTH,
    Getter,
    NotOnThisWorker,
    NotReady,
    check_settings,
    explain,
    table_getter,
)
from streams.service.ports import StoredClient
from streams.service.reference import load_regions
from streams.settings import Settings

DAY = date(2026, 3, 16)
TOKEN = "s3cret-token-0123456789"
AUTH = f"Bearer {TOKEN}"
ON = Settings(explain_enabled=True, explain_token=SecretStr(TOKEN))
OFF = Settings()


def state(*, tick: bool = True, beschut: bool = False, end: date | None = None) -> ClientState:
    events = [
        ClientRegistration("K1", "e1", 1, RegistrationStatus.INGESCHREVEN, "GM0014"),
        Indication("K1", "e2", 2, "i1", IndicationOwner.UWV, "WAJONG", date(2025, 1, 1), end),
        RegisterMembership("K1", "e3", 3, "WAJONG", date(2024, 1, 1), None, beschut, tick),
    ]
    s: ClientState | None = None
    for event in events:
        s = fold(s, event)[0]
    assert s is not None
    return s


def getter(stored: StoredClient | None) -> Getter:
    return lambda key: stored if key == b"K1" else None


def ask(
    settings: Settings, auth: str | None, stored: StoredClient | None, cid: str = "K1"
) -> tuple[int, dict[str, Any]]:
    return explain(cid, auth, getter(stored), settings, load_regions(), DAY)


def test_off_by_default_answers_404_even_with_the_token() -> None:
    assert not OFF.explain_enabled
    status, body = ask(OFF, AUTH, StoredClient(0, state()))
    assert status == 404
    assert "K1" not in str(body)


BAD_AUTH = [None, "", "Bearer", "Bearer wrong-token-0123456789", f"Basic {TOKEN}", TOKEN]


@pytest.mark.parametrize("auth", [*BAD_AUTH, f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}"])
def test_without_the_right_bearer_token_401(auth: str | None) -> None:
    status, body = ask(ON, auth, StoredClient(0, state()))
    assert status == 401
    assert "K1" not in str(body)


def test_counted_client() -> None:
    status, body = ask(ON, AUTH, StoredClient(2, state()))
    assert status == 200
    assert body == {
        "client_id": "K1",
        "as_of": "2026-03-16",
        "counted": True,
        "not_counted_because": None,
        "not_counted_explanation": None,
        "regio_code": "AM01",
        "regio_naam": load_regions().name_of("AM01"),
        "client_type": "UWV",
        "profiel": "nee",
        "beschut_wsw": False,
        "next_change": None,
        "partition": 2,
    }


def test_the_first_failing_condition_beschut_and_next_change() -> None:
    stored = StoredClient(0, state(tick=False, beschut=True, end=date(2026, 5, 1)))
    status, body = ask(ON, "bearer " + TOKEN, stored)  # the scheme is case-insensitive
    assert status == 200
    assert body["counted"] is False
    assert body["not_counted_because"] == "GEEN_VINKJE_BANENAFSPRAAK"
    assert body["not_counted_explanation"].startswith("4:")
    assert body["beschut_wsw"] is True
    assert body["next_change"] == "2026-05-01"


def test_unknown_client_404() -> None:
    status, body = ask(ON, AUTH, None)
    assert status == 404 and "no such client" in body["error"]


def test_bad_client_id_400() -> None:
    assert ask(ON, AUTH, None, cid=" ")[0] == 400
    assert ask(ON, AUTH, None, cid="K" * 201)[0] == 400


def test_client_of_another_worker_404_with_a_hint() -> None:
    def elsewhere(key: bytes) -> StoredClient | None:
        raise NotOnThisWorker(3)

    status, body = explain("K1", AUTH, elsewhere, ON, load_regions(), DAY)
    assert status == 404
    assert body["error"] == "not on this worker" and body["partition"] == 3
    assert "partition" in body["hint"]


def test_recovering_worker_503() -> None:
    def recovering(key: bytes) -> StoredClient | None:
        raise NotReady()

    assert explain("K1", AUTH, recovering, ON, load_regions(), DAY)[0] == 503


def test_refuses_to_enable_without_a_good_token() -> None:
    check_settings(OFF)
    check_settings(ON)
    with pytest.raises(ValueError, match="EXPLAIN_TOKEN"):
        check_settings(Settings(explain_enabled=True))
    with pytest.raises(ValueError, match="EXPLAIN_TOKEN"):
        check_settings(
            Settings(explain_enabled=True, explain_token=SecretStr("x" * (MIN_TOKEN_LENGTH - 1)))
        )


def test_enabled_without_token_still_answers_404() -> None:
    # check_settings stops the worker first; this is the second line of defence
    settings = Settings(explain_enabled=True)
    assert ask(settings, "Bearer ", StoredClient(0, state()))[0] == 404


def test_partition_of_matches_the_java_default_partitioner() -> None:
    # murmur2 values from the Java client's tests (UtilsTest#testMurmur2), as positive ints
    for key, java in ((b"21", -973932308), (b"foobar", -790332482), (b"abc", 479470107)):
        assert partition_of(key, 1_000_003) == (java & 0x7FFFFFFF) % 1_000_003


class FakeTable(dict[bytes, StoredClient]):
    pass


def test_table_getter_answers_only_for_owned_partitions() -> None:
    key = b"K1"
    home = partition_of(key, 4)
    table = FakeTable({key: StoredClient(home, state())})
    owned = {home}
    ready = [True]
    get = table_getter(
        lambda partition, key: table.get(key),
        lambda: owned,
        lambda k: partition_of(k, 4),
        lambda: ready[0],
    )
    assert get(key) == table[key]
    other = next(k for k in (b"K2", b"K3", b"K4", b"K5", b"K6") if partition_of(k, 4) != home)
    with pytest.raises(NotOnThisWorker) as exc:
        get(other)
    assert exc.value.partition == partition_of(other, 4)
    owned.add(partition_of(other, 4))
    assert get(other) is None
    ready[0] = False
    with pytest.raises(NotReady):
        get(key)
