"""API routes of the golden thread (namespace outcomes_link-api)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from outcomes_link.api import views

app_name = "outcomes_link-api"

router = SimpleRouter()
router.register("outcome-links", views.OutcomeLinkViewSet)

urlpatterns = [
    path("golden-thread/", views.GoldenThreadView.as_view(), name="golden-thread"),
    path(
        "golden-thread/supporting-outcomes/<str:code>/",
        views.SupportingOutcomeThreadView.as_view(),
        name="golden-thread-supporting-outcome",
    ),
    path("golden-thread/contracts/<int:pk>/", views.ContractThreadView.as_view(), name="golden-thread-contract"),
    *router.urls,
]
