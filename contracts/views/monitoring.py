"""Monitoring pages for contract performance: overdue returns, deductions (service credits) with their
totals, and performance concerns. Thin: selectors read, services write, forms parse.

Who may do what (commissioning/roles.py): every role reads; a commissioner decides the deductions and
resolves the concerns of their own directorate's contracts, an administrator any. The services check
the directorate again when given `actor=`.
"""

import copy
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from commissioning import as_at
from commissioning.downloads import DownloadsMixin, TableDownloadsMixin
from commissioning.permissions import RoleRequiredMixin, can_write_in_directorate
from contracts.downloads import deduction_totals_table, overdue_returns_table, recent_returns_table
from contracts.filtersets import DeductionFilterSet, PerformanceConcernFilterSet
from contracts.forms import apply_service_errors
from contracts.forms.monitoring import (
    MINE,
    ConcernResolveForm,
    DeductionDecisionForm,
    OverdueReturnFilterForm,
    deduction_decisions_for,
)
from contracts.models import Contract, Deduction, PerformanceConcern
from contracts.selectors import (
    DeductionTotal,
    change_history,
    concern_get,
    concern_list,
    deduction_get,
    deduction_list,
    deduction_totals,
    kpi_recent_returns,
    overdue_returns,
)
from contracts.selectors.performance import overdue_days
from contracts.services import deduction_apply, deduction_dispute, deduction_waive, performance_concern_resolve
from contracts.tables_performance import DeductionTable, PerformanceConcernTable

PER_PAGE = 50

# --- Overdue returns -------------------------------------------------------------------------------------


class OverdueReturnsView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """Every KPI period with no counted return KPI_RETURN_OVERDUE_DAYS after it ended, 50 a page.

    The whole list is worked out first (a fixed number of queries), then cut into pages; the
    download has the whole list.
    """

    template_name = "contracts/overdue_returns.html"

    def get_downloads(self):
        def overdue():
            _form, _data, due = self.overdue()
            return overdue_returns_table(due, today=as_at.today())

        return {"overdue": overdue}

    def overdue(self):
        """The filter form, the query it read and the overdue returns it selects."""
        user = self.request.user
        data = self.request.GET.copy()
        if "commissioner" not in data:
            data.update(OverdueReturnFilterForm.initial_for(user))
        form = OverdueReturnFilterForm(data, user=user)
        contracts = Contract.objects.all()
        if form.is_valid():
            cleaned = form.cleaned_data
            if cleaned["directorate"]:
                contracts = contracts.filter(directorate=cleaned["directorate"])
            if cleaned["commissioner"] == MINE:
                contracts = contracts.filter(commissioner=user)
            elif cleaned["commissioner"]:
                contracts = contracts.filter(commissioner_id=int(cleaned["commissioner"]))
            if cleaned["q"].strip():
                contracts = contracts.filter(reference__icontains=cleaned["q"].strip())
        else:
            contracts = contracts.none()
        return form, data, overdue_returns(contracts=contracts, today=as_at.today())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, data, due = self.overdue()
        today = as_at.today()
        page = Paginator(due, PER_PAGE).get_page(self.request.GET.get("page"))
        context.update(
            form=form,
            page=page,
            rows=[(item, (today - item.due_date).days) for item in page.object_list],
            total=len(due),
            overdue_days=overdue_days(),
            showing_mine=form.is_valid() and form.cleaned_data["commissioner"] == MINE,
            filtered=any(data.get(name) for name in ("directorate", "commissioner", "q")),
        )
        return context


# --- Deductions ------------------------------------------------------------------------------------------

TOTALS_BY = {
    "contract": "Contract",
    "provider": "Provider",
    "directorate": "Directorate",
    "financial_year": "Financial year",
}


class DeductionListView(RoleRequiredMixin, TableDownloadsMixin, SingleTableMixin, FilterView):
    filterset_class = DeductionFilterSet
    table_class = DeductionTable
    template_name = "contracts/deduction_list.html"
    table_pagination = {"per_page": PER_PAGE}
    table_download_name = "deductions"

    def get_downloads(self):
        def totals():
            by = self.totals_by()
            rows = deduction_totals(by=by, deductions=self.filtered_object_list())
            return deduction_totals_table(rows, by_label=TOTALS_BY[by], grand_total=_grand_total(rows))

        return {**super().get_downloads(), "totals": totals}

    def totals_by(self) -> str:
        by = self.request.GET.get("by")
        return by if by in TOTALS_BY else "contract"

    def get_queryset(self):
        return deduction_list()

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        field = filterset.form.fields["status"]
        field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by = self.totals_by()
        totals = deduction_totals(by=by, deductions=self.object_list)
        context.update(
            count=context["table"].paginator.count,
            by=by,
            by_label=TOTALS_BY[by],
            totals_by=TOTALS_BY,
            totals=totals,
            grand_total=_grand_total(totals),
        )
        return context


def _grand_total(totals: list[DeductionTotal]) -> DeductionTotal:
    return DeductionTotal(
        key=(),
        label="Total",
        proposed=sum((t.proposed for t in totals), Decimal("0.00")),
        applied=sum((t.applied for t in totals), Decimal("0.00")),
        waived=sum((t.waived for t in totals), Decimal("0.00")),
        disputed=sum((t.disputed for t in totals), Decimal("0.00")),
    )


def _deduction_or_404(pk: int) -> Deduction:
    try:
        return deduction_get(pk=pk)
    except Deduction.DoesNotExist as exc:
        raise Http404("No deduction with that number.") from exc


