"""The home page and the RAG matrix."""

from django.conf import settings
from django.core.paginator import Paginator
from django.views.generic import TemplateView

from commissioning import as_at
from commissioning.choices import Role
from commissioning.downloads import DownloadsMixin, tables2_download
from commissioning.permissions import RoleRequiredMixin
from contracts.selectors import contracts_ending_soon, recent_quarters
from outcomes_link.filtersets import (
    RAGMatrixFilterSet,
)
from outcomes_link.selectors import (
    MATRIX_QUARTERS,
    contracts_with_kpis,
    contracts_without_links,
    home_performance,
    outcome_overview,
    provider_figures,
    rag_matrix_rows,
)
from outcomes_link.tables import ContractRegisterTable, rag_matrix_table
from outcomes_link.views.shared import (
    HOME_LIST_LIMIT,
)


class HomeView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """What Golden Thread is for, and what each role should look at next."""

    template_name = "outcomes_link/home.html"

    def get_downloads(self):
        user = self.request.user
        if not (user.has_role(Role.COMMISSIONER) and user.directorate_id):
            return {}

        def ending_soon():
            # Every one of the directorate's contracts ending soon, not only the first HOME_LIST_LIMIT shown.
            contracts = contracts_ending_soon(directorate_id=user.directorate_id)
            return tables2_download(
                ContractRegisterTable,
                contracts,
                request=self.request,
                title="Contracts ending within 6 months",
                exclude=("outcomes",),
                order_by=("current_end_date",),
            )

        return {"ending-soon": ending_soon}

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(**kwargs)
        is_admin = user.has_role(Role.ADMIN)
        if user.has_role(Role.COMMISSIONER) and user.directorate_id:
            d = user.directorate_id
            context["directorate"] = user.directorate
            context["ending_soon"] = list(contracts_ending_soon(directorate_id=d)[: HOME_LIST_LIMIT + 1])
            context["unlinked"] = list(contracts_without_links(directorate_id=d)[: HOME_LIST_LIMIT + 1])
            context["list_limit"] = HOME_LIST_LIMIT
            context["performance"] = home_performance(directorate_id=d, limit=HOME_LIST_LIMIT)
            context["can_enter_returns"] = user.has_perm("contracts.change_kpireturn")
            context["overdue_days"] = settings.KPI_RETURN_OVERDUE_DAYS
        elif user.has_role(Role.COMMISSIONER):
            context["commissioner_without_directorate"] = True
        if "performance" not in context:
            context["performance"] = home_performance()
        if is_admin:
            context["all_ending_soon_count"] = contracts_ending_soon().count()
        if is_admin or user.has_role(Role.MEMBER):
            context["overview"] = outcome_overview()
        if is_admin or user.has_role(Role.PROCUREMENT):
            context["providers"] = provider_figures()
        return context


class RAGMatrixView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """Contracts × the last 8 ended quarters, each cell the contract's stored quarter summary; 50 contracts a page.
    The download has every contract the filters select."""

    template_name = "outcomes_link/rag_matrix.html"
    paginate_by = 50

    def filtered(self):
        filterset = RAGMatrixFilterSet(self.request.GET or None, queryset=contracts_with_kpis())
        return filterset, filterset.qs.order_by("reference").values_list("pk", flat=True)

    def get_downloads(self):
        def matrix():
            _filterset, ids = self.filtered()
            quarters = recent_quarters(count=MATRIX_QUARTERS, today=as_at.today())
            return rag_matrix_table(rag_matrix_rows(contract_ids=list(ids), quarters=quarters), quarters)

        return {"matrix": matrix}

    def get_context_data(self, **kwargs):
        filterset, ids = self.filtered()
        page = Paginator(ids, self.paginate_by).get_page(self.request.GET.get("page"))
        quarters = recent_quarters(count=MATRIX_QUARTERS, today=as_at.today())
        return super().get_context_data(
            filter=filterset,
            page=page,
            quarters=quarters,
            rows=rag_matrix_rows(contract_ids=list(page.object_list), quarters=quarters),
            **kwargs,
        )
