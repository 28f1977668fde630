"""API routes of providers, contracts and contract performance (namespace contracts-api)."""

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

urlpatterns = router.urls
