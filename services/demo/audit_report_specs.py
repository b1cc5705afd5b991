"""The demo world's four audit reports and their findings, as data: an inspection
abroad, a system audit in draft, a supplier meeting and a self-report review in the
national focus area."""

from __future__ import annotations

from dataclasses import dataclass

from domain.enums import (
    AuditReportStatus,
    AuditReportType,
    CorrectiveActionStatus,
    Requirement,
    Severity,
    ShareScope,
)


@dataclass(frozen=True)
class FindingSpec:
    """One finding and the corrective action it calls for."""

    requirement: Requirement
    severity: Severity
    description: str  # SHARED
    evidence: str  # RESTRICTED
    corrective_action: str
    due_in_days: int  # after the day of seeding
    action_status: CorrectiveActionStatus


@dataclass(frozen=True)
class DemoReport:
    """One demo audit report; organisations and facilities are named by demo key,
    the network as "framework" or "national", dates in days before seeding.
    `status` is where the story leaves it: a PUBLISHED report is written SUBMITTED
    and published with `share_scope` through the publish path (`publishing`)."""

    key: str
    title: str
    report_type: AuditReportType
    status: AuditReportStatus
    share_scope: ShareScope
    commissioned_by: str
    auditor: str
    supplier: str
    audited_days_ago: int
    summary: str
    findings: tuple[FindingSpec, ...]
    network: str | None = None
    in_focus_area: bool = False
    facilities: tuple[str, ...] = ()
    commercial_notes: str | None = None  # RESTRICTED
    worker_interviews: str | None = None  # PERSONAL


INSPECTION = DemoReport(
    key="inspection",
    title="Inspection of the nitrile glove factory in Perak, Malaysia",
    report_type=AuditReportType.INSPECTION_ABROAD,
    status=AuditReportStatus.PUBLISHED,
    share_scope=ShareScope.NETWORK,
    network="framework",
    commissioned_by="oslo",
    auditor="auditor_no",
    supplier="glove_no",
    facilities=("my_gloves",),
    audited_days_ago=45,
    summary=(
        "Unannounced two-day inspection of the glove factory that produces nitrile "
        "examination gloves for Nordisk Medisinsk Forsyning AS. The factory employs "
        "about 1,100 workers, most of them migrant workers. Management cooperated and "
        "gave access to payroll, time records and dormitories. The inspection found "
        "recruitment fees paid by migrant workers (forced labour indicator), excessive "
        "working hours in peak months and shortcomings in chemical handling."
    ),
    commercial_notes=(
        "The supplier shared its unit prices and margin per box of gloves under the "
        "agreement; these are business secrets and exempt from public access."
    ),
    worker_interviews=(
        "Twelve workers were interviewed off-site without management present: eight "
        "migrant workers from Nepal and Bangladesh and four Malaysian workers. Seven "
        "migrant workers said they had paid recruitment fees of several months' wages "
        "to agents at home; two said the dormitory manager kept their passports."
    ),
    findings=(
        FindingSpec(
            Requirement.ILO_C29,
            Severity.CRITICAL,
            "Migrant workers had paid recruitment fees to agents in their countries of "
            "origin and were repaying debts through wage deductions. Debt bondage is an "
            "indicator of forced labour (ILO C29).",
            "Payslips for fourteen workers over three months show deductions labelled as "
            "agent loans; contracts with two recruitment agencies were reviewed.",
            "Reimburse recruitment fees paid by current workers under a remediation plan "
            "agreed with the buyer, adopt an employer-pays policy and audit the agencies.",
            90,
            CorrectiveActionStatus.OPEN,
        ),
        FindingSpec(
            Requirement.WORKING_HOURS,
            Severity.MAJOR,
            "Time records show weekly working hours above 72 on the packing lines in peak "
            "months, and fewer than one rest day in seven.",
            "Time records for the packing lines over the last six months.",
            "Cap overtime within the legal limit, guarantee one rest day in seven and "
            "report monthly working hours to the buyer.",
            120,
            CorrectiveActionStatus.IN_PROGRESS,
        ),
        FindingSpec(
            Requirement.HEALTH_AND_SAFETY,
            Severity.MINOR,
            "Chemicals used as accelerators were stored without secondary containment, "
            "and safety data sheets were not available in the workers' languages.",
            "Photographs of the chemical store and the safety data sheet folder.",
            "Install secondary containment and translate safety data sheets into Nepali "
            "and Bengali; train the workers who handle the chemicals.",
            60,
            CorrectiveActionStatus.OPEN,
        ),
    ),
)

