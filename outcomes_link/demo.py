"""A realistic, seeded demonstration set for Kent County Council (`manage.py demo`).

What it loads, all through the services so classifications, validation and history apply:

- KCC's framework "Increasing Opportunities, Improving Outcomes 2015-2020", the five
  directorates and the postcode districts (the same loaders as load_framework and
  load_reference_data);
- one person per role (member, commissioner, procurement officer, administrator) and a
  commissioner for each other directorate, all with one demo password;
- about 150 fictional providers across Kent's districts and beyond: care homes, homecare
  agencies, charities, CICs, transport operators, highways, waste, ICT and facilities firms,
  NHS trusts. About 63% are Kent-based, as the Strategic Statement Annual Report 2016 says
  of the council's suppliers in 2015-16 ("7,921 (63%) were Kent-based suppliers"); the rest
  are in Medway, Bexley, London or further away, and a few are in split postcode districts
  or have no postcode, so their location is unknown;
- about 250 contracts shaped like each directorate's service areas (shared/data/kcc
  kent_geography.md section 3), with references such as "SC15001" (directorate prefix, year
  the contract starts, number), values from £20k to £60m a year and start dates from 2014;
- every active contract linked to the supporting outcomes its service serves, shares
  totalling 100% with one primary (e.g. homecare: 3.5 primary 70%, 3.1 30%);
- KPIs and two years of returns (below), and, loaded after this module by the command, a
  spend file of about 50,000 lines over two financial years (outcomes_link.demo_spend).

The whole set is planned in memory from `random.Random(seed)` before anything is written, so
the same seed gives the same providers and contracts whatever is already in the database.
Writing checks natural keys (usernames, provider names, contract references) and skips what
exists, so a second run creates nothing, changes nothing and writes no history. Dates are
placed relative to `today` so that most contracts are current whenever the demo is loaded.
"""

from __future__ import annotations

import csv
import datetime
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import password_validation
from django.db import transaction
from django.utils import timezone

from commissioning.choices import AreaStatus, Role
from commissioning.db import money_sum, pence_to_pounds, percent_of
from commissioning.models import Directorate, SupportingOutcome, User
from commissioning.services import (
    DEFAULT_POSTCODE_DISTRICTS_FILE,
    directorates_load,
    framework_load_file,
    postcode_districts_load,
    user_create,
)
from contracts.choices import (
    RAG,
    AssessmentReason,
    ContractStatus,
    DeductionRule,
    DeductionStatus,
    EmployeeBand,
    Frequency,
    KPIUnit,
    LegalForm,
    Location,
    Polarity,
)
from contracts.choices import (
    ContractCategory as Cat,
)
from contracts.choices import (
    ProcurementRoute as Route,
)
from contracts.models import KPI, Contract, Deduction, KPIReturn, PerformanceConcern, Provider
from contracts.periods import Period, periods_between
from contracts.rules import rag_for
from contracts.services import (
    ReturnEntry,
    contract_create,
    contract_update,
    deduction_apply,
    deduction_dispute,
    deduction_waive,
    kpi_create,
    kpi_return_accept,
    kpi_returns_save_many,
    performance_assessment_confirm,
    performance_assessment_propose,
    performance_concern_resolve,
    provider_create,
)
from outcomes_link.services import contract_outcome_links_set

DEFAULT_SEED = 2015
# Passes the project's validators: 12+ characters, not a common password, not numeric.
DEMO_PASSWORD = "golden-thread-demo"  # noqa: S105 (a published demo credential, by design)
DEMO_REASON = "Demonstration data (manage.py demo)"
# The 2016 Annual Report: 7,921 of 12,452 suppliers (63%) were Kent-based in 2015-16.
KENT_SUPPLIER_SHARE = 0.63
EARLIEST_START = datetime.date(2014, 4, 1)
ENDING_SOON_COUNT = 8


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    first_name: str
    last_name: str
    job_title: str
    directorate: str = ""  # directorate code, for commissioners


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("cllr.member", Role.MEMBER, "Margaret", "Ellison", "County Councillor"),
    DemoUser("commissioner", Role.COMMISSIONER, "Sarah", "Whitfield", "Senior Commissioner, Adult Social Care", "ASCH"),
    DemoUser("procurement", Role.PROCUREMENT, "Daniel", "Okafor", "Category Manager, Strategic Procurement"),
    DemoUser("admin", Role.ADMIN, "Priya", "Nair", "Systems Administrator"),
    DemoUser("james.harding", Role.COMMISSIONER, "James", "Harding", "Commissioner, Learning Disability", "ASCH"),
    DemoUser("helen.marsh", Role.COMMISSIONER, "Helen", "Marsh", "Commissioning Manager, Early Help", "CYPE"),
    DemoUser("tom.bennett", Role.COMMISSIONER, "Tom", "Bennett", "Commissioner, SEN Transport", "CYPE"),
    DemoUser("aisha.rahman", Role.COMMISSIONER, "Aisha", "Rahman", "Public Health Commissioning Manager", "PH"),
    DemoUser("mark.fuller", Role.COMMISSIONER, "Mark", "Fuller", "Commissioning Manager, Highways and Waste", "GET"),
    DemoUser("claire.dawson", Role.COMMISSIONER, "Claire", "Dawson", "Commissioner, Corporate Contracts", "SCS"),
)


# --------------------------------------------------------------------------- places

# Towns for the Kent districts used; only districts the council's CSV marks "inside" are used.
KENT_TOWNS = {
    "CT1": "Canterbury", "CT2": "Canterbury", "CT5": "Whitstable", "CT6": "Herne Bay", "CT7": "Birchington",
    "CT9": "Margate", "CT10": "Broadstairs", "CT11": "Ramsgate", "CT13": "Sandwich", "CT14": "Deal",
    "CT16": "Dover", "CT17": "Dover", "CT19": "Folkestone", "CT20": "Folkestone", "CT21": "Hythe",
    "DA2": "Dartford", "DA9": "Greenhithe", "DA10": "Swanscombe", "DA11": "Gravesend", "DA12": "Gravesend",
    "ME6": "Snodland", "ME10": "Sittingbourne", "ME12": "Sheerness", "ME13": "Faversham", "ME14": "Maidstone",
    "ME15": "Maidstone", "ME16": "Maidstone", "ME17": "Maidstone", "ME19": "West Malling", "ME20": "Aylesford",
    "TN1": "Tunbridge Wells", "TN2": "Tunbridge Wells", "TN4": "Tunbridge Wells", "TN8": "Edenbridge",
    "TN9": "Tonbridge", "TN10": "Tonbridge", "TN12": "Paddock Wood", "TN13": "Sevenoaks", "TN15": "Sevenoaks",
    "TN23": "Ashford", "TN24": "Ashford", "TN25": "Ashford", "TN28": "New Romney", "TN30": "Tenterden",
}  # fmt: skip
MEDWAY = [("ME4", "Chatham"), ("ME5", "Chatham"), ("ME7", "Gillingham"), ("ME8", "Rainham")]
BEXLEY = [("DA5", "Bexley"), ("DA6", "Bexleyheath"), ("DA7", "Bexleyheath"), ("DA8", "Erith")]
LONDON = [("SE1", "London"), ("EC2A", "London"), ("SW1P", "London"), ("E14", "London"), ("N1", "London")]
ELSEWHERE = [
    ("B3", "Birmingham"), ("M2", "Manchester"), ("RG1", "Reading"), ("BN1", "Brighton"), ("CR0", "Croydon"),
    ("TN34", "Hastings"), ("LS1", "Leeds"), ("BS1", "Bristol"), ("MK9", "Milton Keynes"), ("RH10", "Crawley"),
]  # fmt: skip
# Split districts: without a full-postcode entry or an officer's decision these stay "unknown".
SPLIT = [("TN16", "Westerham"), ("TN3", "Langton Green"), ("ME2", "Strood"), ("BR8", "Swanley"), ("DA1", "Dartford")]

KENT_AREAS = ["Kent", "East Kent", "West Kent", "Mid Kent", "North Kent", "Weald", "Stour Valley", "Invicta", "Downs"]
OTHER_AREAS = ["Southern", "Thames", "Albion", "Chiltern", "Wessex", "Anglia", "Meridian", "Capital", "Britannia"]
KENT_DISTRICTS = [
    "Ashford", "Canterbury", "Dartford", "Dover", "Folkestone and Hythe", "Gravesham", "Maidstone",
    "Sevenoaks", "Swale", "Thanet", "Tonbridge and Malling", "Tunbridge Wells",
]  # fmt: skip
KENT_QUADRANTS = ["East Kent", "West Kent", "North Kent", "South Kent"]

WORDS = [
    "Acorn", "Beacon", "Bluebell", "Brightside", "Cedar", "Compass", "Evergreen", "Harbour", "Hawthorn",
    "Heritage", "Horizon", "Kingfisher", "Lantern", "Meadow", "Oakwood", "Orchard", "Pathway", "Primrose",
    "Riverside", "Rosewood", "Silver Birch", "Summit", "Willow", "Wayfarer", "Keystone", "Northgate",
    "Greenway", "Lighthouse", "Oast", "Hopfield", "Beckett", "Chalk Hill", "Marsh Gate", "Whitecliff",
]  # fmt: skip
SURNAMES = [
    "Ashby", "Barton", "Bennett", "Carter", "Chandler", "Dawson", "Ellis", "Fletcher", "Foster", "Gardner",
    "Hadley", "Harris", "Hollis", "Jarvis", "Kemp", "Lambert", "Mercer", "Norris", "Osborne", "Palmer",
    "Pearce", "Quinn", "Rowe", "Sawyer", "Sharma", "Thornton", "Turner", "Underwood", "Walsh", "Webb",
    "Whitaker", "Nowak", "Khan", "Patel", "Adeyemi", "Gill", "Baxter", "Finch", "Mason", "Ogunleye",
]  # fmt: skip
STREETS = [
    "High Street", "Station Road", "London Road", "Church Lane", "Mill Lane", "Bridge Street", "Castle Street",
    "Victoria Road", "Park Road", "Sandling Road", "Tonbridge Road", "Canterbury Road", "Week Street",
    "Romney Place", "Ashford Road", "Queen Street", "King Street", "Albion Place", "Marine Parade",
]  # fmt: skip
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


# --------------------------------------------------------------------------- provider kinds

# Employee band weights in this order: micro, small, medium, large, not known.
BANDS = (EmployeeBand.UNDER_10, EmployeeBand.FROM_10, EmployeeBand.FROM_50, EmployeeBand.FROM_250, EmployeeBand.UNKNOWN)


@dataclass(frozen=True)
class ProviderKind:
    key: str
    count: int
    names: tuple[str, ...]  # patterns: {place} {word} {surname} {surname2}; the legal suffix is added
    forms: tuple[tuple[str, int], ...]  # (legal form, weight)
    bands: tuple[int, int, int, int, int]
    kent: float  # relative likelihood of being Kent-based
    large_at_least: int = 0  # so that the biggest contracts of this kind have a large provider
    non_profit: bool = False  # a company limited by guarantee of this kind is non-profit
    names_in_order: bool = False  # the n-th provider takes the n-th name (a kind of distinct trades)


