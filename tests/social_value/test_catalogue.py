"""The measures catalogue: importing the default catalogue and a council's own (all or nothing,
every problem by row and column, dry run, Excel), proxy versions, the command, and the pages."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.choices import Role
from commissioning.models import SupportingOutcome
from social_value.importers.catalogue import COLUMNS
from social_value.models import (
    CouncilArea,
    MeasureUnit,
    ProxyValue,
    SocialValueMeasure,
    SocialValueOutcome,
    SocialValueTheme,
)
from social_value.services import DEFAULT_CATALOGUE_FILE, catalogue_import, commitment_create
from tests.contracts.factories import ContractFactory
from tests.social_value.factories import measure

D = datetime.date
SOURCE = "National Living Wage (GOV.UK)"


def row(**values) -> dict:
    """A valid row of a small catalogue: measure M1 (hours), proxy £10.00 from 1 April 2024."""
    base = {
        "theme_code": "T1",
        "theme": "Wellbeing",
        "theme_source": "Test source",
        "outcome_code": "T1.1",
        "outcome": "Improve community cohesion",
        "measure_code": "M1",
        "measure": "Hours volunteered",
        "unit": "hours",
        "council_area": "communities",
        "supporting_outcomes": "2.4;3.4",
        "description": "Volunteering by staff.",
        "proxy_value": "10.00",
        "proxy_source": SOURCE,
        "proxy_year": "2024",
        "proxy_valid_from": "2024-04-01",
    }
    base.update(values)
    return base


def catalogue_csv(*rows: dict, encoding: str = "utf-8") -> bytes:
    out = StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def import_bytes(content: bytes, name: str = "catalogue.csv", **kwargs):
    return catalogue_import(handle_or_path=io.BytesIO(content), file_name=name, **kwargs)


def history_rows() -> int:
    return (
        SocialValueMeasure.history.count()
        + ProxyValue.history.count()
        + SocialValueTheme.objects.count()
        + SocialValueOutcome.objects.count()
    )


def default_rows() -> list[dict]:
    with open(DEFAULT_CATALOGUE_FILE, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------- the default catalogue


def test_the_default_catalogue_loads_its_themes_outcomes_measures_and_proxy_versions(default_catalogue):
    proxy_rows = [r for r in default_rows() if r["proxy_value"]]
    assert SocialValueTheme.objects.count() == 5
    assert SocialValueOutcome.objects.count() == 8
    assert SocialValueMeasure.objects.count() == 21
    assert ProxyValue.objects.count() == len(proxy_rows) > 0
    assert (default_catalogue.themes.created, default_catalogue.outcomes.created) == (5, 8)
    assert (default_catalogue.measures.created, default_catalogue.proxy_values.created) == (21, len(proxy_rows))
    assert list(SocialValueTheme.objects.values_list("code", flat=True)) == ["SVM1", "SVM2", "SVM3", "SVM4", "SVM5"]

    volunteering = SocialValueMeasure.objects.get(code="SV5.2.1")
    assert volunteering.unit == MeasureUnit.HOURS
    assert volunteering.area == CouncilArea.COMMUNITIES
    assert volunteering.outcome.code == "SVM5.2"
    assert sorted(volunteering.supporting_outcomes.values_list("code", flat=True)) == ["2.4", "3.4"]
    assert SocialValueMeasure.objects.get(code="SV3.1.1").unit == MeasureUnit.TONNES_CO2E
    carbon = ProxyValue.objects.get(measure__code="SV3.1.1", valid_from=D(2021, 9, 2))
    assert (carbon.value, carbon.source_year) == (Decimal("245.00"), 2021)
    # Every measure contributes to at least one supporting outcome of the council's framework.
    assert not SocialValueMeasure.objects.filter(supporting_outcomes__isnull=True).exists()


def test_every_proxy_value_in_the_default_catalogue_cites_a_public_source(default_catalogue):
    assert ProxyValue.objects.exists()
    for proxy in ProxyValue.objects.all():
        assert proxy.source.strip(), proxy
        assert 2000 <= proxy.source_year <= proxy.valid_from.year + 1


def test_importing_the_default_catalogue_again_changes_nothing(default_catalogue):
    before = history_rows()
    again = catalogue_import(handle_or_path=DEFAULT_CATALOGUE_FILE)
    assert not again.errors
    assert not again.changed_anything
    for _label, counts in again.counts():
        assert counts.created == counts.updated == 0
        assert counts.unchanged > 0
    assert again.measures.unchanged == 21
    assert history_rows() == before


# ---------------------------------------------------------------- a council's own catalogue


def test_a_bad_file_writes_nothing_and_names_each_row_and_column(kcc_framework):
    content = catalogue_csv(
        row(measure_code="M1", unit="furlongs"),
        row(measure_code="M2", proxy_source=""),
        row(measure_code="M3", supporting_outcomes="2.4;9.9"),
        row(measure_code="M4", proxy_value="", proxy_source="", proxy_year="", proxy_valid_from=""),
        row(measure_code="M4", unit="weeks", proxy_value="", proxy_source="", proxy_year="", proxy_valid_from="2025"),
        row(measure_code="M5", council_area="the moon", proxy_value="-3"),
    )
    result = import_bytes(content)
    messages = [str(e) for e in result.errors]
    assert messages[0].startswith("Row 2, unit: 'furlongs' is not a unit; use one of")
    assert "Row 3, proxy_source: a proxy value needs the public source it comes from" in messages[1]
    assert messages[2].startswith("Row 4, supporting_outcomes: '9.9' is not a supporting outcome")
    assert any(m.startswith("Row 6, proxy_value: this is missing") for m in messages)
    assert any(m.startswith("Row 7, council_area: 'the moon' is not one of the council's areas") for m in messages)
    assert any(m.startswith("Row 7, proxy_value: '-3' must be more than £0") for m in messages)
    assert not result.saved
    assert SocialValueTheme.objects.count() == SocialValueMeasure.objects.count() == ProxyValue.objects.count() == 0


def test_rows_of_one_measure_must_agree(kcc_framework):
    content = catalogue_csv(
        row(),
        row(unit="weeks", supporting_outcomes="2.4", proxy_value="11.00", proxy_valid_from="2025-04-01"),
    )
    result = import_bytes(content)
    assert [str(e) for e in result.errors] == [
        "Row 3, unit: measure M1 has 'weeks' here but 'hours' in row 2; the rows of one measure must agree.",
        "Row 3, supporting_outcomes: measure M1 has '2.4' here but '2.4;3.4' in row 2; the rows of one measure "
        "must agree.",
    ]
    assert not SocialValueMeasure.objects.exists()


def test_a_measure_cannot_have_two_proxy_versions_from_one_day(kcc_framework):
    result = import_bytes(catalogue_csv(row(), row(proxy_value="12.00")))
    assert [str(e) for e in result.errors] == [
        "Row 3, proxy_valid_from: measure M1 already has a proxy value from 01/04/2024 in row 2."
    ]


def test_common_spellings_of_units_and_areas_are_understood(kcc_framework):
    spellings = [("£", "pounds"), ("GBP", "pounds"), ("no. people", "people"), ("FTE", "people"), ("hrs", "hours"),
                 ("tCO2e", "tonnes_co2e"), ("tonnes CO2e", "tonnes_co2e"), ("WELLBYs", "wellbys"),
                 ("no.", "number"), ("%", "percent"), ("organisations", "organisations")]  # fmt: skip
    rows = [
        row(measure_code=f"M{i}", unit=text, council_area="Environment and waste" if i % 2 else "")
        for i, (text, _unit) in enumerate(spellings)
    ]
    result = import_bytes(catalogue_csv(*rows))
    assert not result.errors, result.errors
    units = dict(SocialValueMeasure.objects.values_list("code", "unit"))
    assert units == {f"M{i}": unit for i, (_text, unit) in enumerate(spellings)}
    assert SocialValueMeasure.objects.get(code="M1").area == CouncilArea.ENVIRONMENT
    assert SocialValueMeasure.objects.get(code="M0").area == ""


def test_a_measure_without_proxy_columns_has_no_proxy_value(kcc_framework):
    result = import_bytes(catalogue_csv(row(proxy_value="", proxy_source="", proxy_year="", proxy_valid_from="")))
    assert not result.errors
    assert SocialValueMeasure.objects.filter(code="M1").exists()
    assert not ProxyValue.objects.exists()


def test_a_dry_run_reports_the_counts_and_writes_nothing(kcc_framework):
    result = catalogue_import(handle_or_path=DEFAULT_CATALOGUE_FILE, dry_run=True)
    assert not result.errors
    assert (result.themes.created, result.measures.created) == (5, 21)
    assert not result.saved
    assert not SocialValueTheme.objects.exists()
    assert not SocialValueMeasure.objects.exists()
    assert not ProxyValue.objects.exists()


def test_a_cp1252_csv_with_a_pound_sign_is_read(kcc_framework):
    content = catalogue_csv(row(unit="£", proxy_value="£1,000.00", description="Spend – with SMEs"), encoding="cp1252")
    result = import_bytes(content)
    assert not result.errors, result.errors
    assert SocialValueMeasure.objects.get(code="M1").description == "Spend – with SMEs"
    assert ProxyValue.objects.get().value == Decimal("1000.00")


def test_an_excel_catalogue_imports_like_a_csv_one(kcc_framework):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for values in (row(), row(proxy_value="10.9", proxy_valid_from="2025-04-01", proxy_year="2025")):
        cells = [values[c] for c in COLUMNS]
        cells[COLUMNS.index("proxy_value")] = float(values["proxy_value"])
        cells[COLUMNS.index("proxy_year")] = int(values["proxy_year"])
        cells[COLUMNS.index("proxy_valid_from")] = datetime.datetime.fromisoformat(values["proxy_valid_from"])
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    result = import_bytes(out.getvalue(), name="tom-catalogue.xlsx")
    assert not result.errors, result.errors
    assert dict(ProxyValue.objects.values_list("valid_from", "value")) == {
        D(2024, 4, 1): Decimal("10.00"),
        D(2025, 4, 1): Decimal("10.90"),
    }
    assert sorted(SocialValueMeasure.objects.get().supporting_outcomes.values_list("code", flat=True)) == ["2.4", "3.4"]


def test_a_file_of_the_wrong_kind_or_without_headings_is_refused(kcc_framework):
    assert str(import_bytes(b"theme_code\n", name="notes.txt").errors[0]) == (
        "The file must be a CSV file (.csv) or an Excel workbook (.xlsx)."
    )
    missing = import_bytes(b"code,name\nA,B\n").errors
    assert str(missing[0]).startswith("Row 1: the headings theme_code, theme, outcome_code")


def test_a_changed_proxy_value_updates_its_version_with_history(kcc_framework, admin_user):
    import_bytes(catalogue_csv(row()))
    proxy = ProxyValue.objects.get()
    result = import_bytes(catalogue_csv(row(proxy_value="10.50")), name="council-2025.csv", actor=admin_user)
    assert not result.errors
    assert (result.proxy_values.updated, result.measures.unchanged) == (1, 1)
    assert [str(c) for c in result.proxy_changes] == ["M1 from 01/04/2024: £10.00 is now £10.50"]
    proxy.refresh_from_db()
    assert proxy.value == Decimal("10.50")
    latest = proxy.history.first()
    assert latest.history_change_reason == "Catalogue imported from council-2025.csv"
    assert latest.history_user == admin_user
    assert [h.value for h in proxy.history.all()] == [Decimal("10.50"), Decimal("10.00")]


def test_a_changed_mapping_updates_the_measure_and_leaves_measures_absent_from_the_file(kcc_framework):
    import_bytes(catalogue_csv(row(), row(measure_code="M2", measure="Other")))
    result = import_bytes(catalogue_csv(row(supporting_outcomes="2.2", measure="Hours volunteered in Kent")))
    assert not result.errors
    assert (result.measures.updated, result.measures.created) == (1, 0)
    m1 = SocialValueMeasure.objects.get(code="M1")
    assert list(m1.supporting_outcomes.values_list("code", flat=True)) == ["2.2"]
    assert m1.name == "Hours volunteered in Kent"
    assert m1.history.first().history_change_reason.endswith("supporting outcomes now 2.2")
    assert SocialValueMeasure.objects.filter(code="M2").exists()


def test_a_commitment_keeps_its_proxy_value_when_the_catalogue_changes(default_catalogue):
    volunteering = SocialValueMeasure.objects.get(code="SV5.2.1")
    contract = ContractFactory(start_date=D(2024, 4, 1), end_date=D(2027, 3, 31))
    made = commitment_create(contract=contract, measure=volunteering, quantity=Decimal("100"),
                             committed_on=D(2024, 6, 1))  # fmt: skip
    assert (made.proxy_value, made.committed_value) == (Decimal("11.44"), Decimal("1144.00"))

    # A new version from 2027, and a correction of the version the commitment took.
    rows = default_rows()
    for values in rows:
        if values["measure_code"] == "SV5.2.1" and values["proxy_valid_from"] == "2024-04-01":
            values["proxy_value"] = "11.50"
    new_version = next(dict(r) for r in rows if r["measure_code"] == "SV5.2.1")
    new_version.update(proxy_value="13.50", proxy_year="2027", proxy_valid_from="2027-04-01")
    rows.append(new_version)
    result = import_bytes(catalogue_csv(*rows))
    assert not result.errors, result.errors
    assert (result.proxy_values.created, result.proxy_values.updated) == (1, 1)

    made.refresh_from_db()
    assert (made.proxy_value, made.committed_value) == (Decimal("11.44"), Decimal("1144.00"))
    later = commitment_create(contract=contract, measure=volunteering, quantity=Decimal("100"),
                              committed_on=D(2027, 4, 1))  # fmt: skip
    assert later.proxy_value == Decimal("13.50")


def test_only_people_who_may_change_measures_import(kcc_framework, commissioner):
    with pytest.raises(PermissionDenied):
        import_bytes(catalogue_csv(row()), actor=commissioner)
    assert not SocialValueMeasure.objects.exists()


# ---------------------------------------------------------------- the command


def test_the_command_loads_the_default_catalogue_and_a_second_run_changes_nothing(kcc_framework):
    out = StringIO()
    call_command("load_social_value_catalogue", stdout=out)
    assert "Measures: 21 created, 0 updated, 0 unchanged." in out.getvalue()
    out = StringIO()
    call_command("load_social_value_catalogue", stdout=out)
    assert "Measures: 0 created, 0 updated, 21 unchanged." in out.getvalue()
    assert "already up to date" in out.getvalue()


def test_the_command_dry_run_saves_nothing(kcc_framework):
    out = StringIO()
    call_command("load_social_value_catalogue", "--dry-run", stdout=out)
    assert "Themes: 5 created" in out.getvalue()
    assert "nothing was saved" in out.getvalue()
    assert not SocialValueTheme.objects.exists()


def test_the_command_reports_each_problem_and_exits_with_1(kcc_framework, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(catalogue_csv(row(unit="furlongs")))
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("load_social_value_catalogue", str(bad), stdout=StringIO(), stderr=err)
    assert raised.value.returncode == 1
    assert "Row 2, unit: 'furlongs' is not a unit" in err.getvalue()
    assert "nothing imported" in str(raised.value)
    with pytest.raises(CommandError):
        call_command("load_social_value_catalogue", str(tmp_path / "missing.csv"), stdout=StringIO())
    assert not SocialValueMeasure.objects.exists()


# ---------------------------------------------------------------- the pages


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT, Role.ADMIN])
def test_every_role_reads_the_measure_list(client, users, default_catalogue, role):
    client.force_login(users[role])
    response = client.get(reverse("social_value:measure_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Hours volunteered by staff in Kent communities" in page
    assert reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "3.4"}) in page
    assert "licensed by the Social Value Portal and are not bundled" in page
    assert (reverse("social_value:catalogue_import") in page) == (role == Role.ADMIN)


def test_the_measure_list_needs_a_role(client, no_role_user, kcc_framework):
    assert client.get(reverse("social_value:measure_list")).status_code == 302
    client.force_login(no_role_user)
    assert client.get(reverse("social_value:measure_list")).status_code == 403


def test_the_measure_list_shows_the_proxy_in_force_today_with_earlier_and_later_versions(client, member, db):
    today = datetime.date.today()
    measure(
        "LET1",
        unit=MeasureUnit.HOURS,
        proxies=[("5.00", today.replace(year=today.year - 2)), ("6.25", today.replace(year=today.year - 1)),
                 ("7.75", today.replace(year=today.year + 1))],
    )  # fmt: skip
    measure("LET2", unit=MeasureUnit.POUNDS)
    measure("LET3", unit=MeasureUnit.NUMBER)
    client.force_login(member)
    page = client.get(reverse("social_value:measure_list")).content.decode()
    in_force = page.index("£6.25")
    assert f"Test source {today.year - 1} ({today.year - 1})" in page
    assert page.index("Next: £7.75") > in_force
    assert "Earlier versions (1)" in page and page.index("£5.00") > in_force
    assert "Face value (£1 per £1)" in page
    assert "No proxy value: counted in units only" in page


def _measures(codes, outcomes) -> None:
    for i, code in enumerate(codes):
        proxies = [("1.00", D(2020, 4, 1)), ("2.00", D(2024, 4, 1))][: 1 + i % 2]
        measure(code, proxies=proxies, supporting_outcomes=outcomes[: 1 + i % 3])


def test_the_measure_list_runs_the_same_queries_with_few_and_many_measures(
    client, member, kcc_framework, django_assert_max_num_queries
):
    outcomes = list(SupportingOutcome.objects.all()[:3])
    client.force_login(member)
    _measures(["Q0", "Q1"], outcomes)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("social_value:measure_list")).status_code == 200

    _measures([f"Q{i}" for i in range(2, 12)], outcomes)
    theme = SocialValueTheme.objects.create(code="T2", name="Environment")
    outcome = SocialValueOutcome.objects.create(code="O2", theme=theme, name="Less waste")
    SocialValueMeasure.objects.create(code="W1", outcome=outcome, name="Waste", unit=MeasureUnit.TONNES)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("social_value:measure_list"))
    assert response.content.decode().count('id="measure-') == 13


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT])
def test_only_admins_may_open_or_post_the_catalogue_import(client, users, kcc_framework, role):
    client.force_login(users[role])
    url = reverse("social_value:catalogue_import")
    assert client.get(url).status_code == 403
    upload = SimpleUploadedFile("catalogue.csv", catalogue_csv(row()), content_type="text/csv")
    assert client.post(url, {"file": upload}).status_code == 403
    assert not SocialValueMeasure.objects.exists()


def test_an_admin_checks_a_catalogue_then_imports_it(client, admin_user, kcc_framework):
    client.force_login(admin_user)
    url = reverse("social_value:catalogue_import")
    page = client.get(url)
    assert page.status_code == 200
    assert "licensed by the Social Value Portal" in page.content.decode()

    upload = SimpleUploadedFile("ours.csv", catalogue_csv(row()), content_type="text/csv")
    checked = client.post(url, {"file": upload, "check_only": "on"})
    assert checked.status_code == 200
    assert "Checked only" in checked.content.decode()
    assert not SocialValueMeasure.objects.exists()

    upload = SimpleUploadedFile("ours.csv", catalogue_csv(row()), content_type="text/csv")
    imported = client.post(url, {"file": upload})
    assert imported.status_code == 200
    assert "ours.csv has been imported" in imported.content.decode()
    measure_ = SocialValueMeasure.objects.get(code="M1")
    assert measure_.history.first().history_user == admin_user


def test_the_import_page_lists_each_problem_by_row_and_column(client, admin_user, kcc_framework):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("bad.csv", catalogue_csv(row(unit="furlongs"), row(measure_code="M2",
                                proxy_source="")), content_type="text/csv")  # fmt: skip
    response = client.post(reverse("social_value:catalogue_import"), {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "nothing has been imported" in page
    assert "Row 2, unit: &#x27;furlongs&#x27; is not a unit" in page
    assert "Row 3, proxy_source:" in page
    assert not SocialValueMeasure.objects.exists()


def test_the_import_page_refuses_a_file_of_the_wrong_type(client, admin_user, kcc_framework):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("notes.pdf", b"%PDF", content_type="application/pdf")
    response = client.post(reverse("social_value:catalogue_import"), {"file": upload})
    assert response.status_code == 400
    assert "must be a CSV file (.csv) or an Excel workbook (.xlsx)" in response.content.decode()
