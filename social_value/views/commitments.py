"""The social value of a contract (issue 5): its commitments and their progress, adding and varying a
commitment, recording a delivery return with its evidence, and the commissioner's verification or
rejection; the list of returns awaiting verification.

Thin, as elsewhere: selectors read, services write (and check the directorate again), forms parse.
Every role reads; a commissioner writes only for their own directorate's contracts, admin anywhere.
The write pages check that on the server for GET and POST, so nobody is shown a form they could
never send; a refusal is a 403 (PermissionDenied), a service's ValidationError is shown on the form
and nothing is saved (every service is atomic).
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from commissioning import as_at
from commissioning.downloads import DownloadsMixin
from commissioning.permissions import RoleRequiredMixin, can_write_in_directorate
from commissioning.templatetags.gt import money
from contracts.forms import apply_service_errors
from contracts.selectors import change_history
from contracts.views.mixins import ContractPageMixin
from social_value import rules
from social_value.downloads import commitments_table, delivery_returns_table
from social_value.forms import (
    ALL_STATUSES,
    CommitmentForm,
    CommitmentVaryForm,
    DeliveryReturnFilterForm,
    DeliveryReturnForm,
    RejectForm,
    VerifyForm,
)
from social_value.models import DeliveryReturn, DeliveryStatus, SocialValueCommitment
from social_value.selectors import commitment_progress
from social_value.selectors.commitments import (
    commitment_get,
    contract_social_value,
    delivery_return_list,
    measures_for_choice,
)
from social_value.services import (
    VARIABLE_FIELDS,
    commitment_create,
    commitment_vary,
    delivery_return_reject,
    delivery_return_submit,
    delivery_return_verify,
)

ADD_COMMITMENT = "social_value.add_socialvaluecommitment"
CHANGE_COMMITMENT = "social_value.change_socialvaluecommitment"
ADD_RETURN = "social_value.add_deliveryreturn"
CHANGE_RETURN = "social_value.change_deliveryreturn"
SCOPE_MESSAGE = "You can only record the social value of your own directorate's contracts."
REVIEW_MESSAGE = "Only commissioners of the contract's directorate can verify or reject its delivery returns."
RETURNS_PER_PAGE = 50

# What the pages' histories show changing; who made each change and why is the record's author and reason.
COMMITMENT_HISTORY_FIELDS = [
    "basis",
    "quantity",
    "total_quantity",
    "start_date",
    "due_date",
    "committed_value",
    "notes",
]
RETURN_HISTORY_FIELDS = ["period_start", "period_end", "quantity", "evidence_note", "status", "rejection_reason"]


def may_write(user, contract, permission: str) -> bool:
    """The role's permission and the directorate rule: a commissioner's own directorate, or admin."""
    return user.has_perm(permission) and can_write_in_directorate(user, contract.directorate_id)


def _quantity(value) -> str:
    return f"{value.normalize():,f}"


# --- A contract's social value -----------------------------------------------------------------------


class ContractSocialValueView(RoleRequiredMixin, ContractPageMixin, DownloadsMixin, TemplateView):
    """Every commitment with its progress today, the totals, and the returns awaiting verification.
    Fixed queries whatever the number of commitments and returns."""

    template_name = "social_value/contract_social_value.html"

    def awaiting(self):
        return delivery_return_list().filter(commitment__contract=self.contract, status=DeliveryStatus.SUBMITTED)

    def get_downloads(self):
        def commitments():
            today = as_at.today()
            return commitments_table(*contract_social_value(contract=self.contract, on=today), on=today)

        return {
            "commitments": commitments,
            "awaiting": lambda: delivery_returns_table(self.awaiting(), title="Awaiting verification"),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract, user = self.contract, self.request.user
        today = as_at.today()
        progress, figures = contract_social_value(contract=contract, on=today)
        awaiting = self.awaiting()
        context.update(
            contract=contract,
            today=today,
            progress=progress,
            figures=figures,
            awaiting=list(awaiting),
            can_add_commitment=may_write(user, contract, ADD_COMMITMENT),
            can_add_return=may_write(user, contract, ADD_RETURN),
            can_review=may_write(user, contract, CHANGE_RETURN),
        )
        return context


class CommitmentCreateView(RoleRequiredMixin, ContractPageMixin, FormView):
    permission_required = ADD_COMMITMENT
    write_scope = True
    scope_message = SCOPE_MESSAGE
    form_class = CommitmentForm
    template_name = "social_value/commitment_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "measures": measures_for_choice(), "contract": self.contract}

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            commitment = commitment_create(
                contract=self.contract,
                measure=data["measure"],
                basis=data["basis"],
                quantity=data["quantity"],
                committed_on=data["committed_on"],
                start_date=data["start_date"],
                due_date=data["due_date"],
                notes=data["notes"].strip(),
                actor=self.request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        measure = commitment.measure
        text = f"{measure.code} committed under {self.contract.reference}: "
        text += f"{_quantity(commitment.total_quantity)} {measure.get_unit_display().lower()} in all"
        if commitment.proxy_value is None:
            text += ", counted in units only: the measure had no proxy value on the committed date."
        else:
            text += f", {money(commitment.committed_value)} at {money(commitment.proxy_value)} a unit."
        messages.success(self.request, text)
        return redirect("social_value:commitment_detail", pk=commitment.pk)


# --- One commitment ------------------------------------------------------------------------------------


class CommitmentMixin:
    """Loads `self.commitment` (and its contract) from the URL after RoleRequiredMixin's checks. With
    `write_permission`, a user who may not write for the contract is refused on GET as well as POST."""

    write_permission: str | None = None

    def _load(self) -> None:
        try:
            self.commitment = commitment_get(pk=self.kwargs["pk"])
        except SocialValueCommitment.DoesNotExist as exc:
            raise Http404("No social value commitment with that number.") from exc
        self.contract = self.commitment.contract
        if self.write_permission and not may_write(self.request.user, self.contract, self.write_permission):
            raise PermissionDenied(SCOPE_MESSAGE)

    def get(self, request, *args, **kwargs):
        self._load()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._load()
        return super().post(request, *args, **kwargs)


class CommitmentDetailView(RoleRequiredMixin, CommitmentMixin, DownloadsMixin, TemplateView):
    """The commitment, the proxy value applied and its source, its progress, its returns and history."""

    template_name = "social_value/commitment_detail.html"

    def returns(self):
        return delivery_return_list().filter(commitment=self.commitment).order_by("-period_start", "-pk")

    def get_downloads(self):
        return {"returns": lambda: delivery_returns_table(self.returns())}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        commitment, user = self.commitment, self.request.user
        today = as_at.today()
        context.update(
            commitment=commitment,
            contract=self.contract,
            today=today,
            progress=commitment_progress([commitment], on=today)[0],
            returns=list(self.returns()),
            history=change_history(instance=commitment, fields=COMMITMENT_HISTORY_FIELDS),
            can_vary=may_write(user, self.contract, CHANGE_COMMITMENT),
            can_add_return=may_write(user, self.contract, ADD_RETURN),
        )
        return context


class CommitmentVaryView(RoleRequiredMixin, CommitmentMixin, FormView):
    permission_required = CHANGE_COMMITMENT
    write_permission = CHANGE_COMMITMENT
    form_class = CommitmentVaryForm
    template_name = "social_value/commitment_vary.html"

    def get_initial(self):
        return CommitmentVaryForm.initial_for(self.commitment)

    def get_context_data(self, **kwargs):
        return super().get_context_data(commitment=self.commitment, contract=self.contract, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        data["notes"] = data["notes"].strip()
        changes = {name: data[name] for name in VARIABLE_FIELDS if data[name] != getattr(self.commitment, name)}
        if not changes:
            form.add_error(None, "Nothing has changed. Change the quantity, basis, dates or notes, or cancel.")
            return self.form_invalid(form)
        try:
            varied = commitment_vary(
                commitment=self.commitment, reason=data["reason"], actor=self.request.user, **changes
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{varied.measure.code} under {self.contract.reference} varied: {money(varied.committed_value)} committed.",
        )
        return redirect("social_value:commitment_detail", pk=varied.pk)


class DeliveryReturnCreateView(RoleRequiredMixin, CommitmentMixin, FormView):
    permission_required = ADD_RETURN
    write_permission = ADD_RETURN
    form_class = DeliveryReturnForm
    template_name = "social_value/deliveryreturn_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(commitment=self.commitment, contract=self.contract, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            delivery = delivery_return_submit(
                commitment=self.commitment,
                period_start=data["period_start"],
                period_end=data["period_end"],
                quantity=data["quantity"],
                evidence_note=data["evidence_note"],
                evidence_file=data["evidence_file"],
                actor=self.request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Delivery return for {self.commitment.measure.code} under {self.contract.reference} submitted. "
            "It counts once the commissioner verifies it.",
        )
        return redirect("social_value:delivery_return_detail", pk=delivery.pk)


# --- One delivery return --------------------------------------------------------------------------------


class DeliveryReturnMixin:
    """Loads `self.delivery` from the URL after RoleRequiredMixin's checks."""

    def _load(self) -> None:
        try:
            self.delivery = delivery_return_list().get(pk=self.kwargs["pk"])
        except DeliveryReturn.DoesNotExist as exc:
            raise Http404("No delivery return with that number.") from exc
        self.commitment = self.delivery.commitment
        self.contract = self.commitment.contract

    def _ensure_may_review(self) -> None:
        if not may_write(self.request.user, self.contract, CHANGE_RETURN):
            raise PermissionDenied(REVIEW_MESSAGE)

    def detail_context(self, **kwargs) -> dict:
        delivery = self.delivery
        return {
            "delivery": delivery,
            "commitment": self.commitment,
            "contract": self.contract,
            "history": change_history(instance=delivery, fields=RETURN_HISTORY_FIELDS),
            "evidence_name": Path(delivery.evidence_file.name).name if delivery.evidence_file else "",
            "delivered_value": rules.social_value(delivery.quantity, self.commitment.proxy_value),
            "can_review": delivery.status == DeliveryStatus.SUBMITTED
            and may_write(self.request.user, self.contract, CHANGE_RETURN),
            "verify_form": kwargs.get("verify_form") or VerifyForm(),
            "reject_form": kwargs.get("reject_form") or RejectForm(),
        }


