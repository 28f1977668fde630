from django.db import models


class LegalForm(models.TextChoices):
    PRIVATE_COMPANY = "private_company", "Private company limited by shares"
    PLC = "plc", "Public limited company"
    COMPANY_LIMITED_BY_GUARANTEE = "clg", "Company limited by guarantee"
    LLP = "llp", "Limited liability partnership"
    PARTNERSHIP = "partnership", "Partnership"
    SOLE_TRADER = "sole_trader", "Sole trader"
    CIC = "cic", "Community interest company (CIC)"
    CHARITY = "charity", "Charity (trust or unincorporated association)"
    CIO = "cio", "Charitable incorporated organisation (CIO)"
    COMMUNITY_BENEFIT_SOCIETY = "cbs", "Community benefit society"
    COOPERATIVE = "coop", "Co-operative society"
    PUBLIC_BODY = "public_body", "Public body (council, NHS, school or university)"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


# Legal forms that are voluntary and community sector whatever else is recorded.
VCS_LEGAL_FORMS = {LegalForm.CIC, LegalForm.CHARITY, LegalForm.CIO, LegalForm.COMMUNITY_BENEFIT_SOCIETY}
PRIVATE_LEGAL_FORMS = {
    LegalForm.PRIVATE_COMPANY,
    LegalForm.PLC,
    LegalForm.LLP,
    LegalForm.PARTNERSHIP,
    LegalForm.SOLE_TRADER,
    LegalForm.COOPERATIVE,
    LegalForm.COMPANY_LIMITED_BY_GUARANTEE,
}


class EmployeeBand(models.TextChoices):
    UNKNOWN = "", "Not known"
    UNDER_10 = "0-9", "Fewer than 10"
    FROM_10 = "10-49", "10 to 49"
    FROM_50 = "50-249", "50 to 249"
    FROM_250 = "250+", "250 or more"


class SizeBand(models.TextChoices):
    """Business size by headcount, as the council reports SME and micro spend."""

    MICRO = "micro", "Micro (under 10 staff)"
    SMALL = "small", "Small (under 50 staff)"
    MEDIUM = "medium", "Medium (under 250 staff)"
    LARGE = "large", "Large (250 staff or more)"
    # Contracts Finder's "scale" and a register's SME flag say SME or not, without the band.
    SME = "sme", "SME (band not known)"
    UNKNOWN = "unknown", "Size not known"


SME_SIZES = {SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM, SizeBand.SME}


class DeclaredSize(models.TextChoices):
    """What a supplier declared of its size in published data, where the employee band is not recorded."""

    NONE = "", "Not declared"
    SME = "sme", "SME"
    LARGE = "large", "Large"


class Location(models.TextChoices):
    LOCAL = "local", "Kent-based"
    OUTSIDE = "outside", "Outside Kent"
    UNKNOWN = "unknown", "Location not known"


class LocationDecision(models.TextChoices):
    """A decision recorded by an officer where the postcode alone cannot settle the location."""

    NONE = "", "No decision recorded"
    INSIDE = "inside", "Inside the council's area"
    OUTSIDE = "outside", "Outside the council's area"


class Sector(models.TextChoices):
    VCS = "vcs", "Voluntary and community sector"
    PRIVATE = "private", "Private sector"
    PUBLIC = "public", "Public sector"
    UNKNOWN = "unknown", "Sector not known"


class ContractStatus(models.TextChoices):
    PIPELINE = "pipeline", "Pipeline"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


class ProcurementRoute(models.TextChoices):
    OPEN = "open", "Open procedure"
    RESTRICTED = "restricted", "Restricted procedure"
    COMPETITIVE_FLEXIBLE = "competitive_flexible", "Competitive flexible procedure"
    COMPETITIVE_DIALOGUE = "competitive_dialogue", "Competitive dialogue"
    FRAMEWORK = "framework", "Call-off from a framework"
    DYNAMIC_MARKET = "dynamic_market", "Dynamic market or purchasing system"
    DIRECT_AWARD = "direct_award", "Direct award"
    BELOW_THRESHOLD = "below_threshold", "Below-threshold quotation"
    GRANT = "grant", "Grant agreement"
    OTHER = "other", "Other"


class ContractCategory(models.TextChoices):
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    CHILDRENS_SERVICES = "childrens_services", "Children's services"
    EDUCATION_SKILLS = "education_skills", "Education and skills"
    PUBLIC_HEALTH = "public_health", "Public health"
    HIGHWAYS_TRANSPORT = "highways_transport", "Highways and transport"
    WASTE_ENVIRONMENT = "waste_environment", "Waste and environment"
    ECONOMIC_DEVELOPMENT = "economic_development", "Economic development"
    COMMUNITY_SERVICES = "community_services", "Community services"
    PROPERTY_FACILITIES = "property_facilities", "Property and facilities management"
    ICT = "ict", "ICT and digital"
    PROFESSIONAL_SERVICES = "professional_services", "Professional services"
    OTHER = "other", "Other"


class KPIUnit(models.TextChoices):
    PERCENT = "percent", "%"
    COUNT = "count", "Count"
    MONEY = "money", "£"
    DAYS = "days", "Days"
    RATIO = "ratio", "Ratio"


class Polarity(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class DeductionRule(models.TextChoices):
    """How a failed period is priced: the contract's service credit or deduction regime."""

    NONE = "none", "No deduction"
    FIXED = "fixed", "Fixed £ per failed period"
    PERCENT_OF_CHARGE = "percent", "% of the period's contract charge"
    ESCALATING = "escalating", "Escalating with consecutive failures"


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Returned"


# Returns that count: they feed RAG summaries, concerns, deductions and assessments.
COUNTED_RETURN_STATUSES = (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED)


class RAG(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class Direction(models.TextChoices):
    IMPROVING = "improving", "Improving"
    NO_CHANGE = "no_change", "No change"
    DECLINING = "declining", "Declining"


class ConcernRule(models.TextChoices):
    TWO_RUNNING = "two_running", "Red in 2 periods running"
    THREE_OF_SIX = "three_of_six", "Red in 3 of the last 6 periods"


class DeductionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPLIED = "applied", "Applied"
    WAIVED = "waived", "Waived"
    DISPUTED = "disputed", "Disputed"
    WITHDRAWN = "withdrawn", "Withdrawn (return no longer fails)"


# Deductions that count against the cap: everything not waived or withdrawn.
CAPPED_DEDUCTION_STATUSES = (DeductionStatus.PROPOSED, DeductionStatus.APPLIED, DeductionStatus.DISPUTED)


class AssessmentReason(models.TextChoices):
    ANNUAL = "annual", "12-monthly assessment"
    CONTRACT_END = "contract_end", "Contract ended"
    OTHER = "other", "Other"


class AssessmentStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed"


class PerformanceRating(models.TextChoices):
    """Procurement Act 2023 s.71 contract performance notice ratings, with the OCDS UK extension codes."""

    GOOD = "met", "Good"
    APPROACHING = "slightlyBelow", "Approaching target"
    REQUIRES_IMPROVEMENT = "below", "Requires improvement"
    INADEQUATE = "significantlyBelow", "Inadequate"
    OTHER = "other", "Other"
