"""Notices to parents, young people, settings and staff: an outbox row first, then delivery.

The outbox row is keyed by the workflow's deterministic idempotency key, so an activity retried
after a crash never queues or sends a notice twice. Without a GOV.UK Notify key the outbox is the
delivery: the LA's mail room reads it through the API. With a key, email notices go out through
Notify using one generic template (subject and body as personalisation), and the row records the
provider's reference.
"""

import asyncio
from datetime import UTC, datetime

from notifications_python_client.notifications import NotificationsAPIClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from activities import portal_chases
from store.db import SessionMaker
from store.models import Case, CaseDeadline, Contact, Notification, PlanDocument, ProvisionLineRow
from store.portal_invitations import invitation_for, provider_invitation
from store.upsert import upsert
from workflows.activity_contracts import (
    SEND_NOTIFICATION,
    SEND_NOTIFICATIONS,
    NotificationBatch,
    NotificationRequest,
    Recipient,
)


class NotifyGateway:
    """GOV.UK Notify, behind the one call we make of it."""

    def __init__(self, api_key: str, email_template_id: str, base_url: str | None = None) -> None:
        kwargs = {"base_url": base_url} if base_url else {}
        self.client = NotificationsAPIClient(api_key, **kwargs)  # type: ignore[no-untyped-call]  # untyped library
        self.template_id = email_template_id

    async def send_email(self, email: str, subject: str, body: str, reference: str) -> str:
        response = await asyncio.to_thread(
            self.client.send_email_notification,
            email_address=email,
            template_id=self.template_id,
            personalisation={"subject": subject, "body": body},
            reference=reference,
        )
        return str(response["id"])


FAMILY = frozenset({Recipient.PARENT, Recipient.YOUNG_PERSON})


def portal_line(portal_url: str) -> str:
    return (
        f"You can follow this case, read the draft plan and send your views online at {portal_url.rstrip('/')}/portal: "
        "sign in with the email address the council has for you."
    )


class Notifier:
    def __init__(self, sessions: SessionMaker, gateway: NotifyGateway | None = None, portal_url: str = "") -> None:
        self.sessions = sessions
        self.gateway = gateway
        self.portal_url = portal_url  # where chases to the portal's invited parties link to (worker.py)

    @activity.defn(name=SEND_NOTIFICATIONS)
    async def send_notifications(self, batch: NotificationBatch) -> None:
        """Each in turn, so the outbox holds them in the order the workflow wrote them (a breach before its
        escalation); a retry passes over those already queued or sent (their idempotency keys)."""
        for request in batch.notices:
            await self.send_notification(request)

    @activity.defn(name=SEND_NOTIFICATION)
    async def send_notification(self, request: NotificationRequest) -> None:
        if self.portal_url and request.recipient in FAMILY and not request.past_fact:
            # The family is told where to follow the case: the portal is no use to a parent who never hears of it.
            request = request.model_copy(update={"body": f"{request.body}\n\n{portal_line(self.portal_url)}"})
        to = None
        if self.portal_url and request.recipient is Recipient.PROVIDER and request.provider and not request.past_fact:
            request, to = await self._to_invited_provider(request, request.provider)
        await self._queue(request)
        if self.gateway is not None and not request.past_fact:
            await self._deliver(request, self.gateway, to=to)
        if self.portal_url and not request.past_fact:
            await self._chase(request)

    async def _to_invited_provider(
        self, request: NotificationRequest, provider: str
    ) -> tuple[NotificationRequest, str | None]:
        """A provider the officer invited to confirm through the portal is written to at the invited address, with
        its link: the one the sign-in codes go to, so whoever reads the letter can open it (without an invitation,
        the address the plan's lines give)."""
        async with self.sessions() as session:
            invitation = await provider_invitation(session, request.case_ref, provider)
        if invitation is None:
            return request, None
        return portal_chases.with_provider_link(request, invitation, self.portal_url), invitation.email

    async def _chase(self, request: NotificationRequest) -> None:
        """The officer's reminder or breach notice about an advice request or a consultation the portal invited
        someone to answer goes to them too, as a reminder or a chase with their link (activities/portal_chases.py):
        the same moments the clock already keeps, and once each, keyed by the officer's notice."""
        found = portal_chases.chased(request)
        if found is None:
            return
        async with self.sessions() as session:
            invitation = await invitation_for(session, request.case_ref, *found.item)
            deadline = await session.get(CaseDeadline, (request.case_ref, found.deadline_key))
        if invitation is None or deadline is None or deadline.done_on is not None:
            return
        chase = portal_chases.chase(invitation, deadline.due, found.late, self.portal_url, request)
        await self.send_to(invitation.email, chase)

    async def send_to(self, email: str, request: NotificationRequest) -> None:
        """A notice to the one address that asked for it (a portal sign-in code), the same outbox row and Notify
        call as a workflow's notice, but not to whichever contact of that role the case lists first: a
        code sent to the other parent would sign the wrong person in."""
        await self._queue(request)
        if self.gateway is not None:
            await self._deliver(request, self.gateway, to=email)

    async def _queue(self, request: NotificationRequest) -> None:
        row = {
            "idempotency_key": request.idempotency_key,
            "case_ref": request.case_ref,
            "recipient_role": request.recipient.value,
            "template": request.template,
            "subject": request.subject,
            "body": request.body,
            "status": "on_paper" if request.past_fact else "queued",
            "created_at": datetime.now(UTC),
        }
        async with self.sessions() as session, session.begin():
            await upsert(session, Notification, [row], keys=["idempotency_key"])

    async def _deliver(self, request: NotificationRequest, gateway: NotifyGateway, to: str | None = None) -> None:
        async with self.sessions() as session:
            notification = (
                await session.exec(select(Notification).where(Notification.idempotency_key == request.idempotency_key))
            ).one()
            if notification.status == "sent":
                return
            email = to or await self._email_for(session, request)
            if email is None:
                # No email on file: the notice stays in the outbox for the mail room to post.
                return
            notification.provider_ref = await gateway.send_email(
                email, request.subject, request.body, reference=request.idempotency_key
            )
            notification.status = "sent"
            notification.sent_at = datetime.now(UTC)
            session.add(notification)
            await session.commit()

    async def _email_for(self, session: AsyncSession, request: NotificationRequest) -> str | None:
        if request.recipient is Recipient.OFFICER:
            case = await session.get(Case, request.case_ref)
            officer = case.officer if case else None
            return officer if officer and "@" in officer else None
        if request.recipient is Recipient.PROVIDER:
            return await self._provider_email(session, request)
        contact = (
            await session.exec(
                select(Contact).where(Contact.case_ref == request.case_ref, Contact.role == request.recipient.value)
            )
        ).first()
        return contact.email if contact else None

    @staticmethod
    async def _provider_email(session: AsyncSession, request: NotificationRequest) -> str | None:
        """The address the newest version of the plan gives for the provider's lines."""
        line = (
            await session.exec(
                select(ProvisionLineRow)
                .join(PlanDocument, col(PlanDocument.id) == col(ProvisionLineRow.document_id))
                .where(
                    ProvisionLineRow.case_ref == request.case_ref,
                    ProvisionLineRow.provider == request.provider,
                    col(ProvisionLineRow.provider_email).is_not(None),
                )
                .order_by(col(PlanDocument.created_at).desc())
            )
        ).first()
        return line.provider_email if line else None
