"""Invitations to the portal's outside parties: an adviser asked for advice, a setting consulted about being named.

The officer asks through the workflow as before (the advice request, the consultation); the invitation says who
is to answer it, at which address. The letter it sends carries a link to the request's page; the link is not a
key: opening it leads to a one-time code sent to the invitation's address (intake/portal_codes.py), so a link
forwarded, logged or guessed opens nothing. A new invitation for the same request replaces the last one: its link
stops working, and codes go to the new address only.
"""

import secrets
import uuid
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
    ADVISER = "adviser"  # asked for advice (SEND Regs 2014 reg 6(1)); their 6 weeks (reg 8(1))
    SETTING = "setting"  # consulted on being named (CFA 2014 s.39(2)-(3), s.40(3)); their 15 days (Code 9.83)


# What each party is asked, and the rule (statutory/policies.py) that sets its answer's date.
STEP = {InvitedParty.ADVISER: "assessment.advice", InvitedParty.SETTING: "assessment.setting_response"}


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


def letter(invitation: PortalInvitation, due: date, portal_url: str, policy: str) -> NotificationRequest:
    """The invitation's letter: what is asked, by when and under which law, and the link; no name, no address."""
    party = InvitedParty(invitation.party)
    by = f"{due.day} {due:%B %Y}"  # as GOV.UK writes dates, as the portal's pages do
    rule = POLICIES.get(policy, {}).get(STEP[party])
    law = f" ({rule.reference})" if rule else ""
    where = link(portal_url, invitation.id)
    if party is InvitedParty.ADVISER:
        subject = f"Advice asked for: EHC needs assessment, case {invitation.case_ref}"
        asked = (
            f"The council asks for your advice for an education, health and care needs assessment, case "
            f"{invitation.case_ref}. Please send it by {by}{law}."
        )
    else:
        subject = f"Consultation: naming your school or college in an EHC plan, case {invitation.case_ref}"
        asked = (
            f"The council is consulting you about naming your school or college in an education, health and care "
            f"plan, case {invitation.case_ref}. Please answer by {by}{law}."
        )
    return NotificationRequest(
        idempotency_key=f"portal-invitation-{invitation.id}",
        case_ref=invitation.case_ref,
        recipient=Recipient(party.value),
        template=TEMPLATE,
        subject=subject,
        body=(
            f"{asked} You can read what is asked and send your answer, with any files, at {where}. To open it you "
            "will be asked for a code, which we will email to this address."
        ),
    )
