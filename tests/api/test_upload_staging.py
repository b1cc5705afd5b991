"""The upload path from the multipart body to the store (services.documents.store_upload).

The API spools each file part to a named file and hashes it while the body is
parsed (api/uploads.py), so the checking worker reads that file in place. A
file stored as sent is staged in the store while the worker checks it and made
readable only once the check passed; a refused one leaves nothing behind. A PDF
is stored cleaned. These run on the local store here and on S3 (SeaweedFS) in
tests/integration/test_upload_staging_s3.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import os
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from starlette.requests import ClientDisconnect

from api.uploads import SpooledUpload, UploadRequest
from domain.errors import InvalidInput
from services import documents
from services.content.worker import Checked
from services.documents import Upload, store_upload
from storage.objects import ObjectStore, StagedObject, StoredObject
from storage.spool import ROLLOVER, UploadSpool
from tests.api.test_object_store import (
    Backend,
    MiB,
    backend,
    read_all,
    tenant,
)

__all__ = ["backend", "tenant"]

LIMIT = 64 * MiB
# More than one multipart part on S3 (storage.objects.PART_SIZE), so the parts go out
# while the worker checks the file.
LARGE = 2 * 8 * MiB + 5


def text_bytes(size: int) -> bytes:
    line = b"Site visit notes: overtime records and payroll ledgers checked.\n"
    return (line * (size // len(line) + 1))[:size]


def spooled(data: bytes) -> UploadSpool:
    spool = UploadSpool()
    for start in range(0, len(data), 65536):
        spool.write(data[start : start + 65536])
    return spool


def store(objects: ObjectStore, tenant_id: str, spool: UploadSpool, name: str) -> Any:
    upload = Upload(file=spool, filename=name)  # type: ignore[arg-type]
    return anyio.run(store_upload, objects, tenant_id, upload, LIMIT)


def image_pdf(size: int, author: str) -> bytes:
    """A one-page PDF drawing one image of about `size` random bytes, with an author."""
    side = int(size**0.5)
    image = os.urandom(side * side)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n"
        % (side, side, len(image))
        + image
        + b"\nendstream",
        b"<< /Length 35 >>\nstream\nq 595 0 0 842 0 0 cm /Im0 Do Q\nendstream",
        b"<< /Author (%s) /Producer (Scanner 3000) >>" % author.encode(),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, xref)
    )
    return out.getvalue()


# --- the API's spool ---------------------------------------------------------


def upload_request(content_type: str, receive: Callable[[], Awaitable[Any]]) -> UploadRequest:
    """A POST to /graphql whose body of `content_type` comes from `receive`, as the
    API's endpoint reads it."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "query_string": b"",
        "headers": [(b"content-type", content_type.encode())],
    }
    return UploadRequest(scope, receive)


def test_a_file_part_is_spooled_to_a_named_file_and_hashed_as_it_is_parsed() -> None:
    content = text_bytes(3 * MiB + 17)
    request = httpx.Request(
        "POST",
        "http://testserver/graphql",
        data={"operations": "{}", "map": "{}"},
        files={
            "0": ("notes.txt", content, "text/plain"),
            "1": ("small.txt", b"tiny", "text/plain"),
        },
    )
    body = request.read()
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]

    async def parse() -> tuple[str, str, bytes, str, Path, bool]:
        async def receive() -> dict[str, Any]:
            chunk = chunks.pop(0) if chunks else b""
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

        http = upload_request(request.headers["content-type"], receive)
        form = await http.form()
        big, small = form["0"], form["1"]
        assert isinstance(big, SpooledUpload) and isinstance(small, SpooledUpload)
        assert (big.filename, big.size, form["operations"]) == ("notes.txt", len(content), "{}")
        # The sha256 was taken while parsing: the spool knows it without a read.
        sha = big.file.sha256()
        small_sha = small.file.sha256()
        small_in_memory = small.file._named is None  # no descriptor for a small part
        path = big.file.path()
        on_disk = path.read_bytes()
        assert await big.read() == content
        await http.close()
        return sha, small_sha, on_disk, path.name, path, small_in_memory

    sha, small_sha, on_disk, name, path, small_in_memory = anyio.run(parse)
    assert sha == hashlib.sha256(content).hexdigest()
    assert small_sha == hashlib.sha256(b"tiny").hexdigest()
    assert on_disk == content and name.startswith("kjede-upload-")
    assert small_in_memory and len(content) > ROLLOVER
    assert not path.exists()  # removed with the request


