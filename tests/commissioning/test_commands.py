"""The load_framework and load_reference_data management commands."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from commissioning.models import Directorate, Framework, PostcodeDistrict, SupportingOutcome

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_load_framework_without_a_file_loads_kccs_framework():
    out = _run("load_framework")
    framework = Framework.objects.get()
    assert framework.slug == "kcc-2015-2020"
    assert framework.is_default
    assert out.strip() == (
        "Increasing Opportunities, Improving Outcomes 2015-2020: 3 strategic and 20 supporting outcomes "
        "(96 created, 0 updated, 0 unchanged)."
    )


def test_load_framework_twice_reports_everything_unchanged():
    _run("load_framework")
    history = Framework.history.count() + SupportingOutcome.history.count()
    out = _run("load_framework")
    assert "(0 created, 0 updated, 96 unchanged)" in out
    assert Framework.history.count() + SupportingOutcome.history.count() == history


def test_load_framework_loads_another_councils_file_and_makes_it_default():
    _run("load_framework")
    out = _run("load_framework", str(FIXTURES / "other_council_framework.json"))
    assert out.startswith("Our Council Plan 2022-2026: 2 strategic and 3 supporting outcomes")
    assert list(Framework.objects.filter(is_default=True).values_list("slug", flat=True)) == ["exampleshire-2022-2026"]


def test_load_framework_not_default_keeps_the_current_default():
    _run("load_framework")
    _run("load_framework", str(FIXTURES / "other_council_framework.json"), "--not-default")
    assert Framework.objects.count() == 2
    assert Framework.objects.get(is_default=True).slug == "kcc-2015-2020"


def test_a_framework_loaded_not_default_can_be_made_default_later():
    _run("load_framework")
    _run("load_framework", str(FIXTURES / "other_council_framework.json"), "--not-default")
    _run("load_framework", str(FIXTURES / "other_council_framework.json"))
    assert Framework.objects.get(is_default=True).slug == "exampleshire-2022-2026"
    assert Framework.objects.filter(is_default=True).count() == 1


def test_load_framework_with_malformed_json_fails_clearly_and_changes_nothing():
    _run("load_framework")
    with pytest.raises(CommandError, match=r"malformed_framework\.json: not valid JSON \(line \d+, column \d+"):
        _run("load_framework", str(FIXTURES / "malformed_framework.json"))
    assert list(Framework.objects.values_list("slug", "is_default")) == [("kcc-2015-2020", True)]


def test_load_framework_with_a_missing_title_names_it_and_changes_nothing():
    _run("load_framework")
    with pytest.raises(CommandError, match=r"^Supporting outcome A2: 'title' is missing\.$"):
        _run("load_framework", str(FIXTURES / "framework_missing_title.json"))
    assert Framework.objects.get().slug == "kcc-2015-2020"
    assert Framework.objects.get().is_default


def test_load_framework_with_a_missing_file_fails_clearly(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        _run("load_framework", str(tmp_path / "nowhere.json"))
    assert Framework.objects.count() == 0


def test_load_reference_data_loads_directorates_and_districts_idempotently():
    out = _run("load_reference_data")
    assert "Directorates: 5 created, 0 updated, 0 unchanged." in out
    assert "Postcode districts: 109 created, 0 updated, 0 unchanged." in out
    again = _run("load_reference_data")
    assert "Directorates: 0 created, 0 updated, 5 unchanged." in again
    assert "Postcode districts: 0 created, 0 updated, 109 unchanged." in again
    assert Directorate.objects.count() == 5
    assert PostcodeDistrict.objects.count() == 109


def test_load_reference_data_refuses_a_bad_districts_file(tmp_path):
    path = tmp_path / "districts.csv"
    path.write_text("district,status\nCT1,sort of\n")
    with pytest.raises(CommandError, match="Row 2"):
        _run("load_reference_data", "--postcode-districts", str(path))
    assert PostcodeDistrict.objects.count() == 0
