"""Web UI settings (`KJEDE_WEB_*`), beside the API's own `settings.Settings`."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class WebConfig(BaseSettings):
    """Sign-in and sessions. In prod, set the OIDC provider (ID-porten, Entra ID, ...):
    issuer, client id and secret; its discovery document gives the endpoints."""

    model_config = SettingsConfigDict(env_prefix="KJEDE_WEB_", extra="ignore")

    session_ttl_seconds: int = 8 * 3600
    """A session ends this long after sign-in, whatever happens in between."""
    oidc_issuer: str = ""
    """e.g. https://idporten.no; `<issuer>/.well-known/openid-configuration` is read."""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid email profile"
    oidc_redirect_url: str = ""
    """The callback the provider knows, e.g. https://kjede.example/auth/oidc/callback;
    empty: this server's own `/auth/oidc/callback`."""

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)
