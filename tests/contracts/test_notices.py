"""Contract performance notices (Procurement Act 2023 s.71) as OCDS 1.1.5 with the UK extension."""

import copy
import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contracts.choices import AssessmentReason, DeductionRule, DeductionStatus, PerformanceRating
from contracts.models import Deduction, PerformanceAssessment
from contracts.notices import performance_notice_package, performance_notice_release
from contracts.ocds import MEASURE_CLASSIFICATION_CODES, validate_release_package
from contracts.services import (
    deduction_apply,
    deduction_waive,
    performance_assessment_confirm,
    performance_assessment_propose,
)
from tests.contracts.factories import ContractFactory, KPIFactory, ProviderFactory, kpi_return

pytestmark = pytest.mark.django_db

YEAR_START, YEAR_END = datetime.date(2024, 4, 1), datetime.date(2025, 3, 31)
QUARTERS = ("2024-25 Q1", "2024-25 Q2", "2024-25 Q3", "2024-25 Q4")


@pytest.fixture
def contract(directorate, commissioner):
    provider = ProviderFactory(name="Weald Care Ltd", companies_house_number="01234567")
    return ContractFactory(
        reference="KCC-ASC-100",
        title="Home care in Swale",
        directorate=directorate,
        commissioner=commissioner,
        provider=provider,
        total_value=Decimal("6000000.00"),
    )


@pytest.fixture
def kpis(contract) -> dict[str, object]:
    """Five key KPIs (target 90, amber below 85, red below 80), one for each rating."""
    kpis = {
        "met": KPIFactory(contract=contract, code="KPI01", name="Visits on time", is_key=True),
        "slightlyBelow": KPIFactory(contract=contract, code="KPI02", name="Care plans reviewed", is_key=True),
        "below": KPIFactory(contract=contract, code="KPI03", name="Calls answered", is_key=True),
        "significantlyBelow": KPIFactory(
            contract=contract,
            code="KPI04",
            name="Missed visits followed up",
            is_key=True,
            deduction_rule=DeductionRule.FIXED,
            deduction_amount=Decimal("1250.00"),
        ),
        "other": KPIFactory(contract=contract, code="KPI05", name="Complaints resolved", is_key=True),
    }
    actuals = {"met": "92", "slightlyBelow": "87", "below": "82", "significantlyBelow": "70"}
    for key, actual in actuals.items():
        for quarter in QUARTERS:
            kpi_return(kpis[key], quarter, actual)
    return kpis


@pytest.fixture
def proposed(contract, kpis, commissioner) -> PerformanceAssessment:
    return performance_assessment_propose(
        contract=contract,
        period_start=YEAR_START,
        period_end=YEAR_END,
        reason=AssessmentReason.ANNUAL,
        actor=commissioner,
    )


@pytest.fixture
def confirmed(proposed, kpis, commissioner) -> PerformanceAssessment:
    # Q1's deduction applied, Q2's waived; the others stay proposed. Only Q1's is published.
    deductions = list(Deduction.objects.filter(kpi=kpis["significantlyBelow"]).order_by("kpi_return__period_start"))
    deduction_apply(deduction=deductions[0], actor=commissioner)
    deduction_waive(deduction=deductions[1], reason="Agreed at the contract review", actor=commissioner)
    return performance_assessment_confirm(assessment=proposed, note="Reviewed with the provider.", actor=commissioner)


def _observations(release) -> dict[str, dict]:
    return {m["id"]: m["observations"][0] for m in release["contracts"][0]["implementation"]["metrics"]}


# --- The notice -------------------------------------------------------------------------------------------


def test_rating_values_are_the_uk_extension_codes():
    assert tuple(PerformanceRating.values) == MEASURE_CLASSIFICATION_CODES


def test_notice_of_confirmed_assessment_validates(confirmed):
    package = performance_notice_package([confirmed])

    assert validate_release_package(package) == []
    assert package["version"] == "1.1"
    assert len(package["releases"]) == 1
    assert any("ocds_uk_extension" in url for url in package["extensions"])


