"""Enum values as people read them: each value's English name is the message id
translated in web/locale (the tests check every one has nb and sv)."""

from __future__ import annotations

from typing import Protocol


def N_(message: str) -> str:
    """Marks MESSAGE for extraction (pybabel -k N_); translated where shown."""
    return message


class Translates(Protocol):
    def gettext(self, message: str, **values: object) -> str: ...


LABELS: dict[str, dict[str, str]] = {
    "AuditReportStatus": {
        "DRAFT": N_("Draft"),
        "SUBMITTED": N_("Submitted"),
        "PUBLISHED": N_("Published"),
        "SUPERSEDED": N_("Superseded"),
        "WITHDRAWN": N_("Withdrawn"),
    },
    "AuditReportType": {
        "SELF_REPORT_REVIEW": N_("Self-report review"),
        "SUPPLIER_MEETING": N_("Supplier meeting"),
        "SYSTEM_AUDIT": N_("System audit"),
        "INSPECTION_NORWAY": N_("Inspection in Norway"),
        "INSPECTION_ABROAD": N_("Inspection abroad"),
    },
    "ShareScope": {
        "PRIVATE": N_("Private"),
        "NETWORK": N_("Network"),
        "ALL_PUBLIC_BODIES": N_("All public bodies"),
        "PUBLIC": N_("Public"),
    },
    "Classification": {
        "PUBLIC": N_("Public"),
        "SHARED": N_("Shared"),
        "RESTRICTED": N_("Restricted"),
        "PERSONAL": N_("Personal data"),
    },
    "Severity": {
        "CRITICAL": N_("Critical"),
        "MAJOR": N_("Major"),
        "MINOR": N_("Minor"),
        "OBSERVATION": N_("Observation"),
    },
    "CorrectiveActionStatus": {
        "OPEN": N_("Open"),
        "IN_PROGRESS": N_("In progress"),
        "DONE": N_("Done"),
        "VERIFIED": N_("Verified"),
        "OVERDUE": N_("Overdue"),
    },
    "Requirement": {
        "ILO_C29": N_("Forced labour (ILO C29)"),
        "ILO_C105": N_("Abolition of forced labour (ILO C105)"),
        "ILO_C87": N_("Freedom of association (ILO C87)"),
        "ILO_C98": N_("Collective bargaining (ILO C98)"),
        "ILO_C100": N_("Equal remuneration (ILO C100)"),
        "ILO_C111": N_("Discrimination (ILO C111)"),
        "ILO_C138": N_("Minimum age (ILO C138)"),
        "ILO_C182": N_("Worst forms of child labour (ILO C182)"),
        "ILO_C155": N_("Occupational safety and health (ILO C155)"),
        "ILO_C187": N_("Safety and health framework (ILO C187)"),
        "WAGES": N_("Wages"),
        "WORKING_HOURS": N_("Working hours"),
        "HEALTH_AND_SAFETY": N_("Health and safety"),
        "ENVIRONMENT": N_("Environment"),
        "ANTI_CORRUPTION": N_("Anti-corruption"),
        "OTHER": N_("Other"),
    },
    "Role": {
        "ADMIN": N_("Administrator"),
        "PROCUREMENT_OFFICER": N_("Procurement officer"),
        "CONTRACT_MANAGER": N_("Contract manager"),
        "AUDITOR": N_("Auditor"),
        "SUPPLIER_REPORTER": N_("Supplier reporter"),
        "COORDINATOR": N_("Coordinator"),
        "VIEWER": N_("Viewer"),
    },
    "OrganizationKind": {
        "PUBLIC_BODY": N_("Public body"),
        "SUPPLIER": N_("Supplier"),
        "AUDITOR": N_("Auditor firm"),
        "COORDINATOR": N_("National coordinator"),
    },
    "NetworkKind": {
        "FRAMEWORK_AGREEMENT": N_("Framework agreement"),
        "NATIONAL_NETWORK": N_("National network"),
    },
    "QuestionnaireSection": {
        "POLICIES": N_("Policies"),
        "ILO": N_("ILO core conventions"),
        "GRIEVANCE": N_("Grievance mechanism"),
        "SUBCONTRACTING": N_("Sub-contracting"),
        "CERTIFICATIONS": N_("Certifications"),
    },
    # The options of every question of the self-report questionnaire (domain/questionnaire.py).
    "AnswerOption": {
        "COMPLIANT": N_("Compliant"),
        "PARTLY_COMPLIANT": N_("Partly compliant"),
        "NOT_COMPLIANT": N_("Not compliant"),
        "NOT_ASSESSED": N_("Not assessed"),
        "HOTLINE": N_("Hotline"),
        "EMAIL": N_("E-mail"),
        "WORKER_REPRESENTATIVE": N_("Worker representative"),
        "THIRD_PARTY": N_("Third party"),
        "ALWAYS": N_("Always"),
        "SOMETIMES": N_("Sometimes"),
        "NEVER": N_("Never"),
        "SA8000": N_("SA8000"),
        "AMFORI_BSCI": N_("amfori BSCI"),
        "SMETA": N_("SMETA (Sedex)"),
        "ISO_14001": N_("ISO 14001"),
        "ISO_45001": N_("ISO 45001"),
        "FAIRTRADE": N_("Fairtrade"),
        "FSC": N_("FSC"),
        "OTHER": N_("Other"),
        "NONE": N_("None"),
    },
    "MiniCompetitionStatus": {
        "DRAFT": N_("Draft"),
        "PUBLISHED": N_("Published"),
        "CLOSED": N_("Closed"),
        "AWARDED": N_("Awarded"),
        "CANCELLED": N_("Cancelled"),
    },
}


def label(language: Translates, kind: str, value: object) -> str:
    """VALUE of enum KIND in LANGUAGE; an unknown value shows as it is."""
    key = getattr(value, "value", value)
    english = LABELS.get(kind, {}).get(str(key))
    return language.gettext(english) if english else str(key)


def choices(language: Translates, kind: str) -> list[tuple[str, str]]:
    """(value, label) of every value of KIND, for a select."""
    return [(value, language.gettext(english)) for value, english in LABELS[kind].items()]
