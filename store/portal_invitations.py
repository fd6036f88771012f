"""What an invitation to the portal's outside parties asks for (store.models.PortalInvitation), in the words the
API, the intake and the worker's notices share: who is invited, to answer what, kept under which of the case's
deadlines, the page its link opens, and how its letters write a date.
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
