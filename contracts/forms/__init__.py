"""Forms of the contracts app, one module per area (providers.py holds the shared field helpers)."""

from contracts.forms.assessments import AssessmentConfirmForm, AssessmentProposeForm, default_assessment_period
from contracts.forms.imports import ReturnImportForm, ReturnTemplateForm
from contracts.forms.monitoring import (
    ConcernResolveForm,
    DeductionDecisionForm,
    OverdueReturnFilterForm,
)
from contracts.forms.providers import (
    CommissionerChoiceField,
    ContractForm,
    DateInput,
    MoneyField,
    ProviderDeleteForm,
    ProviderForm,
    apply_service_errors,
)
from contracts.forms.spend import (
    ProvidersCreateForm,
    SpendColumnsForm,
    SpendUploadForm,
    SupplierAliasConfirmForm,
)

__all__ = [
    "AssessmentConfirmForm",
    "AssessmentProposeForm",
    "default_assessment_period",
    "ConcernResolveForm",
    "DeductionDecisionForm",
    "OverdueReturnFilterForm",
    "ReturnImportForm",
    "ReturnTemplateForm",
    "CommissionerChoiceField",
    "ContractForm",
    "DateInput",
    "MoneyField",
    "ProviderDeleteForm",
    "ProviderForm",
    "apply_service_errors",
    "ProvidersCreateForm",
    "SpendColumnsForm",
    "SpendUploadForm",
    "SupplierAliasConfirmForm",
]