PRIVATE = ((LegalForm.PRIVATE_COMPANY, 10),)
VCS = ((LegalForm.CHARITY, 4), (LegalForm.CIO, 3), (LegalForm.COMPANY_LIMITED_BY_GUARANTEE, 3))

KINDS: tuple[ProviderKind, ...] = (
    ProviderKind(
        "homecare", 14,
        ("{place} Home Care", "{word} Homecare", "{surname} Care Services", "Caring Hands {place}",
         "{word} Care at Home", "{place} Domiciliary Care"),
        PRIVATE, (1, 5, 6, 2, 0), 1.2, large_at_least=1,
    ),
    ProviderKind(
        "care_home", 14,
        ("{word} Lodge Care Home", "{surname} Healthcare", "{word} House Nursing Home", "{place} Care Homes",
         "{word} Residential Care"),
        PRIVATE, (1, 6, 5, 2, 0), 1.2,
    ),
    ProviderKind(
        "adult_vcs", 16,
        ("{place} Carers' Trust", "{place} Community Wellbeing Trust", "{place} Advocacy Partnership",
         "{place} Dementia Support", "{place} Voluntary Action", "Friends of {place} Elders",
         "{word} Mental Health Alliance", "{place} Befriending Service"),
        VCS, (5, 6, 4, 0, 1), 1.4, non_profit=True,
    ),
    ProviderKind(
        "ld_provider", 5,
        ("{word} Supported Living@private_company", "{place} Shared Lives@cio", "{word} Day Opportunities"),
        ((LegalForm.PRIVATE_COMPANY, 5), (LegalForm.CIO, 2)), (0, 2, 3, 0, 0), 1.1,
    ),
    ProviderKind(
        "children_vcs", 14,
        ("{place} Family Support Trust", "{place} Young People's Partnership", "{place} Youth Trust",
         "Little Steps {place}", "{place} Children's Centres Trust", "{word} Family Hub"),
        VCS, (4, 6, 3, 0, 1), 1.4, non_profit=True,
    ),
    ProviderKind(
        "children_private", 8,
        ("{word} Fostering", "{word} Children's Homes", "{place} Family Placements", "{word} Care for Children"),
        PRIVATE, (0, 3, 3, 2, 0), 0.7,
    ),
    ProviderKind(
        "social_enterprise", 10,
        ("{word} Works", "{place} Skills Hub", "Green {place}", "{place} Community Learning", "{word} Futures",
         "{place} Wellbeing Collective"),
        ((LegalForm.CIC, 8), (LegalForm.COMMUNITY_BENEFIT_SOCIETY, 2)), (6, 3, 1, 0, 0), 1.4,
    ),
    ProviderKind(
        "transport", 14,
        ("{surname}'s Taxis@sole_trader,partnership,private_company", "{place} Cars", "{place} Coaches@private_company",
         "{word} Travel", "{surname} Minibus Hire", "{place} Bus Company@private_company"),
        ((LegalForm.PRIVATE_COMPANY, 6), (LegalForm.SOLE_TRADER, 3), (LegalForm.PARTNERSHIP, 1)),
        (7, 4, 2, 1, 0), 1.6, large_at_least=1,
    ),
    ProviderKind(
        "nhs", 6,
        ("{place} Community Health NHS Trust", "{place} Healthcare NHS Foundation Trust",
         "{place} Mental Health NHS Foundation Trust", "{place} Primary Care Partnership"),
        ((LegalForm.PUBLIC_BODY, 10),), (0, 0, 0, 1, 0), 1.3,
    ),
    ProviderKind(
        "public_health", 7,
        ("{place} Recovery Partnership@charity,clg", "{place} Community Health Partnership@charity,clg",
         "{surname} Pharmacy Group@private_company", "{place} GP Federation@private_company",
         "{word} Health Improvement@private_company,clg", "{place} Healthy Lives@charity,clg"),
        ((LegalForm.CHARITY, 3), (LegalForm.COMPANY_LIMITED_BY_GUARANTEE, 2), (LegalForm.PRIVATE_COMPANY, 3)),
        (1, 3, 3, 1, 0), 1.0, non_profit=True,
    ),
    ProviderKind(
        "highways", 9,
        ("{surname} Civil Engineering", "{place} Surfacing", "{surname} & {surname2} Contractors",
         "{word} Highways", "{place} Street Lighting", "{word} Infrastructure Services"),
        ((LegalForm.PRIVATE_COMPANY, 7), (LegalForm.PLC, 2)), (1, 3, 3, 2, 0), 0.8, large_at_least=2,
    ),
    ProviderKind(
        "waste", 5,
        ("{place} Recycling", "{word} Waste Solutions", "{place} Energy Recovery", "{word} Environmental"),
        ((LegalForm.PRIVATE_COMPANY, 6), (LegalForm.PLC, 2)), (0, 1, 2, 2, 0), 0.6, large_at_least=2,
    ),
    ProviderKind(
        "ict", 10,
        ("{word} Digital", "{word} Networks", "{place} Data Systems", "{surname} Software", "{word} Cloud Services",
         "{word} Technology Partners"),
        ((LegalForm.PRIVATE_COMPANY, 7), (LegalForm.PLC, 2), (LegalForm.LLP, 1)), (2, 3, 2, 3, 0), 0.6,
        large_at_least=2,
    ),
    ProviderKind(
        "fm", 4,
        ("{surname} Facilities Management", "{word} Property Services", "{surname} Building Services"),
        ((LegalForm.PLC, 3), (LegalForm.PRIVATE_COMPANY, 2)), (0, 0, 1, 3, 0), 0.3, large_at_least=3,
    ),
    ProviderKind(
        "professional", 9,
        ("{surname} {surname2}@llp", "{surname} Associates", "{word} Resourcing@private_company", "{word} Consulting",
         "{surname} & Co Chartered Accountants@llp"),
        ((LegalForm.LLP, 4), (LegalForm.PRIVATE_COMPANY, 5)), (2, 3, 2, 2, 0), 0.8,
    ),
    ProviderKind(
        "leisure_culture", 7,
        ("{place} Country Parks Trust@charity", "{place} Arts Partnership", "{place} Sport and Leisure Trust@charity",
         "{word} Outdoor Learning", "{place} Heritage Trust@charity"),
        ((LegalForm.CHARITY, 5), (LegalForm.CIC, 3)), (3, 3, 1, 0, 0), 1.3,
    ),
    ProviderKind(
        "supplies", 2,
        ("{word} Community Equipment", "{word} Library Supplies"),
        PRIVATE, (0, 1, 1, 0, 0), 0.6, large_at_least=1, names_in_order=True,
    ),
)  # fmt: skip
KIND_BY_KEY = {k.key: k for k in KINDS}


# --------------------------------------------------------------------------- services


@dataclass(frozen=True)
class Service:
    """A kind of contract a directorate lets, and the supporting outcomes it serves."""

    directorate: str
    title: str  # may use {district} (a Kent district) or {quadrant} (East/West/North/South Kent)
    count: int
    kinds: tuple[str, ...]
    category: str
    annual: tuple[int, int]  # £ a year, low and high
    links: tuple[tuple[str, int, str], ...]  # (supporting outcome code, share %, rationale); first is primary
    description: str
    term_years: tuple[int, ...] = (3, 4, 5)
    extension_months: tuple[int, ...] = (0, 12, 24)
    routes: tuple[str, ...] = (Route.OPEN,)
    large_provider: bool = False
    always_active: bool = False


