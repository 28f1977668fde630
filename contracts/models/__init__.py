"""Models of the contracts app: providers and contracts (contract.py); KPIs, returns, concerns,
deductions and performance assessments (performance.py)."""

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
]
