"""Free-text input rules shared by every mutation: trimmed, bounded, named on refusal."""

from __future__ import annotations

from domain.errors import InvalidInput

NAME_LIMIT = 300
TEXT_LIMIT = 20_000


def require_text(field: str, value: str, max_length: int = NAME_LIMIT) -> str:
    """A required text: trimmed, not empty, at most `max_length` characters."""
    cleaned = value.strip()
    if not cleaned:
        raise InvalidInput(field, "must not be empty")
    if len(cleaned) > max_length:
        raise InvalidInput(field, f"must be at most {max_length} characters")
    return cleaned


def optional_text(field: str, value: str | None, limit: int = TEXT_LIMIT) -> str | None:
    """An optional text: trimmed, None when blank, at most `limit` characters."""
    if value is None or not value.strip():
        return None
    if len(value) > limit:
        raise InvalidInput(field, f"must be at most {limit} characters")
    return value.strip()