SERVICES: tuple[Service, ...] = (
    # Adult Social Care and Health
    Service("ASCH", "Home care and support – {district}", 16, ("homecare",), Cat.ADULT_SOCIAL_CARE,
            (400_000, 6_000_000),
            (("3.5", 70, "Care at home helps people avoid unnecessary admission to hospital or a care home"),
             ("3.1", 30, "Personal care for people managing long-term conditions at home")),
            "Outcome-focused home care and support for adults assessed as eligible, in one district lot.",
            routes=(Route.OPEN, Route.DYNAMIC_MARKET)),
    Service("ASCH", "Discharge to assess and enablement support – {quadrant}", 5, ("homecare",), Cat.ADULT_SOCIAL_CARE,
            (800_000, 4_000_000),
            (("3.5", 60, "Short-term enablement gets people home from hospital and keeps them there"),
             ("3.6", 40, "Delivered jointly with the NHS under the Better Care Fund")),
            "Up to six weeks of enablement after a hospital stay, to regain independence at home."),
    Service("ASCH", "Residential and nursing care beds – {district}", 18, ("care_home",), Cat.ADULT_SOCIAL_CARE,
            (300_000, 3_500_000),
            (("3.1", 70, "Nursing and residential care for people with complex long-term conditions"),
             ("3.4", 30, "Activities and visiting keep residents part of their community")),
            "Block-purchased residential and nursing care beds at the council's agreed rates.",
            routes=(Route.FRAMEWORK, Route.DYNAMIC_MARKET)),
    Service("ASCH", "Carers' support service – {quadrant}", 6, ("adult_vcs",), Cat.ADULT_SOCIAL_CARE,
            (200_000, 1_800_000),
            (("3.3", 80, "Advice, carers' assessments and short breaks for unpaid carers"),
             ("3.4", 20, "Peer groups reduce carers' isolation")),
            "Information, advice, carers' assessments and short breaks for adult carers.",
            routes=(Route.OPEN, Route.GRANT)),
    Service("ASCH", "Supported living for adults with a learning disability – {district}", 8, ("ld_provider",),
            Cat.ADULT_SOCIAL_CARE, (500_000, 4_000_000),
            (("3.4", 60, "Support to live in the community rather than in residential care"),
             ("3.7", 40, "Tenants choose how and by whom their support is delivered")),
            "Personalised support in supported-living schemes for adults with a learning disability."),
    Service("ASCH", "Shared Lives scheme", 2, ("ld_provider", "adult_vcs"), Cat.ADULT_SOCIAL_CARE, (300_000, 900_000),
            (("3.4", 70, "Adults live with or visit Shared Lives carers as part of family life"),
             ("3.7", 30, "An alternative to day services chosen by the person")),
            "Recruiting, approving and supporting Shared Lives carers."),
    Service("ASCH", "Live Well Kent community mental health support – {quadrant}", 4, ("adult_vcs",),
            Cat.ADULT_SOCIAL_CARE, (600_000, 3_000_000),
            (("3.2", 80, "Early community support for people with mental health needs"),
             ("3.4", 20, "Connects people with local groups and activities")),
            "Community-based mental health and wellbeing support, with a network of local partners.",
            routes=(Route.COMPETITIVE_DIALOGUE, Route.OPEN), term_years=(5, 7)),
    Service("ASCH", "Dementia support and dementia cafes – {quadrant}", 3, ("adult_vcs",), Cat.ADULT_SOCIAL_CARE,
            (80_000, 400_000),
            (("3.2", 100, "Post-diagnosis support so people with dementia live well"),),
            "Dementia advisers, post-diagnosis support groups and dementia cafes.", routes=(Route.GRANT, Route.OPEN)),
    Service("ASCH", "Independent advocacy – {quadrant}", 3, ("adult_vcs",), Cat.ADULT_SOCIAL_CARE, (150_000, 900_000),
            (("3.3", 60, "Statutory advocacy under the Care Act and Mental Health Act"),
             ("3.7", 40, "People are supported to have their say in decisions about their care")),
            "Care Act, IMCA and IMHA advocacy through a lead provider and local partners."),
    Service("ASCH", "Direct payments support and payroll service", 2, ("social_enterprise",), Cat.ADULT_SOCIAL_CARE,
            (100_000, 600_000),
            (("3.7", 100, "Helps people use direct payments to buy the support they choose"),),
            "Support to set up and manage direct payments, including payroll for personal assistants."),
    Service("ASCH", "Technology enabled care (telecare) service", 2, ("ict",), Cat.ADULT_SOCIAL_CARE,
            (500_000, 2_500_000),
            (("3.5", 60, "Alarms and sensors let people stay safely at home"),
             ("3.1", 40, "Remote monitoring for people with long-term conditions")),
            "Supply, installation and monitoring of telecare equipment.", routes=(Route.FRAMEWORK,)),
    Service("ASCH", "Integrated community equipment service", 1, ("supplies",), Cat.ADULT_SOCIAL_CARE,
            (3_000_000, 8_000_000),
            (("3.6", 50, "One equipment service jointly commissioned with the clinical commissioning groups"),
             ("3.5", 50, "Equipment delivered quickly so people can leave hospital")),
            "Delivery, fitting and collection of community equipment, pooled with the NHS.",
            large_provider=True, always_active=True),
    Service("ASCH", "Better Care Fund integrated care – {quadrant}", 4, ("nhs",), Cat.ADULT_SOCIAL_CARE,
            (2_000_000, 12_000_000),
            (("3.6", 80, "Health and social care teams working as one under the Better Care Fund"),
             ("3.1", 20, "Joint care planning for people with long-term conditions")),
            "Section 75 arrangement for integrated community health and social care.",
            routes=(Route.DIRECT_AWARD,), term_years=(3, 5), extension_months=(0, 12)),
    Service("ASCH", "Information, advice and care navigation – {quadrant}", 4, ("adult_vcs",), Cat.ADULT_SOCIAL_CARE,
            (100_000, 700_000),
            (("3.3", 70, "People and families get advice on care and support early"),
             ("3.7", 30, "Care navigators help people find and choose services")),
            "Care navigators in GP practices and a telephone information and advice line."),
    # Children, Young People and Education
    Service("CYPE", "Early help family support – {district}", 10, ("children_vcs", "social_enterprise"),
            Cat.CHILDRENS_SERVICES, (150_000, 1_200_000),
            (("1.2", 60, "Whole-family support keeps families out of crisis and children out of care"),
             ("1.1", 40, "Builds family resilience within local communities")),
            "Whole-family early help and preventative support for families with additional needs."),
    Service("CYPE", "Children's centre services – {district}", 6, ("children_vcs",), Cat.CHILDRENS_SERVICES,
            (300_000, 1_500_000),
            (("1.4", 80, "Early learning and parenting support so children are ready for school at five"),
             ("1.1", 20, "Children's centres are a hub for local families")),
            "Delivery of children's centre services from hub and outreach sites."),
    Service("CYPE", "Independent fostering placements", 6, ("children_private",), Cat.CHILDRENS_SERVICES,
            (250_000, 3_000_000),
            (("1.2", 80, "Family placements for children in care"),
             ("1.5", 20, "Therapeutic support for children's emotional health")),
            "Fostering placements from independent agencies under the regional framework.",
            routes=(Route.FRAMEWORK,)),
    Service("CYPE", "Residential children's home placements", 4, ("children_private",), Cat.CHILDRENS_SERVICES,
            (500_000, 4_000_000),
            (("1.2", 70, "Stable homes for children in care who cannot live in a family"),
             ("1.5", 30, "Access to mental health support in the home")),
            "Residential placements for looked-after children.", routes=(Route.FRAMEWORK, Route.DYNAMIC_MARKET)),
    Service("CYPE", "SEN home to school transport – {district} schools", 14, ("transport",), Cat.EDUCATION_SKILLS,
            (20_000, 450_000),
            (("1.6", 70, "Children with special educational needs get to school every day"),
             ("1.3", 30, "Reliable transport supports attendance and closes the attainment gap")),
            "One transport provider for each special school's routes.",
            term_years=(2, 3, 4), routes=(Route.DYNAMIC_MARKET, Route.BELOW_THRESHOLD)),
    Service("CYPE", "Youth justice reparation and interventions", 3, ("children_vcs", "social_enterprise"),
            Cat.CHILDRENS_SERVICES, (60_000, 400_000),
            (("1.7", 70, "Diverts young people from offending towards education and work"),
             ("1.1", 30, "Restorative work makes communities safer")),
            "Reparation projects and structured interventions for the Youth Offending Service."),
    Service("CYPE", "Commissioned youth work – {district}", 5, ("children_vcs",), Cat.CHILDRENS_SERVICES,
            (50_000, 300_000),
            (("1.6", 60, "Keeps young people engaged in positive activities and learning"),
             ("1.7", 40, "Builds confidence and aspiration")),
            "Open-access youth work in the district.", routes=(Route.OPEN, Route.GRANT)),
    Service("CYPE", "Emotional wellbeing and mental health service for children and young people", 2, ("nhs",),
            Cat.CHILDRENS_SERVICES, (3_000_000, 9_000_000),
            (("1.5", 100, "Earlier help for children's emotional and mental health"),),
            "Single countywide service, jointly commissioned with the clinical commissioning groups.",
            routes=(Route.COMPETITIVE_DIALOGUE,), large_provider=True),
    Service("CYPE", "NEET re-engagement and apprenticeship support – {quadrant}", 3,
            ("social_enterprise", "children_vcs"), Cat.EDUCATION_SKILLS, (80_000, 500_000),
            (("1.7", 100, "Gets young people not in education, employment or training back on track"),),
            "Key workers and apprenticeship brokerage for 16 to 24 year olds."),
    Service("CYPE", "Virtual School Kent tuition for children in care", 3, ("social_enterprise", "children_vcs"),
            Cat.EDUCATION_SKILLS, (40_000, 250_000),
            (("1.3", 80, "One-to-one tuition closes the gap for children in care"),
             ("1.2", 20, "Supports placement stability")),
            "Tuition and mentoring commissioned by the Virtual School.",
            routes=(Route.FRAMEWORK, Route.BELOW_THRESHOLD)),
    Service("CYPE", "Supported accommodation for care leavers and unaccompanied young people", 2,
            ("children_private",), Cat.CHILDRENS_SERVICES, (400_000, 2_000_000),
            (("1.2", 100, "Safe accommodation and support for young people leaving care"),),
            "Supported accommodation for 16 to 18 year olds, including unaccompanied asylum-seeking children."),
    Service("CYPE", "Outdoor education centre programmes", 2, ("leisure_culture",), Cat.EDUCATION_SKILLS,
            (60_000, 300_000),
            (("1.6", 100, "Outdoor learning keeps children engaged in education"),),
            "Residential and day outdoor education for Kent schools.", routes=(Route.OPEN, Route.GRANT)),
    # Public Health
    Service("PH", "Health visiting service", 1, ("nhs",), Cat.PUBLIC_HEALTH, (18_000_000, 25_000_000),
            (("1.4", 70, "Mandated checks make sure children are developing well before school"),
             ("1.5", 30, "Health promotion for babies and young children")),
            "0 to 5 healthy child programme, including the five mandated reviews.",
            routes=(Route.DIRECT_AWARD,), large_provider=True, always_active=True),
    Service("PH", "School nursing service", 1, ("nhs",), Cat.PUBLIC_HEALTH, (4_000_000, 7_000_000),
            (("1.5", 100, "School nurses support children's physical and emotional health"),),
            "5 to 19 healthy child programme delivered through schools.",
            routes=(Route.DIRECT_AWARD,), large_provider=True),
    Service("PH", "Family Nurse Partnership", 1, ("nhs",), Cat.PUBLIC_HEALTH, (800_000, 1_500_000),
            (("1.4", 100, "Intensive home visiting for young first-time parents"),),
            "Licensed Family Nurse Partnership programme.", routes=(Route.DIRECT_AWARD,)),
    Service("PH", "Stop smoking service – {quadrant}", 4, ("public_health", "nhs"), Cat.PUBLIC_HEALTH,
            (150_000, 1_200_000),
            (("2.1", 100, "Helps people take responsibility for their health by quitting smoking"),),
            "Behavioural support and stop-smoking medication."),
    Service("PH", "Adult drug and alcohol treatment – {quadrant}", 4, ("public_health",), Cat.PUBLIC_HEALTH,
            (1_500_000, 7_000_000),
            (("2.1", 70, "Treatment and recovery from drug and alcohol misuse"),
             ("3.2", 30, "Joint support for people with mental health and substance misuse needs")),
            "Community substance misuse treatment and recovery service.", term_years=(5, 7)),
    Service("PH", "Young people's substance misuse service", 2, ("public_health",), Cat.PUBLIC_HEALTH,
            (200_000, 700_000),
            (("1.5", 70, "Early help for young people's drug and alcohol use"),
             ("2.1", 30, "Education on risks reduces future harm")),
            "Specialist substance misuse support for under-18s."),
    Service("PH", "Integrated sexual health service", 3, ("nhs", "public_health"), Cat.PUBLIC_HEALTH,
            (2_000_000, 8_000_000),
            (("2.1", 100, "Open-access sexual health clinics and testing"),),
            "Contraception, testing and treatment of sexually transmitted infections.", term_years=(5, 7)),
    Service("PH", "NHS Health Checks programme – {quadrant}", 4, ("public_health", "nhs"), Cat.PUBLIC_HEALTH,
            (150_000, 900_000),
            (("2.1", 70, "Health checks help adults aged 40 to 74 reduce their risk of disease"),
             ("3.1", 30, "Early detection of long-term conditions")),
            "NHS Health Checks through GP practices and community outreach."),
    Service("PH", "Healthy weight and physical activity service", 4, ("social_enterprise", "public_health"),
            Cat.PUBLIC_HEALTH, (80_000, 500_000),
            (("2.1", 100, "Supports people to manage their weight and be more active"),),
            "Adult and family weight management programmes."),
    Service("PH", "Mental wellbeing and suicide prevention – {quadrant}", 3, ("adult_vcs",), Cat.PUBLIC_HEALTH,
            (60_000, 400_000),
            (("2.1", 50, "Promotes mental wellbeing and self-care"),
             ("3.2", 50, "Earlier support for people at risk of suicide")),
            "Community wellbeing programmes and suicide prevention training.", routes=(Route.GRANT, Route.OPEN)),
    Service("PH", "Community health trainers – {quadrant}", 3, ("social_enterprise",), Cat.PUBLIC_HEALTH,
            (60_000, 300_000),
            (("2.1", 60, "One-to-one support to change health behaviours"),
             ("2.3", 40, "Focused on the most deprived communities")),
            "Health trainers working in areas of high deprivation."),
    # Growth, Environment and Transport
    Service("GET", "Highway term maintenance contract", 1, ("highways",), Cat.HIGHWAYS_TRANSPORT,
            (40_000_000, 60_000_000),
            (("2.2", 80, "A well-maintained road network supports business growth"),
             ("2.6", 20, "Drainage and verge work protects the environment")),
            "Reactive and planned maintenance of Kent's roads, including pothole repairs and winter service.",
            term_years=(7,), extension_months=(36,), routes=(Route.COMPETITIVE_DIALOGUE,), large_provider=True,
            always_active=True),
    Service("GET", "LED street lighting conversion and maintenance", 1, ("highways",), Cat.HIGHWAYS_TRANSPORT,
            (4_000_000, 9_000_000),
            (("2.2", 60, "Reliable street lighting on the county's roads"),
             ("2.6", 40, "LED lanterns cut energy use and carbon")),
            "Conversion of street lights to LED with central management, then maintenance.",
            term_years=(8,), extension_months=(24,), large_provider=True, always_active=True),
    Service("GET", "Street lighting maintenance – {quadrant}", 2, ("highways",), Cat.HIGHWAYS_TRANSPORT,
            (500_000, 2_000_000),
            (("2.2", 60, "Lighting keeps roads and town centres safe and open for business"),
             ("2.6", 40, "Lower energy use")),
            "Routine and reactive street lighting maintenance."),
    Service("GET", "Surface treatment and resurfacing programme – {quadrant}", 3, ("highways",),
            Cat.HIGHWAYS_TRANSPORT, (2_000_000, 9_000_000),
            (("2.2", 100, "Resurfacing keeps the road network fit for business and residents"),),
            "Planned surface dressing, micro-asphalt and resurfacing.", routes=(Route.RESTRICTED, Route.FRAMEWORK)),
    Service("GET", "Drainage and gully cleansing – {quadrant}", 2, ("highways",), Cat.HIGHWAYS_TRANSPORT,
            (400_000, 1_500_000),
            (("2.6", 60, "Reduces local flooding"), ("2.2", 40, "Keeps roads open in heavy rain")),
            "Cyclic gully emptying and drainage repairs."),
    Service("GET", "Flood risk management works", 2, ("highways",), Cat.WASTE_ENVIRONMENT, (200_000, 1_500_000),
            (("2.6", 100, "Protects homes and land from surface water flooding"),),
            "Design and construction of local flood alleviation schemes.", routes=(Route.FRAMEWORK,)),
    Service("GET", "Waste disposal: energy from waste", 1, ("waste",), Cat.WASTE_ENVIRONMENT,
            (15_000_000, 30_000_000),
            (("2.6", 100, "Residual waste converted to electricity instead of going to landfill"),),
            "Treatment of residual household waste at an energy-from-waste plant.",
            term_years=(10,), extension_months=(60,), large_provider=True, always_active=True),
    Service("GET", "Waste transfer and haulage – {quadrant}", 2, ("waste",), Cat.WASTE_ENVIRONMENT,
            (1_500_000, 6_000_000),
            (("2.6", 100, "Moves waste from transfer stations to treatment and recycling"),),
            "Operation of waste transfer stations and haulage."),
    Service("GET", "Household waste recycling centres – {quadrant}", 3, ("waste",), Cat.WASTE_ENVIRONMENT,
            (1_000_000, 5_000_000),
            (("2.6", 80, "Residents recycle more and less waste goes to landfill"),
             ("2.4", 20, "Convenient sites residents value")),
            "Management of household waste recycling centres, including reuse shops.", term_years=(5, 7)),
    Service("GET", "Library book and stock supply", 1, ("supplies",), Cat.COMMUNITY_SERVICES,
            (800_000, 2_000_000),
            (("2.4", 80, "Libraries offer books and learning to every resident"),
             ("3.4", 20, "Home library service for people who cannot visit")),
            "Supply of books and e-resources to Kent's libraries.", routes=(Route.FRAMEWORK,)),
    Service("GET", "Library management system", 1, ("ict",), Cat.COMMUNITY_SERVICES, (150_000, 400_000),
            (("2.4", 100, "Residents can find, reserve and borrow online"),),
            "Hosted library management system and self-service kiosks.", routes=(Route.FRAMEWORK,)),
    Service("GET", "Mobile library and home library service", 1, ("leisure_culture", "social_enterprise"),
            Cat.COMMUNITY_SERVICES, (100_000, 300_000),
            (("3.4", 60, "Older residents who cannot get out stay connected"),
             ("2.4", 40, "Library services reach rural villages")),
            "Mobile library routes and volunteer home delivery."),
    Service("GET", "Country park cafe and visitor services – {district}", 3, ("leisure_culture", "social_enterprise"),
            Cat.WASTE_ENVIRONMENT, (40_000, 250_000),
            (("2.6", 60, "More people enjoy Kent's countryside"),
             ("2.4", 40, "Facilities that make a day out possible for families")),
            "Concession and visitor services at a country park.", routes=(Route.OPEN, Route.BELOW_THRESHOLD)),
    Service("GET", "Supported local bus services – {district}", 10, ("transport",), Cat.HIGHWAYS_TRANSPORT,
            (50_000, 800_000),
            (("2.2", 50, "Bus routes get people to work and training"),
             ("3.4", 50, "Rural residents without a car stay connected")),
            "Subsidised bus routes that would not run commercially.",
            term_years=(3, 4, 5), routes=(Route.OPEN, Route.RESTRICTED)),
    Service("GET", "Making Kent Quicker superfast broadband", 1, ("ict",), Cat.ECONOMIC_DEVELOPMENT,
            (5_000_000, 12_000_000),
            (("2.2", 100, "Superfast broadband for rural businesses and homes"),),
            "Extending superfast broadband to areas the commercial market does not reach.",
            term_years=(6,), extension_months=(24,), routes=(Route.COMPETITIVE_DIALOGUE,), large_provider=True),
    Service("GET", "Community learning and skills delivery – {quadrant}", 4, ("social_enterprise", "children_vcs"),
            Cat.EDUCATION_SKILLS, (100_000, 700_000),
            (("2.2", 60, "Adult learning builds the skilled workforce local businesses need"),
             ("2.3", 40, "Courses targeted at the most deprived communities")),
            "Adult education courses delivered by local partners."),
    Service("GET", "Business support and inward investment – {quadrant}", 3, ("professional",),
            Cat.ECONOMIC_DEVELOPMENT, (100_000, 800_000),
            (("2.3", 70, "New and growing businesses bring jobs to deprived areas"),
             ("2.2", 30, "Helps firms find skilled staff")),
            "Business advice and inward investment support."),
    Service("GET", "Public rights of way maintenance – {quadrant}", 3, ("highways", "social_enterprise"),
            Cat.WASTE_ENVIRONMENT, (50_000, 350_000),
            (("2.6", 70, "A well-kept path network protects and opens up the countryside"),
             ("2.4", 30, "Walking and cycling for leisure")),
            "Vegetation clearance, stiles, gates and signage on public rights of way."),
    Service("GET", "Sport and physical activity development", 2, ("leisure_culture",), Cat.COMMUNITY_SERVICES,
            (50_000, 300_000),
            (("2.4", 100, "More residents take part in sport and physical activity"),),
            "Community sport programmes and club development.", routes=(Route.GRANT, Route.OPEN)),
    Service("GET", "Arts and culture programme", 1, ("leisure_culture",), Cat.COMMUNITY_SERVICES, (40_000, 200_000),
            (("2.4", 100, "Cultural opportunities across the county"),), "Commissioned arts and culture projects.",
            routes=(Route.GRANT,)),
    Service("GET", "Archive digitisation", 1, ("ict", "professional"), Cat.COMMUNITY_SERVICES, (30_000, 150_000),
            (("2.4", 100, "Opens Kent's archives to residents online"),),
            "Digitising and cataloguing the county archives.", routes=(Route.BELOW_THRESHOLD, Route.OPEN)),
    Service("GET", "Concessionary travel scheme administration", 2, ("ict", "professional"),
            Cat.HIGHWAYS_TRANSPORT, (150_000, 600_000),
            (("3.4", 60, "Older and disabled residents travel free on buses"),
             ("2.2", 40, "Supports bus patronage")),
            "Pass issuing and reimbursement of bus operators."),
    # Strategic and Corporate Services
    Service("SCS", "Total facilities management – {quadrant}", 3, ("fm",), Cat.PROPERTY_FACILITIES,
            (8_000_000, 11_000_000),
            (("2.6", 60, "Keeps council buildings safe, efficient and lower-carbon"),
             ("2.3", 40, "Local subcontracting and apprenticeships")),
            "Hard and soft facilities management of the council's estate, with an outcome-based performance regime.",
            term_years=(5,), extension_months=(24,), routes=(Route.COMPETITIVE_DIALOGUE,), large_provider=True),
    Service("SCS", "ICT managed service: {ict}", 8, ("ict",), Cat.ICT, (100_000, 5_000_000),
            (("2.2", 60, "Digital infrastructure that supports a modern economy"),
             ("3.7", 40, "Online services residents can use when it suits them")),
            "ICT service supporting the council's staff and online services.",
            routes=(Route.FRAMEWORK, Route.OPEN)),
    Service("SCS", "Contact centre and digital front door", 2, ("ict", "professional"), Cat.ICT,
            (2_000_000, 6_000_000),
            (("3.3", 60, "Residents get information and advice first time"),
             ("3.7", 40, "Choice of phone, web and face-to-face contact")),
            "Contact centre, web chat and online forms for council services."),
    Service("SCS", "Internal audit and assurance services", 2, ("professional",), Cat.PROFESSIONAL_SERVICES,
            (100_000, 500_000),
            (("2.3", 100, "Assurance that public money is well spent so more reaches front-line services"),),
            "Co-sourced internal audit and counter-fraud work.", routes=(Route.FRAMEWORK,)),
    Service("SCS", "Temporary and interim staff", 2, ("professional",), Cat.PROFESSIONAL_SERVICES,
            (1_000_000, 8_000_000),
            (("2.3", 60, "Local recruitment into council roles"), ("1.7", 40, "Work placements for young people")),
            "Managed service for agency workers.", routes=(Route.FRAMEWORK,)),
    Service("SCS", "Legal services panel", 2, ("professional",), Cat.PROFESSIONAL_SERVICES, (200_000, 900_000),
            (("2.3", 100, "Value for money on specialist legal advice"),), "External legal advice panel.",
            routes=(Route.FRAMEWORK,)),
    Service("SCS", "Occupational health service", 1, ("nhs", "professional"), Cat.PROFESSIONAL_SERVICES,
            (150_000, 400_000),
            (("2.1", 100, "Supports staff health so front-line services are maintained"),),
            "Occupational health assessments and employee assistance."),
    Service("SCS", "Energy supply and carbon reduction", 2, ("waste", "fm"), Cat.PROPERTY_FACILITIES,
            (2_000_000, 9_000_000),
            (("2.6", 100, "Renewable energy and lower carbon in the council's buildings"),),
            "Energy supply for council buildings and street lighting.", routes=(Route.FRAMEWORK,)),
    Service("SCS", "Print, post and mail services", 2, ("ict", "professional"), Cat.PROFESSIONAL_SERVICES,
            (100_000, 700_000),
            (("3.7", 100, "Letters and forms residents rely on arrive on time"),), "Hybrid mail and print services.",
            routes=(Route.FRAMEWORK, Route.BELOW_THRESHOLD)),
    Service("SCS", "Property maintenance and school building works – {quadrant}", 3, ("fm", "highways"),
            Cat.PROPERTY_FACILITIES, (500_000, 4_000_000),
            (("2.5", 60, "Building works that support well-planned growth"),
             ("2.6", 40, "More energy-efficient public buildings")),
            "Planned and reactive maintenance through the Kent approved contractor list.",
            routes=(Route.FRAMEWORK,)),
    Service("SCS", "Grounds maintenance – {quadrant}", 2, ("social_enterprise", "leisure_culture"),
            Cat.PROPERTY_FACILITIES, (80_000, 400_000),
            (("2.6", 100, "Well-kept green spaces around council buildings"),),
            "Grounds maintenance of council sites.", routes=(Route.OPEN, Route.BELOW_THRESHOLD)),
)  # fmt: skip