def test_a_pdf_part_is_not_hashed_while_parsed_yet_its_hash_is_right() -> None:
    """A PDF is stored cleaned, under the cleaned copy's hash: hashing the original
    on the way would be wasted; asked anyway, the spool reads the file once."""
    original = image_pdf(2 * MiB, "Kari Nordmann")
    text = text_bytes(2 * MiB)
    request = httpx.Request(
        "POST",
        "http://testserver/graphql",
        data={"operations": "{}", "map": "{}"},
        files={"0": ("scan.pdf", original, "application/pdf"), "1": ("a.txt", text, "text/plain")},
    )
    body = request.read()
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]

    async def parse() -> tuple[bool, bool, str, str]:
        async def receive() -> dict[str, Any]:
            chunk = chunks.pop(0) if chunks else b""
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

        http = upload_request(request.headers["content-type"], receive)
        form = await http.form()
        pdf, txt = form["0"], form["1"]
        assert isinstance(pdf, SpooledUpload) and isinstance(txt, SpooledUpload)
        await pdf.seek(0)
        await txt.seek(0)
        hashed = (pdf.file._hashing, txt.file._hashing)
        answer = (*hashed, pdf.file.sha256(), txt.file.sha256())
        await http.close()
        return answer

    pdf_hashed, text_hashed, pdf_sha, text_sha = anyio.run(parse)
    assert not pdf_hashed and text_hashed
    assert pdf_sha == hashlib.sha256(original).hexdigest()
    assert text_sha == hashlib.sha256(text).hexdigest()


