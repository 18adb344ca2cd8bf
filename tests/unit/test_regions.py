"""The reference data: CBS 2026 municipalities and their arbeidsmarktregio."""

from __future__ import annotations

import pytest

from streams.domain.regions import NEDERLAND, ONBEKEND, Regions
from streams.service.reference import load_regions, parse_regions
from tests.factories import AMSTERDAM, AMSTERDAM_REGIO, GRONINGEN, GRONINGEN_REGIO, UNKNOWN_GEMEENTE

EXPECTED_REGION_CODES = (
    [f"AM{n:02d}" for n in range(1, 4)]
    + [f"AM{n:02d}" for n in range(5, 16)]
    + [f"AM{n:02d}" for n in range(17, 31)]
    + [f"AM{n:02d}" for n in range(32, 39)]
)


def test_there_are_342_municipalities():
    assert len(load_regions().region_of_gemeente) == 342


def test_every_municipality_code_is_a_cbs_gm_code():
    assert all(
        code.startswith("GM") and len(code) == 6 and code[2:].isdigit()
        for code in load_regions().region_of_gemeente
    )


def test_there_are_35_regions():
    assert len(load_regions().region_names) == 35


def test_the_region_codes_are_am01_to_am38_without_am04_am16_and_am31():
    codes = load_regions().codes_in_order
    assert list(codes) == EXPECTED_REGION_CODES
    assert not {"AM04", "AM16", "AM31"} & set(codes)


def test_the_regions_are_in_code_order():
    codes = load_regions().codes_in_order
    assert list(codes) == sorted(codes)


def test_every_municipality_belongs_to_a_known_region_and_every_region_has_one():
    regions = load_regions()
    used = set(regions.region_of_gemeente.values())
    assert used == set(regions.region_names)


def test_every_region_has_a_name():
    assert all(name.strip() for name in load_regions().region_names.values())


@pytest.mark.parametrize(
    ("gemeente", "regio", "naam"),
    [
        (AMSTERDAM, AMSTERDAM_REGIO, "Groot Amsterdam"),
        (GRONINGEN, GRONINGEN_REGIO, "Groningen"),
        ("GM0599", "AM22", "Rijnmond"),
        ("GM0518", "AM21", "Haaglanden"),
        ("GM0344", "AM13", "Midden-Utrecht"),
    ],
)
def test_a_municipality_maps_to_its_cbs_region(gemeente, regio, naam):
    regions = load_regions()
    assert regions.region_of(gemeente) == regio
    assert regions.name_of(regio) == naam


def test_region_names_are_spelled_as_cbs_writes_them():
    names = set(load_regions().region_names.values())
    assert {"Zaanstreek/Waterland", "FoodValley", "Regio Zwolle", "Veluwe Stedendriehoek"} <= names


@pytest.mark.parametrize("gemeente", [UNKNOWN_GEMEENTE, None, "", "0363", "Amsterdam", "AM18"])
def test_an_unknown_null_or_malformed_municipality_is_onbekend(gemeente):
    assert load_regions().region_of(gemeente) == ONBEKEND


@pytest.mark.parametrize("gemeente", ["gm0363", " GM0363", "GM0363\n", " gM0363 "])
def test_a_code_is_matched_regardless_of_case_and_surrounding_space(gemeente):
    assert load_regions().region_of(gemeente) == AMSTERDAM_REGIO


def test_onbekend_and_nederland_have_display_names():
    regions = load_regions()
    assert regions.name_of(ONBEKEND) == "Onbekend"
    assert regions.name_of(NEDERLAND) == "Nederland"


def test_onbekend_and_nederland_are_not_region_codes():
    codes = load_regions().codes_in_order
    assert ONBEKEND not in codes
    assert NEDERLAND not in codes


def test_the_reference_data_is_read_once():
    assert load_regions() is load_regions()


def test_parse_regions_reads_the_cbs_columns():
    text = (
        "gemeentecode,gemeentenaam,arbeidsmarktregiocode,arbeidsmarktregionaam,provincie\n"
        "GM0002,Twee,AM02,Regio Twee,P\n"
        "GM0001,Een,AM01,Regio Een,P\n"
        "GM0003,Drie,AM01,Regio Een,P\n"
    )
    regions = parse_regions(text)
    assert regions == Regions(
        {"GM0001": "AM01", "GM0002": "AM02", "GM0003": "AM01"},
        {"AM01": "Regio Een", "AM02": "Regio Twee"},
    )
    assert regions.codes_in_order == ("AM01", "AM02")
