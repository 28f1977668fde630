"""Reads for the golden thread explorer and search (issue 6).

"A golden thread explorer: from a strategic outcome down to a single KPI return, and from any
contract up to its strategic outcomes, each on one page; search across contracts, providers and
outcomes." The council's Strategic Statement 2015-2020 promises "a 'golden thread' running
through our plans and strategies that directly links delivery to these outcomes"; these reads
walk that thread both ways.

Down the thread: the framework's vision, its strategic outcomes, their supporting outcomes, the
active contracts serving each (share and £ attributed as outcomes_link.models.attributed_value,
latest quarter RAG), each contract's active KPIs and each KPI's returns. Only active contracts
count, as on the outcomes pages. Every read is a fixed number of queries whatever the number of
contracts, KPIs and returns, and uses as_at.today() so the explorer works as at a past day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Prefetch, QuerySet

from commissioning import as_at
from commissioning.filtersets import all_words, search_words
from commissioning.models import Framework, StrategicOutcome, SupportingOutcome
from commissioning.selectors import framework_get_default, outcome_code_key, strategic_outcome_list
from contracts.choices import COUNTED_RETURN_STATUSES, RAG, ContractStatus
from contracts.filtersets import contract_search, provider_search
from contracts.models import KPI, Contract, ContractPeriodSummary, KPIReturn, Provider
from contracts.selectors import contract_list, kpi_return_list, provider_list
from outcomes_link.models import OutcomeLink, attributed_value
from outcomes_link.selectors.thread import ZERO, contract_thread, latest_quarter_summaries
from social_value.selectors import (
    CommitmentProgress,
    OutcomeRef,
    SocialValueFigures,
    by_supporting_outcome,
    contract_social_value,
    figures_by,
    measure_outcomes,
)

# The explorer shows each KPI's latest returns only: eight are two years of a quarterly KPI,
# enough to see a trend, and the contract's performance page has the rest.
EXPLORER_RETURNS = 8
# Search shows at most this many results of each kind; the register and provider list have the rest.
SEARCH_LIMIT = 20
# More words than this are ignored: nobody types them, and each adds a condition to every query.
# Trimmed from both ends of each search word (not from inside, so outcome codes keep their dot).


# ---------------------------------------------------------------- down the thread


@dataclass
class ExplorerKPI:
    """An active KPI of a contract, with its latest counted return and its newest returns (any status)."""

    kpi: KPI
    latest: KPIReturn | None
    returns: list[KPIReturn]
    return_count: int

    @property
    def more_returns(self) -> int:
        return max(self.return_count - len(self.returns), 0)


@dataclass
class ExplorerContract:
    """An active contract serving a supporting outcome, through one link, with its latest quarter."""

    link: OutcomeLink
    attributed: Decimal | None  # None: the contract's annual value is not known
    latest: ContractPeriodSummary | None
    kpis: list[ExplorerKPI] = field(default_factory=list)

    @property
    def contract(self) -> Contract:
        return self.link.contract

    @property
    def is_red(self) -> bool:
        return self.latest is not None and self.latest.rag == RAG.RED


@dataclass
class ExplorerSupporting:
    outcome: SupportingOutcome
    contract_count: int = 0
    red_count: int = 0
    attributed: Decimal = ZERO
    # Filled (with each contract's KPIs and returns) only for the outcomes the page opens in full.
    contracts: list[ExplorerContract] = field(default_factory=list)
    expanded: bool = False
    is_open: bool = False


@dataclass
class ExplorerStrategic:
    outcome: StrategicOutcome
    # A contract serving two supporting outcomes of one strategic outcome counts once here.
    contract_count: int = 0
    red_count: int = 0
    attributed: Decimal = ZERO
    supporting: list[ExplorerSupporting] = field(default_factory=list)
    expanded: bool = False
    is_open: bool = False


@dataclass
class Explorer:
    framework: Framework | None
    strategic: list[ExplorerStrategic]
    focus_strategic: StrategicOutcome | None = None
    focus_outcome: SupportingOutcome | None = None
    contract_count: int = 0
    red_count: int = 0
    kpi_ids: list[int] = field(default_factory=list)

    @property
    def focused(self) -> bool:
        return self.focus_strategic is not None or self.focus_outcome is not None

    def expanded_contracts(self) -> list[tuple[ExplorerStrategic, ExplorerSupporting, ExplorerContract]]:
        """Each contract shown in full, under each outcome it is shown under, in page order."""
        return [(s, sup, c) for s in self.strategic for sup in s.supporting if sup.expanded for c in sup.contracts]


def _active_links(framework: Framework) -> QuerySet[OutcomeLink]:
    return (
        OutcomeLink.objects.filter(supporting_outcome__framework=framework, contract__status=ContractStatus.ACTIVE)
        .select_related("contract__provider")
        .order_by("supporting_outcome_id", F("contract__annual_value").desc(nulls_last=True), "contract__reference")
    )


def _latest_counted_return() -> Prefetch:
    """Each KPI's latest counted return (submitted or accepted, with an actual) as `latest_counted`,
    a list of at most one: one window-function query for any number of KPIs."""
    counted = KPIReturn.objects.filter(status__in=COUNTED_RETURN_STATUSES, actual__isnull=False)
    return Prefetch("returns", queryset=counted.order_by("-period_start")[:1], to_attr="latest_counted")


def explorer_kpis(*, contract_ids: list[int]) -> dict[int, list[ExplorerKPI]]:
    """The active KPIs of contracts, by contract id, each with its latest counted return (submitted
    or accepted, with an actual) and its newest EXPLORER_RETURNS returns of any status, newest
    first. Three queries whatever the number of KPIs and returns (sliced prefetches are one
    window-function query each)."""
    if not contract_ids:
        return {}
    newest = KPIReturn.objects.order_by("-period_start")
    kpis = (
        KPI.objects.filter(contract_id__in=contract_ids, is_active=True)
        .select_related("supporting_outcome")
        .annotate(return_count=Count("returns"))
        .order_by("contract_id", "code")
        .prefetch_related(
            Prefetch("returns", queryset=newest[:EXPLORER_RETURNS], to_attr="newest_returns"),
            _latest_counted_return(),
        )
    )
    found: dict[int, list[ExplorerKPI]] = defaultdict(list)
    for kpi in kpis:
        found[kpi.contract_id].append(
            ExplorerKPI(
                kpi=kpi,
                latest=kpi.latest_counted[0] if kpi.latest_counted else None,
                returns=kpi.newest_returns,
                return_count=kpi.return_count,
            )
        )
    return found


def golden_thread_down(
    *, strategic_code: str | None = None, outcome_code: str | None = None, framework: Framework | None = None
) -> Explorer:
    """The golden thread from the vision down: every strategic and supporting outcome with its
    active contracts counted (and how many were red in their latest reported quarter) and £
    attributed; in full, down to each KPI return, for one supporting outcome (`outcome_code`) or
    every supporting outcome of one strategic outcome (`strategic_code`).

    Rendering every contract's KPIs and returns for all 20 supporting outcomes would be over a
    megabyte of HTML for KCC's contracts, too slow on a phone, so only the chosen outcome is
    opened in full. An unknown code raises ObjectDoesNotExist.

    Queries: four (framework, outcomes (two), links) plus one for the latest quarters, and three
    more for KPIs and returns when an outcome is opened in full; never more with more rows.
    """
    framework = framework or framework_get_default()
    if framework is None:
        return Explorer(None, [])
    today = as_at.today()
    strategic = list(strategic_outcome_list(framework=framework))
    focus_strategic = focus_outcome = None
    if outcome_code:
        focus_outcome = next(
            (s for so in strategic for s in so.supporting_outcomes.all() if s.code == outcome_code), None
        )
        if focus_outcome is None:
            raise SupportingOutcome.DoesNotExist(f"No supporting outcome {outcome_code}.")
    elif strategic_code:
        focus_strategic = next((so for so in strategic if so.code == strategic_code), None)
        if focus_strategic is None:
            raise StrategicOutcome.DoesNotExist(f"No strategic outcome {strategic_code}.")

    links = _active_links(framework)
    latest = latest_quarter_summaries(contracts=links.values("contract_id"), today=today)
    by_outcome: dict[int, list[ExplorerContract]] = defaultdict(list)
    for link in links:
        by_outcome[link.supporting_outcome_id].append(
            ExplorerContract(
                link=link,
                attributed=attributed_value(link.contract.annual_value, link.contribution_share),
                latest=latest.get(link.contract_id),
            )
        )

    explorer = Explorer(framework, [], focus_strategic=focus_strategic, focus_outcome=focus_outcome)
    all_ids: set[int] = set()
    red_ids: set[int] = set()
    expanded: list[ExplorerSupporting] = []
    for so in strategic:
        row = ExplorerStrategic(so)
        ids: set[int] = set()
        reds: set[int] = set()
        for sup in so.supporting_outcomes.all():
            contracts = by_outcome.get(sup.pk, [])
            node = ExplorerSupporting(
                sup,
                contract_count=len(contracts),
                red_count=sum(1 for c in contracts if c.is_red),
                # A contract whose annual value is not known is counted, but adds no £.
                attributed=sum((c.attributed for c in contracts if c.attributed is not None), ZERO),
            )
            if (focus_outcome is not None and sup.pk == focus_outcome.pk) or (
                focus_strategic is not None and so.pk == focus_strategic.pk
            ):
                node.expanded = True
                node.contracts = contracts
                node.is_open = focus_outcome is not None
                expanded.append(node)
            ids.update(c.link.contract_id for c in contracts)
            reds.update(c.link.contract_id for c in contracts if c.is_red)
            row.supporting.append(node)
            row.attributed += node.attributed
        row.contract_count, row.red_count = len(ids), len(reds)
        row.expanded = any(s.expanded for s in row.supporting)
        row.is_open = row.expanded
        all_ids |= ids
        red_ids |= reds
        explorer.strategic.append(row)
    explorer.contract_count, explorer.red_count = len(all_ids), len(red_ids)

    shown = sorted({c.link.contract_id for node in expanded for c in node.contracts})
    kpis = explorer_kpis(contract_ids=shown)
    for node in expanded:
        for c in node.contracts:
            c.kpis = kpis.get(c.link.contract_id, [])
    explorer.kpi_ids = sorted(k.kpi.pk for found in kpis.values() for k in found)
    return explorer


def explorer_return_list(*, explorer: Explorer) -> QuerySet[KPIReturn]:
    """Every return (not just the newest shown) of the KPIs the explorer opened in full. One query."""
    return kpi_return_list().filter(kpi_id__in=explorer.kpi_ids)


# ---------------------------------------------------------------- up the thread


@dataclass
class ThreadLink:
    """One supporting outcome a contract serves, with the £ a year attributed to it."""

    link: OutcomeLink
    attributed: Decimal | None  # None: the contract's annual value is not known

    @property
    def outcome(self) -> SupportingOutcome:
        return self.link.supporting_outcome


@dataclass
class ThreadStrategic:
    outcome: StrategicOutcome
    links: list[ThreadLink] = field(default_factory=list)

    @property
    def attributed(self) -> Decimal | None:
        return _contract_attributed(self.links)

    @property
    def share(self) -> Decimal:
        return sum((t.link.contribution_share for t in self.links), Decimal("0"))


@dataclass
class ThreadKPI:
    kpi: KPI
    latest: KPIReturn | None
    # The KPI evidences a supporting outcome the contract is not linked to: worth a look.
    outside_links: bool = False


@dataclass
class SocialValueOutcome:
    """Social value committed under the contract reaching one supporting outcome through its measures."""

    outcome: OutcomeRef
    figures: SocialValueFigures


@dataclass
class ContractThreadUp:
    contract: Contract
    kpis: list[ThreadKPI]
    links: list[ThreadLink]
    strategic: list[ThreadStrategic]
    frameworks: list[Framework]
    commitments: list[CommitmentProgress]
    social_value: SocialValueFigures
    social_value_outcomes: list[SocialValueOutcome]

    @property
    def attributed(self) -> Decimal | None:
        return _contract_attributed(self.links)


def _contract_attributed(links: list[ThreadLink]) -> Decimal | None:
    """The £ a year one contract's links attribute, or None when its annual value is not known
    (then every link's part is unknown: saying £0 would claim it serves its outcomes for nothing)."""
    if any(t.attributed is None for t in links):
        return None
    return sum((t.attributed for t in links), ZERO)


def contract_kpis_with_latest(*, contract: Contract) -> list[KPI]:
    """A contract's active KPIs with the outcome each evidences and its latest counted return
    (`latest_counted`, a list of at most one). Two queries."""
    return list(
        KPI.objects.filter(contract=contract, is_active=True)
        .select_related("supporting_outcome__strategic_outcome")
        .order_by("code")
        .prefetch_related(_latest_counted_return())
    )


def golden_thread_up(*, contract: Contract) -> ContractThreadUp:
    """A contract up the golden thread: its active KPIs (with the supporting outcome each evidences
    and its latest counted return), the supporting outcomes it serves (share, £ a year attributed,
    rationale, primary), their strategic outcomes, and the framework's vision; and the supporting
    outcomes its social value commitments reach through their measures (Social Value Act 2012),
    which need not be the ones it is linked to.

    Six queries whatever the number of KPIs, links and commitments (seven when it has no links,
    for the default framework's vision).
    """
    links = [
        ThreadLink(link, attributed_value(contract.annual_value, link.contribution_share))
        for link in contract_thread(contract=contract)
    ]
    strategic: dict[int, ThreadStrategic] = {}
    for t in links:
        so = t.outcome.strategic_outcome
        strategic.setdefault(so.pk, ThreadStrategic(so)).links.append(t)
    frameworks = list(
        {t.outcome.strategic_outcome.framework_id: t.outcome.strategic_outcome.framework for t in links}.values()
    )
    if not frameworks:
        default = framework_get_default()
        frameworks = [default] if default else []

    linked_ids = {t.outcome.pk for t in links}
    kpis = [
        ThreadKPI(
            kpi,
            kpi.latest_counted[0] if kpi.latest_counted else None,
            outside_links=kpi.supporting_outcome_id is not None and kpi.supporting_outcome_id not in linked_ids,
        )
        for kpi in contract_kpis_with_latest(contract=contract)
    ]

    progress, figures = contract_social_value(contract=contract, on=as_at.today())
    groups = figures_by(progress, by_supporting_outcome(measure_outcomes()))
    sv_outcomes = sorted(
        (SocialValueOutcome(ref, f) for ref, f in groups.items()),
        key=lambda s: (s.outcome.strategic_code, outcome_code_key(s.outcome.code)),
    )
    return ContractThreadUp(
        contract=contract,
        kpis=kpis,
        links=links,
        strategic=sorted(strategic.values(), key=lambda s: (s.outcome.order, s.outcome.code)),
        frameworks=frameworks,
        commitments=progress,
        social_value=figures,
        social_value_outcomes=sv_outcomes,
    )


# ---------------------------------------------------------------- search


def search_contracts(*, words: list[str]) -> QuerySet[Contract]:
    """Contracts as the contract register's search finds them (contracts.filtersets.contract_search)."""
    return contract_search(contract_list(), words)


def search_providers(*, words: list[str]) -> QuerySet[Provider]:
    """Providers as the provider list's search finds them (contracts.filtersets.provider_search)."""
    return provider_search(provider_list(), words)


def search_strategic_outcomes(*, words: list[str]) -> QuerySet[StrategicOutcome]:
    """Strategic outcomes of the default framework by code (whole, e.g. "2") or title."""
    return (
        StrategicOutcome.objects.filter(framework__is_default=True)
        .filter(all_words(words, ["title"], exact=("code",)))
        .order_by("order", "code")
    )


def search_supporting_outcomes(*, words: list[str]) -> QuerySet[SupportingOutcome]:
    """Supporting outcomes of the default framework by code (whole, e.g. "2.3") or title."""
    return (
        SupportingOutcome.objects.filter(framework__is_default=True)
        .filter(all_words(words, ["title"], exact=("code",)))
        .select_related("strategic_outcome")
        .order_by("order", "code")
    )


@dataclass
class SearchGroup:
    items: list
    total: int

    @property
    def more(self) -> bool:
        return self.total > len(self.items)


@dataclass
class SearchResults:
    query: str
    words: list[str]
    contracts: SearchGroup = field(default_factory=lambda: SearchGroup([], 0))
    providers: SearchGroup = field(default_factory=lambda: SearchGroup([], 0))
    strategic_outcomes: SearchGroup = field(default_factory=lambda: SearchGroup([], 0))
    supporting_outcomes: SearchGroup = field(default_factory=lambda: SearchGroup([], 0))

    @property
    def outcome_total(self) -> int:
        return self.strategic_outcomes.total + self.supporting_outcomes.total

    @property
    def total(self) -> int:
        return self.contracts.total + self.providers.total + self.outcome_total


def golden_thread_search(*, q: str | None, limit: int = SEARCH_LIMIT) -> SearchResults:
    """Search contracts (reference, title, description), providers (name, Companies House number,
    charity number, postcode) and outcomes (code, title): case-insensitive, every word must match
    (in any of the fields), at most `limit` of contracts and of providers with their totals.
    Six queries whatever the number of results; none for an empty search."""
    words = search_words(q)
    # What was typed is shown back on the page; a pasted essay is cut short.
    results = SearchResults(query=(q or "").strip()[:200], words=words)
    if not words:
        return results
    contracts = search_contracts(words=words)
    providers = search_providers(words=words)
    results.contracts = SearchGroup(list(contracts[:limit]), contracts.count())
    results.providers = SearchGroup(list(providers[:limit]), providers.count())
    # There are 23 outcomes in a framework: never capped.
    strategic = list(search_strategic_outcomes(words=words))
    supporting = list(search_supporting_outcomes(words=words))
    results.strategic_outcomes = SearchGroup(strategic, len(strategic))
    results.supporting_outcomes = SearchGroup(supporting, len(supporting))
    return results
