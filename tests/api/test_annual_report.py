"""`kjede report annual` for demo bodies: the PDF opens (pypdf), its text carries
the figures the demo's own definitions imply for what each body may see, the
charts are embedded, and the CSV carries the same numbers. Oslo's report is in
Norwegian bokmål, Region Stockholm's in Swedish."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli import app
from domain.coordination import HIGH_RISK_CATEGORIES
from domain.enums import (
    AuditReportStatus,
    AuditReportType,
    CorrectiveActionStatus,
    Requirement,
    Severity,
    ShareScope,
)
from services.demo import DemoWorld, seed_demo
from services.demo.audit_report_specs import DEMO_REPORTS, DemoReport
from services.demo.contracts import DEMO_CONTRACTS
from services.demo.facilities import DEMO_FACILITIES
from settings import Settings
from storage import db
from storage.models import AuditReport, CorrectiveAction, Finding, SelfReport
from tests.api.test_demo import publish

TODAY = dt.date(2026, 6, 30)
COUNTRY_OF = {site.key: site.country for site in DEMO_FACILITIES}


@pytest.fixture
def demo(engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> DemoWorld:
    """The demo world, published, plus rows that test the kernel's part: a self-report
    from Oslo's glove supplier (and two Oslo may not count), and Bergen's reports on
    that supplier, one shared with all public bodies and one PRIVATE."""
    monkeypatch.setenv("KJEDE_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("KJEDE_DATABASE_URL", raising=False)
    factory = db.make_session_factory(engine)
    with db.transaction(factory) as session:
        world = seed_demo(session, today=TODAY)
    publish(settings, world)
    org = world.organizations
    with db.transaction(factory) as session:
        for supplier, version, year in (("glove_no", 101, 2026), ("glove_no", 102, 2025)):
            session.add(
                SelfReport(
                    supplier_id=org[supplier],
                    version=version,
                    questionnaire_version=1,
                    submitted_at=dt.datetime(year, 5, 1, 12, tzinfo=dt.UTC),
                )
            )
        session.add(
            SelfReport(
                supplier_id=org["textile_se"],
                version=101,
                questionnaire_version=1,
                submitted_at=dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC),
            )
        )
        for scope, requirement in (
            (ShareScope.ALL_PUBLIC_BODIES, Requirement.WAGES),
            (ShareScope.PRIVATE, Requirement.ILO_C182),
        ):
            report = AuditReport(
                title=f"Bergen: {scope.value}",
                report_type=AuditReportType.SUPPLIER_MEETING,
                status=AuditReportStatus.PUBLISHED,
                share_scope=scope,
                commissioned_by_id=org["bergen"],
                supplier_id=org["glove_no"],
                audit_date=dt.date(2026, 3, 1),
            )
            session.add(report)
            session.flush()
            finding = Finding(
                report_id=report.id, position=0, requirement=requirement, severity=Severity.MINOR
            )
            session.add(finding)
            session.flush()
            session.add(
                CorrectiveAction(
                    finding_id=finding.id,
                    description="Pay overtime",
                    status=CorrectiveActionStatus.VERIFIED,
                    verified_at=dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC),
                )
            )
    return world


def self_reports_of_suppliers(engine: Engine, world: DemoWorld, body: str) -> int:
    """Self-reports submitted in 2026 by the body's contracted demo suppliers."""
    suppliers = {world.organizations[s] for b, s, *_ in DEMO_CONTRACTS if b == body}
    with db.transaction(db.make_session_factory(engine)) as session:
        return sum(
            1
            for row in session.query(SelfReport).filter(SelfReport.supplier_id.in_(suppliers))
            if row.submitted_at.year == 2026
        )


