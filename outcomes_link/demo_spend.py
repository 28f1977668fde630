"""The demo's local spend (issue 4): a generated spend file of realistic size, imported by `manage.py demo`.

What it makes, from `random.Random` seeded by the demo's seed, so the same seed and day give
the same file to the byte:

- about 850 more suppliers, created through contracts.services.provider_create: the long tail
  every council pays beside its contracted providers (local trades, community groups, regional
  and national firms, national charities, town councils). With the contracted providers about
  63% of all suppliers are Kent-based, as the Strategic Statement Annual Report 2016 says of
  2015-16 ("12,452 suppliers, of which 7,921 (63%) were Kent-based");
- a spend file of about 50,000 lines over the two most recent complete financial years (April
  to March) before the demo's `today`, in the Local Government Transparency Code 2015 layout
  Kent County Council publishes (Body Name, Body, Service Area, Expense Type, Date as
  DD/MM/YYYY, Transaction Number, Amount with £ and thousands separators, Supplier Name,
  Capital/Revenue), written as Windows cp1252 CSV to a temporary directory;
- each year's spend scaled to the annual report's table for 2015-16 (shared/data/kcc
  commissioning_facts.md section 3): total £1.19bn, Kent spend £639.64m (54.0%), £452m with
  SMEs, £335m with Kent-based SMEs, £67m with Kent-based micro enterprises, £170m with VCS
  organisations of which £78.2m Kent-based. A contracted provider's share follows the contracts
  it holds in the year; iterative proportional fitting then scales the suppliers of each class
  (Kent-based or not, size, VCS or not) to those totals;
- what real files have: redacted payments to individuals ("Redacted Personal Information"),
  supplier names the register does not know (a few of them misspellings of providers, so the
  unmatched-suppliers page has suggestions to confirm), credit notes, one invoice paid over
  several lines under one transaction number, and a few identical lines.

The file is imported through contracts.services.spend_file_import as the procurement officer,
so matching, contract linking and the import record are exactly as for an uploaded file. A
second run finds the import by its file name and changes nothing.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import math
import random
import tempfile
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from rapidfuzz import fuzz

from commissioning.models import User
from contracts.choices import ContractStatus, EmployeeBand, LegalForm, Location, LocationDecision, Sector, SizeBand
from contracts.models import Provider, SpendImport, SpendImportStatus, SpendLine
from contracts.periods import financial_year_label, financial_year_of
from contracts.services import provider_create, spend_file_import
from contracts.services.providers import normalise_provider_name, provider_classification
from outcomes_link.demo import (
    BEXLEY,
    DEFAULT_SEED,
    DEMO_REASON,
    ELSEWHERE,
    KENT_SUPPLIER_SHARE,
    KENT_TOWNS,
    LONDON,
    MEDWAY,
    SPLIT,
    STREETS,
    SURNAMES,
    WORDS,
    DemoPlan,
    DemoResult,
    ProviderPlan,
    _inward,
    _kent_districts_inside,
    _unique_number,
    _weighted,
    demo_plan,
)
from social_value.reports import LocalSpendReport, LocalSpendSummary

SPEND_PUBLISHER = "Kent County Council"
SPEND_BODY = "E10000016"  # the council's ONS code, as the Transparency Code's "Body" column gives it
SPEND_IMPORTER = "procurement"
SPEND_HEADINGS = (
    "Body Name", "Body", "Service Area", "Expense Type", "Date", "Transaction Number", "Amount", "Supplier Name",
    "Capital/Revenue",
)  # fmt: skip
SPEND_ENCODING = "cp1252"
LINES_PER_YEAR = 25_000

# The 2016 Annual Report's table for 2015-16, in pence a year (commissioning_facts.md, section 3).
POUND = 100
ANNUAL_REPORT = {
    # "£1.19bn" is rounded: Kent's £639.64m is 54.0% of between £1,183.4m and £1,185.6m, and only
    # £1,185.0m and up rounds to £1.19bn.
    "total": 1_185_300_000 * POUND,
    "kent": 639_640_000 * POUND,
    "sme": 452_000_000 * POUND,
    "kent_sme": 335_000_000 * POUND,
    "kent_micro": 67_000_000 * POUND,
    "vcs": 170_000_000 * POUND,
    "kent_vcs": 78_200_000 * POUND,
}
# Shares of a year's total paid to individuals (redacted) and to names the register does not know.
REDACTED_SHARE = Decimal("0.012")
UNMATCHED_SHARE = Decimal("0.005")
REDACTED_LINES_PER_YEAR = 2_600
NEAR_MISSES = 18  # misspelt providers, for the unmatched-suppliers page to suggest
ONE_OFF_SUPPLIERS = 30  # names nobody has put in the register


# --------------------------------------------------------------------------- the long tail of suppliers


@dataclass(frozen=True)
class TailKind:
    key: str
    count: int
    names: tuple[str, ...]  # {surname} {surname2} {word} {place} {trade}
    forms: tuple[tuple[str, int], ...]
    bands: tuple[int, int, int, int, int]  # micro, small, medium, large, not known
    kent: float  # relative likelihood of being Kent-based
    spend: tuple[int, int]  # £ a year, low and high (log-uniform), before scaling


TRADES = (
    "Plumbing & Heating", "Electrical Services", "Building Contractors", "Roofing", "Catering", "Cleaning Services",
    "Grounds Maintenance", "Tree Surgery", "Printers", "Signs", "Locksmiths", "Decorators", "Glazing", "Fencing",
    "Scaffolding", "Pest Control", "Removals", "Minibus Hire", "Tutoring", "Interpreting", "Security", "Flooring",
    "Joinery", "Fire Safety", "Drainage", "Skip Hire", "Office Supplies", "Uniforms", "Photography", "Couriers",
    "Vehicle Repairs", "Tyres", "Play Equipment", "Sports Coaching", "Driving School", "Bakery", "Florists",
)  # fmt: skip
KENT_VILLAGES = (
    "Wye", "Charing", "Lenham", "Headcorn", "Marden", "Staplehurst", "Cranbrook", "Hawkhurst", "Goudhurst", "Bearsted",
    "Larkfield", "Kings Hill", "Borough Green", "Otford", "Kemsing", "Hartley", "Longfield", "Meopham", "Higham",
    "Minster", "Eastchurch", "Queenborough", "Teynham", "Whitfield", "Aylesham", "Sturry", "Chartham", "Elham", "Lydd",
    "Dymchurch", "Shepherdswell", "Westgate", "Wingham", "Biddenden", "Smarden", "Yalding", "East Peckham", "Hadlow",
    "Southborough", "Pembury", "Hamstreet", "Kingsnorth", "Willesborough", "Tenterden", "Edenbridge", "Deal",
)  # fmt: skip

TAIL_KINDS: tuple[TailKind, ...] = (
    TailKind(
        "local_trades", 320,
        ("{surname} {trade}", "{place} {trade}", "{word} {trade}", "{surname} & {surname2} {trade}"),
        ((LegalForm.PRIVATE_COMPANY, 6), (LegalForm.SOLE_TRADER, 3), (LegalForm.PARTNERSHIP, 1)),
        (14, 5, 1, 0, 0), 1.3, (2_000, 120_000),
    ),
    TailKind(
        "community_groups", 190,
        ("{place} Community Association", "{place} Good Neighbours", "{place} Foodbank", "{place} Youth Club",
         "{place} Village Hall Trust", "{place} Men's Shed", "{place} Lunch Club", "{place} Befriending Scheme",
         "{place} Toy Library", "{place} Community Transport", "{place} Play Association", "{place} Arts Centre",
         "{place} Carers Group", "{place} Sports Club", "{place} Allotment Society"),
        ((LegalForm.CHARITY, 5), (LegalForm.CIO, 3), (LegalForm.COMPANY_LIMITED_BY_GUARANTEE, 1), (LegalForm.CIC, 1)),
        (12, 5, 1, 0, 1), 1.5, (1_000, 60_000),
    ),
    TailKind(
        "regional_firms", 150,
        ("{surname} Consulting", "{surname} Associates", "{place} Surveyors", "{surname} Architects",
         "{word} Engineering", "{place} Training", "{word} Care Agency", "{surname} Transport", "{word} Solutions",
         "{surname} Legal Services", "{word} Fostering Services", "{place} Contractors"),
        ((LegalForm.PRIVATE_COMPANY, 8), (LegalForm.LLP, 2)),
        (3, 7, 4, 0, 1), 0.9, (5_000, 400_000),
    ),
    TailKind(
        "national_firms", 140,
        ("{word} Group", "{word} Energy", "{word} Office Solutions", "{surname} Recruitment", "{word} Telecom",
         "{word} Fleet Services", "{word} Insurance Services", "{word} Business Solutions", "{word} Managed Services",
         "{word} Utilities", "{word} Vehicle Leasing", "{word} Healthcare Staffing", "{word} Learning Resources",
         "{word} Construction Group", "{word} Support Services", "{surname} Software Systems"),
        ((LegalForm.PRIVATE_COMPANY, 5), (LegalForm.PLC, 5)),
        (0, 0, 2, 8, 0), 0.25, (20_000, 1_500_000),
    ),
    TailKind(
        "national_charities", 25,
        ("{word} Foundation", "National {word} Trust", "{word} Children's Charity", "{word} Housing Association",
         "{word} Care Trust", "{word} Disability Trust", "{word} Carers Network"),
        ((LegalForm.CHARITY, 5), (LegalForm.COMPANY_LIMITED_BY_GUARANTEE, 3), (LegalForm.COMMUNITY_BENEFIT_SOCIETY, 2)),
        (0, 0, 3, 7, 0), 0.2, (100_000, 2_000_000),
    ),
    TailKind(
        "public_bodies", 20,
        ("{place} Town Council", "{place} Parish Council"),
        ((LegalForm.PUBLIC_BODY, 10),),
        (0, 0, 0, 0, 1), 1.0, (5_000, 300_000),
    ),
)  # fmt: skip
TAIL_BY_KEY = {k.key: k for k in TAIL_KINDS}
BANDS = (EmployeeBand.UNDER_10, EmployeeBand.FROM_10, EmployeeBand.FROM_50, EmployeeBand.FROM_250, EmployeeBand.UNKNOWN)
_SUFFIX = {
    LegalForm.PRIVATE_COMPANY: " Ltd",
    LegalForm.PLC: " plc",
    LegalForm.LLP: " LLP",
    LegalForm.CIC: " CIC",
}


def tail_supplier_plan(*, plan: DemoPlan, seed: int = DEFAULT_SEED) -> list[ProviderPlan]:
    """The suppliers paid outside the demo's contracts, planned in memory (nothing read or written).

    So many are Kent-based that, with the contracted providers and the names spend files give
    that the register does not know, about 63% of the suppliers paid are Kent-based.
    """
    rng = random.Random(f"{seed}:spend:suppliers")
    kinds = [kind for kind in TAIL_KINDS for _ in range(kind.count)]
    bands = [_weighted(rng, zip(BANDS, kind.bands, strict=True)) for kind in kinds]
    n = len(kinds)
    suppliers = len(plan.providers) + n + NEAR_MISSES + ONE_OFF_SUPPLIERS
    n_kent = round(KENT_SUPPLIER_SHARE * suppliers) - sum(p.where == "kent" for p in plan.providers)

    where = [""] * n
    for i in rng.sample([i for i in range(n) if kinds[i].key in ("local_trades", "community_groups")], 24):
        where[i] = "none" if i % 3 else "split"
    # Efraimidis-Spirakis weighted sampling without replacement, as for the contracted providers.
    keyed = sorted(((rng.random() ** (1 / kinds[i].kent), i) for i in range(n) if not where[i]), reverse=True)
    for _, i in keyed[:n_kent]:
        where[i] = "kent"
    for _, i in keyed[n_kent:]:
        if kinds[i].key in ("national_firms", "national_charities"):
            where[i] = _weighted(rng, (("london", 5), ("elsewhere", 5)))
        else:
            where[i] = _weighted(rng, (("medway", 3), ("bexley", 2), ("london", 2), ("elsewhere", 3)))

    kent_districts = _kent_districts_inside()
    used_names = {normalise_provider_name(p.fields["name"]) for p in plan.providers}
    used_numbers = {p.fields[k] for p in plan.providers for k in ("companies_house_number", "charity_number")}
    plans = []
    for kind, band, place_kind in zip(kinds, bands, where, strict=True):
        if place_kind == "kent":
            district = rng.choice(kent_districts)
            town = KENT_TOWNS[district]
            place = rng.choice((town, rng.choice(KENT_VILLAGES)))
        elif place_kind == "none":
            district, town = "", ""
            place = rng.choice(KENT_VILLAGES)
        else:
            pool = {"medway": MEDWAY, "bexley": BEXLEY, "london": LONDON, "elsewhere": ELSEWHERE, "split": SPLIT}
            district, town = rng.choice(pool[place_kind])
            place = town
        postcode = f"{district} {_inward(rng)}" if district else ""
        form = _weighted(rng, kind.forms)
        if band == EmployeeBand.FROM_250 and form in (LegalForm.SOLE_TRADER, LegalForm.PARTNERSHIP):
            form = LegalForm.PRIVATE_COMPANY
        if band != EmployeeBand.FROM_250 and form == LegalForm.PLC:
            form = LegalForm.PRIVATE_COMPANY
        for attempt in range(80):
            s1, s2 = rng.sample(SURNAMES, 2)
            base = rng.choice(kind.names).format(
                surname=s1, surname2=s2, word=rng.choice(WORDS), place=place, trade=rng.choice(TRADES)
            )
            if attempt > 40:
                base = f"{base} ({rng.choice(KENT_VILLAGES)})"
            name = base + _SUFFIX.get(form, "")
            key = normalise_provider_name(name)
            if key not in used_names:
                used_names.add(key)
                break
        company_number = charity_number = ""
        if form in (LegalForm.PRIVATE_COMPANY, LegalForm.PLC, LegalForm.CIC, LegalForm.COMPANY_LIMITED_BY_GUARANTEE):
            company_number = _unique_number(rng, used_numbers, "0", 7)
        elif form == LegalForm.LLP:
            company_number = _unique_number(rng, used_numbers, "OC", 6)
        if form in (LegalForm.CHARITY, LegalForm.CIO) or (
            form == LegalForm.COMPANY_LIMITED_BY_GUARANTEE and rng.random() < 0.7
        ):
            charity_number = _unique_number(rng, used_numbers, "11", 5)
        plans.append(
            ProviderPlan(
                kind=kind.key,
                where=place_kind,
                fields={
                    "name": name,
                    "companies_house_number": company_number,
                    "charity_number": charity_number,
                    "legal_form": form,
                    "is_non_profit": form == LegalForm.COMPANY_LIMITED_BY_GUARANTEE,
                    "address_line_1": f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
                    "town": town,
                    "postcode": postcode,
                    "employee_band": band,
                },
            )
        )
    return plans


# --------------------------------------------------------------------------- how each supplier's spend is coded

_CAPITAL = "Capital"
_REVENUE = "Revenue"
# (service area, expense type, capital?) by kind of supplier; the first is the usual one.
CODING: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "homecare": (("Older People & Physical Disability", "Domiciliary Care - Independent Sector", False),
                 ("Older People & Physical Disability", "Enablement Services", False),
                 ("Adult Social Care Commissioning", "Discharge to Assess", False)),
    "care_home": (("Older People & Physical Disability", "Residential Care - Independent Sector", False),
                  ("Older People & Physical Disability", "Nursing Care - Independent Sector", False),
                  ("Learning Disability", "Residential Care - Independent Sector", False)),
    "adult_vcs": (("Adult Social Care Commissioning", "Contracted Services - Voluntary Sector", False),
                  ("Adult Social Care Commissioning", "Grants to Voluntary Organisations", False),
                  ("Mental Health", "Contracted Services - Voluntary Sector", False)),
    "ld_provider": (("Learning Disability", "Supported Living", False),
                    ("Learning Disability", "Day Care - Independent Sector", False)),
    "children_vcs": (("Early Help & Preventative Services", "Contracted Services - Voluntary Sector", False),
                     ("Early Help & Preventative Services", "Grants to Voluntary Organisations", False),
                     ("Children's Centres", "Contracted Services - Voluntary Sector", False)),
    "children_private": (("Specialist Children's Services", "Independent Fostering Agency Placements", False),
                         ("Specialist Children's Services", "Residential Care - Children", False)),
    "social_enterprise": (("Adult Social Care Commissioning", "Contracted Services", False),
                          ("Economic Development", "Training Services", False),
                          ("Early Help & Preventative Services", "Contracted Services", False)),
    "transport": (("SEN Home to School Transport", "Home to School Transport", False),
                  ("Public Transport", "Supported Bus Services", False),
                  ("Public Transport", "Contract Hire", False)),
    "nhs": (("Adult Social Care Commissioning", "Payments to NHS Bodies", False),
            ("Public Health", "Payments to NHS Bodies", False)),
    "public_health": (("Public Health", "Public Health Contracts", False),
                      ("Public Health", "Drug & Alcohol Services", False),
                      ("Public Health", "Sexual Health Services", False)),
    "highways": (("Highways, Transportation & Waste", "Highways Maintenance", False),
                 ("Highways, Transportation & Waste", "Capital Works - Highways", True),
                 ("Highways, Transportation & Waste", "Street Lighting", False)),
    "waste": (("Highways, Transportation & Waste", "Waste Disposal", False),
              ("Highways, Transportation & Waste", "Recycling Credits", False)),
    "ict": (("Infrastructure - ICT", "IT Services", False),
            ("Infrastructure - ICT", "IT Software Licences", False),
            ("Infrastructure - ICT", "IT Hardware", True)),
    "fm": (("Infrastructure - Property", "Facilities Management", False),
           ("Infrastructure - Property", "Building Maintenance", False),
           ("Infrastructure - Property", "Capital Works - Buildings", True)),
    "professional": (("Finance", "Consultants' Fees", False),
                     ("Human Resources", "Agency Staff", False),
                     ("Governance & Law", "Legal Fees", False)),
    "leisure_culture": (("Libraries, Registration & Archives", "Contracted Services", False),
                        ("Environment, Planning & Enforcement", "Grants to Voluntary Organisations", False),
                        ("Sport, Leisure & Olympics", "Contracted Services", False)),
    "supplies": (("Older People & Physical Disability", "Community Equipment", False),
                 ("Libraries, Registration & Archives", "Books & Publications", False)),
    "local_trades": (("Infrastructure - Property", "Building Maintenance", False),
                     ("Education & Young People's Services", "Supplies & Services", False),
                     ("Highways, Transportation & Waste", "Grounds Maintenance", False),
                     ("Libraries, Registration & Archives", "Supplies & Services", False),
                     ("Specialist Children's Services", "Supplies & Services", False)),
    "community_groups": (("Community Services", "Grants to Voluntary Organisations", False),
                         ("Early Help & Preventative Services", "Grants to Voluntary Organisations", False),
                         ("Adult Social Care Commissioning", "Grants to Voluntary Organisations", False),
                         ("Public Health", "Grants to Voluntary Organisations", False)),
    "regional_firms": (("Finance", "Consultants' Fees", False),
                       ("Infrastructure - Property", "Professional Services", False),
                       ("Economic Development", "Training Services", False),
                       ("Specialist Children's Services", "Independent Fostering Agency Placements", False),
                       ("Highways, Transportation & Waste", "Private Contractors", False)),
    "national_firms": (("Infrastructure - Property", "Energy", False),
                       ("Infrastructure - ICT", "Telephony", False),
                       ("Human Resources", "Agency Staff", False),
                       ("Finance", "Insurance", False),
                       ("Highways, Transportation & Waste", "Vehicle Leasing", False),
                       ("Infrastructure - Property", "Capital Works - Buildings", True)),
    "national_charities": (("Specialist Children's Services", "Contracted Services - Voluntary Sector", False),
                           ("Adult Social Care Commissioning", "Contracted Services - Voluntary Sector", False),
                           ("Learning Disability", "Supported Living", False)),
    "public_bodies": (("Community Services", "Payments to Other Local Authorities", False),
                      ("Highways, Transportation & Waste", "Payments to Other Local Authorities", False)),
    "one_off": (("Strategic & Corporate Services", "Supplies & Services", False),
                ("Specialist Children's Services", "Supplies & Services", False),
                ("Community Services", "Hire of Premises", False)),
}  # fmt: skip
# A tail supplier's trade, read from its name, decides its usual coding (a recruiter is paid for agency staff).
TRADE_CODING: tuple[tuple[tuple[str, ...], tuple[str, str, bool]], ...] = (
    (("Energy", "Utilities"), ("Infrastructure - Property", "Energy", False)),
    (("Telecom",), ("Infrastructure - ICT", "Telephony", False)),
    (("Software",), ("Infrastructure - ICT", "IT Software Licences", False)),
    (("Recruitment", "Staffing"), ("Human Resources", "Agency Staff", False)),
    (("Insurance",), ("Finance", "Insurance", False)),
    (("Fleet", "Leasing", "Tyres", "Vehicle"), ("Highways, Transportation & Waste", "Vehicle Leasing", False)),
    (("Construction", "Contractors", "Roofing", "Scaffolding", "Glazing"),
     ("Infrastructure - Property", "Capital Works - Buildings", True)),
    (("Office", "Printers", "Uniforms", "Couriers", "Signs"),
     ("Strategic & Corporate Services", "Supplies & Services", False)),
    (("Learning Resources", "Tutoring", "Sports Coaching", "Play Equipment"),
     ("Education & Young People's Services", "Supplies & Services", False)),
    (("Grounds", "Tree Surgery", "Fencing", "Drainage", "Skip Hire"),
     ("Highways, Transportation & Waste", "Grounds Maintenance", False)),
    (("Minibus", "Transport", "Driving School"), ("SEN Home to School Transport", "Home to School Transport", False)),
    (("Fostering",), ("Specialist Children's Services", "Independent Fostering Agency Placements", False)),
    (("Care Agency", "Healthcare"),
     ("Older People & Physical Disability", "Domiciliary Care - Independent Sector", False)),
    (("Interpreting", "Legal"), ("Governance & Law", "Legal Fees", False)),
    (("Training",), ("Economic Development", "Training Services", False)),
    (("Consulting", "Associates", "Surveyors", "Architects", "Engineering", "Solutions"),
     ("Finance", "Consultants' Fees", False)),
    (("Catering", "Bakery", "Florists", "Photography", "Events"), ("Community Services", "Supplies & Services", False)),
)  # fmt: skip
REDACTED_CODING = (
    ("Older People & Physical Disability", "Direct Payments"),
    ("Learning Disability", "Direct Payments"),
    ("Specialist Children's Services", "Foster Carers' Allowances"),
    ("Specialist Children's Services", "Special Guardianship Allowances"),
    ("Kent Support and Assistance Service", "Emergency Payments"),
    ("Learning Disability", "Shared Lives Carers"),
)
ONE_OFF_NAMES = (
    "{surname} Funeral Services", "{word} Hotel", "{place} Golf Club", "{surname} Hire Centre",
    "{word} Conference Centre", "{surname} Bakery", "{place} Garden Centre", "{word} Coaches Tours",
    "{surname} Opticians", "{place} Marquee Hire",
)  # fmt: skip


# --------------------------------------------------------------------------- the plan


@dataclass
class SpendSupplier:
    """A supplier the file pays: a provider (matched by name), a misspelt provider or an unknown name."""

    name: str  # the provider's name, or the name as the file writes it
    kind: str
    location: str = Location.UNKNOWN
    size: str = SizeBand.UNKNOWN
    sector: str = Sector.UNKNOWN
    windows: list[tuple[datetime.date, datetime.date, Decimal]] = field(default_factory=list)
    base: float = 0.0
    spellings: tuple[str, ...] = ()  # other ways files write the same name (normalising to it)

    @property
    def kent(self) -> bool:
        return self.location == Location.LOCAL


@dataclass
class SpendYearPlan:
    year: int  # the calendar year the financial year starts in
    lines: list[tuple]  # (date, transaction number, supplier, pence, service area, expense type, capital/revenue)

    @property
    def label(self) -> str:
        return financial_year_label(self.year)


@dataclass
class SpendPlan:
    years: list[SpendYearPlan]
    near_misses: dict[str, str]  # misspelt name -> the provider's name

    @property
    def file_name(self) -> str:
        return spend_file_name([y.year for y in self.years])

    @property
    def line_count(self) -> int:
        return sum(len(y.lines) for y in self.years)


def spend_years(today: datetime.date) -> list[int]:
    """The two most recent complete financial years (April to March) before `today`."""
    last = financial_year_of(today) - 1
    return [last - 1, last]


def spend_file_name(years: list[int]) -> str:
    return f"kcc-spend-{financial_year_label(years[0])}-to-{financial_year_label(years[-1])}.csv"


def _classify(plan: ProviderPlan) -> tuple[str, str, str]:
    """Location, size and sector as provider_create will derive them, without the database.

    Kent-based districts are those the council's CSV marks wholly inside (the demo plans only
    those), Medway, Bexley, London and elsewhere are outside, split districts and no postcode are
    unknown; size and sector come from contracts.services.provider_classification itself.
    """
    c = provider_classification(Provider(**plan.fields, location_decision=LocationDecision.INSIDE))
    location = {"kent": Location.LOCAL, "split": Location.UNKNOWN, "none": Location.UNKNOWN}.get(
        plan.where, Location.OUTSIDE
    )
    return location, c.size, c.sector


def _spellings(name: str) -> tuple[str, ...]:
    """Ways a finance system writes a provider's name that match it once normalised."""
    target = normalise_provider_name(name)
    candidates = [name.upper(), name.replace(" Ltd", " Limited"), name.replace(" & ", " and "), f"The {name}"]
    return tuple(c for c in candidates if c != name and normalise_provider_name(c) == target)


