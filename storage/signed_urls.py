"""Signed download URLs for the local object store (S3 presigns its own).

The URL names the document, an expiry and the viewer it was handed to (user,
organisation and the roles the request acted with), and carries an HMAC over
all of them, so the download route serves it without a bearer token, like an
S3 presigned URL -- but unlike one, the route asks again, on every download,
whether that viewer may still see the document (api/downloads.py): a link stops
working once its viewer loses access, e.g. when the report is withdrawn.

The scope of a request gets the secret as a `ViewerKey`, which carries the
request's viewer; `signed_path` signs for that viewer (anonymous for a plain
secret, which only ever opens what the public may see).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from storage.private import private_file


@dataclass(frozen=True)
class Viewer:
    """Whom a URL was handed to; all empty for an anonymous caller."""

    user_id: str = ""
    organization_id: str = ""
    roles: tuple[str, ...] = ()

    @property
    def anonymous(self) -> bool:
        return not self.user_id

    def params(self) -> dict[str, str]:
        if self.anonymous:
            return {}
        return {"user": self.user_id, "org": self.organization_id, "roles": ",".join(self.roles)}

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Viewer:
        roles = tuple(role for role in params.get("roles", "").split(",") if role)
        return cls(params.get("user", ""), params.get("org", ""), roles)


ANONYMOUS = Viewer()


class ViewerKey(bytes):
    """The URL-signing secret as one request holds it: URLs signed with it are
    bound to that request's viewer."""

    viewer: Viewer

    def __new__(cls, secret: bytes, viewer: Viewer) -> ViewerKey:
        key = super().__new__(cls, secret)
        key.viewer = viewer
        return key


def load_or_create_secret(configured: str, path: Path) -> bytes:
    """The configured secret, else one created (mode 0600) under the data dir."""
    if configured:
        return configured.encode()
    if path.exists():
        return path.read_bytes().strip()
    private_file(path)
    value = secrets.token_hex(32).encode()
    path.write_bytes(value)
    return value


def signature(secret: bytes, document_id: str, expires: int, viewer: Viewer = ANONYMOUS) -> str:
    fields = (document_id, str(expires), viewer.user_id, viewer.organization_id, *viewer.roles)
    message = "\n".join(fields).encode()
    return hmac.new(bytes(secret), message, hashlib.sha256).hexdigest()


def signed_path(
    secret: bytes,
    document_id: str,
    ttl_seconds: int,
    now: float | None = None,
    viewer: Viewer | None = None,
) -> str:
    """`/documents/{id}?...` for `viewer`, else for the viewer a ViewerKey carries."""
    if viewer is None:
        viewer = secret.viewer if isinstance(secret, ViewerKey) else ANONYMOUS
    expires = int((now or time.time()) + ttl_seconds)
    query = urlencode(
        {
            "expires": expires,
            **viewer.params(),
            "signature": signature(secret, document_id, expires, viewer),
        }
    )
    return f"/documents/{document_id}?{query}"


def is_valid(
    secret: bytes,
    document_id: str,
    expires: str,
    given: str,
    viewer: Viewer = ANONYMOUS,
    now: float | None = None,
) -> bool:
    try:
        expires_at = int(expires)
    except ValueError:
        return False
    if expires_at < (now or time.time()):
        return False
    expected = signature(secret, document_id, expires_at, viewer).encode()
    return hmac.compare_digest(expected, given.encode("utf-8", "replace"))


# A direct upload's URL signs "upload:<id>": never a document id, so neither kind
# of URL opens the other.
_UPLOAD = "upload:"


def upload_path(secret: bytes, upload_id: str, expires: int) -> str:
    """`/uploads/{id}?...`: where the local store's direct upload takes its bytes
    (api/direct_uploads.py), until `expires` (a Unix time)."""
    query = urlencode(
        {"expires": expires, "signature": signature(secret, _UPLOAD + upload_id, expires)}
    )
    return f"/uploads/{upload_id}?{query}"


def upload_path_valid(secret: bytes, upload_id: str, expires: str, given: str) -> bool:
    return is_valid(bytes(secret), _UPLOAD + upload_id, expires, given)