def expected(world: DemoWorld, body: str) -> dict[str, int]:
    """What the demo's definitions imply the body may count in 2026."""
    contracts = [
        category
        for buyer, _, _, category, _, _, _ in DEMO_CONTRACTS
        if buyer == body and category in HIGH_RISK_CATEGORIES
    ]
    own: list[DemoReport] = [
        spec
        for spec in DEMO_REPORTS
        if spec.commissioned_by == body and spec.status is AuditReportStatus.PUBLISHED
    ]
    findings: Counter[str] = Counter()
    closed = 0
    for spec in own:
        countries = sorted({COUNTRY_OF[key] for key in spec.facilities})
        for finding in spec.findings:
            findings[finding.requirement.value] += 1
            for country in countries:
                findings[f"country:{country}"] += 1
            closed += finding.action_status is CorrectiveActionStatus.VERIFIED
    shared = 0
    if body == "oslo":  # Bergen's report shared with all public bodies, on Oslo's supplier
        shared = 1
        findings["WAGES"] += 1
        findings["country:NO"] += 1
        closed += 1
    return {
        "contracts.high_risk": len(contracts),
        "self_reports.received": 0,  # set by the test from the stored rows
        "audits.commissioned": len(own),
        "audits.shared": shared,
        "audits.done": len(own) + shared,
        "findings.total": sum(n for key, n in findings.items() if not key.startswith("country:")),
        "corrective_actions.closed": closed,
        **{f"findings_by_requirement.{k}": n for k, n in findings.items() if ":" not in k},
        **{
            f"findings_by_country.{k.split(':')[1]}": n
            for k, n in findings.items()
            if k.startswith("country:")
        },
    }


def run_report(org_id: str, out: Path) -> tuple[str, int, dict[str, int], list[list[str]]]:
    result = CliRunner().invoke(
        app, ["report", "annual", "--org", org_id, "--year", "2026", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    (pdf_path,) = out.glob("*.pdf")
    (csv_path,) = out.glob("*.csv")
    reader = PdfReader(pdf_path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    images = sum(len(page.images) for page in reader.pages)
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["section", "key", "label", "value"]
    numbers = {f"{section}.{key}": int(value) for section, key, _, value in rows[1:]}
    return text, images, numbers, rows[1:]


def printed(text: str, label: str) -> int:
    """The number printed after `label:` in the PDF's text."""
    match = re.search(re.escape(label) + r":\s*([\d\s\u00a0]+)", text)
    assert match, f"{label!r} not in the PDF"
    return int(re.sub(r"\D", "", match.group(1).split("\n")[0]))


SUMMARY_LABELS = {
    "nb_NO": {
        "contracts.high_risk": "Kontrakter i høyrisikokategorier",
        "self_reports.received": "Egenrapporteringer mottatt",
        "audits.done": "Revisjoner og inspeksjoner gjennomført",
        "findings.total": "Avvik funnet",
        "corrective_actions.closed": "Korrigerende tiltak lukket",
    },
    "sv_SE": {
        "contracts.high_risk": "Avtal i högriskkategorier",
        "self_reports.received": "Självrapporteringar mottagna",
        "audits.done": "Granskningar och inspektioner genomförda",
        "findings.total": "Avvikelser funna",
        "corrective_actions.closed": "Korrigerande åtgärder avslutade",
    },
}


@pytest.mark.parametrize(
    ("body", "locale", "title"),
    [
        ("oslo", "nb_NO", "Årsrapport 2026: oppfølging av leverandørkjeder"),
        ("stockholm", "sv_SE", "Årsrapport 2026: uppföljning av leverantörskedjor"),
    ],
)
def test_the_annual_report_carries_what_the_body_may_see(
    demo: DemoWorld, engine: Engine, tmp_path: Path, body: str, locale: str, title: str
) -> None:
    text, images, numbers, rows = run_report(demo.organizations[body], tmp_path / body)
    want = expected(demo, body)
    want["self_reports.received"] = self_reports_of_suppliers(engine, demo, body)
    if body == "oslo":
        assert want["self_reports.received"] >= 1  # ours, from Oslo's glove supplier
    assert title in text
    assert numbers["report.year"] == 2026
    for key, value in want.items():
        assert numbers.get(key, 0) == value, key
    for key, label in SUMMARY_LABELS[locale].items():
        assert printed(text, label) == numbers[key], key  # the PDF says what the CSV says
    by_country = Counter[str]()
    for section, key, _, value in rows:
        if section == "findings_by_requirement_and_country":
            by_country[key.split("/")[1]] += int(value)
    assert {f"findings_by_country.{c}": n for c, n in by_country.items()} == {
        key: n for key, n in numbers.items() if key.startswith("findings_by_country.")
    }
    if numbers["findings.total"]:
        assert images == 2  # findings by requirement and by country
    # Nothing from Bergen's PRIVATE report (ILO C182) reaches anyone else's report.
    assert "findings_by_requirement.ILO_C182" not in numbers