def _misspell(rng: random.Random, name: str) -> str:
    """A typing slip in one longer word: a letter dropped, doubled or two letters swapped."""
    words = name.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha() and w.lower() not in ("limited",)]
    if not long_words:
        return name + "s"
    i = rng.choice(long_words)
    word = words[i]
    j = rng.randrange(2, len(word) - 1)
    slip = rng.choice(("drop", "swap", "double"))
    if slip == "drop":
        word = word[:j] + word[j + 1 :]
    elif slip == "swap":
        word = word[: j - 1] + word[j] + word[j - 1] + word[j + 1 :]
    else:
        word = word[:j] + word[j] + word[j:]
    words[i] = word
    return " ".join(words)


def _suppliers(plan: DemoPlan, tail: list[ProviderPlan], rng: random.Random):
    """The suppliers of both years: contracted providers, the long tail, misspellings and unknown names."""
    by_name: dict[str, SpendSupplier] = {}
    for item in plan.providers + tail:
        location, size, sector = _classify(item)
        by_name[item.fields["name"]] = SpendSupplier(
            name=item.fields["name"],
            kind=item.kind,
            location=location,
            size=size,
            sector=sector,
            spellings=_spellings(item.fields["name"]) if rng.random() < 0.2 else (),
        )
    for contract in plan.contracts:
        f = contract.fields
        if f["status"] == ContractStatus.PIPELINE:
            continue
        end = f["end_date"] + relativedelta(months=f["extension_months_taken"])
        by_name[f["provider"]].windows.append((f["start_date"], end, f["annual_value"]))
    for supplier in by_name.values():
        if supplier.kind in TAIL_BY_KEY:
            low, high = TAIL_BY_KEY[supplier.kind].spend
            supplier.base = math.exp(rng.uniform(math.log(low), math.log(high)))

    known = {normalise_provider_name(name) for name in by_name}
    near_misses: dict[str, str] = {}
    contracted = [p.fields["name"] for p in plan.providers]
    for name in rng.sample(contracted, len(contracted)):
        if len(near_misses) >= NEAR_MISSES:
            break
        wrong = _misspell(rng, name)
        key = normalise_provider_name(wrong)
        # Close enough for the unmatched-suppliers page to suggest it, never an exact match.
        if key in known or fuzz.token_sort_ratio(key, normalise_provider_name(name)) < 88:
            continue
        known.add(key)
        near_misses[wrong] = name
    unknown = []
    while len(unknown) < ONE_OFF_SUPPLIERS:
        s1 = rng.choice(SURNAMES)
        name = rng.choice(ONE_OFF_NAMES).format(
            surname=s1, word=rng.choice(WORDS), place=rng.choice(KENT_VILLAGES + tuple(KENT_TOWNS.values()))
        )
        if normalise_provider_name(name) not in known:
            known.add(normalise_provider_name(name))
            unknown.append(name)
    extra = [SpendSupplier(name=wrong, kind=by_name[right].kind) for wrong, right in near_misses.items()]
    extra += [SpendSupplier(name=name, kind="one_off") for name in unknown]
    return list(by_name.values()), extra, near_misses


