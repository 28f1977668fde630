"""Contract performance notices: confirmed performance assessments published as OCDS releases.

The Procurement Act 2023 (s.71) requires a contract performance notice assessing each key
performance indicator of a contract over £5m at least every 12 months and when the contract
ends. The Central Digital Platform takes them as Open Contracting Data Standard (OCDS) 1.1
releases with the UK extension (cabinetoffice/ocds_uk_extension): each key KPI is a metric
whose observation carries the rating as `measureClassification` (met, slightlyBelow, below,
significantlyBelow, other: `PerformanceRating`'s values), and each applied deduction is a
performance failure with its penalty.

The building blocks (money, periods, parties, metrics, performance failures) and the validator are
contracts.ocds's, shared with the contracts release package and the OCDS import.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils.text import slugify

from contracts.choices import AssessmentStatus, PerformanceRating
from contracts.models import PerformanceAssessment
from contracts.ocds import (
    CONTRACT_STATUS,
    EXTENSIONS,
    MEASURE_CLASSIFICATION_SCHEME,
    agreed_metric,
    buyer_party,
    gbp,
    instant,
    known,
    kpi_metric,
    observation_measure,
    ocid_for,
    performance_failure,
    supplier_party,
    whole_days,
)
from contracts.selectors import NoticeFacts, assessment_notice_facts

# Find a Tender's notice type for a contract performance notice.
NOTICE_TYPE = "UK9"

# --- Building --------------------------------------------------------------------------------------------


def release_id_for(assessment: PerformanceAssessment) -> str:
    return f"{ocid_for(assessment.contract)}-performance-{assessment.period_end:%Y-%m-%d}"


def _rated_metric(assessment: PerformanceAssessment, row, facts: NoticeFacts) -> dict:
    kpi = row.kpi
    rating = PerformanceRating(row.rating)
    observation = {
        "id": f"{kpi.code}-{assessment.period_end:%Y-%m-%d}",
        "period": whole_days(assessment.period_start, assessment.period_end),
    }
    mean = facts.means.get(kpi.pk)
    if mean is not None:
        observation.update(observation_measure(kpi, mean))
    observation["measureClassification"] = {
        "scheme": MEASURE_CLASSIFICATION_SCHEME,
        "id": rating.value,
        "description": rating.label,
    }
    observation["notes"] = row.note.strip() or row.proposed_explanation
    return {**kpi_metric(kpi), "observations": [observation]}


def performance_notice_release(assessment: PerformanceAssessment, *, facts: NoticeFacts | None = None) -> dict:
    """One OCDS release: the contract performance notice of a confirmed assessment.

    Raises ValueError for an assessment not yet confirmed: only the commissioner's confirmed
    ratings are published. `facts` (from contracts.selectors.assessment_notice_facts) saves
    its two queries when building many notices.
    """
    if assessment.status != AssessmentStatus.CONFIRMED:
        raise ValueError(
            f"The assessment of {assessment.contract.reference} ending {assessment.period_end:%d %B %Y} is not "
            "confirmed: only confirmed assessments are published as contract performance notices."
        )
    if facts is None:
        facts = assessment_notice_facts(assessments=[assessment])[assessment.pk]
    contract = assessment.contract
    buyer = buyer_party()
    supplier = supplier_party(contract.provider)
    ratings = sorted(assessment.ratings.all(), key=lambda row: row.kpi.code)
    release_id = release_id_for(assessment)
    implementation = {}
    if ratings:
        implementation["metrics"] = [_rated_metric(assessment, row, facts) for row in ratings]
    if facts.deductions:
        implementation["performanceFailures"] = [performance_failure(d, supplier) for d in facts.deductions]
    implementation["documents"] = [
        {
            "id": release_id,
            "documentType": "implementationNotice",
            "noticeType": NOTICE_TYPE,
            "title": "Contract performance notice",
            "description": (
                f"Assessment of the key performance indicators from {assessment.period_start:%-d %B %Y} to "
                f"{assessment.period_end:%-d %B %Y} ({assessment.get_reason_display().lower()})."
                + (f" {assessment.note.strip()}" if assessment.note.strip() else "")
            ),
            "datePublished": instant(assessment.confirmed_at),
            "language": "en",
        }
    ]
    value = None if contract.total_value is None else gbp(contract.total_value)
    contract_block = known(
        {
            "id": contract.reference,
            "awardID": contract.reference,
            "title": contract.title,
            "status": CONTRACT_STATUS.get(contract.status, "active"),
            "period": whole_days(contract.start_date, contract.current_end_date),
            "value": value,
            "implementation": implementation,
        }
    )
    if contract.description:
        contract_block["description"] = contract.description
    if ratings:
        contract_block["agreedMetrics"] = [agreed_metric(row.kpi) for row in ratings]
    if contract.key_kpi_exemption_reason.strip():
        contract_block["noAgreedMetricsRationale"] = contract.key_kpi_exemption_reason.strip()
    return {
        "ocid": ocid_for(contract),
        "id": release_id,
        "date": instant(assessment.confirmed_at),
        "tag": ["implementation"],
        "initiationType": "tender",
        "language": "en",
        "parties": [{**buyer, "roles": ["buyer"]}, supplier],
        "buyer": buyer,
        "awards": [
            known(
                {
                    "id": contract.reference,
                    "title": contract.title,
                    "status": "active",
                    "value": value,
                    "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
                    "contractPeriod": whole_days(contract.start_date, contract.current_end_date),
                }
            )
        ],
        "contracts": [contract_block],
    }


def performance_notice_package(assessments: Iterable[PerformanceAssessment], *, uri: str | None = None) -> dict:
    """A release package of the contract performance notices of confirmed assessments.

    Its publishedDate is the latest confirmation, so the same assessments give the same
    package. Raises ValueError if any assessment is not confirmed, or if there are none.
    """
    assessments = list(assessments)
    if not assessments:
        raise ValueError("There are no confirmed performance assessments to publish.")
    for assessment in assessments:
        if assessment.status != AssessmentStatus.CONFIRMED:
            performance_notice_release(assessment)  # raises ValueError naming it
    facts = assessment_notice_facts(assessments=assessments)
    releases = [performance_notice_release(a, facts=facts[a.pk]) for a in assessments]
    published = max(a.confirmed_at for a in assessments)
    if uri is None:
        uri = f"urn:{settings.OCDS_OCID_PREFIX}:contract-performance-notices:{published:%Y%m%dT%H%M%SZ}"
    return {
        "uri": uri,
        "version": "1.1",
        "extensions": [url for url, _ in EXTENSIONS],
        "publishedDate": instant(published),
        "publisher": {"name": settings.COUNCIL_NAME},
        "releases": releases,
    }


def notice_filename(assessment: PerformanceAssessment) -> str:
    """The download's name: contract-performance-notice-<reference>-<period end>.json."""
    return f"contract-performance-notice-{slugify(assessment.contract.reference)}-{assessment.period_end:%Y-%m-%d}.json"


__all__ = [
    "notice_filename",
    "ocid_for",
    "performance_notice_package",
    "performance_notice_release",
]
