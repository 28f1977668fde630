"""Provider pages and the contract forms. The contract register and contract pages are outcomes_link's."""

from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("contracts/add/", views.ContractCreateView.as_view(), name="contract_add"),
    path("contracts/<int:pk>/edit/", views.ContractUpdateView.as_view(), name="contract_edit"),
    # Contract performance pages (issue 3): KPIs, performance, the return-entry grid and a return.
    path("contracts/<int:pk>/kpis/", views.KPIListView.as_view(), name="kpi_list"),
    path("contracts/<int:pk>/kpis/add/", views.KPICreateView.as_view(), name="kpi_add"),
    path("contracts/<int:pk>/kpis/copy/", views.KPICopyView.as_view(), name="kpi_copy"),
    path("kpis/<int:pk>/edit/", views.KPIUpdateView.as_view(), name="kpi_edit"),
    path("contracts/<int:pk>/performance/", views.ContractPerformanceView.as_view(), name="contract_performance"),
    path("returns/grid/", views.KPIReturnGridView.as_view(), name="kpireturn_grid"),
    # Import of KPI returns from providers' files (issue 3), before returns/<pk>/.
    path("returns/import/", views.KPIReturnImportView.as_view(), name="kpireturn_import"),
    path("returns/import/template/", views.KPIReturnImportTemplateView.as_view(), name="kpireturn_import_template"),
    path("returns/<int:pk>/", views.KPIReturnDetailView.as_view(), name="kpireturn_detail"),
    path("providers/", views.ProviderListView.as_view(), name="provider_list"),
    path("providers/add/", views.ProviderCreateView.as_view(), name="provider_add"),
    path("providers/<int:pk>/", views.ProviderDetailView.as_view(), name="provider_detail"),
    path("providers/<int:pk>/edit/", views.ProviderUpdateView.as_view(), name="provider_edit"),
    path("providers/<int:pk>/delete/", views.ProviderDeleteView.as_view(), name="provider_delete"),
    # Monitoring contract performance (issue 3): overdue returns, deductions, performance concerns.
    path("returns/overdue/", views.OverdueReturnsView.as_view(), name="overdue_returns"),
    path("deductions/", views.DeductionListView.as_view(), name="deduction_list"),
    path("deductions/<int:pk>/", views.DeductionDetailView.as_view(), name="deduction_detail"),
    path("concerns/", views.ConcernListView.as_view(), name="concern_list"),
    path("concerns/<int:pk>/", views.ConcernDetailView.as_view(), name="concern_detail"),
    # Procurement Act 2023 performance assessments and contract performance notices (issue 3).
    path("assessments/", views.AssessmentListView.as_view(), name="assessment_list"),
    path("contracts/<int:pk>/assessments/add/", views.AssessmentCreateView.as_view(), name="assessment_add"),
    path("assessments/<int:pk>/", views.AssessmentDetailView.as_view(), name="assessment_detail"),
    path("assessments/<int:pk>/notice.json", views.AssessmentNoticeView.as_view(), name="assessment_notice"),
    # Local spend (issue 4): spend-file imports, their lines and supplier matching.
    path("spend/imports/", views.SpendImportListView.as_view(), name="spend_import_list"),
    path("spend/imports/add/", views.SpendImportCreateView.as_view(), name="spend_import_add"),
    path("spend/imports/<int:pk>/", views.SpendImportDetailView.as_view(), name="spend_import_detail"),
    path("spend/imports/<int:pk>/rollback/", views.SpendImportRollbackView.as_view(), name="spend_import_rollback"),
    path("spend/lines/", views.SpendLineListView.as_view(), name="spend_line_list"),
    path("spend/suppliers/unmatched/", views.SupplierMatchListView.as_view(), name="supplier_match_list"),
    # Open data in (issue 7): contracts registers and OCDS releases taken into providers and contracts.
    path("open-data/", views.OpenDataView.as_view(), name="open_data"),
    path("open-data/imports/register/", views.RegisterImportView.as_view(), name="register_import"),
    path("open-data/imports/ocds/", views.OCDSImportView.as_view(), name="ocds_import"),
    path("open-data/imports/<int:pk>/", views.ContractImportDetailView.as_view(), name="contract_import_detail"),
    # Open data out (issue 7): contract variations, the Transparency Code contracts register and OCDS.
    path("contracts/variations/", views.ContractVariationListView.as_view(), name="variation_list"),
    path(
        "open-data/contracts-register.csv",
        views.ContractsRegisterExportView.as_view(),
        name="export_contracts_register",
    ),
    path("open-data/ocds.json", views.OCDSExportView.as_view(), name="export_ocds"),
]
