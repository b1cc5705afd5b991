"""Where the server keeps an uploaded file while its request runs.

`UploadSpool` is written once, front to back, by the multipart parser, and hashed
as it is written: when the request reaches the object store the file's sha256
and size are known without reading it again, and the file has a name the
checking worker (a separate process) opens directly, so it is never copied.
Small files stay in memory (a request may carry many file parts, and a named
file each would cost a descriptor each); past `ROLLOVER` bytes the spool is a
named temporary file (mode 0600, removed on close). A file whose first batch
shows that nobody will ask for its hash (`hash_if`: a PDF is stored cleaned,
under the cleaned copy's hash) is not hashed on the way; `sha256()` then reads
it once, should it be asked after all.

A spool may also send itself to the object store while it is written
(`stream_if`: a file stored as sent, on a store that streams): every batch
written and flushed is offered to a `StreamingUpload`, which sends each whole
part from the file. Whoever stores the file takes the upload over
(`take_stream`); a spool closed with its upload not taken aborts it, in the
background (the parser closes spools on the event loop when a client hangs up).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

from storage.objects import StreamingUpload

__all__ = ["FLUSH_BYTES", "ROLLOVER", "UploadSpool"]

ROLLOVER = 1024 * 1024
FLUSH_BYTES = 1024 * 1024


class UploadSpool:
    """A write-once, readable file that knows its sha256 and size.

    `buffer` only appends to memory (cheap enough for the event loop) and says when
    enough is pending; `take_pending` detaches those bytes and `write_batch`, in a
    worker thread, hashes them (hashlib releases the GIL) and writes them out, while
    the parser goes on buffering. Batches must be written in the order taken. Every
    read or seek flushes what is pending first.
    """

    # Read by starlette's UploadFile: not in memory, so its reads, seeks and close
    # go through its thread pool.
    _rolled = True

    def __init__(
        self,
        *,
        rollover: int = ROLLOVER,
        prefix: str = "kjede-upload-",
        hash_if: Callable[[bytes], bool] | None = None,
        stream_if: Callable[[bytes], StreamingUpload | None] | None = None,
    ) -> None:
        self._rollover = rollover
        self._prefix = prefix
        self._hash_if = hash_if
        self._hashing = True
        self._stream_if = stream_if
        self._stream: StreamingUpload | None = None
        self._digest = hashlib.sha256()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._memory: io.BytesIO | None = io.BytesIO()
        self._named: IO[bytes] | None = None
        self._written = 0
        self._lock = threading.Lock()  # a batch's thread against close() on an error
        self.size = 0

    # --- writing (the parser) ---------------------------------------------------

    def buffer(self, data: bytes) -> bool:
        """Append `data` (kept as it is, not copied); True when enough is pending
        for `flush_pending`."""
        self._pending.append(data)
        self._pending_size += len(data)
        self.size += len(data)
        return self._pending_size >= FLUSH_BYTES

    def write(self, data: bytes) -> int:
        self.buffer(data)
        self.flush_pending()
        return len(data)

    def take_pending(self) -> list[bytes]:
        batch, self._pending, self._pending_size = self._pending, [], 0
        return batch

    def write_batch(self, batch: list[bytes]) -> None:
        """Hash and write `batch` after everything written before; nothing once closed."""
        with self._lock:
            size = sum(map(len, batch))
            if self.closed or not size:
                return
            if self._written == 0:
                head = b"".join(batch)
                if self._hash_if is not None:
                    self._hashing = self._hash_if(head)
                if self._stream_if is not None:
                    self._stream = self._stream_if(head)
            if self._hashing:
                for data in batch:
                    self._digest.update(data)
            if self._named is None and self._written + size > self._rollover:
                self._roll()
            file = self._file
            file.seek(self._written)
            file.writelines(batch)
            self._written += size
            if self._stream is not None and self._named is not None:
                file.flush()  # the parts are read from the file by name
                self._stream.grow(Path(self._named.name), self._written)

    def flush_pending(self) -> None:
        if self._pending:
            self.write_batch(self.take_pending())

    def _roll(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on a closed upload spool")
        named = tempfile.NamedTemporaryFile(prefix=self._prefix)  # noqa: SIM115 - closed in close()
        if self._memory is not None:
            named.write(self._memory.getbuffer())
            self._memory.close()
            self._memory = None
        self._named = named

    @property
    def _file(self) -> IO[bytes]:
        if self._named is not None:
            return self._named
        if self._memory is None:
            raise ValueError("I/O operation on a closed upload spool")
        return self._memory

    # --- what the store needs ---------------------------------------------------

    def sha256(self) -> str:
        """The sha256 of everything written so far (hex)."""
        self.flush_pending()
        if not self._hashing:
            with self._lock:
                file = self._file
                file.seek(0)
                while chunk := file.read(FLUSH_BYTES):
                    self._digest.update(chunk)
                self._hashing = True
        return self._digest.hexdigest()

    def take_stream(self) -> StreamingUpload | None:
        """The upload sending this spool while it was written, now the caller's to
        `finish` or `abort` (None when there is none); everything is written first."""
        self.flush_pending()
        with self._lock:
            stream, self._stream = self._stream, None
        return stream

    def path(self) -> Path:
        """The spool as a named file on disk, complete (a small one is written out now)."""
        self.flush_pending()
        if self._named is None:
            self._roll()
        assert self._named is not None
        self._named.flush()
        return Path(self._named.name)

    # --- reading (BinaryIO enough for the services) -----------------------------

    def read(self, size: int = -1) -> bytes:
        self.flush_pending()
        return self._file.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.flush_pending()
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        self.flush_pending()
        return self._file.tell()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def flush(self) -> None:
        self.flush_pending()
        self._file.flush()

    @property
    def closed(self) -> bool:
        return self._named is None and self._memory is None

    def close(self) -> None:
        with self._lock:
            self._pending, self._pending_size = [], 0
            stream, self._stream = self._stream, None
            if stream is not None:  # nobody took it: the request ended without storing
                threading.Thread(
                    target=stream.abort, name="kjede-upload-abort", daemon=True
                ).start()
            if self._memory is not None:
                self._memory.close()
                self._memory = None
            if self._named is not None:
                self._named.close()  # removes the file
                self._named = None

    def __enter__(self) -> UploadSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
