"""Invitations to the portal's outside parties: an adviser asked for advice, a setting consulted about being named
or asked for its report of a plan's annual review.

The officer asks through the workflow as before (the advice request, the consultation); the invitation says who
is to answer it, at which address. The letter it sends carries a link to the request's page; the link is not a
key: opening it leads to a one-time code sent to the invitation's address (intake/portal_codes.py), so a link
forwarded, logged or guessed opens nothing. A new invitation for the same request replaces the last one: its link
stops working, and codes go to the new address only.
"""

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from statutory.policies import POLICIES
from store.models import AuditEvent, PortalInvitation
from workflows.activity_contracts import NotificationRequest, Recipient

TEMPLATE = "portal_invitation"
REQUESTS_PATH = "/portal/requests"


class InvitedParty(StrEnum):
    ADVISER = "adviser"
    SETTING = "setting"


class Ask(StrEnum):
    """What an invitation asks for, told by its party and item."""

    ADVICE = "advice"  # an adviser's (SEND Regs 2014 reg 6(1)); their 6 weeks (reg 8(1)); item: the advice id
    CONSULTATION = "consultation"  # a setting's answer on being named (CFA 2014 s.39, s.40); item: its URN
    REVIEW_REPORT = "review_report"  # a setting's report of a plan's annual review (reg 20); item: "review-<cycle>"


REVIEW_ITEM = re.compile(r"^review-(?P<cycle>[0-9]{1,3})$")
# The rule (statutory/policies.py) that sets each answer's date, and the case's deadline key it keeps it under.
STEP = {
    Ask.ADVICE: "assessment.advice",
    Ask.CONSULTATION: "assessment.setting_response",
    Ask.REVIEW_REPORT: "review.report",
}


def ask_of(party: InvitedParty, item: str) -> Ask:
    if party is InvitedParty.ADVISER:
        return Ask.ADVICE
    return Ask.REVIEW_REPORT if REVIEW_ITEM.match(item) else Ask.CONSULTATION


def review_item(cycle: int) -> str:
    return f"review-{cycle}"


@dataclass(frozen=True)
class Chased:
    """An officer's notice about a date an invited party's answer is due by."""

    item: tuple[InvitedParty, str]
    deadline_key: str  # the case's deadline, e.g. "assessment.advice:educational_psychologist"
    late: bool  # the breach notice (the date has passed), not the reminder before it


# The key of an officer's reminder or breach notice (workflows/case_base.py notify and _about):
# "{workflow id}:{deadline key}:{reminder|breach}:officer": an assessment's advice or consultation (a plan's
# consultations are not invited through the portal: the same setting consulted again on an amendment is not
# chased on the old link), or a plan's review report, whose key names its cycle.
NOTICE_KEY = re.compile(
    r"^(assessment-[A-Za-z0-9-]+:(?P<step>assessment\.advice|assessment\.setting_response):(?P<item>[a-z0-9_-]{1,32})"
    r"|plan-[A-Za-z0-9-]+:review\.report@c(?P<cycle>[0-9]{1,3})):(?P<what>reminder|breach):officer$"
)


def chased(request: NotificationRequest) -> Chased | None:
    """What an officer's notice is about, if it is a date an invited party could be answering."""
    found = NOTICE_KEY.match(request.idempotency_key) if request.recipient is Recipient.OFFICER else None
    if found is None:
        return None
    late = found["what"] == "breach"
    if found["cycle"]:
        cycle = int(found["cycle"])
        return Chased((InvitedParty.SETTING, review_item(cycle)), f"{STEP[Ask.REVIEW_REPORT]}@c{cycle}", late)
    party = InvitedParty.ADVISER if found["step"] == STEP[Ask.ADVICE] else InvitedParty.SETTING
    return Chased((party, found["item"]), f"{found['step']}:{found['item']}", late)


