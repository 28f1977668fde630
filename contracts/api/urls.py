"""API routes of providers, contracts, contract performance and local spend (namespace contracts-api)."""

from rest_framework.routers import SimpleRouter

from contracts.api import views

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

urlpatterns = router.urls
