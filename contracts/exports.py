"""Open data out (issue 7): the council's contracts register and its contracts as OCDS.

Two publications, read from contracts.selectors.exports:

- the **contracts register** the Local Government Transparency Code 2015 asks of every local authority
  (part 2, "Contracts"): each contract with a value over £5,000, one row each, as CSV
  (`contracts_register_csv`). "Over £5,000" is judged on the whole-life (total) value, or on the annual
  value where the total is not known; a contract with neither value known is left out, as it cannot be
  shown to be over £5,000 (contracts.selectors.exports.register_threshold_q). Text cells go through
  commissioning.downloads, which neutralises spreadsheet formulas.
- an **Open Contracting Data Standard 1.1 release package** of the contracts (`contracts_release_package`):
  one release per contract with its award, contract block and implementation: the payments made under it
  (transactions, from the spend files), its KPIs and their counted returns (metrics and observations, with
  the targets as agreed metrics), its applied deductions (performance failures) and its variations
  (amendments, each saying whether it needs a Procurement Act 2023 contract change notice). It uses the
  same extensions, and is checked by the same validator (contracts.ocds), as the contract performance
  notices, so `validate_release_package` must find nothing wrong before it is handed out.

Nothing is invented: a date or value the council does not know is left out of the release, and left blank
in the register. Money stays Decimal until the JSON boundary (contracts.ocds.gbp).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from commissioning.db import pence_to_pounds
from commissioning.downloads import DATE, MONEY, Column, Table, tables_csv
from contracts.choices import SME_SIZES, ContractStatus, ProcurementRoute, Sector, SizeBand
from contracts.models import Contract, ContractVariation, Provider
from contracts.ocds import (
    CONTRACT_STATUS,
    EXTENSIONS,
    agreed_metric,
    buyer_party,
    gbp,
    instant,
    kpi_metric,
    observation_measure,
    ocid_for,
    performance_failure,
    supplier_party,
    whole_days,
)
from contracts.selectors import contracts_for_ocds, contracts_register_rows

PENNY = Decimal("0.01")

# --- The Transparency Code contracts register --------------------------------------------------------

# The Code's "whether the contract was the result of an invitation to quote or a published invitation to
# tender". The Procurement Act 2023's competitive procedures (open, and the competitive flexible procedure,
# with the restricted procedure and competitive dialogue of the 2015 Regulations before it) are advertised
# tenders; a below-threshold quotation is an invitation to quote; a call-off from a framework or a dynamic
# market, a direct award and a grant are neither (the tender, if any, was for the framework or market).
TENDER_ROUTES = frozenset(
    {
        ProcurementRoute.OPEN,
        ProcurementRoute.RESTRICTED,
        ProcurementRoute.COMPETITIVE_FLEXIBLE,
        ProcurementRoute.COMPETITIVE_DIALOGUE,
    }
)
QUOTE_ROUTES = frozenset({ProcurementRoute.BELOW_THRESHOLD})
PUBLISHED_TENDER = "Published invitation to tender"
INVITATION_TO_QUOTE = "Invitation to quote"
NEITHER = "Neither"

REGISTER_COLUMNS = [
    Column("Reference"),
    Column("Title"),
    Column("Department responsible"),
    Column("Description"),
    Column("Supplier name"),
    Column("Supplier address"),
    Column("Supplier postcode"),
    Column("Companies House number"),
    Column("Charity number"),
    Column("SME"),
    Column("VCS"),
    Column("Total value (£)", MONEY),
    Column("Annual value (£)", MONEY),
    Column("VAT that cannot be recovered (£)", MONEY),
    Column("Start date", DATE),
    Column("End date", DATE),
    Column("Review date", DATE),
    Column("Procurement route"),
    Column("Result of"),
    Column("Status"),
]
REGISTER_HEADINGS = [column.heading for column in REGISTER_COLUMNS]
YES, NO, NOT_KNOWN = "Yes", "No", "Not known"
# How the register is written out: UTF-8 with a byte-order mark, so that Excel reads the £ signs in the headings.
REGISTER_ENCODING = "utf-8-sig"


def result_of(route: str) -> str:
    """Whether a contract was the result of a published invitation to tender, an invitation to quote, or neither
    (see TENDER_ROUTES and QUOTE_ROUTES)."""
    if route in TENDER_ROUTES:
        return PUBLISHED_TENDER
    if route in QUOTE_ROUTES:
        return INVITATION_TO_QUOTE
    return NEITHER


def sme_flag(provider: Provider) -> str:
    """Yes for a micro, small or medium enterprise (or one declared an SME), No for a large one, else Not known."""
    if provider.size in SME_SIZES:
        return YES
    return NO if provider.size == SizeBand.LARGE else NOT_KNOWN


def vcs_flag(provider: Provider) -> str:
    """Yes for the voluntary and community sector, No for a private or public body, Not known otherwise."""
    if provider.sector == Sector.VCS:
        return YES
    return NOT_KNOWN if provider.sector == Sector.UNKNOWN else NO


def _pounds(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(PENNY)


def _supplier_address(provider: Provider) -> str:
    """The address without the postcode, which has a column of its own."""
    return ", ".join(part for part in (provider.address_line_1, provider.address_line_2, provider.town) if part)


def register_row(contract: Contract) -> list:
    """One contract as a row of REGISTER_COLUMNS: plain values, None where not known."""
    provider = contract.provider
    return [
        contract.reference,
        contract.title,
        contract.directorate.name,
        contract.description,
        provider.name,
        _supplier_address(provider),
        provider.postcode,
        provider.companies_house_number,
        provider.charity_number,
        sme_flag(provider),
        vcs_flag(provider),
        _pounds(contract.total_value),
        _pounds(contract.annual_value),
        _pounds(contract.irrecoverable_vat),
        contract.start_date,
        contract.current_end_date,
        contract.review_date,
        contract.get_procurement_route_display(),
        result_of(contract.procurement_route),
        contract.get_status_display(),
    ]


def contracts_register_table(*, contracts: QuerySet[Contract] | None = None) -> Table:
    """The contracts register (Transparency Code 2015) as a download table: every contract over £5,000 of
    `contracts` (default: all), by reference. One query."""
    table = Table(title="Contracts register", columns=REGISTER_COLUMNS)
    table.rows = [register_row(contract) for contract in contracts_register_rows(contracts=contracts)]
    return table


def contracts_register_csv(*, contracts: QuerySet[Contract] | None = None) -> str:
    """The contracts register as CSV text: the headings, then one row per contract. Dates as YYYY-MM-DD, money as
    plain numbers with two decimals (1250000.00), blank where not known; text that a spreadsheet would run as a
    formula is neutralised (commissioning.downloads.neutralise). Write it out as UTF-8 with a byte-order mark
    (`REGISTER_ENCODING`) so that Excel reads the £ signs in the headings."""
    return register_csv_text(contracts_register_table(contracts=contracts))


def register_csv_text(table: Table) -> str:
    """A register table (`contracts_register_table`) as CSV text (see `contracts_register_csv`)."""
    return tables_csv([table], bom=False).decode("utf-8")


# --- OCDS ---------------------------------------------------------------------------------------------


def _day_start(day: datetime.date) -> str:
    return f"{day:%Y-%m-%d}T00:00:00Z"


def _transaction(line, *, payer: dict, payee: dict) -> dict:
    """A payment under the contract from the spend files. A credit note is a negative amount, as OCDS allows
    ("A negative value indicates a refund or correction"). The id is the council's transaction number, with the
    line's own number after it, since one invoice can be paid over several lines."""
    key = f"{line.transaction_number}/{line.pk}" if line.transaction_number else f"line-{line.pk}"
    return {
        "id": key,
        "date": _day_start(line.payment_date),
        "value": gbp(pence_to_pounds(line.amount_pence)),
        "payer": payer,
        "payee": payee,
    }


