"""A small OpenID Connect provider for the tests, served over real HTTP (tests/support/live_server.py), that holds
the portal to what GOV.UK One Login holds a service to.

It publishes a discovery document and a JWKS (an ES256 key, as One Login signs with), answers an authorisation
request by sending the browser straight back with a code (consent assumed; or, for a browser test, after a
"Continue" button on its own page, so that the way back starts on its site as a real provider's does), trades a
code for tokens only with a client assertion signed by the client's registered key (or, configured so, a client
secret) and the PKCE verifier of the challenge it was sent, once per code, and answers userinfo for the access
token it issued. Every call to it from the service must carry a User-Agent, as One Login's must. A test says who
signs in next (`account`), makes the next authorisation answer an error (`error`), or has the id_token spoiled
in one way (`spoil`), and reads back what the provider saw (`authorize_params`, `token_outcomes`, `fetches`).
"""

import base64
import hashlib
import json
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import unquote_plus, urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
VOT = "Cl.Cm"
# The service's registration with the provider: its client id, and the key pair of its client assertions (RSA,
# as GOV.UK One Login's guide makes one), whose public half the provider holds.
CLIENT_ID = "test-client-229pcVGuHP1lXX37T7Wfbr5SIgm"
CLIENT_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def client_private_pem() -> str:
    """The private key as an operator sets PORTAL_OIDC_PRIVATE_KEY."""
    return CLIENT_KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass
class Account:
    email: str
    verified: bool = True
    sub: str = field(default_factory=lambda: f"urn:fdc:gov.uk:2022:{secrets.token_urlsafe(32)}")


@dataclass
class Grant:
    account: Account
    redirect_uri: str
    nonce: str
    challenge: str | None
    expires: float
    used: bool = False


