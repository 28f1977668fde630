"""Contract performance pages for commissioners: a contract's KPIs (list, add, change, copy), its
performance over time, the quarter's return-entry grid and a return's own page (accept, send back).

Thin, as elsewhere: selectors read, services write (and check the directorate again), forms parse.
Every role reads; a commissioner writes only in their own directorate, admin anywhere. The write
pages check that on the server for both GET and POST, so nobody is shown a form they could never send.
"""

from __future__ import annotations

import copy
from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from commissioning.choices import Role
from commissioning.downloads import DownloadsMixin
from commissioning.permissions import RoleRequiredMixin, can_write_in_directorate
from commissioning.selectors import directorate_list
from contracts.charts import kpi_chart
from contracts.choices import RAG, DeductionStatus, Frequency, ReturnStatus
from contracts.downloads import (
    contract_deductions_table,
    kpi_returns_table,
    kpis_table,
    quarter_summaries_table,
    returns_due_table,
)
from contracts.forms import apply_service_errors
from contracts.forms.performance import (
    AcceptForm,
    KPICopyForm,
    KPIForm,
    ReturnGridForm,
    SendBackForm,
    apply_kpi_errors,
)
from contracts.models import KPI, Contract, KPIReturn
from contracts.periods import Period, parse_period
from contracts.selectors import (
    change_history,
    contract_list,
    contract_performance,
    contract_summaries,
    contracts_missing_key_kpis,
    contracts_with_kpis,
    deduction_list,
    kpi_list,
    kpi_return_list,
    kpis_of_contract,
    open_concerns,
    recent_quarters,
    returns_due_in_quarter,
)
from contracts.services import (
    ReturnBatchError,
    kpi_create,
    kpi_return_accept,
    kpi_return_send_back,
    kpi_returns_save_many,
    kpi_set_copy,
    kpi_update,
)
from contracts.views.mixins import ContractPageMixin, ensure_contract_scope

SUMMARY_QUARTERS = 8


# Commissioners keep the KPIs and returns of their own directorate's contracts only.
_SCOPE_MESSAGE = "You can only change the KPIs and returns of your own directorate's contracts."


# --- KPIs --------------------------------------------------------------------------------------------


class KPIListView(RoleRequiredMixin, ContractPageMixin, DownloadsMixin, TemplateView):
    # DownloadsMixin after ContractPageMixin: the contract is loaded (or 404) before any download.
    template_name = "contracts/kpi_list.html"

    def get_downloads(self):
        return {"kpis": lambda: kpis_table(kpis_of_contract(contract=self.contract))}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        contract = self.contract
        kpis = list(kpis_of_contract(contract=contract))
        can_write = can_write_in_directorate(user, contract.directorate_id)
        context.update(
            contract=contract,
            kpis=kpis,
            can_add=can_write and user.has_perm("contracts.add_kpi"),
            can_change=can_write and user.has_perm("contracts.change_kpi"),
            key_kpi_count=sum(1 for kpi in kpis if kpi.is_key and kpi.is_active),
            missing_key_kpis=contracts_missing_key_kpis(contracts=Contract.objects.filter(pk=contract.pk)).exists(),
        )
        return context


class KPICreateView(RoleRequiredMixin, ContractPageMixin, FormView):
    permission_required = "contracts.add_kpi"
    write_scope = True
    scope_message = _SCOPE_MESSAGE
    form_class = KPIForm
    template_name = "contracts/kpi_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "adding": True}

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, **kwargs)

    def form_valid(self, form):
        try:
            kpi = kpi_create(
                contract=self.contract,
                actor=self.request.user,
                reason=form.cleaned_data["reason"] or "KPI added",
                **form.service_data(),
            )
        except ValidationError as exc:
            apply_kpi_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{kpi.code} {kpi.name} added to {self.contract.reference}.")
        return redirect("contracts:kpi_list", pk=self.contract.pk)


class KPIUpdateView(RoleRequiredMixin, FormView):
    permission_required = "contracts.change_kpi"
    form_class = KPIForm
    template_name = "contracts/kpi_form.html"

    def _load(self) -> None:
        try:
            self.kpi = kpi_list().get(pk=self.kwargs["pk"])
        except KPI.DoesNotExist as exc:
            raise Http404("No KPI with that number.") from exc
        self.contract = self.kpi.contract
        ensure_contract_scope(self.request.user, self.contract, _SCOPE_MESSAGE)

    def get(self, request, *args, **kwargs):
        self._load()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._load()
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return KPIForm.initial_for(self.kpi)

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, kpi=self.kpi, **kwargs)

    def form_valid(self, form):
        working = copy.copy(self.kpi)
        try:
            kpi = kpi_update(
                kpi=working,
                data=form.service_data(),
                actor=self.request.user,
                reason=form.cleaned_data["reason"] or "KPI changed",
            )
        except ValidationError as exc:
            apply_kpi_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{kpi.code} {kpi.name} saved.")
        return redirect("contracts:kpi_list", pk=self.contract.pk)


