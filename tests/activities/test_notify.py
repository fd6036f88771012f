"""Delivery through GOV.UK Notify when a key is configured, once per notice however often it is retried.

Notify itself cannot be reached from here, so a loopback server answers its one endpoint we use
(POST /v2/notifications/email) the way the real service documents; the client library, the JWT, the
outbox and the activity are all real.
"""

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlmodel import select
from temporalio.testing import ActivityEnvironment

from activities.notifications import Notifier, NotifyGateway
from store.db import SessionMaker
from store.models import Case, Contact, Notification, PlanDocument, PortalInvitation, ProvisionLineRow
from tests.factories import PARENT_EMAIL, notice
from workflows.activity_contracts import Recipient

API_KEY = f"test_key-{uuid.uuid4()}-{uuid.uuid4()}"


@pytest.fixture
def notify_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({"path": self.path, "auth": self.headers["Authorization"], **body})
            answer = json.dumps({"id": str(uuid.uuid4()), "reference": body.get("reference")}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()


async def test_notices_go_through_notify_once(
    sessions: SessionMaker, notify_server: tuple[str, list[dict[str, Any]]]
) -> None:
    base_url, received = notify_server
    case_ref = f"999-{uuid.uuid4().hex[:8].upper()}"
    async with sessions() as session:
        session.add(a_case(case_ref, "assessment", "request_received"))
        await session.flush()
        session.add(Contact(case_ref=case_ref, role="parent", name="P", email=PARENT_EMAIL))
        await session.commit()
    notifier = Notifier(sessions, NotifyGateway(API_KEY, "template-1", base_url=base_url))
    request = notice(
        f"assessment-{case_ref}:draft_plan:parent", case_ref, Recipient.PARENT, "draft_plan", "Your draft EHC plan"
    )
    activities = ActivityEnvironment()
    await activities.run(notifier.send_notification, request)
    await activities.run(notifier.send_notification, request)  # a retry after a lost acknowledgement

    assert len(received) == 1
    sent = received[0]
    assert sent["path"] == "/v2/notifications/email" and sent["auth"].startswith("Bearer ")
    assert sent["email_address"] == PARENT_EMAIL and sent["template_id"] == "template-1"
    assert sent["personalisation"] == {"subject": "Your draft EHC plan", "body": "Your draft EHC plan"}
    async with sessions() as session:
        rows = (await session.exec(select(Notification).where(Notification.case_ref == case_ref))).all()
    assert [(r.status, r.template) for r in rows] == [("sent", "draft_plan")]
    assert rows[0].provider_ref and rows[0].sent_at is not None


async def test_without_an_email_the_notice_waits_in_the_outbox(
    sessions: SessionMaker, notify_server: tuple[str, list[dict[str, Any]]]
) -> None:
    base_url, received = notify_server
    notifier = Notifier(sessions, NotifyGateway(API_KEY, "template-1", base_url=base_url))
    request = notice(
        "assessment-999-NOBODY:escalation:manager", "999-NOBODY00", Recipient.MANAGER, "deadline_escalation", "Missed"
    )
    await ActivityEnvironment().run(notifier.send_notification, request)
    assert received == []
    async with sessions() as session:
        row = (await session.exec(select(Notification).where(Notification.case_ref == "999-NOBODY00"))).one()
    assert row.status == "queued"


async def test_a_provider_invited_on_the_portal_is_asked_at_the_invited_address_with_its_link(
    sessions: SessionMaker, notify_server: tuple[str, list[dict[str, Any]]]
) -> None:
    """The plan's letters to the providers of section F: one invited to confirm through the portal gets them at the
    address the invitation names (where its sign-in codes go) with its link; one not invited, at the address the
    plan's lines give, as before."""
    base_url, received = notify_server
    case_ref = f"999-{uuid.uuid4().hex[:8].upper()}"
    async with sessions() as session:
        session.add(a_case(case_ref, "plan", "maintained"))
        await session.flush()
        session.add(
            PlanDocument(id=f"doc-{case_ref}", case_ref=case_ref, kind="section_f", sections={}, created_by="o")
        )
        await session.flush()
        for ref, provider, email in (("F1", "SALT-NORTH", "salt@nhs.example"), ("F2", "100001", "senco@oak.example")):
            session.add(
                ProvisionLineRow(
                    document_id=f"doc-{case_ref}",
                    ref=ref,
                    case_ref=case_ref,
                    kind="other",
                    description="d",
                    provider_type="service" if ref == "F1" else "setting",
                    provider=provider,
                    provider_name="n",
                    provider_email=email,
                    sessions=1,
                    minutes=30,
                    per="week",
                )
            )
        invited_id = "i" * 22
        session.add(
            PortalInvitation(
                id=invited_id,
                case_ref=case_ref,
                party="adviser",
                item="provision:SALT-NORTH",
                email="therapist@nhs.example",
                invited_by="o",
                invited_at=datetime.now(UTC),
            )
        )
        await session.commit()
    notifier = Notifier(sessions, NotifyGateway(API_KEY, "template-1", base_url=base_url), "https://send.example")
    for provider in ("SALT-NORTH", "100001"):
        request = notice(
            f"plan-{case_ref}:provision.confirm:2026-27.ht2:{provider}@c1:asked",
            case_ref,
            Recipient.PROVIDER,
            "provision_request",
            "Confirm the provision delivered",
        ).model_copy(update={"provider": provider})
        await ActivityEnvironment().run(notifier.send_notification, request)

    invited, listed = received
    assert invited["email_address"] == "therapist@nhs.example"
    assert f"https://send.example/portal/requests/{invited_id}" in invited["personalisation"]["body"]
    assert listed["email_address"] == "senco@oak.example"
    assert listed["personalisation"]["body"] == "Confirm the provision delivered"


def a_case(case_ref: str, process: str, stage: str) -> Case:
    """The read model's row of a case of test LA 999, for a notice to belong to."""
    return Case(
        case_ref=case_ref,
        la_code="999",
        process=process,
        stage=stage,
        policy="send-regs-2014",
        workflow_id=f"{process}-{case_ref}",
        received_date=date(2026, 1, 5),
        request_source="parent",
    )