def _overlap_days(a: datetime.date, b: datetime.date, start: datetime.date, end: datetime.date) -> int:
    return max(0, (min(b, end) - max(a, start)).days + 1)


def _rake(weights: list[float], partitions: list[tuple[list[int], dict[int, float]]], rounds: int = 60) -> None:
    """Iterative proportional fitting: scale weights so each partition's cells reach their targets."""
    for _ in range(rounds):
        for cell_of, targets in partitions:
            sums: Counter = Counter()
            for i, w in enumerate(weights):
                sums[cell_of[i]] += w
            for i in range(len(weights)):
                current = sums[cell_of[i]]
                if current:
                    weights[i] *= targets[cell_of[i]] / current


def _split(rng: random.Random, pence: int, n: int, sigma: float = 0.7) -> list[int]:
    """`pence` as n positive-ish amounts summing exactly to it (log-normal shares)."""
    if n <= 1:
        return [pence]
    shares = [rng.lognormvariate(0, sigma) for _ in range(n)]
    total = sum(shares)
    amounts = [int(pence * s / total) for s in shares]
    amounts[max(range(n), key=lambda i: amounts[i])] += pence - sum(amounts)
    return amounts


def _payment_day(
    rng: random.Random, start: datetime.date, end: datetime.date, year: tuple[datetime.date, datetime.date]
) -> datetime.date:
    """A weekday between start and end (payment runs are on weekdays), or next to it within the year."""
    day = start + datetime.timedelta(days=rng.randrange((end - start).days + 1))
    if day.weekday() < 5:
        return day
    forward = day + datetime.timedelta(days=7 - day.weekday())  # the Monday after
    back = day - datetime.timedelta(days=day.weekday() - 4)  # the Friday before
    for low, high in ((start, end), year):
        for candidate in (back, forward) if day.weekday() == 5 else (forward, back):
            if low <= candidate <= high:
                return candidate
    raise AssertionError("a financial year always has a weekday")  # pragma: no cover


