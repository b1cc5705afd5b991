"""`PUT /uploads/{id}`: the local store's stand-in for an S3 presigned PUT.

`beginDocumentUpload` hands this out, signed (storage/signed_urls.py) until the
upload's URL expires, when the object store cannot take the bytes itself. It
takes exactly one file body of the size the upload declared (Content-Length
must say so; a longer body is cut off at the limit) into the upload's
quarantine key, as S3 would; `finishDocumentUpload` then has it checked
(services/document_uploads.py). It may be sent again while the upload still
awaits its bytes: the last body sent is the one checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO, cast

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.downloads import refused
from api.limits import BodyTooLarge, capped, declared_length
from api.uploads import SpooledUpload
from domain.enums import DocumentUploadStatus
from storage import signed_urls
from storage.models import DocumentUpload
from storage.spool import UploadSpool

if TYPE_CHECKING:
    from api.app import Services


def direct_upload(services: Services) -> Route:
    async def endpoint(request: Request) -> Response:
        upload_id = request.path_params["upload_id"]
        params = request.query_params
        valid = signed_urls.upload_path_valid(
            services.url_secret, upload_id, params.get("expires", ""), params.get("signature", "")
        )
        if not valid:
            return refused(403, "FORBIDDEN", "the upload URL is invalid or has expired")
        async with services.sessions() as session:
            row = await session.get(DocumentUpload, upload_id)
        if row is None:
            return refused(404, "NOT_FOUND", "no such upload")
        if row.status is not DocumentUploadStatus.AWAITING_BYTES:
            return refused(409, "CONFLICT", f"the upload is {row.status.value}: it takes no bytes")
        length = declared_length(request.headers.get("content-length"))
        if length != row.size:
            return refused(
                400,
                "BAD_USER_INPUT",
                f"send the file with Content-Length: {row.size}, the size the upload declared",
            )
        try:
            with UploadSpool(prefix="kjede-direct-") as spool:
                await _receive(Request(request.scope, capped(request.receive, row.size)), spool)
                await anyio.to_thread.run_sync(
                    lambda: services.objects.put_at(row.quarantine_key, cast(BinaryIO, spool))
                )
        except BodyTooLarge:
            return refused(413, "PAYLOAD_TOO_LARGE", f"the upload declared {row.size} bytes")
        return JSONResponse({"size": row.size}, headers={"Cache-Control": "no-store"})

    return Route("/uploads/{upload_id}", endpoint, methods=["PUT"])


async def _receive(request: Request, spool: UploadSpool) -> None:
    """The body into `spool`, written in batches from a worker thread as it arrives."""
    receiver = SpooledUpload(spool, size=0)  # type: ignore[arg-type]
    async for chunk in request.stream():
        await receiver.write(chunk)
    await receiver.seek(0)