def test_notice_rates_each_key_kpi_with_the_uk_codes(confirmed, kpis):
    release = performance_notice_release(confirmed)
    observations = _observations(release)

    assert {code: obs["measureClassification"]["id"] for code, obs in observations.items()} == {
        "KPI01": "met",
        "KPI02": "slightlyBelow",
        "KPI03": "below",
        "KPI04": "significantlyBelow",
        "KPI05": "other",
    }
    assert observations["KPI02"]["measureClassification"]["description"] == "Approaching target"
    assert observations["KPI01"]["measure"] == 92.0
    assert observations["KPI01"]["period"] == {"startDate": "2024-04-01T00:00:00Z", "endDate": "2025-03-31T23:59:59Z"}
    assert "measure" not in observations["KPI05"]  # no returns: nothing measured, rated Other
    assert release["tag"] == ["implementation"]


def test_notice_publishes_only_applied_deductions_in_the_period(confirmed, kpis):
    failures = performance_notice_release(confirmed)["contracts"][0]["implementation"]["performanceFailures"]

    assert len(failures) == 1
    failure = failures[0]
    assert failure["penaltyValue"] == {"amount": 1250.0, "currency": "GBP"}
    assert failure["penaltyType"] == "contracted"
    assert failure["period"]["startDate"] == "2024-04-01T00:00:00Z"
    assert failure["requirement"] == "KPI04 Missed visits followed up: a target of 90%"
    assert failure["suppliers"][0]["id"] == "GB-COH-01234567"


def test_money_is_exact_in_the_json(confirmed, kpis):
    text = json.dumps(performance_notice_package([confirmed]))

    assert '"penaltyValue": {"amount": 1250.0, "currency": "GBP"}' in text
    assert '"value": {"amount": 6000000.0, "currency": "GBP"}' in text


def test_buyer_supplier_and_ocid_come_from_settings_and_provider(confirmed, settings):
    settings.OCDS_OCID_PREFIX = "ocds-abc123"
    settings.COUNCIL_NAME = "Kent County Council"
    release = performance_notice_release(confirmed)

    assert release["ocid"] == "ocds-abc123-KCC-ASC-100"
    assert release["buyer"]["name"] == "Kent County Council"
    supplier = next(p for p in release["parties"] if "supplier" in p["roles"])
    assert supplier["identifier"] == {"scheme": "GB-COH", "id": "01234567", "legalName": "Weald Care Ltd"}


def test_changed_rating_is_published_with_its_note(proposed, kpis, commissioner):
    kpi = kpis["below"]
    performance_assessment_confirm(
        assessment=proposed,
        ratings={kpi.pk: (PerformanceRating.INADEQUATE, "Repeated failures reported by residents.")},
        actor=commissioner,
    )
    observation = _observations(performance_notice_release(proposed))["KPI03"]

    assert observation["measureClassification"]["id"] == "significantlyBelow"
    assert observation["notes"] == "Repeated failures reported by residents."


def test_proposed_assessment_is_not_published(proposed):
    with pytest.raises(ValueError, match="not confirmed"):
        performance_notice_release(proposed)
    with pytest.raises(ValueError, match="not confirmed"):
        performance_notice_package([proposed])


# --- The validator can fail -------------------------------------------------------------------------------


def test_rating_code_outside_the_uk_codelist_is_invalid(confirmed):
    package = performance_notice_package([confirmed])
    broken = copy.deepcopy(package)
    metric = broken["releases"][0]["contracts"][0]["implementation"]["metrics"][0]
    metric["observations"][0]["measureClassification"]["id"] = "excellent"

    errors = validate_release_package(broken)

    assert errors
    assert any("measureClassification/id" in e and "'excellent'" in e for e in errors)


