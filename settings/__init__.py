"""The one settings object: every knob is a `KJEDE_` environment variable."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    DEV = "dev"
    PROD = "prod"


class Settings(BaseSettings):
    """Defaults give the embedded mode: SQLite + a local object directory, no servers."""

    model_config = SettingsConfigDict(env_prefix="KJEDE_", env_file=None, extra="ignore")

    environment: Environment = Environment.DEV
    data_dir: Path = Path(".kjede")

    # Database: empty means an SQLite file under data_dir.
    database_url: str = ""
    # Database timeouts: opening a connection (and the liveness ping on checkout),
    # one statement (PostgreSQL `statement_timeout`, and the client's own deadline
    # on each call, a little longer), waiting for a pooled connection; the pool's
    # size and overflow (PostgreSQL); SQLite's wait on a locked database.
    db_connect_timeout_seconds: float = 3.0
    db_statement_timeout_seconds: float = 30.0
    db_pool_timeout_seconds: float = 3.0
    db_pool_size: int = 10
    db_max_overflow: int = 10
    sqlite_busy_timeout_ms: int = 5000

    # Object store: empty means a local directory under data_dir; otherwise an
    # S3 endpoint such as "http://127.0.0.1:9000" (MinIO, SeaweedFS, any S3).
    object_store_url: str = ""
    object_store_access_key: str = ""
    object_store_secret_key: str = ""
    object_store_bucket: str = "kjede"
    object_store_region: str = "us-east-1"
    # Where clients reach the S3 endpoint, when not at object_store_url (e.g.
    # "http://localhost:9000" for the compose stack's "http://minio:9000"): download
    # and direct-upload URLs are presigned for this host.
    object_store_public_url: str = ""
    # S3 timeouts: connect, read (between bytes), and retries of a failed call
    # (connection errors and 5xx), with exponential backoff from this factor.
    object_store_connect_timeout_seconds: float = 3.0
    object_store_read_timeout_seconds: float = 15.0
    object_store_retries: int = 2
    object_store_retry_backoff_seconds: float = 0.2

    # While a dependency is down: /readyz's deadline per check, and the
    # Retry-After of a 503 UNAVAILABLE answer.
    readyz_timeout_seconds: float = 2.0
    unavailable_retry_after_seconds: int = 5

    # Tokens: OIDC issuer + JWKS in prod; a local signing key (created on first
    # use under data_dir) in dev.
    token_issuer: str = "kjede-dev"
    token_audience: str = "kjede"
    token_jwks_url: str = ""
    dev_signing_key_path: Path | None = None
    token_ttl_seconds: int = 8 * 3600
    # Tokens whose exp - iat exceeds this are refused, whoever issued them.
    max_token_lifetime_seconds: int = 24 * 3600

    # GraphQL hardening.
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_page_size: int = 200
    # Most an operation may cost before it runs (schema/cost.py: roughly the
    # objects its response could hold, lists counted at their page or maximum).
    max_query_cost: int = 30_000
    # The supply-chain graph is refreshed in the background this often (0: only
    # when first asked, and by an explicit refresh); requests use the last graph built.
    graph_refresh_seconds: float = 30.0
    # How often a replica's checker looks for finished direct uploads nobody holds
    # (services/document_uploads.py); 0 turns the look-out off (the process's own still run).
    upload_check_poll_seconds: float = 30.0
    # A subscription (selfReportVersions) asks the database for what arrived this
    # often, each time in a unit of work of its own; nothing is held in between.
    subscription_poll_seconds: float = Field(default=2.0, gt=0)
    # Most representations one `_entities` call resolves (a full page of references).
    max_entities: int = 200
    # Longest list any argument or input field takes (facilityIds, representations, ...).
    max_list_length: int = 1000
    # Largest request body read (JSON); a multipart upload may add max_upload_bytes.
    max_request_bytes: int = 1024 * 1024
    # Run the report list and report-by-id queries through compiled plans
    # (schema/compiled.py); off: graphql-core's generic executor for everything.
    compiled_queries: bool = True
    # Run a JSON query whose document has already run clean without strawberry's
    # per-request view and extension machinery (api/prepared.py); off: every
    # request goes through strawberry's view.
    prepared_queries: bool = True
    # Answers to queries kept per process and served again while the data version
    # (migration 0010), the viewer, its policy and the day are the same
    # (api/response_cache.py); 0 entries turns the cache off. The age limit is a
    # backstop, not what keeps answers current.
    response_cache_entries: int = Field(default=2048, ge=0)
    response_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    response_cache_max_age_seconds: float = Field(default=300.0, ge=0.0)

    # Documents.
    max_upload_bytes: int = 50 * 1024 * 1024
    # S3 presigned URLs cannot be revoked: keep this short.
    download_url_ttl_seconds: int = 300

    # A mutation retried with the same `Idempotency-Key` within this time gets the
    # first response back; after it, the key may be used afresh.
    idempotency_key_ttl_seconds: int = 24 * 3600

    # Secret for signed local download URLs (created under data_dir when empty).
    url_signing_secret: str = Field(default="", repr=False)

    # Key of the audit log's MAC chain: this value, else the file at
    # audit_key_path (default data_dir/audit-key, created 0600 on first use).
    # Keep it where the database's writers cannot read it.
    audit_key: str = Field(default="", repr=False)
    audit_key_path: Path | None = None

    # `kjede objects sweep` keeps unreferenced objects younger than this, so an
    # upload whose row is not committed yet is never taken for an orphan.
    object_sweep_grace_seconds: int = 24 * 3600
    # Directory of pg_dump / pg_restore for `kjede backup` / `restore` on PostgreSQL
    # (empty: found on PATH); they must be at least the server's major version.
    postgres_bin_dir: Path | None = None

    # Facility deduplication (domain/facilities.py): a site matches another in its
    # country when both its name and its address score at least this (rapidfuzz, 0-100).
    facility_match_threshold: float = Field(default=88.0, ge=50.0, le=100.0)

    # Shared secrets: `_service { sdl }` answers only a request carrying
    # X-Kjede-Gateway-Secret, /metrics only `Authorization: Bearer <metrics secret>`.
    # Unset, both are open in dev and closed in prod.
    gateway_secret: str = Field(default="", repr=False)
    metrics_secret: str = Field(default="", repr=False)

    @property
    def is_dev(self) -> bool:
        return self.environment is Environment.DEV

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kjede.sqlite3').resolve()}"

    @property
    def resolved_signing_key_path(self) -> Path:
        return self.dev_signing_key_path or self.data_dir / "dev-signing-key.pem"

    @property
    def url_signing_secret_path(self) -> Path:
        return self.data_dir / "url-signing-secret"

    @property
    def resolved_audit_key_path(self) -> Path:
        return self.audit_key_path or self.data_dir / "audit-key"

    @property
    def object_dir(self) -> Path:
        return self.data_dir / "objects"
