"""Who is calling, and what they may see: bearer tokens (JWT) with a role and the LAs a user acts for.

Tokens are verified against one configured key: a shared secret (HS256, the embedded default), a PEM
public key, or an OIDC provider's published keys (JWKS). The token carries `role` (case_officer,
manager, ops, family, adviser or setting) and `la_codes`, or for the portal's parties `case_refs` (and for an
adviser or a setting the one `invitation` they answer); nothing else about the user is trusted from the request
body.

The rules, in one place so that the access test can read them back:
- case officers and managers act on cases of their own LAs and see the people on them;
- managers also reassign cases and see work queues and the SEN2 return across their LAs;
- ops see workflow state, queues and the dashboard, never personal data, and change nothing;
- a family (signed in through the portal, api/routes/portal.py) is not staff: it reaches only the portal's
  routes, and there only the cases its token names;
- an adviser or a setting (signed in through an invitation's link, api/routes/portal_requests.py) reaches only
  the one request it was sent, and only while that invitation stands.
A case of another LA answers 404, as a case that does not exist would, so references cannot be probed.
"""

import asyncio
import re
import uuid
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlsplit

import jwt
from fastapi import Depends, Path, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import SessionDep, SettingsDep, end_read
from api.problems import Problem
from core.config import Settings
from core.workflow_ids import CASE_REF_PATTERN
from intake.fields import LA_CODE, MAX_STAFF_ID, STAFF_ID
from store.models import AuditEvent, Case
from workflows.case_state import StatutoryException

LA_CODE_PATTERN = r"^[A-Z0-9]{3,9}$"
# A browser opening the dashboard page cannot send a bearer header: the same token may come in this
# HttpOnly cookie (set by the sign-in form), for reads only, so a forged cross-site POST carries nothing.
SESSION_COOKIE = "ehcp_token"
SAFE_METHODS = frozenset({"GET", "HEAD"})


class Role(StrEnum):
    CASE_OFFICER = "case_officer"
    MANAGER = "manager"
    OPS = "ops"
    FAMILY = "family"
    ADVISER = "adviser"
    SETTING = "setting"


ACTING = frozenset({Role.CASE_OFFICER, Role.MANAGER})
PERSONAL_DATA = ACTING
STAFF = frozenset({Role.CASE_OFFICER, Role.MANAGER, Role.OPS})
# The portal's outside parties: each answers one invitation (an advice request, a consultation) on one case.
INVITED = frozenset({Role.ADVISER, Role.SETTING})


@dataclass(frozen=True)
class User:
    """The caller as the token says: `sub` is an opaque staff id, or a family's pseudonym (it is written to the
    audit trail); `case_refs` are the cases a family may see, and are empty for staff; `invitation` is the one
    request an adviser or a setting answers."""

    sub: str
    role: Role
    la_codes: frozenset[str]
    case_refs: frozenset[str] = frozenset()
    invitation: str | None = None

    def sees(self, la_code: str) -> bool:
        return la_code in self.la_codes


def issue_token(
    settings: Settings,
    sub: str,
    role: Role,
    la_codes: list[str],
    lifetime: timedelta = timedelta(hours=8),
    case_refs: list[str] | None = None,
    invitation: str | None = None,
) -> str:
    """A token signed with the configured shared secret: for local use and tests (`python -m cli.tokens`), and
    for the portal's parties (with `case_refs`, and an adviser's or setting's `invitation`)."""
    if settings.auth_jwt_secret is None:
        raise RuntimeError("AUTH_JWT_SECRET is not set: only a shared-secret deployment can issue tokens here")
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": sub,
        "role": role.value,
        "la_codes": sorted(la_codes),
        "iss": settings.auth_issuer,
        "aud": settings.auth_audience,
        "iat": now,
        "exp": now + lifetime,
    }
    if case_refs is not None:
        claims[CASE_REFS_CLAIM] = sorted(case_refs)
    if invitation is not None:
        claims[INVITATION_CLAIM] = invitation
    return jwt.encode(claims, settings.auth_jwt_secret.get_secret_value(), algorithm="HS256")


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600)


