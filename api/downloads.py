"""`/documents/{id}`: the local store's stand-in for an S3 presigned URL.

A signed URL (storage/signed_urls.py) names the viewer it was handed to. On
every download the route asks the disclosure kernel again whether that viewer
may still see the document, exactly as the API would answer now: the viewer's
roles are read afresh, its relation to the report is computed from the report
as it stands, and that relation's clearance must still cover the document. A
link stops working as soon as its viewer loses access: when the report is
withdrawn (every relation but the parties' needs a PUBLISHED or SUPERSEDED
report), narrowed to another share scope, or the viewer's role or membership
is revoked. Responses are never cached (`Cache-Control: no-store`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import iterate_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from api.auth import principal_by_id
from api.errors import graphql_error
from authz.disclosure import row_values
from authz.enforcer import Authorizer
from authz.principal import Principal
from authz.records import AUDIT_REPORT, document_visible
from authz.viewer import load_viewer_facts
from storage import signed_urls
from storage.models import AuditReport, Document
from storage.objects import ObjectNotFound, content_disposition

if TYPE_CHECKING:
    from api.app import Services

NO_STORE = {"Cache-Control": "no-store"}


async def still_visible(
    session: AsyncSession,
    authorizer: Authorizer,
    document: Document,
    viewer: signed_urls.Viewer,
) -> bool:
    """May `viewer`, as it stands now, fetch `document`?"""
    principal: Principal | None = None
    if not viewer.anonymous:
        principal = await principal_by_id(
            session, viewer.user_id, viewer.organization_id, frozenset(viewer.roles)
        )
        if principal is None:
            return False
    if document.report_id is None:
        return False
    report = await session.get(AuditReport, document.report_id)
    if report is None:
        return False
    facts = await load_viewer_facts(session, principal, authorizer)
    clearance = AUDIT_REPORT.clearance(report, facts)
    return clearance is not None and document_visible(row_values(document), clearance)


def download(services: Services) -> Route:
    """Serve a document by a signed URL, streaming with bounded memory."""

    async def endpoint(request: Request) -> Response:
        document_id = request.path_params["document_id"]
        params = request.query_params
        viewer = signed_urls.Viewer.from_params(params)
        valid = signed_urls.is_valid(
            services.url_secret,
            document_id,
            params.get("expires", ""),
            params.get("signature", ""),
            viewer,
        )
        if not valid:
            return refused(403, "FORBIDDEN", "the link is invalid or has expired")
        async with services.sessions() as session:
            document = await session.get(Document, document_id)
            if document is None:
                return refused(404, "NOT_FOUND", "no such document")
            if not await still_visible(session, services.authorizer, document, viewer):
                return refused(403, "FORBIDDEN", "this link no longer opens the document")
        try:
            chunks = await anyio.to_thread.run_sync(
                services.objects.open, document.object_key, document.sha256
            )
        except ObjectNotFound:
            return refused(404, "NOT_FOUND", "the document's content is gone from the store")
        return StreamingResponse(
            iterate_in_threadpool(chunks),
            media_type=document.content_type,
            headers={
                "Content-Disposition": content_disposition(document.filename),
                "Content-Length": str(document.size),
                **NO_STORE,
            },
        )

    return Route("/documents/{document_id}", endpoint)


def refused(status: int, code: str, message: str) -> Response:
    response = graphql_error(status, code, message)
    response.headers.update(NO_STORE)
    return response
