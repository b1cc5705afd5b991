"""Run a trusted document in-process, as the signed-in user, exactly as /graphql
would: the same schema (its limits, input guard and error shaping), a `Scope`
built the same way, and the reads of RESTRICTED or PERSONAL fields appended to
the audit log before the page leaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from authz.principal import Principal
from schema.context import Context
from services.scope import Scope
from storage import audit_log, signed_urls
from storage.db import write_transaction
from web.api_messages import shown
from web.backend import Backend
from web.i18n import Language
from web.operations import document


@dataclass(frozen=True)
class OperationError:
    message: str
    code: str
    field: str | None = None  # the input the domain names (extensions.field)


@dataclass(frozen=True)
class Outcome:
    """What an operation answered: its data (possibly partial) and coded errors."""

    data: dict[str, Any]
    errors: tuple[OperationError, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.errors

    def has(self, code: str) -> bool:
        return any(error.code == code for error in self.errors)

    def by_field(self) -> dict[str, str]:
        """Errors that name an input, by that input ("summary", "documents.0")."""
        return {error.field: error.message for error in self.errors if error.field}

    def general(self) -> list[OperationError]:
        return [error for error in self.errors if not error.field]

    def said(self) -> str:
        """Every error's message in one line (a message marked up as English stays so)."""
        return Markup("; ").join(error.message for error in self.errors)


def url_viewer(principal: Principal | None) -> signed_urls.Viewer:
    """Download URLs signed in this request are bound to its viewer (as in api.app)."""
    if principal is None:
        return signed_urls.ANONYMOUS
    roles = tuple(sorted(role.value for role in principal.roles))
    return signed_urls.Viewer(principal.user_id, principal.organization_id, roles)


async def run(
    backend: Backend,
    request: Request,
    session: AsyncSession,
    principal: Principal | None,
    name: str,
    variables: dict[str, Any] | None,
    language: Language,
) -> Outcome:
    """Run the trusted document NAME with VARIABLES as PRINCIPAL; its errors as a page
    in `language` shows them (`api_messages.shown`)."""
    trusted = document(name)
    scope = Scope(
        session=session,
        principal=principal,
        authorizer=backend.authorizer,
        objects=backend.objects,
        settings=backend.settings,
        url_secret=signed_urls.ViewerKey(backend.url_secret, url_viewer(principal)),
        base_url=str(request.base_url).rstrip("/"),
    )
    result = await backend.schema.execute(
        trusted.text,
        variable_values=variables or {},
        context_value=Context(request=request, scope=scope),
        operation_name=trusted.name,
    )
    if scope.reads.events:
        # Sensitive data reaches the page only once its reads are on the audit log.
        async with write_transaction(session):
            await audit_log.append(session, scope.reads.events)
            await session.commit()
    errors = tuple(
        OperationError(
            message=shown(error.message, error.extensions, language),
            code=str((error.extensions or {}).get("code", "INTERNAL_SERVER_ERROR")),
            field=_field(error.extensions),
        )
        for error in result.errors or ()
    )
    return Outcome(data=dict(result.data or {}), errors=errors)


def _field(extensions: dict[str, Any] | None) -> str | None:
    value = (extensions or {}).get("field")
    return value if isinstance(value, str) else None
