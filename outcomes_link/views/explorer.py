"""The golden thread explorer (down from the vision to each KPI return, up from a contract to the
vision) and search across contracts, providers and outcomes (issue 6). Every role reads them."""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.views.generic import TemplateView

from commissioning.downloads import COUNT, DATE, MONEY, PERCENT, TEXT, Column, DownloadsMixin, Table
from commissioning.permissions import RoleRequiredMixin
from contracts.rules import format_measure
from outcomes_link.selectors import (
    ContractThreadUp,
    Explorer,
    contract_performance_overview,
    explorer_return_list,
    golden_thread_down,
    golden_thread_search,
    golden_thread_up,
    search_contracts,
    search_providers,
    search_strategic_outcomes,
    search_supporting_outcomes,
)
from outcomes_link.selectors.explorer import EXPLORER_RETURNS, SEARCH_LIMIT, search_words
from outcomes_link.views.shared import contract_or_404


def _label(rag: str) -> str:
    return rag.capitalize() if rag else ""


class ExplorerView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """Down the golden thread on one page: the vision, strategic outcomes, supporting outcomes and
    their contracts counted; `?strategic=1` or `?outcome=2.3` opens one in full down to each KPI return."""

    template_name = "outcomes_link/explorer.html"
    download_filename = "golden-thread"

    def explorer(self) -> Explorer:
        if not hasattr(self, "_explorer"):
            try:
                self._explorer = golden_thread_down(
                    strategic_code=self.request.GET.get("strategic", "").strip() or None,
                    outcome_code=self.request.GET.get("outcome", "").strip() or None,
                )
            except ObjectDoesNotExist as exc:
                raise Http404("No outcome with that code.") from exc
        return self._explorer

    def get_downloads(self):
        if not self.explorer().focused:
            return {}
        return {"contracts": self.contracts_table, "returns": self.returns_table}

    def contracts_table(self) -> Table:
        table = Table(
            "Contracts",
            [
                Column("Strategic outcome"),
                Column("Supporting outcome"),
                Column("Contract reference"),
                Column("Contract title"),
                Column("Provider"),
                Column("Share of contract value (%)", PERCENT),
                Column("Annual value attributed (£)", MONEY),
                Column("Latest quarter"),
                Column("Latest quarter RAG"),
                Column("Active KPIs", COUNT),
            ],
        )
        for s, sup, c in self.explorer().expanded_contracts():
            table.rows.append(
                [
                    s.outcome.code,
                    f"{sup.outcome.code} {sup.outcome.title}",
                    c.contract.reference,
                    c.contract.title,
                    c.contract.provider.name,
                    c.link.contribution_share,
                    c.attributed,
                    c.latest.period.label if c.latest else "",
                    _label(c.latest.rag) if c.latest else "",
                    len(c.kpis),
                ]
            )
        return table

    def returns_table(self) -> Table:
        table = Table(
            "KPI returns",
            [
                Column("Contract reference"),
                Column("KPI"),
                Column("KPI name"),
                Column("Period"),
                Column("Period start", DATE),
                Column("Actual"),
                Column("Target"),
                Column("RAG"),
                Column("Status"),
            ],
        )
        for ret in explorer_return_list(explorer=self.explorer()):
            kpi = ret.kpi
            table.rows.append(
                [
                    ret.contract.reference,
                    kpi.code,
                    kpi.name,
                    ret.period.label,
                    ret.period_start,
                    format_measure(ret.actual, kpi.unit) if ret.actual is not None else "",
                    format_measure(kpi.target, kpi.unit, exact=True),
                    _label(ret.rag),
                    ret.get_status_display(),
                ]
            )
        return table

    def get_context_data(self, **kwargs):
        return super().get_context_data(explorer=self.explorer(), returns_shown=EXPLORER_RETURNS, **kwargs)


