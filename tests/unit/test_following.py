"""storage.following: a file followed while another writer appends to it."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest

from storage.following import FollowedFile
from storage.objects import StagedObject


class RecordingUpload:
    """A `StreamingUpload` that records what it was offered (`fail_at`: raise once
    offered that much)."""

    key = "tenant/u-0"
    content_type = "application/pdf"

    def __init__(self, fail_at: int | None = None) -> None:
        self.offered: list[int] = []
        self.fail_at = fail_at

    def grow(self, path: Path, written: int) -> None:
        self.offered.append(written)
        if self.fail_at is not None and written >= self.fail_at:
            raise OSError("the store went away")

    def finish(self, path: Path, **details: object) -> StagedObject:
        raise AssertionError("the follower never finishes the upload itself")

    def abort(self) -> None:
        raise AssertionError("the follower never aborts the upload itself")


def append_slowly(path: Path, pieces: list[bytes], written: threading.Event) -> None:
    with path.open("ab") as out:
        for piece in pieces:
            out.write(piece)
            out.flush()
            time.sleep(0.02)
    written.set()


def test_what_is_appended_is_offered_as_it_comes_and_hashed(tmp_path: Path) -> None:
    path = tmp_path / "cleaned.pdf"
    path.touch()
    pieces = [os.urandom(100_000) for _ in range(8)]
    upload = RecordingUpload()
    done = threading.Event()

    with FollowedFile(path, upload, poll_seconds=0.005) as followed:
        writer = threading.Thread(target=append_slowly, args=(path, pieces, done))
        writer.start()
        assert done.wait(30)
        writer.join()
        sha256, size = followed.finish()

    content = b"".join(pieces)
    assert (sha256, size) == (hashlib.sha256(content).hexdigest(), len(content))
    assert upload.offered == sorted(upload.offered) and upload.offered[-1] == len(content)
    assert len(upload.offered) > 1  # offered while it grew, not once at the end


def test_a_failure_to_offer_is_raised_by_finish(tmp_path: Path) -> None:
    path = tmp_path / "cleaned.pdf"
    path.write_bytes(b"%PDF-1.7\n" * 1000)
    upload = RecordingUpload(fail_at=1)

    with FollowedFile(path, upload, poll_seconds=0.005) as followed:
        deadline = time.monotonic() + 30
        while not upload.offered and time.monotonic() < deadline:
            time.sleep(0.005)
        with pytest.raises(OSError, match="went away"):
            followed.finish()
