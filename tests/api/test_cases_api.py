"""Opening and reading a case through the API, against the Temporal test server and the database."""

import asyncio
from datetime import date, timedelta

import httpx
from sqlmodel import func, select
from temporalio.testing import WorkflowEnvironment

import statutory
from store.db import SessionMaker
from store.models import AuditEvent, Case, CaseDeadline, Child, Contact, IdempotencyRecord, Notification
from tests.conftest import eventually
from tests.factories import CHILD_GIVEN, case_request


async def today(env: WorkflowEnvironment) -> date:
    return (await env.get_current_time()).date()


async def count(sessions: SessionMaker, model: type) -> int:
    async with sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def test_open_case_starts_the_statutory_clock(api: httpx.AsyncClient) -> None:
    received = date(2025, 1, 6)
    created = await api.post("/cases", json=case_request(received))
    assert created.status_code == 201, created.text
    body = created.json()
    case_ref = body["case_ref"]
    assert case_ref.startswith("202-")
    assert body["workflow_id"] == f"assessment-{case_ref}"
    assert created.headers["location"] == f"/cases/{case_ref}"

    view = await api.get(f"/cases/{case_ref}")
    assert view.status_code == 200, view.text
    case = view.json()
    assert case["stage"] == "request_received"
    assert case["received_date"] == "2025-01-06"
    assert case["child"]["given_name"] == CHILD_GIVEN
    deadlines = {d["step"]: d for d in case["deadlines"]}
    # docs/law.md, Weeks: received Mon 6 Jan 2025 -> decision Mon 17 Feb, final plan Mon 26 May (no roll).
    assert deadlines["assessment.decide_to_assess"]["due"] == "2025-02-17"
    assert deadlines["assessment.final_plan"]["due"] == "2025-05-26"
    assert "decision whether to assess" in case["waiting_for"]
    assert case["history"][0]["action"] == "request_received"


async def test_read_model_follows_the_workflow(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    received = await today(env)
    case_ref = (await api.post("/cases", json=case_request(received))).json()["case_ref"]

    async def synced() -> Case | None:
        async with sessions() as session:
            case = await session.get(Case, case_ref)
            return case if case and case.next_deadline_due else None

    case = await eventually(synced)
    assert case.next_deadline_step == "assessment.decide_to_assess"
    assert case.next_deadline_due == received + timedelta(weeks=6)
    async with sessions() as session:
        rows = (await session.exec(select(CaseDeadline).where(CaseDeadline.case_ref == case_ref))).all()
        events = (await session.exec(select(AuditEvent).where(AuditEvent.case_ref == case_ref))).all()
    assert {r.step for r in rows} == {
        "assessment.decide_to_assess",
        "assessment.notify_no_plan",
        "assessment.final_plan",
    }
    assert [e.action for e in events] == ["request_received"]


async def test_idempotency_key_returns_the_first_case(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    body = case_request(await today(env))
    first = await api.post("/cases", json=body, headers={"Idempotency-Key": "req-123"})
    again = await api.post("/cases", json=body, headers={"Idempotency-Key": "req-123"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"


async def test_concurrent_duplicates_make_one_case(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    body = case_request(await today(env), la_code="909")
    before = await count(sessions, Case)
    answers = await asyncio.gather(*(api.post("/cases", json=body) for _ in range(20)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["case_ref"] for a in answers}) == 1
    assert await count(sessions, Case) == before + 1


async def test_bad_requests_are_refused_and_nothing_is_written(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    now = await today(env)
    tables = (Case, Child, Contact, IdempotencyRecord, Notification)
    before = [await count(sessions, t) for t in tables]
    cases = [
        (case_request(now + timedelta(days=1)), 422, "in the future"),
        (case_request(date(2013, 5, 1)), 422, "before the SEND Regulations 2014"),
        (case_request(now, la_code="not a code"), 422, "la_code"),
        (case_request(now, policy="no-such-law"), 422, "no-such-law"),
        (case_request(now, request_source="neighbour"), 422, "request_source"),
        ({**case_request(now), "received_date": "2025-02-30"}, 422, "received_date"),
        (
            {**case_request(now), "child": {**case_request(now)["child"], "date_of_birth": "1990-01-01"}},
            422,
            "25",
        ),
        ({**case_request(now), "unexpected": 1}, 422, "1 field(s) this endpoint does not take"),
    ]
    for body, status, needle in cases:
        answer = await api.post("/cases", json=body)
        assert answer.status_code == status, (needle, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["status"] == status and needle in problem["detail"], problem
        assert CHILD_GIVEN not in answer.text
    assert [await count(sessions, t) for t in tables] == before


async def test_unknown_and_malformed_case_refs(api: httpx.AsyncClient) -> None:
    missing = await api.get("/cases/202-ZZZZZZZZ")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "There is no case 202-ZZZZZZZZ in your local authorities."
    malformed = await api.get("/cases/robert'); DROP TABLE cases;--")
    assert malformed.status_code == 422
    assert malformed.headers["content-type"] == "application/problem+json"


async def test_health_reports_every_dependency(api: httpx.AsyncClient) -> None:
    answer = await api.get("/health")
    assert answer.status_code == 200
    # The time-skipping test server cannot describe a task queue: whether a worker polls is unknown there.
    assert answer.json() == {"temporal": "ok", "database": "ok", "worker": "unknown"}


async def test_malformed_bodies_and_unknown_routes_answer_problem_json(api: httpx.AsyncClient) -> None:
    broken = await api.post("/cases", content=b'{"la_code": "202",', headers={"content-type": "application/json"})
    assert broken.status_code == 422 and broken.headers["content-type"] == "application/problem+json"
    unknown = await api.get("/no-such-thing")
    assert unknown.status_code == 404 and unknown.json()["status"] == 404
    wrong_method = await api.delete("/cases")
    assert wrong_method.status_code == 405 and wrong_method.headers["content-type"] == "application/problem+json"


async def test_the_api_and_the_workflows_keep_the_same_today(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    """The API judges "not in the future" by the clock the workflows run on: a month skipped on the test server is
    a month on for both, so a request received on the server's today is taken, and its tomorrow refused."""
    await env.sleep(timedelta(days=31))
    server_today = statutory.business_date(await env.get_current_time())
    assert (await api.post("/cases", json=case_request(server_today))).status_code == 201
    refused = await api.post("/cases", json=case_request(server_today + timedelta(days=1)))
    assert refused.status_code == 422 and f"today is {server_today}" in refused.json()["detail"]
