"""Reading a posted form with the body capped while it is read: a form larger than
the API would accept is refused before it is spooled (413)."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.types import Message, Receive

from domain.limits import MAX_SITES_PER_SELF_REPORT, MAX_SUB_SUPPLIERS_PER_SELF_REPORT
from settings import Settings

MAX_FIELDS = 100 + 4 * MAX_SITES_PER_SELF_REPORT + 5 * MAX_SUB_SUPPLIERS_PER_SELF_REPORT
"""The largest form is a self-report: its answers, and every site and sub-supplier
the API takes (4 and 5 inputs each); the body is capped by size as well."""


class FormTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the form is larger than {limit} bytes")
        self.limit = limit


def limit_for(settings: Settings, content_type: str | None) -> int:
    multipart = (content_type or "").lower().startswith("multipart/")
    return settings.max_request_bytes + (settings.max_upload_bytes if multipart else 0)


def capped(receive: Receive, limit: int) -> Receive:
    received = 0

    async def wrapped() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise FormTooLarge(limit)
        return message

    return wrapped


async def read_form(request: Request, settings: Settings) -> tuple[Request, FormData]:
    """The request re-wrapped with a capped body, and its form."""
    limit = limit_for(settings, request.headers.get("content-type"))
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise FormTooLarge(limit)
    capped_request = Request(request.scope, capped(request.receive, limit))
    form = await capped_request.form(max_files=1, max_fields=MAX_FIELDS)
    return capped_request, form


def text(form: FormData, name: str) -> str:
    """A text field, stripped; "" when absent or a file."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional(form: FormData, name: str) -> str | None:
    return text(form, name) or None
