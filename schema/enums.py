"""The domain enums, registered with GraphQL under their contract names."""

from __future__ import annotations

import strawberry

from domain import enums

OrganizationKind = strawberry.enum(enums.OrganizationKind)
Role = strawberry.enum(enums.Role)
Classification = strawberry.enum(enums.Classification)
ShareScope = strawberry.enum(enums.ShareScope)
AuditReportType = strawberry.enum(enums.AuditReportType)
AuditReportStatus = strawberry.enum(enums.AuditReportStatus)
Requirement = strawberry.enum(enums.Requirement)
Severity = strawberry.enum(enums.Severity)
CorrectiveActionStatus = strawberry.enum(enums.CorrectiveActionStatus)
NetworkKind = strawberry.enum(enums.NetworkKind)
CallOffRoute = strawberry.enum(enums.CallOffRoute)
MiniCompetitionStatus = strawberry.enum(enums.MiniCompetitionStatus)
DocumentUploadStatus = strawberry.enum(enums.DocumentUploadStatus)