ICT_SERVICES = [
    "wide area network", "data centre and cloud hosting", "end-user devices", "Microsoft licensing",
    "cyber security monitoring", "finance and HR system", "social care case management system",
    "service desk", "telephony", "document management",
]  # fmt: skip
REFERENCE_PREFIX = {"ASCH": "AS", "CYPE": "CY", "PH": "PH", "GET": "GT", "SCS": "SC"}
# Most contracts are current; the rest are being procured, have ended or were ended early.
STATUS_WEIGHTS = ((ContractStatus.ACTIVE, 74), (ContractStatus.EXPIRED, 12), (ContractStatus.PIPELINE, 8),
                  (ContractStatus.TERMINATED, 6))  # fmt: skip


# --------------------------------------------------------------------------- the plan


@dataclass
class ProviderPlan:
    kind: str
    where: str  # "kent", "medway", "bexley", "london", "elsewhere", "split", "none"
    fields: dict


@dataclass
class ContractPlan:
    fields: dict  # everything contract_create needs except commissioner
    commissioner_pick: int
    links: list[tuple[str, int, str]]


@dataclass
class DemoPlan:
    providers: list[ProviderPlan]
    contracts: list[ContractPlan]


def _weighted(rng: random.Random, pairs) -> object:
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights=weights, k=1)[0]


