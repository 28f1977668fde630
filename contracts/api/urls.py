"""API routes of providers, contracts, contract performance and local spend (namespace contracts-api)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from contracts.api import open_data, views

app_name = "contracts-api"

router = SimpleRouter()
router.register("providers", views.ProviderViewSet)
router.register("contracts", views.ContractViewSet)
router.register("kpis", views.KPIViewSet)
router.register("kpi-returns", views.KPIReturnViewSet)
router.register("performance-concerns", views.PerformanceConcernViewSet)
router.register("deductions", views.DeductionViewSet)
router.register("performance-assessments", views.PerformanceAssessmentViewSet)
router.register("contract-period-summaries", views.ContractPeriodSummaryViewSet)
# Local spend (issue 4).
router.register("spend-publishers", views.SpendPublisherViewSet)
router.register("spend-lines", views.SpendLineViewSet)
router.register("spend-imports", views.SpendImportViewSet)
# Open data out (issue 7): contract variations, the contracts register and OCDS.
router.register("contract-variations", views.ContractVariationViewSet)
# Open data in (issue 7): contracts registers and OCDS releases.
router.register("contract-imports", open_data.ContractImportViewSet)

urlpatterns = [
    path("exports/contracts-register/", views.ContractsRegisterExportView.as_view(), name="export-contracts-register"),
    path("exports/ocds/", views.OCDSExportView.as_view(), name="export-ocds"),
    *router.urls,
]
