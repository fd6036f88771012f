"""One-time codes the portal's parties sign in with: a family asks for one by email address, an adviser or a
setting by the link of the invitation they were sent; either way the code goes to the address the LA holds,
and is checked once.

Who a family is, is who the LA registered as a case's contact (parent or young person): a code goes only to
an address that is on a case, and signs its owner in to exactly the cases it is on. An adviser or a setting
is whoever an invitation (store.models.PortalInvitation) was sent to: its code signs them in to that one
request, on that one case. The code is kept as a
keyed hash with a salt of its own and the address as a keyed digest (PortalSignInCode), so neither is in the
database in clear; the key is the API's token secret, which the database does not hold.

A code is bound to its purpose (the family's sign-in, or one invitation) and to the browser or client that asked
for it: the API gives that client a random nonce in a cookie (api/routes/portal.py), and the code's row keeps a
keyed hash of the nonce and the purpose. Only the newest code of that address, nonce and purpose counts, so
someone else who knows the address, asking for codes or guessing from their own browser, meets codes of their own
and never touches the owner's. A code lasts CODE_LIFETIME, is good once, dies after MAX_WRONG_ATTEMPTS wrong
guesses, and a newer code for the same browser and purpose replaces it; an address may ask for at most
MAX_CODES_PER_WINDOW codes for one purpose, and MAX_CODES_PER_ADDRESS for all together, in RATE_WINDOW. Every
code issued or refused and every sign-in or failed attempt leaves a line in the audit trail of each of the
party's cases, without the code or the nonce.
"""

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import structlog
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.notifications import Notifier, NotifyGateway
from core.config import Settings
from intake.portal_audit import portal_event
from store.db import SessionMaker
from store.models import Contact, Notification, PortalInvitation, PortalSignInCode
from workflows.activity_contracts import NotificationRequest, Recipient

log = structlog.get_logger(__name__)

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_ATTEMPTS = 5
MAX_CODES_PER_WINDOW = 3  # per address and purpose
# Per address, all purposes together: enough for an adviser invited to several requests to open each.
MAX_CODES_PER_ADDRESS = 10
RATE_WINDOW = timedelta(minutes=15)
FAMILY = "family"  # a family's codes' purpose; an adviser's or a setting's is the invitation's id
# The contacts who are the family: the registration form takes no other role (api/schemas.py ContactIn).
FAMILY_ROLES = (Recipient.PARENT.value, Recipient.YOUNG_PERSON.value)
TEMPLATE = "portal_sign_in_code"


@dataclass(frozen=True)
class Party:
    """Whoever an address belongs to, as the portal knows them: a pseudonym for the audit trail, the cases the
    sign-in reaches (for a family, those the address is a contact on: empty if none), and the role the letters go
    to it as (parent, young_person, adviser or setting) with, for an adviser or a setting, the invitation."""

    actor: str
    case_refs: tuple[str, ...]
    role: str
    invitation: str | None = None

    @property
    def purpose(self) -> str:
        """What the party's codes sign in to: its invitation, or the family's cases."""
        return self.invitation or FAMILY


def notifier_for(sessions: SessionMaker, settings: Settings) -> Notifier:
    """The worker's notifier (worker.py): GOV.UK Notify when a key is set, else the outbox alone."""
    gateway = (
        NotifyGateway(settings.notify_api_key, settings.notify_email_template_id) if settings.notify_api_key else None
    )
    return Notifier(sessions, gateway)


