"""Models of the contracts app: providers and contracts (contract.py); KPIs, returns, concerns,
deductions and performance assessments (performance.py); payments from published spend files (spend.py);
contracts registers and OCDS imports, source keys and contract variations (open_data.py)."""

from contracts.models.contract import MONEY, Contract, Provider
from contracts.models.open_data import (
    ContractImport,
    ContractImportSource,
    ContractSourceKey,
    ContractVariation,
    ProviderSourceKey,
    RegisterPublisher,
)
from contracts.models.performance import (
    KPI,
    AssessmentRating,
    ContractPeriodSummary,
    Deduction,
    KPIReturn,
    PerformanceAssessment,
    PerformanceConcern,
)
from contracts.models.spend import (
    CapitalRevenue,
    SpendImport,
    SpendImportStatus,
    SpendLine,
    SpendPublisher,
    SpendStagingLine,
    SupplierAlias,
)

__all__ = [
    "KPI",
    "MONEY",
    "AssessmentRating",
    "Contract",
    "ContractImport",
    "ContractImportSource",
    "ContractSourceKey",
    "ContractVariation",
    "ProviderSourceKey",
    "RegisterPublisher",
    "ContractPeriodSummary",
    "Deduction",
    "KPIReturn",
    "PerformanceAssessment",
    "PerformanceConcern",
    "Provider",
    "CapitalRevenue",
    "SpendImport",
    "SpendImportStatus",
    "SpendLine",
    "SpendPublisher",
    "SpendStagingLine",
    "SupplierAlias",
]
