"""Write one body's annual report: the figures as the body sees them, to
`kjede-annual-<year>-<org number>.pdf` and `.csv` in a directory."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from authz.enforcer import Authorizer
from authz.principal import Principal
from domain.enums import OrganizationKind, Role
from domain.errors import InvalidInput, NotFound
from services.annual_report.figures import AnnualFigures, collect_figures
from services.annual_report.render import render_csv, render_pdf
from services.annual_report.texts import Words, locale_for
from services.scope import Scope
from settings import Settings
from storage import audit_log, models
from storage.objects import ObjectStore

READER_ID = "annual-report"  # the actor the audit log records for the export


@dataclass(frozen=True)
class Written:
    pdf: Path
    csv: Path
    figures: AnnualFigures
    locale: str


@dataclass(frozen=True)
class Environment:
    """What a `Scope` holds besides its session and principal (the API's services)."""

    sessions: async_sessionmaker[AsyncSession]
    authorizer: Authorizer
    objects: ObjectStore
    settings: Settings
    url_secret: bytes


async def write_annual_report(
    env: Environment, organization_id: str, year: int, out_dir: Path, made: dt.date | None = None
) -> Written:
    """The body reads as a VIEWER of its own organisation would (never PERSONAL),
    and the export goes on the audit log."""
    if not 2000 <= year <= 2100:
        raise InvalidInput("year", "must be a calendar year such as 2026")
    async with env.sessions() as session:
        body = await session.get(models.Organization, organization_id)
        if body is None:
            raise NotFound(f"no organisation with id {organization_id}; see `kjede org list`")
        if body.kind not in (OrganizationKind.PUBLIC_BODY, OrganizationKind.COORDINATOR):
            raise InvalidInput("org", "the annual report is written for public bodies")
        principal = Principal(
            user_id=READER_ID,
            email="",
            organization_id=body.id,
            organization_kind=body.kind,
            roles=frozenset({Role.VIEWER}),
        )
        scope = Scope(
            session=session,
            principal=principal,
            authorizer=env.authorizer,
            objects=env.objects,
            settings=env.settings,
            url_secret=env.url_secret,
        )
        figures = await collect_figures(scope, year)
        locale = locale_for(body.country)
        words = Words(locale)
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = f"kjede-annual-{year}-{body.org_number}"
        pdf_path, csv_path = out_dir / f"{stem}.pdf", out_dir / f"{stem}.csv"
        pdf_path.write_bytes(render_pdf(figures, words, made or dt.date.today()))
        csv_path.write_text(render_csv(figures, words), encoding="utf-8-sig")
        events = [
            *scope.reads.events,
            audit_log.AuditEvent(
                action="annual_report_written",
                subject_type="organization",
                subject_id=body.id,
                actor_user_id=READER_ID,
                actor_org_id=body.id,
                detail={"year": year, "files": [pdf_path.name, csv_path.name]},
            ),
        ]
        await audit_log.append(session, events)
        await session.commit()
    return Written(pdf=pdf_path, csv=csv_path, figures=figures, locale=locale)