async def _verification_key(settings: Settings, token: str) -> tuple[Any, list[str]]:
    if settings.auth_jwks_url:
        # PyJWKClient fetches (and caches) the provider's keys synchronously: keep it off the event loop.
        signing_key = await asyncio.to_thread(_jwks_client(settings.auth_jwks_url).get_signing_key_from_jwt, token)
        return signing_key.key, ["RS256", "ES256", "PS256"]
    if settings.auth_jwt_public_key:
        return settings.auth_jwt_public_key, ["RS256", "ES256", "PS256"]
    if settings.auth_jwt_secret:
        return settings.auth_jwt_secret.get_secret_value(), ["HS256"]
    raise Problem(503, "Sign-in not configured", "The API has no key to verify tokens with; ask the operators.")


def _unauthorised(detail: str) -> Problem:
    return Problem(401, "Not signed in", detail, "/problems/unauthorised", headers={"WWW-Authenticate": "Bearer"})


# England has 153 LAs; a user acting for more is a token made up or mis-issued, and each code costs every query.
MAX_LAS = 160
# A person's token lasts a working day (`python -m cli.tokens`: 8 hours; identity providers issue an hour or
# so); a metrics scraper's lasts a quarter (docs/temporal-ui.md). Nothing longer is a token anyone meant to
# issue: an `exp` a thousand years off would keep a leaked token working for ever.
MAX_TOKEN_LIFETIME = timedelta(days=92)
# A family's token names the cases it may see, and lasts an afternoon at most (the portal issues 2 hours): a
# parent signs in on a phone or a library computer, and a case they stop being a contact of leaves their scope
# at the next sign-in.
CASE_REFS_CLAIM = "case_refs"
MAX_FAMILY_TOKEN_LIFETIME = timedelta(hours=2)
# A parent with more children in the LA's caseload than this is a token made up, not a family.
MAX_FAMILY_CASES = 20
# An adviser's or a setting's token names the invitation it answers (store.models.PortalInvitation), on one case.
INVITATION_CLAIM = "invitation"
INVITATION_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")


async def verify(settings: Settings, token: str) -> User:
    key, algorithms = await _verification_key(settings, token)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=settings.auth_audience,
            issuer=settings.auth_issuer,
            options={"require": ["exp", "sub"]},
            leeway=30,
        )
    except jwt.ExpiredSignatureError as error:
        raise _unauthorised("The token has expired; sign in again.") from error
    except (jwt.InvalidTokenError, jwt.PyJWKClientError) as error:
        # The library's message says which check failed; it never contains the token's claims.
        raise _unauthorised(f"The token was not accepted: {error}.") from error
    expires = claims["exp"]
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        raise _unauthorised("The token's exp must be a time in seconds since 1970.")
    if expires - datetime.now(UTC).timestamp() > MAX_TOKEN_LIFETIME.total_seconds():
        raise _unauthorised(f"The token lasts longer than {MAX_TOKEN_LIFETIME.days} days; ask for one that does not.")
    sub = claims["sub"]
    if not isinstance(sub, str) or not 0 < len(sub) <= MAX_STAFF_ID or not re.fullmatch(STAFF_ID, sub):
        raise _unauthorised("The token's sub must be a staff id: letters, digits and . _ @ | : + - only.")
    role = claims.get(settings.auth_role_claim)
    # A string, or a list of strings (as some identity providers send groups); anything else names no role.
    if isinstance(role, str):
        roles = {role}
    elif isinstance(role, list) and all(isinstance(r, str) for r in role):
        roles = set(role)
    else:
        roles = set()
    known = [r for r in Role if r.value in roles]
    if len(known) != 1:
        raise Problem(
            403,
            "No role",
            "The token must carry exactly one role: case_officer, manager, ops, family, adviser or setting.",
        )
    if known[0] is Role.FAMILY or known[0] in INVITED:
        return _portal_party(claims, sub, known[0], expires)
    la_codes = claims.get(settings.auth_la_claim) or []
    if not isinstance(la_codes, list) or not all(
        isinstance(code, str) and re.fullmatch(LA_CODE, code) for code in la_codes
    ):
        raise Problem(403, "No local authority", "The token's la_codes claim must be a list of LA codes.")
    if len(la_codes) > MAX_LAS:
        raise Problem(403, "Too many local authorities", f"A token may name at most {MAX_LAS} LA codes.")
    return User(sub=sub, role=known[0], la_codes=frozenset(la_codes))


