"""From classifications to the publication table: cells, tallies and rows."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from streams.domain.regions import NEDERLAND, ONBEKEND
from streams.domain.table import Column, RegionCounts, cell_of, publication_table, tally
from streams.domain.teldefinitie import Classification, ClientType, NotCounted
from tests.factories import (
    AMSTERDAM_REGIO,
    DAY,
    GEMEENTE,
    GRONINGEN,
    GRONINGEN_REGIO,
    UNKNOWN_GEMEENTE,
    UWV,
    classification_of,
    complete_profile_events,
    counted_client_events,
    indication,
    membership,
    regions,
    registration,
)

ALL_REGION_CODES = (
    [f"AM{n:02d}" for n in range(1, 4)]
    + [f"AM{n:02d}" for n in range(5, 16)]
    + [f"AM{n:02d}" for n in range(17, 31)]
    + [f"AM{n:02d}" for n in range(32, 39)]
)
CONTRACT_FIELDS = [
    "regio_code",
    "regio_naam",
    "gemeente_met_profiel",
    "gemeente_zonder_profiel",
    "uwv_met_profiel",
    "uwv_zonder_profiel",
    "totaal",
    "beschut_wsw",
    "as_of",
]


def counted(regio=AMSTERDAM_REGIO, client_type=ClientType.UWV, profiel=False):
    return Classification(True, None, regio, client_type, profiel, False)


def table(subtotals, as_of=DAY):
    return publication_table(subtotals, regions(), as_of)


def row(rows, code):
    (found,) = [r for r in rows if r.regio_code == code]
    return found


@pytest.mark.parametrize(
    ("client_type", "profiel", "column"),
    [
        (ClientType.GEMEENTE, True, Column.GEMEENTE_MET_PROFIEL),
        (ClientType.GEMEENTE, False, Column.GEMEENTE_ZONDER_PROFIEL),
        (ClientType.UWV, True, Column.UWV_MET_PROFIEL),
        (ClientType.UWV, False, Column.UWV_ZONDER_PROFIEL),
    ],
)
def test_a_counted_client_lands_in_the_column_of_its_type_and_profile(client_type, profiel, column):
    assert cell_of(counted(client_type=client_type, profiel=profiel)) == (AMSTERDAM_REGIO, column)


@pytest.mark.parametrize(
    ("owner", "with_profile", "column"),
    [
        (GEMEENTE, True, Column.GEMEENTE_MET_PROFIEL),
        (GEMEENTE, False, Column.GEMEENTE_ZONDER_PROFIEL),
        (UWV, True, Column.UWV_MET_PROFIEL),
        (UWV, False, Column.UWV_ZONDER_PROFIEL),
    ],
)
def test_a_clients_events_decide_its_cell(owner, with_profile, column):
    events = counted_client_events(owner=owner, with_profile=with_profile)
    assert cell_of(classification_of(events)) == (AMSTERDAM_REGIO, column)


def test_a_client_who_is_not_counted_is_in_no_cell():
    result = classification_of([registration(), indication()])
    assert cell_of(result) is None


def test_a_beschut_wsw_client_is_in_the_beschut_column_of_its_region():
    result = classification_of(
        [
            registration(gemeente=GRONINGEN),
            indication(),
            membership(banenafspraak=False, beschut=True),
        ]
    )
    assert cell_of(result) == (GRONINGEN_REGIO, Column.BESCHUT_WSW)


def test_a_not_counted_classification_with_a_client_type_is_still_in_no_cell():
    result = Classification(
        False, NotCounted.GEEN_VINKJE_BANENAFSPRAAK, AMSTERDAM_REGIO, ClientType.UWV, True, False
    )
    assert cell_of(result) is None


def test_tally_counts_classifications_per_cell():
    classifications = [
        counted(),
        counted(),
        counted(profiel=True),
        counted(regio=GRONINGEN_REGIO, client_type=ClientType.GEMEENTE),
        Classification(False, NotCounted.NIET_INGESCHREVEN, AMSTERDAM_REGIO, None, False, False),
    ]
    assert tally(classifications) == Counter(
        {
            (AMSTERDAM_REGIO, Column.UWV_ZONDER_PROFIEL): 2,
            (AMSTERDAM_REGIO, Column.UWV_MET_PROFIEL): 1,
            (GRONINGEN_REGIO, Column.GEMEENTE_ZONDER_PROFIEL): 1,
        }
    )


def test_a_client_with_both_kinds_of_indication_counts_once_in_one_column():
    events = [
        registration(),
        indication(indication_id="g", owner=GEMEENTE),
        indication(indication_id="u", owner=UWV),
        membership(),
        *complete_profile_events(),
    ]
    rows = table(tally([classification_of(events)]))
    nederland = row(rows, NEDERLAND)
    assert nederland.totaal == 1
    assert nederland.uwv_met_profiel == 1
    assert nederland.gemeente_met_profiel == 0


def test_all_35_regions_appear_in_code_order_with_zeros():
    rows = table(Counter())
    assert [r.regio_code for r in rows] == [*ALL_REGION_CODES, NEDERLAND]
    for r in rows:
        assert (r.gemeente_met_profiel, r.gemeente_zonder_profiel) == (0, 0)
        assert (r.uwv_met_profiel, r.uwv_zonder_profiel, r.totaal, r.beschut_wsw) == (0, 0, 0, 0)


def test_nederland_is_the_last_row_and_named_nederland():
    rows = table({(AMSTERDAM_REGIO, Column.UWV_MET_PROFIEL): 3})
    assert rows[-1].regio_code == NEDERLAND
    assert rows[-1].regio_naam == "Nederland"


def test_region_rows_carry_the_cbs_region_names():
    rows = table(Counter())
    assert row(rows, AMSTERDAM_REGIO).regio_naam == "Groot Amsterdam"
    assert row(rows, "AM17").regio_naam == "Zaanstreek/Waterland"


def test_totaal_is_the_sum_of_the_four_columns():
    subtotals = {
        (AMSTERDAM_REGIO, Column.GEMEENTE_MET_PROFIEL): 1,
        (AMSTERDAM_REGIO, Column.GEMEENTE_ZONDER_PROFIEL): 20,
        (AMSTERDAM_REGIO, Column.UWV_MET_PROFIEL): 300,
        (AMSTERDAM_REGIO, Column.UWV_ZONDER_PROFIEL): 4000,
    }
    assert row(table(subtotals), AMSTERDAM_REGIO).totaal == 4321


def test_beschut_wsw_is_shown_but_not_part_of_totaal():
    subtotals = {
        (AMSTERDAM_REGIO, Column.UWV_MET_PROFIEL): 2,
        (AMSTERDAM_REGIO, Column.BESCHUT_WSW): 5,
    }
    amsterdam = row(table(subtotals), AMSTERDAM_REGIO)
    assert amsterdam.beschut_wsw == 5
    assert amsterdam.totaal == 2


def test_the_nederland_row_sums_the_regions():
    subtotals = {
        (AMSTERDAM_REGIO, Column.GEMEENTE_MET_PROFIEL): 1,
        (AMSTERDAM_REGIO, Column.UWV_ZONDER_PROFIEL): 2,
        (GRONINGEN_REGIO, Column.GEMEENTE_ZONDER_PROFIEL): 3,
        (GRONINGEN_REGIO, Column.UWV_MET_PROFIEL): 4,
        ("AM38", Column.BESCHUT_WSW): 5,
        (ONBEKEND, Column.UWV_MET_PROFIEL): 6,
    }
    rows = table(subtotals)
    regional = rows[:-1]
    nederland = rows[-1]
    for field in CONTRACT_FIELDS[2:8]:
        assert getattr(nederland, field) == sum(getattr(r, field) for r in regional), field
    assert nederland.totaal == 16
    assert nederland.beschut_wsw == 5


def test_the_published_nederland_row_adds_up_to_its_total():
    # "Transparantie klantprofielen": 12.032 + 65.237 + 88.787 + 26.982 = 193.038
    subtotals = {
        ("AM01", Column.GEMEENTE_MET_PROFIEL): 12_000,
        ("AM02", Column.GEMEENTE_MET_PROFIEL): 32,
        ("AM01", Column.GEMEENTE_ZONDER_PROFIEL): 65_237,
        ("AM36", Column.UWV_MET_PROFIEL): 88_787,
        ("AM38", Column.UWV_ZONDER_PROFIEL): 26_982,
    }
    nederland = table(subtotals)[-1]
    assert (
        nederland.gemeente_met_profiel,
        nederland.gemeente_zonder_profiel,
        nederland.uwv_met_profiel,
        nederland.uwv_zonder_profiel,
        nederland.totaal,
    ) == (12_032, 65_237, 88_787, 26_982, 193_038)


def test_onbekend_appears_only_when_non_zero():
    assert ONBEKEND not in [r.regio_code for r in table(Counter())]
    assert ONBEKEND not in [r.regio_code for r in table({(ONBEKEND, Column.UWV_MET_PROFIEL): 0})]
    rows = table({(ONBEKEND, Column.UWV_MET_PROFIEL): 1})
    assert [r.regio_code for r in rows[-2:]] == [ONBEKEND, NEDERLAND]
    assert rows[-2].regio_naam == "Onbekend"


def test_an_unknown_municipality_counts_for_nederland_under_onbekend():
    known = classification_of(counted_client_events(client="K1"))
    unknown = classification_of(counted_client_events(client="K2", gemeente=UNKNOWN_GEMEENTE))
    missing = classification_of(counted_client_events(client="K3", gemeente=None))
    rows = table(tally([known, unknown, missing]))
    assert row(rows, ONBEKEND).totaal == 2
    assert row(rows, AMSTERDAM_REGIO).totaal == 1
    assert row(rows, NEDERLAND).totaal == 3


def test_every_row_carries_the_as_of_day():
    as_of = date(2026, 7, 1)
    rows = table({(ONBEKEND, Column.BESCHUT_WSW): 1}, as_of=as_of)
    assert {r.as_of for r in rows} == {as_of}


def test_a_row_as_json_has_exactly_the_contract_field_names():
    data = table(Counter())[-1].to_json()
    assert list(data) == CONTRACT_FIELDS
    assert data["as_of"] == DAY.isoformat()


def test_the_row_type_has_the_contract_fields_in_order():
    assert list(RegionCounts.__dataclass_fields__) == CONTRACT_FIELDS