def _inward(rng: random.Random) -> str:
    return f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def _kent_districts_inside(path=DEFAULT_POSTCODE_DISTRICTS_FILE) -> list[str]:
    """The Kent districts with a town above that the council's CSV marks wholly inside its area."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        inside = {row["district"].strip().upper() for row in csv.DictReader(f) if row["status"] == AreaStatus.INSIDE}
    return [d for d in KENT_TOWNS if d in inside]


def _allocate_locations(rng: random.Random, kinds: list[ProviderKind], bands: list[str]) -> list[str]:
    """Where each provider is, so that exactly about 63% are Kent-based whatever the seed.

    Three are in split districts and three have no postcode (both unknown). The Kent-based
    ones are a weighted sample without replacement (weights by kind; large firms less often
    local); the rest are outside: Medway, Bexley, London or further away.
    """
    n = len(kinds)
    where = [""] * n
    small_vcs = [i for i in range(n) if bands[i] in (EmployeeBand.UNDER_10, EmployeeBand.FROM_10)]
    for i in rng.sample(small_vcs, 6):
        where[i] = "split" if sum(w == "split" for w in where) < 3 else "none"
    rest = [i for i in range(n) if not where[i]]
    n_kent = round(KENT_SUPPLIER_SHARE * n)
    # Efraimidis-Spirakis weighted sampling without replacement: keep the largest u ** (1 / w).
    keyed = []
    for i in rest:
        weight = kinds[i].kent * (0.35 if bands[i] == EmployeeBand.FROM_250 else 1.0)
        keyed.append((rng.random() ** (1 / weight), i))
    keyed.sort(reverse=True)
    for _, i in keyed[:n_kent]:
        where[i] = "kent"
    for _, i in keyed[n_kent:]:
        if bands[i] == EmployeeBand.FROM_250 or kinds[i].key == "nhs":
            where[i] = _weighted(rng, (("london", 4), ("elsewhere", 4), ("medway", 1)))
        else:
            where[i] = _weighted(rng, (("medway", 3), ("bexley", 2), ("london", 2), ("elsewhere", 3)))
    return where


_SUFFIX = {
    LegalForm.PRIVATE_COMPANY: " Ltd",
    LegalForm.PLC: " plc",
    LegalForm.LLP: " LLP",
    LegalForm.CIC: " CIC",
    LegalForm.COMPANY_LIMITED_BY_GUARANTEE: " Ltd",
}


def _unique_number(rng: random.Random, used: set[str], prefix: str, digits: int) -> str:
    while True:
        value = prefix + "".join(str(rng.randint(0, 9)) for _ in range(digits))
        if value not in used:
            used.add(value)
            return value


def _plan_providers(rng: random.Random) -> list[ProviderPlan]:
    kinds = [kind for kind in KINDS for _ in range(kind.count)]
    bands = []
    for kind in KINDS:
        drawn = [_weighted(rng, zip(BANDS, kind.bands, strict=True)) for _ in range(kind.count)]
        for i in range(min(kind.large_at_least, kind.count)):
            drawn[i] = EmployeeBand.FROM_250
        bands.extend(drawn)
    where = _allocate_locations(rng, kinds, bands)
    kent_districts = _kent_districts_inside()
    used_names: set[str] = set()
    used_numbers: set[str] = set()
    plans = []
    index_in_kind: Counter = Counter()
    for kind, band, place_kind in zip(kinds, bands, where, strict=True):
        if place_kind == "kent":
            district = rng.choice(kent_districts)
            town = KENT_TOWNS[district]
        elif place_kind == "none":
            district, town = "", rng.choice(["", "Kent"])
        else:
            pool = {"medway": MEDWAY, "bexley": BEXLEY, "london": LONDON, "elsewhere": ELSEWHERE, "split": SPLIT}
            district, town = rng.choice(pool[place_kind])
        postcode = f"{district} {_inward(rng)}" if district else ""
        if place_kind in ("kent", "split", "none"):
            places = KENT_AREAS + ([town] if town and town != "Kent" else [])
        else:
            places = OTHER_AREAS + [town]

        form = _weighted(rng, kind.forms)
        # Only large firms are public limited companies; sole traders and partnerships stay small.
        if band == EmployeeBand.FROM_250 and form == LegalForm.PRIVATE_COMPANY and rng.random() < 0.5:
            form = LegalForm.PLC
        if band != EmployeeBand.FROM_250 and form == LegalForm.PLC:
            form = LegalForm.PRIVATE_COMPANY
        if band in (EmployeeBand.FROM_50, EmployeeBand.FROM_250) and form in (
            LegalForm.SOLE_TRADER,
            LegalForm.PARTNERSHIP,
        ):
            form = LegalForm.PRIVATE_COMPANY

        patterns = [n for n in kind.names if "@" not in n or form in n.split("@")[1].split(",")] or list(kind.names)
        if kind.names_in_order:
            patterns = [kind.names[index_in_kind[kind.key] % len(kind.names)]]
        index_in_kind[kind.key] += 1
        for attempt in range(60):
            pattern = rng.choice(patterns).split("@")[0]
            s1, s2 = rng.sample(SURNAMES, 2)
            base = pattern.format(place=rng.choice(places), word=rng.choice(WORDS), surname=s1, surname2=s2)
            if attempt > 30:
                base = f"{base} ({town or rng.choice(KENT_DISTRICTS)})"
            name = base + _SUFFIX.get(form, "")
            key = base.lower()  # "X Ltd" and "X CIC" would be the same provider to the name matcher
            if key not in used_names:
                used_names.add(key)
                break

        company_number = charity_number = ""
        is_non_profit = False
        if form in (LegalForm.PRIVATE_COMPANY, LegalForm.PLC, LegalForm.CIC, LegalForm.COMPANY_LIMITED_BY_GUARANTEE):
            company_number = _unique_number(rng, used_numbers, "0", 7)
        elif form == LegalForm.LLP:
            company_number = _unique_number(rng, used_numbers, "OC", 6)
        if form in (LegalForm.CHARITY, LegalForm.CIO):
            charity_number = _unique_number(rng, used_numbers, "11", 5)
        elif form == LegalForm.COMPANY_LIMITED_BY_GUARANTEE and kind.non_profit:
            is_non_profit = True
            if rng.random() < 0.6:
                charity_number = _unique_number(rng, used_numbers, "10", 5)

        if band == EmployeeBand.FROM_250 or kind.key == "nhs":
            line_1 = f"{rng.choice(WORDS)} House, {rng.randint(1, 120)} {rng.choice(STREETS)}"
        elif rng.random() < 0.3:
            line_1 = f"Unit {rng.randint(1, 30)}, {rng.choice(WORDS)} Business Park"
        else:
            line_1 = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
        plans.append(
            ProviderPlan(
                kind=kind.key,
                where=place_kind,
                fields={
                    "name": name,
                    "companies_house_number": company_number,
                    "charity_number": charity_number,
                    "legal_form": form,
                    "is_non_profit": is_non_profit,
                    "address_line_1": line_1,
                    "town": town,
                    "postcode": postcode,
                    "employee_band": band,
                },
            )
        )
    return plans


def _money(value: float) -> Decimal:
    step = 1000 if value >= 100_000 else 100
    return Decimal(int(round(value / step)) * step).quantize(Decimal("0.01"))


def _months_between(a: datetime.date, b: datetime.date) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


def _plan_dates(rng: random.Random, service: Service, status: str, ending_soon: bool, today: datetime.date) -> dict:
    """Start, initial end and extensions consistent with the status, counted in whole months.

    Contracts start on the first of a month and run to the day before; the current end date
    is the initial end plus the extension months taken (contracts.models.Contract).
    """
    month_now = today.replace(day=1)
    room = _months_between(EARLIEST_START, month_now)  # months since the earliest start
    term = 12 * rng.choice(service.term_years)
    available = rng.choice(service.extension_months)
    taken = 0
    if status in (ContractStatus.ACTIVE, ContractStatus.EXPIRED) and available:
        taken = rng.choice([0, 0, min(12, available), available])
    while term + taken > room - 2 and taken:
        taken = max(0, taken - 12)
    while term + taken > room - 2:
        term -= 12
    total = term + taken

    if status == ContractStatus.PIPELINE:
        start = month_now + relativedelta(months=rng.randint(2, 10))
    else:
        if status == ContractStatus.ACTIVE and ending_soon:
            end_at = rng.randint(2, 5)  # the current end falls within the next six months
        elif status == ContractStatus.ACTIVE:
            end_at = rng.randint(min(8, total - 1), total - 1)
        elif status == ContractStatus.EXPIRED:
            end_at = rng.randint(max(-48, total - room), -1)
        else:  # terminated early: the contracted dates stand
            end_at = rng.randint(max(-36, total - room), min(24, total - 1))
        start = month_now + relativedelta(months=end_at - total)
        start = max(start, EARLIEST_START)
    end_date = start + relativedelta(months=term) - datetime.timedelta(days=1)
    return {
        "start_date": start,
        "end_date": end_date,
        "extension_months_available": available,
        "extension_months_taken": taken,
        "_months": total,
    }


def _plan_contracts(rng: random.Random, providers: list[ProviderPlan], today: datetime.date) -> list[ContractPlan]:
    slots = []  # (service, status, ending soon, kind)
    for service in SERVICES:
        districts = rng.sample(KENT_DISTRICTS, len(KENT_DISTRICTS))
        quadrants = rng.sample(KENT_QUADRANTS, len(KENT_QUADRANTS))
        ict = rng.sample(ICT_SERVICES, len(ICT_SERVICES))
        for n in range(service.count):
            status = ContractStatus.ACTIVE if service.always_active else _weighted(rng, STATUS_WEIGHTS)
            title = service.title.format(
                district=districts[n % len(districts)], quadrant=quadrants[n % len(quadrants)], ict=ict[n % len(ict)]
            )
            slots.append({"service": service, "status": status, "title": title, "kind": rng.choice(service.kinds)})
    active = [s for s in slots if s["status"] == ContractStatus.ACTIVE and not s["service"].always_active]
    for slot in rng.sample(active, min(ENDING_SOON_COUNT, len(active))):
        slot["ending_soon"] = True

    # Every provider gets at least one contract of its kind; the biggest contracts go to large firms.
    by_kind: dict[str, list[int]] = defaultdict(list)
    for index, plan in enumerate(providers):
        by_kind[plan.kind].append(index)
    slot_order = sorted(range(len(slots)), key=lambda i: not slots[i]["service"].large_provider)
    unassigned = {kind: rng.sample(indexes, len(indexes)) for kind, indexes in by_kind.items()}
    for i in slot_order:
        slot = slots[i]
        candidates = by_kind[slot["kind"]]
        if slot["service"].large_provider:
            large = [p for p in candidates if providers[p].fields["employee_band"] == EmployeeBand.FROM_250]
            slot["provider"] = rng.choice(large or candidates)
            if slot["provider"] in unassigned[slot["kind"]]:
                unassigned[slot["kind"]].remove(slot["provider"])
        elif unassigned[slot["kind"]]:
            slot["provider"] = unassigned[slot["kind"]].pop()
        else:
            slot["provider"] = rng.choice(candidates)
    # A provider left without a contract takes one from a provider that holds several.
    held = Counter(slot["provider"] for slot in slots)
    for index, plan in enumerate(providers):
        if held[index]:
            continue
        for slot in rng.sample(slots, len(slots)):
            service = slot["service"]
            if plan.kind in service.kinds and not service.large_provider and held[slot["provider"]] > 1:
                held[slot["provider"]] -= 1
                slot["provider"], slot["kind"] = index, plan.kind
                held[index] += 1
                break

    # References: directorate prefix, two-digit start year, then a number within that year.
    plans = []
    sequence: Counter = Counter()
    for slot in slots:
        service = slot["service"]
        dates = _plan_dates(rng, service, slot["status"], slot.get("ending_soon", False), today)
        months = dates.pop("_months")
        low, high = service.annual
        annual = _money(math.exp(rng.uniform(math.log(low), math.log(high))))
        total_value = (annual * months / 12).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        prefix = REFERENCE_PREFIX[service.directorate]
        year = dates["start_date"].year % 100
        sequence[(prefix, year)] += 1
        reference = f"{prefix}{year:02d}{sequence[(prefix, year)]:03d}"
        plans.append(
            ContractPlan(
                fields={
                    "reference": reference,
                    "title": slot["title"],
                    "description": service.description,
                    "directorate": service.directorate,
                    "provider": providers[slot["provider"]].fields["name"],
                    "procurement_route": rng.choice(service.routes),
                    "status": slot["status"],
                    "category": service.category,
                    "annual_value": annual,
                    "total_value": total_value,
                    **dates,
                },
                commissioner_pick=rng.randrange(1000),
                # Active contracts are always linked; two in three of the others are too.
                links=list(service.links) if slot["status"] == ContractStatus.ACTIVE or rng.random() < 0.67 else [],
            )
        )
    return plans


def demo_plan(*, seed: int = DEFAULT_SEED, today: datetime.date | None = None) -> DemoPlan:
    """The demonstration set for a seed, in memory; nothing is read from or written to the database."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    providers = _plan_providers(rng)
    contracts = _plan_contracts(rng, providers, today)
    return DemoPlan(providers=providers, contracts=contracts)


