"""Errors the domain raises; the GraphQL layer maps `code` onto the error contract.

The message is shown to the user as is, so it must say what to fix, and it
never carries data the caller may not see.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

ErrorCode = Literal[
    "BAD_USER_INPUT",
    "FORBIDDEN",
    "NOT_FOUND",
    "CONFLICT",
    "UNAUTHENTICATED",
    "PERSONAL_DATA_DETECTED",
]


class DomainError(Exception):
    """A refusal the user can act on; `field` names the input to fix, if any."""

    code: ErrorCode = "BAD_USER_INPUT"

    def __init__(
        self, message: str, *, field: str | None = None, code: ErrorCode | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(code={self.code!r}, field={self.field!r}, message={self.message!r})"


class InvalidInput(DomainError):
    """An input value is malformed; the field comes first because it is always known."""

    code: ErrorCode = "BAD_USER_INPUT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


class Forbidden(DomainError):
    code: ErrorCode = "FORBIDDEN"


class NotFound(DomainError):
    code: ErrorCode = "NOT_FOUND"


class Conflict(DomainError):
    code: ErrorCode = "CONFLICT"


class Unauthenticated(DomainError):
    code: ErrorCode = "UNAUTHENTICATED"

    def __init__(self, message: str = "sign in: send 'Authorization: Bearer <token>'") -> None:
        super().__init__(message)


class PersonalDataDetected(DomainError):
    """Text or a document that would leave the report's parties holds personal data;
    `found`, when known, counts it by kind (`domain.personal_data.PersonalDataKind`),
    never holding the data itself."""

    code: ErrorCode = "PERSONAL_DATA_DETECTED"

    def __init__(
        self, message: str, *, field: str | None = None, found: Mapping[str, int] | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.found = dict(found or {})