DEDUCTION_SERVICES = {"apply": deduction_apply, "waive": deduction_waive, "dispute": deduction_dispute}
DEDUCTION_DONE = {"apply": "applied", "waive": "waived", "dispute": "marked as disputed"}
DEDUCTION_HISTORY_FIELDS = ["status", "amount", "calculated_amount", "calculation", "reason"]


class DeductionDetailView(RoleRequiredMixin, TemplateView):
    """A deduction, how it was worked out and its history; its directorate's commissioners decide it."""

    template_name = "contracts/deduction_detail.html"

    def _can_decide(self, deduction: Deduction) -> bool:
        user = self.request.user
        return user.has_perm("contracts.change_deduction") and can_write_in_directorate(
            user, deduction.contract.directorate_id
        )

    def get(self, request, *args, **kwargs):
        self.deduction = _deduction_or_404(kwargs["pk"])
        return self.render_to_response(self.get_context_data(form=DeductionDecisionForm()))

    def post(self, request, *args, **kwargs):
        self.deduction = _deduction_or_404(kwargs["pk"])
        if not self._can_decide(self.deduction):
            raise PermissionDenied("You can only decide the deductions of your own directorate's contracts.")
        form = DeductionDecisionForm(request.POST)
        if form.is_valid():
            action = form.cleaned_data["action"]
            try:
                # A copy, so a refused decision leaves the page showing the deduction as it is.
                DEDUCTION_SERVICES[action](
                    deduction=copy.copy(self.deduction), reason=form.cleaned_data["reason"], actor=request.user
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"Deduction of £{self.deduction.amount:,.2f} {DEDUCTION_DONE[action]}.")
                return HttpResponseRedirect(reverse("contracts:deduction_detail", kwargs={"pk": self.deduction.pk}))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deduction = self.deduction
        can_decide = self._can_decide(deduction)
        context.update(
            deduction=deduction,
            kpi=deduction.kpi,
            contract=deduction.contract,
            kpi_return=deduction.kpi_return,
            history=change_history(instance=deduction, fields=DEDUCTION_HISTORY_FIELDS),
            can_decide=can_decide,
            decisions=deduction_decisions_for(deduction.status) if can_decide else [],
        )
        return context


# --- Performance concerns --------------------------------------------------------------------------------

OPEN_CHOICES = [("true", "Open"), ("false", "Resolved"), ("", "Open and resolved")]


class ConcernListView(RoleRequiredMixin, TableDownloadsMixin, SingleTableMixin, FilterView):
    """Performance concerns, the open ones unless the person asks for others."""

    filterset_class = PerformanceConcernFilterSet
    table_class = PerformanceConcernTable
    template_name = "contracts/concern_list.html"
    table_pagination = {"per_page": PER_PAGE}
    table_download_name = "concerns"

    def get_queryset(self):
        return concern_list()

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = (kwargs.get("data") or self.request.GET).copy()
        data.setdefault("is_open", "true")
        kwargs["data"] = data
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["count"] = context["table"].paginator.count
        context["filtered"] = any(
            self.request.GET.get(name) for name in ("contract_id", "directorate_id", "commissioner_id")
        )
        return context

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        field = filterset.form.fields["is_open"]
        field.label = "Open or resolved"
        field.widget = forms.Select(choices=OPEN_CHOICES)
        return filterset


def _concern_or_404(pk: int) -> PerformanceConcern:
    try:
        return concern_get(pk=pk)
    except PerformanceConcern.DoesNotExist as exc:
        raise Http404("No performance concern with that number.") from exc


CONCERN_HISTORY_FIELDS = ["rule", "explanation", "resolved_at", "resolution_note"]


class ConcernDetailView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """A performance concern with the KPI's recent returns; its directorate's commissioners resolve it."""

    template_name = "contracts/concern_detail.html"

    def _can_resolve(self, concern: PerformanceConcern) -> bool:
        user = self.request.user
        return user.has_perm("contracts.change_performanceconcern") and can_write_in_directorate(
            user, concern.contract.directorate_id
        )

    def get(self, request, *args, **kwargs):
        self.concern = _concern_or_404(kwargs["pk"])
        return self.requested_download() or self.render_to_response(self.get_context_data(form=ConcernResolveForm()))

    def get_downloads(self):
        kpi = self.concern.kpi
        label = f"{kpi.code} {kpi.name}"
        return {"returns": lambda: recent_returns_table(kpi_recent_returns(kpi=kpi), kpi_label=label)}

    def post(self, request, *args, **kwargs):
        self.concern = _concern_or_404(kwargs["pk"])
        if not self._can_resolve(self.concern):
            raise PermissionDenied("You can only resolve the concerns of your own directorate's contracts.")
        form = ConcernResolveForm(request.POST)
        if form.is_valid():
            try:
                performance_concern_resolve(
                    concern=copy.copy(self.concern), note=form.cleaned_data["resolution_note"], actor=request.user
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"Performance concern about {self.concern.kpi.code} resolved.")
                return HttpResponseRedirect(reverse("contracts:concern_detail", kwargs={"pk": self.concern.pk}))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        concern = self.concern
        context.update(
            concern=concern,
            kpi=concern.kpi,
            contract=concern.contract,
            recent_returns=kpi_recent_returns(kpi=concern.kpi),
            history=change_history(instance=concern, fields=CONCERN_HISTORY_FIELDS),
            can_resolve=concern.is_open and self._can_resolve(concern),
        )
        return context
