"""Procurement Act 2023 performance assessments and their contract performance notices.

Every role reads. A commissioner proposes and confirms assessments of their own directorate's
contracts, an admin any (commissioning/roles.py: add/change performanceassessment; the
services check the directorate again). A confirmed assessment downloads as its contract
performance notice: an OCDS release package with the UK extension.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView

from commissioning.downloads import DownloadsMixin
from commissioning.permissions import RoleRequiredMixin, can_write_in_directorate
from contracts.choices import AssessmentStatus
from contracts.downloads import (
    assessment_ratings_table,
    assessments_table,
    missing_key_kpis_table,
    overdue_assessments_table,
)
from contracts.filtersets import PerformanceAssessmentFilterSet
from contracts.forms.assessments import AssessmentConfirmForm, AssessmentProposeForm, default_assessment_period
from contracts.forms.providers import apply_service_errors
from contracts.models import PerformanceAssessment
from contracts.notices import notice_filename, performance_notice_package
from contracts.ocds import validate_release_package
from contracts.selectors import (
    KEY_KPI_MINIMUM,
    KEY_KPI_THRESHOLD,
    assessment_history,
    assessment_list,
    contracts_missing_key_kpis,
    overdue_assessments,
)
from contracts.services import performance_assessment_confirm, performance_assessment_propose
from contracts.views.mixins import ContractPageMixin

logger = logging.getLogger(__name__)


def _assessment_or_404(pk: int) -> PerformanceAssessment:
    try:
        return assessment_list().get(pk=pk)
    except PerformanceAssessment.DoesNotExist as exc:
        raise Http404("No performance assessment with that number.") from exc


class AssessmentListView(RoleRequiredMixin, DownloadsMixin, FilterView):
    """Overdue assessments, contracts over £5m lacking key KPIs, and the assessments made."""

    filterset_class = PerformanceAssessmentFilterSet
    template_name = "contracts/assessment_list.html"
    paginate_by = 50

    def get_downloads(self):
        return {
            "overdue": lambda: overdue_assessments_table(overdue_assessments()),
            "missing-key-kpis": lambda: missing_key_kpis_table(contracts_missing_key_kpis()),
            "assessments": lambda: assessments_table(self.filtered_object_list()),
        }

    def get_queryset(self):
        return assessment_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        can_assess = user.has_perm("contracts.add_performanceassessment")
        can_edit = user.has_perm("contracts.change_contract")
        context.update(
            overdue=[
                (item, can_assess and can_write_in_directorate(user, item.contract.directorate_id))
                for item in overdue_assessments()
            ],
            missing_key_kpis=[
                (contract, can_edit and can_write_in_directorate(user, contract.directorate_id))
                for contract in contracts_missing_key_kpis()
            ],
            key_kpi_threshold=KEY_KPI_THRESHOLD,
            key_kpi_minimum=KEY_KPI_MINIMUM,
        )
        return context


class AssessmentCreateView(RoleRequiredMixin, ContractPageMixin, FormView):
    """Choose the period and reason; each key KPI's rating is then proposed from the returns."""

    permission_required = "contracts.add_performanceassessment"
    form_class = AssessmentProposeForm
    template_name = "contracts/assessment_form.html"
    write_scope = True
    scope_message = "You can only assess contracts of your own directorate."

    def get_initial(self):
        return default_assessment_period(self.contract)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contract": self.contract}

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, **kwargs)

    def form_valid(self, form):
        try:
            assessment = performance_assessment_propose(
                contract=self.contract, actor=self.request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "Assessment proposed from the returns. Check each rating, then confirm it.")
        return redirect("contracts:assessment_detail", pk=assessment.pk)


class AssessmentDetailView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """Each key KPI's proposed rating with its explanation; the commissioner confirms, changing any with a note."""

    template_name = "contracts/assessment_detail.html"

    def get_downloads(self):
        confirmed = self.assessment.status == AssessmentStatus.CONFIRMED
        return {"ratings": lambda: assessment_ratings_table(self.assessment.ratings.all(), confirmed=confirmed)}

    def get(self, request, *args, **kwargs):
        self.assessment = _assessment_or_404(kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def _can_confirm(self) -> bool:
        user = self.request.user
        return (
            self.assessment.status == AssessmentStatus.PROPOSED
            and user.has_perm("contracts.change_performanceassessment")
            and can_write_in_directorate(user, self.assessment.contract.directorate_id)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_confirm = self._can_confirm()
        form = kwargs.get("form")
        if form is None and can_confirm:
            form = AssessmentConfirmForm(assessment=self.assessment)
        context.update(
            assessment=self.assessment,
            contract=self.assessment.contract,
            ratings=self.assessment.ratings.all(),
            can_confirm=can_confirm,
            form=form,
            history=assessment_history(assessment=self.assessment),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("contracts.change_performanceassessment"):
            raise PermissionDenied("Your role does not allow this.")
        self.assessment = _assessment_or_404(kwargs["pk"])
        if not can_write_in_directorate(request.user, self.assessment.contract.directorate_id):
            raise PermissionDenied("You can only confirm assessments of your own directorate's contracts.")
        if self.assessment.status != AssessmentStatus.PROPOSED:
            messages.error(request, "This assessment is already confirmed.")
            return redirect("contracts:assessment_detail", pk=self.assessment.pk)
        form = AssessmentConfirmForm(request.POST, assessment=self.assessment)
        if form.is_valid():
            try:
                performance_assessment_confirm(
                    assessment=self.assessment,
                    ratings=form.ratings(),
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except ValidationError as exc:
                form.apply_service_errors(exc)
            else:
                messages.success(request, "Assessment confirmed. Its contract performance notice can be downloaded.")
                return redirect("contracts:assessment_detail", pk=self.assessment.pk)
        # The service changed the rows it was given; show the page from the stored assessment.
        self.assessment = _assessment_or_404(self.assessment.pk)
        form.rows = list(self.assessment.ratings.all())
        return self.render_to_response(self.get_context_data(form=form))


class AssessmentNoticeView(RoleRequiredMixin, View):
    """The contract performance notice of a confirmed assessment, as an OCDS release package download."""

    def get(self, request, *args, **kwargs):
        assessment = _assessment_or_404(kwargs["pk"])
        if assessment.status != AssessmentStatus.CONFIRMED:
            raise Http404("This assessment is not confirmed yet, so it has no contract performance notice.")
        package = performance_notice_package([assessment], uri=request.build_absolute_uri())
        errors = validate_release_package(package)
        if errors:
            # Never hand out a notice that would be refused on publication; say so, and log why.
            logger.error("Contract performance notice %s is not valid OCDS: %s", assessment.pk, "; ".join(errors))
            return HttpResponse(
                "This contract performance notice did not pass validation and cannot be downloaded. "
                "The problem has been logged.",
                status=500,
                content_type="text/plain; charset=utf-8",
            )
        response = JsonResponse(package, json_dumps_params={"indent": 2, "ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="{notice_filename(assessment)}"'
        return response
