"""Models of the contracts app: providers and contracts (contract.py); KPIs, returns, concerns,
deductions and performance assessments (performance.py); payments from published spend files (spend.py)."""

from contracts.models.contract import MONEY, Contract, Provider
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
