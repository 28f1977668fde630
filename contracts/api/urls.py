"""API routes of providers and contracts (namespace contracts-api)."""

from rest_framework.routers import SimpleRouter

from contracts.api import views

app_name = "contracts-api"

router = SimpleRouter()
router.register("providers", views.ProviderViewSet)
router.register("contracts", views.ContractViewSet)

urlpatterns = router.urls