def test_the_worker_checks_the_api_spool_in_place(
    backend: Backend, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = text_bytes(2 * MiB)
    checked: list[str] = []
    real = documents.check_upload

    def recording(source: str, cleaned: str, content_type: str) -> Checked:
        checked.append(source)
        return real(source, cleaned, content_type)

    monkeypatch.setattr(documents, "check_upload", recording)
    with spooled(content) as spool:
        stored = store(backend.store, tenant, spool, "notes.txt")
        assert checked == [str(spool.path())]  # not a copy of it
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert read_all(backend.store, stored.key, stored.sha256) == content


# --- check and store side by side ----------------------------------------------


class ObservedStore:
    """The store, telling when a staging began."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner
        self.staging = threading.Event()

    def stage_file(self, tenant_id: str, path: Path, **details: Any) -> StagedObject:
        self.staging.set()
        return self.inner.stage_file(tenant_id, path, **details)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_file_stored_as_sent_is_staged_while_it_is_checked(
    backend: Backend, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = text_bytes(LARGE)
    observed = ObservedStore(backend.store)
    real = documents.check_upload

    def check_once_staging_began(source: str, cleaned: str, content_type: str) -> Checked:
        # Before the change the store was written only after the check returned.
        assert observed.staging.wait(60), "the store was not written while checking"
        return real(source, cleaned, content_type)

    monkeypatch.setattr(documents, "check_upload", check_once_staging_began)
    with spooled(content) as spool:
        stored = store(observed, tenant, spool, "notes.txt")  # type: ignore[arg-type]
    assert read_all(backend.store, stored.key, stored.sha256) == content


@pytest.mark.parametrize("size", [2 * MiB, LARGE])
def test_a_refused_file_leaves_nothing_in_the_store(
    backend: Backend, tenant: str, size: int
) -> None:
    # UTF-8 text in the sniffed head, binary at the end: the worker refuses it.
    content = text_bytes(size - 1) + b"\x00"

    with spooled(content) as spool, pytest.raises(InvalidInput) as refused:
        store(backend.store, tenant, spool, "notes.txt")

    assert "binary" in str(refused.value) or "NUL" in str(refused.value), refused.value
    assert backend.raw_names(tenant) == []
    assert backend.unfinished(tenant) == []


def test_a_refused_file_is_refused_when_the_store_is_slower_than_the_check(
    backend: Backend, tenant: str
) -> None:
    content = text_bytes(LARGE - 1) + b"\x00"
    observed = ObservedStore(backend.store)
    proceed = threading.Event()

    def slow_stage(tenant_id: str, path: Path, **details: Any) -> StagedObject:
        assert proceed.wait(60)
        return backend.store.stage_file(tenant_id, path, **details)

    observed.stage_file = slow_stage  # type: ignore[method-assign]
    real = documents.check_upload

    def refuse_then_release(source: str, cleaned: str, content_type: str) -> Checked:
        try:
            return real(source, cleaned, content_type)
        finally:
            proceed.set()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(documents, "check_upload", refuse_then_release)
        with spooled(content) as spool, pytest.raises(InvalidInput):
            store(observed, tenant, spool, "notes.txt")  # type: ignore[arg-type]

    assert backend.raw_names(tenant) == []
    assert backend.unfinished(tenant) == []


def test_a_pdf_is_stored_cleaned(backend: Backend, tenant: str) -> None:
    original = image_pdf(LARGE, "Kari Nordmann")

    with spooled(original) as spool:
        stored = store(backend.store, tenant, spool, "scan.pdf")

    kept = read_all(backend.store, stored.key, stored.sha256)
    assert b"Kari Nordmann" in original and b"Kari Nordmann" not in kept
    assert b"Scanner 3000" not in kept and kept.startswith(b"%PDF-")
    assert stored.sha256 == hashlib.sha256(kept).hexdigest() and stored.size == len(kept)
    assert stored.content_type == "application/pdf"
    assert backend.unfinished(tenant) == []


def test_a_file_stored_as_sent_keeps_its_bytes_and_their_sha256(
    backend: Backend, tenant: str
) -> None:
    content = text_bytes(LARGE)
    with spooled(content) as spool:
        stored = store(backend.store, tenant, spool, "notes.csv")
    assert stored.key.startswith(f"{tenant}/u-")  # an upload key, not the content's hash
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.content_type.startswith("text/csv")
    assert read_all(backend.store, stored.key, stored.sha256) == content
    assert stored.size == len(content)


def test_a_file_the_api_did_not_spool_is_copied_into_a_spool(backend: Backend, tenant: str) -> None:
    """The web form's upload (Starlette's own spool) has no name and no hash yet."""
    content = text_bytes(LARGE)
    upload = Upload(file=io.BytesIO(content), filename="notes.txt")

    stored = anyio.run(store_upload, backend.store, tenant, upload, LIMIT)

    assert stored.key.startswith(f"{tenant}/u-")
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert read_all(backend.store, stored.key, stored.sha256) == content


# --- a cleaned PDF streamed to the store while the worker writes it -------------


def writing_in_pieces(
    backend: Backend, tenant: str, *, overwrite_head: bool = False
) -> Callable[[str, str, str], Checked]:
    """A check that writes the real cleaned copy 1 MiB at a time; past the first
    part it waits until the store began the upload (on S3: only the following
    sender can have begun it, the check has not returned). With `overwrite_head`
    it then writes over the copy's first bytes and says so, as a writer that seeks
    back would."""
    real = documents.check_upload

    def check(source: str, cleaned: str, content_type: str) -> Checked:
        whole = Path(cleaned).with_suffix(".whole")
        checked = real(source, str(whole), content_type)
        data = whole.read_bytes()
        whole.unlink()
        with open(cleaned, "r+b") as out:
            for start in range(0, len(data), MiB):
                out.write(data[start : start + MiB])
                out.flush()
                if start == 9 * MiB and backend.streams:
                    assert eventually(lambda: bool(backend.unfinished(tenant))), (
                        "nothing was sent while the cleaned copy was written"
                    )
            if overwrite_head:
                out.seek(0)
                out.write(b"%PDF-1.6")
                return Checked(cleaned=checked.cleaned, in_order=False)
        return checked

    return check


def test_a_cleaned_pdf_is_sent_while_the_worker_writes_it(
    backend: Backend, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = image_pdf(LARGE, "Kari Nordmann")
    monkeypatch.setattr(documents, "check_upload", writing_in_pieces(backend, tenant))

    with spooled(original) as spool:
        stored = store(backend.store, tenant, spool, "scan.pdf")

    kept = read_all(backend.store, stored.key, stored.sha256)
    assert b"Kari Nordmann" not in kept and kept.startswith(b"%PDF-1.")
    assert stored.sha256 == hashlib.sha256(kept).hexdigest() and stored.size == len(kept) > LARGE
    assert backend.unfinished(tenant) == []
    assert [info.key for info in backend.store.scan(tenant)] == [stored.key]


def test_a_cleaned_copy_written_over_itself_is_sent_afresh(
    backend: Backend, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = image_pdf(LARGE, "Kari Nordmann")
    checks = writing_in_pieces(backend, tenant, overwrite_head=True)
    monkeypatch.setattr(documents, "check_upload", checks)

    with spooled(original) as spool:
        stored = store(backend.store, tenant, spool, "scan.pdf")

    kept = read_all(backend.store, stored.key, stored.sha256)
    assert kept.startswith(b"%PDF-1.6")  # the bytes as they ended, not as first sent
    assert stored.sha256 == hashlib.sha256(kept).hexdigest() and stored.size == len(kept)
    assert backend.unfinished(tenant) == []  # the upload that followed it was aborted
    assert [info.key for info in backend.store.scan(tenant)] == [stored.key]


# --- streamed to the store while the body is received -------------------------


@dataclass
class Received:
    """What `receive_and_store` saw: the unfinished uploads when the last chunk of
    the body was asked for, and the stored object (or the refusal)."""

    unfinished_before_last_chunk: list[str]
    stored: StoredObject | None = None
    refused: InvalidInput | None = None


def multipart_body(name: str, content: bytes) -> tuple[str, list[bytes]]:
    request = httpx.Request(
        "POST",
        "http://testserver/graphql",
        data={"operations": "{}", "map": "{}"},
        files={"0": (name, content, "text/plain")},
    )
    body = request.read()
    return request.headers["content-type"], [
        body[i : i + 65536] for i in range(0, len(body), 65536)
    ]


def receive_and_store(
    backend: Backend,
    tenant: str,
    name: str,
    content: bytes,
    *,
    hang_up_after: int | None = None,
) -> Received:
    """Parse a multipart body as the API does once the sender is known (streaming to
    `tenant`), then store its file part; with `hang_up_after`, the client goes away
    after that many bytes of body and the parse fails."""
    content_type, chunks = multipart_body(name, content)
    seen: list[str] = []
    sent = 0

    async def run() -> Received:
        async def receive() -> dict[str, Any]:
            nonlocal sent
            if hang_up_after is not None and sent >= hang_up_after:
                return {"type": "http.disconnect"}
            if len(chunks) == 1:
                if backend.streams:  # a part thread begins the multipart upload: wait for it
                    eventually(lambda: bool(backend.unfinished(tenant)))
                seen.extend(backend.unfinished(tenant))
            chunk = chunks.pop(0) if chunks else b""
            sent += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

        http = upload_request(content_type, receive)
        http.state.upload_stream = functools.partial(documents.upload_stream, backend.store, tenant)
        received = Received(seen)
        try:
            form = await http.form()
            part = form["0"]
            assert isinstance(part, SpooledUpload)
            upload = Upload(file=part.file, filename=name)
            try:
                received.stored = await store_upload(backend.store, tenant, upload, LIMIT)
            except InvalidInput as exc:
                received.refused = exc
        finally:
            await http.close()
        return received

    return anyio.run(run)


def eventually(condition: Any, timeout: float = 30.0) -> bool:
    """Poll for something a background thread does (a spool's abort on close)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_file_is_sent_while_received_and_stored_with_its_sha256(
    backend: Backend, tenant: str
) -> None:
    content = text_bytes(LARGE)

    received = receive_and_store(backend, tenant, "notes.txt", content)

    stored = received.stored
    assert stored is not None and received.refused is None
    assert stored.key.startswith(f"{tenant}/u-")
    assert stored.sha256 == hashlib.sha256(content).hexdigest() and stored.size == len(content)
    assert read_all(backend.store, stored.key, stored.sha256) == content
    if backend.streams:  # S3: the multipart upload began before the body ended
        assert received.unfinished_before_last_chunk == [stored.key]
    else:
        assert received.unfinished_before_last_chunk == []
    assert backend.unfinished(tenant) == []
    assert [info.key for info in backend.store.scan(tenant)] == [stored.key]


