"""Multipart uploads received straight into `storage.spool.UploadSpool`s.

Starlette's form parser spools each file to an anonymous `SpooledTemporaryFile`,
which the upload path then had to copy to a named file (the checking worker is
another process) and read once more to hash. Here each file part goes to an
`UploadSpool` instead: hashed while it is parsed, in 1 MiB batches written from a
worker thread while the next batch arrives, and a named file once past 1 MiB.
Everything else (fields, limits, errors) is Starlette's own parser.

Once the sender is authenticated the app sets `request.state.upload_stream`:
then a file part stored as sent also streams to the object store while it is
parsed (`services.documents.upload_stream`), and the mutation only finishes that
upload. A request that ends without storing it (refused, failed, hung up) aborts
it when its spools close.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from api.limits import is_multipart
from services.documents import stored_as_sent
from storage.objects import StreamingUpload
from storage.spool import UploadSpool

__all__ = ["SpooledUpload", "SpoolingMultiPartParser", "StreamTo", "UploadRequest"]

# (first batch, filename) -> an upload sending the part while it is parsed, or None.
StreamTo = Callable[[bytes, str], StreamingUpload | None]


class SpooledUpload(UploadFile):
    """An uploaded file whose `file` is an `UploadSpool`. Its batches are hashed and
    written in a worker thread while the parser reads on (one batch at a time, in
    order); any read, seek or close waits for the batch in flight first."""

    file: UploadSpool  # type: ignore[assignment]
    _batch: asyncio.Future[None] | None = None

    async def write(self, data: bytes) -> None:
        if self.size is not None:
            self.size += len(data)
        if self.file.buffer(data):
            await self._written()
            batch = self.file.take_pending()
            self._batch = asyncio.get_running_loop().run_in_executor(
                None, self.file.write_batch, batch
            )

    async def _written(self) -> None:
        batch, self._batch = self._batch, None
        if batch is not None:
            await batch

    async def read(self, size: int = -1) -> bytes:
        await self._written()
        return await super().read(size)

    async def seek(self, offset: int) -> None:
        await self._written()
        await super().seek(offset)

    async def close(self) -> None:
        try:
            await self._written()
        finally:
            await super().close()


class SpoolingMultiPartParser(MultiPartParser):
    stream_to: StreamTo | None = None

    def on_headers_finished(self) -> None:
        super().on_headers_finished()
        part = self._current_part
        made = part.file
        if made is None:
            return
        # Starlette's spool for this part is still empty: swap it for ours.
        self._files_to_close_on_error.remove(made.file)  # type: ignore[arg-type]
        made.file.close()
        filename = made.filename or ""
        stream_to = self.stream_to
        spool = UploadSpool(
            hash_if=lambda head: stored_as_sent(head, filename),
            stream_if=None if stream_to is None else lambda head: stream_to(head, filename),
        )
        self._files_to_close_on_error.append(spool)  # type: ignore[arg-type]
        part.file = SpooledUpload(
            spool,  # type: ignore[arg-type]
            size=0,
            filename=made.filename,
            headers=made.headers,
        )


class UploadRequest(Request):
    """A request whose multipart form is parsed by `SpoolingMultiPartParser`."""

    async def _get_form(
        self,
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> FormData:
        if self._form is None and is_multipart(self.headers.get("content-type")):
            try:
                async with aclosing(self.stream()) as stream:
                    parser = SpoolingMultiPartParser(
                        self.headers,
                        stream,
                        max_files=max_files,
                        max_fields=max_fields,
                        max_part_size=max_part_size,
                    )
                    parser.stream_to = getattr(self.state, "upload_stream", None)
                    self._form = await parser.parse()
            except MultiPartException as exc:
                if "app" in self.scope:
                    raise HTTPException(status_code=400, detail=exc.message) from exc
                raise
        return await super()._get_form(
            max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
        )
