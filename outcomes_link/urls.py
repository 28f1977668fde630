"""Pages of the golden thread: outcomes, the contract register and each contract's thread."""

from django.urls import path

from outcomes_link import views

app_name = "outcomes_link"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("outcomes/", views.OutcomeListView.as_view(), name="outcome_list"),
    path("outcomes/strategic/<str:code>/", views.StrategicOutcomeDetailView.as_view(), name="strategicoutcome_detail"),
    path("outcomes/<str:code>/", views.SupportingOutcomeDetailView.as_view(), name="supportingoutcome_detail"),
    path("contracts/", views.ContractListView.as_view(), name="contract_list"),
    path("contracts/<int:pk>/", views.ContractDetailView.as_view(), name="contract_detail"),
    path("contracts/<int:pk>/outcomes/", views.ContractOutcomesView.as_view(), name="contract_outcomes"),
    path("performance/matrix/", views.RAGMatrixView.as_view(), name="rag_matrix"),
]