def test_a_refused_file_sent_while_received_leaves_nothing(backend: Backend, tenant: str) -> None:
    content = text_bytes(LARGE - 1) + b"\x00"  # text in the head, binary at the end

    received = receive_and_store(backend, tenant, "notes.txt", content)

    assert received.stored is None and received.refused is not None
    if backend.streams:
        assert len(received.unfinished_before_last_chunk) == 1  # parts went out meanwhile
    assert backend.raw_names(tenant) == []
    assert backend.unfinished(tenant) == []


def test_a_client_that_hangs_up_mid_body_leaves_nothing(backend: Backend, tenant: str) -> None:
    content = text_bytes(3 * 8 * MiB)

    with pytest.raises(ClientDisconnect):
        receive_and_store(backend, tenant, "notes.txt", content, hang_up_after=2 * 8 * MiB + 5)

    assert backend.raw_names(tenant) == []  # nothing visible, ever
    # The spool's close aborted the parts sent so far (in the background).
    assert eventually(lambda: backend.unfinished(tenant) == []), backend.unfinished(tenant)


def test_an_upload_whose_process_died_mid_body_is_left_for_the_sweep(
    backend: Backend, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nobody aborts (the process died): the upload stays unfinished and unreadable,
    and `ObjectStore.unfinished`, which the sweep discards, lists it."""
    if not backend.streams:
        pytest.skip("the local store does not stream while receiving")
    real = backend.store.stream_file

    def never_aborted(tenant_id: str, *, content_type: str) -> Any:
        return NeverAborted(real(tenant_id, content_type=content_type))

    monkeypatch.setattr(backend.store, "stream_file", never_aborted)
    content = text_bytes(3 * 8 * MiB)

    with pytest.raises(ClientDisconnect):
        receive_and_store(backend, tenant, "notes.txt", content, hang_up_after=2 * 8 * MiB + 5)

    assert backend.raw_names(tenant) == []
    [key] = backend.unfinished(tenant)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    left = [upload for upload in backend.store.unfinished(later) if upload.key == key]
    assert len(left) == 1
    backend.store.discard(left[0])
    assert backend.unfinished(tenant) == []


class NeverAborted:
    """An upload nobody aborts: the process died while it was going."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def abort(self) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
