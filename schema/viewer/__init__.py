"""`me`: who the caller is, for which organisation, with which roles right now."""

from schema.viewer.queries import ViewerQueries
from schema.viewer.types import User, Viewer

__all__ = ["User", "Viewer", "ViewerQueries"]
