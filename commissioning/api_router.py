"""The composition root of the API: every app's endpoints under /api/, the API root, the OpenAPI schema and docs.

URL names are `<app>-api:<model>-list` / `-detail`; the root, schema and docs are
`api-root`, `api-schema` and `api-docs`. The docs page is served from local static files
(drf-spectacular-sidecar); the schema and docs need a signed-in user (SPECTACULAR_SETTINGS).
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import APIRootView

# The root lists every endpoint; it is a DRF view, so RolePermission applies (any role, signed in).
API_ROOT = {
    "frameworks": "commissioning-api:framework-list",
    "strategic-outcomes": "commissioning-api:strategicoutcome-list",
    "supporting-outcomes": "commissioning-api:supportingoutcome-list",
    "suggested-measures": "commissioning-api:suggestedmeasure-list",
    "outcome-measures": "commissioning-api:outcomemeasure-list",
    "directorates": "commissioning-api:directorate-list",
    "users": "commissioning-api:user-list",
    "providers": "contracts-api:provider-list",
    "contracts": "contracts-api:contract-list",
    "kpis": "contracts-api:kpi-list",
    "kpi-returns": "contracts-api:kpireturn-list",
    "performance-concerns": "contracts-api:performanceconcern-list",
    "deductions": "contracts-api:deduction-list",
    "performance-assessments": "contracts-api:performanceassessment-list",
    "contract-period-summaries": "contracts-api:contractperiodsummary-list",
    "spend-publishers": "contracts-api:spendpublisher-list",
    "spend-lines": "contracts-api:spendline-list",
    "spend-imports": "contracts-api:spendimport-list",
    "contract-imports": "contracts-api:contractimport-list",
    "contract-variations": "contracts-api:contractvariation-list",
    "exports-contracts-register": "contracts-api:export-contracts-register",
    "exports-ocds": "contracts-api:export-ocds",
    "local-spend": "social_value-api:local-spend",
    "social-value-measures": "social_value-api:socialvaluemeasure-list",
    "social-value-commitments": "social_value-api:socialvaluecommitment-list",
    "delivery-returns": "social_value-api:deliveryreturn-list",
    "social-value-figures": "social_value-api:social-value-figures",
    "outcome-links": "outcomes_link-api:outcomelink-list",
    "golden-thread": "outcomes_link-api:golden-thread",
    "schema": "api-schema",
    "docs": "api-docs",
}


class GoldenThreadAPIRootView(APIRootView):
    """Golden Thread API: contracts, providers and the supporting outcomes they serve."""

    schema = None  # the root is a directory, not an operation


urlpatterns = [
    path("", GoldenThreadAPIRootView.as_view(api_root_dict=API_ROOT), name="api-root"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("commissioning.api.urls", namespace="commissioning-api")),
    path("", include("contracts.api.urls", namespace="contracts-api")),
    path("", include("social_value.api.urls", namespace="social_value-api")),
    path("", include("outcomes_link.api.urls", namespace="outcomes_link-api")),
]
