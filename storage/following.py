"""Send a file to the object store while another process writes it.

The checking worker writes a cleaned PDF to a named file, front to back, in a
separate process. Sending that file only once the worker is done puts the whole
send after the whole clean; `FollowedFile` sends it while it grows instead: a
thread looks at the file every `POLL_SECONDS`, hashes the bytes added since and
offers them to a `StreamingUpload`, which sends each whole part as soon as the
file holds it. When the writer is done, `finish` takes in the rest and gives the
file's sha256 and size; the caller then finishes (or aborts) the upload.

Only bytes that will not change may be sent: the caller must know that the
writer never wrote over bytes it had written before (the worker tells,
`services.content.worker.Checked.in_order`), else abort the upload and send the
finished file afresh.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import BinaryIO

from storage.objects import CHUNK_SIZE, StreamingUpload

__all__ = ["POLL_SECONDS", "FollowedFile"]

POLL_SECONDS = 0.01


class FollowedFile:
    """Follows `path` (it must exist) as another process appends to it; see above."""

    def __init__(
        self, path: Path, upload: StreamingUpload, *, poll_seconds: float = POLL_SECONDS
    ) -> None:
        self.path = path
        self.upload = upload
        self._poll = poll_seconds
        self._digest = hashlib.sha256()
        self._size = 0
        self._failure: BaseException | None = None
        self._stop = threading.Event()
        self._file: BinaryIO = path.open("rb")
        self._thread = threading.Thread(target=self._follow, name="kjede-follow", daemon=True)
        self._thread.start()

    def _follow(self) -> None:
        try:
            while not self._stop.wait(self._poll):
                self._take_in()
        except BaseException as exc:  # reported by finish()
            self._failure = exc

    def _take_in(self) -> None:
        """Hash what was added since the last look and offer it to the upload."""
        added = 0
        while chunk := self._file.read(CHUNK_SIZE):
            self._digest.update(chunk)
            added += len(chunk)
        if added:
            self._size += added
            self.upload.grow(self.path, self._size)

    def finish(self) -> tuple[str, int]:
        """Once the writer is done: everything taken in; the file's (sha256, size)."""
        self._halt()
        if self._failure is not None:
            raise self._failure
        self._take_in()
        return self._digest.hexdigest(), self._size

    def _halt(self) -> None:
        self._stop.set()
        self._thread.join()

    def close(self) -> None:
        """Stop following (the upload is the caller's to finish or abort)."""
        self._halt()
        self._file.close()

    def __enter__(self) -> FollowedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
