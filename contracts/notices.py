"""Contract performance notices: confirmed performance assessments published as OCDS releases.

The Procurement Act 2023 (s.71) requires a contract performance notice assessing each key
performance indicator of a contract over £5m at least every 12 months and when the contract
ends. The Central Digital Platform takes them as Open Contracting Data Standard (OCDS) 1.1
releases with the UK extension (cabinetoffice/ocds_uk_extension): each key KPI is a metric
whose observation carries the rating as `measureClassification` (met, slightlyBelow, below,
significantlyBelow, other: `PerformanceRating`'s values), and each applied deduction is a
performance failure with its penalty.

`validate_release_package` checks a package against the 1.1.5 release package and release
schemas patched with the metrics, performance failures and UK extensions (copies in
contracts/data/ocds; nothing is fetched), plus two rules the UK extension and OCDS state in
words that the schemas leave open (see `_STATED_RULES`).

Money leaves here as JSON numbers converted from Decimal at the last moment
(Decimal("1250.00") -> 1250.0); nothing is added up in float.
"""

from __future__ import annotations

import copy
import datetime
import functools
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import json_merge_patch
from django.conf import settings
from django.utils.text import slugify
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from contracts.choices import AssessmentStatus, ContractStatus, KPIUnit, PerformanceRating, Sector
from contracts.models import Contract, PerformanceAssessment, Provider
from contracts.rules import format_measure
from contracts.selectors import NoticeFacts, assessment_notice_facts

SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "ocds"
RELEASE_SCHEMA_URI = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"

# The extensions a notice uses, as published (the package's `extensions` list), and the local copy of each
# one's release schema patch, applied in this order.
EXTENSIONS = (
    (
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_metrics_extension/master/extension.json",
        "extensions/ocds_metrics_extension/release-schema.json",
    ),
    (
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_performance_failures_extension/"
        "master/extension.json",
        "extensions/ocds_performance_failures_extension/release-schema.json",
    ),
    (
        "https://raw.githubusercontent.com/cabinetoffice/ocds_uk_extension/main/extension.json",
        "uk-extension-cabinetoffice/release-schema.json",
    ),
)

# The UK extension's codes for a KPI rating (Observation.measureClassification: "In the UK, possible id
# values are met, slightlyBelow, below, significantlyBelow and other"). PerformanceRating uses them as values.
MEASURE_CLASSIFICATION_CODES = ("met", "slightlyBelow", "below", "significantlyBelow", "other")
# The extension names no scheme for them; this label says where the codes come from.
MEASURE_CLASSIFICATION_SCHEME = "UK-KPI-RATING"
# Find a Tender's notice type for a contract performance notice.
NOTICE_TYPE = "UK9"

# Rules stated in words rather than schema: the UK measure classification codes, and OCDS's "Financial values
# should be published with a currency attached" for a penalty. Applied as one more merge patch, so every check
# is made by jsonschema and reported the same way.
_STATED_RULES = {
    "definitions": {
        "Observation": {
            "properties": {
                "measureClassification": {
                    "$ref": None,
                    "allOf": [
                        {"$ref": "#/definitions/Classification"},
                        {"required": ["id"], "properties": {"id": {"enum": list(MEASURE_CLASSIFICATION_CODES)}}},
                    ],
                }
            }
        },
        "PerformanceFailure": {
            "properties": {
                "penaltyValue": {
                    "$ref": None,
                    "allOf": [
                        {"$ref": "#/definitions/Value"},
                        {
                            "required": ["amount", "currency"],
                            "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}},
                        },
                    ],
                }
            }
        },
    }
}

_UNIT_NAMES = {KPIUnit.PERCENT: "percent", KPIUnit.COUNT: "count", KPIUnit.DAYS: "days", KPIUnit.RATIO: "ratio"}
_CONTRACT_STATUS = {
    ContractStatus.PIPELINE: "pending",
    ContractStatus.ACTIVE: "active",
    ContractStatus.EXPIRED: "terminated",
    ContractStatus.TERMINATED: "terminated",
}


# --- Building --------------------------------------------------------------------------------------------


def _number(value: Decimal | int) -> float | int:
    """A JSON number from a Decimal: the nearest float, made only here at the JSON boundary."""
    return float(value) if isinstance(value, Decimal) else value


def _gbp(amount: Decimal) -> dict:
    return {"amount": _number(amount), "currency": "GBP"}