# --------------------------------------------------------------------------- writing


@dataclass
class DemoResult:
    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    users: list[DemoUser] = field(default_factory=list)
    password: str = DEMO_PASSWORD

    @property
    def created_anything(self) -> bool:
        return any(self.created.values())


def demo_users_ensure(result: DemoResult) -> dict[str, User]:
    """One person per role plus the directorates' commissioners; existing usernames are left alone."""
    directorates = {d.code: d for d in Directorate.objects.all()}
    users = {}
    for person in DEMO_USERS:
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = user_create(
                username=person.username,
                password=DEMO_PASSWORD,
                role=person.role,
                first_name=person.first_name,
                last_name=person.last_name,
                email=f"{person.username}@example.gov.uk",
                directorate=directorates.get(person.directorate),
                job_title=person.job_title,
            )
            result.created["users"] += 1
        else:
            result.existing["users"] += 1
        users[person.username] = user
        result.users.append(person)
    return users


@transaction.atomic
def demo_load(*, seed: int = DEFAULT_SEED, today: datetime.date | None = None) -> DemoResult:
    """Load the framework, reference data, demo people, providers, contracts and golden-thread links.

    Idempotent: objects are found by natural key (username, provider name, contract
    reference) and left untouched when they exist, so a second run writes nothing.
    """
    result = DemoResult()
    password_validation.validate_password(DEMO_PASSWORD)
    framework, loaded = framework_load_file()
    result.created["framework records"] += loaded.created
    result.created["directorates"] += directorates_load().created
    result.created["postcode districts"] += postcode_districts_load().created
    users = demo_users_ensure(result)

    plan = demo_plan(seed=seed, today=today)
    directorates = {d.code: d for d in Directorate.objects.all()}
    outcomes = {o.code: o for o in SupportingOutcome.objects.filter(framework=framework)}

    names = [p.fields["name"] for p in plan.providers]
    providers = {p.name: p for p in Provider.objects.filter(name__in=names)}
    for item in plan.providers:
        if item.fields["name"] in providers:
            result.existing["providers"] += 1
            continue
        providers[item.fields["name"]] = provider_create(reason=DEMO_REASON, **item.fields)
        result.created["providers"] += 1

    commissioners: dict[str, list[User]] = defaultdict(list)
    for person in DEMO_USERS:
        user = users[person.username]
        if person.role == Role.COMMISSIONER and user.directorate_id and user.has_role(Role.COMMISSIONER):
            commissioners[user.directorate_id].append(user)

    references = [c.fields["reference"] for c in plan.contracts]
    contracts = {c.reference: c for c in Contract.objects.filter(reference__in=references)}
    linked = set(
        Contract.objects.filter(reference__in=references, outcome_links__isnull=False).values_list(
            "reference", flat=True
        )
    )
    for item in plan.contracts:
        fields = dict(item.fields)
        contract = contracts.get(fields["reference"])
        if contract is None:
            directorate = directorates[fields["directorate"]]
            people = commissioners.get(directorate.pk, [])
            fields["directorate"] = directorate
            fields["provider"] = providers[fields["provider"]]
            fields["commissioner"] = people[item.commissioner_pick % len(people)] if people else None
            contract = contract_create(reason=DEMO_REASON, **fields)
            result.created["contracts"] += 1
        else:
            result.existing["contracts"] += 1
        if item.links and contract.reference not in linked:
            contract_outcome_links_set(
                contract=contract,
                links=[
                    {
                        "supporting_outcome": outcomes[code],
                        "contribution_share": Decimal(share),
                        "rationale": rationale,
                        "is_primary": index == 0,
                    }
                    for index, (code, share, rationale) in enumerate(item.links)
                ],
                reason=DEMO_REASON,
            )
            result.created["outcome links"] += len(item.links)
    demo_performance_load(plan=plan, seed=seed, today=today or timezone.localdate(), result=result, outcomes=outcomes)
    return result


def kent_based_share(providers=None) -> Decimal:
    """Percentage of providers that are Kent-based, to one decimal place (the 2016 report's measure)."""
    qs = providers if providers is not None else Provider.objects.all()
    local = qs.filter(location=Location.LOCAL).count()
    return percent_of(local, qs.count()) or Decimal("0")


# --------------------------------------------------------------------------- contract performance
#
# KPIs and two years of returns for a subset of active contracts, written through the
# contract performance services so RAG, direction of travel, concerns, deductions and the
# quarter summaries are derived exactly as in use. Planned from its own seeded generator (so
# the providers and contracts above are unchanged) and placed relative to `today`: returns
# cover the last 8 ended quarters, except the last one for the demo commissioner's contracts,
# which is left for them to enter.

DEMO_COMMISSIONER = "commissioner"
PERFORMANCE_QUARTERS = 8
# Contracts given KPIs, per directorate.
PERFORMANCE_QUOTA = {"ASCH": 12, "CYPE": 6, "PH": 5, "GET": 7, "SCS": 4}
# The Procurement Act 2023 applies to procurements begun on or after 24 February 2025.
PROCUREMENT_ACT_START = datetime.date(2025, 2, 24)
REASON_BEFORE_ACT = (
    "Procured under the Public Contracts Regulations 2015, before the Procurement Act 2023 came into force "
    "(24 February 2025): publishing key performance indicators is not required."
)
REASON_MOBILISING = (
    "Key performance indicators are being agreed with the provider during mobilisation; they will be "
    "published before the first return is due."
)


@dataclass(frozen=True)
class KPITemplate:
    """A KPI as the council words it: thresholds for green, amber and red (see contracts.rules.rag_for)."""

    name: str
    target: str
    amber: str
    red: str
    unit: str = KPIUnit.PERCENT
    polarity: str = Polarity.HIGHER
    frequency: str = Frequency.QUARTERLY
    tolerance: str = "0.5"
    description: str = ""


