"""Procurement's local spend pages (issue 4). The spend imports, supplier matching and the spend
line list are contracts' pages (contracts/urls.py)."""

from django.urls import path

from social_value import views

app_name = "social_value"

urlpatterns = [
    path("spend/", views.LocalSpendView.as_view(), name="local_spend"),
    path("spend/download/<str:fmt>/", views.LocalSpendDownloadView.as_view(), name="local_spend_download"),
    path("spend/supplier/", views.SpendSupplierView.as_view(), name="spend_supplier"),
]