class DeliveryReturnDetailView(RoleRequiredMixin, DeliveryReturnMixin, TemplateView):
    """The return, its evidence and status; for a commissioner of the directorate, verify or reject it."""

    template_name = "social_value/deliveryreturn_detail.html"

    def get(self, request, *args, **kwargs):
        self._load()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.detail_context()}


class DeliveryReturnVerifyView(RoleRequiredMixin, DeliveryReturnMixin, TemplateView):
    """POST only: the commissioner verifies the return, so it counts from now on."""

    permission_required = CHANGE_RETURN
    http_method_names = ["post"]
    template_name = "social_value/deliveryreturn_detail.html"

    def post(self, request, *args, **kwargs):
        self._load()
        self._ensure_may_review()
        form = VerifyForm(request.POST)
        try:
            delivery_return_verify(delivery=self.delivery, actor=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.render_to_response(
                {**self.get_context_data(), **self.detail_context(verify_form=form)}, status=400
            )
        messages.success(request, f"Delivery return verified: it now counts towards {self.commitment.measure.code}.")
        return redirect("social_value:delivery_return_detail", pk=self.delivery.pk)


class DeliveryReturnRejectView(RoleRequiredMixin, DeliveryReturnMixin, FormView):
    """The commissioner rejects the return, saying why; it does not count."""

    permission_required = CHANGE_RETURN
    form_class = RejectForm
    template_name = "social_value/deliveryreturn_reject.html"

    def get(self, request, *args, **kwargs):
        self._load()
        self._ensure_may_review()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._load()
        self._ensure_may_review()
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            delivery=self.delivery, commitment=self.commitment, contract=self.contract, **kwargs
        )

    def form_valid(self, form):
        try:
            delivery_return_reject(
                delivery=self.delivery, reason=form.cleaned_data["rejection_reason"], actor=self.request.user
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Delivery return rejected. It does not count towards the commitment.")
        return redirect("social_value:delivery_return_detail", pk=self.delivery.pk)


class DeliveryReturnEvidenceView(RoleRequiredMixin, DeliveryReturnMixin, View):
    """The evidence file, for signed-in users with a role only (uploads are not public), as a download."""

    def get(self, request, *args, **kwargs):
        self._load()
        evidence = self.delivery.evidence_file
        if not evidence:
            raise Http404("This delivery return has no evidence file.")
        try:
            handle = evidence.open("rb")
        except FileNotFoundError as exc:
            raise Http404("The evidence file is missing from storage.") from exc
        return FileResponse(handle, as_attachment=True, filename=Path(evidence.name).name)


# --- Returns awaiting verification ----------------------------------------------------------------------


class DeliveryReturnListView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """Delivery returns, by default those awaiting verification; a commissioner sees their own
    directorate's first. Paginated; fixed queries whatever the number of returns."""

    template_name = "social_value/deliveryreturn_list.html"

    def get_downloads(self):
        return {"returns": lambda: delivery_returns_table(self.filtered()[1])}

    def filtered(self):
        """The filter form (with the user's defaults) and the returns it selects, before paging."""
        user = self.request.user
        data = self.request.GET.copy()
        for name, value in DeliveryReturnFilterForm.initial_for(user).items():
            data.setdefault(name, value)
        form = DeliveryReturnFilterForm(data)
        returns = delivery_return_list()
        if form.is_valid():
            status = form.cleaned_data["status"] or ALL_STATUSES
            if status != ALL_STATUSES:
                returns = returns.filter(status=status)
            if form.cleaned_data["directorate"]:
                returns = returns.filter(commitment__contract__directorate=form.cleaned_data["directorate"])
        else:
            returns = returns.none()
        return form, returns

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, returns = self.filtered()
        page = Paginator(returns, RETURNS_PER_PAGE).get_page(self.request.GET.get("page"))
        context.update(
            form=form,
            page=page,
            returns=list(page.object_list),
            total=page.paginator.count,
            showing_submitted=form.is_valid() and form.cleaned_data["status"] == DeliveryStatus.SUBMITTED,
        )
        return context
