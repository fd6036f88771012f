"""Reminders and chases to the portal's invited parties, on the dates the case already keeps: the officer's
reminder or breach notice about an advice request, a consultation or a review report whose answer someone was
invited to send through the portal (store/portal_invitations.py) goes to them too, with their link. A provider of
section F's lines is written to by the plan's workflow itself (asked after each period, chased before its date):
invited, it gets those letters with its link, at the invited address.
"""

import re
from dataclasses import dataclass
from datetime import date

from store.models import PortalInvitation
from store.portal_invitations import STEP, Ask, InvitedParty, ask_of, link, review_item, written
from workflows.activity_contracts import NotificationRequest, Recipient


@dataclass(frozen=True)
class Chased:
    """An officer's notice about a date an invited party's answer is due by."""

    item: tuple[InvitedParty, str]
    deadline_key: str  # the case's deadline, e.g. "assessment.advice:educational_psychologist"
    late: bool  # the breach notice (the date has passed), not the reminder before it


# The key of an officer's reminder or breach notice (workflows/case_base.py notify and _about):
# "{workflow id}:{deadline key}:{reminder|breach}:officer": an assessment's advice, or a plan's review report, whose
# key names its cycle. A setting's 15 days to answer a consultation are its own window, which the clock reminds no
# one of and no one breaches (docs/legal-time.md): only cases from before legal time hold it as a duty, and only
# on the assessment, so only there is a consultation chased.
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
    by = written(due)
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


def with_provider_link(
    request: NotificationRequest, invitation: PortalInvitation, portal_url: str
) -> NotificationRequest:
    """A request or chase to a provider the officer invited to confirm through the portal: the same letter, with the
    link that always shows what is awaited from it."""
    line = (
        f"You can read what is awaited and send your account at {link(portal_url, invitation.id)}. To open it you "
        "will be asked for a code, which we will email to this address."
    )
    return request.model_copy(update={"body": f"{request.body}\n\n{line}"})
