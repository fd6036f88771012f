"""Runtime configuration shared by the API, the worker and the command-line tools.

Everything comes from environment variables (or a `.env` file) so that the same code runs on one laptop
with the embedded defaults and in a cluster with PostgreSQL and a real Temporal service.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Secrets for one machine, made by `python -m cli.init_local` (which `make run` calls); git-ignored.
LOCAL_ENV = PROJECT_ROOT / "data" / "local.env"
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


class Settings(BaseSettings):
    # Later files win: a hand-written .env overrides the secrets `make run` generated into data/local.env,
    # and the environment overrides both.
    model_config = SettingsConfigDict(env_file=(LOCAL_ENV, ".env"), env_ignore_empty=True, extra="ignore")

    # The embedded default is a SQLite file beside the Temporal one; set DATABASE_URL to
    # postgresql://user:pass@host/db (or postgresql+asyncpg://…) for anything shared.
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'data' / 'ehcp.db'}"
    database_pool_size: int = Field(default=10, ge=1)

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "send-cases"
    temporal_api_key: str | None = None
    temporal_tls: bool = False
    # host:port where the worker serves the Temporal SDK's Prometheus metrics (`/metrics`), e.g.
    # 0.0.0.0:9464 in a pod; empty (the default) serves none.
    worker_metrics_address: str = Field(default="", pattern=r"^$|^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$")
    # Open workflows the worker keeps in memory. A case not in the cache replays its whole history for every
    # read and action, so size it to the open cases one worker holds (72 to 115 KB each, measured: docs/benchmarks.md).
    worker_max_cached_workflows: int = Field(default=10_000, ge=0)
    # Concurrent polls for workflow tasks: every read of a case (a query) is one, so five (the SDK's
    # default) queue reads behind each other under load (measured on 2 cores: 41-62 queries/s with 5, 3x with 20).
    worker_workflow_task_pollers: int = Field(default=20, ge=2)
    # How long a case's workflow task waits for the worker that has the case cached before any worker may take
    # it. A worker that stops polling is passed over within 10 s whatever this says (the server checks for its
    # poller); this bounds the wait of the tasks already queued for it when it died. At midnight a worker's queue
    # is minutes deep and with the SDK's 10 s nearly every firing's task timed out, yet raising it above the drain
    # gained nothing: the same worker took the task from the shared queue, the case still cached
    # (docs/benchmarks.md, "Midnight").
    worker_sticky_queue_timeout_seconds: float = Field(default=10, gt=0, le=3600)

    # Bearer tokens: one of a shared secret (HS256; `make run` makes one in data/local.env), a PEM public
    # key, or an OIDC provider's JWKS address. Role and LA codes are read from the named claims.
    auth_jwt_secret: SecretStr | None = None
    auth_jwt_public_key: str | None = None
    auth_jwks_url: str | None = None
    auth_issuer: str = "ehcp-engine"
    auth_audience: str = "ehcp-api"
    auth_role_claim: str = "role"
    auth_la_claim: str = "la_codes"

    # Workflow payloads are encrypted (core/payload_codec.py, docs/payload-encryption.md): "kid:base64key,…" with
    # 32-byte keys; the first encrypts, all decrypt. With encryption on, the worker and API refuse to start
    # without keys; off, new payloads go in clear and any listed keys still decrypt the old ones.
    payload_keys: SecretStr | None = None
    payload_encryption: Literal["on", "off"] = "on"
    # Browser origins of the Temporal UI allowed to call the API's codec endpoint (comma-separated).
    codec_cors_origins: str = "http://127.0.0.1:8233,http://localhost:8233"
    # GOV.UK Frontend's compiled CSS, fonts and images, which the families' portal pages are styled with
    # (api/pages/govuk_assets.py): npm's copy of the package (package.json; `make` runs `npm ci`), or where the
    # image puts it (deploy/Dockerfile).
    govuk_frontend_dir: Path = PROJECT_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
    # `make run` only (deploy/run-local.sh sets it): the local Temporal UI has no sign-in, so its codec calls from
    # this machine carry no token; with this on, such a call acts as a manager of every English LA (the local
    # stack's one user). Never on where the API can be reached from another machine: there the UI signs in and
    # passes its user's token (docs/temporal-ui.md).
    codec_trust_loopback: bool = False
    # Where the families' portal is reached from outside, for the links invitations to advisers and settings carry
    # (api/routes/portal_invitations.py): the local stack's by default.
    portal_url: str = Field(
        default="http://127.0.0.1:8000", pattern=r"^https?://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~/-]*)?$"
    )

    # Families may also sign in through an OpenID Connect provider, GOV.UK One Login in mind (api/portal_oidc.py,
    # docs/portal.md "Signing in with GOV.UK One Login"): off while no issuer is set. The issuer is the provider's
    # Issuer Identifier, its discovery document at {issuer}/.well-known/openid-configuration; https, but for a
    # provider on this machine. The redirect URI to register with it is {PORTAL_URL}/portal/sign-in/oidc/callback.
    portal_oidc_issuer: str | None = Field(default=None, max_length=200, pattern=r"^https?://[^\s?#]+$")
    portal_oidc_client_id: str = Field(default="", max_length=200)
    # GOV.UK One Login takes private_key_jwt: a client assertion signed with this private key (PEM, RSA for RS256
    # or EC P-256 for ES256), whose public key the provider holds; `portal_oidc_key_id` names it (the JWT's kid)
    # when the provider reads the client's keys from a JWKS. Other providers: a client secret, sent as HTTP Basic
    # (client_secret_basic) or in the form (client_secret_post).
    portal_oidc_client_auth: Literal["private_key_jwt", "client_secret_basic", "client_secret_post"] = "private_key_jwt"
    portal_oidc_private_key: SecretStr | None = None
    portal_oidc_key_id: str = Field(default="", max_length=200)
    portal_oidc_client_secret: SecretStr | None = None
    # Space-separated, `openid` among them; `email` is what finds the family's cases.
    portal_oidc_scopes: str = Field(default="openid email", max_length=200, pattern=r"^[\x21-\x7e]+( [\x21-\x7e]+)*$")
    # GOV.UK One Login's Vector of Trust (`vtr`), e.g. Cl.Cm (two factors, its default); when set, it is asked for
    # and the id_token's `vot` must be it. Empty for a provider that knows no vectors of trust.
    portal_oidc_vtr: str = Field(default="", max_length=20, pattern=r"^$|^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$")
    # The provider's pages in this language (`ui_locales`: GOV.UK One Login takes en or cy); empty sends none.
    portal_oidc_ui_locales: str = Field(default="", max_length=20, pattern=r"^$|^[a-z]{2}(-[A-Z]{2})?$")
    # What families read: the provider's name in messages and the audit trail, and the sign-in button's words.
    portal_oidc_name: str = Field(default="GOV.UK One Login", min_length=1, max_length=60)
    portal_oidc_label: str = Field(default="Sign in with GOV.UK One Login", min_length=1, max_length=60)

    log_level: str = "INFO"
    log_format: str = Field(default="json", pattern="^(json|console)$")

    # How many working days before a statutory deadline the case officer is reminded.
    reminder_working_days: int = Field(default=5, ge=0, le=30)
    # How often the providers of a plan's section F are asked what they delivered (docs/provision.md): each half term
    # (the default), each term, or each month. A plan keeps the rhythm it started with.
    provision_rhythm: Literal["half_term", "term", "month"] = "half_term"
    # GOV.UK Notify: when a key is set, notifications are sent through Notify; otherwise they stay in
    # the outbox table for the LA's own mail room.
    notify_api_key: str | None = None
    notify_email_template_id: str = ""

    @field_validator("portal_oidc_issuer")
    @classmethod
    def issuer_over_https(cls, issuer: str | None) -> str | None:
        """Codes, tokens and the family's address travel to and from the issuer: in clear only on this machine."""
        if issuer is not None and urlsplit(issuer).scheme != "https" and urlsplit(issuer).hostname not in LOOPBACK:
            raise ValueError("the OIDC issuer must be https:// (http:// only for a provider on this machine)")
        return issuer

    @field_validator("portal_oidc_scopes")
    @classmethod
    def openid_scope(cls, scopes: str) -> str:
        if "openid" not in scopes.split(" "):
            raise ValueError("the OIDC scopes must include openid")
        return scopes

    @field_validator("database_url")
    @classmethod
    def use_async_driver(cls, url: str) -> str:
        """Accept the URLs operators already have (postgresql://, sqlite://) and pick the async driver."""
        for plain, driver in (
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return driver + url.removeprefix(plain)
        return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
