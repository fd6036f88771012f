"""Invitations to the portal's outside parties: an adviser asked for advice, a setting consulted about being named
or asked for its report of a plan's annual review, a provider of section F's lines asked for its accounts of what
it delivered.

The officer asks through the workflow as before (the advice request, the consultation); the invitation says who
is to answer it, at which address. The letter it sends carries a link to the request's page; the link is not a
key: opening it leads to a one-time code sent to the invitation's address (intake/portal_codes.py), so a link
forwarded, logged or guessed opens nothing. A new invitation for the same request replaces the last one: its link
stops working, and codes go to the new address only.
"""

import secrets
from datetime import date, datetime

from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.portal_audit import portal_event
from statutory.policies import POLICIES
from store.models import PortalInvitation
from store.portal_invitations import STEP, Ask, InvitedParty, ask_of, invitation_for, link, written
from workflows.activity_contracts import NotificationRequest, Recipient

TEMPLATE = "portal_invitation"


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
    summary = f"{party.value} invited to answer {item} through the portal"
    session.add(portal_event(case_ref, "portal_invited", actor, summary, now))
    await session.commit()
    return invitation


async def withdraw(
    session: AsyncSession, case_ref: str, party: InvitedParty, item: str, actor: str, now: datetime
) -> bool:
    """Remove the request's invitation, if there is one, with the officer's act in the audit trail."""
    found = await invitation_for(session, case_ref, party, item)
    if found is None:
        return False
    await session.delete(found)
    summary = f"{party.value} invitation to answer {item} through the portal withdrawn"
    session.add(portal_event(case_ref, "portal_invitation_withdrawn", actor, summary, now))
    await session.commit()
    return True


def letter(
    invitation: PortalInvitation, due: date | None, portal_url: str, policy: str, meeting_on: date | None = None
) -> NotificationRequest:
    """The invitation's letter: what is asked, by when and under which law, and the link; no name, no address."""
    party = InvitedParty(invitation.party)
    ask = ask_of(party, invitation.item)
    rule = POLICIES.get(policy, {}).get(STEP[ask])
    law = f" ({rule.reference})" if rule else ""
    by = (
        f"by {written(due)}"
        if due
        else f"within 2 weeks of the review meeting on {written(meeting_on)}"
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
    elif ask is Ask.PROVISION:
        subject = f"Confirm the provision you deliver: EHC plan, case {ref}"
        now = f"An account is awaited now, by {written(due)}." if due else "We will email you when each period ends."
        asked = (
            "The council must secure the provision in section F of an education, health and care plan (Children and "
            "Families Act 2014 s.42(2)), and asks you to confirm, after each delivery period, what you delivered "
            f"against your lines of it, case {ref}: each line in full, or what was missed and why. {now} This link "
            "stays the same for every period until the council withdraws it."
        )
    else:
        subject = f"Annual review report: EHC plan, case {ref}"
        asked = (
            f"The council asks your school or college for the report of the annual review of the education, "
            f"health and care plan, case {ref}. Please send it {by}{law}."
        )
    where = (
        "what is awaited and send each account"
        if ask is Ask.PROVISION
        else "what is asked and send your answer, with any files,"
    )
    return NotificationRequest(
        idempotency_key=f"portal-invitation-{invitation.id}",
        case_ref=ref,
        recipient=Recipient(party.value),
        template=TEMPLATE,
        subject=subject,
        body=(
            f"{asked} You can read {where} at {link(portal_url, invitation.id)}. To open it you will be asked "
            "for a code, which we will email to this address."
        ),
    )
