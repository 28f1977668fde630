"""The outcome measure pages as each role uses them: the baskets, one measure's values over time
with its chart, recording and importing values, the downloads, the sections on the supporting and
strategic outcome pages, a fixed number of queries, and the pages as at a past day."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from commissioning.choices import Role
from commissioning.models import OutcomeMeasureValue, SupportingOutcome
from commissioning.selectors import measure_row, outcome_measure_get
from commissioning.services import outcome_measure_value_record
from outcomes_link.measure_charts import measure_chart
from tests.commissioning.factories import OutcomeMeasureFactory, OutcomeMeasureValueFactory

pytestmark = pytest.mark.django_db

LIST = reverse("outcomes_link:outcomemeasure_list")
IMPORT = reverse("outcomes_link:outcomemeasure_import")


def _so(code: str) -> SupportingOutcome:
    return SupportingOutcome.objects.get(code=code, framework__is_default=True)


def _detail(code: str = "1.41") -> str:
    return reverse("outcomes_link:outcomemeasure_detail", kwargs={"code": code})


def _add(code: str = "1.41") -> str:
    return reverse("outcomes_link:outcomemeasure_value_add", kwargs={"code": code})


@pytest.fixture
def measures(kcc_framework):
    """1.41 improving with a national average, 1.42 (lower is better) not improving, both in 1.4."""
    fsp = OutcomeMeasureFactory(
        supporting_outcome=_so("1.4"), code="1.41", name="Good level of development", unit="% of children", order=1
    )
    gap = OutcomeMeasureFactory(
        supporting_outcome=_so("1.4"), code="1.42", name="Achievement gap", higher_is_better=False, order=2
    )
    for i, (a, b) in enumerate([("70.1", "30"), ("72.5", "29"), ("73", "31"), ("74.8", "33")]):
        year = 2013 + i
        OutcomeMeasureValueFactory(measure=fsp, year=year, value=Decimal(a), national_average=Decimal("69.3"))
        OutcomeMeasureValueFactory(measure=gap, year=year, value=Decimal(b))
    return {"fsp": fsp, "gap": gap}


def _page(client, user, url, status=200) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, response.status_code
    return response.content.decode()


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- Who may see and do what -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COMMISSIONER, Role.PROCUREMENT, Role.ADMIN])
def test_every_role_reads_the_measure_pages(client, users, measures, role):
    assert "Good level of development" in _page(client, users[role], LIST)
    assert "Values of 1.41" in _page(client, users[role], _detail())


def test_anonymous_people_are_sent_to_sign_in(client, measures):
    for url in (LIST, _detail(), _add(), IMPORT):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_people_without_a_role_are_refused(client, no_role_user, measures):
    _page(client, no_role_user, LIST, status=403)


@pytest.mark.parametrize(
    ("role", "can"), [(Role.MEMBER, False), (Role.PROCUREMENT, False), (Role.COMMISSIONER, True), (Role.ADMIN, True)]
)
def test_only_commissioners_and_admins_record_and_import_values(client, users, measures, role, can):
    page = _page(client, users[role], _detail())
    assert ("Record a value" in page) is can
    _page(client, users[role], _add(), status=200 if can else 403)
    _page(client, users[role], IMPORT, status=200 if can else 403)
    response = client.post(_add(), {"period": "2016-17", "period_end": "2017-03-31", "value": "75"})
    assert response.status_code == (302 if can else 403)
    assert measures["fsp"].values.filter(period_end=datetime.date(2017, 3, 31)).exists() is can


def test_an_unknown_measure_is_not_found(client, member, measures):
    _page(client, member, _detail("9.99"), status=404)


# --- The pages -------------------------------------------------------------------------------------------


def test_the_list_shows_each_basket_like_the_2016_report(client, member, measures):
    page = _page(client, member, LIST)
    assert "1.4 All children, irrespective of background, are ready for school at age 5" in page
    assert _detail("1.41") in page and _detail("1.42") in page
    assert '74.8 <span class="gt-nowrap">(2015-16)</span>' in page
    # 1.41 improving, 1.42 (lower is better, 31 to 33) not improving: one each, so Mixed.
    assert "Overall, the <strong>1 year</strong> direction of travel is" in page
    assert ">Mixed</strong>" in page
    assert "No outcome measures are recorded for supporting outcome 1.1 yet." in page


def test_the_list_can_be_narrowed_to_one_outcome(client, member, measures):
    page = _page(client, member, f"{LIST}?outcome=1.4")
    assert "Showing 2 measures of one outcome." in page
    assert "supporting outcome 1.1 yet" not in page


def test_the_measure_page_shows_values_chart_directions_and_source(client, member, measures):
    measures["fsp"].source = "Strategic Statement Annual Report 2016 (line 791)"
    measures["fsp"].save()
    page = _page(client, member, _detail())
    assert "<svg" in page and "1.41 Good level of development: values over time" in page
    # The chart's text alternative gives every value.
    assert "2012-13: 70.1 (national average 69.3); 2013-14: 72.5" in page
    assert "Strategic Statement Annual Report 2016 (line 791)" in page
    assert "74.8 (% of children), 2015-16" in page
    assert "Above</strong>" in page
    assert "Loaded from a file" in page


def test_the_supporting_outcome_page_has_the_basket_of_measures(client, member, measures):
    page = _page(client, member, reverse("outcomes_link:supportingoutcome_detail", kwargs={"code": "1.4"}))
    assert 'id="measures">Basket of measures</h2>' in page
    assert _detail("1.41") in page
    assert f"{LIST}?outcome=1.4&amp;download=measures&amp;format=csv" in page


def test_the_strategic_outcome_page_has_each_supporting_outcomes_direction(client, member, measures):
    page = _page(client, member, reverse("outcomes_link:strategicoutcome_detail", kwargs={"code": "1"}))
    assert 'id="direction-of-travel">Direction of travel</h2>' in page
    assert "1.4 All children, irrespective of background, are ready for school at age 5</a>" in page
    assert f"{LIST}?strategic=1&amp;download=directions&amp;format=csv" in page


# --- Downloads -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_basket_downloads_with_every_measure(client, member, measures, file_format):
    client.force_login(member)
    rows = _rows(client.get(LIST, {"outcome": "1.4", "download": "measures", "format": file_format}))
    assert rows[0][:3] == ["Supporting outcome", "Measure code", "Measure"]
    fsp = rows[1]
    assert fsp[:3] == ["1.4", "1.41", "Good level of development"]
    assert str(fsp[6]) in ("74.8000", "74.8")
    assert fsp[8:11] == ["Improving", "Improving", "Above"]
    assert rows[2][1] == "1.42" and len(rows) == 3


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_directions_download_has_each_supporting_outcome(client, member, measures, file_format):
    client.force_login(member)
    rows = _rows(client.get(LIST, {"strategic": "1", "download": "directions", "format": file_format}))
    assert rows[0] == [
        "Strategic outcome",
        "Supporting outcome code",
        "Supporting outcome",
        "Measures",
        "1 year direction of travel",
        "3 year direction of travel",
    ]
    assert [r[1] for r in rows[1:]] == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"]
    assert rows[4][3:] == [2, "Mixed", "Mixed"] or rows[4][3:] == ["2", "Mixed", "Mixed"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_measures_values_download(client, member, measures, file_format):
    client.force_login(member)
    rows = _rows(client.get(_detail(), {"download": "values", "format": file_format}))
    assert rows[0][:4] == ["Period", "Period end", "Value", "National average"]
    assert [r[0] for r in rows[1:]] == ["2012-13", "2013-14", "2014-15", "2015-16"]


def test_an_unknown_download_is_not_found(client, member, measures):
    client.force_login(member)
    assert client.get(LIST, {"download": "nothing"}).status_code == 404
    assert client.get(_detail(), {"download": "values", "format": "pdf"}).status_code == 404


# --- Recording a value --------------------------------------------------------------------------------------


def test_a_commissioner_records_a_value_with_a_reason(client, commissioner, measures):
    client.force_login(commissioner)
    response = client.post(
        _add(),
        {
            "period": "2016-17",
            "period_end": "2017-08-31",
            "value": "75.3%",
            "national_average": "70.7",
            "note": "DfE",
            "reason": "Published by DfE",
        },
    )
    assert response.status_code == 302 and response["Location"] == _detail()
    value = measures["fsp"].values.get(period_end=datetime.date(2017, 8, 31))
    assert (value.value, value.national_average, value.recorded_by) == (Decimal("75.3"), Decimal("70.7"), commissioner)
    assert value.history.latest().history_change_reason == "Published by DfE"
    assert "75.3 for 2016-17 recorded" in client.get(_detail()).content.decode()


def test_the_value_form_words_what_is_wrong(client, commissioner, measures):
    client.force_login(commissioner)
    page = client.post(_add(), {"period": "", "period_end": "31/02/2017", "value": "lots"}).content.decode()
    assert "Enter the period, for example 2016-17" in page
    assert "Period end must be a real date" in page
    assert "Value must be a number, like 74.8 or 1,250" in page
    page = client.post(_add(), {"period": "2015-16", "period_end": "2016-03-31", "value": "1"}).content.decode()
    assert "This measure already has a value for the period ending on that date." in page
    assert measures["fsp"].values.count() == 4


# --- Importing values -----------------------------------------------------------------------------------------


def _upload(rows: list[str], name: str = "values.csv") -> SimpleUploadedFile:
    body = "\n".join(["Measure code,Period,Period end,Value,National average,Note", *rows]) + "\n"
    return SimpleUploadedFile(name, body.encode("utf-8"), content_type="text/csv")


def test_an_import_is_checked_first_then_saved(client, commissioner, measures):
    client.force_login(commissioner)
    rows = ["1.41,2016-17,2017-03-31,75.3,70.7,", "1.42,2016-17,2017-03-31,32,,"]
    page = client.post(IMPORT, {"file": _upload(rows), "dry_run": "on"}).content.decode()
    assert "Checked only" in page and "2 new values and 0 changes would be saved." in page
    assert not OutcomeMeasureValue.objects.filter(period_end=datetime.date(2017, 3, 31)).exists()
    page = client.post(IMPORT, {"file": _upload(rows), "reason": "Annual update"}).content.decode()
    assert "2 new values and 0 changes were saved." in page
    assert OutcomeMeasureValue.objects.filter(period_end=datetime.date(2017, 3, 31)).count() == 2
    page = client.post(IMPORT, {"file": _upload(rows)}).content.decode()
    assert "0 new values and 0 changes were saved; 2 rows already recorded as given." in page


def test_an_import_with_problems_lists_them_and_saves_nothing(client, admin_user, measures):
    client.force_login(admin_user)
    response = client.post(IMPORT, {"file": _upload(["1.41,2016-17,2017-03-31,75,,", "9.99,x,2017-03-31,1,,"])})
    assert response.status_code == 400
    page = response.content.decode()
    assert "nothing has been imported" in page
    assert "Row 3, measure code: there is no outcome measure &#x27;9.99&#x27; in the framework." in page
    assert not OutcomeMeasureValue.objects.filter(period_end=datetime.date(2017, 3, 31)).exists()


def test_the_import_refuses_other_files_at_the_field(client, admin_user, measures):
    client.force_login(admin_user)
    upload = SimpleUploadedFile("values.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(IMPORT, {"file": upload})
    assert response.status_code == 400
    assert "The selected file must be a CSV file (.csv) or an Excel workbook (.xlsx)" in response.content.decode()


def test_the_import_template_has_the_headings(client, commissioner, measures):
    client.force_login(commissioner)
    response = client.get(reverse("outcomes_link:outcomemeasure_import_template"))
    rows = _rows(response)
    assert rows[0] == ["Measure code", "Period", "Period end", "Value", "National average", "Note"]


# --- The chart ------------------------------------------------------------------------------------------------


def test_the_chart_places_values_by_date_and_describes_them(measures):
    row = measure_row(outcome_measure_get(code="1.41"))
    chart = measure_chart(row)
    values, national = chart.lines
    assert [p.text for p in values.points] == ["70.1", "72.5", "73", "74.8"]
    xs = [p.x for p in values.points]
    assert xs == sorted(xs) and xs[0] == chart.left + 16 and xs[-1] == chart.right - 16
    ys = [p.y for p in values.points]
    assert ys == sorted(ys, reverse=True)  # rising values are drawn higher up
    assert national.kind == "national" and len(national.points) == 4
    assert chart.description.startswith("1.41 Good level of development (% of children), higher is better.")


def test_a_measure_without_figures_has_an_empty_chart(kcc_framework):
    measure = OutcomeMeasureFactory(supporting_outcome=_so("1.1"), code="1.11")
    OutcomeMeasureValueFactory(measure=measure, value=None, dot_1yr="improving")
    chart = measure_chart(measure_row(outcome_measure_get(code="1.11")))
    assert chart.empty and "No values recorded yet" in chart.description


# --- Queries and as at a past day -------------------------------------------------------------------------------


def _more_measures(count: int) -> None:
    outcomes = list(SupportingOutcome.objects.filter(framework__is_default=True).order_by("order"))
    for i in range(count):
        outcome = outcomes[i % len(outcomes)]
        measure = OutcomeMeasureFactory(supporting_outcome=outcome, code=f"{outcome.code}{i + 5}")
        for year in (2014, 2015, 2016):
            OutcomeMeasureValueFactory(measure=measure, year=year, value=Decimal(50 + year % 10))


def test_the_list_page_runs_a_fixed_number_of_queries(client, member, measures):
    client.force_login(member)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    _more_measures(10)
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(few) == len(many)


def test_as_at_a_past_day_a_value_recorded_later_is_absent(client, member, commissioner, measures, backdate):
    past = datetime.date.today() - datetime.timedelta(days=30)
    backdate(past)
    outcome_measure_value_record(
        measure=measures["fsp"],
        period="2016-17",
        period_end=datetime.date(2017, 3, 31),
        value=Decimal("81.2"),
        actor=commissioner,
    )
    then = _page(client, member, f"{_detail()}?as_at={past.isoformat()}")
    assert "74.8" in then and "81.2" not in then and "2016-17" not in then
    basket = _page(client, member, f"{LIST}?outcome=1.4&as_at={past.isoformat()}")
    assert "81.2" not in basket
    rows = _rows(client.get(_detail(), {"download": "values", "format": "csv", "as_at": past.isoformat()}))
    assert [r[0] for r in rows[1:]] == ["2012-13", "2013-14", "2014-15", "2015-16"]
    now = _page(client, member, _detail())
    assert "81.2" in now and "2016-17" in now