def _portal_party(claims: dict[str, Any], sub: str, role: Role, expires: float) -> User:
    """A portal party's token: no LA, the cases it may see, a short life; an adviser's or a setting's, one case and
    the invitation it answers."""
    if expires - datetime.now(UTC).timestamp() > MAX_FAMILY_TOKEN_LIFETIME.total_seconds():
        raise _unauthorised("A portal sign-in lasts at most 2 hours; sign in again.")
    if claims.get("la_codes"):
        raise Problem(403, "Not staff", "A portal sign-in names no local authority.")
    case_refs = claims.get(CASE_REFS_CLAIM) or []
    if not isinstance(case_refs, list) or not all(
        isinstance(ref, str) and CASE_REF_PATTERN.fullmatch(ref) for ref in case_refs
    ):
        raise Problem(403, "No cases", f"The token's {CASE_REFS_CLAIM} claim must be a list of case references.")
    if len(case_refs) > MAX_FAMILY_CASES:
        raise Problem(403, "Too many cases", f"A family's token may name at most {MAX_FAMILY_CASES} cases.")
    invitation = claims.get(INVITATION_CLAIM)
    if role is Role.FAMILY:
        if invitation is not None:
            raise Problem(403, "Not invited", "A family's token names no invitation.")
        return User(sub=sub, role=role, la_codes=frozenset(), case_refs=frozenset(case_refs))
    if len(case_refs) != 1 or not isinstance(invitation, str) or not INVITATION_ID.fullmatch(invitation):
        raise Problem(403, "No invitation", "An adviser's or a setting's token names one case and its invitation.")
    return User(sub=sub, role=role, la_codes=frozenset(), case_refs=frozenset(case_refs), invitation=invitation)


# Declared so the OpenAPI document carries the bearer scheme, and /docs's "Authorize" sends the token with
# "Try it out". The header is read below all the same: a browser's GET may carry the session cookie instead.
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A signed JWT with role, sub and la_codes (README, Who may do what; `python -m cli.tokens` makes one)",
)


async def authenticate(
    request: Request,
    settings: SettingsDep,
    declared: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,  # noqa: ARG001  # the schema's
) -> User:
    return await _authenticated(request, settings, posted_by_page=False)


async def authenticate_page(request: Request, settings: SettingsDep) -> User:
    """As authenticate, for pages: a form this site's own page posts may carry the session cookie too."""
    return await _authenticated(request, settings, posted_by_page=True)