def test_penalty_without_currency_is_invalid(confirmed):
    broken = copy.deepcopy(performance_notice_package([confirmed]))
    del broken["releases"][0]["contracts"][0]["implementation"]["performanceFailures"][0]["penaltyValue"]["currency"]

    errors = validate_release_package(broken)

    assert any("penaltyValue" in e and "'currency' is a required property" in e for e in errors)


def test_schema_errors_are_reported_with_their_path(confirmed):
    broken = copy.deepcopy(performance_notice_package([confirmed]))
    release = broken["releases"][0]
    del release["ocid"]
    release["tag"] = ["contractPerformance"]
    release["date"] = "31/03/2025"
    release["contracts"][0]["implementation"]["performanceFailures"][0]["penaltyType"] = "fined"

    errors = validate_release_package(broken)

    assert "releases/0: 'ocid' is a required property" in errors
    assert any(e.startswith("releases/0/tag/0:") for e in errors)
    assert any(e.startswith("releases/0/date:") and "date-time" in e for e in errors)
    assert any(e.endswith("'fined' is not one of ['contracted', 'imposed', 'negotiated', None]") for e in errors)


# --- export_performance_notices -----------------------------------------------------------------------------


def test_command_writes_a_valid_package(confirmed, tmp_path):
    out = StringIO()
    target = tmp_path / "notices.json"

    call_command("export_performance_notices", "--output", str(target), stdout=out)

    package = json.loads(target.read_text(encoding="utf-8"))
    assert validate_release_package(package) == []
    assert [r["ocid"] for r in package["releases"]] == ["ocds-goldenthread-kcc-KCC-ASC-100"]
    assert f"Wrote 1 contract performance notice to {target}" in out.getvalue()


def test_command_exports_one_contracts_notices(confirmed, directorate, tmp_path):
    other = ContractFactory(reference="KCC-ASC-200", directorate=directorate)
    KPIFactory(contract=other, code="KPI01", is_key=True)
    performance_assessment_confirm(
        assessment=performance_assessment_propose(
            contract=other, period_start=YEAR_START, period_end=YEAR_END, reason=AssessmentReason.ANNUAL
        )
    )
    target = tmp_path / "one.json"

    call_command("export_performance_notices", "--contract", "kcc-asc-200", "--output", str(target), stdout=StringIO())

    package = json.loads(target.read_text(encoding="utf-8"))
    assert [r["contracts"][0]["id"] for r in package["releases"]] == ["KCC-ASC-200"]


def test_command_fails_clearly_with_no_confirmed_assessments(proposed, tmp_path):
    target = tmp_path / "none.json"

    with pytest.raises(CommandError, match="No confirmed performance assessments: nothing to export"):
        call_command("export_performance_notices", "--output", str(target))
    assert not target.exists()


def test_command_fails_clearly_for_an_unknown_contract(confirmed, tmp_path):
    with pytest.raises(CommandError, match="No contract with the reference 'KCC-NOPE'"):
        call_command("export_performance_notices", "--contract", "KCC-NOPE", "--output", str(tmp_path / "x.json"))


def test_command_writes_nothing_when_the_package_is_invalid(confirmed, tmp_path, monkeypatch):
    from contracts.management.commands import export_performance_notices as command

    def broken_package(assessments, uri=None):
        package = performance_notice_package(assessments, uri=uri)
        package["releases"][0]["tag"] = ["excellent"]
        return package

    monkeypatch.setattr(command, "performance_notice_package", broken_package)
    target = tmp_path / "bad.json"

    with pytest.raises(CommandError, match="not valid OCDS; nothing was written") as excinfo:
        call_command("export_performance_notices", "--output", str(target))
    assert "releases/0/tag/0" in str(excinfo.value)
    assert not target.exists()


def test_waived_deductions_stay_out_but_stay_recorded(confirmed, kpis):
    waived = Deduction.objects.get(status=DeductionStatus.WAIVED)
    failures = performance_notice_release(confirmed)["contracts"][0]["implementation"]["performanceFailures"]

    assert f"deduction-{waived.pk}" not in {f["id"] for f in failures}