_Q, _M, _A = Frequency.QUARTERLY, Frequency.MONTHLY, Frequency.ANNUAL
KPI_FAMILIES: dict[str, tuple[KPITemplate, ...]] = {
    "homecare": (
        KPITemplate("Care visits delivered on time", "95", "90", "85", frequency=_M,
                    description="Planned care visits started within 30 minutes of the agreed time."),
        KPITemplate("Missed visits", "10", "15", "25", unit=KPIUnit.COUNT, polarity=Polarity.LOWER, tolerance="1",
                    description="Planned visits not delivered in the quarter."),
        KPITemplate("Service users reporting they feel safe", "90", "85", "80", frequency=_A,
                    description="From the annual survey of people receiving care."),
        KPITemplate("Care packages started within 7 days of request", "90", "85", "80"),
        KPITemplate("Care workers with the Care Certificate", "95", "90", "85"),
    ),
    "care_home": (
        KPITemplate("Residents reporting they feel safe", "92", "88", "84", frequency=_A,
                    description="From the annual residents' survey."),
        KPITemplate("Care plans reviewed within 12 months", "95", "90", "85"),
        KPITemplate("Falls per 1,000 occupied bed days", "6", "8", "10", unit=KPIUnit.RATIO, polarity=Polarity.LOWER,
                    tolerance="0.2"),
        KPITemplate("Safeguarding concerns acknowledged within 24 hours", "100", "95", "90"),
        KPITemplate("Beds available for new admissions", "95", "90", "85"),
    ),
    "adult": (
        KPITemplate("Referrals contacted within 5 working days", "90", "85", "80"),
        KPITemplate("Service users reporting they feel safe", "90", "85", "80", frequency=_A,
                    description="From the annual survey of people using the service."),
        KPITemplate("People achieving their agreed outcomes at review", "80", "75", "70"),
        KPITemplate("Complaints resolved within 20 working days", "95", "90", "85"),
        KPITemplate("People reporting a better quality of life", "75", "70", "65"),
    ),
    "children": (
        KPITemplate("Placements stable for 2 years", "70", "65", "60",
                    description="Children looked after for 2½ years or more, in the same placement for 2 years."),
        KPITemplate("Initial health assessments within 20 working days", "90", "85", "80", frequency=_M),
        KPITemplate("Children's plans reviewed on time", "95", "90", "85"),
        KPITemplate("Families with improved outcomes at case closure", "75", "70", "65"),
        KPITemplate("Young people reporting they feel safe", "90", "85", "80", frequency=_A),
    ),
    "transport": (
        KPITemplate("Journeys arriving on time", "98", "95", "92", frequency=_M),
        KPITemplate("Missed journeys", "2", "5", "10", unit=KPIUnit.COUNT, polarity=Polarity.LOWER, tolerance="1"),
        KPITemplate("Vehicles passing safety inspection", "100", "98", "95"),
        KPITemplate("Passenger assistants with enhanced DBS checks", "100", "98", "95"),
    ),
    "highways": (
        KPITemplate("Category 1 defects made safe within 24 hours", "98", "95", "92", frequency=_M),
        KPITemplate("Streetlight repairs within 7 days", "95", "90", "85"),
        KPITemplate("Customer enquiries resolved within 28 days", "90", "85", "80"),
        KPITemplate("Planned schemes completed on programme", "90", "85", "80"),
        KPITemplate("Local labour on the contract", "40", "35", "30", frequency=_A),
    ),
    "waste": (
        KPITemplate("Waste diverted from landfill", "95", "92", "90"),
        KPITemplate("Site availability", "99", "98", "97", tolerance="0.2"),
        KPITemplate("Collections from transfer stations within 24 hours", "98", "95", "92"),
        KPITemplate("Reportable environmental incidents", "0", "1", "2", unit=KPIUnit.COUNT,
                    polarity=Polarity.LOWER, tolerance="0"),
    ),
    "public_health": (
        KPITemplate("NHS Health Checks delivered", "1200", "1100", "1000", unit=KPIUnit.COUNT, tolerance="20",
                    description="Checks completed for eligible adults aged 40 to 74 in the quarter."),
        KPITemplate("Smoking quitters at 4 weeks", "50", "45", "40",
                    description="Quit dates set that are confirmed quits 4 weeks later."),
        KPITemplate("Clients seen within 3 weeks of referral", "95", "90", "85"),
        KPITemplate("Successful treatment completions", "25", "22", "20"),
        KPITemplate("Service users satisfied with the service", "90", "85", "80", frequency=_A),
    ),
    "corporate": (
        KPITemplate("Service availability", "99.5", "99", "98", tolerance="0.1"),
        KPITemplate("Helpdesk calls resolved first time", "80", "75", "70"),
        KPITemplate("Planned maintenance completed on time", "95", "90", "85", frequency=_M),
        KPITemplate("Invoices correct first time", "95", "90", "85"),
        KPITemplate("Customer satisfaction", "85", "80", "75", frequency=_A),
    ),
}  # fmt: skip


def _kpi_family(title: str, directorate: str) -> str:
    """Which KPI set fits a contract, from its service (the title) and directorate."""
    lowered = title.lower()
    if directorate == "ASCH":
        if lowered.startswith(("home care", "discharge to assess")):
            return "homecare"
        if lowered.startswith("residential and nursing"):
            return "care_home"
        return "adult"
    if directorate == "CYPE":
        return "transport" if "transport" in lowered else "children"
    if directorate == "PH":
        return "public_health"
    if directorate == "GET":
        if "waste" in lowered:
            return "waste"
        if "bus" in lowered:
            return "transport"
        if any(word in lowered for word in ("highway", "lighting", "surface", "drainage", "flood", "rights of way")):
            return "highways"
    return "corporate"


@dataclass
class KPIPlan:
    fields: dict  # kpi_create's fields, supporting outcome as its code
    pattern: str
    values: dict[datetime.date, Decimal]  # actual by period start, for the periods to be returned


@dataclass
class PerformancePlan:
    """One contract's KPIs and returns, and what happens to them afterwards."""

    reference: str
    commissioner: str
    kpis: list[KPIPlan]
    withhold_last_quarter: bool = False
    assess: bool = False
    role: str = ""  # the part a showcase contract plays in the demo, e.g. "declining"


@dataclass
class PerformanceDemoPlan:
    quarters: list  # the last 8 ended quarters (contracts.periods.Period)
    contracts: list[PerformancePlan]
    exemptions: dict[str, str]  # contract reference -> reason it has fewer than three key KPIs
    flagged: str  # the one contract over £5m left with fewer than three key KPIs and no reason
    waive: tuple[str, str]  # (contract reference, KPI code): its first deduction is waived
    dispute: tuple[str, str]  # ... disputed
    resolve: tuple[str, str]  # ... its concern resolved

    @property
    def return_count(self) -> int:
        return sum(len(k.values) for c in self.contracts for k in c.kpis)


def _planned_commissioner(directorate: str, pick: int) -> str:
    people = [p.username for p in DEMO_USERS if p.role == Role.COMMISSIONER and p.directorate == directorate]
    return people[pick % len(people)] if people else ""


def _z(pattern: str, t: float, index: int, count: int, rng: random.Random) -> float:
    """How far a value sits from target towards red: 0 on target, 1 on the red threshold."""
    if pattern == "declining":
        return 0.1 + 1.4 * t + rng.gauss(0, 0.05)
    if pattern == "improving":
        return max(0.0, 0.95 - 0.9 * t + rng.gauss(0, 0.08))
    if pattern == "dip":  # red for two periods early on, then back on track
        return 1.35 if 0.25 <= t < 0.5 else min(0.6, abs(rng.gauss(0.15, 0.2)))
    if pattern == "slipping":  # red in the last quarter returned only
        return 1.3 if index == count - 1 else min(0.6, abs(rng.gauss(0.2, 0.2)))
    return min(0.9, abs(rng.gauss(0.1, 0.25)))  # steady: around target, sometimes amber


