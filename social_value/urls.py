"""Pages of the social value app: procurement's local spend (issue 4; the spend imports, supplier
matching and spend lines are contracts' pages), and social value (issue 5): the dashboard, the
measures catalogue, each contract's commitments and delivery returns, and imports."""

from django.urls import path

from social_value import views
from social_value.views import commitments as commitment_views
from social_value.views.catalogue import CatalogueImportView, MeasureListView
from social_value.views.dashboard import SocialValueDashboardDownloadView, SocialValueDashboardView
from social_value.views.imports import SocialValueImportTemplateView, SocialValueImportView

app_name = "social_value"

urlpatterns = [
    path("spend/", views.LocalSpendView.as_view(), name="local_spend"),
    path("spend/download/<str:fmt>/", views.LocalSpendDownloadView.as_view(), name="local_spend_download"),
    path("spend/supplier/", views.SpendSupplierView.as_view(), name="spend_supplier"),
    # A contract's social value, its commitments and their delivery returns (issue 5, commitments.py).
    path(
        "contracts/<int:pk>/social-value/",
        commitment_views.ContractSocialValueView.as_view(),
        name="contract_social_value",
    ),
    path(
        "contracts/<int:pk>/social-value/add/", commitment_views.CommitmentCreateView.as_view(), name="commitment_add"
    ),
    path(
        "social-value/commitments/<int:pk>/", commitment_views.CommitmentDetailView.as_view(), name="commitment_detail"
    ),
    path(
        "social-value/commitments/<int:pk>/vary/", commitment_views.CommitmentVaryView.as_view(), name="commitment_vary"
    ),
    path(
        "social-value/commitments/<int:pk>/returns/add/",
        commitment_views.DeliveryReturnCreateView.as_view(),
        name="delivery_return_add",
    ),
    path("social-value/returns/", commitment_views.DeliveryReturnListView.as_view(), name="delivery_return_list"),
    path(
        "social-value/returns/<int:pk>/",
        commitment_views.DeliveryReturnDetailView.as_view(),
        name="delivery_return_detail",
    ),
    path(
        "social-value/returns/<int:pk>/verify/",
        commitment_views.DeliveryReturnVerifyView.as_view(),
        name="delivery_return_verify",
    ),
    path(
        "social-value/returns/<int:pk>/reject/",
        commitment_views.DeliveryReturnRejectView.as_view(),
        name="delivery_return_reject",
    ),
    path(
        "social-value/returns/<int:pk>/evidence/",
        commitment_views.DeliveryReturnEvidenceView.as_view(),
        name="delivery_return_evidence",
    ),
    path("social-value/", SocialValueDashboardView.as_view(), name="dashboard"),
    path("social-value/download/<str:fmt>/", SocialValueDashboardDownloadView.as_view(), name="dashboard_download"),
    path("social-value/measures/", MeasureListView.as_view(), name="measure_list"),
    path("social-value/measures/import/", CatalogueImportView.as_view(), name="catalogue_import"),
    # Import of providers' commitments and delivery returns from a spreadsheet (imports.py).
    path("social-value/import/", SocialValueImportView.as_view(), name="social_value_import"),
    path(
        "social-value/import/template/<str:kind>/",
        SocialValueImportTemplateView.as_view(),
        name="social_value_import_template",
    ),
]