def chase(
    invitation: PortalInvitation, due: date, late: bool, portal_url: str, about: NotificationRequest
) -> NotificationRequest:
    """A reminder before the date, or a chase after it, to the party invited to answer; no name, no address."""
    party = InvitedParty(invitation.party)
    by = _day(due)
    asked = {
        Ask.ADVICE: "your advice",
        Ask.CONSULTATION: "your answer to the consultation",
        Ask.REVIEW_REPORT: "the annual review report",
    }[ask_of(party, invitation.item)]
    said = (
        f"The council has not yet received {asked} on case {invitation.case_ref}, which was due by {by}. Please "
        "send it as soon as you can"
        if late
        else f"A reminder: the council asked for {asked} on case {invitation.case_ref} by {by}. Please send it"
    )
    return NotificationRequest(
        idempotency_key=f"{about.idempotency_key}:chase",
        case_ref=invitation.case_ref,
        recipient=Recipient(party.value),
        template="portal_chase" if late else "portal_reminder",
        subject=("Overdue: " if late else "Reminder: ") + f"case {invitation.case_ref}",
        body=f"{said} at {link(portal_url, invitation.id)}. To open it you will be asked for a code, which we will "
        "email to this address.",
    )


def link(portal_url: str, invitation_id: str) -> str:
    return f"{portal_url.rstrip('/')}{REQUESTS_PATH}/{invitation_id}"


async def invite(
    session: AsyncSession, case_ref: str, party: InvitedParty, item: str, email: str, actor: str, now: datetime
) -> PortalInvitation:
    """The request's invitation, replacing any before it, with the officer's act in the case's audit trail."""
    await session.exec(
        delete(PortalInvitation).where(
            col(PortalInvitation.case_ref) == case_ref,
            col(PortalInvitation.party) == party.value,
            col(PortalInvitation.item) == item,
        )
    )
    invitation = PortalInvitation(
        # 128 bits, URL-safe: api/auth.py INVITATION_ID is its shape.
        id=secrets.token_urlsafe(16),
        case_ref=case_ref,
        party=party.value,
        item=item,
        email=email.strip(),
        invited_by=actor,
        invited_at=now,
    )
    session.add(invitation)
    session.add(
        AuditEvent(
            event_key=f"portal:{uuid.uuid4().hex}",
            case_ref=case_ref,
            action="portal_invited",
            actor=actor,
            summary=f"{party.value} invited to answer {item} through the portal",
            at=now,
        )
    )
    await session.commit()
    return invitation


async def invitation_for(
    session: AsyncSession, case_ref: str, party: InvitedParty, item: str
) -> PortalInvitation | None:
    return (
        await session.exec(
            select(PortalInvitation).where(
                PortalInvitation.case_ref == case_ref,
                PortalInvitation.party == party.value,
                PortalInvitation.item == item,
            )
        )
    ).first()


def letter(
    invitation: PortalInvitation, due: date | None, portal_url: str, policy: str, meeting_on: date | None = None
) -> NotificationRequest:
    """The invitation's letter: what is asked, by when and under which law, and the link; no name, no address."""
    party = InvitedParty(invitation.party)
    ask = ask_of(party, invitation.item)
    rule = POLICIES.get(policy, {}).get(STEP[ask])
    law = f" ({rule.reference})" if rule else ""
    by = (
        f"by {_day(due)}"
        if due
        else f"within 2 weeks of the review meeting on {_day(meeting_on)}"
        if meeting_on
        else ""
    )
    ref = invitation.case_ref
    if ask is Ask.ADVICE:
        subject = f"Advice asked for: EHC needs assessment, case {ref}"
        asked = (
            f"The council asks for your advice for an education, health and care needs assessment, case {ref}. "
            f"Please send it {by}{law}."
        )
    elif ask is Ask.CONSULTATION:
        subject = f"Consultation: naming your school or college in an EHC plan, case {ref}"
        asked = (
            f"The council is consulting you about naming your school or college in an education, health and care "
            f"plan, case {ref}. Please answer {by}{law}."
        )
    else:
        subject = f"Annual review report: EHC plan, case {ref}"
        asked = (
            f"The council asks your school or college for the report of the annual review of the education, "
            f"health and care plan, case {ref}. Please send it {by}{law}."
        )
    return NotificationRequest(
        idempotency_key=f"portal-invitation-{invitation.id}",
        case_ref=ref,
        recipient=Recipient(party.value),
        template=TEMPLATE,
        subject=subject,
        body=(
            f"{asked} You can read what is asked and send your answer, with any files, at "
            f"{link(portal_url, invitation.id)}. To open it you will be asked for a code, which we will email to "
            "this address."
        ),
    )


def _day(day: date | None) -> str:
    """As GOV.UK writes dates, as the portal's pages do."""
    return f"{day.day} {day:%B %Y}" if day else ""