def _value(template: KPITemplate, z: float) -> Decimal:
    target, red = Decimal(template.target), Decimal(template.red)
    raw = target - Decimal(str(round(z, 4))) * (target - red)  # works for both polarities
    if template.unit == KPIUnit.PERCENT:
        return min(max(raw, Decimal("0")), Decimal("100")).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if template.unit == KPIUnit.COUNT:
        return max(raw, Decimal("0")).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return max(raw, Decimal("0")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def performance_plan(
    *, plan: DemoPlan, seed: int = DEFAULT_SEED, today: datetime.date | None = None
) -> PerformanceDemoPlan:
    """KPIs, returns and decisions for the demonstration contracts, in memory."""
    rng = random.Random(seed * 1009 + 3)
    today = today or timezone.localdate()
    last = Period.containing(today, Frequency.QUARTERLY).previous()
    quarters = [last]
    while len(quarters) < PERFORMANCE_QUARTERS:
        quarters.insert(0, quarters[0].previous())
    window_start, window_end = quarters[0].start, quarters[-1].end
    year_start = Period.containing(window_start, Frequency.ANNUAL).start

    eligible: dict[str, list[ContractPlan]] = defaultdict(list)
    for item in sorted(plan.contracts, key=lambda c: c.fields["reference"]):
        f = item.fields
        if f["status"] == ContractStatus.ACTIVE and f["start_date"] <= year_start and item.links:
            eligible[f["directorate"]].append(item)
    chosen: list[ContractPlan] = []
    for code, quota in PERFORMANCE_QUOTA.items():
        pool = eligible[code]
        if code == "ASCH":  # most of the demo commissioner's contracts, and some of a colleague's
            mine = [c for c in pool if _planned_commissioner(code, c.commissioner_pick) == DEMO_COMMISSIONER]
            others = [c for c in pool if c not in mine]
            picked = rng.sample(mine, min(len(mine), quota * 2 // 3))
            picked += rng.sample(others, min(len(others), quota - len(picked)))
        else:
            picked = rng.sample(pool, min(len(pool), quota))
        chosen.extend(sorted(picked, key=lambda c: c.fields["reference"]))

    # Showcase roles: what a visitor should find on the pages.
    roles: dict[str, str] = {}

    def first(directorate: str, commissioner: str | None = None, exclude=()) -> str | None:
        for c in chosen:
            who = _planned_commissioner(c.fields["directorate"], c.commissioner_pick)
            if c.fields["directorate"] != directorate or c.fields["reference"] in roles or c in exclude:
                continue
            if commissioner is None or (who == DEMO_COMMISSIONER) == (commissioner == DEMO_COMMISSIONER):
                return c.fields["reference"]
        return None

    for directorate, who, role in (
        ("ASCH", DEMO_COMMISSIONER, "declining"),  # a concern on an ASCH contract, on its outcome pages
        ("ASCH", DEMO_COMMISSIONER, "slipping"),  # red last quarter: red again this quarter raises a concern
        ("ASCH", "other", "dip"),  # a concern raised, then resolved; one deduction waived
        ("GET", None, "declining-disputed"),  # a concern and a disputed deduction
        ("CYPE", None, "declining"),
        ("PH", None, "improving"),
    ):
        reference = first(directorate, who)
        if reference:
            roles[reference] = role

    over_5m = [c for c in chosen if c.fields["total_value"] > Decimal("5000000")]
    flagged = next((c.fields["reference"] for c in over_5m if c.fields["reference"] not in roles), "")
    plans: list[PerformancePlan] = []
    showcase_kpi: dict[str, str] = {}
    for item in chosen:
        f = item.fields
        reference = f["reference"]
        who = _planned_commissioner(f["directorate"], item.commissioner_pick)
        family = KPI_FAMILIES[_kpi_family(f["title"], f["directorate"])]
        count = min(len(family), rng.choice((3, 4, 4, 5)))
        role = roles.get(reference, "")
        big = f["total_value"] > Decimal("5000000")
        keys = 1 if reference == flagged else (3 if big else rng.choice((0, 1, 1, 2)))
        # The showcase KPI is the first quarterly one: its story reads quarter by quarter.
        show_index = next((i for i, t in enumerate(family[:count]) if t.frequency == _Q), 0)
        rule_index = (
            show_index if role and role != "improving" else (rng.randrange(count) if rng.random() < 0.3 else -1)
        )
        withhold = who == DEMO_COMMISSIONER
        kpis = []
        for index, template in enumerate(family[:count]):
            pattern = role.split("-")[0] if role and index == show_index else None
            if pattern is None:
                pattern = _weighted(rng, (("steady", 86), ("improving", 9), ("declining", 5)))
                if pattern == "declining" and withhold:
                    pattern = "steady"  # the commissioner's own story is told by the showcase KPIs
            first_period = Period.containing(window_start, template.frequency)
            if first_period.end < window_start:
                first_period = first_period.next()
            periods = periods_between(first_period, window_end)
            fields = {
                "code": f"KPI{index + 1:02d}",
                "name": template.name,
                "description": template.description,
                "unit": template.unit,
                "polarity": template.polarity,
                "target": Decimal(template.target),
                "amber_threshold": Decimal(template.amber),
                "red_threshold": Decimal(template.red),
                "tolerance": Decimal(template.tolerance),
                "frequency": template.frequency,
                "first_period_start": first_period.start,
                "weight": 2 if index == 0 else 1,
                "is_key": index < keys,
                "supporting_outcome": item.links[0][0]
                if index == 0
                else (item.links[1][0] if index == 1 and len(item.links) > 1 and rng.random() < 0.5 else None),
                "deduction_rule": DeductionRule.NONE,
            }
            if index == rule_index:
                fields.update(_deduction_rule(rng, role, f["annual_value"]))
            values = {}
            # Positions run over the quarters, so a monthly KPI follows the same curve as a quarterly one.
            quarter_pos = {q.start: i for i, q in enumerate(quarters)}
            for position, period in enumerate(periods):
                quarter = period.quarter()
                q_index = quarter_pos.get(quarter.start, 0)
                t = (q_index + (position % 3) / 3 if template.frequency == _M else q_index) / (len(quarters) - 1)
                z = _z(pattern, min(t, 1.0), q_index, len(quarters) - (1 if withhold else 0), rng)
                if withhold and quarter.start == quarters[-1].start:
                    continue  # left for the commissioner to enter
                values[period.start] = _value(template, z)
            if index == show_index and role:
                showcase_kpi[reference] = fields["code"]
            kpis.append(KPIPlan(fields=fields, pattern=pattern, values=values))
        plans.append(
            PerformancePlan(
                reference=reference,
                commissioner=who,
                kpis=kpis,
                withhold_last_quarter=withhold,
                assess=keys > 0 and rng.random() < 0.5,
                role=role,
            )
        )
    # A few returns overdue elsewhere: one KPI of three other contracts missed the quarter before last.
    quiet = [p for p in plans if not p.role and not p.withhold_last_quarter]
    for p in rng.sample(quiet, min(3, len(quiet))):
        kpi = p.kpis[-1]
        q = quarters[-2]
        kpi.values = {start: v for start, v in kpi.values.items() if not (q.start <= start <= q.end)}

    exemptions = {}
    chosen_refs = {c.fields["reference"] for c in chosen}
    for item in plan.contracts:
        f = item.fields
        if f["reference"] in chosen_refs or f["total_value"] <= Decimal("5000000"):
            continue
        if f["status"] in (ContractStatus.EXPIRED, ContractStatus.TERMINATED):
            continue
        exemptions[f["reference"]] = REASON_BEFORE_ACT if f["start_date"] < PROCUREMENT_ACT_START else REASON_MOBILISING

    def showcase(role: str) -> tuple[str, str]:
        for reference, r in roles.items():
            if r == role:
                return reference, showcase_kpi.get(reference, "")
        return "", ""

    return PerformanceDemoPlan(
        quarters=quarters,
        contracts=plans,
        exemptions=exemptions,
        flagged=flagged,
        waive=showcase("dip"),
        dispute=showcase("declining-disputed"),
        resolve=showcase("dip"),
    )


def _deduction_rule(rng: random.Random, role: str, annual_value: Decimal) -> dict:
    """A deduction (service credit) rule: fixed £, a % of the period's charge, or escalating with a cap."""
    kind = {"declining": "escalating", "slipping": "fixed", "dip": "fixed", "declining-disputed": "percent"}.get(
        role
    ) or rng.choice(("fixed", "percent", "escalating"))
    if kind == "fixed":
        return {"deduction_rule": DeductionRule.FIXED, "deduction_amount": Decimal(rng.choice((500, 750, 1000, 1500)))}
    if kind == "percent":
        return {
            "deduction_rule": DeductionRule.PERCENT_OF_CHARGE,
            # Large contracts' charges are large: a smaller share still bites.
            "deduction_percent": Decimal("0.5") if annual_value > 10_000_000 else Decimal(rng.choice((1, 2, 3))),
            "deduction_cap_percent": Decimal("5"),
        }
    step = max(Decimal(250), (Decimal(annual_value) / 400).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return {
        "deduction_rule": DeductionRule.ESCALATING,
        "deduction_amount": min(step, Decimal(5000)),
        "deduction_cap_percent": Decimal("5"),
    }


RED_COMMENTARY = (
    "Staff shortages across the quarter; the provider has agreed a recovery plan.",
    "Performance fell after the loss of two senior staff; recruitment is under way.",
    "Severe weather and sickness absence disrupted delivery.",
)
WAIVE_REASON = (
    "Waived at the quarterly contract review: the provider evidenced that the failure followed the "
    "council's own change to referral arrangements."
)
DISPUTE_REASON = (
    "The provider disputes the figure: it says the late repairs were held up by utility companies' works "
    "and has sent evidence, which is being checked."
)
RESOLVE_NOTE = (
    "Action plan delivered: extra staff recruited and rotas changed. The KPI has been back on target "
    "since, so the concern is closed."
)


def demo_performance_load(
    *, plan: DemoPlan, seed: int, today: datetime.date, result: DemoResult, outcomes: dict
) -> PerformanceDemoPlan:
    """KPIs, returns and what follows from them, through the contract performance services.

    Idempotent: a contract that already has KPIs is left alone, and a key-KPI reason is only
    recorded where none is.
    """
    perf = performance_plan(plan=plan, seed=seed, today=today)
    references = [p.reference for p in perf.contracts]
    contracts = {
        c.reference: c
        for c in Contract.objects.filter(reference__in=references + list(perf.exemptions)).select_related(
            "commissioner", "directorate"
        )
    }
    for reference, reason in perf.exemptions.items():
        contract = contracts.get(reference)
        if contract is not None and not contract.key_kpi_exemption_reason:
            contract_update(contract=contract, data={"key_kpi_exemption_reason": reason}, reason=DEMO_REASON)
            result.created["key KPI reasons recorded"] += 1

    done = set(KPI.objects.filter(contract__reference__in=references).values_list("contract__reference", flat=True))
    todo = [p for p in perf.contracts if p.reference in contracts and p.reference not in done]
    result.existing["contracts with KPIs"] += len(perf.contracts) - len(todo)
    kpis: dict[tuple[str, str], KPI] = {}
    for item in todo:
        contract = contracts[item.reference]
        for planned in item.kpis:
            fields = dict(planned.fields)
            code = fields.pop("supporting_outcome")
            kpi = kpi_create(
                contract=contract, reason=DEMO_REASON, supporting_outcome=outcomes.get(code) if code else None, **fields
            )
            kpis[(item.reference, kpi.code)] = kpi
            result.created["KPIs"] += 1

    # Quarter by quarter, as providers would have sent them; older quarters accepted by the commissioner.
    older = {q.start for q in perf.quarters[:-2]}
    for quarter in perf.quarters:
        for item in todo:
            contract = contracts[item.reference]
            entries = []
            for planned in item.kpis:
                kpi = kpis[(item.reference, planned.fields["code"])]
                for start, actual in planned.values.items():
                    period = Period(start, kpi.frequency)
                    if period.quarter().start != quarter.start:
                        continue
                    red = rag_for(kpi, actual)[0] == RAG.RED
                    commentary = (
                        RED_COMMENTARY[(start.month + len(item.reference)) % len(RED_COMMENTARY)] if red else ""
                    )
                    entries.append(ReturnEntry(kpi=kpi, period=period, actual=actual, commentary=commentary))
            if not entries:
                continue
            saved = kpi_returns_save_many(entries=entries, submit=True, reason=DEMO_REASON)
            result.created["KPI returns"] += len(saved)
            if quarter.start in older:
                for ret in saved:
                    ret.contract = contract
                    kpi_return_accept(kpi_return=ret, actor=contract.commissioner)

    # The commissioners' decisions: older deductions applied, one waived and one disputed; recent ones proposed.
    handled = {item.reference for item in todo}
    recent_from = perf.quarters[-2].start
    waived = disputed = False
    for deduction in (
        Deduction.objects.filter(contract__reference__in=handled, status=DeductionStatus.PROPOSED)
        .select_related("contract__commissioner", "contract__directorate", "kpi", "kpi_return")
        .order_by("contract__reference", "kpi__code", "kpi_return__period_start")
    ):
        key = (deduction.contract.reference, deduction.kpi.code)
        actor = deduction.contract.commissioner
        if key == perf.waive and not waived:
            deduction_waive(deduction=deduction, reason=WAIVE_REASON, actor=actor)
            waived = True
        elif key == perf.dispute and not disputed:
            deduction_dispute(deduction=deduction, reason=DISPUTE_REASON, actor=actor)
            disputed = True
        elif deduction.kpi_return.period_end < recent_from:
            deduction_apply(deduction=deduction, actor=actor, reason="Applied at the quarterly contract review")
        else:
            continue
        result.created["deduction decisions"] += 1

    reference, code = perf.resolve
    if reference in handled:
        for concern in PerformanceConcern.objects.filter(
            contract__reference=reference, kpi__code=code, resolved_at__isnull=True
        ).select_related("contract__commissioner"):
            performance_concern_resolve(concern=concern, note=RESOLVE_NOTE, actor=concern.contract.commissioner)
            result.created["concerns resolved"] += 1

    # Procurement Act 2023 s.71: a confirmed 12-monthly assessment for some contracts; the rest are overdue.
    start, end = perf.quarters[-5].start, perf.quarters[-2].end
    for item in todo:
        if not item.assess:
            continue
        contract = contracts[item.reference]
        assessment = performance_assessment_propose(
            contract=contract,
            period_start=start,
            period_end=end,
            reason=AssessmentReason.ANNUAL,
            actor=contract.commissioner,
        )
        performance_assessment_confirm(
            assessment=assessment,
            note="Agreed with the provider at the annual contract review.",
            actor=contract.commissioner,
        )
        result.created["performance assessments"] += 1
    return perf


@dataclass(frozen=True)
class PerformanceFigures:
    kpis: int
    returns: int
    open_concerns: int
    deductions_proposed: Decimal
    deductions_applied: Decimal


def performance_figures() -> PerformanceFigures:
    """The demo summary's performance figures: KPIs, returns, open concerns and deductions £, to the penny."""
    totals = {status: Decimal("0.00") for status in DeductionStatus.values}
    for status, pence in (
        Deduction.objects.values("status").annotate(pence=money_sum("amount")).values_list("status", "pence")
    ):
        totals[status] = pence_to_pounds(pence)
    return PerformanceFigures(
        kpis=KPI.objects.count(),
        returns=KPIReturn.objects.count(),
        open_concerns=PerformanceConcern.objects.filter(resolved_at__isnull=True).count(),
        deductions_proposed=totals[DeductionStatus.PROPOSED],
        deductions_applied=totals[DeductionStatus.APPLIED],
    )
