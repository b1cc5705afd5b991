"""Direct uploads: a document's bytes sent straight to the object store, checked
after the answer (services/document_uploads.py)."""

from schema.document_uploads.mutations import DocumentUploadMutations
from schema.document_uploads.queries import DocumentUploadQueries
from schema.document_uploads.types import DocumentUpload

__all__ = ["DocumentUpload", "DocumentUploadMutations", "DocumentUploadQueries"]