def utc(moment: datetime) -> datetime:
    """A stored time as UTC: PostgreSQL gives it back with its zone, SQLite (`make run`'s database) without."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _keyed(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def email_digest(key: bytes, email: str) -> str:
    """The same for an address however it is capitalised: mail systems do not tell the cases apart."""
    return _keyed(key, "portal-email", email.strip().lower())


def binding(key: bytes, nonce: str, purpose: str) -> str:
    """What ties a code to the browser that asked for it (its nonce) and to what it signs in to."""
    return _keyed(key, "portal-pending", nonce, purpose)


async def family_of(session: AsyncSession, key: bytes, email: str) -> Party:
    address = email.strip().lower()
    contacts = (
        await session.exec(
            select(Contact)
            .where(func.lower(Contact.email) == address, col(Contact.role).in_(FAMILY_ROLES))
            .order_by(col(Contact.case_ref))
        )
    ).all()
    role = contacts[0].role if contacts else Recipient.PARENT.value
    # The pseudonym: a staff id's characters (api/auth.py verify), and no way back to the address.
    return Party(f"family:{email_digest(key, email)[:32]}", tuple(sorted({c.case_ref for c in contacts})), role)


async def invited(session: AsyncSession, key: bytes, invitation_id: str) -> tuple[Party, str] | None:
    """The adviser or setting an invitation was sent to, and its address; None if there is no such invitation
    (never sent, or replaced by one to another address)."""
    row = await session.get(PortalInvitation, invitation_id)
    if row is None:
        return None
    actor = f"{row.party}:{email_digest(key, row.email)[:32]}"
    return Party(actor, (row.case_ref,), row.party, row.id), row.email


def _audit(session: AsyncSession, party: Party, action: str, summary: str, at: datetime) -> None:
    for case_ref in party.case_refs:
        session.add(portal_event(case_ref, action, party.actor, summary, at))


USED_LETTER = "A one-time code to sign in was sent here. It has been used, so it is not kept."


def _notice(code: str, idempotency_key: str, party: Party) -> NotificationRequest:
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    to_do = (
        f"answer the council's request on case {party.case_refs[0]}" if party.invitation else "your child's EHC case"
    )
    return NotificationRequest(
        idempotency_key=idempotency_key,
        case_ref=party.case_refs[0],
        recipient=Recipient(party.role),
        template=TEMPLATE,
        subject="Your code to sign in",
        body=(
            f"Your code to sign in to {to_do} is {code}. It works once, for {minutes} minutes. "
            "If you did not ask for it, you can ignore this message: nobody can sign in without it."
        ),
    )


async def issue_code(
    sessions: SessionMaker, notifier: Notifier, key: bytes, email: str, nonce: str, now: datetime
) -> None:
    """Send a new code to `email`, bound to the browser holding `nonce`, if it is a family's and has not asked too
    often; otherwise nothing, said to nobody (the caller answers every address alike)."""
    async with sessions() as session:
        family = await family_of(session, key, email)
        if not family.case_refs:
            log.info("portal code asked for an address on no case")
            return
        await _issue(session, notifier, key, email, family, nonce, now)


async def issue_invitation_code(
    sessions: SessionMaker, notifier: Notifier, key: bytes, invitation_id: str, nonce: str, now: datetime
) -> None:
    """Send a new code to the address an invitation was sent to, bound to the browser holding `nonce` and to that
    invitation, if it stands and has not asked too often."""
    async with sessions() as session:
        found = await invited(session, key, invitation_id)
        if found is None:
            log.info("portal code asked for an invitation that does not stand")
            return
        party, email = found
        await _issue(session, notifier, key, email, party, nonce, now)


async def _issue(
    session: AsyncSession, notifier: Notifier, key: bytes, email: str, party: Party, nonce: str, now: datetime
) -> None:
    digest = email_digest(key, email)
    recent = (
        await session.exec(
            select(PortalSignInCode.purpose).where(
                PortalSignInCode.email_digest == digest, PortalSignInCode.created_at > now - RATE_WINDOW
            )
        )
    ).all()
    for_purpose = recent.count(party.purpose)
    if for_purpose >= MAX_CODES_PER_WINDOW or len(recent) >= MAX_CODES_PER_ADDRESS:
        many = "codes asked for" if for_purpose >= MAX_CODES_PER_WINDOW else "codes for this address"
        _audit(session, party, "portal_code_refused", f"too many {many}: none sent", now)
        await session.commit()
        log.info("portal code refused: too many asked for")
        return
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    row = PortalSignInCode(
        email_digest=digest,
        salt=salt,
        code_hash=_keyed(key, "portal-code", salt, code),
        purpose=party.purpose,
        binding=binding(key, nonce, party.purpose),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    session.add(row)
    _audit(session, party, "portal_code_issued", f"a sign-in code was sent to the {_whom(party)}", now)
    await session.commit()
    idempotency_key = f"portal-code-{row.id}"
    try:
        await notifier.send_to(email.strip(), _notice(code, idempotency_key, party))
    except Exception as error:
        # Whatever Notify answers, the party's answer was already sent, alike for every address; the notice stays
        # queued in the outbox. Only the error's kind is logged: its text may quote the message, code and all.
        log.warning("portal code not delivered", error=type(error).__name__)


def _whom(party: Party) -> str:
    return party.role if party.invitation else "family"


async def sign_in(
    session: AsyncSession, key: bytes, email: str, code: str, nonce: str | None, now: datetime
) -> Party | None:
    """The family the code signs in, or None: no code, a wrong one, one used, expired or replaced, or one asked
    for from another browser (or none: `nonce` None) alike."""
    return await _checked(session, key, email, await family_of(session, key, email), code, nonce, now)


async def sign_in_invited(
    session: AsyncSession, key: bytes, invitation_id: str, code: str, nonce: str | None, now: datetime
) -> Party | None:
    """The adviser or setting the code signs in to its invitation, or None, as for a family; a code asked for
    through another invitation's link is not this one's."""
    found = await invited(session, key, invitation_id)
    if found is None:
        return None
    party, email = found
    return await _checked(session, key, email, party, code, nonce, now)


async def _checked(
    session: AsyncSession, key: bytes, email: str, party: Party, code: str, nonce: str | None, now: datetime
) -> Party | None:
    """The newest code the address was sent for this browser and purpose is the only one that counts, read under a
    row lock so that two attempts at once cannot both use it, nor both escape the count of wrong guesses. Another
    browser's attempt finds no code of its own, or its own: the owner's is not read, so not counted against."""
    row = None
    if nonce is not None:
        row = (
            await session.exec(
                select(PortalSignInCode)
                .where(
                    PortalSignInCode.email_digest == email_digest(key, email),
                    PortalSignInCode.binding == binding(key, nonce, party.purpose),
                )
                .order_by(col(PortalSignInCode.created_at).desc(), col(PortalSignInCode.id).desc())
                .limit(1)
                .with_for_update()
            )
        ).first()
    if row is None:
        _audit(session, party, "portal_sign_in_failed", "no code asked for from this browser", now)
        await session.commit()
        return None
    dead = row.used_at is not None or utc(row.expires_at) <= now or row.wrong_attempts >= MAX_WRONG_ATTEMPTS
    if dead or not party.case_refs:  # no cases: a family's address removed from its case since the code was sent
        _audit(session, party, "portal_sign_in_failed", "no live code: expired, used or dead", now)
        await session.commit()
        return None
    if not hmac.compare_digest(row.code_hash, _keyed(key, "portal-code", row.salt, code)):
        row.wrong_attempts += 1
        session.add(row)
        _audit(session, party, "portal_sign_in_failed", f"wrong code (attempt {row.wrong_attempts})", now)
        await session.commit()
        return None
    row.used_at = now
    session.add(row)
    # Used, the code is of no more use to anyone: its letter in the outbox no longer shows it to staff who read a
    # case's letters (the party had it: they have just used it).
    letter = (
        await session.exec(select(Notification).where(Notification.idempotency_key == f"portal-code-{row.id}"))
    ).first()
    if letter is not None:
        letter.body = USED_LETTER
        session.add(letter)
    await record_sign_in(session, party, "a one-time code", now)
    return party


async def record_sign_in(session: AsyncSession, party: Party, method: str, now: datetime) -> None:
    """The sign-in in the audit trail of each of the party's cases, the method named (a one-time code, or the
    identity provider the family came through: api/routes/portal_oidc.py)."""
    _audit(session, party, "portal_signed_in", f"signed in to the portal with {method}", now)
    await session.commit()


class Throttled(StrEnum):
    """What the API refused a client that asked too often (api/client_limits.py), as the audit trail says it."""

    CODE = "portal_code_refused"
    SIGN_IN = "portal_sign_in_refused"


THROTTLED = {
    Throttled.CODE: "too many requests from one place: none sent",
    Throttled.SIGN_IN: "too many attempts from one place: the code was not checked",
}
# A code sent, and a client's refusal noted, alike for a family's address and an invitation's: the API's ways of
# asking for a code take either pair (api/routes/portal.py).
IssueCode = Callable[[SessionMaker, Notifier, bytes, str, str, datetime], Awaitable[None]]
NoteRefusal = Callable[[SessionMaker, bytes, str, Throttled, datetime], Awaitable[None]]


async def throttled_family(sessions: SessionMaker, key: bytes, email: str, refused: Throttled, now: datetime) -> None:
    """A client's refusal in the audit trail of the family's cases (none for an address on no case)."""
    async with sessions() as session:
        _audit(session, await family_of(session, key, email), refused.value, THROTTLED[refused], now)
        await session.commit()


async def throttled_invited(
    sessions: SessionMaker, key: bytes, invitation_id: str, refused: Throttled, now: datetime
) -> None:
    """A client's refusal in the audit trail of the invitation's case, if it stands."""
    async with sessions() as session:
        found = await invited(session, key, invitation_id)
        if found is not None:
            _audit(session, found[0], refused.value, THROTTLED[refused], now)
            await session.commit()