def _instant(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _period(start: datetime.date | None, end: datetime.date | None) -> dict:
    """A whole-day period: from the start of its first day to the end of its last. A day not known
    (a contract from a published register that did not give it) is left out, as OCDS allows."""
    period = {}
    if start is not None:
        period["startDate"] = f"{start:%Y-%m-%d}T00:00:00Z"
    if end is not None:
        period["endDate"] = f"{end:%Y-%m-%d}T23:59:59Z"
    return period


def _known(block: dict) -> dict:
    """The block without its facts not known (an empty period, a value of None): OCDS leaves out
    what is not known rather than publishing an empty object or a null."""
    return {key: value for key, value in block.items() if value not in (None, {})}


def ocid_for(contract: Contract) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{contract.reference}"


def release_id_for(assessment: PerformanceAssessment) -> str:
    return f"{ocid_for(assessment.contract)}-performance-{assessment.period_end:%Y-%m-%d}"


def _buyer() -> dict:
    name = settings.COUNCIL_NAME
    return {"id": f"{settings.OCDS_OCID_PREFIX}-buyer", "name": name}


def _supplier(provider: Provider) -> dict:
    """The provider as an OCDS party: GB-COH (Companies House) when it has a number, else GB-CHC (charity)."""
    party = {"name": provider.name, "roles": ["supplier"]}
    if provider.companies_house_number:
        party["id"] = f"GB-COH-{provider.companies_house_number}"
        party["identifier"] = {"scheme": "GB-COH", "id": provider.companies_house_number, "legalName": provider.name}
    elif provider.charity_number:
        party["id"] = f"GB-CHC-{provider.charity_number}"
        party["identifier"] = {"scheme": "GB-CHC", "id": provider.charity_number, "legalName": provider.name}
    else:
        party["id"] = f"{settings.OCDS_OCID_PREFIX}-provider-{provider.pk}"
        party["identifier"] = {"legalName": provider.name}
    address = {
        "streetAddress": ", ".join(p for p in (provider.address_line_1, provider.address_line_2) if p),
        "locality": provider.town,
        "postalCode": provider.postcode,
    }
    address = {k: v for k, v in address.items() if v}
    if address:
        party["address"] = {**address, "countryName": "United Kingdom"}
    if provider.sector != Sector.UNKNOWN:
        party["details"] = {"vcse": provider.is_vcs}
    return party


def _measure(kpi, value: Decimal) -> dict:
    """An observation's measure: money as a GBP value, anything else as a number in the KPI's unit."""
    value = value.quantize(Decimal("0.0001"))
    if kpi.unit == KPIUnit.MONEY:
        return {"value": _gbp(value)}
    return {"measure": _number(value), "unit": {"name": _UNIT_NAMES.get(kpi.unit, kpi.unit)}}


def _metric(kpi) -> dict:
    metric = {"id": kpi.code, "title": kpi.name}
    if kpi.description:
        metric["description"] = kpi.description
    return metric


def _agreed_metric(kpi) -> dict:
    """The key KPI as agreed in the contract, with its target."""
    return {
        **_metric(kpi),
        "observations": [{"id": f"{kpi.code}-target", "notes": "Target", **_measure(kpi, Decimal(kpi.target))}],
    }


def _rated_metric(assessment: PerformanceAssessment, row, facts: NoticeFacts) -> dict:
    kpi = row.kpi
    rating = PerformanceRating(row.rating)
    observation = {
        "id": f"{kpi.code}-{assessment.period_end:%Y-%m-%d}",
        "period": _period(assessment.period_start, assessment.period_end),
    }
    mean = facts.means.get(kpi.pk)
    if mean is not None:
        observation.update(_measure(kpi, mean))
    observation["measureClassification"] = {
        "scheme": MEASURE_CLASSIFICATION_SCHEME,
        "id": rating.value,
        "description": rating.label,
    }
    observation["notes"] = row.note.strip() or row.proposed_explanation
    return {**_metric(kpi), "observations": [observation]}


def _performance_failure(deduction, supplier: dict) -> dict:
    ret = deduction.kpi_return
    kpi = deduction.kpi
    target = format_measure(Decimal(kpi.target), kpi.unit, exact=True)
    failure = {
        "id": f"deduction-{deduction.pk}",
        "period": _period(ret.period_start, ret.period_end),
        "category": f"{kpi.code} {kpi.name}",
        "events": 1,
        "penaltyContracted": deduction.calculation,
        "penaltyType": "contracted",
        "penaltyValue": _gbp(deduction.amount),
        "requirement": f"{kpi.code} {kpi.name}: a target of {target}",
        "description": f"{ret.period.label}: {ret.rag_explanation}" if ret.rag_explanation else ret.period.label,
        "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
    }
    if deduction.decided_at:
        failure["decisionDate"] = failure["penaltyDate"] = _instant(deduction.decided_at)
        failure["penaltyImposed"] = f"Deduction of £{deduction.amount:,.2f} applied"
    return failure


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
    buyer = _buyer()
    supplier = _supplier(contract.provider)
    ratings = sorted(assessment.ratings.all(), key=lambda row: row.kpi.code)
    release_id = release_id_for(assessment)
    implementation = {}
    if ratings:
        implementation["metrics"] = [_rated_metric(assessment, row, facts) for row in ratings]
    if facts.deductions:
        implementation["performanceFailures"] = [_performance_failure(d, supplier) for d in facts.deductions]
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
            "datePublished": _instant(assessment.confirmed_at),
            "language": "en",
        }
    ]
    value = None if contract.total_value is None else _gbp(contract.total_value)
    contract_block = _known(
        {
            "id": contract.reference,
            "awardID": contract.reference,
            "title": contract.title,
            "status": _CONTRACT_STATUS.get(contract.status, "active"),
            "period": _period(contract.start_date, contract.current_end_date),
            "value": value,
            "implementation": implementation,
        }
    )
    if contract.description:
        contract_block["description"] = contract.description
    if ratings:
        contract_block["agreedMetrics"] = [_agreed_metric(row.kpi) for row in ratings]
    if contract.key_kpi_exemption_reason.strip():
        contract_block["noAgreedMetricsRationale"] = contract.key_kpi_exemption_reason.strip()
    return {
        "ocid": ocid_for(contract),
        "id": release_id,
        "date": _instant(assessment.confirmed_at),
        "tag": ["implementation"],
        "initiationType": "tender",
        "language": "en",
        "parties": [{**buyer, "roles": ["buyer"]}, supplier],
        "buyer": buyer,
        "awards": [
            _known(
                {
                    "id": contract.reference,
                    "title": contract.title,
                    "status": "active",
                    "value": value,
                    "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
                    "contractPeriod": _period(contract.start_date, contract.current_end_date),
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
        "publishedDate": _instant(published),
        "publisher": {"name": settings.COUNCIL_NAME},
        "releases": releases,
    }


# --- Validating -----------------------------------------------------------------------------------------


def _load(relative: str) -> dict:
    with (SCHEMA_DIR / relative).open(encoding="utf-8") as handle:
        return json.load(handle)


@functools.cache
def _validator() -> Draft4Validator:
    """The release package validator: release schema patched with each extension, then the stated rules."""
    release_schema = copy.deepcopy(_load("schema-1.1.5/release-schema.json"))
    for _, patch in EXTENSIONS:
        release_schema = json_merge_patch.merge(release_schema, _load(patch))
    release_schema = json_merge_patch.merge(release_schema, copy.deepcopy(_STATED_RULES))
    package_schema = _load("schema-1.1.5/release-package-schema.json")
    Draft4Validator.check_schema(release_schema)
    # The package schema refers to the release schema by its published URL: resolve that to the
    # patched local copy. A registry without a retriever never goes to the internet.
    registry = Registry().with_resource(
        RELEASE_SCHEMA_URI, Resource.from_contents(release_schema, default_specification=DRAFT4)
    )
    return Draft4Validator(package_schema, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def _path(error) -> str:
    return "/".join(str(part) for part in error.absolute_path) or "(package)"


def validate_release_package(package: dict) -> list[str]:
    """Every way `package` breaks OCDS 1.1.5 with the UK, metrics and performance failures extensions,
    as "path: message" lines; an empty list when it is valid."""
    errors = sorted(_validator().iter_errors(package), key=lambda e: list(map(str, e.absolute_path)))
    out = []
    for error in errors:
        # allOf hides which part failed: report the innermost messages, which say what is wrong.
        leaves = [e for e in error.context or [] if not e.context] or [error]
        for leaf in leaves:
            out.append(f"{_path(leaf)}: {leaf.message}")
    return list(dict.fromkeys(out))


def notice_filename(assessment: PerformanceAssessment) -> str:
    """The download's name: contract-performance-notice-<reference>-<period end>.json."""
    return f"contract-performance-notice-{slugify(assessment.contract.reference)}-{assessment.period_end:%Y-%m-%d}.json"


__all__ = [
    "MEASURE_CLASSIFICATION_CODES",
    "notice_filename",
    "ocid_for",
    "performance_notice_package",
    "performance_notice_release",
    "validate_release_package",
]
