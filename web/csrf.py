"""CSRF tokens: every form carries one, derived from the cookie that identifies the
browser (the session cookie once signed in, else an anonymous cookie) under the
server's secret. A POST whose token does not match its cookie is refused."""

from __future__ import annotations

import hashlib
import hmac

FIELD = "csrf_token"
HEADER = "x-csrf-token"


def token_for(secret: bytes, binding: str) -> str:
    key = hashlib.sha256(b"kjede-web-csrf\x00" + secret).digest()
    return hmac.new(key, binding.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


def valid(secret: bytes, binding: str | None, presented: str | None) -> bool:
    if not binding or not presented:
        return False
    return hmac.compare_digest(token_for(secret, binding), presented)
