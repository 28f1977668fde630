"""Loading the framework and reference data (idempotent, all-or-nothing), and creating people."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from commissioning.choices import AreaStatus, Role
from commissioning.models import (
    Directorate,
    Framework,
    Postcode,
    PostcodeDistrict,
    StrategicOutcome,
    SuggestedMeasure,
    SupportingOutcome,
)
from commissioning.services import (
    DEFAULT_FRAMEWORK_FILE,
    directorates_load,
    framework_load,
    framework_load_file,
    postcode_districts_load,
    postcodes_load,
    user_create,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
pytestmark = pytest.mark.django_db


def _history_rows() -> int:
    return sum(
        model.history.count()
        for model in (Framework, StrategicOutcome, SupportingOutcome, SuggestedMeasure, Directorate)
    )


def _kcc_data() -> dict:
    return json.loads(DEFAULT_FRAMEWORK_FILE.read_text(encoding="utf-8"))


def test_kcc_framework_loads_3_strategic_20_supporting_outcomes_and_72_measures():
    framework, result = framework_load_file()
    assert framework.strategic_outcomes.count() == 3
    assert framework.supporting_outcomes.count() == 20
    assert SuggestedMeasure.objects.filter(supporting_outcome__framework=framework).count() == 72
    assert result.created == 1 + 3 + 20 + 72
    assert framework.is_default
    assert framework.council == "Kent County Council"
    assert framework.period == "2015-2020"


def test_kcc_framework_keeps_the_councils_exact_wording():
    framework, _ = framework_load_file()
    assert framework.name == "Increasing Opportunities, Improving Outcomes"
    assert (
        framework.strategic_outcomes.get(code="1").title
        == "Children and young people in Kent get the best start in life"
    )
    assert framework.strategic_outcomes.get(code="2").title == (
        "Kent communities feel the benefits of economic growth by being in-work, healthy "
        "and enjoying a good quality of life"
    )
    assert framework.strategic_outcomes.get(code="3").title == (
        "Older and vulnerable residents are safe and supported with choices to live independently"
    )
    assert framework.supporting_outcomes.get(code="1.2").title == (
        "We keep vulnerable families out of crisis and more children and young people out of KCC care"
    )
    assert (
        framework.supporting_outcomes.get(code="3.4").title == "Older and vulnerable residents feel socially included"
    )


def test_kcc_supporting_outcomes_hang_under_their_strategic_outcome_in_order():
    framework, _ = framework_load_file()
    codes = {
        so.code: list(so.supporting_outcomes.order_by("order").values_list("code", flat=True))
        for so in framework.strategic_outcomes.all()
    }
    assert codes == {
        "1": ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"],
        "2": ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"],
        "3": ["3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7"],
    }
    assert list(
        SuggestedMeasure.objects.filter(supporting_outcome__code="1.1").order_by("order").values_list("text", flat=True)
    )[:2] == ["Reduce infant mortality", "Reduce child road accident casualties"]


def test_loading_the_framework_twice_changes_nothing_and_writes_no_history():
    framework_load_file()
    rows_before = {m: m.objects.count() for m in (Framework, StrategicOutcome, SupportingOutcome, SuggestedMeasure)}
    history_before = _history_rows()
    modified_before = Framework.objects.get().modified

    framework, result = framework_load_file()

    assert {m: m.objects.count() for m in rows_before} == rows_before
    assert _history_rows() == history_before
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1 + 3 + 20 + 72)
    assert Framework.objects.get().modified == modified_before


def test_reloading_with_changed_wording_updates_in_place_with_history():
    framework_load_file()
    data = _kcc_data()
    data["strategic_outcomes"][0]["supporting_outcomes"][1]["title"] = "Reworded 1.2"
    outcome = SupportingOutcome.objects.get(code="1.2")
    history_before = outcome.history.count()

    _, result = framework_load(data=data)

    outcome.refresh_from_db()
    assert outcome.title == "Reworded 1.2"
    assert outcome.history.count() == history_before + 1
    assert outcome.history.first().history_change_reason == "Loaded outcomes framework"
    assert (result.created, result.updated) == (0, 1)
    assert SupportingOutcome.objects.count() == 20


def test_loading_another_councils_framework_as_default_leaves_one_default():
    framework_load_file()
    other, _ = framework_load_file(path=FIXTURES / "other_council_framework.json")
    assert other.is_default
    assert list(Framework.objects.filter(is_default=True)) == [other]
    assert Framework.objects.get(slug="kcc-2015-2020").is_default is False
    assert other.supporting_outcomes.get(code="A2").strategic_outcome.code == "A"


def test_loading_another_framework_not_as_default_keeps_the_current_default():
    kcc, _ = framework_load_file()
    framework_load_file(path=FIXTURES / "other_council_framework.json", make_default=False)
    assert list(Framework.objects.filter(is_default=True)) == [kcc]
    assert Framework.objects.count() == 2


def test_invalid_json_gives_a_clear_error_and_changes_nothing():
    framework_load_file()
    history_before = _history_rows()
    with pytest.raises(ValidationError) as exc:
        framework_load_file(path=FIXTURES / "malformed_framework.json")
    assert "not valid JSON" in exc.value.messages[0]
    assert "line" in exc.value.messages[0]
    assert Framework.objects.count() == 1
    assert _history_rows() == history_before


def test_missing_supporting_outcome_title_names_what_is_missing_and_rolls_everything_back():
    with pytest.raises(ValidationError) as exc:
        framework_load_file(path=FIXTURES / "framework_missing_title.json")
    assert exc.value.messages == ["Supporting outcome A2: 'title' is missing."]
    # The framework, strategic outcome A and supporting outcome A1 were saved before the error: all rolled back.
    assert Framework.objects.count() == 0
    assert StrategicOutcome.objects.count() == 0
    assert SupportingOutcome.objects.count() == 0
    assert Framework.history.count() == 0


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        ("slug", "Framework: 'slug' is missing."),
        ("council", "Framework: 'council' is missing."),
        ("vision", "Framework: 'vision' is missing."),
        ("period_start", "Framework: 'period_start' is missing."),
        ("strategic_outcomes", "Framework: it has no strategic_outcomes."),
    ],
)
def test_missing_framework_field_is_named(remove, message):
    data = json.loads((FIXTURES / "other_council_framework.json").read_text())
    del data[remove]
    with pytest.raises(ValidationError) as exc:
        framework_load(data=data)
    assert exc.value.messages == [message]
    assert Framework.objects.count() == 0


def test_missing_strategic_outcome_code_is_named_by_position():
    data = json.loads((FIXTURES / "other_council_framework.json").read_text())
    del data["strategic_outcomes"][1]["code"]
    with pytest.raises(ValidationError) as exc:
        framework_load(data=data)
    assert exc.value.messages == ["Strategic outcome 2: 'code' is missing."]
    assert StrategicOutcome.objects.count() == 0


def test_framework_year_that_is_not_a_number_is_a_clear_error():
    data = json.loads((FIXTURES / "other_council_framework.json").read_text())
    data["period_end"] = "twenty twenty-six"
    with pytest.raises(ValidationError) as exc:
        framework_load(data=data)
    assert exc.value.messages == ["Framework: 'period_end' must be a year, e.g. 2020 (found 'twenty twenty-six')."]
    assert Framework.objects.count() == 0


def test_framework_period_ending_before_it_starts_is_refused_on_load():
    data = json.loads((FIXTURES / "other_council_framework.json").read_text())
    data["period_start"], data["period_end"] = 2026, 2022
    with pytest.raises(ValidationError) as exc:
        framework_load(data=data)
    assert "The period must end in or after the year it starts." in exc.value.messages
    assert Framework.objects.count() == 0


def test_framework_file_that_is_not_an_object_is_a_clear_error(tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(ValidationError) as exc:
        framework_load_file(path=path)
    assert exc.value.messages == ["Framework: 'slug' is missing."]
    assert Framework.objects.count() == 0


def test_framework_load_records_the_actor(admin_user):
    framework, _ = framework_load_file(path=FIXTURES / "other_council_framework.json", actor=admin_user)
    assert framework.history.get().history_user == admin_user
    assert SupportingOutcome.history.filter(history_user=admin_user).count() == 3


def test_directorates_load_is_idempotent():
    first = directorates_load()
    history = Directorate.history.count()
    second = directorates_load()
    assert first.created == 5
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert Directorate.history.count() == history
    assert list(Directorate.objects.values_list("code", flat=True)) == ["CYPE", "ASCH", "PH", "GET", "SCS"]


def test_postcode_districts_load_reads_the_kcc_list_with_corrections():
    result = postcode_districts_load()
    assert result.created == PostcodeDistrict.objects.count() == 109
    tn20 = PostcodeDistrict.objects.get(district="TN20")
    assert tn20.status == AreaStatus.OUTSIDE
    assert "Wealden" in tn20.note
    assert PostcodeDistrict.objects.get(district="TN16").status == AreaStatus.SPLIT
    again = postcode_districts_load()
    assert (again.created, again.updated) == (0, 0)


def test_postcode_districts_load_refuses_an_unknown_status_naming_the_row(tmp_path):
    path = tmp_path / "districts.csv"
    path.write_text("district,status,local_authorities,note\nCT1,inside,Canterbury,\nCT2,maybe,Canterbury,\n")
    with pytest.raises(ValidationError) as exc:
        postcode_districts_load(path=path)
    assert exc.value.messages == [
        "Row 3: district must be given and status one of inside, outside, split (found 'maybe')."
    ]
    assert PostcodeDistrict.objects.count() == 0


def test_postcodes_load_reads_an_ons_extract():
    result = postcodes_load(path=FIXTURES / "ons_postcodes_extract.csv", area_codes={"E07000111", "E07000107"})
    assert result.created == 4
    assert dict(Postcode.objects.values_list("postcode", "inside_area")) == {
        "TN16 1AA": True,
        "TN16 3DA": False,
        "DA1 1DX": True,
        "DA1 3AA": False,
    }
    assert Postcode.objects.get(postcode="TN16 3DA").local_authority == "E09000006"


def test_postcodes_load_normalises_postcodes(tmp_path):
    path = tmp_path / "onspd.csv"
    path.write_text("pcds,oslaua\ntn161aa,E07000111\n")
    postcodes_load(path=path, area_codes={"E07000111"})
    assert Postcode.objects.get().postcode == "TN16 1AA"


def test_postcodes_load_refuses_a_district_alone_naming_the_row(tmp_path):
    path = tmp_path / "onspd.csv"
    path.write_text("pcds,oslaua\nTN16 1AA,E07000111\nTN16,E07000111\n")
    with pytest.raises(ValidationError) as exc:
        postcodes_load(path=path, area_codes={"E07000111"})
    assert exc.value.messages == ["Row 3, pcds: 'TN16' is not a full UK postcode."]
    assert Postcode.objects.count() == 0


def test_user_create_puts_the_person_in_their_role_group(directorate):
    user = user_create(username="jo", password="a-long-password", role=Role.COMMISSIONER, directorate=directorate)
    assert user.roles == {Role.COMMISSIONER}
    assert user.check_password("a-long-password")
    assert not user.is_staff


def test_user_create_admin_is_staff_and_superuser():
    user = user_create(username="boss", password=None, role=Role.ADMIN)
    assert user.is_staff and user.is_superuser
    assert not user.has_usable_password()


def test_user_create_commissioner_needs_a_directorate():
    with pytest.raises(ValidationError) as exc:
        user_create(username="jo", password="x", role=Role.COMMISSIONER)
    assert exc.value.message_dict == {"directorate": ["A commissioner must belong to a directorate."]}


def test_user_create_refuses_an_unknown_role():
    with pytest.raises(ValidationError) as exc:
        user_create(username="jo", password="x", role="mayor")
    assert "role" in exc.value.message_dict
