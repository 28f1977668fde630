"""API routes of social value and local spend (namespace social_value-api)."""

from django.urls import path

from social_value.api import views

app_name = "social_value-api"

urlpatterns = [
    path("local-spend/", views.LocalSpendView.as_view(), name="local-spend"),
]