SYSTEM_AUDIT = DemoReport(
    key="system_audit",
    title="System audit of Arbeidstøy Norge AS",
    report_type=AuditReportType.SYSTEM_AUDIT,
    status=AuditReportStatus.DRAFT,
    share_scope=ShareScope.PRIVATE,
    commissioned_by="trondheim",
    auditor="auditor_no",
    supplier="textile_no",
    audited_days_ago=7,
    summary=(
        "Audit of the supplier's due diligence system for workwear: risk assessment, "
        "supplier code of conduct, follow-up of the garment factory in Pakistan and "
        "traceability to weaving and spinning mills."
    ),
    commercial_notes="Draft: price list annex not reviewed.",
    findings=(
        FindingSpec(
            Requirement.OTHER,
            Severity.MAJOR,
            "The risk assessment covers the garment factory but not the weaving and "
            "spinning mills that supply it.",
            "Risk assessment document reviewed on site.",
            "Extend the risk assessment to the fabric and yarn stages and map the mills.",
            120,
            CorrectiveActionStatus.OPEN,
        ),
        FindingSpec(
            Requirement.ILO_C87,
            Severity.MINOR,
            "No grievance channel is available to workers at the garment factory in a "
            "language they understand.",
            "Interview with the supplier's sustainability manager.",
            "Set up a grievance channel in Urdu and Punjabi and report its use quarterly.",
            180,
            CorrectiveActionStatus.OPEN,
        ),
    ),
)

SUPPLIER_MEETING = DemoReport(
    key="supplier_meeting",
    title="Supplier meeting with Datautstyr Norge AS on laptop supply chains",
    report_type=AuditReportType.SUPPLIER_MEETING,
    status=AuditReportStatus.PUBLISHED,
    share_scope=ShareScope.ALL_PUBLIC_BODIES,
    commissioned_by="oslo",
    auditor="auditor_no",
    supplier="ict_no",
    facilities=("cn_assembly",),
    audited_days_ago=80,
    summary=(
        "Follow-up meeting on the supply chain of laptops delivered to schools and "
        "administration. The supplier has mapped final assembly in China and the "
        "mainboard plant in Taiwan, but not the battery cell production. Student "
        "workers at the assembly plant were discussed."
    ),
    findings=(
        FindingSpec(
            Requirement.WORKING_HOURS,
            Severity.OBSERVATION,
            "Student interns at the final assembly plant may work overtime in peak "
            "season; the supplier will obtain records from the brand owner.",
            "Meeting minutes, agreed with the supplier.",
            "Obtain and share working-hour records for interns for the last peak season.",
            60,
            CorrectiveActionStatus.VERIFIED,
        ),
        FindingSpec(
            Requirement.ENVIRONMENT,
            Severity.MINOR,
            "The supplier could not document the origin of cobalt in the battery cells.",
            "Supplier's responsible minerals report, version of last year.",
            "Map the smelters and refiners for cobalt and report against the OECD guidance.",
            150,
            CorrectiveActionStatus.OPEN,
        ),
    ),
)

FOCUS_REVIEW = DemoReport(
    key="focus_review",
    title="Self-report review: surgical gloves from Thailand and Vietnam",
    report_type=AuditReportType.SELF_REPORT_REVIEW,
    status=AuditReportStatus.PUBLISHED,
    share_scope=ShareScope.NETWORK,
    network="national",
    commissioned_by="stockholm",
    auditor="auditor_se",
    supplier="glove_se",
    in_focus_area=True,
    facilities=("th_gloves", "vn_gloves"),
    audited_days_ago=30,
    summary=(
        "Review of the supplier's self-report for surgical gloves made in Thailand and "
        "Vietnam, within the national focus area on gloves. Production sites and the "
        "synthetic rubber supplier are disclosed; recruitment practices at the Thai "
        "factory call for an on-site audit."
    ),
    findings=(
        FindingSpec(
            Requirement.ILO_C29,
            Severity.MAJOR,
            "The self-report does not show how the Thai factory ensures that migrant "
            "workers pay no recruitment fees.",
            "Self-report answers on recruitment, version 1.",
            "Document the recruitment process and fees for migrant workers; an on-site "
            "audit will follow.",
            60,
            CorrectiveActionStatus.IN_PROGRESS,
        ),
    ),
)

# In the order they are written.
DEMO_REPORTS: tuple[DemoReport, ...] = (INSPECTION, SYSTEM_AUDIT, SUPPLIER_MEETING, FOCUS_REVIEW)
