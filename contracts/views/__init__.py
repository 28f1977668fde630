"""Pages of the contracts app, one module per area: providers and contract forms (providers.py),
and the contract performance pages added beside it. urls.py imports the views from here."""

from contracts.views.assessments import (
    AssessmentCreateView,
    AssessmentDetailView,
    AssessmentListView,
    AssessmentNoticeView,
)
from contracts.views.exports import ContractsRegisterExportView, OCDSExportView
from contracts.views.imports import KPIReturnImportTemplateView, KPIReturnImportView
from contracts.views.monitoring import (
    ConcernDetailView,
    ConcernListView,
    DeductionDetailView,
    DeductionListView,
    OverdueReturnsView,
)
from contracts.views.open_data import (
    ContractImportDetailView,
    OCDSImportView,
    OpenDataView,
    RegisterImportView,
)
from contracts.views.performance import (
    ContractPerformanceView,
    KPICopyView,
    KPICreateView,
    KPIListView,
    KPIReturnDetailView,
    KPIReturnGridView,
    KPIUpdateView,
)
from contracts.views.providers import (
    ContractCreateView,
    ContractUpdateView,
    ProviderCreateView,
    ProviderDeleteView,
    ProviderDetailView,
    ProviderListView,
    ProviderUpdateView,
)
from contracts.views.spend import (
    SpendImportCreateView,
    SpendImportDetailView,
    SpendImportListView,
    SpendImportRollbackView,
    SpendLineListView,
    SupplierMatchListView,
)
from contracts.views.variations import ContractVariationListView

__all__ = [
    "ContractImportDetailView",
    "OCDSImportView",
    "OpenDataView",
    "RegisterImportView",
    "AssessmentCreateView",
    "AssessmentDetailView",
    "AssessmentListView",
    "AssessmentNoticeView",
    "ContractPerformanceView",
    "KPICopyView",
    "KPICreateView",
    "KPIListView",
    "KPIReturnDetailView",
    "KPIReturnGridView",
    "KPIReturnImportTemplateView",
    "KPIReturnImportView",
    "KPIUpdateView",
    "ConcernDetailView",
    "ConcernListView",
    "DeductionDetailView",
    "DeductionListView",
    "OverdueReturnsView",
    "ContractCreateView",
    "ContractUpdateView",
    "ProviderCreateView",
    "ProviderDeleteView",
    "ProviderDetailView",
    "ProviderListView",
    "ProviderUpdateView",
    "SpendImportCreateView",
    "SpendImportDetailView",
    "SpendImportListView",
    "SpendImportRollbackView",
    "SpendLineListView",
    "SupplierMatchListView",
    "ContractsRegisterExportView",
    "ContractVariationListView",
    "OCDSExportView",
]