async def _authenticated(request: Request, settings: Settings, *, posted_by_page: bool) -> User:
    """The bearer header's token, or the session cookie's: on a read, or on a page's form that the browser says
    was posted from this site (Origin), which another site's page cannot make it say; SameSite=Strict already
    keeps the cookie off every request another site starts."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header and (request.method in SAFE_METHODS or (posted_by_page and _from_this_site(request))):
        scheme, token = "bearer", request.cookies.get(SESSION_COOKIE, "")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorised("Send a bearer token: Authorization: Bearer <token>.")
    user = await verify(settings, token.strip())
    request.state.user = user
    return user


def _from_this_site(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin:
        return False
    sent = urlsplit(origin)
    return (sent.scheme, sent.netloc) == (request.url.scheme, request.url.netloc)


def check_role(user: User, admitted: frozenset[Role], what: str) -> None:
    """403 unless the user has one of the admitted roles; `what` ends "Only a manager may ..."."""
    if user.role not in admitted:
        names = " or ".join(sorted(r.value for r in admitted))
        article = "an" if names[0] in "aeiou" else "a"
        raise Problem(403, "Not allowed", f"Only {article} {names} may {what}.", "/problems/forbidden")


def allow(*roles: Role) -> Callable[[User], Coroutine[Any, Any, User]]:
    """A dependency admitting only these roles (403 for the others)."""
    admitted = frozenset(roles)

    async def check(user: Annotated[User, Depends(authenticate)]) -> User:
        check_role(user, admitted, "do this")
        return user

    check.roles = admitted  # type: ignore[attr-defined]  # read by the access-matrix test
    return check


# Any member of staff: a family reaches no route but the portal's (Family).
Anyone = Annotated[User, Depends(allow(*STAFF))]
Acting = Annotated[User, Depends(allow(*ACTING))]
Manager = Annotated[User, Depends(allow(Role.MANAGER))]
Family = Annotated[User, Depends(allow(Role.FAMILY))]
WithPersonalData = Annotated[User, Depends(allow(*PERSONAL_DATA))]


def check_la(user: User, la_code: str) -> None:
    if not user.sees(la_code):
        raise Problem(403, "Not your local authority", f"You do not act for LA {la_code}.", "/problems/forbidden")


def visible_las(user: User, la_code: str | None) -> list[str]:
    """The LAs a list or report covers: the one asked for (if the caller may see it), else all of theirs."""
    if la_code is not None:
        check_la(user, la_code)
        return [la_code]
    return sorted(user.la_codes)


async def case_for(session: AsyncSession, user: User, case_ref: str) -> Case:
    """The case, if it exists and the caller acts for its LA; otherwise 404 either way."""
    case = await session.get(Case, case_ref)
    if case is None or not user.sees(case.la_code):
        raise Problem(404, "No such case", f"There is no case {case_ref} in your local authorities.")
    await end_read(session)
    return case


async def case_in_scope(
    case_ref: Annotated[str, Path(pattern=CASE_REF_PATTERN.pattern)], session: SessionDep, user: Anyone
) -> Case:
    """A route dependency: the case must be the caller's before anything else, the body included, is read.

    Checking here, not in each endpoint, means a foreign case answers 404 even to a malformed action."""
    return await case_for(session, user, case_ref)


InScope = Depends(case_in_scope)


WITHHELD = "(withheld: personal data)"


def without_free_text(user: User, exceptions: list[StatutoryException]) -> list[StatutoryException]:
    """An exception's reason is an officer's own words (a hospital stay, a family crisis): special
    category data, so ops see that an exception was recorded and its dates, not why."""
    if user.role in PERSONAL_DATA:
        return exceptions
    return [e.model_copy(update={"reason": WITHHELD}) for e in exceptions]


async def audit_personal_data(session: AsyncSession, user: User, case_ref: str, what: str) -> None:
    """Every read of a case's personal data leaves a line in the audit trail (UK GDPR art. 5(2), 30)."""
    await audit_personal_data_of(session, user, [case_ref], what)


async def audit_personal_data_of(session: AsyncSession, user: User, case_refs: Iterable[str], what: str) -> None:
    """As audit_personal_data, for a list showing several cases' personal data: a line for each case, written
    together."""
    at = datetime.now(UTC)
    for case_ref in sorted(set(case_refs)):
        session.add(
            AuditEvent(
                event_key=f"read:{uuid.uuid4().hex}",
                case_ref=case_ref,
                action="personal_data_viewed",
                actor=user.sub,
                summary=what,
                at=at,
            )
        )
    await session.commit()


def keep_session(response: Response, request: Request, token: str, seconds: int) -> None:
    """Keep a signed-in browser's token in SESSION_COOKIE for `seconds`: HttpOnly (no script reads it),
    SameSite=Strict (no other site's link or form sends it), Secure over HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=seconds,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


def forget_session(response: Response, request: Request) -> None:
    """Sign a browser out: its session cookie deleted with the attributes it was kept with."""
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=request.url.scheme == "https", httponly=True, samesite="strict"
    )