class Provider:
    """One provider, one registered client: `client_key` is the client's public key (private_key_jwt), or
    `client_secret` its secret (client_secret_basic or client_secret_post)."""

    def __init__(
        self,
        client_id: str,
        redirect_uri: str,
        *,
        client_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey | None = None,
        client_secret: str | None = None,
        consent_page: bool = False,
    ) -> None:
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        # Where a sign-out may come back to: the service's email form, as it registers it.
        self.post_logout_redirect_uri = redirect_uri.replace("/portal/sign-in/oidc/callback", "/portal")
        self.client_key = client_key
        self.client_secret = client_secret
        self.consent_page = consent_page
        self.signing_key = ec.generate_private_key(ec.SECP256R1())
        self.kid = secrets.token_hex(8)
        self.issuer = ""  # set once served: the base URL, with a trailing slash as GOV.UK One Login's has
        self.account: Account | None = None
        self.error: str | None = None
        self.spoil: str | None = None
        self.authorize_params: list[dict[str, str]] = []
        self.token_outcomes: list[str] = []
        self.logouts: list[str] = []
        self.fetches: Counter[str] = Counter()
        self._grants: dict[str, Grant] = {}
        self._pending: dict[str, dict[str, str]] = {}
        self._access: dict[str, Account] = {}
        self._jtis: set[str] = set()
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/authorize/continue", self.proceed, methods=["POST"]),
                Route("/token", self.token, methods=["POST"]),
                Route("/userinfo", self.userinfo),
                Route("/logout", self.logout),
            ]
        )

    def url(self, path: str) -> str:
        return f"{self.issuer.rstrip('/')}{path}"

    async def discovery(self, request: Request) -> Response:
        self.fetches["discovery"] += 1
        if not request.headers.get("user-agent"):
            return Response(status_code=403)
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": self.url("/authorize"),
                "token_endpoint": self.url("/token"),
                "userinfo_endpoint": self.url("/userinfo"),
                "jwks_uri": self.url("/jwks"),
                "end_session_endpoint": self.url("/logout"),
                "scopes_supported": ["openid", "email", "phone"],
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["ES256", "RS256"],
                "token_endpoint_auth_methods_supported": [
                    "private_key_jwt",
                    "client_secret_post",
                    "client_secret_basic",
                ],
            },
            headers={"Cache-Control": "max-age=86400"},
        )

    async def jwks(self, request: Request) -> Response:
        self.fetches["jwks"] += 1
        if not request.headers.get("user-agent"):
            return Response(status_code=403)
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.signing_key.public_key()))
        return JSONResponse(
            {"keys": [public | {"kid": self.kid, "use": "sig", "alg": "ES256"}]},
            headers={"Cache-Control": "max-age=86400"},
        )

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.authorize_params.append(params)
        if params.get("client_id") != self.client_id or params.get("redirect_uri") != self.redirect_uri:
            return Response("Invalid request", status_code=400)  # never sent back to an unknown address
        state = params.get("state", "")
        if self.error is not None:
            error, self.error = self.error, None
            query = {"error": error, "error_description": "<script>alert('provider')</script>", "state": state}
            return RedirectResponse(f"{self.redirect_uri}?{urlencode(query)}", status_code=302)
        if (
            params.get("response_type") != "code"
            or "openid" not in params.get("scope", "").split(" ")
            or not params.get("nonce")
            or ("code_challenge" in params and params.get("code_challenge_method") != "S256")
        ):
            query = {"error": "invalid_request", "state": state}
            return RedirectResponse(f"{self.redirect_uri}?{urlencode(query)}", status_code=302)
        if not self.consent_page:
            return self._back(params)
        ticket = secrets.token_urlsafe(16)
        self._pending[ticket] = params
        return HTMLResponse(
            '<!DOCTYPE html><html lang="en"><head><title>Test provider</title></head><body><main>'
            "<h1>Test provider</h1>"
            '<form method="post" action="/authorize/continue">'
            f'<input type="hidden" name="ticket" value="{escape(ticket)}">'
            "<button>Continue</button></form></main></body></html>"
        )

    async def proceed(self, request: Request) -> Response:
        ticket = str((await request.form()).get("ticket", ""))
        params = self._pending.pop(ticket, None)
        if params is None:
            return Response("Unknown ticket", status_code=400)
        return self._back(params)

    def _back(self, params: dict[str, str]) -> Response:
        assert self.account is not None, "the test did not say who signs in"
        code = secrets.token_urlsafe(24)
        self._grants[code] = Grant(
            self.account, params["redirect_uri"], params["nonce"], params.get("code_challenge"), time.time() + 60
        )
        query = {"code": code, "state": params.get("state", "")}
        return RedirectResponse(f"{self.redirect_uri}?{urlencode(query)}", status_code=302)

    async def token(self, request: Request) -> Response:
        if not request.headers.get("user-agent"):
            return Response(status_code=403)
        form = {key: str(value) for key, value in (await request.form()).items()}
        client_refused = self._client_refused(request, form)
        if client_refused:
            self.token_outcomes.append(client_refused)
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self._grants.get(form.get("code", ""))
        refused = (
            "unknown code"
            if grant is None
            else "code used"
            if grant.used
            else "code expired"
            if grant.expires < time.time()
            else "redirect_uri"
            if form.get("redirect_uri") != grant.redirect_uri
            else "pkce"
            if grant.challenge is not None and _challenge(form.get("code_verifier", "")) != grant.challenge
            else None
        )
        if grant is not None:
            grant.used = True  # a code is good once, whatever came of its use
        if refused or grant is None:
            self.token_outcomes.append(refused or "unknown code")
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        self.token_outcomes.append("ok")
        access = secrets.token_urlsafe(24)
        self._access[access] = grant.account
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 180,
                "id_token": self._id_token(grant),
            },
            headers={"Cache-Control": "no-store"},
        )

    def _client_refused(self, request: Request, form: dict[str, str]) -> str | None:
        """Why the client is not who it says, or None: GOV.UK One Login's checks of a client assertion."""
        if self.client_secret is not None:
            basic = request.headers.get("authorization", "")
            if basic.startswith("Basic "):
                # RFC 6749 2.3.1: each part form-encoded, then joined by a colon.
                client, _, secret = base64.b64decode(basic.removeprefix("Basic ")).decode().partition(":")
                sent = (unquote_plus(client), unquote_plus(secret))
                return None if sent == (self.client_id, self.client_secret) else "wrong secret"
            if (form.get("client_id"), form.get("client_secret")) == (self.client_id, self.client_secret):
                return None
            return "wrong secret"
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE or self.client_key is None:
            return "no client assertion"
        try:
            claims = jwt.decode(
                form.get("client_assertion", ""),
                self.client_key,
                algorithms=["RS256", "ES256"],
                audience=self.url("/token"),
                issuer=self.client_id,
                options={"require": ["iss", "sub", "aud", "exp", "jti"]},
            )
        except jwt.PyJWTError:
            return "bad client assertion"
        if claims["sub"] != self.client_id or claims["exp"] > time.time() + 600 or claims["jti"] in self._jtis:
            return "bad client assertion"
        self._jtis.add(claims["jti"])
        return None

    def _id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": grant.account.sub,
            "aud": self.client_id,
            "iss": self.issuer,
            "vot": VOT,
            "exp": now + 120,
            "iat": now,
            "nonce": grant.nonce,
            "vtm": self.url("/trustmark"),
            "sid": secrets.token_urlsafe(16),
            "auth_time": now,
        }
        spoil, self.spoil = self.spoil, None
        key: Any = self.signing_key
        if spoil == "nonce":
            claims["nonce"] = secrets.token_urlsafe(32)
        elif spoil == "aud":
            claims["aud"] = "another-client"
        elif spoil == "iss":
            claims["iss"] = "https://impostor.example/"
        elif spoil == "expired":
            claims["exp"], claims["iat"] = now - 300, now - 420
        elif spoil == "vot":
            claims["vot"] = "Cl"
        elif spoil == "signature":
            key = ec.generate_private_key(ec.SECP256R1())  # the right kid, another key
        return jwt.encode(claims, key, algorithm="ES256", headers={"kid": self.kid})

    async def userinfo(self, request: Request) -> Response:
        if not request.headers.get("user-agent"):
            return Response(status_code=403)
        account = self._access.get(request.headers.get("authorization", "").removeprefix("Bearer "))
        if account is None:
            return Response(status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return JSONResponse({"sub": account.sub, "email": account.email, "email_verified": account.verified})

    async def logout(self, request: Request) -> Response:
        """End the user's session: back to the service only with an id_token of ours as the hint and the address
        the service registered, as GOV.UK One Login's /logout; its own page otherwise."""
        hint, back = request.query_params.get("id_token_hint", ""), request.query_params.get("post_logout_redirect_uri")
        try:
            claims = jwt.decode(
                hint,
                self.signing_key.public_key(),
                algorithms=["ES256"],
                audience=self.client_id,
                options={"verify_exp": False},
            )
        except jwt.PyJWTError:
            return HTMLResponse("<!DOCTYPE html><title>Signed out</title><p>You have signed out.</p>")
        self.logouts.append(claims["sub"])
        if back != self.post_logout_redirect_uri:
            return HTMLResponse("<!DOCTYPE html><title>Signed out</title><p>You have signed out.</p>")
        return RedirectResponse(back, status_code=302)


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