def _year_lines(
    rng: random.Random, year: int, suppliers: list[SpendSupplier], extra: list[SpendSupplier]
) -> list[tuple]:
    start, end = datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)
    total = ANNUAL_REPORT["total"]
    redacted_pence = int(total * REDACTED_SHARE)
    unmatched_pence = int(total * UNMATCHED_SHARE)
    providers_pence = total - redacted_pence - unmatched_pence

    # A contracted provider's spend follows the contracts it holds this year (with a floor for
    # providers whose contracts have ended: councils keep paying for the odd spot purchase).
    weights = []
    for s in suppliers:
        if s.windows:
            held = sum(
                float(annual) * _overlap_days(a, b, start, end) / 365 for a, b, annual in s.windows
            )  # planning weights only: the amounts below are whole pence
            weights.append(max(held, 25_000 * rng.lognormvariate(0, 0.6)) * rng.lognormvariate(0, 0.15))
        else:
            weights.append(s.base * rng.lognormvariate(0, 0.25))

    r = ANNUAL_REPORT
    sme = (SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM)

    def size_cell(s: SpendSupplier) -> int:
        if s.kent:
            return 0 if s.size == SizeBand.MICRO else 1 if s.size in sme else 2
        return 3 if s.size in sme else 4

    def vcs_cell(s: SpendSupplier) -> int:
        return (0 if s.sector == Sector.VCS else 1) + (0 if s.kent else 2)

    by_size = {
        0: r["kent_micro"],
        1: r["kent_sme"] - r["kent_micro"],
        2: r["kent"] - r["kent_sme"],
        3: r["sme"] - r["kent_sme"],
    }
    by_size[4] = providers_pence - sum(by_size.values())
    by_vcs = {0: r["kent_vcs"], 1: r["kent"] - r["kent_vcs"], 2: r["vcs"] - r["kent_vcs"]}
    by_vcs[3] = providers_pence - sum(by_vcs.values())
    _rake(
        weights,
        [([size_cell(s) for s in suppliers], by_size), ([vcs_cell(s) for s in suppliers], by_vcs)],
    )
    pence = [int(round(w)) for w in weights]

    # Unknown names: misspellings paid like their provider, one-off purchases small.
    extra_weights = [rng.lognormvariate(0 if s.kind != "one_off" else -3, 0.8) for s in extra]
    scale = sum(extra_weights)
    extra_pence = [int(unmatched_pence * w / scale) for w in extra_weights]
    extra_pence[0] += unmatched_pence - sum(extra_pence)

    everyone = suppliers + extra
    amounts = pence + extra_pence
    # Lines: roughly with the square root of the spend (a large provider is paid per contract,
    # per service and per four-week cycle; a plumber a few times a year), at least £500 a line.
    wanted = LINES_PER_YEAR - REDACTED_LINES_PER_YEAR
    roots = [math.sqrt(max(p, 0)) for p in amounts]
    caps = [max(1, p // 50_000) for p in amounts]

    def count(k: float) -> list[int]:
        return [max(1, min(cap, round(k * root))) for root, cap in zip(roots, caps, strict=True)]

    low, high = 0.0, 1.0
    while sum(count(high)) < wanted:
        high *= 2
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if sum(count(mid)) < wanted else (low, mid)
    counts = count(high)

    lines = []
    for supplier, pence_total, n in zip(everyone, amounts, counts, strict=True):
        lines.extend(_supplier_lines(rng, supplier, pence_total, n, start, end))
    for index, amount in enumerate(_split(rng, redacted_pence, REDACTED_LINES_PER_YEAR, sigma=0.6)):
        service_area, expense_type = rng.choice(REDACTED_CODING)
        name = "Redacted Personal Information" if rng.random() < 0.9 else "REDACTED"
        day = _payment_day(rng, start, end, (start, end))
        lines.append([day, ("~", index), name, amount, service_area, expense_type, _REVENUE])

    # Transaction numbers in date order; the lines of one invoice (same key) share one number.
    lines.sort(key=lambda line: (line[0], line[1]))
    number = 5_100_000_000 + (year % 100) * 10_000_000
    previous = None
    for line in lines:
        if line[1] != previous:
            number += rng.randint(1, 3)
        previous, line[1] = line[1], str(number)
    return [tuple(line) for line in lines]


def _supplier_lines(
    rng: random.Random, s: SpendSupplier, pence: int, n: int, start: datetime.date, end: datetime.date
) -> list[list]:
    coding = CODING[s.kind]
    trade = next((c for words, c in TRADE_CODING if any(w in s.name for w in words)), None)
    if trade and s.kind in TAIL_BY_KEY:
        coding = (trade, *coding)
        usual = trade
    else:
        usual = coding[0] if len(coding) == 1 or rng.random() < 0.6 else rng.choice(coding)
    windows = [(max(a, start), min(b, end)) for a, b, _annual in s.windows if _overlap_days(a, b, start, end)]
    lengths = list(accumulate((b - a).days + 1 for a, b in windows))

    def day() -> datetime.date:
        if not windows:
            return _payment_day(rng, start, end, (start, end))
        a, b = windows[bisect_left(lengths, rng.randrange(lengths[-1]) + 1)]
        return _payment_day(rng, a, b, (start, end))

    credit = 0
    if n >= 5 and rng.random() < 0.12:
        credit = max(100, int(pence / n * rng.uniform(0.05, 0.4)))
        n -= 1
    amounts = _split(rng, pence + credit, n)
    if credit:
        amounts.append(-credit)
    names = (s.name, *s.spellings)
    lines: list[list] = []
    invoice = 0
    for index, amount in enumerate(amounts):
        # About one line in twelve is a further line of the invoice before it (coded elsewhere).
        same = lines and amount > 0 and rng.random() < 0.08
        if not same:
            invoice += 1
        service_area, expense_type, capital = rng.choice(coding) if same or rng.random() < 0.15 else usual
        written = names[0] if len(names) == 1 or rng.random() < 0.7 else rng.choice(names[1:])
        line = [
            lines[-1][0] if same else day(),
            (s.name, invoice),
            lines[-1][2] if same else written,
            amount,
            service_area,
            expense_type,
            _CAPITAL if capital else _REVENUE,
        ]
        lines.append(line)
        # Now and then the finance system pays one invoice in two identical lines.
        if amount > 100_000 and amount % 2 == 0 and rng.random() < 0.003 and index:
            line[3] = amount // 2
            lines.append(list(line))
    return lines


def spend_plan(*, plan: DemoPlan, tail: list[ProviderPlan], seed: int = DEFAULT_SEED, today=None) -> SpendPlan:
    """The demo's spend lines for the two most recent complete financial years, in memory."""
    today = today or timezone.localdate()
    rng = random.Random(f"{seed}:spend")
    suppliers, extra, near_misses = _suppliers(plan, tail, rng)
    years = []
    for year in spend_years(today):
        years.append(
            SpendYearPlan(year=year, lines=_year_lines(random.Random(f"{seed}:spend:{year}"), year, suppliers, extra))
        )
    return SpendPlan(years=years, near_misses=near_misses)


# --------------------------------------------------------------------------- the file


def _amount_text(pence: int) -> str:
    """£1,234.56, and -£1,234.56 for a credit, as the council's files write money."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"


def spend_file_write(spend: SpendPlan, path: Path) -> Path:
    """Write the plan as the council publishes it: Transparency Code columns, cp1252, CRLF."""
    with open(path, "w", encoding=SPEND_ENCODING, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(SPEND_HEADINGS)
        for year in spend.years:
            for day, number, supplier, pence, service_area, expense_type, capital in year.lines:
                writer.writerow(
                    (
                        SPEND_PUBLISHER,
                        SPEND_BODY,
                        service_area,
                        expense_type,
                        day.strftime("%d/%m/%Y"),
                        number,
                        _amount_text(pence),
                        supplier,
                        capital,
                    )
                )
    return path


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --------------------------------------------------------------------------- loading


def demo_spend_load(*, seed: int = DEFAULT_SEED, today: datetime.date | None = None, result: DemoResult) -> None:
    """Create the long tail of suppliers and import the generated spend file as the procurement officer.

    Run after outcomes_link.demo.demo_load (it needs the providers, contracts and people).
    Idempotent: suppliers are found by name, and the file is not generated again once the demo's
    import of the same file name exists.
    """
    today = today or timezone.localdate()
    plan = demo_plan(seed=seed, today=today)
    tail = tail_supplier_plan(plan=plan, seed=seed)
    with transaction.atomic():
        existing = set(
            Provider.objects.filter(name__in=[p.fields["name"] for p in tail]).values_list("name", flat=True)
        )
        for item in tail:
            if item.fields["name"] in existing:
                result.existing["providers"] += 1
                continue
            provider_create(reason=DEMO_REASON, **item.fields)
            result.created["providers"] += 1

    if SpendImport.objects.filter(
        publisher__name=SPEND_PUBLISHER,
        file_name=spend_file_name(spend_years(today)),
        status=SpendImportStatus.IMPORTED,
    ).exists():
        result.existing["spend files"] += 1
        return
    spend = spend_plan(plan=plan, tail=tail, seed=seed, today=today)
    actor = User.objects.get(username=SPEND_IMPORTER)
    with tempfile.TemporaryDirectory(prefix="golden-thread-demo-") as directory:
        path = spend_file_write(spend, Path(directory) / spend.file_name)
        with open(path, "rb") as handle:
            imported = spend_file_import(
                handle=handle, file_name=spend.file_name, publisher=SPEND_PUBLISHER, actor=actor
            )
    result.created["spend files"] += 1
    result.created["spend lines"] += imported.lines_added


# --------------------------------------------------------------------------- figures for the summary


@dataclass(frozen=True)
class SpendYearFigures:
    label: str
    summary: LocalSpendSummary
    unmatched_suppliers: int


def spend_figures(*, today: datetime.date | None = None) -> list[SpendYearFigures]:
    """The annual report's table for each financial year the council's spend lines cover."""
    lines = SpendLine.objects.filter(publisher__name=SPEND_PUBLISHER)
    years = sorted({financial_year_of(d) for d in lines.dates("payment_date", "month")})
    figures = []
    for year in years:
        in_year = lines.filter(payment_date__range=(datetime.date(year, 4, 1), datetime.date(year + 1, 3, 31)))
        unmatched = (
            in_year.filter(provider__isnull=True, redacted=False).values("normalised_supplier").distinct().count()
        )
        figures.append(SpendYearFigures(financial_year_label(year), LocalSpendReport(in_year).summary(), unmatched))
    return figures


def millions(pence: int) -> str:
    """£639.64m: the annual report's way with large sums."""
    return f"£{Decimal(pence) / 100_000_000:,.2f}m"