class KPICopyView(RoleRequiredMixin, ContractPageMixin, FormView):
    permission_required = "contracts.add_kpi"
    write_scope = True
    scope_message = _SCOPE_MESSAGE
    form_class = KPICopyForm
    template_name = "contracts/kpi_copy.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "sources": contracts_with_kpis(exclude=self.contract)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, **kwargs)

    def form_valid(self, form):
        source = form.cleaned_data["source"]
        have = set(kpis_of_contract(contract=self.contract).values_list("code", flat=True))
        offered = list(kpis_of_contract(contract=source).filter(is_active=True).values_list("code", flat=True))
        try:
            copies = kpi_set_copy(
                source=source,
                contract=self.contract,
                actor=self.request.user,
                first_period_start=form.cleaned_data["first_period"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        skipped = [code for code in offered if code in have]
        text = f"{len(copies)} KPI{'' if len(copies) == 1 else 's'} copied from {source.reference}"
        text += f": {', '.join(kpi.code for kpi in copies)}." if copies else "."
        if skipped:
            text += f" Skipped {', '.join(skipped)}: this contract already has KPIs with those codes."
        messages.success(self.request, text)
        return redirect("contracts:kpi_list", pk=self.contract.pk)


# --- A contract's performance -------------------------------------------------------------------------


class ContractPerformanceView(RoleRequiredMixin, ContractPageMixin, DownloadsMixin, TemplateView):
    """Every KPI charted and tabled, the quarter summaries, open concerns and deductions. Fixed queries.
    Downloads: every quarter (the page shows the last eight), every KPI's returns, the deductions."""

    template_name = "contracts/contract_performance.html"

    def get_downloads(self):
        contract = self.contract
        return {
            "quarters": lambda: quarter_summaries_table(contract_summaries(contract=contract)),
            "returns": lambda: kpi_returns_table(contract_performance(contract=contract)),
            "deductions": lambda: contract_deductions_table(deduction_list().filter(contract=contract)),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = self.contract
        user = self.request.user
        series = contract_performance(contract=contract)
        deductions = list(deduction_list().filter(contract=contract))
        context.update(
            contract=contract,
            panels=[(s, kpi_chart(s)) for s in series],
            summaries=contract_summaries(contract=contract)[-SUMMARY_QUARTERS:],
            concerns=list(open_concerns().filter(contract=contract)),
            deductions=deductions,
            can_enter_returns=user.has_perm("contracts.change_kpireturn")
            and can_write_in_directorate(user, contract.directorate_id),
        )
        return context


# --- The return-entry grid -----------------------------------------------------------------------------


def _quarter_options(chosen: Period) -> list[Period]:
    """The current quarter (returns may already be due for its months) and the last eight, newest first."""
    ended = recent_quarters(count=SUMMARY_QUARTERS)
    options = [ended[-1].next(), *reversed(ended)]
    if chosen not in options:
        options.append(chosen)
    return options


class KPIReturnGridView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """Enter a quarter's returns for the contracts you commission, all saved or none.

    Commissioners see the contracts they are responsible for, or every contract of their
    directorate; admin may choose a directorate. The service checks the directorate again.
    """

    permission_required = "contracts.change_kpireturn"
    template_name = "contracts/kpireturn_grid.html"

    def _scope(self) -> None:
        request, user = self.request, self.request.user
        params = request.GET
        self.quarter_error = ""
        default = recent_quarters(count=1)[-1]
        text = params.get("quarter", "").strip()
        self.quarter = default
        if text:
            try:
                self.quarter = parse_period(text, Frequency.QUARTERLY)
            except ValueError as exc:
                self.quarter_error = str(exc)
        self.is_admin = user.has_role(Role.ADMIN)
        self.all_directorate = params.get("all") == "1"
        self.directorate_id = None
        contracts = contract_list()
        if self.is_admin:
            self.directorates = list(directorate_list())
            chosen = params.get("directorate", "")
            if chosen.isdigit() and any(d.pk == int(chosen) for d in self.directorates):
                self.directorate_id = int(chosen)
                contracts = contracts.filter(directorate_id=self.directorate_id)
        else:
            self.directorates = []
            contracts = (
                contracts.filter(directorate_id=user.directorate_id) if user.directorate_id else contracts.none()
            )
            if not self.all_directorate:
                contracts = contracts.filter(commissioner=user)
        self.contracts: QuerySet[Contract] = contracts

    def _grid(self, data=None) -> ReturnGridForm:
        return ReturnGridForm(returns_due_in_quarter(contracts=self.contracts, quarter=self.quarter), data)

    def get(self, request, *args, **kwargs):
        self._scope()
        return self.requested_download() or self.render_to_response(self.get_context_data(grid=self._grid()))

    def get_downloads(self):
        def returns():
            due = returns_due_in_quarter(contracts=self.contracts, quarter=self.quarter)
            return returns_due_table(due, quarter_label=self.quarter.label)

        return {"returns": returns}

    def post(self, request, *args, **kwargs):
        self._scope()
        if self.quarter_error:
            return self.get(request, *args, **kwargs)
        grid = self._grid(request.POST)
        submit = "submit" in request.POST
        if not grid.is_valid():
            return self.render_to_response(self.get_context_data(grid=grid), status=400)
        entries = grid.entries(submit=submit)
        if not entries:
            messages.info(request, "Nothing to save: no value was entered or changed.")
            return HttpResponseRedirect(request.get_full_path())
        try:
            saved = kpi_returns_save_many(entries=entries, submit=submit, actor=request.user)
        except ReturnBatchError as exc:
            grid.add_batch_errors(exc.errors)
            return self.render_to_response(self.get_context_data(grid=grid), status=400)
        messages.success(request, _saved_message(saved, submit=submit))
        return HttpResponseRedirect(request.get_full_path())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            quarter=self.quarter,
            quarter_error=self.quarter_error,
            quarters=_quarter_options(self.quarter),
            is_admin=self.is_admin,
            all_directorate=self.all_directorate,
            directorates=self.directorates,
            directorate_id=self.directorate_id,
        )
        return context


def _saved_message(saved: list[KPIReturn], *, submit: bool) -> str:
    """ "12 returns submitted: 9 green, 2 amber, 1 red; 1 deduction proposed." """
    count = len(saved)
    noun = "return" if count == 1 else "returns"
    if not submit:
        return f"{count} {noun} saved as draft. Submit them when they are ready to count."
    rags = Counter(r.rag for r in saved if r.status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED))
    parts = [f"{rags[rag]} {RAG(rag).label.lower()}" for rag in (RAG.GREEN, RAG.AMBER, RAG.RED) if rags[rag]]
    text = f"{count} {noun} submitted"
    if parts:
        text += ": " + ", ".join(parts)
    proposed = deduction_list().filter(kpi_return__in=[r.pk for r in saved], status=DeductionStatus.PROPOSED).count()
    if proposed:
        text += f"; {proposed} deduction{'' if proposed == 1 else 's'} proposed"
    return text + "."


# --- One return ----------------------------------------------------------------------------------------


# What the return's history shows changing; who submitted and reviewed it is the record's author.
HISTORY_FIELDS = ["actual", "commentary", "status", "returned_reason", "rag", "direction_previous", "direction_year"]


class KPIReturnDetailView(RoleRequiredMixin, TemplateView):
    """A return with why it is its RAG and direction of travel, who did what, and accept or send back."""

    template_name = "contracts/kpireturn_detail.html"

    def _load(self) -> None:
        try:
            self.kpi_return = kpi_return_list().select_related("kpi__supporting_outcome").get(pk=self.kwargs["pk"])
        except KPIReturn.DoesNotExist as exc:
            raise Http404("No KPI return with that number.") from exc

    def _can_review(self) -> bool:
        user = self.request.user
        return user.has_perm("contracts.change_kpireturn") and can_write_in_directorate(
            user, self.kpi_return.contract.directorate_id
        )

    def get(self, request, *args, **kwargs):
        self._load()
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self._load()
        if not self._can_review():
            raise PermissionDenied("Only commissioners of the contract's directorate can accept or send back returns.")
        ret = self.kpi_return
        accept_form, send_back_form = AcceptForm(), SendBackForm()
        if request.POST.get("action") == "accept":
            accept_form = AcceptForm(request.POST)
            if accept_form.is_valid():
                try:
                    kpi_return_accept(kpi_return=ret, actor=request.user, reason=accept_form.cleaned_data["reason"])
                except ValidationError as exc:
                    apply_service_errors(accept_form, exc)
                else:
                    messages.success(request, f"{ret.kpi.code} {ret.period.label} accepted.")
                    return redirect("contracts:kpireturn_detail", pk=ret.pk)
        elif request.POST.get("action") == "send_back":
            send_back_form = SendBackForm(request.POST)
            if send_back_form.is_valid():
                try:
                    kpi_return_send_back(
                        kpi_return=ret, reason=send_back_form.cleaned_data["returned_reason"], actor=request.user
                    )
                except ValidationError as exc:
                    apply_service_errors(send_back_form, exc)
                else:
                    messages.success(request, f"{ret.kpi.code} {ret.period.label} sent back to the provider.")
                    return redirect("contracts:kpireturn_detail", pk=ret.pk)
        else:
            accept_form.add_error(None, "Choose whether to accept the return or send it back.")
        self._load()  # the page shows the return as stored, not as the refused change left it
        return self.render_to_response(
            self.get_context_data(accept_form=accept_form, send_back_form=send_back_form), status=400
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ret = self.kpi_return
        can_review = self._can_review() and ret.status == ReturnStatus.SUBMITTED
        deduction = deduction_list().filter(kpi_return=ret).first()
        context.update(
            kpi_return=ret,
            kpi=ret.kpi,
            contract=ret.contract,
            deduction=deduction,
            history=change_history(instance=ret, fields=HISTORY_FIELDS),
            can_review=can_review,
            accept_form=kwargs.get("accept_form") or AcceptForm(),
            send_back_form=kwargs.get("send_back_form") or SendBackForm(),
            grid_quarter=ret.period.quarter(),
            can_enter_returns=self._can_review(),
        )
        return context
