"""Pages of the golden thread: outcomes, the contract register and each contract's thread."""

from django.urls import path

from outcomes_link import views
from outcomes_link.views import reports as report_views

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
    # Each supporting outcome's basket of measures, with values over time (issue 6).
    path("outcome-measures/", views.OutcomeMeasureListView.as_view(), name="outcomemeasure_list"),
    path("outcome-measures/import/", views.OutcomeMeasureImportView.as_view(), name="outcomemeasure_import"),
    path(
        "outcome-measures/import/template/",
        views.OutcomeMeasureImportTemplateView.as_view(),
        name="outcomemeasure_import_template",
    ),
    path("outcome-measures/<str:code>/", views.OutcomeMeasureDetailView.as_view(), name="outcomemeasure_detail"),
    path(
        "outcome-measures/<str:code>/values/add/",
        views.OutcomeMeasureValueAddView.as_view(),
        name="outcomemeasure_value_add",
    ),
    # The golden thread explorer and search (issue 6).
    path("explore/", views.ExplorerView.as_view(), name="explorer"),
    path("explore/contracts/<int:pk>/", views.ExplorerContractView.as_view(), name="explorer_contract"),
    path("search/", views.SearchView.as_view(), name="search"),
    # The PDF reports (issue 6), downloaded from the pages they summarise.
    path("reports/golden-thread/", report_views.GoldenThreadReportView.as_view(), name="report_golden_thread"),
    path(
        "reports/contract-review/<int:pk>/",
        report_views.ContractReviewReportView.as_view(),
        name="report_contract_review",
    ),
    path(
        "reports/directorate-quarterly/",
        report_views.DirectorateQuarterlyReportChooseView.as_view(),
        name="report_directorate_quarterly_choose",
    ),
    path(
        "reports/directorate-quarterly/<str:code>/",
        report_views.DirectorateQuarterlyReportView.as_view(),
        name="report_directorate_quarterly",
    ),
    path("reports/local-spend/", report_views.LocalSpendReportView.as_view(), name="report_local_spend"),
]
