"""API routes of social value and local spend (namespace social_value-api)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from social_value.api import views

app_name = "social_value-api"

# Social value (issue 5): socialvaluemeasure-list, socialvaluecommitment-list, deliveryreturn-list (and -detail;
# deliveryreturn-verify, deliveryreturn-reject).
router = SimpleRouter()
router.register("social-value-measures", views.SocialValueMeasureViewSet)
router.register("social-value-commitments", views.SocialValueCommitmentViewSet)
router.register("delivery-returns", views.DeliveryReturnViewSet)

urlpatterns = [
    path("local-spend/", views.LocalSpendView.as_view(), name="local-spend"),
    path("social-value-figures/", views.SocialValueFiguresView.as_view(), name="social-value-figures"),
    *router.urls,
]
