"""The relying party's half of a family's sign-in through an OpenID Connect provider, GOV.UK One Login in mind:
the authorisation request, then, server to server, the code traded for tokens, the id_token verified and the
verified address read from userinfo. What a family may then see is decided as for a code's sign-in, by the cases
the address is a contact on (api/routes/portal_oidc.py).

Written to GOV.UK One Login's technical documentation (docs/portal.md lists what was followed): its discovery
document and its keys cached for what their Cache-Control says (within bounds), and trusted a while longer if
the provider cannot be reached; a client assertion (private_key_jwt) signed with the service's own key; every
check on the id_token it lists; a User-Agent on every call. Nothing is fetched but from the endpoints the
configured issuer's discovery document names, never a redirect followed, every call under a timeout and every
answer read to a bounded size. Failures carry one of a few fixed reasons, never what the provider said.
"""

import asyncio
import base64
import hashlib
import hmac
import importlib.metadata
import json
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
import jwt
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from core.config import LOOPBACK, Settings
from intake.fields import EMAIL

log = structlog.get_logger(__name__)

DISCOVERY = "/.well-known/openid-configuration"
CALLBACK_PATH = "/portal/sign-in/oidc/callback"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# A discovery document, a JWKS, a token or userinfo answer is a few kilobytes: more is not the provider's answer.
MAX_ANSWER = 256 * 1024
# How long a discovery document or JWKS is used: its Cache-Control max-age (an hour without one), within bounds;
# then, if the provider cannot be reached to refresh it, the old copy for a day more, as GOV.UK One Login advises.
DEFAULT_CACHE = 3600.0
MIN_CACHE, MAX_CACHE = 60.0, 86_400.0
STALE_GRACE = 86_400.0
# An id_token signed by a key the cached JWKS does not hold sends for the JWKS again (the provider rotated its
# keys), but not more often than this.
REFETCH_GAP = 60.0
ASSERTION_LIFETIME = 300  # seconds: GOV.UK One Login recommends a client assertion expire after 5 minutes
LEEWAY = 30  # seconds of clock difference allowed on exp and iat
SIGNING = frozenset({"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
MAX_SUB = 255  # OIDC Core 2: a sub is at most 255 ASCII characters
MAX_EMAIL = 254


class SignInFailed(Exception):
    """The sign-in cannot finish: `reason` is one of unreachable, token, id_token, userinfo or unverified, for the
    log and the page; the provider's own words are not kept."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Metadata:
    """What the discovery document says the provider does, checked."""

    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    pkce: bool
    algorithms: frozenset[str]


@dataclass(frozen=True)
class Started:
    """One authorisation request: where to send the browser, and what its answer must match."""

    url: str
    state: str
    nonce: str
    verifier: str | None


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: the address it verified, and the id_token (for signing out of it)."""

    email: str
    id_token: str


@dataclass
class _Cached:
    value: Any
    fresh_until: float
    usable_until: float
    fetched_at: float


def random_token() -> str:
    """43 URL-safe characters (256 bits): a state, a nonce, a PKCE verifier."""
    return secrets.token_urlsafe(32)


def _cache_seconds(response: httpx.Response) -> float:
    found = re.search(r"max-age=(\d+)", response.headers.get("cache-control", ""))
    return min(max(float(found.group(1)) if found else DEFAULT_CACHE, MIN_CACHE), MAX_CACHE)


def _signing_key(settings: Settings) -> tuple[Any, str] | None:
    """The private key client assertions are signed with, and its algorithm; refused at start if unusable."""
    if settings.portal_oidc_client_auth != "private_key_jwt":
        return None
    if settings.portal_oidc_private_key is None:
        raise RuntimeError("PORTAL_OIDC_CLIENT_AUTH=private_key_jwt needs PORTAL_OIDC_PRIVATE_KEY (a PEM private key)")
    try:
        key = serialization.load_pem_private_key(
            settings.portal_oidc_private_key.get_secret_value().encode(), password=None
        )
    except (ValueError, TypeError) as error:
        # Only the kind of failure: the message could quote the key.
        raise RuntimeError(
            f"PORTAL_OIDC_PRIVATE_KEY is not a usable PEM private key ({type(error).__name__})"
        ) from None
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 2048:
        return key, "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key, "ES256"
    raise RuntimeError("PORTAL_OIDC_PRIVATE_KEY must be an RSA key of 2048 bits or more (RS256) or EC P-256 (ES256)")


def check(settings: Settings) -> None:
    """Refuse to start half configured: an issuer without a client id, or without the means to authenticate."""
    if settings.portal_oidc_issuer is None:
        return
    if not settings.portal_oidc_client_id:
        raise RuntimeError("PORTAL_OIDC_ISSUER is set but PORTAL_OIDC_CLIENT_ID is not")
    if settings.portal_oidc_client_auth != "private_key_jwt" and settings.portal_oidc_client_secret is None:
        raise RuntimeError(
            f"PORTAL_OIDC_CLIENT_AUTH={settings.portal_oidc_client_auth} needs PORTAL_OIDC_CLIENT_SECRET"
        )
    if settings.auth_jwt_secret is None:
        raise RuntimeError("PORTAL_OIDC_ISSUER needs AUTH_JWT_SECRET: it signs the family's session, as for a code")
    _signing_key(settings)


def redirect_uri(settings: Settings) -> str:
    return f"{settings.portal_url.rstrip('/')}{CALLBACK_PATH}"


def _user_agent(settings: Settings) -> str:
    """GOV.UK One Login refuses a call without a User-Agent: ours names the service, its version and where it is."""
    try:
        version = importlib.metadata.version("ehcp-engine")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return f"ehcp-engine/{version} ({settings.portal_url})"


def _endpoint(document: dict[str, Any], name: str, insecure_allowed: bool, required: bool = True) -> str | None:
    value = document.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > 2000:
        raise SignInFailed("unreachable")
    parts = urlsplit(value)
    if parts.scheme != "https" and not (insecure_allowed and parts.scheme == "http" and parts.hostname in LOOPBACK):
        raise SignInFailed("unreachable")
    return value


class Provider:
    """The configured provider, its discovery document and keys cached; one per app (api/main.py)."""

    def __init__(self, settings: Settings) -> None:
        check(settings)
        assert settings.portal_oidc_issuer is not None
        self.settings = settings
        self.issuer = settings.portal_oidc_issuer
        self.client_id = settings.portal_oidc_client_id
        self.signing = _signing_key(settings)
        self.headers = {"User-Agent": _user_agent(settings), "Accept": "application/json"}
        self._insecure_allowed = urlsplit(self.issuer).scheme == "http"  # a provider on this machine (core/config.py)
        self._metadata: _Cached | None = None
        self._jwks: _Cached | None = None
        self._lock = asyncio.Lock()

    def client(self) -> httpx.AsyncClient:
        """An HTTP client for one sign-in's calls: a timeout on each, no redirect followed, our User-Agent."""
        return httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, headers=self.headers)

    async def _get_json(self, client: httpx.AsyncClient, url: str, **kwargs: Any) -> tuple[Any, httpx.Response]:
        return await self._json(client, "GET", url, **kwargs)

    async def _json(
        self, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
    ) -> tuple[Any, httpx.Response]:
        """The JSON answer of a 200, read to MAX_ANSWER bytes at most; anything else is the caller's failure."""
        async with client.stream(method, url, **kwargs) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER:
                    raise ValueError("answer too long")
            if response.status_code != 200:
                raise httpx.HTTPStatusError(
                    f"status {response.status_code}", request=response.request, response=response
                )
            return json.loads(body), response

    async def _cached(
        self,
        slot: str,
        client: httpx.AsyncClient,
        fetch: Callable[[httpx.AsyncClient], Awaitable[tuple[Any, float]]],
        *,
        force: bool = False,
    ) -> Any:
        """A cached document, fetched again once stale; the stale copy if the provider cannot be reached, for
        STALE_GRACE at most."""
        async with self._lock:
            held: _Cached | None = getattr(self, slot)
            now = time.monotonic()
            if held is not None and now < held.fresh_until and not force:
                return held.value
            try:
                value, lifetime = await fetch(client)
            except (httpx.HTTPError, ValueError, SignInFailed) as error:
                log.warning("oidc provider document not fetched", document=slot.strip("_"), error=type(error).__name__)
                if held is not None and now < held.usable_until:
                    return held.value
                raise SignInFailed("unreachable") from None
            setattr(self, slot, _Cached(value, now + lifetime, now + lifetime + STALE_GRACE, now))
            return value

    async def metadata(self, client: httpx.AsyncClient) -> Metadata:
        return await self._cached("_metadata", client, self._fetch_metadata)

    async def _fetch_metadata(self, client: httpx.AsyncClient) -> tuple[Metadata, float]:
        document, response = await self._get_json(client, self.issuer.rstrip("/") + DISCOVERY)
        if not isinstance(document, dict) or document.get("issuer") != self.issuer:
            # OIDC Discovery 4.3: the document must be the configured issuer's own.
            raise SignInFailed("unreachable")
        insecure = self._insecure_allowed
        methods = document.get("code_challenge_methods_supported")
        algorithms = document.get("id_token_signing_alg_values_supported")
        metadata = Metadata(
            authorization_endpoint=str(_endpoint(document, "authorization_endpoint", insecure)),
            token_endpoint=str(_endpoint(document, "token_endpoint", insecure)),
            userinfo_endpoint=str(_endpoint(document, "userinfo_endpoint", insecure)),
            jwks_uri=str(_endpoint(document, "jwks_uri", insecure)),
            end_session_endpoint=_endpoint(document, "end_session_endpoint", insecure, required=False),
            pkce=isinstance(methods, list) and "S256" in methods,
            algorithms=frozenset(a for a in algorithms if a in SIGNING) if isinstance(algorithms, list) else SIGNING,
        )
        return metadata, _cache_seconds(response)

    async def _keys(self, client: httpx.AsyncClient, *, force: bool = False) -> dict[str, dict[str, Any]]:
        metadata = await self.metadata(client)

        async def fetch(client: httpx.AsyncClient) -> tuple[dict[str, dict[str, Any]], float]:
            document, response = await self._get_json(client, metadata.jwks_uri)
            keys = document.get("keys") if isinstance(document, dict) else None
            if not isinstance(keys, list):
                raise ValueError("no keys")
            found = {
                key["kid"]: key
                for key in keys
                if isinstance(key, dict) and isinstance(key.get("kid"), str) and key.get("use", "sig") == "sig"
            }
            return found, _cache_seconds(response)

        return await self._cached("_jwks", client, fetch, force=force)

    async def start(self) -> Started:
        """The authorisation request (GOV.UK One Login's "Make a GET request to the /authorize endpoint")."""
        async with self.client() as client:
            metadata = await self.metadata(client)
        state, nonce = random_token(), random_token()
        verifier = secrets.token_urlsafe(64) if metadata.pkce else None  # 86 characters (RFC 7636: 43 to 128)
        params = {
            "response_type": "code",
            "scope": self.settings.portal_oidc_scopes,
            "client_id": self.client_id,
            "state": state,
            "redirect_uri": redirect_uri(self.settings),
            "nonce": nonce,
        }
        if self.settings.portal_oidc_vtr:
            params["vtr"] = json.dumps([self.settings.portal_oidc_vtr])
        if self.settings.portal_oidc_ui_locales:
            params["ui_locales"] = self.settings.portal_oidc_ui_locales
        if verifier is not None:
            params["code_challenge"] = challenge(verifier)
            params["code_challenge_method"] = "S256"
        joiner = "&" if "?" in metadata.authorization_endpoint else "?"
        url = f"{metadata.authorization_endpoint}{joiner}{urlencode(params, quote_via=quote)}"
        return Started(url, state, nonce, verifier)

    async def logout_url(self, id_token: str, back_to: str) -> str | None:
        """Where to send the browser to end its session with the provider too (GOV.UK One Login's /logout, with
        the id_token as the hint and `back_to`, registered with it, as where to come back); None if the provider
        has no end_session_endpoint or cannot be reached."""
        try:
            async with self.client() as client:
                endpoint = (await self.metadata(client)).end_session_endpoint
        except SignInFailed:
            return None
        if endpoint is None:
            return None
        params = {"id_token_hint": id_token, "post_logout_redirect_uri": back_to}
        joiner = "&" if "?" in endpoint else "?"
        return f"{endpoint}{joiner}{urlencode(params, quote_via=quote)}"

    async def identity(self, code: str, nonce: str, verifier: str | None) -> Identity:
        """Trade the code for tokens, verify the id_token, read the verified address: GOV.UK One Login's "Make a
        request to the /token endpoint", "Validate your ID token" and "Make a request to the /userinfo endpoint"."""
        async with self.client() as client:
            metadata = await self.metadata(client)
            tokens = await self._tokens(client, metadata, code, verifier)
            claims = await self._verified(client, metadata, tokens["id_token"], nonce)
            email = await self._email(client, metadata, tokens["access_token"], claims["sub"])
        return Identity(email, tokens["id_token"])

    async def _tokens(
        self, client: httpx.AsyncClient, metadata: Metadata, code: str, verifier: str | None
    ) -> dict[str, str]:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri(self.settings)}
        if verifier is not None:
            form["code_verifier"] = verifier
        headers = {}
        secret = self.settings.portal_oidc_client_secret
        method = self.settings.portal_oidc_client_auth
        if method == "private_key_jwt":
            form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            form["client_assertion"] = self.assertion(metadata.token_endpoint)
        elif method == "client_secret_post" and secret is not None:
            form["client_id"] = self.client_id
            form["client_secret"] = secret.get_secret_value()
        elif secret is not None:  # client_secret_basic: each part form-encoded first (RFC 6749 2.3.1)
            pair = f"{quote(self.client_id, safe='')}:{quote(secret.get_secret_value(), safe='')}"
            headers["Authorization"] = f"Basic {base64.b64encode(pair.encode()).decode()}"
        try:
            answer, _ = await self._json(client, "POST", metadata.token_endpoint, data=form, headers=headers)
        except (httpx.HTTPError, ValueError) as error:
            status = error.response.status_code if isinstance(error, httpx.HTTPStatusError) else None
            log.warning("oidc token request refused", error=type(error).__name__, status=status)
            raise SignInFailed("token") from None
        if not (
            isinstance(answer, dict)
            and isinstance(answer.get("id_token"), str)
            and isinstance(answer.get("access_token"), str)
            and str(answer.get("token_type", "")).lower() == "bearer"
        ):
            log.warning("oidc token answer incomplete")
            raise SignInFailed("token")
        return {"id_token": answer["id_token"], "access_token": answer["access_token"]}

    def assertion(self, audience: str) -> str:
        """The client assertion (private_key_jwt): iss and sub the client id, aud the token endpoint, a jti used
        once, issued now and good for 5 minutes."""
        assert self.signing is not None
        key, algorithm = self.signing
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
        }
        headers = {"kid": self.settings.portal_oidc_key_id} if self.settings.portal_oidc_key_id else None
        return jwt.encode(claims, key, algorithm=algorithm, headers=headers)

    async def _verified(
        self, client: httpx.AsyncClient, metadata: Metadata, id_token: str, nonce: str
    ) -> dict[str, Any]:
        """The id_token's claims, once every check GOV.UK One Login lists has passed: signed by a key of the
        provider's JWKS with the algorithm that key names, iss, aud, exp, iat, nonce and (if asked for) vot."""
        try:
            header = jwt.get_unverified_header(id_token)
            algorithm, kid = header.get("alg"), header.get("kid")
            if algorithm not in metadata.algorithms or not isinstance(kid, str):
                raise jwt.InvalidAlgorithmError("algorithm or key id")
            keys = await self._keys(client)
            if kid not in keys and time.monotonic() - self._jwks_fetched_at() > REFETCH_GAP:
                keys = await self._keys(client, force=True)
            jwk = keys.get(kid)
            if jwk is None or jwk.get("alg", algorithm) != algorithm:
                raise jwt.InvalidKeyError("no such key")
            claims: dict[str, Any] = jwt.decode(
                id_token,
                jwt.PyJWK(jwk, algorithm),
                algorithms=[algorithm],
                audience=self.client_id,
                issuer=self.issuer,
                leeway=LEEWAY,
                options={"require": ["iss", "aud", "exp", "iat", "sub", "nonce"]},
            )
            audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
            if len(audiences) > 1 and claims.get("azp") != self.client_id:
                raise jwt.InvalidAudienceError("azp")  # OIDC Core 3.1.3.7: several audiences need azp to be us
            if not (isinstance(claims["nonce"], str) and hmac.compare_digest(claims["nonce"], nonce)):
                raise jwt.InvalidTokenError("nonce")
            if self.settings.portal_oidc_vtr and claims.get("vot") != self.settings.portal_oidc_vtr:
                raise jwt.InvalidTokenError("vot")
            if not isinstance(claims["sub"], str) or not 0 < len(claims["sub"]) <= MAX_SUB:
                raise jwt.InvalidTokenError("sub")
        except jwt.PyJWTError as error:
            # Which check failed, by its kind and the library's words, which never quote the token's claims.
            log.warning("oidc id_token refused", error=type(error).__name__, check=str(error)[:80])
            raise SignInFailed("id_token") from None
        return claims

    def _jwks_fetched_at(self) -> float:
        return self._jwks.fetched_at if self._jwks is not None else float("-inf")

    async def _email(self, client: httpx.AsyncClient, metadata: Metadata, access_token: str, sub: str) -> str:
        """The address userinfo says the provider verified, for the same user as the id_token (OIDC Core 5.3.2)."""
        try:
            answer, _ = await self._get_json(
                client, metadata.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"}
            )
        except (httpx.HTTPError, ValueError) as error:
            log.warning("oidc userinfo refused", error=type(error).__name__)
            raise SignInFailed("userinfo") from None
        if not isinstance(answer, dict) or answer.get("sub") != sub:
            log.warning("oidc userinfo not for the id_token's user")
            raise SignInFailed("userinfo")
        email = answer.get("email")
        if not isinstance(email, str) or len(email) > MAX_EMAIL or not re.fullmatch(EMAIL, email):
            log.info("oidc userinfo has no usable email")
            raise SignInFailed("unverified")
        if answer.get("email_verified") is not True:
            log.info("oidc userinfo email not verified")
            raise SignInFailed("unverified")
        return email


def challenge(verifier: str) -> str:
    """PKCE's S256 code challenge (RFC 7636 4.2)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
