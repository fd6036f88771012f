"""What an invitation to the portal's outside parties asks for (store.models.PortalInvitation), in the words the
API, the intake and the worker's notices share: who is invited, to answer what, kept under which of the case's
deadlines, the page its link opens, and how its letters write a date.

A provider of section F's lines is invited once per plan, not once per delivery period: `provision:<code>` stands
for every period's account until withdrawn, so its one link always shows what is awaited (docs/provision.md).
"""

import re
from datetime import date
from enum import StrEnum

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models import PortalInvitation

REQUESTS_PATH = "/portal/requests"


def written(day: date) -> str:
    """A date as the invitations' and chases' letters write it, as GOV.UK and the portal's pages do: 3 March 2027."""
    return f"{day.day} {day:%B %Y}"


class InvitedParty(StrEnum):
    ADVISER = "adviser"
    SETTING = "setting"


class Ask(StrEnum):
    """What an invitation asks for, told by its party and item."""

    ADVICE = "advice"  # an adviser's (SEND Regs 2014 reg 6(1)); their 6 weeks (reg 8(1)); item: the advice id
    CONSULTATION = "consultation"  # a setting's answer on being named (CFA 2014 s.39, s.40); item: its URN
    REVIEW_REPORT = "review_report"  # a setting's report of a plan's annual review (reg 20); item: "review-<cycle>"
    # A provider's accounts of what it delivered against its lines of section F, period after period (CFA 2014
    # s.42(2) is the LA's duty they evidence); item: "provision:<provider code>". A setting's, or an adviser's for
    # a service or a therapist.
    PROVISION = "provision"


REVIEW_ITEM = re.compile(r"^review-(?P<cycle>[0-9]{1,3})$")
PROVISION_ITEM = re.compile(r"^provision:(?P<provider>[A-Za-z0-9][A-Za-z0-9-]{0,31})$")
# The rule (statutory/policies.py) that sets each answer's date, and the case's deadline key it keeps it under.
STEP = {
    Ask.ADVICE: "assessment.advice",
    Ask.CONSULTATION: "assessment.setting_response",
    Ask.REVIEW_REPORT: "review.report",
    Ask.PROVISION: "provision.confirm",
}


def ask_of(party: InvitedParty, item: str) -> Ask:
    if PROVISION_ITEM.match(item):
        return Ask.PROVISION
    if party is InvitedParty.ADVISER:
        return Ask.ADVICE
    return Ask.REVIEW_REPORT if REVIEW_ITEM.match(item) else Ask.CONSULTATION


def review_item(cycle: int) -> str:
    return f"review-{cycle}"


def provision_item(provider: str) -> str:
    return f"provision:{provider}"


def provider_of(item: str) -> str | None:
    """The provider's code a `provision:<code>` item names, else None."""
    found = PROVISION_ITEM.match(item)
    return found["provider"] if found else None


def link(portal_url: str, invitation_id: str) -> str:
    return f"{portal_url.rstrip('/')}{REQUESTS_PATH}/{invitation_id}"


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


async def provider_invitation(session: AsyncSession, case_ref: str, provider: str) -> PortalInvitation | None:
    """The standing invitation of a provider of the plan's lines, whichever party it was invited as (one only: the
    API invites a setting's URN as a setting and any other provider as an adviser)."""
    return (
        await session.exec(
            select(PortalInvitation).where(
                PortalInvitation.case_ref == case_ref, PortalInvitation.item == provision_item(provider)
            )
        )
    ).first()
