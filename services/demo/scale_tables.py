"""Data tables of the synthetic national-scale world: product categories and where
they are made, name parts for companies, finding texts and the weights with which
statuses, scopes and severities are drawn."""

from __future__ import annotations

from domain.enums import (
    AuditReportStatus,
    CorrectiveActionStatus,
    Requirement,
    Severity,
    ShareScope,
)

# (category, countries of its factories, countries of raw material)
CATEGORIES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("medical-gloves", ("MY", "TH", "VN", "CN"), ("TH", "MY", "ID")),
    ("workwear", ("PK", "BD", "CN", "VN", "TR", "IN"), ("PK", "IN", "UZ", "CN")),
    ("ict-hardware", ("CN", "TW", "VN", "MY"), ("CD", "CN", "ID", "CL")),
    ("surgical-instruments", ("PK", "DE", "MY"), ("CN", "IN")),
    ("dressings", ("CN", "IN", "EG"), ("IN", "UZ")),
    ("furniture", ("PL", "VN", "CN", "LT"), ("BR", "ID", "RU")),
    ("food", ("TH", "BR", "ES", "VN"), ("BR", "CI", "GH")),
    ("cleaning-chemicals", ("DE", "CN", "IN"), ("CN", "SA")),
)

# A point in each country around which its facilities are scattered.
COORDINATES: dict[str, tuple[float, float]] = {
    "MY": (3.1, 101.6), "TH": (13.7, 100.5), "VN": (10.8, 106.6), "CN": (31.2, 121.4),
    "PK": (31.5, 73.1), "BD": (23.8, 90.4), "TR": (41.0, 28.9), "IN": (19.0, 72.8),
    "TW": (25.0, 121.5), "DE": (51.2, 7.0), "EG": (30.0, 31.2), "PL": (52.2, 21.0),
    "LT": (54.7, 25.3), "BR": (-23.5, -46.6), "ES": (40.4, -3.7), "ID": (-6.2, 106.8),
    "UZ": (41.3, 69.2), "CD": (-10.7, 25.5), "CL": (-33.4, -70.6), "RU": (55.8, 37.6),
    "CI": (5.3, -4.0), "GH": (5.6, -0.2), "SA": (26.4, 50.1),
}  # fmt: skip

SUPPLIER_WORDS = (
    "Nordic", "Polar", "Fjord", "Aurora", "Boreal", "Viking", "Skandia", "Granitt",
    "Lyng", "Birk", "Furu", "Havbris", "Midnatt", "Tinde", "Elv", "Solberg",
)  # fmt: skip
SUPPLIER_NOUNS = (
    "Supply",
    "Trading",
    "Partner",
    "Handel",
    "Import",
    "Logistikk",
    "Group",
    "Solutions",
)

SUB_SUPPLIER_WORDS = (
    "Golden", "Eastern", "Pacific", "Delta", "Lotus", "Jade", "Harbour", "Summit",
)  # fmt: skip
LEGAL_FORMS = {
    "MY": "Sdn Bhd", "PK": "(Pvt) Ltd", "IN": "Pvt Ltd", "VN": "JSC", "DE": "GmbH",
    "PL": "Sp. z o.o.", "LT": "UAB", "TR": "A.S.", "BR": "Ltda", "ES": "S.L.", "EG": "S.A.E.",
}  # fmt: skip

FINDING_TEXT: dict[Requirement, str] = {
    Requirement.ILO_C29: "Workers paid recruitment fees and repay them through wage deductions.",
    Requirement.ILO_C105: "Overtime is presented as compulsory, with penalties for refusal.",
    Requirement.ILO_C87: "Workers are not free to form or join a trade union of their choice.",
    Requirement.ILO_C98: "No collective bargaining takes place despite requests from workers.",
    Requirement.ILO_C100: "Women are paid less than men for work of equal value.",
    Requirement.ILO_C111: "Job adverts state gender and age requirements.",
    Requirement.ILO_C138: "Workers below the minimum age for employment were found.",
    Requirement.ILO_C182: "Young workers perform hazardous work at night.",
    Requirement.ILO_C155: "Machine guards are missing on several production lines.",
    Requirement.ILO_C187: "There is no occupational safety and health management system.",
    Requirement.WAGES: "Wages for piece work fall below the legal minimum wage.",
    Requirement.WORKING_HOURS: "Weekly working hours exceed 60 in peak season.",
    Requirement.HEALTH_AND_SAFETY: "Emergency exits were blocked and fire drills not held.",
    Requirement.ENVIRONMENT: "Wastewater is discharged without treatment.",
    Requirement.ANTI_CORRUPTION: "No policy against facilitation payments to officials.",
    Requirement.OTHER: "The supplier could not trace the product to its raw material.",
}

STATUS_WEIGHTS: tuple[tuple[AuditReportStatus, int], ...] = (
    (AuditReportStatus.PUBLISHED, 50),
    (AuditReportStatus.DRAFT, 20),
    (AuditReportStatus.SUBMITTED, 15),
    (AuditReportStatus.SUPERSEDED, 10),
    (AuditReportStatus.WITHDRAWN, 5),
)
SCOPE_WEIGHTS: tuple[tuple[ShareScope, int], ...] = (
    (ShareScope.PRIVATE, 20),
    (ShareScope.NETWORK, 35),
    (ShareScope.ALL_PUBLIC_BODIES, 35),
    (ShareScope.PUBLIC, 10),
)
SEVERITY_WEIGHTS: tuple[tuple[Severity, int], ...] = (
    (Severity.CRITICAL, 10),
    (Severity.MAJOR, 30),
    (Severity.MINOR, 40),
    (Severity.OBSERVATION, 20),
)
ACTION_WEIGHTS: tuple[tuple[CorrectiveActionStatus, int], ...] = (
    (CorrectiveActionStatus.OPEN, 40),
    (CorrectiveActionStatus.IN_PROGRESS, 25),
    (CorrectiveActionStatus.VERIFIED, 25),
    (CorrectiveActionStatus.OVERDUE, 10),
)
