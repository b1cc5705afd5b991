"""domain/document_uploads.py: the direct upload's lifecycle and what it checks."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import document_uploads as rules
from domain.enums import DocumentUploadStatus as Status
from domain.errors import Conflict, InvalidInput


def test_an_upload_goes_from_awaiting_bytes_through_checking_to_stored() -> None:
    status = rules.transition(Status.AWAITING_BYTES, "finish")
    assert status is Status.CHECKING
    assert rules.transition(status, "store") is Status.STORED
    assert rules.transition(Status.CHECKING, "refuse") is Status.REFUSED


@pytest.mark.parametrize(
    ("current", "action"),
    [
        (Status.CHECKING, "finish"),
        (Status.STORED, "finish"),
        (Status.AWAITING_BYTES, "store"),
        (Status.STORED, "refuse"),
        (Status.REFUSED, "store"),
    ],
)
def test_a_done_or_early_step_is_a_conflict_naming_what_it_needs(
    current: Status, action: str
) -> None:
    with pytest.raises(Conflict, match=f"cannot {action} an upload that is {current.value}"):
        rules.transition(current, action)


def test_begin_keeps_a_trimmed_name_and_refuses_what_cannot_be_stored() -> None:
    assert rules.check_begin("  audit.pdf ", 10, 10) == "audit.pdf"
    for filename, size, field in (
        ("", 1, "filename"),
        ("a" * 301, 1, "filename"),
        ("a.pdf", 0, "size"),
        ("a.pdf", 11, "size"),
    ):
        with pytest.raises(InvalidInput) as refused:
            rules.check_begin(filename, size, 10)
        assert refused.value.field == field


def test_what_arrived_must_be_what_was_declared() -> None:
    assert rules.check_arrived(5, 5) is None
    assert "PUT the file there" in (rules.check_arrived(5, None) or "")
    assert (
        rules.check_arrived(5, 4) == "4 bytes arrived at the upload URL, but the upload declared 5"
    )


def test_the_url_is_open_until_it_expires() -> None:
    at = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)
    assert rules.url_open(at, at - dt.timedelta(seconds=1))
    assert not rules.url_open(at, at)
