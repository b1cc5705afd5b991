"""Which dependency an error says is down: the database or the object store.

The API answers such an error 503 `UNAVAILABLE` (api/unavailable.py); a
subscription's result carries the same code (schema/errors.py).
"""

from __future__ import annotations

import urllib3.exceptions
from minio.error import ServerError
from sqlalchemy import exc as sa_exc

UNAVAILABLE = "UNAVAILABLE"  # the error code
DATABASE = "database"
OBJECT_STORE = "objectStore"


def dependency_of(error: BaseException | None) -> str | None:
    """The dependency whose outage `error` (or what caused it) reports, or None."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, sa_exc.TimeoutError):  # waiting for a pooled connection
            return DATABASE
        if isinstance(error, sa_exc.DBAPIError):
            if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
                return DATABASE
            if error.connection_invalidated:
                return DATABASE
            return None
        if isinstance(error, urllib3.exceptions.HTTPError | ServerError):
            return OBJECT_STORE
        if isinstance(error, TimeoutError | ConnectionError):
            # Our deadlines on the database (storage.db) raise TimeoutError; an
            # object-store timeout arrives as urllib3's error, caught above.
            return DATABASE
        original = getattr(error, "original_error", None)  # a GraphQL error's cause
        if isinstance(original, BaseException):
            error = original
            continue
        error = error.__cause__ or error.__context__
    return None


def outage_message(dependency: str) -> str:
    return f"the {dependency} is unavailable; retry later"
