"""Signed download URLs for the local object store (S3 presigns its own).

The URL names the document and an expiry and carries an HMAC over both, so the
download route serves it without a bearer token, like an S3 presigned URL.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode


def load_or_create_secret(configured: str, path: Path) -> bytes:
    """The configured secret, else one created (mode 0600) under the data dir."""
    if configured:
        return configured.encode()
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    value = secrets.token_hex(32).encode()
    path.write_bytes(value)
    return value


def signature(secret: bytes, document_id: str, expires: int) -> str:
    message = f"{document_id}:{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def signed_path(secret: bytes, document_id: str, ttl_seconds: int, now: float | None = None) -> str:
    expires = int((now or time.time()) + ttl_seconds)
    query = urlencode({"expires": expires, "signature": signature(secret, document_id, expires)})
    return f"/documents/{document_id}?{query}"


def is_valid(
    secret: bytes, document_id: str, expires: str, given: str, now: float | None = None
) -> bool:
    try:
        expires_at = int(expires)
    except ValueError:
        return False
    if expires_at < (now or time.time()):
        return False
    return hmac.compare_digest(signature(secret, document_id, expires_at), given)
