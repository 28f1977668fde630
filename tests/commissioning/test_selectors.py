"""Reads of the framework and of the council's geography (postcode_area_status, issue 2)."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commissioning.choices import Role
from commissioning.models import Postcode
from commissioning.selectors import (
    commissioner_list,
    postcode_area_status,
    strategic_outcome_list,
    supporting_outcome_get,
    supporting_outcome_list,
)
from commissioning.services import postcodes_load
from tests.commissioning.factories import (
    FrameworkFactory,
    StrategicOutcomeFactory,
    SupportingOutcomeFactory,
    UserFactory,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
KENT_AUTHORITIES = {"E07000111", "E07000107"}  # Sevenoaks, Dartford


@pytest.fixture
def ons_postcodes(kcc_framework):
    postcodes_load(path=FIXTURES / "ons_postcodes_extract.csv", area_codes=KENT_AUTHORITIES)


@pytest.mark.parametrize("postcode", ["ME14 1XQ", "CT1 2EH", "TN23 1PL", "DA2 6QE", "me141xq"])
def test_postcode_in_a_district_wholly_inside_kent_is_inside(kcc_framework, postcode):
    answer = postcode_area_status(postcode)
    assert answer.status == "inside"
    assert "lies wholly inside Kent County Council's area" in answer.reason


@pytest.mark.parametrize(
    ("postcode", "authority"), [("ME4 4TR", "Medway"), ("ME7 1HN", "Medway"), ("ME1 1AA", "Medway")]
)
def test_medway_postcode_is_outside(kcc_framework, postcode, authority):
    answer = postcode_area_status(postcode)
    assert answer.status == "outside"
    assert f"outside Kent County Council's area ({authority})" in answer.reason


@pytest.mark.parametrize("postcode", ["DA5 1AA", "DA6 7AT", "DA14 6BS"])
def test_bexley_postcode_is_outside(kcc_framework, postcode):
    answer = postcode_area_status(postcode)
    assert answer.status == "outside"
    assert "Bexley Council" in answer.reason


@pytest.mark.parametrize(
    ("postcode", "authorities"),
    [
        ("DA1 1ZZ", "Bexley Council and Dartford"),
        ("TN16 9ZZ", "Sevenoaks, Bromley and Tandridge"),
        ("BR8 7PG", "Bromley and Sevenoaks"),
    ],
)
def test_postcode_in_a_split_district_is_unknown_and_names_the_councils(kcc_framework, postcode, authorities):
    answer = postcode_area_status(postcode)
    assert answer.status == "unknown"
    district = postcode.split()[0]
    assert answer.reason == (
        f"Postcode district {district} is split between {authorities}; {postcode} is not in the postcode directory, "
        "so record a decision on the provider."
    )


@pytest.mark.parametrize("district", ["DA1", "TN16", "BR8"])
def test_split_district_on_its_own_is_unknown(kcc_framework, district):
    answer = postcode_area_status(district)
    assert answer.status == "unknown"
    assert f"{district} is not in the postcode directory" in answer.reason


@pytest.mark.parametrize(
    ("postcode", "status", "authority"),
    [
        ("TN16 1AA", "inside", "E07000111"),
        ("tn16 3da", "outside", "E09000006"),
        ("DA1 1DX", "inside", "E07000107"),
        ("DA1 3AA", "outside", "E09000004"),
    ],
)
def test_split_district_is_settled_by_a_full_postcode_in_the_directory(ons_postcodes, postcode, status, authority):
    answer = postcode_area_status(postcode)
    assert answer.status == status
    assert answer.reason == f"{postcode.upper()} is in {authority}, {status} Kent County Council's area."


def test_directory_entry_overrides_the_district(kcc_framework):
    # The directory is the finer source: a postcode it places outside stays outside even in an "inside" district.
    Postcode.objects.create(postcode="ME14 1XQ", local_authority="E06000035", inside_area=False)
    assert postcode_area_status("ME14 1XQ").status == "outside"
    assert postcode_area_status("ME14 1XR").status == "inside"


@pytest.mark.parametrize("postcode", ["", "   ", None])
def test_missing_postcode_is_unknown(kcc_framework, postcode):
    answer = postcode_area_status(postcode)
    assert answer.status == "unknown"
    assert answer.reason == "No postcode recorded."


@pytest.mark.parametrize("postcode", ["NOT A POSTCODE", "12345", "ME14 1X", "TN16-1AA"])
def test_invalid_postcode_is_unknown(kcc_framework, postcode):
    answer = postcode_area_status(postcode)
    assert answer.status == "unknown"
    assert answer.reason == f"'{postcode}' is not a valid UK postcode."


@pytest.mark.parametrize(("postcode", "area"), [("M1 1AE", "M"), ("SW1A 1AA", "SW"), ("EH1 1YZ", "EH")])
def test_postcode_area_with_no_kent_district_is_outside(kcc_framework, postcode, area):
    answer = postcode_area_status(postcode)
    assert answer.status == "outside"
    assert answer.reason == f"Postcode area {area} has no district in Kent County Council's area."


def test_unlisted_district_in_a_kent_postcode_area_is_unknown(kcc_framework):
    answer = postcode_area_status("TN99 1AA")
    assert answer.status == "unknown"
    assert answer.reason == "Postcode district TN99 is not in the council's postcode list."


def test_tn20_is_outside_as_corrected_in_the_district_list(kcc_framework):
    answer = postcode_area_status("TN20 6AA")
    assert answer.status == "outside"
    assert "Wealden" in answer.reason


def test_strategic_outcome_list_defaults_to_the_default_framework(kcc_framework):
    other = FrameworkFactory(slug="other", is_default=False)
    StrategicOutcomeFactory(framework=other, code="Z")
    outcomes = list(strategic_outcome_list())
    assert [o.code for o in outcomes] == ["1", "2", "3"]
    assert [s.code for s in outcomes[1].supporting_outcomes.all()] == ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"]
    assert [o.code for o in strategic_outcome_list(framework=other)] == ["Z"]


def test_supporting_outcome_get_finds_by_code_in_the_default_framework(kcc_framework):
    outcome = supporting_outcome_get(code="1.2")
    assert outcome.framework == kcc_framework
    assert outcome.suggested_measures.count() == 4


def test_commissioner_list_gives_active_commissioners_of_a_directorate(commissioner, member, other_directorate):
    elsewhere = UserFactory(role=Role.COMMISSIONER, directorate=other_directorate)
    UserFactory(role=Role.COMMISSIONER, directorate=other_directorate, is_active=False)
    assert set(commissioner_list()) == {commissioner, elsewhere}
    assert list(commissioner_list(directorate_id=other_directorate.pk)) == [elsewhere]


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


def test_strategic_outcome_list_query_count_does_not_grow_with_rows(db):
    framework = FrameworkFactory(slug="f", is_default=True)

    def read():
        for so in strategic_outcome_list(framework=framework):
            str(so.framework)
            [s.title for s in so.supporting_outcomes.all()]

    for _ in range(2):
        SupportingOutcomeFactory(strategic_outcome=StrategicOutcomeFactory(framework=framework))
    few = _queries(read)
    for _ in range(10):
        SupportingOutcomeFactory(strategic_outcome=StrategicOutcomeFactory(framework=framework))
    assert _queries(read) == few


def test_supporting_outcome_list_query_count_does_not_grow_with_rows(db):
    framework = FrameworkFactory(slug="f", is_default=True)

    def read():
        return [(s.strategic_outcome.title, s.framework.name) for s in supporting_outcome_list(framework=framework)]

    for _ in range(2):
        SupportingOutcomeFactory(strategic_outcome=StrategicOutcomeFactory(framework=framework))
    few = _queries(read)
    for _ in range(10):
        SupportingOutcomeFactory(strategic_outcome=StrategicOutcomeFactory(framework=framework))
    assert _queries(read) == few


def test_commissioner_list_query_count_does_not_grow_with_rows(directorate):
    def read():
        [(u.get_full_name(), u.directorate.name) for u in commissioner_list()]

    for _ in range(2):
        UserFactory(role=Role.COMMISSIONER, directorate=directorate)
    few = _queries(read)
    for _ in range(10):
        UserFactory(role=Role.COMMISSIONER, directorate=directorate)
    assert _queries(read) == few
