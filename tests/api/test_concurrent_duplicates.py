"""A hundred copies of one request for assessment, all at once, open exactly one case.

A browser double-submit, a retrying gateway or an impatient officer sends the same request many times
within milliseconds. Whether the copies share an Idempotency-Key or are simply identical bodies, the
LA must end up with one case row, one child, one workflow, one audit trail and one set of notices,
and every copy must be answered with that case.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlmodel import func, select
from temporalio.client import Client, Interceptor, OutboundInterceptor, StartWorkflowInput, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.main import create_app
from core.config import Settings
from store.db import SessionMaker
from store.models import AuditEvent, Case, Child, Contact, IdempotencyRecord, Notification
from tests.conftest import eventually
from tests.factories import bearer, case_request

COPIES = 100


class StartsRecorded(Interceptor):
    """Every workflow start the API asks of Temporal (the test server cannot list executions)."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _RecordStarts(next, self.ids)


class _RecordStarts(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, ids: list[str]) -> None:
        super().__init__(next)
        self.ids = ids

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        self.ids.append(input.id)
        return await super().start_workflow(input)


@pytest.fixture
def starts() -> StartsRecorded:
    return StartsRecorded()


@pytest_asyncio.fixture
async def api(
    env: WorkflowEnvironment, worker: Worker, sessions: SessionMaker, settings: Settings, starts: StartsRecorded
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, over a client of the test server that records each workflow start it sends."""
    del worker
    temporal = Client(**{**env.client.config(), "interceptors": [starts]})  # type: ignore[arg-type]  # its own config
    app = create_app(settings, temporal=temporal, sessions=sessions)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield client


async def count(sessions: SessionMaker, model: type, **where: str) -> int:
    async with sessions() as session:
        statement = select(func.count()).select_from(model)
        for column, value in where.items():
            statement = statement.where(getattr(model, column) == value)
        return (await session.exec(statement)).one()


async def notices(sessions: SessionMaker, case_ref: str) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.exec(select(Notification).where(Notification.case_ref == case_ref))
        return sorted((n.template, n.recipient_role) for n in rows.all())


@pytest.mark.parametrize("keyed", [True, False], ids=["same-idempotency-key", "identical-bodies"])
async def test_a_hundred_concurrent_copies_open_one_case(
    keyed: bool,
    api: httpx.AsyncClient,
    env: WorkflowEnvironment,
    sessions: SessionMaker,
    settings: Settings,
    starts: StartsRecorded,
) -> None:
    received = (await env.get_current_time()).date()
    # An LA of its own: the counts below are of every row of that LA, not only of the case the answers name.
    la_code = "DUPKEY" if keyed else "DUPBODY"
    body = case_request(received, la_code=la_code)
    headers = bearer(settings, las=[la_code])
    if keyed:
        headers["Idempotency-Key"] = f"double-submit-{received}"
    before = {model: await count(sessions, model) for model in (Case, Child, Contact, IdempotencyRecord)}

    answers = await asyncio.gather(*(api.post("/cases", json=body, headers=headers) for _ in range(COPIES)))

    assert Counter(a.status_code for a in answers) == {201: COPIES}, [a.text for a in answers if a.status_code != 201]
    assert len({a.json()["case_ref"] for a in answers}) == 1
    case_ref = answers[0].json()["case_ref"]
    assert all(a.json() == answers[0].json() for a in answers)
    assert all(a.headers["location"] == f"/cases/{case_ref}" for a in answers)
    # Exactly one answer made the case; every other says it is the first one's answer again.
    assert sum("idempotent-replayed" not in a.headers for a in answers) == 1
    assert {a.headers.get("idempotent-replayed") for a in answers} == {None, "true"}

    after = {model: await count(sessions, model) for model in before}
    # A key is recorded with the request it was sent with (to refuse it reused for another): two records, not one.
    assert after == {Case: before[Case] + 1, Child: before[Child] + 1, Contact: before[Contact] + 1,
                     IdempotencyRecord: before[IdempotencyRecord] + (2 if keyed else 1)}  # fmt: skip
    assert await count(sessions, Case, la_code=la_code) == 1

    # Every copy asked for the one case's workflow (a repeat start finds the running one): one workflow,
    # started once, whoever of the hundred got there first.
    assert set(starts.ids) == {f"assessment-{case_ref}"}
    history = await env.client.get_workflow_handle(f"assessment-{case_ref}").fetch_history()
    assert sum(e.HasField("workflow_execution_started_event_attributes") for e in history.events) == 1

    async def received_once() -> list[AuditEvent] | None:
        async with sessions() as session:
            rows = (await session.exec(select(AuditEvent).where(AuditEvent.case_ref == case_ref))).all()
        return list(rows) or None

    events = await eventually(received_once)
    assert [e.action for e in events] == ["request_received"]

    # One set of notices: past the decision deadline the officer is reminded once, then told of the
    # breach once, and the manager gets one escalation (a second workflow would have doubled each).
    await env.sleep(timedelta(weeks=7))

    async def escalated() -> list[tuple[str, str]] | None:
        sent = await notices(sessions, case_ref)
        return sent if ("deadline_escalation", "manager") in sent else None

    await eventually(escalated)
    expected = [("deadline_breached", "officer"), ("deadline_escalation", "manager"), ("deadline_reminder", "officer")]
    assert await notices(sessions, case_ref) == expected
    assert await count(sessions, AuditEvent, case_ref=case_ref, action="request_received") == 1
    assert await count(sessions, AuditEvent, case_ref=case_ref, action="deadline_breached") == 1


async def test_the_duplicate_of_a_finished_case_answers_with_that_case(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    """A copy that arrives after the case has already closed still gets the first answer, not a new case."""
    received = (await env.get_current_time()).date()
    body = case_request(received, la_code="DUPLATE")
    headers = {**bearer(settings, las=["DUPLATE"]), "Idempotency-Key": "late-duplicate"}
    first = await api.post("/cases", json=body, headers=headers)
    case_ref = first.json()["case_ref"]
    refused = await api.post(
        f"/cases/{case_ref}/decide-to-assess",
        json={"on": received.isoformat(), "assess": False, "reasons": "Needs met from the school's own resources"},
        headers=headers,
    )
    assert refused.status_code == 200, refused.text
    await env.client.get_workflow_handle(f"assessment-{case_ref}").result()

    again = await asyncio.gather(*(api.post("/cases", json=body, headers=headers) for _ in range(10)))
    assert {a.status_code for a in again} == {201}
    assert {a.json()["case_ref"] for a in again} == {case_ref}
    assert all(a.headers["idempotent-replayed"] == "true" for a in again)
    assert await count(sessions, Case, la_code="DUPLATE") == 1
