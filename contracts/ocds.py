"""Open Contracting Data Standard (OCDS) 1.1: what every OCDS publication and import of Golden Thread
shares. The schemas (copies in contracts/data/ocds; nothing is fetched), the validator, and the parts of a
release built from the council's records: money, whole-day periods, the buyer and supplier parties, KPIs as
metrics with observations, and applied deductions as performance failures.

The contract performance notices (contracts.notices), the contracts release package (contracts.exports)
and the OCDS import (contracts.importers.ocds) build on it.

`validate_release_package` checks a package against the 1.1.5 release package and release schemas patched
with the metrics, performance failures and UK extensions, plus two rules the UK extension and OCDS state in
words that the schemas leave open (see `_STATED_RULES`).

Money leaves here as JSON numbers converted from Decimal at the last moment (Decimal("1250.00") -> 1250.0);
nothing is added up in float.
"""

from __future__ import annotations

import copy
import datetime
import functools
import json
from decimal import Decimal
from pathlib import Path

import json_merge_patch
from django.conf import settings
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from contracts.choices import ContractStatus, KPIUnit, Sector
from contracts.models import Contract, Provider
from contracts.rules import format_measure

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
CONTRACT_STATUS = {
    ContractStatus.PIPELINE: "pending",
    ContractStatus.ACTIVE: "active",
    ContractStatus.EXPIRED: "terminated",
    ContractStatus.TERMINATED: "terminated",
}


# --- Building blocks --------------------------------------------------------------------------------


def json_number(value: Decimal | int) -> float | int:
    """A JSON number from a Decimal: the nearest float, made only here at the JSON boundary."""
    return float(value) if isinstance(value, Decimal) else value


def gbp(amount: Decimal) -> dict:
    return {"amount": json_number(amount), "currency": "GBP"}


def instant(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def whole_days(start: datetime.date | None, end: datetime.date | None) -> dict:
    """A whole-day period: from the start of its first day to the end of its last. A day not known
    (a contract from a published register that did not give it) is left out, as OCDS allows."""
    period = {}
    if start is not None:
        period["startDate"] = f"{start:%Y-%m-%d}T00:00:00Z"
    if end is not None:
        period["endDate"] = f"{end:%Y-%m-%d}T23:59:59Z"
    return period


def known(block: dict) -> dict:
    """The block without its facts not known (an empty period, a value of None): OCDS leaves out
    what is not known rather than publishing an empty object or a null."""
    return {key: value for key, value in block.items() if value not in (None, {})}


def ocid_for(contract: Contract) -> str:
    return f"{settings.OCDS_OCID_PREFIX}-{contract.reference}"


def buyer_party() -> dict:
    name = settings.COUNCIL_NAME
    return {"id": f"{settings.OCDS_OCID_PREFIX}-buyer", "name": name}


def supplier_party(provider: Provider) -> dict:
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


def observation_measure(kpi, value: Decimal) -> dict:
    """An observation's measure: money as a GBP value, anything else as a number in the KPI's unit."""
    value = value.quantize(Decimal("0.0001"))
    if kpi.unit == KPIUnit.MONEY:
        return {"value": gbp(value)}
    return {"measure": json_number(value), "unit": {"name": _UNIT_NAMES.get(kpi.unit, kpi.unit)}}


def kpi_metric(kpi) -> dict:
    metric = {"id": kpi.code, "title": kpi.name}
    if kpi.description:
        metric["description"] = kpi.description
    return metric


def agreed_metric(kpi) -> dict:
    """The key KPI as agreed in the contract, with its target."""
    return {
        **kpi_metric(kpi),
        "observations": [
            {"id": f"{kpi.code}-target", "notes": "Target", **observation_measure(kpi, Decimal(kpi.target))}
        ],
    }


def performance_failure(deduction, supplier: dict) -> dict:
    ret = deduction.kpi_return
    kpi = deduction.kpi
    target = format_measure(Decimal(kpi.target), kpi.unit, exact=True)
    failure = {
        "id": f"deduction-{deduction.pk}",
        "period": whole_days(ret.period_start, ret.period_end),
        "category": f"{kpi.code} {kpi.name}",
        "events": 1,
        "penaltyContracted": deduction.calculation,
        "penaltyType": "contracted",
        "penaltyValue": gbp(deduction.amount),
        "requirement": f"{kpi.code} {kpi.name}: a target of {target}",
        "description": f"{ret.period.label}: {ret.rag_explanation}" if ret.rag_explanation else ret.period.label,
        "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
    }
    if deduction.decided_at:
        failure["decisionDate"] = failure["penaltyDate"] = instant(deduction.decided_at)
        failure["penaltyImposed"] = f"Deduction of £{deduction.amount:,.2f} applied"
    return failure


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