class ExplorerContractView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """Up the golden thread on one page: a contract, its KPIs, the supporting outcomes it serves,
    their strategic outcomes and the vision, with its latest performance and social value."""

    template_name = "outcomes_link/explorer_contract.html"

    def thread(self) -> ContractThreadUp:
        if not hasattr(self, "_thread"):
            self._thread = golden_thread_up(contract=contract_or_404(self.kwargs["pk"]))
        return self._thread

    def get_download_filename(self, name: str) -> str:
        self.download_filename = f"{self.thread().contract.reference}-golden-thread"
        return super().get_download_filename(name)

    def get_downloads(self):
        return {"kpis": self.kpis_table, "outcomes": self.outcomes_table, "social_value": self.social_value_table}

    def kpis_table(self) -> Table:
        table = Table(
            "KPIs",
            [
                Column("KPI"),
                Column("Name"),
                Column("Key KPI"),
                Column("Target"),
                Column("Latest period"),
                Column("Latest actual"),
                Column("Latest RAG"),
                Column("Supporting outcome evidenced"),
            ],
        )
        for t in self.thread().kpis:
            kpi, latest = t.kpi, t.latest
            table.rows.append(
                [
                    kpi.code,
                    kpi.name,
                    "Yes" if kpi.is_key else "No",
                    format_measure(kpi.target, kpi.unit, exact=True),
                    latest.period.label if latest else "",
                    format_measure(latest.actual, kpi.unit) if latest else "",
                    _label(latest.rag) if latest else "",
                    f"{kpi.supporting_outcome.code} {kpi.supporting_outcome.title}" if kpi.supporting_outcome else "",
                ]
            )
        return table

    def outcomes_table(self) -> Table:
        table = Table(
            "Supporting outcomes",
            [
                Column("Supporting outcome"),
                Column("Title"),
                Column("Strategic outcome"),
                Column("Primary"),
                Column("Share of contract value (%)", PERCENT),
                Column("Annual value attributed (£)", MONEY),
                Column("Rationale"),
            ],
        )
        for t in self.thread().links:
            table.rows.append(
                [
                    t.outcome.code,
                    t.outcome.title,
                    f"{t.outcome.strategic_outcome.code}. {t.outcome.strategic_outcome.title}",
                    "Yes" if t.link.is_primary else "No",
                    t.link.contribution_share,
                    t.attributed,
                    t.link.rationale,
                ]
            )
        return table

    def social_value_table(self) -> Table:
        table = Table(
            "Social value by outcome",
            [
                Column("Supporting outcome"),
                Column("Title"),
                Column("Strategic outcome"),
                Column("Commitments", COUNT),
                Column("Committed (£)", MONEY),
                Column("Delivered, verified (£)", MONEY),
            ],
        )
        for s in self.thread().social_value_outcomes:
            table.rows.append(
                [
                    s.outcome.code,
                    s.outcome.title,
                    f"{s.outcome.strategic_code}. {s.outcome.strategic_title}",
                    s.figures.commitments,
                    s.figures.committed_value,
                    s.figures.delivered_value,
                ]
            )
        return table

    def get_context_data(self, **kwargs):
        thread = self.thread()
        return super().get_context_data(
            thread=thread,
            contract=thread.contract,
            performance=contract_performance_overview(contract=thread.contract),
            **kwargs,
        )


class SearchView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """Search contracts, providers and outcomes: every word must match; grouped by kind with counts."""

    template_name = "outcomes_link/search.html"
    download_filename = "search"

    def words(self) -> list[str]:
        return search_words(self.request.GET.get("q"))

    def get_downloads(self):
        if not self.words():
            return {}
        return {"contracts": self.contracts_table, "providers": self.providers_table, "outcomes": self.outcomes_table}

    def contracts_table(self) -> Table:
        table = Table(
            "Contracts",
            [
                Column("Reference"),
                Column("Title"),
                Column("Provider"),
                Column("Directorate"),
                Column("Status"),
                Column("Annual value (£)", MONEY),
            ],
        )
        for c in search_contracts(words=self.words()):
            table.rows.append(
                [c.reference, c.title, c.provider.name, c.directorate.name, c.get_status_display(), c.annual_value]
            )
        return table

    def providers_table(self) -> Table:
        table = Table(
            "Providers",
            [
                Column("Name"),
                Column("Companies House number"),
                Column("Charity number"),
                Column("Postcode"),
                Column("Location"),
                Column("Size"),
                Column("Sector"),
                Column("Contracts", COUNT),
            ],
        )
        for p in search_providers(words=self.words()):
            table.rows.append(
                [
                    p.name,
                    p.companies_house_number,
                    p.charity_number,
                    p.postcode,
                    p.get_location_display(),
                    p.get_size_display(),
                    p.get_sector_display(),
                    p.contract_count,
                ]
            )
        return table

    def outcomes_table(self) -> Table:
        table = Table("Outcomes", [Column("Level"), Column("Code"), Column("Title"), Column("Strategic outcome", TEXT)])
        words = self.words()
        for so in search_strategic_outcomes(words=words):
            table.rows.append(["Strategic outcome", so.code, so.title, ""])
        for sup in search_supporting_outcomes(words=words):
            table.rows.append(["Supporting outcome", sup.code, sup.title, sup.strategic_outcome.code])
        return table

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            results=golden_thread_search(q=self.request.GET.get("q")), limit=SEARCH_LIMIT, **kwargs
        )
