"""Provider pages and the contract forms. The contract register and contract pages are outcomes_link's."""

from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("contracts/add/", views.ContractCreateView.as_view(), name="contract_add"),
    path("contracts/<int:pk>/edit/", views.ContractUpdateView.as_view(), name="contract_edit"),
    path("providers/", views.ProviderListView.as_view(), name="provider_list"),
    path("providers/add/", views.ProviderCreateView.as_view(), name="provider_add"),
    path("providers/<int:pk>/", views.ProviderDetailView.as_view(), name="provider_detail"),
    path("providers/<int:pk>/edit/", views.ProviderUpdateView.as_view(), name="provider_edit"),
    path("providers/<int:pk>/delete/", views.ProviderDeleteView.as_view(), name="provider_delete"),
]