def _observation(kpi, ret) -> dict:
    """One counted KPI return: its period and actual value in the KPI's unit, with the RAG in the notes."""
    observation = {
        "id": f"{kpi.code}-{ret.period_start:%Y-%m-%d}",
        "period": whole_days(ret.period_start, ret.period_end),
        **observation_measure(kpi, Decimal(ret.actual)),
    }
    label = ret.period.label
    observation["notes"] = f"{label}: {ret.get_rag_display().lower()}" if ret.rag else label
    return observation


def _amendment(variation: ContractVariation) -> dict:
    """A contract variation as an OCDS amendment, its description saying whether it needs a Procurement Act 2023
    contract change notice (contracts.rules.variation_assessment)."""
    description = variation.explanation.strip() or "The contract's value or term was changed."
    if variation.needs_change_notice:
        if "contract change notice" not in description:
            description += " A contract change notice is needed (Procurement Act 2023 s.75)."
    else:
        description += " Not flagged as needing a contract change notice: no change of more than 10% was measured."
    amendment = {"id": f"variation-{variation.pk}", "date": _day_start(variation.varied_on), "description": description}
    if variation.reason.strip():
        amendment["rationale"] = variation.reason.strip()
    return amendment


def _moment(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def _last_changed(contract: Contract) -> datetime.datetime:
    """When what the release says last changed: the contract, its variations, returns and deductions, or its
    latest payment (at the start of its day). The same data gives the same date, so the same release."""
    moments = [contract.modified]
    moments += [v.created for v in contract.ocds_variations]
    moments += [ret.modified for kpi in contract.ocds_kpis for ret in kpi.ocds_returns]
    moments += [d.modified for d in contract.ocds_deductions]
    if contract.ocds_spend_lines:
        moments.append(_moment(contract.ocds_spend_lines[-1].payment_date))
    return max(moments)


def _release_id(release: dict) -> str:
    """A release id stable for the same content and new whenever it changes (OCDS: "a new release with a new
    id" for each change): the ocid and a digest of everything else in the release."""
    content = json.dumps({k: v for k, v in release.items() if k != "id"}, sort_keys=True, ensure_ascii=False)
    return f"{release['ocid']}-contract-{hashlib.sha256(content.encode('utf-8')).hexdigest()[:16]}"


def contract_release(contract: Contract) -> dict:
    """One contract as an OCDS release. `contract` must come from contracts.selectors.exports.contracts_for_ocds,
    which prefetches what the release holds.

    Tagged "contract", and "implementation" when it holds payments, KPI observations or performance failures. The
    award and contract carry the whole-life value and the period from the start date to the current end date
    (after extensions) where they are known; both are left out where not.
    """
    buyer = buyer_party()
    supplier = supplier_party(contract.provider)
    payer = {"id": buyer["id"], "name": buyer["name"]}
    payee = {"id": supplier["id"], "name": supplier["name"]}
    lines = contract.ocds_spend_lines
    kpis = contract.ocds_kpis

    implementation = {}
    if lines:
        implementation["transactions"] = [_transaction(line, payer=payer, payee=payee) for line in lines]
    metrics = [
        {**kpi_metric(kpi), "observations": [_observation(kpi, ret) for ret in kpi.ocds_returns]}
        for kpi in kpis
        if kpi.ocds_returns
    ]
    if metrics:
        implementation["metrics"] = metrics
    if contract.ocds_deductions:
        implementation["performanceFailures"] = [performance_failure(d, supplier) for d in contract.ocds_deductions]

    status = CONTRACT_STATUS.get(contract.status, "active")
    period = whole_days(contract.start_date, contract.current_end_date)  # only the days that are known
    award = {
        "id": contract.reference,
        "title": contract.title,
        "status": "pending" if contract.status == ContractStatus.PIPELINE else "active",
        "suppliers": [payee],
    }
    block = {"id": contract.reference, "awardID": contract.reference, "title": contract.title, "status": status}
    if contract.description:
        award["description"] = block["description"] = contract.description
    if contract.total_value is not None:
        award["value"] = gbp(contract.total_value)
        block["value"] = gbp(contract.total_value)
    if period:
        award["contractPeriod"] = dict(period)
        block["period"] = dict(period)
    if kpis:
        block["agreedMetrics"] = [agreed_metric(kpi) for kpi in kpis]
    if implementation:
        block["implementation"] = implementation
    if contract.ocds_variations:
        block["amendments"] = [_amendment(v) for v in contract.ocds_variations]

    parties = [
        {**buyer, "roles": ["buyer", "payer"] if lines else ["buyer"]},
        {**supplier, "roles": ["supplier", "payee"] if lines else ["supplier"]},
    ]
    release = {
        "ocid": ocid_for(contract),
        "date": instant(_last_changed(contract)),
        "tag": ["contract", "implementation"] if implementation else ["contract"],
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": buyer,
        "awards": [award],
        "contracts": [block],
    }
    return {"ocid": release["ocid"], "id": _release_id(release), **release}


@dataclass(frozen=True)
class OCDSCounts:
    """What a package holds, for the commands and pages to say."""

    releases: int
    transactions: int
    metrics: int
    observations: int
    performance_failures: int
    amendments: int


def package_counts(package: dict) -> OCDSCounts:
    releases = package["releases"]
    blocks = [block for release in releases for block in release.get("contracts", [])]
    implementations = [block.get("implementation", {}) for block in blocks]
    metrics = [metric for impl in implementations for metric in impl.get("metrics", [])]
    return OCDSCounts(
        releases=len(releases),
        transactions=sum(len(impl.get("transactions", [])) for impl in implementations),
        metrics=len(metrics),
        observations=sum(len(metric.get("observations", [])) for metric in metrics),
        performance_failures=sum(len(impl.get("performanceFailures", [])) for impl in implementations),
        amendments=sum(len(block.get("amendments", [])) for block in blocks),
    )


def contracts_release_package(*, contracts: QuerySet[Contract] | None = None, uri: str | None = None) -> dict:
    """An OCDS 1.1 release package of `contracts` (default: every contract), one release each, by reference.

    Its publishedDate is the latest release's date, so the same data gives the same package. Raises ValueError
    when there is no contract to publish (a package holds at least one release). Six queries.
    """
    releases = [contract_release(contract) for contract in contracts_for_ocds(contracts=contracts)]
    return release_package(releases, uri=uri)


def release_package(releases: Iterable[dict], *, uri: str | None = None) -> dict:
    releases = list(releases)
    if not releases:
        raise ValueError("There are no contracts to publish.")
    published = max(release["date"] for release in releases)
    if uri is None:
        stamp = published.replace("-", "").replace(":", "")
        uri = f"urn:{settings.OCDS_OCID_PREFIX}:contracts:{stamp}"
    return {
        "uri": uri,
        "version": "1.1",
        "extensions": [url for url, _ in EXTENSIONS],
        "publishedDate": published,
        "publisher": {"name": settings.COUNCIL_NAME},
        "releases": releases,
    }


def ocds_filename(reference: str | None = None) -> str:
    """The download's name: contracts-ocds-<date>.json, or contract-ocds-<reference>-<date>.json for one."""
    stamp = timezone.localdate().isoformat()
    return f"contract-ocds-{slugify(reference)}-{stamp}.json" if reference else f"contracts-ocds-{stamp}.json"


def register_filename() -> str:
    return f"contracts-register-{timezone.localdate().isoformat()}.csv"


__all__ = [
    "INVITATION_TO_QUOTE",
    "NEITHER",
    "PUBLISHED_TENDER",
    "REGISTER_ENCODING",
    "REGISTER_HEADINGS",
    "OCDSCounts",
    "contract_release",
    "contracts_register_csv",
    "contracts_register_table",
    "contracts_release_package",
    "ocds_filename",
    "package_counts",
    "register_csv_text",
    "register_filename",
    "result_of",
]
