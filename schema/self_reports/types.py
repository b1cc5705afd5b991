"""The `SelfReport` entity (built from what the viewer may read of it) and its inputs."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self, cast

import strawberry
from strawberry.scalars import JSON

from authz.disclosure import Disclosed
from domain.self_reports import SubSupplierDraft
from schema.context import Info, selected_names
from schema.facilities import Facility
from schema.organizations import Organization, load_organization
from services import self_reports
from services.self_report_access import GrantView
from services.self_reports import NewSelfReport, SiteDraft


@strawberry.type
class DisclosedSubSupplier:
    """A sub-supplier a self-report names, with its tier below the supplier."""

    org_number: str
    name: str
    country: str
    product_category: str | None
    tier_parent_org_number: str | None = strawberry.field(
        description="The sub-supplier it delivers to; null: the reporting supplier."
    )
    tier: int
    organization_id: strawberry.Private[str]

    @strawberry.field
    async def organization(self, info: Info) -> Organization:
        return await load_organization(info, self.organization_id)

    @classmethod
    def of(cls, item: dict[str, Any]) -> Self:
        return cls(
            org_number=item["orgNumber"],
            name=item["name"],
            country=item["country"],
            product_category=item.get("productCategory"),
            tier_parent_org_number=item.get("tierParentOrgNumber"),
            tier=int(item["tier"]),
            organization_id=item["organizationId"],
        )


@strawberry.federation.type(keys=["id"])
class SelfReport:
    id: strawberry.ID
    version: int
    questionnaire_version: int
    submitted_at: dt.datetime
    answers: JSON = strawberry.field(
        description="Question id to answer: the answers this viewer's clearance covers "
        "(each question's classification is in the questionnaire); the others are "
        "listed in redactedFields as answers.<id>."
    )
    sub_suppliers: list[DisclosedSubSupplier]
    redacted_fields: list[str] = strawberry.field(
        description="Paths withheld from this viewer, e.g. answers.grievanceContact."
    )
    disclosed: strawberry.Private[Disclosed]

    @classmethod
    def from_disclosed(cls, report: Disclosed) -> Self:
        answers = report["answers"]
        return cls(
            id=strawberry.ID(report["id"]),
            version=report["version"],
            questionnaire_version=report["questionnaire_version"],
            submitted_at=report["submitted_at"],
            answers=cast(JSON, dict(answers.values) if isinstance(answers, Disclosed) else {}),
            sub_suppliers=[DisclosedSubSupplier.of(item) for item in report["sub_suppliers"] or ()],
            redacted_fields=report.all_withheld(),
            disclosed=report,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        """`_entities` is a second way in: the same row filter, disclosure and read log."""
        return (await cls.resolve_references(info, [str(id)]))[0]

    @classmethod
    async def resolve_references(cls, info: Info, ids: list[str]) -> list[Self | None]:
        found = await self_reports.self_reports_by_reference(
            info.context.scope, ids, selected_names(info)
        )
        by_id = {str(report["id"]): cls.from_disclosed(report) for report in found}
        return [by_id.get(report_id) for report_id in ids]

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        return await load_organization(info, self.disclosed["supplier_id"])

    @strawberry.field
    async def production_sites(self, info: Info) -> list[Facility]:
        views = await self_reports.production_sites(info.context.scope, str(self.id))
        return [Facility.from_view(view) for view in views]


@strawberry.type
class SelfReportGrant:
    """An organisation the caller's supplier lets read its self-reports, and why."""

    purpose: str
    granted_at: dt.datetime
    organization_id: strawberry.Private[str]

    @strawberry.field
    async def organization(self, info: Info) -> Organization:
        return await load_organization(info, self.organization_id)

    @classmethod
    def of(cls, grant: GrantView) -> Self:
        return cls(
            purpose=grant.purpose,
            granted_at=grant.granted_at,
            organization_id=grant.organization_id,
        )


@strawberry.input
class FacilityInput:
    name: str
    country: str
    address: str | None = None
    os_id: str | None = None

    def to_draft(self) -> SiteDraft:
        return SiteDraft(self.name, self.country, self.address, self.os_id)


@strawberry.input
class SubSupplierInput:
    org_number: str
    name: str
    country: str
    product_category: str | None = None
    tier_parent_org_number: str | None = None

    def to_draft(self) -> SubSupplierDraft:
        return SubSupplierDraft(
            self.org_number,
            self.name,
            self.country,
            self.product_category,
            self.tier_parent_org_number,
        )


@strawberry.input
class SelfReportInput:
    answers: JSON
    production_sites: list[FacilityInput] | None = None
    sub_suppliers: list[SubSupplierInput] | None = None

    def to_new(self) -> NewSelfReport:
        return NewSelfReport(
            answers=self.answers,
            sites=[site.to_draft() for site in self.production_sites or ()],
            sub_suppliers=[sub.to_draft() for sub in self.sub_suppliers or ()],
        )
